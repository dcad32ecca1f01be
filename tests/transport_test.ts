/**
 * The one transport every request goes through: retries and which statuses
 * earn them, idempotency keys across retries, `Retry-After` in every form
 * and never leniently, time-outs and aborts (also against a `fetch` that
 * ignores its signal), a size cap on what a body expands to, typed errors,
 * and what `onAttempt` hears.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ApiError,
  type AttemptInfo,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  createClient,
  createExport,
  downloadExport,
  getExport,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  UnprocessableEntityError,
} from "../mod.ts";
import { backoff, retryAfterMs } from "../src/transport.ts";
import type { Emulator, ServeOptions } from "../testing.ts";
import { failure, seedCall, SEEDED } from "./api_helpers.ts";
import {
  DAY,
  daysAgo,
  storedEvent,
  TEST_KEY,
  withEmulator,
} from "./helpers.ts";

const ORG = "org_transport";

/** An emulator with one event, so an export of the last days is never empty. */
const ONE_EVENT: ServeOptions = {
  organizations: [ORG],
  events: [storedEvent(ORG, {
    occurredAt: new Date(Date.now() - DAY).toISOString(),
  })],
  exportDelayMs: 0,
  rateLimit: false,
};

const options = () => ({
  organizationId: ORG,
  rangeStart: new Date(Date.now() - 2 * DAY),
  rangeEnd: new Date(),
});

