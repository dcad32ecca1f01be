import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AuditLogExport,
  BadRequestError,
  ConnectionError,
  createClient,
  createExport,
  CsvParseError,
  downloadExport,
  type DownloadProgress,
  exportEvents,
  ExportFailedError,
  exportRows,
  getExport,
  InvalidResponseError,
  NoEventsError,
  NotFoundError,
  PermissionDeniedError,
  TimeoutError,
  ValidationError,
} from "../mod.ts";
import { csvHeader, type Emulator, type EmulatorEvent } from "../testing.ts";
import { clock, DAY, daysAgo, withEmulator } from "./helpers.ts";

const ORG = "org_download";

function event(i: number, patch: Partial<EmulatorEvent> = {}): EmulatorEvent {
  return {
    id: `ev_${String(i).padStart(5, "0")}`,
    organizationId: ORG,
    action: "user.signed_in",
    occurredAt: new Date(Date.now() - DAY + i * 1000).toISOString(),
    actor: { id: `user_${i}`, type: "user", name: `User ${i}` },
    targets: [{ id: "team_1", type: "team" }],
    context: { location: "203.0.113.9" },
    ...patch,
  };
}

/** A ready export as the API's wire sends it, with `patch` applied. */
const wire = (e: AuditLogExport, patch: Record<string, unknown>) => ({
  object: "audit_log_export",
  id: e.id,
  state: "ready",
  created_at: e.createdAt,
  updated_at: e.updatedAt,
  ...patch,
});

const range = () => ({
  organizationId: ORG,
  rangeStart: daysAgo(2),
  rangeEnd: new Date(),
});

/** A served emulator holding one event, a config for it, and a ready export of that event. */
async function withOneExport(
  fn: (served: {
    emulator: Emulator;
    config: { apiKey: string; baseUrl: string };
    created: AuditLogExport;
  }) => Promise<void>,
): Promise<void> {
  await withEmulator({
    events: [event(1)],
    organizations: [ORG],
    exportDelayMs: 0,
  }, async ({ url, emulator }) => {
    const config = { apiKey: emulator.apiKey, baseUrl: url };
    await fn({
      emulator,
      config,
      created: await createExport(range(), config),
    });
  });
}

