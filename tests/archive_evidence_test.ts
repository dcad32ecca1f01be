/**
 * Evidence that `archiveExports` keeps every event exactly once: event
 * times in every ISO-8601 spelling, rows that cannot be placed, settings
 * and crash states, locks across processes, checkpoints that cannot be
 * right, boundaries under every reading of an export's range, a host clock
 * ahead of the API's, a long Retry-After, the gaps ledger, the export's own
 * bytes, late and vanished events, and archivers killed at random.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ArchiveError,
  archiveExports,
  createExport,
  downloadExport,
} from "../mod.ts";
import { directoryStore } from "../fs.ts";
import type { EmulatorEvent, RangeBounds } from "../testing.ts";
import {
  checkpointOf,
  childOutput,
  concatBytes,
  DAY,
  decoder,
  encoder,
  event,
  expectedUnion,
  exportsPosted,
  files,
  hookedStore,
  HOUR,
  partFiles,
  postEvent,
  prng,
  QUICK_API,
  serveFakeApi,
  spawnChild,
  splitRecords,
  storedRows,
  timeOf,
  union,
  withDir,
  writeKey,
} from "./archive_helpers.ts";
import { type Api, withEmulator } from "./helpers.ts";

const ORG = "org_evidence";
const D10 = Date.UTC(2026, 10, 10);
const D11 = D10 + DAY;
const D12 = D10 + 2 * DAY;
const D13 = D10 + 3 * DAY;
/** A clock at which the windows of Nov 10, 11 and 12 are closed. */
const AFTER_D12 = D13 + 2 * HOUR;

const iso = (ms: number) => new Date(ms).toISOString();
const compact = (ms: number) => iso(ms).replace(/[-:]|\.\d{3}/g, "");
const stem = (org: string, start: number, end: number) =>
  `${org}/${iso(start).slice(0, 10).replaceAll("-", "/")}/${compact(start)}_${
    compact(end)
  }`;
const keyOf = (
  org: string,
  start: number,
  format: "csv" | "ndjson" = "csv",
  length = DAY,
) => `${stem(org, start, start + length)}.${format}`;

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof Error, `expected a rejection, got ${error}`);
  return error;
}

// ---------------------------------------------------------------------------
// 1. Event times: every spelling placed, none guessed.

Deno.test("archive places every ISO-8601 spelling of occurred_at the emulator stores, in both formats", async () => {
  // Each event's window by its instant, whatever the spelling.
  const spelled: [string, string, number][] = [
    ["space.separator", "2026-11-10 23:59:59.999Z", D10],
    ["offset.0000", "2026-11-11T00:00:00+0000", D11],
    ["offset.colon", "2026-11-11T01:00:00+01:00", D11],
    ["offset.before.midnight", "2026-11-11T00:59:59.999+01:00", D10],
    ["nine.digits", "2026-11-10T23:59:59.999999999Z", D10],
    ["one.digit", "2026-11-12T00:00:00.1Z", D12],
    ["no.seconds", "2026-11-11T00:00Z", D11],
    ["lower.case", "2026-11-10t12:00:00.5z", D10],
    ["negative.offset", "2026-11-11T23:30:00-01:00", D12],
  ];
  const events = spelled.map(([action, at]) => event(ORG, action, at));
  for (const format of ["csv", "ndjson"] as const) {
    await withEmulator(
      { ...QUICK_API, organizations: [ORG], events, now: () => AFTER_D12 },
      (api) =>
        withDir(async (dir) => {
          const result = await archiveExports({
            organizationId: ORG,
            store: directoryStore(dir),
            from: new Date(D10),
            now: () => AFTER_D12,
            format,
          }, api.config);
          assert.deepEqual(
            result.windows.map((w) => [w.key, w.rows]),
            [
              [keyOf(ORG, D10, format), 4],
              [keyOf(ORG, D11, format), 3],
              [keyOf(ORG, D12, format), 2],
            ],
          );
          const stored = await files(dir);
          for (const [action, at, start] of spelled) {
            const text = decoder.decode(stored.get(keyOf(ORG, start, format)));
            if (format === "csv") {
              // The export's own spelling, as received.
              assert.ok(
                text.includes(`${action},${at},`),
                `${action}\n${text}`,
              );
            } else {
              const line = text.split("\n").find((l) => l.includes(action))!;
              assert.equal(
                JSON.parse(line).occurredAt,
                // The instant, to the millisecond: digits past it are cut, never rounded.
                iso(timeOf(at)!),
                action,
              );
            }
          }
          assert.deepEqual(
            await union(stored),
            events.map((e) => `${ORG}|${e.action}`).sort(),
          );
        }),
    );
  }
});

Deno.test("archive places spellings a JavaScript Date cannot read (±hh, comma fraction, -00:00) from a raw API", async () => {
  const rows: [string, string, number][] = [
    ["hours.only.before", "2026-11-10T23:59:59+00", D10],
    ["hours.only.on", "2026-11-11T00:00:00+00", D11],
    ["comma.fraction", "2026-11-10T23:59:59,9999Z", D10],
    ["minus.zero", "2026-11-11T00:00:00-00:00", D11],
    ["india.on", "2026-11-11T05:30:00+0530", D11],
    ["india.before", "2026-11-11T05:29:59.999999+05:30", D10],
    ["hours.only.west", "2026-11-10T21:00:00-03", D11],
  ];
  const header = "action,occurred_at,actor_id,actor_type,context_location\r\n";
  // Every export gets every row, inside its range or not: only the local
  // filter decides.
  const csv = header +
    rows.map(([a, t]) => `${a},"${t}",user_1,user,here\r\n`).join("");
  for (const format of ["csv", "ndjson"] as const) {
    const api = serveFakeApi(() => csv, () => AFTER_D12);
    try {
      await withDir(async (dir) => {
        const result = await archiveExports({
          organizationId: ORG,
          store: directoryStore(dir),
          from: new Date(D10),
          now: () => AFTER_D12,
          format,
          recheck: 0,
        }, api.config);
        assert.deepEqual(result.windows.map((w) => w.rows), [3, 4, 0]);
        const stored = await files(dir);
        for (const [action, , start] of rows) {
          const text = decoder.decode(stored.get(keyOf(ORG, start, format)));
          assert.ok(text.includes(action), `${action} in ${start}`);
        }
        // Each row in exactly one file.
        assert.deepEqual(
          await union(stored),
          rows.map(([a]) => `${ORG}|${a}`).sort(),
        );
        // The re-check places them the same way: nothing late, nothing gone.
        const again = await archiveExports({
          organizationId: ORG,
          store: directoryStore(dir),
          now: () => AFTER_D12,
          format,
        }, api.config);
        assert.deepEqual([again.windows, again.late, again.vanished], [
          [],
          [],
          [],
        ]);
      });
    } finally {
      await api.close();
    }
  }
});

