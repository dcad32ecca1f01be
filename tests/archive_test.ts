/**
 * `archiveExports`: windows, boundaries, checkpoints, empty windows, gaps,
 * concurrency under one rate limit, and crash safety, against the served
 * emulator with a fixed clock.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ArchiveError,
  archiveExports,
  type ArchiveStore,
  createClient,
  exportRows,
  ValidationError,
} from "../mod.ts";
import { directoryStore } from "../fs.ts";
import {
  type EmulatorEvent,
  sampleEvents,
  type ServeOptions,
} from "../testing.ts";
import { DAY, readTree, storedEvent, withEmulator } from "./helpers.ts";
import { QUICK_API } from "./archive_helpers.ts";
import { monthsBefore } from "../src/retention.ts";

const NOW = Date.UTC(2026, 10, 20, 12);
const FROM = Date.UTC(2026, 10, 1);
const decoder = new TextDecoder();

/** A store in memory that counts its writes. */
function memoryStore(): ArchiveStore & {
  objects: Map<string, Uint8Array>;
  puts: string[];
} {
  const objects = new Map<string, Uint8Array>();
  const puts: string[] = [];
  return {
    objects,
    puts,
    get: (key) =>
      Promise.resolve(
        objects.has(key) ? decoder.decode(objects.get(key)) : null,
      ),
    put: (key, body) => {
      puts.push(key);
      objects.set(key, body.slice());
      return Promise.resolve();
    },
  };
}

/** The emulator of these tests: {@link QUICK_API}, at the fixed clock. */
const AT_NOW: ServeOptions = { ...QUICK_API, now: () => NOW };

/** Every event of the archive's CSV files, as `organization|occurred_at|action|actor_id`. */
async function archivedCsv(objects: Map<string, Uint8Array>) {
  const seen: string[] = [];
  for (const [key, body] of objects) {
    if (!key.endsWith(".csv")) continue;
    const org = key.split("/")[0];
    for await (const row of exportRows(new Response(body.slice()))) {
      seen.push(`${org}|${row.occurred_at}|${row.action}|${row.actor_id}`);
    }
  }
  return seen.sort();
}

const stored = (events: readonly EmulatorEvent[], from: number, to: number) =>
  events.filter((e) => {
    const t = Date.parse(e.occurredAt);
    return t >= from && t < to;
  }).map((e) => `${e.organizationId}|${e.occurredAt}|${e.action}|${e.actor.id}`)
    .sort();