Deno.test("transport: Retry-After is only whole seconds or an IMF-fixdate; anything else backs off", async () => {
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
  await withEmulator(ONE_EVENT, async ({ url, emulator }) => {
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

Deno.test("transport: a JSON answer is capped by what it expands to, not by its Content-Length", async () => {
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
      apiKey: TEST_KEY,
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

Deno.test("transport: a fetch that ignores init.signal cannot defeat timeout or abort", async () => {
  await withEmulator(ONE_EVENT, async ({ url, emulator }) => {
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

Deno.test("transport: an error fetch throws before sending is not retried as a network failure", async () => {
  let calls = 0;
  const error = await createExport(options(), {
    apiKey: TEST_KEY,
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

Deno.test("transport: onAttempt hears every attempt, and never the key or a presigned query", async () => {
  await withEmulator(ONE_EVENT, async ({ url, emulator }) => {
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
    assert.ok(Number.isInteger(attempts[0].retryInMs), "whole milliseconds");
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

Deno.test("transport: AUDIT_LOG_EXPORT_DEBUG=1 logs one line per attempt, without the key", async () => {
  await withEmulator(ONE_EVENT, async ({ url, emulator }) => {
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

Deno.test("downloadExport: a stalled download ends in a TimeoutError within the time-out, not never", async () => {
  await withEmulator(ONE_EVENT, async ({ url, emulator }) => {
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

Deno.test("transport: retryable statuses are retried with the same idempotency key", async () => {
  for (const status of [408, 429, 500, 502, 503, 504]) {
    await withEmulator(SEEDED, async ({ emulator, config }) => {
      emulator.inject({
        method: "POST",
        status,
        headers: { "retry-after-ms": "10" },
      });
      const created = await createExport(
        seedCall(emulator.organizations[0]),
        config,
      );
      assert.equal(emulator.requests.length, 2, `status ${status}`);
      const [a, b] = emulator.requests;
      assert.equal(a.headers["idempotency-key"], b.headers["idempotency-key"]);
      assert.deepEqual(emulator.listExports().map((e) => e.id), [created.id]);
    });
  }
});

Deno.test("transport: a lost answer is retried with the same idempotency key; the API decides whether that deduplicates", async (t) => {
  const lostAnswer = async (
    emulator: Emulator,
    config: { apiKey: string; baseUrl: string },
  ) => {
    // The export is created, but its answer is cut off: the call retries.
    emulator.inject({ method: "POST", truncate: true });
    const created = await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      idempotencyKey: "mine-1",
    });
    assert.equal(emulator.requests.length, 2);
    assert.ok(
      emulator.requests.every((r) => r.headers["idempotency-key"] === "mine-1"),
    );
    return { created, stored: emulator.listExports().map((e) => e.id) };
  };
  await t.step(
    "as the real API (exports not deduplicated): one more export, the call returns one",
    async () => {
      await withEmulator(SEEDED, async ({ emulator, config }) => {
        const { created, stored } = await lostAnswer(emulator, config);
        assert.equal(stored.length, 2);
        assert.ok(stored.includes(created.id));
      });
    },
  );
  await t.step(
    "where the key deduplicates: the retry replays the first export",
    async () => {
      await withEmulator(
        { ...SEEDED, deduplicateExports: true },
        async ({ emulator, config }) => {
          const { created, stored } = await lostAnswer(emulator, config);
          assert.deepEqual(stored, [created.id]);
        },
      );
    },
  );
});

Deno.test("transport: non-retryable statuses fail at once with their typed error", async () => {
  const cases: [
    number,
    new (...a: never[]) => ApiError,
    Record<string, unknown>,
  ][] = [
    [400, BadRequestError, {
      message: "Invalid date range",
      code: "invalid_audit_log_export_range_date",
    }],
    [401, AuthenticationError, { message: "Unauthorized" }],
    [403, PermissionDeniedError, { message: "Forbidden" }],
    [404, NotFoundError, { message: "Organization not found: 'org_1'" }],
    [409, ConflictError, {
      message: "Conflict",
      code: "idempotency_key_reused",
    }],
    [422, UnprocessableEntityError, {
      message: "Validation failed.",
      errors: [{ code: "required", field: "organization_id" }],
    }],
    [418, ApiError, { message: "I'm a teapot" }],
  ];
  for (const [status, Class, body] of cases) {
    await withEmulator(SEEDED, async ({ emulator, config }) => {
      emulator.inject({ status, body });
      const error = await failure(
        createExport(seedCall(emulator.organizations[0]), config),
      );
      assert.ok(error instanceof Class, `${status}: ${error}`);
      const e = error as ApiError;
      assert.equal(e.status, status);
      assert.equal(e.code, body.code);
      assert.deepEqual(e.errors, body.errors);
      assert.match(e.requestId!, /^req_/);
      assert.ok(e.message.includes(String(body.message)));
      assert.ok(e.message.includes(e.requestId!));
      assert.deepEqual(e.request, {
        method: "POST",
        url: `${config.baseUrl}/audit_logs/exports`,
      });
      assert.equal(e.response?.status, status);
      assert.equal(emulator.requests.length, 1);
    });
  }
});

Deno.test("transport: real API errors from the emulator map to typed errors", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const notFound = await failure(
      createExport({ ...seedCall("org_unknown") }, config),
    );
    assert.ok(notFound instanceof NotFoundError);
    assert.equal(
      notFound.message.startsWith("Organization not found: 'org_unknown'"),
      true,
    );
    const tooOld = await failure(
      createExport({
        organizationId: emulator.organizations[0],
        rangeStart: daysAgo(200),
        rangeEnd: daysAgo(1),
      }, config),
    );
    assert.ok(tooOld instanceof BadRequestError);
    assert.equal(tooOld.code, "invalid_audit_log_export_range_date");
    const badKey = await failure(
      getExport("audit_log_export_x", { ...config, apiKey: "sk_test_wrong" }),
    );
    assert.ok(badKey instanceof AuthenticationError);
  });
});

Deno.test("transport: Retry-After is honoured in seconds, as an HTTP date and in ms", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const org = emulator.organizations[0];
    emulator.inject({
      method: "POST",
      status: 429,
      headers: { "retry-after": "1" },
    });
    await createExport(seedCall(org), config);
    const [a, b] = emulator.requests.slice(-2);
    assert.ok(b.time - a.time >= 990, `waited ${b.time - a.time} ms`);

    const date = new Date(Date.now() + 2_000).toUTCString();
    emulator.inject({
      method: "POST",
      status: 503,
      headers: { "retry-after": date },
    });
    await createExport(seedCall(org), config);
    const [c, d] = emulator.requests.slice(-2);
    assert.ok(d.time >= Date.parse(date) - 5, "retried before the date");
    assert.ok(d.time - c.time < 5_000);
  });
});

Deno.test("transport: a Retry-After beyond the 60 s cap is thrown at once, with retryAfter set", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    emulator.inject({
      status: 429,
      headers: { "retry-after": "120" },
      body: { message: "Too many requests.", code: "rate_limit_exceeded" },
    });
    const limited = await failure(
      createExport(seedCall(emulator.organizations[0]), config),
    );
    assert.ok(limited instanceof RateLimitError);
    assert.equal(limited.retryAfter, 120);
    assert.equal(limited.code, "rate_limit_exceeded");
    emulator.inject({ status: 503, headers: { "retry-after": "3600" } });
    const down = await failure(getExport("audit_log_export_x", config));
    assert.ok(down instanceof InternalServerError);
    assert.equal(down.retryAfter, 3600);
    assert.equal(emulator.requests.length, 2);
  });
});

Deno.test("transport: the emulator's real rate limit is ridden out by honouring Retry-After", async () => {
  await withEmulator(
    { ...SEEDED, rateLimit: { limit: 2, windowMs: 1_000 } },
    async ({ emulator, config }) => {
      const results = await Promise.all(
        Array.from(
          { length: 4 },
          () => getExport("audit_log_export_missing", config).catch((e) => e),
        ),
      );
      assert.ok(
        results.every((e) => e instanceof NotFoundError),
        String(results),
      );
      assert.ok(emulator.requests.length > 4);
    },
  );
});

Deno.test("transport: retries are exhausted after maxRetries, and the last error is thrown", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    emulator.inject({
      status: 503,
      times: 10,
      headers: { "retry-after-ms": "1" },
    });
    const error = await failure(
      getExport("audit_log_export_x", { ...config, maxRetries: 2 }),
    );
    assert.ok(error instanceof InternalServerError);
    assert.equal(emulator.requests.length, 3);
    emulator.inject({ status: 500, times: 10 });
    const none = await failure(
      getExport("audit_log_export_x", { ...config, maxRetries: 0 }),
    );
    assert.ok(none instanceof InternalServerError);
    assert.equal(emulator.requests.length, 4);
  });
});

Deno.test("transport: network failures are retried, then a ConnectionError", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    emulator.inject({ drop: true, times: 2 });
    const created = await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      maxRetries: 3,
    });
    assert.equal(created.object, "audit_log_export");
    assert.equal(emulator.listExports().length, 1);
  });
  const error = await failure(
    getExport("x", {
      apiKey: TEST_KEY,
      baseUrl: "http://127.0.0.1:9",
      maxRetries: 1,
    }),
  );
  assert.ok(error instanceof ConnectionError, String(error));
  assert.deepEqual(error.request, {
    method: "GET",
    url: "http://127.0.0.1:9/audit_logs/exports/x",
  });
  assert.ok(error.cause);
});

Deno.test("transport: an attempt that outlives its timeout is retried, then a TimeoutError", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    emulator.inject({ hang: true });
    const ok = await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      timeout: 200,
    });
    assert.equal(ok.object, "audit_log_export");
    emulator.inject({ hang: true, times: 2 });
    const error = await failure(
      getExport(ok.id, { ...config, timeout: 100, maxRetries: 1 }),
    );
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 100);
    emulator.inject({ dripMs: 100 });
    const slowBody = await failure(
      getExport(ok.id, { ...config, timeout: 150, maxRetries: 0 }),
    );
    assert.ok(slowBody instanceof TimeoutError, String(slowBody));
  });
});

Deno.test("transport: the caller's signal stops a request and a backoff sleep at once", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const reason = new Error("user cancelled");
    emulator.inject({ hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    const during = await failure(
      getExport("x", { ...config, signal: controller.signal }),
    );
    assert.equal(during, reason);

    emulator.inject({ status: 503, headers: { "retry-after": "30" } });
    const sleeping = new AbortController();
    setTimeout(() => sleeping.abort(reason), 100);
    const started = Date.now();
    const inSleep = await failure(
      getExport("x", { ...config, signal: sleeping.signal }),
    );
    assert.equal(inSleep, reason);
    assert.ok(Date.now() - started < 10_000);

    const already = AbortSignal.abort(reason);
    assert.equal(
      await failure(
        createExport(seedCall("org"), { ...config, signal: already }),
      ),
      reason,
    );
    assert.equal(emulator.requests.length, 2);
  });
});