Deno.test("a row whose occurred_at cannot be placed fails its window the same way in CSV and NDJSON", async () => {
  const header = "action,occurred_at,actor_id,actor_type,context_location\r\n";
  const good = (t: number) => `good.${t},${iso(t)},user_1,user,here\r\n`;
  for (
    const bad of [
      "",
      "garbage",
      "2026-11-11T10:00:00", // no zone
      "2026-02-30T10:00:00Z", // no such day
      "2026-11-11T24:00:00Z",
      "11/11/2026 10:00",
    ]
  ) {
    const messages: string[] = [];
    for (const format of ["csv", "ndjson"] as const) {
      // The export of Nov 11 holds the bad row on line 3, after a good one.
      const csvFor = (start: number) =>
        start < D11 - 1000
          ? header + good(D10 + HOUR)
          : header + good(D11 + HOUR) +
            `bad,${bad === "" ? "" : `"${bad}"`},user_1,user,here\r\n` +
            good(D11 + 2 * HOUR);
      let broken = true;
      const api = serveFakeApi(
        (start) => broken || start < D11 - 1000 ? csvFor(start) : header,
        () => AFTER_D12,
      );
      try {
        await withDir(async (dir) => {
          const options = {
            organizationId: ORG,
            store: directoryStore(dir),
            from: new Date(D10),
            now: () => AFTER_D12,
            format,
          };
          const error = await rejection(archiveExports(options, api.config));
          assert.ok(error instanceof ArchiveError, String(error));
          assert.match(error.message, /line 3/);
          assert.ok(
            error.message.includes(`occurred_at ${JSON.stringify(bad)}`),
            error.message,
          );
          messages.push(error.message);
          // Nov 10 is archived; Nov 11 is not, and the checkpoint did not move past it.
          assert.deepEqual(error.result.windows.map((w) => w.key), [
            keyOf(ORG, D10, format),
          ]);
          assert.equal((await checkpointOf(dir, ORG))!.end, iso(D11));
          assert.deepEqual([...(await files(dir)).keys()], [
            keyOf(ORG, D10, format),
            `${keyOf(ORG, D10, format)}.digest.json`,
            `${ORG}/checkpoint.json`,
          ]);
          assert.deepEqual(await partFiles(dir), []);
          // Once the API exports placeable rows, the window is archived.
          broken = false;
          const rerun = await archiveExports(options, api.config);
          assert.deepEqual(rerun.windows.map((w) => w.start.getTime()), [
            D11,
            D12,
          ]);
        });
      } finally {
        await api.close();
      }
    }
    assert.equal(messages[0], messages[1], "the same message in both formats");
  }
});

Deno.test("an event the emulator stores without a zone fails its window instead of being guessed", async () => {
  for (const format of ["csv", "ndjson"] as const) {
    await withEmulator({
      ...QUICK_API,
      organizations: [ORG],
      events: [
        event(ORG, "fine", D10 + HOUR),
        // Date.parse reads it (as local time); an archive must not.
        event(ORG, "zoneless", "2026-11-11T12:00:00"),
      ],
      now: () => AFTER_D12,
    }, (api) =>
      withDir(async (dir) => {
        const error = await rejection(archiveExports({
          organizationId: ORG,
          store: directoryStore(dir),
          from: new Date(D10),
          now: () => AFTER_D12,
          format,
        }, api.config));
        assert.match(error.message, /"2026-11-11T12:00:00".*line 2/);
        assert.equal((await checkpointOf(dir, ORG))!.end, iso(D11));
      }));
  }
});

// ---------------------------------------------------------------------------
// 3. Settings on record: refused, never doubled, in every state a crash leaves.

/** Three events a day on Nov 10–12, some a millisecond off midnight, and one on Nov 13. */
function threeDays(org = ORG): EmulatorEvent[] {
  const out: EmulatorEvent[] = [];
  for (const day of [D10, D11, D12]) {
    for (const offset of [0, 7 * HOUR, DAY - 1]) {
      out.push(event(org, `e.${iso(day + offset)}`, day + offset));
    }
  }
  out.push(event(org, "e.nov13", D13 + HOUR));
  return out;
}

/** The options of a run into `store` at `now`, csv daily unless told. */
const runOptions = (
  store: ReturnType<typeof directoryStore> | ReturnType<typeof hookedStore>,
  now = AFTER_D12,
  extra: Record<string, unknown> = {},
) => ({
  organizationId: ORG,
  store,
  from: new Date(D10),
  now: () => now,
  ...extra,
});

/** Runs with other settings, each refused without a file added or changed. */
async function assertOtherSettingsRefused(api: Api, dir: string) {
  const before = await files(dir);
  for (
    const [other, asked] of [
      [{ format: "ndjson" }, /this run asks for "ndjson" windows of 1d/],
      [{ window: 12 * HOUR }, /this run asks for "csv" windows of 43200s/],
      [{ format: "ndjson", window: HOUR }, /"ndjson"/],
    ] as const
  ) {
    const error = await rejection(
      archiveExports(runOptions(directoryStore(dir), AFTER_D12, other), {
        ...api.config,
      }),
    );
    assert.ok(error instanceof ArchiveError, String(error));
    assert.match(error.message, /made of "csv" windows of 1d/);
    assert.match(error.message, asked);
    assert.match(
      error.message,
      /run with format csv and window 1d, or archive into a new store/,
    );
    assert.match(error.message, new RegExp(`${ORG}/checkpoint\\.json`));
    assert.deepEqual(error.result.windows, []);
  }
  assert.deepEqual(await files(dir), before, "nothing written or changed");
}

Deno.test("a run with other settings is refused in every state a crash can leave, and the same settings complete it exactly once", async () => {
  const events = threeDays();
  const expected = expectedUnion(events, D10, D13);
  /** Each state: how to reach it from an empty directory. */
  const states: [string, (api: Api, dir: string) => Promise<void>][] = [
    ["after a complete run", async (api, dir) => {
      await archiveExports(runOptions(directoryStore(dir)), api.config);
    }],
    [
      "after the settings were recorded, before the first window file",
      async (api, dir) => {
        const store = hookedStore(dir, (op) => {
          if (op === "write") throw new Error("crash");
        });
        await rejection(archiveExports(runOptions(store), api.config));
        assert.equal((await checkpointOf(dir, ORG))!.end, iso(D10));
      },
    ],
    ["after the first window file, before its checkpoint", async (api, dir) => {
      let checkpoints = 0;
      const store = hookedStore(dir, (op, key) => {
        if (
          op === "put" && key.endsWith("checkpoint.json") && ++checkpoints === 2
        ) {
          throw new Error("crash");
        }
      });
      await rejection(archiveExports(runOptions(store), api.config));
      assert.equal((await checkpointOf(dir, ORG))!.end, iso(D10));
      assert.ok((await files(dir)).has(keyOf(ORG, D10)));
    }],
    [
      "after the second window file, before its checkpoint",
      async (api, dir) => {
        let checkpoints = 0;
        const store = hookedStore(dir, (op, key) => {
          if (
            op === "put" && key.endsWith("checkpoint.json") &&
            ++checkpoints === 3
          ) {
            throw new Error("crash");
          }
        });
        await rejection(archiveExports(runOptions(store), api.config));
        assert.equal((await checkpointOf(dir, ORG))!.end, iso(D11));
        assert.ok((await files(dir)).has(keyOf(ORG, D11)));
      },
    ],
    [
      "with the checkpoint's end rewound a window, its settings kept",
      async (api, dir) => {
        await archiveExports(runOptions(directoryStore(dir)), api.config);
        const checkpoint = (await checkpointOf(dir, ORG))!;
        await writeKey(
          dir,
          `${ORG}/checkpoint.json`,
          JSON.stringify({ ...checkpoint, end: iso(D12) }),
        );
      },
    ],
  ];
  for (const [name, reach] of states) {
    await withEmulator(
      { ...QUICK_API, organizations: [ORG], events, now: () => AFTER_D12 },
      (api) =>
        withDir(async (dir) => {
          await reach(api, dir);
          await assertOtherSettingsRefused(api, dir);
          const result = await archiveExports(
            runOptions(directoryStore(dir)),
            api.config,
          );
          assert.deepEqual(result.gaps, [], name);
          const stored = await files(dir);
          assert.deepEqual(await union(stored), expected, name);
          assert.deepEqual([...stored.keys()], [
            keyOf(ORG, D10),
            `${keyOf(ORG, D10)}.digest.json`,
            keyOf(ORG, D11),
            `${keyOf(ORG, D11)}.digest.json`,
            keyOf(ORG, D12),
            `${keyOf(ORG, D12)}.digest.json`,
            `${ORG}/checkpoint.json`,
          ], name);
          const { head, ...recorded } = (await checkpointOf(dir, ORG))!;
          assert.deepEqual(recorded, {
            organizationId: ORG,
            end: iso(D13),
            key: keyOf(ORG, D12),
            window: DAY,
            format: "csv",
          }, name);
          // The chain's head is the last window's digest.
          assert.equal(
            (head as { key: string }).key,
            `${keyOf(ORG, D12)}.digest.json`,
            name,
          );
          assert.deepEqual(await partFiles(dir), [], name);
        }),
    );
  }
});