Deno.test("archiveExports archives each whole window once, in files named by their span", async () => {
  const orgs = ["org_a", "org_b", "org_c"];
  const events = sampleEvents({
    organizations: orgs,
    perOrganization: 60,
    now: NOW,
    days: 25,
  });
  await withEmulator({
    ...AT_NOW,
    organizations: orgs,
    events,
  }, async ({ config }) => {
    const store = memoryStore();
    const seen: string[] = [];
    const result = await archiveExports({
      organizationIds: orgs,
      store,
      from: new Date(FROM),
      now: () => NOW,
      onWindow: (w) => seen.push(w.key),
    }, config);
    // Windows end at least an hour before now: Nov 1 to Nov 20 00:00.
    assert.equal(result.windows.length, 3 * 19);
    assert.deepEqual(result.gaps, []);
    assert.deepEqual(seen.sort(), result.windows.map((w) => w.key).sort());
    const first = result.windows.find((w) => w.organizationId === "org_b")!;
    assert.equal(
      first.key,
      "org_b/2026/11/01/20261101T000000Z_20261102T000000Z.csv",
    );
    assert.equal(first.start.toISOString(), "2026-11-01T00:00:00.000Z");
    assert.equal(first.end.toISOString(), "2026-11-02T00:00:00.000Z");
    assert.deepEqual(
      await archivedCsv(store.objects),
      stored(events, FROM, Date.UTC(2026, 10, 20)),
    );
    const rows = result.windows.reduce((n, w) => n + w.rows, 0);
    assert.equal(rows, stored(events, FROM, Date.UTC(2026, 10, 20)).length);
    const { head, ...recorded } = JSON.parse(
      decoder.decode(store.objects.get("org_a/checkpoint.json")),
    );
    assert.deepEqual(
      recorded,
      {
        organizationId: "org_a",
        end: "2026-11-20T00:00:00.000Z",
        key: "org_a/2026/11/19/20261119T000000Z_20261120T000000Z.csv",
        window: DAY,
        format: "csv",
      },
    );
    assert.equal(
      head.key,
      "org_a/2026/11/19/20261119T000000Z_20261120T000000Z.csv.digest.json",
    );
    // Within an organization, the settings are on record before the first
    // window, and each window's file, then its digest, is written before
    // its checkpoint.
    const a = store.puts.filter((k) =>
      k.startsWith("org_a/") && !k.endsWith(".lock")
    );
    assert.equal(a[0], "org_a/checkpoint.json");
    assert.equal(a.length, 1 + 3 * 19);
    for (let i = 1; i < a.length; i += 3) {
      assert.ok(a[i].endsWith(".csv"), a[i]);
      assert.equal(a[i + 1], `${a[i]}.digest.json`);
      assert.equal(a[i + 2], "org_a/checkpoint.json");
    }
    // This store cannot list its keys: late events are not re-checked, and
    // the result says so instead of pretending.
    assert.deepEqual(
      result.recheckSkipped.map((r) => r.organizationId).sort(),
      orgs,
    );

    // A second run has nothing left to do, and asks the API nothing.
    const again = await archiveExports({
      organizationIds: orgs,
      store,
      now: () => NOW,
    }, config);
    assert.deepEqual(again.windows, []);
  });
});