Deno.test("downloadExport waits for a pending export and fetches the file without Authorization", async () => {
  const events = Array.from({ length: 25 }, (_, i) => event(i));
  await withEmulator(
    { events, organizations: [ORG], exportDelayMs: 200 },
    async ({ url, emulator }) => {
      const config = {
        apiKey: emulator.apiKey,
        baseUrl: url,
        headers: { "x-secret-header": "s3cr3t" },
      };
      const created = await createExport(range(), config);
      assert.equal(created.state, "pending");
      const bytes = await downloadExport(created, {
        ...config,
        pollInterval: 50,
      });
      const text = await new Response(bytes).text();
      const lines = text.trimEnd().split("\r\n");
      assert.equal(lines[0], csvHeader(1).join(","));
      assert.equal(lines.length, 26);
      const download = emulator.requests.find((r) =>
        r.path.startsWith("/_emulator/downloads/")
      )!;
      assert.equal(download.headers.authorization, undefined);
      assert.equal(
        download.headers["x-secret-header"],
        undefined,
        "custom headers stay with the API",
      );
      assert.match(download.headers["user-agent"], /^audit-log-export\//);
      const apiCalls = emulator.requests.filter((r) =>
        r.path.startsWith("/audit_logs/")
      );
      assert.ok(
        apiCalls.every((r) =>
          r.headers.authorization === "Bearer [emulator key]"
        ),
      );
    },
  );
});

Deno.test("downloadExport: onProgress hears the size at once, the bytes as they come, and each resume", async () => {
  const events = Array.from({ length: 200 }, (_, i) => event(i));
  await withEmulator(
    { events, organizations: [ORG], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const config = { apiKey: emulator.apiKey, baseUrl: url };
      const created = await createExport(range(), config);
      emulator.inject({ path: /^\/_emulator\/downloads\//, truncate: 5000 });
      const heard: DownloadProgress[] = [];
      const client = createClient(config);
      const bytes = await client.downloadExport(created, {
        onProgress: (p) => heard.push({ ...p }),
      });
      const size = (await new Response(bytes).arrayBuffer()).byteLength;
      assert.deepEqual(heard[0], { received: 0, total: size, resumes: 0 });
      assert.deepEqual(heard.at(-1), {
        received: size,
        total: size,
        resumes: 1,
      });
      // A resume is told before its bytes, at the byte it goes on from.
      const resumed = heard.findIndex((p) => p.resumes === 1);
      assert.deepEqual(heard[resumed], {
        received: 5000,
        total: size,
        resumes: 1,
      });
      for (let i = 1; i < heard.length; i++) {
        assert.ok(heard[i].received >= heard[i - 1].received);
      }

      // What it throws fails the download, and the connection is let go.
      const thrown = new Error("no more");
      const failing = await downloadExport(created, {
        ...config,
        onProgress: (p) => {
          if (p.received > 0) throw thrown;
        },
      });
      await assert.rejects(
        new Response(failing).arrayBuffer(),
        (e) => e === thrown,
      );
    },
  );
});

Deno.test("downloadExport: an expired download URL is refreshed once by re-reading the export", async () => {
  const time = clock(Date.now());
  await withEmulator({
    events: [event(1)],
    organizations: [ORG],
    exportDelayMs: 0,
    now: time.now,
  }, async ({ url, emulator }) => {
    const config = { apiKey: emulator.apiKey, baseUrl: url };
    const ready = await createExport(range(), config);
    assert.equal(ready.state, "ready");
    time.advance(11 * 60_000);
    const rows = [];
    for await (const row of exportRows(ready, config)) rows.push(row);
    assert.deepEqual(rows.map((r) => r.actor_id), ["user_1"]);
    const paths = emulator.requests.map((r) =>
      `${r.method} ${r.path.split("/").slice(0, 3).join("/")}`
    );
    assert.deepEqual(paths, [
      "POST /audit_logs/exports",
      "GET /_emulator/downloads",
      "GET /audit_logs/exports",
      "GET /_emulator/downloads",
    ]);

    emulator.inject({
      path: /^\/_emulator\/downloads\//,
      status: 403,
      times: 2,
      body: "<Error>AccessDenied</Error>",
    });
    const error = await downloadExport(ready, config).catch((e) => e);
    assert.ok(error instanceof PermissionDeniedError, String(error));
    assert.equal(error.status, 403);
    assert.equal(
      error.request.url.includes("?"),
      false,
      "the presigned query is kept out of errors",
    );
  });
});

Deno.test("downloadExport: network failures before the first byte are retried", async () => {
  await withEmulator({
    events: [event(1), event(2)],
    organizations: [ORG],
    exportDelayMs: 0,
  }, async ({ url, emulator }) => {
    const config = { apiKey: emulator.apiKey, baseUrl: url };
    const ready = await createExport(range(), config);
    emulator.inject({
      path: /^\/_emulator\/downloads\//,
      status: 503,
      headers: { "retry-after-ms": "1" },
    });
    emulator.inject({ path: /^\/_emulator\/downloads\//, drop: true });
    const text = await new Response(await downloadExport(ready, config)).text();
    assert.equal(text.trimEnd().split("\r\n").length, 3);
  });
});

Deno.test("exportRows reads a stream, a Response, an export and an id alike", async () => {
  const events = Array.from({ length: 7 }, (_, i) => event(i));
  await withEmulator(
    { events, organizations: [ORG], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const client = createClient({ apiKey: emulator.apiKey, baseUrl: url });
      const ready = await client.createExport(range());
      const collect = async (source: Parameters<typeof exportRows>[0]) => {
        const ids: string[] = [];
        for await (const row of client.exportRows(source)) {
          ids.push(row.actor_id);
        }
        return ids;
      };
      const expected = events.map((e) => e.actor.id);
      assert.deepEqual(await collect(ready), expected);
      assert.deepEqual(await collect(ready.id), expected);
      assert.deepEqual(
        await collect(await client.downloadExport(ready.id)),
        expected,
      );
      assert.deepEqual(
        await collect(await fetch((await client.getExport(ready.id)).url!)),
        expected,
      );

      for (const bad of [42, null, undefined, true]) {
        await assert.rejects(collect(bad as never), ValidationError);
      }
      const refused = await fetch(`${url}/_emulator/downloads/nope/x.csv`);
      await assert.rejects(collect(refused), ValidationError);
    },
  );
});

Deno.test("exportRows: export options as a source: create, wait, download and parse in one call", async (t) => {
  const events = Array.from({ length: 6 }, (_, i) =>
    event(i, {
      action: i % 2 ? "document.updated" : "user.signed_in",
      actor: {
        id: `user_${i}`,
        type: "user",
        name: `User ${i}`,
        metadata: { role: "admin" },
      },
      targets: Array.from({ length: i % 3 }, (_, n) => ({
        id: `doc_${i}_${n}`,
        type: "document",
        ...(n ? { metadata: { n: String(n) } } : { name: `Doc ${n}` }),
      })),
      context: { location: "203.0.113.9", userAgent: `agent ${i}` },
      metadata: { n: i, mfa: i % 2 === 0, plan: "pro" },
    }));
  await withEmulator(
    { events, organizations: [ORG], exportDelayMs: 150 },
    async ({ url, emulator }) => {
      const config = {
        apiKey: emulator.apiKey,
        baseUrl: url,
        pollInterval: 20,
      };
      const collect = async <T>(rows: AsyncIterable<T>) => {
        const out: T[] = [];
        for await (const row of rows) out.push(row);
        return out;
      };
      const requests = () =>
        emulator.requests.map((r) =>
          `${r.method} ${r.path.split("/").slice(0, 3).join("/")}`
        );

      await t.step("exportRows gives the rows of the file", async () => {
        const rows = await collect(exportRows(range(), config));
        assert.deepEqual(
          rows.map((r) => r.actor_id),
          events.map((e) => e.actor.id),
        );
        const ready = await createExport(range(), {
          apiKey: emulator.apiKey,
          baseUrl: url,
        });
        assert.deepEqual(rows, await collect(exportRows(ready, config)));
      });

      await t.step(
        "exportEvents gives each stored event back, typed",
        async () => {
          const client = createClient({
            apiKey: emulator.apiKey,
            baseUrl: url,
          });
          const typed = await collect(
            client.exportEvents(range(), { pollInterval: 20 }),
          );
          assert.deepEqual(
            typed,
            events.map((e) => ({
              action: e.action,
              occurredAt: new Date(e.occurredAt),
              actor: e.actor,
              targets: e.targets,
              context: e.context,
              metadata: e.metadata,
              raw: {},
            })),
          );
          const filtered = await collect(
            exportEvents({ ...range(), actions: ["document.updated"] }, config),
          );
          assert.deepEqual(filtered.map((e) => e.actor.id), [
            "user_1",
            "user_3",
            "user_5",
          ]);
        },
      );

      await t.step(
        "an empty period yields nothing, after one request",
        async () => {
          const exports = emulator.listExports().length;
          const before = emulator.requests.length;
          const quiet = {
            organizationId: ORG,
            rangeStart: daysAgo(20),
            rangeEnd: daysAgo(10),
          };
          assert.deepEqual(await collect(exportRows(quiet, config)), []);
          assert.deepEqual(
            await collect(
              exportEvents({ ...range(), actorIds: ["user_nobody"] }, config),
            ),
            [],
          );
          assert.deepEqual(requests().slice(before), [
            "POST /audit_logs/exports",
            "POST /audit_logs/exports",
          ]);
          assert.equal(emulator.listExports().length, exports);
        },
      );

      await t.step(
        "invalid options are a ValidationError and send nothing",
        async () => {
          const before = emulator.requests.length;
          await assert.rejects(
            collect(exportRows({ ...range(), action: ["x"] } as never, config)),
            (e: unknown) =>
              e instanceof ValidationError && e.issues[0].path === "action",
          );
          await assert.rejects(
            collect(exportEvents({ ...range(), rangeEnd: "soon" }, config)),
            (e: unknown) =>
              e instanceof ValidationError && e.issues[0].path === "rangeEnd",
          );
          assert.equal(emulator.requests.length, before);
        },
      );

      await t.step("other API errors are not swallowed", async () => {
        await assert.rejects(
          collect(
            exportRows({ ...range(), organizationId: "org_nope" }, config),
          ),
          NotFoundError,
        );
        emulator.inject({
          method: "POST",
          status: 400,
          body: {
            message: "Invalid date range",
            code: "invalid_audit_log_export_range_date",
          },
        });
        await assert.rejects(
          collect(exportEvents(range(), config)),
          (e: unknown) =>
            e instanceof BadRequestError && !(e instanceof NoEventsError),
        );
      });
    },
  );
});

Deno.test("exportRows: leaving the loop early cancels the download", async () => {
  const events = Array.from({ length: 5_000 }, (_, i) => event(i));
  await withEmulator(
    { events, organizations: [ORG], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      let cancelled = false;
      let bytes = 0;
      // Only the download's body is wrapped, to observe what exportRows does with it.
      const observing = async (url: string, init: RequestInit) => {
        const response = await fetch(url, init);
        if (!url.includes("/_emulator/downloads/")) return response;
        const reader = response.body!.getReader();
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              const { done, value } = await reader.read();
              if (done) return controller.close();
              bytes += value.byteLength;
              controller.enqueue(value);
            },
            cancel(reason) {
              cancelled = true;
              return reader.cancel(reason);
            },
          }),
          response,
        );
      };
      const config = {
        apiKey: emulator.apiKey,
        baseUrl: url,
        fetch: observing,
      };
      const ready = await createExport(range(), config);
      let seen = 0;
      for await (const _ of exportRows(ready, config)) {
        if (++seen === 3) break;
      }
      assert.equal(seen, 3);
      assert.ok(cancelled, "the download was cancelled");
      assert.ok(bytes < 1_000_000, `read ${bytes} bytes of a much larger file`);
    },
  );
});

Deno.test("exportRows: a malformed file is a CsvParseError naming the line", async () => {
  const bytes = (s: string) => new Response(s).body!;
  const rows = async (s: string) => {
    for await (const _ of exportRows(bytes(s))) { /* drain */ }
  };
  await assert.rejects(
    rows("a,b\r\n1,2\r\n3\r\n"),
    (e: unknown) => e instanceof CsvParseError && e.line === 3,
  );
  await assert.rejects(
    rows('a,b\r\n"1\n2",3\r\n4,"open'),
    (e: unknown) => e instanceof CsvParseError && e.line === 4,
  );
});

Deno.test("exportRows: any event text round-trips through the emulator's CSV, exportRows and exportEvents", async () => {
  const text = fc.string({ unit: "grapheme", maxLength: 40 });
  const rawText = fc.string({ unit: "binary", maxLength: 20 });
  const anyText = fc.oneof(
    text,
    rawText,
    fc.constantFrom('"', ",", "\r\n", "\n", "\r", '""', "=1+1", "\ufeff"),
  );
  await withEmulator(
    { events: [], organizations: [ORG], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const config = { apiKey: emulator.apiKey, baseUrl: url };
      const start = Date.now() - DAY;
      const occurredAt = (i: number) => new Date(start + i).toISOString();
      const present = (key: string, value: string) =>
        value === "" ? {} : { [key]: value };
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              name: anyText,
              location: anyText,
              agent: anyText,
              note: anyText,
            }),
            { minLength: 1, maxLength: 8 },
          ),
          async (cases) => {
            const action = `prop.${crypto.randomUUID()}`;
            for (const [i, c] of cases.entries()) {
              const response = await fetch(`${url}/audit_logs/events`, {
                method: "POST",
                headers: {
                  authorization: `Bearer ${emulator.apiKey}`,
                  "content-type": "application/json",
                },
                body: JSON.stringify({
                  organization_id: ORG,
                  event: {
                    action,
                    occurred_at: occurredAt(i),
                    actor: { id: `a${i}`, type: "user", name: c.name },
                    targets: [{ id: "t", type: "team", name: c.note }],
                    context: { location: c.location, user_agent: c.agent },
                    metadata: { note: c.note },
                  },
                }),
              });
              assert.equal(response.status, 200, await response.text());
            }
            const ready = await createExport(
              { ...range(), actions: [action] },
              config,
            );
            const rows = [];
            for await (const row of exportRows(ready, config)) rows.push(row);
            assert.equal(rows.length, cases.length);
            rows.forEach((row, i) => {
              assert.equal(row.actor_name, cases[i].name);
              assert.equal(row.context_location, cases[i].location);
              assert.equal(row.context_user_agent, cases[i].agent);
              assert.equal(JSON.parse(row.metadata).note, cases[i].note);
              assert.equal(row.target_name_1, cases[i].note);
            });
            // Typed, an empty cell is an absent member, as in the SDK's input.
            const events = [];
            for await (const e of exportEvents(ready, config)) events.push(e);
            assert.deepEqual(
              events,
              cases.map((c, i) => ({
                action,
                occurredAt: new Date(occurredAt(i)),
                actor: {
                  id: `a${i}`,
                  type: "user",
                  ...present("name", c.name),
                },
                targets: [{
                  id: "t",
                  type: "team",
                  ...present("name", c.note),
                }],
                context: {
                  ...present("location", c.location),
                  ...present("userAgent", c.agent),
                },
                metadata: { note: c.note },
                raw: {},
              })),
            );
          },
        ),
        { numRuns: 60 },
      );
    },
  );
});