Deno.test("a checkpoint rewound over windows with late-event addenda stores no event twice", async () => {
  const events = threeDays();
  let now = AFTER_D12;
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events, now: () => now },
    (api) =>
      withDir(async (dir) => {
        await archiveExports(runOptions(directoryStore(dir), now), api.config);
        // A late event of Nov 11, found by the next run's re-check.
        const late = event(ORG, "late.nov11", D11 + 5 * HOUR);
        await postEvent(api, late);
        now += HOUR;
        const second = await archiveExports(
          runOptions(directoryStore(dir), now),
          api.config,
        );
        assert.deepEqual(second.late.map((l) => [l.window, l.rows]), [
          [keyOf(ORG, D11), 1],
        ]);
        const windowBytes = (await files(dir)).get(keyOf(ORG, D11))!;
        // Someone rewinds the checkpoint to Nov 10, its settings kept.
        const checkpoint = (await checkpointOf(dir, ORG))!;
        await writeKey(
          dir,
          `${ORG}/checkpoint.json`,
          JSON.stringify({ ...checkpoint, end: iso(D10) }),
        );
        now += HOUR;
        await archiveExports(runOptions(directoryStore(dir), now), api.config);
        const stored = await files(dir);
        assert.deepEqual(
          await union(stored),
          expectedUnion([...events, late], D10, D13),
        );
        // An archived window file is never rewritten.
        assert.deepEqual(stored.get(keyOf(ORG, D11)), windowBytes);
        assert.equal((await checkpointOf(dir, ORG))!.end, iso(D13));
      }),
  );
});

Deno.test("without a checkpoint, or with one that records no settings, window files of other settings are not doubled", async () => {
  const events = threeDays();
  const cases: [string, (dir: string) => Promise<void>][] = [
    [
      "the checkpoint removed",
      (dir) => Deno.remove(`${dir}/${ORG}/checkpoint.json`),
    ],
    [
      "a checkpoint with no settings, a window behind",
      (dir) =>
        writeKey(
          dir,
          `${ORG}/checkpoint.json`,
          JSON.stringify({ end: iso(D12) }),
        ),
    ],
  ];
  for (const [name, damage] of cases) {
    await withEmulator(
      { ...QUICK_API, organizations: [ORG], events, now: () => AFTER_D12 },
      (api) =>
        withDir(async (dir) => {
          await archiveExports(runOptions(directoryStore(dir)), api.config);
          await damage(dir);
          for (const other of [{ format: "ndjson" }, { window: 12 * HOUR }]) {
            const error = await rejection(
              archiveExports(
                runOptions(directoryStore(dir), AFTER_D12, other),
                api.config,
              ),
            );
            assert.ok(error instanceof ArchiveError, `${name}: ${error}`);
            assert.match(error.message, /"csv" windows of 1d/, name);
          }
          // Windows of the same length cut at other instants overlap the
          // stored ones just as well.
          if (name === "the checkpoint removed") {
            const error = await rejection(archiveExports(
              runOptions(directoryStore(dir), AFTER_D12, {
                from: new Date(D10 + 5 * HOUR),
              }),
              api.config,
            ));
            assert.ok(error instanceof ArchiveError, `${name}: ${error}`);
            assert.match(
              error.message,
              /start at 2026-11-10T00:00:00\.000Z .*would start at 2026-11-10T05:00:00\.000Z .*run from 2026-11-11T00:00:00\.000Z/,
              name,
            );
            assert.equal(await checkpointOf(dir, ORG), undefined);
          }
          // The same settings go on without doubling anything.
          await archiveExports(runOptions(directoryStore(dir)), api.config);
          const stored = await files(dir);
          assert.deepEqual(
            await union(stored),
            expectedUnion(events, D10, D13),
            name,
          );
          assert.equal((await checkpointOf(dir, ORG))!.format, "csv", name);
        }),
    );
  }
});

// ---------------------------------------------------------------------------
// 4. Locks: one archiver per organization, a dead one's lock taken over.

const DOWNLOADS = /^\/_emulator\/downloads\//;

/** Waits until `path` exists. */
async function appears(path: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await Deno.stat(path);
      return;
    } catch {
      if (Date.now() > until) throw new Error(`${path} never appeared`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

Deno.test("two archivers at once in one process: the second fails naming the lock, the first completes, every event once", async () => {
  const events = threeDays();
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events, now: () => AFTER_D12 },
    (api) =>
      withDir(async (dir) => {
        api.emulator.inject({ path: DOWNLOADS, delayMs: 150, times: 10 });
        const first = archiveExports(
          runOptions(directoryStore(dir)),
          api.config,
        );
        await appears(`${dir}/${ORG}/archive.lock`);
        const error = await rejection(
          archiveExports(runOptions(directoryStore(dir)), api.config),
        );
        assert.ok(error instanceof ArchiveError, String(error));
        assert.ok(
          error.message.includes(`${dir}/${ORG}/archive.lock`),
          error.message,
        );
        assert.match(error.message, /another archive run holds/);
        assert.doesNotMatch(error.message, /ENOENT/);
        assert.equal(
          (error.failures[0].error as Error).name,
          "LockHeldError",
        );
        const result = await first;
        assert.equal(result.windows.length, 3);
        assert.deepEqual(
          await union(await files(dir)),
          expectedUnion(events, D10, D13),
        );
        assert.deepEqual(await partFiles(dir), []);
        // Released: a third run takes it at once.
        await rejection(Deno.stat(`${dir}/${ORG}/archive.lock`));
        await archiveExports(runOptions(directoryStore(dir)), api.config);
      }),
  );
});

Deno.test("two archiver processes at once: each organization is archived by one, the other fails naming its lock, nothing is lost, every event once", async () => {
  const orgs = [ORG, "org_evidence_2"];
  const events = [...threeDays(ORG), ...threeDays("org_evidence_2")];
  await withEmulator(
    { ...QUICK_API, organizations: orgs, events, now: () => AFTER_D12 },
    (api) =>
      withDir(async (dir) => {
        api.emulator.inject({ path: DOWNLOADS, delayMs: 250, times: 100 });
        const job = {
          dir,
          baseUrl: api.url,
          apiKey: api.config.apiKey,
          organizationIds: orgs,
          from: D10,
          now: AFTER_D12,
        };
        const outputs = await Promise.all(
          [spawnChild(job), spawnChild(job)].map(childOutput),
        );
        for (const o of outputs) {
          assert.doesNotMatch(o.out, /ENOENT|NotFound/, o.out);
          assert.ok(
            o.code === 0 ||
              /another archive run holds .*archive\.lock/.test(o.out),
            o.out,
          );
        }
        // Each organization was archived whole by whichever took its lock
        // (they may share the work: each takes the locks it finds free).
        assert.deepEqual(
          await union(await files(dir)),
          expectedUnion(events, D10, D13),
        );
        assert.deepEqual(await partFiles(dir), []);
        const rerun = await archiveExports(
          {
            ...runOptions(directoryStore(dir)),
            organizationId: undefined,
            organizationIds: orgs,
          },
          api.config,
        );
        assert.deepEqual([rerun.windows, rerun.late], [[], []]);
      }),
  );
});