Deno.test("archiveExports places an event on a boundary in exactly one window", async () => {
  const org = "org_edges";
  const start = Date.UTC(2026, 10, 10);
  const end = start + DAY;
  const at = (t: number, action: string) =>
    storedEvent(org, { occurredAt: new Date(t).toISOString(), action });
  const events = [
    at(start, "at.start"),
    at(end - 1, "at.end.minus.1ms"),
    at(end, "at.end"),
    at(end + DAY - 1, "at.next.end.minus.1ms"),
  ];
  for (const format of ["csv", "ndjson"] as const) {
    await withEmulator({
      ...AT_NOW,
      organizations: [org],
      events,
    }, async ({ config }) => {
      const store = memoryStore();
      const result = await archiveExports({
        organizationId: org,
        store,
        from: new Date(start),
        now: () => start + 2 * DAY + 3_600_000,
        format,
      }, config);
      assert.deepEqual(result.windows.map((w) => w.rows), [2, 2], format);
      const files = result.windows.map((w) =>
        decoder.decode(store.objects.get(w.key))
      );
      assert.match(files[0], /at\.start/);
      assert.match(files[0], /at\.end\.minus\.1ms/);
      assert.doesNotMatch(files[0], /"?at\.end"?[,\n]/);
      assert.match(files[1], /at\.end[",]/);
      assert.match(files[1], /at\.next\.end\.minus\.1ms/);
      if (format === "ndjson") {
        const lines = files[1].trim().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(lines.map((e) => e.action), [
          "at.end",
          "at.next.end.minus.1ms",
        ]);
        assert.equal(lines[0].occurredAt, new Date(end).toISOString());
      }
    });
  }
});

Deno.test("archiveExports stores an empty window as an empty file and moves on", async () => {
  const org = "org_quiet";
  const busy = Date.UTC(2026, 10, 12, 9);
  await withEmulator({
    ...AT_NOW,
    organizations: [org],
    events: [storedEvent(org, { occurredAt: new Date(busy).toISOString() })],
  }, async ({ config }) => {
    const store = memoryStore();
    const result = await archiveExports({
      organizationId: org,
      store,
      from: new Date(Date.UTC(2026, 10, 11)),
      now: () => Date.UTC(2026, 10, 14, 2),
    }, config);
    assert.deepEqual(result.windows.map((w) => [w.rows, w.bytes > 0]), [
      [0, false],
      [1, true],
      [0, false],
    ]);
    assert.equal(store.objects.get(result.windows[0].key)!.byteLength, 0);
  });
});

Deno.test("archiveExports reports a checkpoint older than the API keeps as a gap, and archives the rest", async () => {
  const org = "org_late";
  const events = sampleEvents({
    organizations: [org],
    perOrganization: 40,
    now: NOW,
    days: 80,
  });
  await withEmulator({
    ...AT_NOW,
    organizations: [org],
    events,
  }, async ({ config }) => {
    const store = memoryStore();
    const stale = Date.UTC(2026, 5, 1);
    await store.put(
      `${org}/checkpoint.json`,
      new TextEncoder().encode(
        JSON.stringify({ end: new Date(stale).toISOString() }),
      ),
    );
    const result = await archiveExports({
      organizationId: org,
      store,
      now: () => NOW,
    }, config);
    assert.equal(result.gaps.length, 1);
    const [gap] = result.gaps;
    assert.equal(gap.organizationId, org);
    assert.equal(gap.from.toISOString(), new Date(stale).toISOString());
    // Archiving went on from the first whole day the API still exports.
    assert.equal(gap.to.toISOString(), "2026-08-21T00:00:00.000Z");
    assert.equal(result.windows[0].start.getTime(), gap.to.getTime());
    assert.equal(
      result.windows.at(-1)!.end.toISOString(),
      "2026-11-20T00:00:00.000Z",
    );
    assert.deepEqual(
      await archivedCsv(store.objects),
      stored(events, gap.to.getTime(), Date.UTC(2026, 10, 20)),
    );
  });
});

Deno.test("archiveExports validates every option before touching the store or the API", async () => {
  const store = memoryStore();
  let requests = 0;
  const config = {
    apiKey: "sk_test_x",
    fetch: () => {
      requests++;
      return Promise.reject(new Error("no request expected"));
    },
  };
  const cases: [Record<string, unknown>, string[]][] = [
    [{ store }, ["organizationId"]],
    [{ organizationIds: [], store }, ["organizationIds"]],
    [{ organizationId: "org_1" }, ["store"]],
    [{ organizationId: "org_1", store: { get: 1 } }, ["store"]],
    [{ organizationId: "../etc", store }, ["organizationId"]],
    [{ organizationId: "org/1", store }, ["organizationId"]],
    [{ organizationId: "..", store }, ["organizationId"]],
    [{ organizationId: " ", store }, ["organizationId"]],
    [{ organizationId: "o".repeat(256), store }, ["organizationId"]],
    [{ organizationIds: ["org_1", "org_1"], store }, ["organizationIds"]],
    [{ organizationIds: ["org_1", 7], store }, ["organizationIds.1"]],
    [{ organizationId: "org_1", store, from: "yesterday" }, ["from"]],
    [{ organizationId: "org_1", store, window: 59_999 }, ["window"]],
    [{ organizationId: "org_1", store, window: 90_000.5 }, ["window"]],
    [{ organizationId: "org_1", store, window: "1d" }, ["window"]],
    [{ organizationId: "org_1", store, window: 61_500 }, ["window"]],
    [{ organizationId: "org_1", store, settle: -1 }, ["settle"]],
    [{ organizationId: "org_1", store, format: "xml" }, ["format"]],
    [{ organizationId: "org_1", store, concurrency: 0 }, ["concurrency"]],
    [{ organizationId: "org_1", store, onWindow: "log" }, ["onWindow"]],
    [{ organizationId: "org_1", store, windows: 3 }, ["windows"]],
    // A signal belongs to the config, as for every other call.
    [{ organizationId: "org_1", store, signal: AbortSignal.abort() }, [
      "signal",
    ]],
    [{ organizationId: "org_1", store, recheck: 1e300 }, ["recheck"]],
    [{ organizationId: "org_1", store, retentionMonths: NaN }, [
      "retentionMonths",
    ]],
    [{ organizationId: "org_1\u0000", store }, ["organizationId"]],
    [{ organizationId: "org_1", organizationIds: ["org_1"], store }, [
      "organizationIds",
    ]],
  ];
  for (const [options, paths] of cases) {
    const error = await archiveExports(
      options as unknown as Parameters<typeof archiveExports>[0],
      config,
    ).then(() => undefined, (e) => e);
    assert.ok(error instanceof ValidationError, JSON.stringify(options));
    assert.deepEqual(
      error.issues.map((i: { path: string }) => i.path),
      paths,
      JSON.stringify(options).slice(0, 80),
    );
  }
  for (const options of [null, "org_1", 3]) {
    await assert.rejects(
      archiveExports(options as never, config),
      ValidationError,
    );
  }
  assert.equal(requests, 0);
  assert.deepEqual(store.puts, []);
});

Deno.test("archiveExports reports a bad config together with bad options, and takes its signal in the config", async () => {
  const store = memoryStore();
  // The key is never sent: the options fail validation first.
  const error = await archiveExports(
    { organizationId: "org 1", store },
    { apiKey: "sk_test_x", timeout: -1, signal: "stop" as never },
  ).then(() => undefined, (e) => e);
  assert.ok(error instanceof ValidationError);
  assert.deepEqual(error.issues.map((i: { path: string }) => i.path), [
    "timeout",
    "signal",
    "organizationId",
  ]);
  const aborted = new AbortController();
  aborted.abort(new Error("stopped before it began"));
  await assert.rejects(
    archiveExports({ organizationId: "org_1", store }, {
      apiKey: "sk_test_x",
      fetch: () => Promise.reject(new Error("no request expected")),
      signal: aborted.signal,
    }),
    /stopped before it began/,
  );
  assert.deepEqual(store.puts, []);
});

Deno.test("createClient: archiveExports is a method, with the client's config and the call's signal", async () => {
  const organizationId = "org_01EHZNVPK3SFK441A1RGBFSHRT";
  await withEmulator({
    now: () => NOW,
    exportDelayMs: 0,
    rateLimit: false,
    events: [storedEvent(organizationId, {
      occurredAt: new Date(NOW - 2 * DAY).toISOString(),
    })],
  }, async (server) => {
    let attempts = 0;
    const client = createClient({
      apiKey: server.emulator.apiKey,
      baseUrl: server.url,
      onAttempt: () => attempts++,
    });
    const store = memoryStore();
    const result = await client.archiveExports({
      organizationId,
      store,
      from: new Date(NOW - 3 * DAY),
      now: () => NOW,
      recheck: 0,
    }, { signal: new AbortController().signal });
    assert.equal(result.windows.length, 2);
    assert.equal(
      result.windows.reduce((n, w) => n + w.rows, 0),
      1,
      "the one event, archived once",
    );
    assert.ok(attempts > 0, "the client's onAttempt saw the run's requests");
    const stopped = new AbortController();
    stopped.abort(new Error("stopped"));
    await assert.rejects(
      client.archiveExports({ organizationId, store, now: () => NOW }, {
        signal: stopped.signal,
      }),
      /stopped/,
    );
  });
});

Deno.test("archiveExports refuses a checkpoint it cannot read rather than guess", async () => {
  const store = memoryStore();
  await store.put("org_1/checkpoint.json", new TextEncoder().encode("{oops"));
  await withEmulator({
    ...AT_NOW,
    organizations: ["org_1"],
    events: [],
  }, async ({ config }) => {
    const error = await archiveExports({
      organizationId: "org_1",
      store,
      now: () => NOW,
    }, config).then(() => undefined, (e) => e);
    assert.ok(error instanceof ArchiveError, String(error));
    assert.match(error.message, /checkpoint\.json is not/);
  });
});

Deno.test("archiveExports: a Retry-After pauses every organization of the run", async () => {
  const orgs = ["org_1", "org_2", "org_3"];
  const events = sampleEvents({
    organizations: orgs,
    perOrganization: 20,
    now: NOW,
    days: 10,
  });
  await withEmulator({
    organizations: orgs,
    events,
    exportDelayMs: 0,
    rateLimit: false,
  }, async (server) => {
    server.emulator.inject({
      method: "POST",
      status: 429,
      headers: { "retry-after": "1" },
    });
    const store = memoryStore();
    const result = await archiveExports({
      organizationIds: orgs,
      store,
      from: new Date(Date.now() - 4 * DAY - (Date.now() % DAY)),
      concurrency: 3,
    }, { apiKey: server.emulator.apiKey, baseUrl: server.url });
    assert.equal(result.windows.length, orgs.length * 4);
    const requests = server.emulator.requests;
    const refused = requests.findIndex((r) => r.method === "POST");
    // Every request that left after the refusal waited for its Retry-After.
    const after = requests.slice(refused + 1).filter((r) =>
      r.time > requests[refused].time + 50
    );
    assert.ok(after.length > 0);
    for (const r of after) {
      assert.ok(r.time >= requests[refused].time + 1_000, String(r.time));
    }
  });
});

Deno.test("archiveExports survives being stopped anywhere: reruns complete the archive with every event exactly once", async () => {
  const orgs = ["org_x", "org_y"];
  const events = sampleEvents({
    organizations: orgs,
    perOrganization: 40,
    now: NOW,
    days: 12,
  });
  const end = Date.UTC(2026, 10, 20);
  const expected = stored(events, Date.UTC(2026, 10, 10), end);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 40 }), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.boolean(),
      (stops, onDisk) =>
        // A fresh emulator each time: faults a stopped run left unused stay behind.
        withEmulator({
          ...AT_NOW,
          organizations: orgs,
          events,
        }, async ({ config, emulator }) => {
          const dir = onDisk ? await Deno.makeTempDir() : undefined;
          const store = dir ? directoryStore(dir) : memoryStore();
          const options = {
            organizationIds: orgs,
            store,
            from: new Date(Date.UTC(2026, 10, 10)),
            now: () => NOW,
          };
          // Each run is stopped after `stop` more requests, with faults
          // on the way; the last run goes to the end.
          for (const stop of stops) {
            emulator.inject({ method: "POST", status: 503 });
            emulator.inject({
              path: /^\/_emulator\/downloads\//,
              truncate: 200,
            });
            const controller = new AbortController();
            let seen = 0;
            await archiveExports(options, {
              ...config,
              signal: controller.signal,
              maxRetries: 2,
              onAttempt: () => {
                if (++seen === stop) controller.abort(new Error("stopped"));
              },
            }).catch((e) => {
              if (!controller.signal.aborted) throw e;
            });
          }
          // Faults left over from stopped runs may fail a run: rerun until
          // one completes, as a cron job would.
          for (let run = 1;; run++) {
            const done = await archiveExports(options, config).then(
              () => true,
              (e) => {
                if (!(e instanceof ArchiveError) || run === 10) throw e;
                return false;
              },
            );
            if (done) break;
          }
          const objects = dir
            ? await readTree(dir)
            : (store as ReturnType<typeof memoryStore>).objects;
          assert.deepEqual(await archivedCsv(objects), expected);
          if (dir) await Deno.remove(dir, { recursive: true });
        }),
    ),
    { numRuns: 15 },
  );
});

