import assert from "node:assert/strict";
import {
  ApiError,
  AuditLogError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  createClient,
  createExport,
  type CreateExportOptions,
  ExportFailedError,
  getExport,
  InternalServerError,
  InvalidResponseError,
  NoEventsError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  UnprocessableEntityError,
  ValidationError,
  VERSION,
  waitForExport,
} from "../mod.ts";
import { type Emulator, SAMPLE_ORGANIZATIONS } from "../testing.ts";
import { DAY, daysAgo, storedEvent, withServer } from "./helpers.ts";

const KEY = "sk_test_SECRET_d41d8cd98f00b204e980";

type Ctx = { url: string; emulator: Emulator };

/**
 * One event per organization that {@link seedCall} matches: the API refuses
 * an export of a period with no events, and most tests here are about
 * something else.
 */
const seedEvents = SAMPLE_ORGANIZATIONS.map((org) =>
  storedEvent(org, { occurredAt: daysAgo(2) })
);

/** Runs `fn` against a served emulator with a distinctive key and fast defaults. */
function withApi(
  fn: (
    ctx: Ctx & { config: { apiKey: string; baseUrl: string } },
  ) => Promise<void>,
  options: Parameters<typeof withServer>[0] = {},
): Promise<void> {
  return withServer(
    { apiKey: KEY, exportDelayMs: 0, events: seedEvents, ...options },
    (ctx) => fn({ ...ctx, config: { apiKey: KEY, baseUrl: ctx.url } }),
  );
}