Deno.test("the lock of an archiver process that was SIGKILLed is taken over; a live one's is not", async () => {
  const events = threeDays();
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events, now: () => AFTER_D12 },
    (api) =>
      withDir(async (dir) => {
        const child = spawnChild({
          dir,
          baseUrl: api.url,
          apiKey: api.config.apiKey,
          organizationIds: [ORG],
          from: D10,
          now: AFTER_D12,
          holdLock: `${ORG}/archive.lock`,
        });
        const reader = child.stdout.getReader();
        let said = "";
        while (!said.includes("locked")) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`the child ended: ${said}`);
          said += decoder.decode(value);
        }
        const held = await rejection(
          archiveExports(runOptions(directoryStore(dir)), api.config),
        );
        assert.match(held.message, /another archive run holds/);
        assert.match(held.message, new RegExp(`pid ${child.pid} on this host`));
        assert.deepEqual([...(await files(dir)).keys()], []);
        child.kill("SIGKILL");
        const status = await child.status;
        assert.equal(status.signal, "SIGKILL");
        reader.releaseLock();
        await child.stdout.cancel();
        await child.stderr.cancel();
        // The holder is gone: the next run takes the lock over at once.
        const result = await archiveExports(
          runOptions(directoryStore(dir)),
          api.config,
        );
        assert.equal(result.windows.length, 3);
        assert.deepEqual(
          await union(await files(dir)),
          expectedUnion(events, D10, D13),
        );
        await rejection(Deno.stat(`${dir}/${ORG}/archive.lock`));
        assert.deepEqual(await partFiles(dir), []);
      }),
  );
});

// ---------------------------------------------------------------------------
// 5. Checkpoints and ledgers that cannot be right.