Deno.test("archiveExports: near the edge of what the API exports, the API's clock, not the host's, decides what is a gap", async (t) => {
  const org = "org_edge_clock";
  const real = Date.now();
  // What the API (an emulator on the real clock) still exports starts here.
  const apiEarliest = monthsBefore(real, 3);
  const inside = Math.ceil((apiEarliest + 3_600_000) / DAY) * DAY;
  const outside = inside - 2 * DAY;
  const events = [
    storedEvent(org, {
      occurredAt: new Date(inside + 3_600_000).toISOString(),
    }),
  ];
  const fromCheckpoint = async (
    end: number,
    hostNow: number,
    config: { apiKey: string; baseUrl: string },
  ) => {
    const dir = await Deno.makeTempDir({ prefix: "archive_edge_" });
    try {
      await Deno.mkdir(`${dir}/${org}`);
      await Deno.writeTextFile(
        `${dir}/${org}/checkpoint.json`,
        JSON.stringify({
          organizationId: org,
          end: new Date(end).toISOString(),
          key: null,
          window: DAY,
          format: "csv",
        }),
      );
      return await archiveExports({
        organizationId: org,
        store: directoryStore(dir),
        now: () => hostNow,
        recheck: 0,
      }, config);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  };
  await withEmulator({
    ...AT_NOW,
    organizations: [org],
    events,
    now: Date.now,
  }, async ({ config }) => {
    await t.step(
      "a host clock two days ahead records no gap the API can still fill",
      async () => {
        const result = await fromCheckpoint(inside, real + 2 * DAY, config);
        assert.deepEqual(result.gaps, []);
        assert.equal(result.windows[0].start.getTime(), inside);
        assert.equal(result.windows[0].rows, 1);
      },
    );
    await t.step(
      "a host clock three days behind records the gap instead of asking for a window the API refuses",
      async () => {
        // Inside the host's idea of what is still exported, not the API's.
        const result = await fromCheckpoint(outside, real - 3 * DAY, config);
        assert.equal(result.gaps.length, 1);
        assert.equal(result.gaps[0].from.getTime(), outside);
        assert.ok(result.gaps[0].to.getTime() > apiEarliest);
        assert.ok(result.windows.length > 0);
      },
    );
  });
});

Deno.test("archiveExports: onPlan tells each organization's windows to do before the first, and a rerun plans none", async () => {
  const orgs = ["org_plan_a", "org_plan_b"];
  await withEmulator({
    now: () => NOW,
    exportDelayMs: 0,
    rateLimit: false,
    organizations: orgs,
    events: orgs.map((org) =>
      storedEvent(org, { occurredAt: new Date(NOW - 2 * DAY).toISOString() })
    ),
  }, async (server) => {
    const store = memoryStore();
    const seen: string[] = [];
    const options = {
      organizationIds: orgs,
      store,
      from: new Date(Date.UTC(2026, 10, 15)),
      now: () => NOW,
      recheck: 0,
      concurrency: 1,
      onPlan: (p: { organizationId: string; windows: number; from: Date }) =>
        seen.push(
          `plan ${p.organizationId} ${p.windows} ${p.from.toISOString()}`,
        ),
      onWindow: (w: { organizationId: string }) =>
        seen.push(`window ${w.organizationId}`),
    };
    const result = await archiveExports(options, server.config);
    // Nov 15 to Nov 20 (NOW is Nov 20, 12:00; a window ends an hour before).
    const days = 5;
    assert.equal(result.windows.length, days * orgs.length);
    assert.deepEqual(
      seen,
      orgs.flatMap((org) => [
        `plan ${org} ${days} 2026-11-15T00:00:00.000Z`,
        ...Array.from({ length: days }, () => `window ${org}`),
      ]),
    );
    seen.length = 0;
    await archiveExports(options, server.config);
    assert.deepEqual(
      seen,
      orgs.map((org) => `plan ${org} 0 2026-11-20T00:00:00.000Z`),
    );
    for (const bad of ["log", 1, null]) {
      await assert.rejects(
        archiveExports({ ...options, onPlan: bad as never }, server.config),
        (e: unknown) =>
          e instanceof ValidationError &&
          e.issues.some((i) => i.path === "onPlan"),
      );
    }
  });
});