Deno.test("downloadExport: a download that times out names no presigned query; a refused one carries no response", async () => {
  await withOneExport(async ({ emulator, config, created: ready }) => {
    emulator.inject({ path: /^\/_emulator\/downloads\//, hang: true });
    const slow = await downloadExport(ready, {
      ...config,
      timeout: 100,
      maxRetries: 0,
    }).catch((e) => e);
    assert.ok(slow instanceof TimeoutError, String(slow));
    assert.equal(slow.message.includes("?"), false, slow.message);
    assert.equal(slow.message.includes("X-Expires"), false);
    emulator.inject({
      path: /^\/_emulator\/downloads\//,
      status: 403,
      times: 2,
    });
    const refused = await downloadExport(ready, config).catch((e) => e);
    assert.ok(refused instanceof PermissionDeniedError);
    assert.equal(refused.response, undefined);
    assert.equal(JSON.stringify(refused).includes("X-Expires"), false);
  });
});

Deno.test("downloadExport: a finished download leaves nothing attached to the caller's signal", async () => {
  await withEmulator({
    events: [event(1), event(2)],
    organizations: [ORG],
    exportDelayMs: 0,
  }, async ({ url, emulator }) => {
    const controller = new AbortController();
    const signal = controller.signal;
    let attached = 0;
    // Counting on the instance only: what the client adds, it must remove.
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      attached++;
      return add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      attached--;
      return remove(...args);
    }) as typeof remove;
    const config = { apiKey: emulator.apiKey, baseUrl: url, signal };
    const ready = await createExport(range(), config);
    for (let i = 0; i < 3; i++) {
      await new Response(await downloadExport(ready, config)).text();
    }
    for await (const _ of exportRows(ready, config)) break;
    assert.equal(attached, 0, `${attached} listeners left on the signal`);
  });
});