Deno.test("a checkpoint that cannot be right fails its organization, naming the file and the repair, and touches nothing", async () => {
  const good = { organizationId: ORG, key: null, window: DAY, format: "csv" };
  const cases: [string, string, RegExp][] = [
    [
      "in the future",
      JSON.stringify({ ...good, end: iso(AFTER_D12 + 2 * DAY) }),
      /later than any window can end yet/,
    ],
    [
      "off the grid of its windows",
      JSON.stringify({
        ...good,
        end: iso(D11 + 5 * HOUR),
        key: keyOf(ORG, D10),
      }),
      /not where any of its windows can end/,
    ],
    [
      "of another organization",
      JSON.stringify({ ...good, organizationId: "org_other", end: iso(D11) }),
      /belongs to "org_other", not org_evidence/,
    ],
    ["not JSON", "{oops", /is not \{"end"/],
    ["an array", "[]", /is not \{"end"/],
    ["null", "null", /is not \{"end"/],
    ["a number for end", JSON.stringify({ ...good, end: 5 }), /no "end"/],
    [
      "a date alone",
      JSON.stringify({ ...good, end: "2026-11-10" }),
      /no "end"/,
    ],
    [
      "a time with no zone",
      JSON.stringify({ ...good, end: "2026-11-10T00:00:00" }),
      /no "end"/,
    ],
    [
      "a window that is text",
      JSON.stringify({ ...good, end: iso(D11), window: "1d" }),
      /settings that cannot be right/,
    ],
    [
      "a window and no format",
      JSON.stringify({ end: iso(D11), window: DAY }),
      /settings that cannot be right/,
    ],
    [
      "an unknown format",
      JSON.stringify({ ...good, end: iso(D11), format: "xml" }),
      /settings that cannot be right/,
    ],
    [
      "a negative window",
      JSON.stringify({ ...good, end: iso(D11), window: -DAY }),
      /settings that cannot be right/,
    ],
  ];
  const other = "org_evidence_ok";
  const events = [...threeDays(ORG), ...threeDays(other)];
  await withEmulator(
    { ...QUICK_API, organizations: [ORG, other], events, now: () => AFTER_D12 },
    async (api) => {
      for (const [name, text, why] of cases) {
        await withDir(async (dir) => {
          await writeKey(dir, `${ORG}/checkpoint.json`, text);
          const error = await rejection(archiveExports({
            organizationIds: [ORG, other],
            store: directoryStore(dir),
            from: new Date(D10),
            now: () => AFTER_D12,
          }, api.config));
          assert.ok(error instanceof ArchiveError, `${name}: ${error}`);
          assert.deepEqual(
            error.failures.map((f) => f.organizationId),
            [ORG],
            name,
          );
          const message = (error.failures[0].error as Error).message;
          assert.match(message, why, name);
          assert.ok(message.includes(`${ORG}/checkpoint.json`), message);
          assert.match(message, /[Rr]epair .*or remove/, name);
          // The other organization was archived all the same.
          assert.deepEqual(
            [...new Set(error.result.windows.map((w) => w.organizationId))],
            [other],
          );
          const stored = await files(dir);
          assert.equal(
            decoder.decode(stored.get(`${ORG}/checkpoint.json`)),
            text,
            name,
          );
          assert.deepEqual(
            [...stored.keys()].filter((k) => k.startsWith(`${ORG}/`)),
            [`${ORG}/checkpoint.json`],
            name,
          );
        });
      }
    },
  );
});

Deno.test("a gaps ledger that cannot be right fails its organization, naming the file, and is never replaced", async () => {
  await withEmulator(
    {
      ...QUICK_API,
      organizations: [ORG],
      events: threeDays(),
      now: () => AFTER_D12,
    },
    async (api) => {
      for (
        const text of [
          "{}",
          "[]",
          '{"gaps": [{"from": "x", "to": "y", "detectedAt": "z"}]}',
          '{"gaps": [null]}',
        ]
      ) {
        await withDir(async (dir) => {
          await writeKey(dir, `${ORG}/gaps.json`, text);
          const error = await rejection(archiveExports(
            { ...runOptions(directoryStore(dir)), acceptGaps: true },
            api.config,
          ));
          assert.ok(error.message.includes(`${ORG}/gaps.json`), error.message);
          assert.match(error.message, /never remove it/);
          assert.equal(
            await Deno.readTextFile(`${dir}/${ORG}/gaps.json`),
            text,
          );
        });
      }
    },
  );
});

// ---------------------------------------------------------------------------
// 6. Boundaries under every reading of an export's range.

Deno.test("events on and around every window boundary land in exactly one window, under every reading of the range's ends", async () => {
  const F = D10;
  const at: number[] = [F - 1_000, F - 1, F, F + 1, F + 999, F + 1_000];
  for (const boundary of [F + DAY, F + 2 * DAY, F + 3 * DAY, F + 4 * DAY]) {
    at.push(
      boundary - 1_000,
      boundary - 1,
      boundary,
      boundary + 1,
      boundary + 1_000,
    );
  }
  at.push(F + 4 * DAY + 1_000, F + 5 * DAY - 1);
  const events = at.map((t) => event(ORG, `b.${iso(t)}`, t));
  for (const bounds of ["[]", "[)", "(]", "()"] as RangeBounds[]) {
    for (const format of ["csv", "ndjson"] as const) {
      let now = F + 3 * DAY + 2 * HOUR;
      await withEmulator(
        {
          ...QUICK_API,
          organizations: [ORG],
          events,
          now: () => now,
          rangeBounds: bounds,
        },
        (api) =>
          withDir(async (dir) => {
            const run = () =>
              archiveExports({
                organizationId: ORG,
                store: directoryStore(dir),
                from: new Date(F),
                now: () => now,
                format,
              }, api.config);
            const first = await run();
            assert.equal(first.windows.length, 3);
            // The end of the last window is the start of the next run's first.
            now += DAY;
            const second = await run();
            assert.deepEqual(
              second.windows.map((w) => w.start.getTime()),
              [F + 3 * DAY],
            );
            assert.deepEqual(second.late, [], `${bounds} ${format}`);
            const rows = await storedRows(await files(dir));
            // Each in the window its own time belongs to, and only there.
            for (const r of rows) {
              assert.equal(
                r.start,
                F + Math.floor((r.time - F) / DAY) * DAY,
                `${bounds} ${format} ${r.action} in ${r.key}`,
              );
            }
            assert.deepEqual(
              rows.map((r) => r.action).sort(),
              events.filter((e) => {
                const t = Date.parse(e.occurredAt);
                return t >= F && t < F + 4 * DAY;
              }).map((e) => e.action).sort(),
              `${bounds} ${format}`,
            );
          }),
      );
    }
  }
});

// ---------------------------------------------------------------------------
// 7. A host clock ahead of the API's.

Deno.test("with the host clock two days ahead, windows still open at the API are not archived, and a later run archives what was written meanwhile", async () => {
  const real = Date.now();
  const today = real - (real % DAY);
  const from = today - 2 * DAY;
  // Run with and without an event already in today's window: the API's
  // time comes from the export's created_at, or from the Date of its
  // "No audit log events found".
  for (const busyToday of [true, false]) {
    let apiShift = 0;
    const events = [
      event(ORG, "two.days.ago", from + HOUR),
      event(ORG, "yesterday", from + DAY + HOUR),
      ...(busyToday ? [event(ORG, "today.early", today)] : []),
    ];
    await withEmulator(
      {
        ...QUICK_API,
        organizations: [ORG],
        events,
        now: () => Date.now() + apiShift,
      },
      (api) =>
        withDir(async (dir) => {
          const run = () =>
            archiveExports({
              organizationId: ORG,
              store: directoryStore(dir),
              from: new Date(from),
              now: () => Date.now() + apiShift + 2 * DAY,
            }, api.config);
          const first = await run();
          const apiNow = Date.now();
          // Nothing that had not ended an hour ago by the API's clock.
          for (const w of first.windows) {
            assert.ok(w.end.getTime() <= apiNow - HOUR, w.key);
          }
          const checkpoint = Date.parse(
            (await checkpointOf(dir, ORG))!.end as string,
          );
          assert.ok(checkpoint <= today, iso(checkpoint));
          assert.ok(
            ![...(await files(dir)).keys()].includes(keyOf(ORG, today)),
            `today's window is open at the API (busy: ${busyToday})`,
          );
          // An event written now, into today's window.
          const written = event(ORG, "written.later", Date.now());
          await postEvent(api, written);
          // A day later by the API's clock, today's window is closed.
          apiShift = DAY + 2 * HOUR;
          const second = await run();
          assert.ok(
            second.windows.some((w) => w.start.getTime() === today),
            `busy: ${busyToday}`,
          );
          const rows = await storedRows(await files(dir));
          const later = rows.filter((r) => r.action === "written.later");
          assert.equal(later.length, 1);
          assert.equal(later[0].key, keyOf(ORG, today));
          assert.equal(later[0].late, false);
          assert.deepEqual(
            await union(await files(dir)),
            expectedUnion([...events, written], from, today + DAY),
          );
        }),
    );
  }
});

// ---------------------------------------------------------------------------
// 8. A long Retry-After does not time out the other organizations.

Deno.test("a 429 with a Retry-After longer than the time-out pauses every organization without timing any out", async () => {
  const orgs = ["org_rl_1", "org_rl_2", "org_rl_3"];
  const real = Date.now();
  const today = real - (real % DAY);
  const from = today - 3 * DAY;
  const events = orgs.flatMap((org) =>
    [0, 1, 2].map((d) => event(org, `rl.${d}`, from + d * DAY + HOUR))
  );
  await withEmulator(
    { ...QUICK_API, organizations: orgs, events },
    (api) =>
      withDir(async (dir) => {
        api.emulator.inject({
          method: "POST",
          path: "/audit_logs/exports",
          status: 429,
          headers: { "retry-after": "2" },
        });
        // Slow downloads: the other organizations still have requests to
        // make after the refusal.
        api.emulator.inject({ path: DOWNLOADS, delayMs: 200, times: 100 });
        const started = Date.now();
        const attempts: { error?: string; status?: number }[] = [];
        const result = await archiveExports({
          organizationIds: orgs,
          store: directoryStore(dir),
          from: new Date(from),
          concurrency: 3,
          recheck: 0,
        }, {
          ...api.config,
          timeout: 500,
          onAttempt: (a) => attempts.push(a),
        });
        assert.ok(Date.now() - started >= 2_000);
        assert.deepEqual(
          attempts.filter((a) => a.error === "TimeoutError"),
          [],
        );
        assert.equal(attempts.filter((a) => a.status === 429).length, 1);
        assert.equal(
          result.windows.length,
          orgs.length * ((real - today >= HOUR) ? 3 : 2),
        );
        // Every request sent after the refusal waited out its Retry-After.
        const requests = api.emulator.requests;
        const refused = requests.findIndex((r) => r.method === "POST");
        const after = requests.slice(refused + 1).filter((r) =>
          r.time > requests[refused].time + 100
        );
        for (const r of after) {
          assert.ok(r.time >= requests[refused].time + 2_000 - 5, r.path);
        }
        const waited = new Set(
          after.filter((r) => r.method === "POST").map((r) =>
            JSON.parse(r.body!).organization_id
          ),
        );
        assert.equal(waited.size, 3, "every organization waited");
      }),
  );
});

// ---------------------------------------------------------------------------
// 9. The gaps ledger.

const SEP1 = Date.UTC(2026, 8, 1);
/** With one month of retention at AFTER_D12, the first whole day the API exports. */
const OCT14 = Date.UTC(2026, 9, 14);

/** A checkpoint older than the API exports, with the settings of a daily CSV archive. */
const staleCheckpoint = JSON.stringify({
  organizationId: ORG,
  end: iso(SEP1),
  key: null,
  window: DAY,
  format: "csv",
});

const gapSpans = (gaps: { from: Date; to: Date }[]) =>
  gaps.map((g) => `${iso(g.from.getTime())} → ${iso(g.to.getTime())}`);

Deno.test("a gap is on the ledger before the checkpoint passes it, reported by every run (also when others fail) until accepted, and kept", async () => {
  const events = [event(ORG, "old", OCT14 + HOUR), ...threeDays()];
  let now = AFTER_D12;
  await withEmulator(
    {
      ...QUICK_API,
      organizations: [ORG],
      events,
      now: () => now,
      retentionMonths: 1,
    },
    (api) =>
      withDir(async (dir) => {
        await writeKey(dir, `${ORG}/checkpoint.json`, staleCheckpoint);
        const store = hookedStore(dir, () => {});
        const options = (extra: Record<string, unknown> = {}) => ({
          organizationId: ORG,
          store,
          now: () => now,
          retentionMonths: 1,
          ...extra,
        });
        const first = await archiveExports(options(), api.config);
        const span = `${iso(SEP1)} → ${iso(OCT14)}`;
        assert.deepEqual(gapSpans(first.gaps), [span]);
        assert.equal(first.gaps[0].detectedAt.getTime(), now);
        assert.equal(first.gaps[0].acceptedAt, undefined);
        assert.equal(first.windows[0].start.getTime(), OCT14);
        // The ledger is written before the checkpoint moves at all.
        const ledgerAt = store.log.indexOf(`${ORG}/gaps.json`);
        assert.ok(ledgerAt >= 0);
        assert.ok(
          ledgerAt < store.log.indexOf(`${ORG}/checkpoint.json`),
          store.log.join(" "),
        );
        const ledger = () =>
          JSON.parse(Deno.readTextFileSync(`${dir}/${ORG}/gaps.json`));
        assert.deepEqual(ledger().gaps, [{
          from: iso(SEP1),
          to: iso(OCT14),
          detectedAt: iso(now),
        }]);
        const detectedAt = now;

        // Every later run reports it.
        now += HOUR;
        const second = await archiveExports(options(), api.config);
        assert.deepEqual(gapSpans(second.gaps), [span]);
        assert.equal(second.gaps[0].detectedAt.getTime(), detectedAt);

        // Also when another organization fails.
        now += HOUR;
        const others = await rejection(archiveExports(
          options({
            organizationId: undefined,
            organizationIds: [ORG, "org_unknown"],
          }),
          api.config,
        ));
        assert.ok(others instanceof ArchiveError);
        assert.deepEqual(others.failures.map((f) => f.organizationId), [
          "org_unknown",
        ]);
        assert.deepEqual(gapSpans(others.result.gaps), [span]);
        assert.ok(
          others.message.includes(`The archive also has gaps: ${ORG} ${span}`),
          others.message,
        );

        // Also when this organization's own run is refused.
        const refused = await rejection(
          archiveExports(options({ format: "ndjson" }), api.config),
        );
        assert.ok(refused instanceof ArchiveError);
        assert.deepEqual(gapSpans(refused.result.gaps), [span]);
        assert.match(refused.message, /The archive also has gaps/);

        // Also when another run holds its lock.
        const held = await directoryStore(dir).lock(
          `${ORG}/archive.lock`,
          "another run",
        );
        const locked = await rejection(archiveExports(options(), api.config));
        await held.release();
        assert.ok(locked instanceof ArchiveError);
        assert.match(locked.message, /another archive run holds/);
        assert.deepEqual(gapSpans(locked.result.gaps), [span]);

        // Accepted: marked, reported once as accepted, then no more.
        now += HOUR;
        const accepted = await archiveExports(
          options({ acceptGaps: true }),
          api.config,
        );
        assert.deepEqual(accepted.gaps, []);
        assert.deepEqual(gapSpans(accepted.acceptedGaps), [span]);
        assert.equal(accepted.acceptedGaps[0].acceptedAt?.getTime(), now);
        now += HOUR;
        const after = await archiveExports(options(), api.config);
        assert.deepEqual(after.gaps, []);
        assert.deepEqual(after.acceptedGaps, []);
        const again = await archiveExports(
          options({ acceptGaps: true }),
          api.config,
        );
        assert.deepEqual(again.acceptedGaps, [], "nothing left to accept");
        // The ledger keeps it.
        assert.deepEqual(ledger().gaps, [{
          from: iso(SEP1),
          to: iso(OCT14),
          detectedAt: iso(detectedAt),
          acceptedAt: iso(now - HOUR),
        }]);
      }),
  );
});

Deno.test("a run stopped between the gaps ledger and the checkpoint does not record its gap twice", async () => {
  const events = [event(ORG, "old", OCT14 + HOUR), ...threeDays()];
  let now = AFTER_D12;
  await withEmulator(
    {
      ...QUICK_API,
      organizations: [ORG],
      events,
      now: () => now,
      retentionMonths: 1,
    },
    (api) =>
      withDir(async (dir) => {
        await writeKey(dir, `${ORG}/checkpoint.json`, staleCheckpoint);
        let crash = true;
        const store = hookedStore(dir, (op, key) => {
          if (crash && op === "put" && key.endsWith("checkpoint.json")) {
            throw new Error("crash");
          }
        });
        const options = {
          organizationId: ORG,
          store,
          now: () => now,
          retentionMonths: 1,
        };
        const stopped = await rejection(archiveExports(options, api.config));
        assert.ok(stopped instanceof ArchiveError);
        assert.deepEqual(gapSpans(stopped.result.gaps), [
          `${iso(SEP1)} → ${iso(OCT14)}`,
        ]);
        // Stopped at the same place again: the ledger holds it once.
        const again = await rejection(archiveExports(options, api.config));
        assert.ok(again instanceof ArchiveError);
        assert.deepEqual(gapSpans(again.result.gaps), [
          `${iso(SEP1)} → ${iso(OCT14)}`,
        ]);
        // A day later the run goes through: only the day lost since is new.
        crash = false;
        now += DAY;
        const later = await archiveExports(options, api.config);
        assert.deepEqual(gapSpans(later.gaps), [
          `${iso(SEP1)} → ${iso(OCT14)}`,
          `${iso(OCT14)} → ${iso(OCT14 + DAY)}`,
        ]);
        assert.equal(later.windows[0].start.getTime(), OCT14 + DAY);
        const ledger = JSON.parse(
          await Deno.readTextFile(`${dir}/${ORG}/gaps.json`),
        );
        assert.equal(ledger.gaps.length, 2);
      }),
  );
});

// ---------------------------------------------------------------------------
// 10. A CSV window keeps the export's own bytes.

/** Events whose cells need every kind of CSV quoting. */
function awkward(org: string, at: number, n: number): EmulatorEvent {
  return event(org, n % 2 ? `=SUM(A${n})` : `a,ction.${n}`, at, {
    actor: {
      id: `user_"${n}"`,
      type: "user",
      name: `Zoë "the ${n}th", 😀\r\nsecond line`,
      metadata: { note: "line1\nline2", quote: '"' },
    },
    targets: [{ id: `t${n}`, type: "team", name: "a\rb" }],
    context: { location: "203.0.113.7", userAgent: "Mozilla/5.0 (X11; Linux)" },
    metadata: { plan: "pro", seats: n, mfa: n % 2 === 0 },
  });
}

Deno.test("a CSV window whose rows all lie inside it is the export of its span, byte for byte", async () => {
  const events = [0, 1, 2, 3].map((n) =>
    awkward(ORG, D11 + n * 5 * HOUR + n, n)
  );
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events, now: () => D12 + 2 * HOUR },
    (api) =>
      withDir(async (dir) => {
        const result = await archiveExports({
          organizationId: ORG,
          store: directoryStore(dir),
          from: new Date(D11),
          now: () => D12 + 2 * HOUR,
        }, api.config);
        assert.deepEqual(result.windows.map((w) => w.rows), [4]);
        const created = await createExport({
          organizationId: ORG,
          rangeStart: new Date(D11),
          rangeEnd: new Date(D12 - 1),
        }, api.config);
        const exported = new Uint8Array(
          await new Response(await downloadExport(created, api.config))
            .arrayBuffer(),
        );
        const stored = (await files(dir)).get(keyOf(ORG, D11))!;
        assert.ok(decoder.decode(exported).includes("\r\n"));
        assert.deepEqual(stored, exported);
        assert.equal(result.windows[0].bytes, exported.byteLength);
      }),
  );
});

Deno.test("a CSV window drops the margins' records and copies the header and each kept record as received", async () => {
  const widest = awkward(ORG, D11 - 500, 9);
  widest.targets = [1, 2, 3].map((i) => ({ id: `t${i}`, type: "team" }));
  const events = [
    widest,
    ...[0, 1, 2].map((n) => awkward(ORG, D11 + n * 7 * HOUR, n)),
    awkward(ORG, D12 - 1, 5),
    awkward(ORG, D12 + 500, 8),
  ];
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events, now: () => D12 + 2 * HOUR },
    (api) =>
      withDir(async (dir) => {
        await archiveExports({
          organizationId: ORG,
          store: directoryStore(dir),
          from: new Date(D11),
          now: () => D12 + 2 * HOUR,
        }, api.config);
        // The export the archive asked for: a second wider on each side.
        const created = await createExport({
          organizationId: ORG,
          rangeStart: new Date(D11 - 1_000),
          rangeEnd: new Date(D12 + 1_000),
        }, api.config);
        const exported = new Uint8Array(
          await new Response(await downloadExport(created, api.config))
            .arrayBuffer(),
        );
        const records = splitRecords(exported);
        // Header, the margin before, 4 inside, the margin after.
        assert.equal(records.length, 1 + 1 + 4 + 1);
        assert.match(decoder.decode(records[0]), /target_id_3/);
        const expected = concatBytes([records[0], ...records.slice(2, 6)]);
        assert.deepEqual((await files(dir)).get(keyOf(ORG, D11)), expected);
      }),
  );
});