/** Every error a test sees goes through here, to prove the key never leaks. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    const views = [
      String(error),
      error.message,
      error.stack ?? "",
      Deno.inspect(error, { depth: 10 }),
      JSON.stringify(error),
      String((error as { cause?: unknown }).cause ?? ""),
    ];
    for (const view of views) {
      assert.equal(view.includes(KEY), false, "the API key leaked");
    }
    return error;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

const seedCall = (org: string) => ({
  organizationId: org,
  rangeStart: new Date(Date.now() - 30 * 86_400_000),
  rangeEnd: new Date(Date.now() - 86_400_000),
  actions: ["user.signed_in"],
  actor_ids: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
  targets: ["team"],
});

Deno.test("createExport sends exactly the documented body and headers", async () => {
  await withApi(async ({ emulator, config }) => {
    const options = seedCall(emulator.organizations[0]);
    const created = await createExport(options, {
      ...config,
      headers: { "x-trace": "abc" },
    });
    assert.equal(created.object, "audit_log_export");
    assert.equal(created.state, "ready");
    assert.equal(typeof created.url, "string");
    assert.deepEqual(Object.keys(created).sort(), [
      "createdAt",
      "id",
      "object",
      "state",
      "updatedAt",
      "url",
    ]);
    const [request] = emulator.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.path, "/audit_logs/exports");
    assert.equal(
      request.body,
      JSON.stringify({
        organization_id: options.organizationId,
        range_start: options.rangeStart.toISOString(),
        range_end: options.rangeEnd.toISOString(),
        actions: ["user.signed_in"],
        actor_ids: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
        targets: ["team"],
      }),
    );
    assert.equal(request.headers.authorization, "Bearer [emulator key]");
    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(request.headers.accept, "application/json");
    assert.equal(request.headers["user-agent"], `audit-log-export/${VERSION}`);
    assert.equal(request.headers["x-trace"], "abc");
    assert.match(request.headers["idempotency-key"], /^[0-9a-f-]{36}$/);
  });
});

const spellingRange = {
  rangeStart: "2026-11-01T00:00:00+01:00",
  rangeEnd: daysAgo(1),
};

Deno.test("createExport: every spelling maps to the wire names; empty lists are left out", async () => {
  // Each case's filters match one of these, so every call creates an export.
  const inRange = new Date(
    (Date.parse(spellingRange.rangeStart) +
      Date.parse(spellingRange.rangeEnd)) /
      2,
  ).toISOString();
  const org = SAMPLE_ORGANIZATIONS[0];
  const events = [
    storedEvent(org, {
      occurredAt: inRange,
      actor: { id: "a", type: "user", name: "Ann" },
    }),
    storedEvent(org, { occurredAt: inRange, action: "'; DROP TABLE x; --" }),
  ];
  await withApi(async ({ emulator, config }) => {
    const base = {
      organizationId: emulator.organizations[0],
      ...spellingRange,
    };
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ actorIds: ["a"], actorNames: ["Ann"] }, {
        actor_names: ["Ann"],
        actor_ids: ["a"],
      }],
      [{ actor_names: ["Ann"] }, { actor_names: ["Ann"] }],
      [{ actors: ["Ann"] }, { actor_names: ["Ann"] }],
      [{ actions: [], targets: [], actorIds: [] }, {}],
      [{ actions: ["'; DROP TABLE x; --", "🧾", "=1+1"] }, {
        actions: ["'; DROP TABLE x; --", "🧾", "=1+1"],
      }],
    ];
    for (const [filters, wire] of cases) {
      const created = await createExport(
        { ...base, ...filters } as CreateExportOptions,
        config,
      );
      assert.equal(created.object, "audit_log_export");
      const sent = JSON.parse(emulator.requests.at(-1)!.body!);
      assert.deepEqual(sent, {
        organization_id: base.organizationId,
        range_start: "2026-10-31T23:00:00.000Z",
        range_end: base.rangeEnd,
        ...wire,
      });
    }
    assert.equal(emulator.listExports().length, cases.length);
  }, { events });
});

Deno.test("createExport: bad input is one ValidationError listing every problem, and sends nothing", async (t) => {
  await withApi(async ({ emulator, config }) => {
    const good = {
      organizationId: "org_1",
      rangeStart: "2026-10-01T00:00:00Z",
      rangeEnd: "2026-10-02T00:00:00Z",
    };
    const expectIssues = async (input: unknown, paths: string[]) => {
      const error = await failure(
        createExport(input as CreateExportOptions, config),
      );
      assert.ok(error instanceof ValidationError, String(error));
      assert.ok(error instanceof AuditLogError);
      assert.deepEqual(
        error.issues.map((i) => i.path),
        paths,
        JSON.stringify(error.issues),
      );
      for (const issue of error.issues) assert.ok(issue.message.length > 0);
      assert.equal(emulator.requests.length, 0);
    };
    await t.step("non-object options", async () => {
      for (const input of [undefined, null, "org_1", 42, [], true]) {
        await expectIssues(input, [""]);
      }
    });
    await t.step(
      "organizationId: missing, empty, wrong type, huge, control characters",
      async () => {
        const { organizationId: _, ...rest } = good;
        await expectIssues(rest, ["organizationId"]);
        for (
          const organizationId of [
            "",
            7,
            null,
            ["org_1"],
            "x".repeat(1001),
            "org\r\n1",
            "org\u0000",
          ]
        ) {
          await expectIssues({ ...good, organizationId }, ["organizationId"]);
        }
      },
    );
    await t.step(
      "dates: invalid Date, no zone, not ISO, not a calendar day, wrong type",
      async () => {
        const bad = [
          new Date(NaN),
          "2026-10-01T00:00:00",
          "2026-10-01",
          "yesterday",
          "2026-02-30T00:00:00Z",
          "2026-10-01T25:00:00Z",
          1727740800000,
          "",
          "2026-10-01T00:00:00Z".repeat(1000),
        ];
        for (const rangeStart of bad) {
          await expectIssues({ ...good, rangeStart }, ["rangeStart"]);
        }
        await expectIssues({ ...good, rangeStart: null, rangeEnd: "soon" }, [
          "rangeStart",
          "rangeEnd",
        ]);
      },
    );
    await t.step("the range must have start before end", async () => {
      await expectIssues({ ...good, rangeEnd: good.rangeStart }, ["rangeEnd"]);
      await expectIssues({
        ...good,
        rangeStart: new Date("2026-10-03T00:00:00Z"),
      }, ["rangeEnd"]);
      await expectIssues({ ...good, rangeEnd: "2026-10-01T01:00:00+02:00" }, [
        "rangeEnd",
      ]);
    });
    await t.step(
      "filters: not arrays, non-strings, empty strings",
      async () => {
        await expectIssues({ ...good, actions: "user.signed_in" }, ["actions"]);
        await expectIssues({ ...good, targets: [1, "team", null] }, [
          "targets.0",
          "targets.2",
        ]);
        await expectIssues({ ...good, actorNames: [""] }, ["actorNames.0"]);
        await expectIssues({ ...good, actor_ids: ["a\nb"] }, ["actor_ids.0"]);
      },
    );
    await t.step("the same filter under two spellings", async () => {
      await expectIssues({ ...good, actorIds: ["a"], actor_ids: ["b"] }, [
        "actor_ids",
      ]);
      await expectIssues({ ...good, actor_names: ["a"], actors: ["b"] }, [
        "actors",
      ]);
    });
    await t.step("unknown keys, such as a typo in a filter", async () => {
      await expectIssues({ ...good, action: ["user.signed_in"] }, ["action"]);
      await expectIssues({
        ...good,
        __proto__: { polluted: true },
        constructor: 1,
      }, ["constructor"]);
    });
    await t.step("every problem at once", async () => {
      await expectIssues(
        {
          organizationId: "",
          rangeStart: "x",
          rangeEnd: new Date(NaN),
          actions: [2],
          actorIds: [],
          actor_ids: [],
          extra: 1,
        },
        [
          "organizationId",
          "rangeStart",
          "rangeEnd",
          "actions.0",
          "extra",
          "actor_ids",
        ],
      );
    });
  });
});

Deno.test("config is validated before any request", async (t) => {
  await withApi(async ({ emulator, config }) => {
    const options = seedCall(emulator.organizations[0]);
    const expectPath = async (c: Record<string, unknown>, path: string) => {
      const error = await failure(createExport(options, c));
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(error.issues.map((i) => i.path), [path]);
      assert.equal(emulator.requests.length, 0);
    };
    await t.step("a missing API key", async () => {
      const saved = Deno.env.get("WORKOS_API_KEY");
      Deno.env.delete("WORKOS_API_KEY");
      try {
        await expectPath({ baseUrl: config.baseUrl }, "apiKey");
        await expectPath({ ...config, apiKey: "" }, "apiKey");
      } finally {
        if (saved !== undefined) Deno.env.set("WORKOS_API_KEY", saved);
      }
    });
    await t.step("a key with spaces or control characters", async () => {
      await expectPath({ ...config, apiKey: "sk_test bad" }, "apiKey");
      await expectPath(
        { ...config, apiKey: "sk_test\r\nx-injected: 1" },
        "apiKey",
      );
    });
    await t.step("base URLs that are not https, except loopback", async () => {
      for (
        const baseUrl of [
          "http://api.workos.com",
          "ftp://127.0.0.1",
          "not a url",
          "https://user:pw@api.workos.com",
          "https://api.workos.com/?x=1",
        ]
      ) {
        await expectPath({ ...config, baseUrl }, "baseUrl");
      }
    });
    await t.step("options of the wrong type or out of range", async () => {
      await expectPath({ ...config, timeout: -1 }, "timeout");
      await expectPath({ ...config, timeout: "10s" }, "timeout");
      await expectPath({ ...config, maxRetries: 1.5 }, "maxRetries");
      await expectPath({ ...config, maxRetries: 1e9 }, "maxRetries");
      await expectPath({ ...config, fetch: "fetch" }, "fetch");
      await expectPath({ ...config, signal: {} }, "signal");
      await expectPath({ ...config, retries: 3 }, "retries");
      await expectPath(
        { ...config, headers: { "x-a": "1\r\nx-b: 2" } },
        "headers.x-a",
      );
      await expectPath(
        { ...config, headers: { "bad name": "1" } },
        "headers.bad name",
      );
      await expectPath({ ...config, idempotencyKey: "k\n" }, "idempotencyKey");
    });
    await t.step("createClient throws at construction", () => {
      assert.throws(
        () => createClient({ baseUrl: "http://example.com" }),
        ValidationError,
      );
      assert.throws(() => createClient({ timeout: 0 }), ValidationError);
    });
  });
});

Deno.test("the API key comes from WORKOS_API_KEY when not given", async () => {
  await withApi(async ({ emulator, config }) => {
    const saved = Deno.env.get("WORKOS_API_KEY");
    Deno.env.set("WORKOS_API_KEY", KEY);
    try {
      await createExport(seedCall(emulator.organizations[0]), {
        baseUrl: config.baseUrl,
      });
      assert.equal(
        emulator.requests[0].headers.authorization,
        "Bearer [emulator key]",
      );
    } finally {
      if (saved === undefined) Deno.env.delete("WORKOS_API_KEY");
      else Deno.env.set("WORKOS_API_KEY", saved);
    }
  });
});

Deno.test("retryable statuses are retried with the same idempotency key", async () => {
  for (const status of [408, 429, 500, 502, 503, 504]) {
    await withApi(async ({ emulator, config }) => {
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

Deno.test("a lost answer is retried and the idempotency key prevents a duplicate export", async () => {
  await withApi(async ({ emulator, config }) => {
    // The export is created, but its answer is cut off: the retry must replay it.
    emulator.inject({ method: "POST", truncate: true });
    const created = await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      idempotencyKey: "mine-1",
    });
    assert.equal(emulator.requests.length, 2);
    assert.ok(
      emulator.requests.every((r) => r.headers["idempotency-key"] === "mine-1"),
    );
    assert.deepEqual(emulator.listExports().map((e) => e.id), [created.id]);
  });
});

Deno.test("non-retryable statuses fail at once with their typed error", async () => {
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
    await withApi(async ({ emulator, config }) => {
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

Deno.test("real API errors from the emulator map to typed errors", async () => {
  await withApi(async ({ emulator, config }) => {
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

Deno.test("an empty period is a NoEventsError: a final 400 with no code, and no export", async (t) => {
  await withApi(async ({ emulator, config }) => {
    const org = emulator.organizations[0];
    const expectNoEvents = async (options: CreateExportOptions) => {
      const before = emulator.requests.length;
      const error = await failure(createExport(options, config));
      assert.ok(error instanceof NoEventsError, String(error));
      assert.ok(error instanceof BadRequestError);
      assert.ok(error instanceof ApiError);
      assert.ok(error instanceof AuditLogError);
      assert.equal(error.name, "NoEventsError");
      assert.equal(error.status, 400);
      assert.equal(error.code, undefined);
      assert.equal(error.errors, undefined);
      assert.match(error.requestId!, /^req_/);
      assert.match(error.message, /^no audit log events found/i);
      assert.equal(emulator.requests.length, before + 1, "a 400 is final");
    };
    await t.step("a range with no events", async () => {
      await expectNoEvents({
        organizationId: org,
        rangeStart: new Date(Date.now() - 20 * DAY),
        rangeEnd: new Date(Date.now() - 10 * DAY),
      });
    });
    await t.step(
      "filters that match nothing in a range with events",
      async () => {
        await expectNoEvents({
          ...seedCall(org),
          actions: ["user.signed_out"],
        });
        await expectNoEvents({ ...seedCall(org), actorNames: ["Nobody"] });
      },
    );
    await t.step(
      "the message alone identifies it, in any case, with a final period",
      async () => {
        for (
          const message of [
            "no audit log events found.",
            "NO AUDIT LOG EVENTS FOUND",
          ]
        ) {
          emulator.inject({ method: "POST", status: 400, body: { message } });
          await expectNoEvents(seedCall(org));
        }
      },
    );
    await t.step(
      "another 400, or that message with another status, is not",
      async () => {
        const cases: [number, string, new (...a: never[]) => ApiError][] = [
          [400, "Invalid date range", BadRequestError],
          [
            400,
            "No audit log events found in archive storage",
            BadRequestError,
          ],
          [404, "No audit log events found", NotFoundError],
        ];
        for (const [status, message, Class] of cases) {
          emulator.inject({ method: "POST", status, body: { message } });
          const error = await failure(createExport(seedCall(org), config));
          assert.ok(error instanceof Class, `${status} ${message}: ${error}`);
          assert.equal(error instanceof NoEventsError, false, message);
        }
      },
    );
    assert.deepEqual(emulator.listExports(), []);
  });
});

Deno.test("Retry-After is honoured in seconds, as an HTTP date and in ms", async () => {
  await withApi(async ({ emulator, config }) => {
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

Deno.test("a Retry-After beyond the 60 s cap is thrown at once, with retryAfter set", async () => {
  await withApi(async ({ emulator, config }) => {
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

Deno.test("the emulator's real rate limit is ridden out by honouring Retry-After", async () => {
  await withApi(async ({ emulator, config }) => {
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
  }, { rateLimit: { limit: 2, windowMs: 1_000 } });
});

Deno.test("retries are exhausted after maxRetries, and the last error is thrown", async () => {
  await withApi(async ({ emulator, config }) => {
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

Deno.test("network failures are retried, then a ConnectionError", async () => {
  await withApi(async ({ emulator, config }) => {
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
      apiKey: KEY,
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

Deno.test("an attempt that outlives its timeout is retried, then a TimeoutError", async () => {
  await withApi(async ({ emulator, config }) => {
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

Deno.test("the caller's signal stops a request and a backoff sleep at once", async () => {
  await withApi(async ({ emulator, config }) => {
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

Deno.test("a 2xx whose body is not an export is an InvalidResponseError, never retried", async () => {
  await withApi(async ({ emulator, config }) => {
    const org = emulator.organizations[0];
    const bodies: unknown[] = [
      "not json",
      { object: "organization", id: "x" },
      {
        object: "audit_log_export",
        id: 5,
        state: "ready",
        created_at: "",
        updated_at: "",
      },
      [],
      null,
    ];
    for (const body of bodies) {
      emulator.inject({
        method: "POST",
        status: 201,
        body: body === null ? "null" : body,
      });
      const error = await failure(createExport(seedCall(org), config));
      assert.ok(error instanceof InvalidResponseError, String(error));
      assert.equal(error.status, 201);
    }
    emulator.inject({ nonJson: true });
    const html = await failure(getExport("x", config));
    assert.ok(
      html instanceof NotFoundError,
      "a non-JSON error body still maps by status",
    );
    assert.equal(emulator.requests.length, bodies.length + 1);
  });
});

Deno.test("responses pass unknown states through and cannot pollute prototypes", async () => {
  await withApi(async ({ emulator, config }) => {
    emulator.inject({
      status: 200,
      body:
        '{"object":"audit_log_export","id":"e1","state":"archived","url":null,"created_at":"a","updated_at":"b","__proto__":{"polluted":true},"extra":1}',
    });
    const e = await getExport("e1", config);
    assert.deepEqual(e, {
      object: "audit_log_export",
      id: "e1",
      state: "archived",
      createdAt: "a",
      updatedAt: "b",
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal("url" in e, false);
  });
});

Deno.test("getExport encodes the id so it can never change the path", async () => {
  await withApi(async ({ emulator, config }) => {
    for (
      const id of ["a/../b", "x?y=1", "x#frag", "%2e%2e", "..a", "sp ace", "ü"]
    ) {
      const error = await failure(getExport(id, config));
      assert.ok(error instanceof NotFoundError);
      assert.equal(
        error.message.startsWith(`Audit Log Export not found: '${id}'`),
        true,
        error.message,
      );
      assert.equal(
        emulator.requests.at(-1)!.path,
        `/audit_logs/exports/${encodeURIComponent(id)}`,
      );
    }
    for (const id of ["", ".", "..", "a\nb", 5, null]) {
      const error = await failure(getExport(id as string, config));
      assert.ok(error instanceof ValidationError);
      assert.equal(error.issues[0].path, "id");
    }
  });
});

Deno.test("waitForExport polls from pending to ready, reporting progress", async () => {
  await withApi(async ({ emulator, config }) => {
    const created = await createExport(
      seedCall(emulator.organizations[0]),
      config,
    );
    assert.equal(created.state, "pending");
    const seen: string[] = [];
    const ready = await waitForExport(created, {
      ...config,
      pollInterval: 50,
      onPoll: (e) => seen.push(e.state),
    });
    assert.equal(ready.state, "ready");
    assert.match(
      ready.url!,
      /^http:\/\/127\.0\.0\.1:\d+\/_emulator\/downloads\//,
    );
    assert.equal(seen.at(-1), "ready");
    assert.ok(
      seen.length >= 2 && seen.slice(0, -1).every((s) => s === "pending"),
      String(seen),
    );
    const before = emulator.requests.length;
    assert.equal(await waitForExport(ready, config), ready);
    assert.equal(
      emulator.requests.length,
      before,
      "a ready export needs no request",
    );
    const byId = await waitForExport(created.id, config);
    assert.equal(byId.state, "ready");
  }, { exportDelayMs: 300 });
});

Deno.test("waitForExport fails with ExportFailedError on error or expired", async () => {
  for (const state of ["error", "expired"]) {
    await withApi(async ({ emulator, config }) => {
      const created = await createExport(
        seedCall(emulator.organizations[0]),
        config,
      );
      setTimeout(() => emulator.setExportState(created.id, state), 100);
      const error = await failure(
        waitForExport(created, { ...config, pollInterval: 30 }),
      );
      assert.ok(error instanceof ExportFailedError);
      assert.equal(error.export.id, created.id);
      assert.equal(error.export.state, state);
    }, { exportDelayMs: 60_000 });
  }
});

Deno.test("waitForExport gives up with a TimeoutError after maxWait, and stops on abort", async () => {
  await withApi(async ({ emulator, config }) => {
    const created = await createExport(
      seedCall(emulator.organizations[0]),
      config,
    );
    const error = await failure(
      waitForExport(created, { ...config, pollInterval: 20, maxWait: 150 }),
    );
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.timeout, 150);
    const reason = new Error("stop");
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 80);
    assert.equal(
      await failure(
        waitForExport(created.id, {
          ...config,
          pollInterval: 20,
          signal: controller.signal,
        }),
      ),
      reason,
    );
    const wrong = await failure(
      waitForExport({ state: "ready" } as never, config),
    );
    assert.ok(wrong instanceof ValidationError);
  }, { exportDelayMs: 600_000 });
});

Deno.test("createClient binds the config once and merges per-call options", async () => {
  await withApi(async ({ emulator, config }) => {
    const client = createClient({
      ...config,
      headers: { "x-app": "audit" },
      maxRetries: 0,
    });
    const created = await client.createExport(
      seedCall(emulator.organizations[0]),
      {
        idempotencyKey: "call-1",
      },
    );
    const read = await client.getExport(created.id);
    assert.equal(read.id, created.id);
    const [post, get] = emulator.requests;
    assert.equal(post.headers["x-app"], "audit");
    assert.equal(post.headers["idempotency-key"], "call-1");
    assert.equal(
      get.headers["idempotency-key"],
      undefined,
      "GET carries no idempotency key",
    );
    emulator.inject({ status: 503 });
    const error = await failure(client.getExport(created.id));
    assert.ok(
      error instanceof InternalServerError,
      "maxRetries 0 from the client config",
    );
    const ready = await client.waitForExport(created, { pollInterval: 10 });
    assert.equal(ready.state, "ready");
  });
});

Deno.test("retry-after-ms is honoured", async () => {
  await withApi(async ({ emulator, config }) => {
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

Deno.test("an idempotency key belongs to a call, never to a client", () => {
  const error = (() => {
    try {
      createClient({ idempotencyKey: "shared" } as never);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof ValidationError);
  assert.equal(error.issues[0].path, "idempotencyKey");
});

Deno.test("headers may be given as a Headers object", async () => {
  await withApi(async ({ emulator, config }) => {
    await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      headers: new Headers({ "X-Trace": "t-1" }) as never,
    });
    assert.equal(emulator.requests[0].headers["x-trace"], "t-1");
  });
});

Deno.test("waitForExport polls once more just before maxWait instead of sleeping past it", async () => {
  await withApi(async ({ emulator, config }) => {
    const created = await createExport(
      seedCall(emulator.organizations[0]),
      config,
    );
    // Polls at 4 s (pending), then just before maxWait (6 s): ready since 5.5 s.
    const ready = await waitForExport(created, {
      ...config,
      pollInterval: 4_000,
      maxPollInterval: 4_000,
      maxWait: 6_000,
    });
    assert.equal(ready.state, "ready");
  }, { exportDelayMs: 5_500 });
});

Deno.test("a bad config and bad options are reported together", async () => {
  await withApi(async ({ emulator, config }) => {
    const error = await failure(
      createExport({
        organizationId: "",
        rangeStart: "x",
        rangeEnd: new Date(),
      }, {
        ...config,
        timeout: -1,
        maxRetry: 2,
      } as never),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.issues.map((i) => i.path), [
      "timeout",
      "maxRetry",
      "organizationId",
      "rangeStart",
    ]);
    assert.equal(emulator.requests.length, 0);
  });
});

Deno.test("every config problem is reported at once, with the options'", async () => {
  await withApi(async ({ emulator }) => {
    const error = await failure(
      createExport(seedCall(emulator.organizations[0]), {
        apiKey: "",
        baseUrl: "ftp://x",
        timeout: 0,
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.issues.map((i) => i.path), [
      "apiKey",
      "baseUrl",
      "timeout",
    ]);
    assert.equal(emulator.requests.length, 0);
  });
});

Deno.test("header values must be bytes: other characters are a ValidationError, not a retried failure", async () => {
  await withApi(async ({ emulator, config }) => {
    const error = await failure(
      createExport(seedCall(emulator.organizations[0]), {
        ...config,
        headers: { "x-token": "sécret€" },
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.equal(error.issues[0].path, "headers.x-token");
    assert.equal(emulator.requests.length, 0);
    await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      headers: { "x-latin": "café" },
    });
    assert.equal(emulator.requests.length, 1);
  });
});