Deno.test("transport: retry-after-ms is honoured", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    emulator.inject({
      method: "POST",
      status: 503,
      headers: { "retry-after-ms": "1500" },
    });
    await createExport(seedCall(emulator.organizations[0]), config);
    const [a, b] = emulator.requests;
    assert.ok(b.time - a.time >= 1_490, `retried after ${b.time - a.time} ms`);
  });
});

Deno.test("retryAfterMs reads retry-after-ms, whole seconds and IMF-fixdates, and nothing else", () => {
  const now = Date.UTC(2026, 10, 27, 12);
  const cases: [Record<string, string>, number | undefined][] = [
    [{}, undefined],
    [{ "retry-after": "0" }, 0],
    [{ "retry-after": "7" }, 7_000],
    [{ "retry-after": " 7 " }, 7_000],
    [{ "retry-after": "Fri, 27 Nov 2026 12:00:30 GMT" }, 30_000],
    [{ "retry-after": "Fri, 27 Nov 2026 11:00:00 GMT" }, 0],
    [{ "retry-after": "-5" }, undefined],
    [{ "retry-after": "1.5" }, undefined],
    [{ "retry-after": "5, 5" }, undefined],
    [{ "retry-after": "1 2" }, undefined],
    [{ "retry-after": "2026-11-27T12:00:30Z" }, undefined],
    [{ "retry-after": "Friday, 27-Nov-26 12:00:30 GMT" }, undefined],
    [{ "retry-after": "x".repeat(10_000) }, undefined],
    [{ "retry-after-ms": "250" }, 250],
    [{ "retry-after-ms": "12.5" }, 12.5],
    [{ "retry-after-ms": "-1", "retry-after": "3" }, 3_000],
    [{ "retry-after-ms": "40", "retry-after": "3" }, 40],
  ];
  for (const [headers, expected] of cases) {
    assert.equal(
      retryAfterMs(new Headers(headers), now),
      expected,
      JSON.stringify(headers).slice(0, 80),
    );
  }
});

Deno.test("backoff doubles from 250–500 ms up to 4–8 s, half of it random", () => {
  const table: [attempt: number, least: number, most: number][] = [
    [0, 250, 500],
    [1, 500, 1_000],
    [2, 1_000, 2_000],
    [3, 2_000, 4_000],
    [4, 4_000, 8_000],
    [5, 4_000, 8_000],
    [30, 4_000, 8_000],
  ];
  for (const [attempt, least, most] of table) {
    assert.equal(backoff(attempt, () => 0), least, `attempt ${attempt}`);
    assert.equal(backoff(attempt, () => 0.5), (least + most) / 2);
    // Math.random never returns 1: the top is approached, not reached.
    assert.ok(backoff(attempt, () => 0.999_999) < most);
    assert.ok(backoff(attempt, () => 0.999_999) > most - 1);
  }
});