Deno.test("a CSV window keeps LF endings, a byte order mark and odd but legal quoting of a raw API as they were", async () => {
  const BOM = "\uFEFF";
  const header =
    `${BOM}"action","occurred_at","actor_id","actor_type","actor_name","metadata"\n`;
  const before = "margin.before,2026-11-10T23:59:59.500Z,u0,user,,\n";
  const inside = [
    `"in.1","2026-11-11T00:00:00.000Z","u""1""",user,"multi\nline\r\nname","{""a"":1}"\n`,
    `in.2,"2026-11-11T12:00:00+00:00",u2,"user","",""\n`,
    `"in.3",2026-11-11T23:59:59.999Z,u3,user,"comma, inside",\n`,
  ];
  const after = "margin.after,2026-11-12T00:00:00.500Z,u4,user,,";
  const variants: [string, string, string][] = [
    [
      "margins on both sides",
      header + before + inside.join("") + after,
      header + inside.join(""),
    ],
    [
      "all inside, no line break at the end",
      header + inside.join("").slice(0, -1),
      header + inside.join("").slice(0, -1),
    ],
    [
      "a margin before, no line break at the end",
      header + before + inside.join("").slice(0, -1),
      header + inside.join("").slice(0, -1),
    ],
    ["a header alone", header, header],
  ];
  for (const [name, csv, expected] of variants) {
    const api = serveFakeApi(() => csv, () => D12 + 2 * HOUR);
    try {
      await withDir(async (dir) => {
        const options = {
          organizationId: ORG,
          store: directoryStore(dir),
          from: new Date(D11),
          now: () => D12 + 2 * HOUR,
        };
        const first = await archiveExports(options, api.config);
        assert.equal(first.windows.length, 1, name);
        assert.deepEqual(
          (await files(dir)).get(keyOf(ORG, D11)),
          encoder.encode(expected),
          name,
        );
        // The re-check reads the same records in both: nothing late, nothing gone.
        const second = await archiveExports(options, api.config);
        assert.deepEqual([second.late, second.vanished], [[], []], name);
      });
    } finally {
      await api.close();
    }
  }
});