Deno.test("downloadExport: a ready export without a url is read again, then an InvalidResponseError", async () => {
  await withOneExport(async ({ emulator, config, created }) => {
    const noUrl = wire(created, { url: null });
    emulator.inject({
      method: "GET",
      path: `/audit_logs/exports/${created.id}`,
      status: 200,
      body: noUrl,
      times: 2,
    });
    const error = await downloadExport(created.id, config).catch((e) => e);
    assert.ok(error instanceof InvalidResponseError, String(error));
    assert.match(error.message, /no download url/);
    emulator.inject({
      method: "GET",
      path: `/audit_logs/exports/${created.id}`,
      status: 200,
      body: noUrl,
    });
    const rows = [];
    for await (const row of exportRows(created.id, config)) rows.push(row);
    assert.equal(rows.length, 1, "the second read had a url");
  });
});

Deno.test("exportRows checks its config whatever the source", async () => {
  const stream = new Response("a\r\n1\r\n").body!;
  await assert.rejects(
    async () => {
      for await (
        const _ of exportRows(stream, { timeout: -5 } as never)
      ) { /* drain */ }
    },
    (e: unknown) =>
      e instanceof ValidationError && e.issues[0].path === "timeout",
  );
});

Deno.test("exportRows is lazy: nothing is sent before the first row is asked for, or ever when it is closed first", async () => {
  await withOneExport(async ({ emulator, config, created }) => {
    const sent = emulator.requests.length;
    const rows = exportRows(created.id, config)[Symbol.asyncIterator]();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(emulator.requests.length, sent, "no request before next()");
    assert.deepEqual(await rows.return!(), { done: true, value: undefined });
    assert.deepEqual(await rows.next(), { done: true, value: undefined });
    assert.equal(emulator.requests.length, sent, "closed before it opened");

    const read = exportRows(created.id, config)[Symbol.asyncIterator]();
    const first = await read.next();
    assert.equal(first.done, false);
    assert.equal(
      (first.value as Record<string, string>).action,
      "user.signed_in",
    );
    assert.deepEqual(await read.next(), { done: true, value: undefined });
  });
});

