/**
 * The transport under adversarial answers and adversarial `fetch`es: strict
 * `Retry-After`, a size cap on what the body expands to, a `fetch` that
 * ignores its signal or throws before sending, and what `onAttempt` sees.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type AttemptInfo,
  ConnectionError,
  createClient,
  createExport,
  downloadExport,
  getExport,
  InvalidResponseError,
  TimeoutError,
} from "../mod.ts";
import type { Emulator } from "../testing.ts";
import { DAY, storedEvent, withServer } from "./helpers.ts";

const ORG = "org_transport";

/** An emulator with one event, so an export of the last days is never empty. */
function withApi(
  fn: (ctx: { url: string; emulator: Emulator }) => Promise<void>,
): Promise<void> {
  return withServer({
    organizations: [ORG],
    events: [storedEvent(ORG, {
      occurredAt: new Date(Date.now() - DAY).toISOString(),
    })],
    exportDelayMs: 0,
    rateLimit: false,
  }, fn);
}

const options = () => ({
  organizationId: ORG,
  rangeStart: new Date(Date.now() - 2 * DAY),
  rangeEnd: new Date(),
});

Deno.test("Retry-After: only whole seconds or an IMF-fixdate are read; anything else backs off", async () => {
  const inFuture = new Date(Math.ceil(Date.now() / 1000) * 1000 + 30_000)
    .toUTCString();
  const cases: [string, (ms: number) => boolean][] = [
    ["3", (ms) => ms === 3_000],
    [" 2 ", (ms) => ms === 2_000],
    [inFuture, (ms) => ms > 25_000 && ms <= 31_000],
    // Zero and the past still wait the first backoff step (250–500 ms).
    ["0", (ms) => ms >= 250 && ms <= 500],
    ["Thu, 01 Jan 1970 00:00:00 GMT", (ms) => ms >= 250 && ms <= 500],
    // Not RFC 9110: the backoff decides, never Date.parse.
    ["-5", (ms) => ms >= 250 && ms <= 500],
    ["5, 5", (ms) => ms >= 250 && ms <= 500],
    ["1 2", (ms) => ms >= 250 && ms <= 500],
    ["1.5", (ms) => ms >= 250 && ms <= 500],
    ["soon", (ms) => ms >= 250 && ms <= 500],
    ["Thursday, 01-Jan-70 00:00:00 GMT", (ms) => ms >= 250 && ms <= 500],
    ["x".repeat(10_000), (ms) => ms >= 250 && ms <= 500],
  ];
  await withApi(async ({ url, emulator }) => {
    for (const [header, expected] of cases) {
      const attempts: AttemptInfo[] = [];
      emulator.inject({
        method: "GET",
        status: 503,
        headers: { "retry-after": header },
      });
      // The second attempt is never awaited: the first one's plan is the answer.
      const controller = new AbortController();
      const call = getExport("audit_log_export_missing", {
        apiKey: emulator.apiKey,
        baseUrl: url,
        signal: controller.signal,
        onAttempt: (a) => {
          attempts.push(a);
          controller.abort(new Error("seen"));
        },
      });
      await assert.rejects(call, /seen/);
      assert.equal(attempts.length, 1, header);
      assert.equal(attempts[0].status, 503);
      assert.ok(
        expected(attempts[0].retryInMs!),
        `Retry-After ${JSON.stringify(header.slice(0, 40))}: ${
          attempts[0].retryInMs
        } ms`,
      );
    }
  });
});