// ---------------------------------------------------------------------------
// 11. Late events: found once, stored once beside their window; vanished
// ones reported, never deleted.

Deno.test("late events are stored once as addenda beside their windows, vanished ones reported and kept, at one extra export per organization and run", async () => {
  const orgs = [ORG, "org_evidence_2"];
  for (const format of ["csv", "ndjson"] as const) {
    const events = orgs.flatMap((org) => threeDays(org));
    let now = AFTER_D12;
    await withDir(async (dir) => {
      const run = (api: Api, extra: Record<string, unknown> = {}) =>
        archiveExports({
          organizationIds: orgs,
          store: directoryStore(dir),
          from: new Date(D10),
          now: () => now,
          format,
          ...extra,
        }, api.config);
      const late: EmulatorEvent[] = [];
      await withEmulator(
        { ...QUICK_API, organizations: orgs, events, now: () => now },
        async (api) => {
          const first = await run(api);
          assert.equal(first.windows.length, 6);
          assert.deepEqual(first.late, []);
          // One export per window, and one re-check per organization.
          assert.deepEqual(
            Object.fromEntries(exportsPosted(api.emulator)),
            { [ORG]: 4, org_evidence_2: 4 },
          );
          const windows = await files(dir);
          // Back-dated events, one of them a copy of an archived event in
          // every cell: still an event of its own.
          const copy = events.find((e) =>
            e.occurredAt === iso(D11 + 7 * HOUR)
          )!;
          late.push(
            // Wider than any archived event: the re-check's export has
            // more target columns than the window files it is compared with.
            event(ORG, "late.nov10", D10 + 3 * HOUR, {
              targets: [1, 2, 3].map((i) => ({ id: `t${i}`, type: "team" })),
            }),
            event(ORG, "late.nov11.a", D11),
            { ...copy, id: undefined },
            event(ORG, "late.nov12", D13 - 1),
            event("org_evidence_2", "late.other", D12 + HOUR),
          );
          for (const e of late) await postEvent(api, e);
          // Written now, into the window still open: not late.
          const current = event(ORG, "on.time.nov13", D13 + 90 * 60_000);
          await postEvent(api, current);
          late.push(current);

          now += HOUR;
          const posted = exportsPosted(api.emulator);
          const second = await run(api);
          assert.deepEqual(second.windows, []);
          assert.deepEqual(
            second.late.map((l) => [l.organizationId, l.window, l.rows]).sort(),
            [
              [ORG, keyOf(ORG, D10, format), 1],
              [ORG, keyOf(ORG, D11, format), 2],
              [ORG, keyOf(ORG, D12, format), 1],
              ["org_evidence_2", keyOf("org_evidence_2", D12, format), 1],
            ].sort(),
          );
          for (const l of second.late) {
            assert.equal(
              l.key,
              `${
                stem(l.organizationId, l.start.getTime(), l.end.getTime())
              }.late-${compact(now)}.${format}`,
            );
          }
          assert.deepEqual(second.vanished, []);
          // Windows are never rewritten.
          const stored = await files(dir);
          for (const [key, bytes] of windows) {
            if (!key.endsWith("checkpoint.json")) {
              assert.deepEqual(stored.get(key), bytes, key);
            }
          }
          // The re-check cost one export per organization.
          const after = exportsPosted(api.emulator);
          for (const org of orgs) {
            assert.equal(after.get(org)! - posted.get(org)!, 1, org);
          }

          // A rerun finds nothing new.
          now += HOUR;
          const third = await run(api);
          assert.deepEqual([third.late, third.vanished], [[], []]);
          assert.deepEqual(
            [...(await files(dir)).keys()],
            [...stored.keys()],
          );

          // A day on, Nov 13 is archived with its event in the window file.
          now += DAY;
          const fourth = await run(api);
          assert.deepEqual(fourth.late, []);
          assert.deepEqual(
            fourth.windows.map((w) => [w.organizationId, w.start.getTime()])
              .sort(),
            orgs.map((o) => [o, D13]),
          );
          const rows = await storedRows(await files(dir));
          assert.equal(
            rows.find((r) => r.action === "on.time.nov13")!.late,
            false,
          );
          assert.deepEqual(
            await union(await files(dir)),
            expectedUnion([...events, ...late], D10, D13 + DAY),
            format,
          );
        },
      );

      // WorkOS loses three events (two archived in windows, one in an
      // addendum): reported, never deleted.
      const gone = new Set([
        `e.${iso(D10 + 7 * HOUR)}`,
        "late.nov11.a",
        `e.${iso(D12)}`,
      ]);
      const fewer = [...events, ...late].filter((e) =>
        !(e.organizationId === ORG && gone.has(e.action))
      );
      const before = await files(dir);
      now += HOUR;
      await withEmulator(
        { ...QUICK_API, organizations: orgs, events: fewer, now: () => now },
        async (api) => {
          const result = await run(api);
          assert.deepEqual(result.late, []);
          assert.deepEqual(
            result.vanished.map((v) => [v.organizationId, v.window, v.count])
              .sort(),
            [
              [ORG, keyOf(ORG, D10, format), 1],
              [ORG, keyOf(ORG, D11, format), 1],
              [ORG, keyOf(ORG, D12, format), 1],
            ],
          );
          assert.deepEqual(exportsPosted(api.emulator).get(ORG), 1);
        },
      );
      const kept = await files(dir);
      for (const [key, bytes] of before) {
        if (!key.endsWith("checkpoint.json")) {
          assert.deepEqual(kept.get(key), bytes, key);
        }
      }
    });
  }
});