Deno.test("exportRows: a source that fails to open rejects once, then the rows are done", async () => {
  // The key is never sent: the empty source fails first.
  const rows = exportRows("", { apiKey: "sk_test" })[Symbol.asyncIterator]();
  await assert.rejects(rows.next(), ValidationError);
  assert.deepEqual(await rows.next(), { done: true, value: undefined });
  assert.deepEqual(await rows.return!(), { done: true, value: undefined });
});

Deno.test("downloadExport: a presigned query never reaches a ConnectionError, its message or its cause", async () => {
  await withEmulator({
    events: [event(1)],
    organizations: [ORG],
    exportDelayMs: 0,
  }, async ({ url, emulator }) => {
    const config = { apiKey: emulator.apiKey, baseUrl: url, maxRetries: 0 };
    const created = await createExport(range(), config);
    const unreachable = wire(created, {
      url: "http://127.0.0.1:9/file.csv?X-Amz-Signature=SECRETSIG",
    });
    emulator.inject({
      method: "GET",
      path: `/audit_logs/exports/${created.id}`,
      status: 200,
      body: unreachable,
    });
    const error = await downloadExport(created.id, config).catch((e) => e);
    assert.ok(error instanceof ConnectionError, String(error));
    const views = [
      String(error),
      error.stack,
      JSON.stringify(error),
      Deno.inspect(error, { depth: 10 }),
      String(error.cause),
      (error.cause as Error | undefined)?.stack,
    ];
    for (const view of views) {
      assert.equal(String(view).includes("SECRETSIG"), false, view);
    }
  });
});

Deno.test("downloadExport: a download url that is not https, or an export that failed on refresh, is refused", async () => {
  await withOneExport(async ({ emulator, config, created }) => {
    const path = `/audit_logs/exports/${created.id}`;
    for (
      const bad of [
        "file:///etc/passwd",
        "http://files.example.com/x.csv",
        "not a url",
      ]
    ) {
      emulator.inject({
        method: "GET",
        path,
        status: 200,
        body: wire(created, { url: bad }),
      });
      const error = await downloadExport(created.id, config).catch((e) => e);
      assert.ok(error instanceof InvalidResponseError, `${bad}: ${error}`);
    }
    // The file host refuses the URL, and the export has expired by the re-read.
    const ready = await getExport(created.id, config);
    emulator.inject({ path: /^\/_emulator\/downloads\//, status: 403 });
    emulator.inject({
      method: "GET",
      path,
      status: 200,
      body: wire(created, { state: "expired" }),
    });
    const expired = await downloadExport(ready, config).catch((e) => e);
    assert.ok(expired instanceof ExportFailedError, String(expired));
  });
});