Deno.test("a JSON answer is capped by what it expands to, not by its Content-Length", async () => {
  // 5 MiB of JSON whitespace gzips to a few KiB: Content-Length is no guide.
  const json = new TextEncoder().encode(`{"a":${" ".repeat(5 << 20)}1}`);
  const gzipped = new Uint8Array(
    await new Response(
      new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  assert.ok(gzipped.byteLength < 100_000);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(gzipped, {
        headers: {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": String(gzipped.byteLength),
        },
      }),
  );
  try {
    const error = await getExport("audit_log_export_1", {
      apiKey: "sk_test_x",
      baseUrl: `http://127.0.0.1:${server.addr.port}`,
    }).then(() => undefined, (e) => e);
    assert.ok(error instanceof InvalidResponseError, String(error));
    assert.match(error.message, /larger than 4194304 bytes/);
  } finally {
    await server.shutdown();
  }
});

/** A logging wrapper of the common kind: it rebuilds `init` and drops the signal. */
const signalDropping = (url: string, init: RequestInit) =>
  fetch(url, { method: init.method, headers: init.headers, body: init.body });

Deno.test("a fetch that ignores init.signal cannot defeat timeout or abort", async () => {
  await withApi(async ({ url, emulator }) => {
    const config = {
      apiKey: emulator.apiKey,
      baseUrl: url,
      fetch: signalDropping,
      maxRetries: 0,
    };
    emulator.inject({ method: "POST", hang: true });
    const timedOut = await createExport(options(), { ...config, timeout: 300 })
      .then(() => undefined, (e) => e);
    assert.ok(timedOut instanceof TimeoutError, String(timedOut));

    emulator.inject({ method: "POST", hang: true });
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const call = createExport(options(), {
      ...config,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(call, (e) => e === reason);
  });
});

Deno.test("an error fetch throws before sending is not retried as a network failure", async () => {
  let calls = 0;
  const error = await createExport(options(), {
    apiKey: "sk_test_x",
    maxRetries: 5,
    fetch: () => {
      calls++;
      throw new TypeError("Cannot convert argument to a ByteString");
    },
  }).then(() => undefined, (e) => e);
  assert.ok(error instanceof ConnectionError, String(error));
  assert.equal(calls, 1);
  assert.match(String(error.cause), /ByteString/);
});

Deno.test("onAttempt hears every attempt, and never the key or a presigned query", async () => {
  await withApi(async ({ url, emulator }) => {
    const attempts: AttemptInfo[] = [];
    const client = createClient({
      apiKey: emulator.apiKey,
      baseUrl: url,
      onAttempt: (a) => attempts.push(a),
    });
    emulator.inject({ method: "POST", status: 503 });
    const created = await client.createExport(options());
    const stream = await client.downloadExport(created);
    await new Response(stream).arrayBuffer();
    assert.deepEqual(
      attempts.map((a) => [a.method, a.attempt, a.status, a.error]),
      [
        ["POST", 1, 503, "InternalServerError"],
        ["POST", 2, 201, undefined],
        ["GET", 1, 200, undefined],
      ],
    );
    assert.equal(attempts[0].url, `${url}/audit_logs/exports`);
    assert.ok(attempts[0].retryInMs! >= 250 && attempts[0].retryInMs! <= 500);
    assert.equal(attempts[1].retryInMs, undefined);
    for (const a of attempts) {
      assert.ok(a.durationMs >= 0);
      assert.match(a.requestId!, /^req_/);
    }
    const download = attempts[2];
    assert.ok(created.url!.includes("?"));
    assert.equal(download.url, created.url!.split("?")[0]);
    const seen = JSON.stringify(attempts);
    assert.ok(!seen.includes(emulator.apiKey));
    assert.ok(!seen.includes(created.url!.split("?")[1]));
  });
});

Deno.test("AUDIT_LOG_EXPORT_DEBUG=1 logs one line per attempt, without the key", async () => {
  await withApi(async ({ url, emulator }) => {
    emulator.inject({ method: "GET", status: 503 });
    const script = `
      import { getExport } from "${new URL("../mod.ts", import.meta.url)}";
      await getExport(Deno.args[0], { baseUrl: Deno.args[1] }).catch(() => {});
    `;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--config",
        new URL("../deno.json", import.meta.url).pathname,
        script,
        "audit_log_export_missing",
        url,
      ],
      env: {
        WORKOS_API_KEY: emulator.apiKey,
        AUDIT_LOG_EXPORT_DEBUG: "1",
      },
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    const lines = stderr.trim().split("\n").filter((l) =>
      l.startsWith("[audit-log-export]")
    );
    assert.equal(lines.length, 2, stderr);
    assert.match(
      lines[0],
      /GET .*\/audit_logs\/exports\/audit_log_export_missing attempt 1: 503 InternalServerError in \d+ ms \(request id req_\w+\); retry in \d+ ms$/,
    );
    assert.match(lines[1], /attempt 2: 404 NotFoundError/);
    assert.ok(!stderr.includes(emulator.apiKey));
  });
});

Deno.test("a stalled download ends in a TimeoutError within the time-out, not never", async () => {
  await withApi(async ({ url, emulator }) => {
    const config = { apiKey: emulator.apiKey, baseUrl: url, timeout: 300 };
    const created = await createExport(options(), config);
    emulator.inject({ path: /^\/_emulator\/downloads\//, stallAfter: 8 });
    const stream = await downloadExport(created, { ...config, maxRetries: 0 });
    const error = await new Response(stream).arrayBuffer().then(
      () => undefined,
      (e) => e,
    );
    assert.ok(error instanceof TimeoutError, String(error));
    assert.match(error.message, /stalled: no data for 300 ms after 8 bytes/);
    assert.ok(!error.message.includes("?"));
  });
});