Deno.test("two runs at the same clock time each keep their late events: no addendum is overwritten", async () => {
  for (const format of ["csv", "ndjson"] as const) {
    const events = threeDays();
    await withEmulator(
      { ...QUICK_API, organizations: [ORG], events, now: () => AFTER_D12 },
      (api) =>
        withDir(async (dir) => {
          // A Cron Trigger's scheduled time: the same `now` for every retry.
          const run = () =>
            archiveExports(
              runOptions(directoryStore(dir), AFTER_D12, { format }),
              api.config,
            );
          await run();
          const a = event(ORG, "late.a", D11 + HOUR);
          await postEvent(api, a);
          const first = await run();
          assert.deepEqual(first.late.map((l) => l.rows), [1]);
          const b = event(ORG, "late.b", D11 + 2 * HOUR);
          await postEvent(api, b);
          const second = await run();
          assert.deepEqual(second.late.map((l) => l.rows), [1]);
          assert.notEqual(second.late[0].key, first.late[0].key);
          const third = await run();
          assert.deepEqual(third.late, []);
          assert.deepEqual(
            await union(await files(dir)),
            expectedUnion([...events, a, b], D10, D13),
          );
        }),
    );
  }
});

// ---------------------------------------------------------------------------
// Archivers killed at random, two at once, some asking for other settings.

Deno.test("archiver processes SIGKILLed at random, two at a time, some with other settings: the stored files hold every event exactly once", async () => {
  const orgs = [ORG, "org_evidence_2"];
  const days = 12;
  const from = D10 - 7 * DAY;
  const events = orgs.flatMap((org) =>
    Array.from(
      { length: days },
      (_, d) =>
        [0, 5 * HOUR, 13 * HOUR, DAY - 1].map((o) =>
          event(org, `k.${d}.${o}`, from + d * DAY + o)
        ),
    ).flat()
  );
  const seed = Number(Deno.env.get("ARCHIVE_SEED") ?? Date.now() % 1_000_000);
  const random = prng(seed);
  const late: EmulatorEvent[] = [];
  // The API's clock moves a day a round, so each round has windows to do.
  let now = from + DAY + 2 * HOUR;
  await withEmulator(
    { ...QUICK_API, organizations: orgs, events, now: () => now },
    (api) =>
      withDir(async (dir) => {
        api.emulator.inject({ path: DOWNLOADS, delayMs: 50, times: 100_000 });
        api.emulator.inject({ method: "POST", delayMs: 20, times: 100_000 });
        const log: string[] = [];
        for (let round = 0; round < days; round++) {
          now += DAY;
          // Late events go back at most as far as the last run re-checks
          // (seven days, the default), into windows archived or not yet.
          const lateFloor = from + (days + 1 - 7) * DAY;
          if (now - DAY > lateFloor && random() < 0.7) {
            const org = orgs[Math.floor(random() * 2)];
            const at = lateFloor +
              Math.floor(random() * (now - DAY - lateFloor));
            const e = event(org, `late.${round}`, at);
            await postEvent(api, e);
            late.push(e);
          }
          const count = random() < 0.4 ? 2 : 1;
          const children = Array.from({ length: count }, (_, i) => {
            const other = round > 0 && random() < 0.25;
            const settings = other
              ? (random() < 0.5
                ? { format: "ndjson" as const }
                : { window: 12 * HOUR })
              : {};
            const child = spawnChild({
              dir,
              baseUrl: api.url,
              apiKey: api.config.apiKey,
              organizationIds: i === 0 ? orgs : [...orgs].reverse(),
              from,
              now,
              ...settings,
            });
            const killAt = random() < 0.7
              ? 100 + Math.floor(random() * 400)
              : undefined;
            if (killAt !== undefined) {
              setTimeout(() => {
                try {
                  child.kill("SIGKILL");
                } catch { /* already ended */ }
              }, killAt);
            }
            return { child, settings, killAt };
          });
          const outputs = await Promise.all(
            children.map(async (c) => ({
              ...c,
              ...(await childOutput(c.child)),
            })),
          );
          for (const o of outputs) {
            const what = `seed ${seed}, round ${round}, ${
              JSON.stringify(o.settings)
            }, kill at ${o.killAt}: ${o.code} ${o.signal} ${o.out.trim()}`;
            log.push(what.slice(0, 300));
            assert.doesNotMatch(o.out, /ENOENT|NotFound|Uncaught/, what);
            if (o.signal === "SIGKILL" || o.code === 0) continue;
            // The only failures: a lock held by the other, settings refused.
            const reasons = o.out.replace(
              /^error Archiving failed for [^:]*: /,
              "",
            )
              .split(/; (?=another|The archive of)/);
            for (const reason of reasons) {
              assert.match(
                reason,
                /^another archive run holds .*archive\.lock|^The archive of .*Files of both would hold the same events twice/,
                what,
              );
            }
          }
        }
        // A taker killed between creating a lock file and writing its
        // record leaves it empty, and the directory store then holds it for
        // its whole lease (an hour): an operator removes it, as here, so
        // that what this test checks stays the files' union.
        for (const org of orgs) {
          const lock = `${dir}/${org}/archive.lock`;
          const size = await Deno.stat(lock).then((s) => s.size, () => -1);
          if (size === 0) {
            log.push(`${org}: an empty lock file, removed`);
            await Deno.remove(lock);
          }
        }
        // A last run of each organization, as the cron job's next, with the
        // settings on record (a run killed before recording any may have
        // let one with other settings start that organization's archive).
        for (const org of orgs) {
          const recorded = await checkpointOf(dir, org);
          const result = await archiveExports({
            organizationId: org,
            store: directoryStore(dir),
            from: new Date(from),
            now: () => now,
            ...(recorded?.format ? { format: recorded.format as "csv" } : {}),
            ...(recorded?.window ? { window: recorded.window as number } : {}),
          }, api.config).catch(async (error) => {
            // Whether the process named by a held lock is still there.
            const pid = /pid (\d+)/.exec(error.message)?.[1];
            const ps = pid
              ? decoder.decode(
                (await new Deno.Command("ps", {
                  args: ["-o", "pid,ppid,stat,cmd", "-p", pid],
                }).output()).stdout,
              )
              : "";
            throw new Error(`${error.message}\n${ps}\n${log.join("\n")}`);
          });
          assert.deepEqual(result.gaps, []);
        }
        const stored = await files(dir);
        assert.deepEqual(
          await union(stored),
          // Every event is older than the last whole window of either length.
          expectedUnion([...events, ...late], from, now - 2 * HOUR),
          `seed ${seed}\n${log.join("\n")}`,
        );
        // Temporary files left behind are only those of killed processes.
        for (const name of await partFiles(dir)) {
          assert.ok(!name.includes(`.${Deno.pid}.`), name);
        }
      }),
  );
});

Deno.test("the CLI on a checkpoint that cannot be right exits 1 naming the file and the repair, never 'nothing to archive'", async () => {
  const real = Date.now();
  const today = real - (real % DAY);
  const events = [event(ORG, "cli.one", today - 2 * DAY + HOUR)];
  const good = { organizationId: ORG, key: null, window: DAY, format: "csv" };
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events },
    async (api) => {
      for (
        const text of [
          JSON.stringify({ ...good, end: iso(today + 3 * DAY) }),
          JSON.stringify({
            ...good,
            organizationId: "org_other",
            end: iso(today),
          }),
          "{oops",
        ]
      ) {
        await withDir(async (dir) => {
          await writeKey(dir, `${ORG}/checkpoint.json`, text);
          const run = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              new URL("../cli.ts", import.meta.url).pathname,
              "archive",
              "--org",
              ORG,
              "--dir",
              dir,
              "--base-url",
              api.url,
            ],
            env: { WORKOS_API_KEY: api.config.apiKey, NO_COLOR: "1" },
            stdin: "null",
          }).output();
          const out = decoder.decode(run.stdout) + decoder.decode(run.stderr);
          assert.equal(run.code, 1, out);
          assert.ok(out.includes(`${ORG}/checkpoint.json`), out);
          assert.match(out, /[Rr]epair/);
          // A run that failed has not found the archive complete.
          assert.doesNotMatch(out, /nothing (new )?to archive/i);
          assert.equal(
            await Deno.readTextFile(`${dir}/${ORG}/checkpoint.json`),
            text,
          );
        });
      }
    },
  );
});
