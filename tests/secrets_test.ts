/**
 * No error holds a secret: the API key, however a hostile server echoes it
 * (as is, JSON-escaped, URL-encoded, after `Bearer`, in `code`, `errors`,
 * headers or the status text), nor the signature of a presigned download
 * URL. Every test plays the other side on loopback with a raw `Deno.serve`,
 * and looks at an error the ways a logger does: `String`, `stack`,
 * `Deno.inspect` at any depth, `JSON.stringify`, and every string reachable
 * from it.
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
  ExportFailedError,
  exportRows,
  getExport,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
  waitForExport,
} from "../mod.ts";

/** A key with every character that an encoding changes. */
const KEY = 'sk_test_h0stile/+Key"\\~!';
/** A part of the key no redaction marker contains: any trace of it is a leak. */
const TRACE = "h0stile";
const SIGNATURE =
  "5f2b9c0e7d4a61f38b0c2d9e4a7f1b6c3e8d0a5b9f2c7e1d4a6b8c0f3e5d7a9b";

/** Every way the key may be spelled by a server that echoes it. */
function spellings(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    uri,
    uri.toLowerCase(),
    new URLSearchParams([["", secret]]).toString().slice(1),
  ];
}

/** Every string a logger could reach from `root`: own properties (hidden ones too), causes, a response's headers. */
function reachable(root: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number) => {
    if (typeof v === "string") return void out.push(v);
    if (typeof v !== "object" || v === null || seen.has(v) || depth > 50) {
      return;
    }
    seen.add(v);
    if (v instanceof Response) {
      out.push(v.statusText, v.url);
      for (const [name, value] of v.headers) out.push(name, value);
      return;
    }
    if (v instanceof Headers) {
      for (const [name, value] of v) out.push(name, value);
      return;
    }
    for (const key of Object.getOwnPropertyNames(v)) {
      out.push(key);
      let value: unknown;
      try {
        value = (v as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      visit(value, depth + 1);
    }
    if (v instanceof Error) visit(v.message, depth + 1);
  };
  visit(root, 0);
  return out;
}

/** Asserts that no view of `error` holds any spelling of the secrets, or a trace of them. */
function assertClean(error: unknown, secrets: string[], traces: string[] = []) {
  assert.ok(error instanceof Error, String(error));
  const views = [
    String(error),
    error.message,
    error.stack ?? "",
    Deno.inspect(error, { depth: Infinity }),
    Deno.inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(error),
    ...reachable(error),
  ];
  const needles = [...secrets.flatMap(spellings), ...traces];
  for (const view of views) {
    for (const needle of needles) {
      assert.ok(
        !view.includes(needle),
        `${error.name} leaks ${JSON.stringify(needle)} in: ${view}`,
      );
    }
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, String(error));
    return error;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

type Handler = (request: Request, base: string) => Response | Promise<Response>;

/** Runs `fn` against a server on a free loopback port that answers with `handler`. */
async function hostile(
  handler: Handler,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  let base = "";
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => handler(request, base),
  );
  base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await fn(base);
  } finally {
    await server.shutdown();
  }
}

const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });

const ORG = "org_01EHZNVPK3SFK441A1RGBFSHRT";
const OPTIONS = {
  organizationId: ORG,
  rangeStart: new Date(Date.now() - 86_400_000),
  rangeEnd: new Date(),
};

/** An error body that echoes the Authorization header it got in every field and spelling. */
function echoingBody(auth: string) {
  const key = auth.replace(/^Bearer /, "");
  return {
    message: `Bad key ${auth}; sent as ${JSON.stringify(auth)} and ?key=${
      encodeURIComponent(key)
    }`,
    code: key,
    errors: [
      { field: "authorization", value: auth },
      { nested: { deeper: [[`key=${encodeURIComponent(key)}`]] } },
      { [key]: "the key as a property name" },
      `form: ${new URLSearchParams({ key })}`,
    ],
  };
}

const echoingHeaders = (auth: string) => ({
  "www-authenticate":
    `Bearer realm="workos", error="invalid_token", error_description="${auth}"`,
  "x-request-id": auth.replace(/^Bearer /, ""),
  "x-echo": auth,
});

Deno.test("secrets: an error body, header or status text that echoes the key leaves no trace of it in the error", async () => {
  const statuses: [number, new (...a: never[]) => ApiError][] = [
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [418, ApiError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
  ];
  let status = 0;
  await hostile((request) => {
    const auth = request.headers.get("authorization") ?? "";
    return json(echoingBody(auth), {
      status,
      statusText: `Refused ${auth.replace(/^Bearer /, "")}`,
      headers: echoingHeaders(auth),
    });
  }, async (base) => {
    const attempts: AttemptInfo[] = [];
    const client = createClient({
      apiKey: KEY,
      baseUrl: base,
      maxRetries: 0,
      onAttempt: (a) => attempts.push(a),
    });
    for ([status] of statuses) {
      const Class = statuses.find(([s]) => s === status)![1];
      for (
        const call of [
          () => client.createExport(OPTIONS),
          () => client.getExport("audit_log_export_1"),
        ]
      ) {
        const error = await rejection(call());
        assert.ok(error instanceof Class, `${status}: ${error}`);
        assertClean(error, [KEY], [TRACE]);
        const e = error as ApiError;
        assert.equal(e.status, status);
        // Still a useful message: what the server said, with the key taken out.
        assert.match(
          e.message,
          /^Bad key Bearer \[redacted\]; sent as "Bearer \[redacted\]" and \?key=\[redacted\] \(HTTP \d+, request id \[redacted\]\)$/,
        );
        assert.equal(e.code, "[redacted]");
        assert.deepEqual(e.errors, [
          { field: "authorization", value: "Bearer [redacted]" },
          { nested: { deeper: [["key=[redacted]"]] } },
          { "[redacted]": "the key as a property name" },
          "form: key=[redacted]",
        ]);
        // The response is kept, without what it echoed.
        assert.equal(e.response?.status, status);
        assert.match(
          e.response!.headers.get("www-authenticate")!,
          /^Bearer realm="workos", error="invalid_token", error_description="Bearer \[redacted\]"$/,
        );
      }
    }
    assert.equal(attempts.length, statuses.length * 2);
    assertClean(
      Object.assign(new Error("attempts"), { attempts }),
      [KEY],
      [TRACE],
    );
    assert.ok(attempts.every((a) => a.requestId === "[redacted]"));
  });
});

Deno.test("secrets: a clean error keeps the response as it came", async () => {
  await hostile(
    () =>
      json({ message: "Unauthorized" }, {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="workos"' },
      }),
    async (base) => {
      const error = await rejection(
        getExport("audit_log_export_1", { apiKey: KEY, baseUrl: base }),
      );
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.message, "Unauthorized (HTTP 401)");
      assert.equal(
        error.response?.url,
        `${base}/audit_logs/exports/audit_log_export_1`,
      );
      assert.equal(error.response?.bodyUsed, true, "the very response");
      assert.equal(
        error.response?.headers.get("www-authenticate"),
        'Bearer realm="workos"',
      );
    },
  );
});

Deno.test("secrets: a 2xx that echoes the key is an InvalidResponseError, never an export carrying it", async () => {
  const now = new Date().toISOString();
  const bodies: [string, (auth: string) => BodyInit][] = [
    [
      "the key as the export id",
      (auth) =>
        JSON.stringify({
          object: "audit_log_export",
          id: auth.replace(/^Bearer /, ""),
          state: "error",
          created_at: now,
          updated_at: now,
        }),
    ],
    [
      "the key in a future state",
      (auth) =>
        JSON.stringify({
          object: "audit_log_export",
          id: "audit_log_export_1",
          state: `rejected ${auth}`,
          created_at: now,
          updated_at: now,
        }),
    ],
    [
      "the key URL-encoded in the url",
      (auth) =>
        JSON.stringify({
          object: "audit_log_export",
          id: "audit_log_export_1",
          state: "ready",
          url: `https://files.example/x.csv?k=${
            encodeURIComponent(auth.slice(7))
          }`,
          created_at: now,
          updated_at: now,
        }),
    ],
    [
      "the key deep in an unknown field",
      (auth) =>
        JSON.stringify({
          object: "audit_log_export",
          id: "audit_log_export_1",
          state: "pending",
          created_at: now,
          updated_at: now,
          debug: [{ request: { headers: { authorization: auth } } }],
        }),
    ],
    ["a body that is not JSON", (auth) => `<html>${auth}</html>`],
    ["a body that is not an export", (auth) => JSON.stringify({ auth })],
  ];
  let current = bodies[0][1];
  await hostile(
    (request) =>
      new Response(current(request.headers.get("authorization")!), {
        status: 201,
        headers: { "x-request-id": "req_1" },
      }),
    async (base) => {
      const config = { apiKey: KEY, baseUrl: base, maxRetries: 0 };
      for (const [what, body] of bodies) {
        current = body;
        for (
          const call of [
            () => createExport(OPTIONS, config),
            () => getExport("audit_log_export_1", config),
            () => waitForExport("audit_log_export_1", config),
          ]
        ) {
          const error = await rejection(call());
          assert.ok(error instanceof InvalidResponseError, `${what}: ${error}`);
          assertClean(error, [KEY], [TRACE]);
        }
      }
    },
  );
});

Deno.test("secrets: a failed export's presigned URL loses its signature in the ExportFailedError", async () => {
  const now = new Date().toISOString();
  const url =
    `https://files.example/exports/x.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${SIGNATURE}`;
  await hostile(
    () =>
      json({
        object: "audit_log_export",
        id: "audit_log_export_1",
        state: "error",
        url,
        created_at: now,
        updated_at: now,
      }),
    async (base) => {
      const error = await rejection(
        waitForExport("audit_log_export_1", { apiKey: KEY, baseUrl: base }),
      );
      assert.ok(error instanceof ExportFailedError, String(error));
      assert.equal(error.export.url, "https://files.example/exports/x.csv");
      assert.equal(error.export.state, "error");
      assertClean(error, [KEY, SIGNATURE], [TRACE]);
    },
  );
});

/**
 * An API whose one export is ready at a presigned URL on `fileHost` (this
 * server unless given), and a file host that answers with `file`.
 */
function presignedApi(
  file: (request: Request) => Response | Promise<Response>,
  fileHost?: () => string,
): Handler {
  const now = new Date().toISOString();
  return (request, base) => {
    const path = new URL(request.url).pathname;
    if (path.startsWith("/files/")) return file(request);
    return json({
      object: "audit_log_export",
      id: "audit_log_export_1",
      state: "ready",
      url: `${
        fileHost?.() ?? base
      }/files/x.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600&X-Amz-Signature=${SIGNATURE}`,
      created_at: now,
      updated_at: now,
    }, { status: path === "/audit_logs/exports" ? 201 : 200 });
  };
}

Deno.test("secrets: a file host that echoes the presigned URL leaves no signature in the error", async () => {
  let status = 500;
  const echo = (request: Request) => {
    const { search } = new URL(request.url);
    return json({
      message: `Bad signature ${SIGNATURE} for ${request.url}`,
      code: SIGNATURE,
      errors: [{ query: search }, { query: decodeURIComponent(search) }],
    }, {
      status,
      statusText: `Refused ${SIGNATURE}`,
      headers: { "x-request-id": SIGNATURE },
    });
  };
  await hostile(presignedApi(echo), async (base) => {
    const config = { apiKey: KEY, baseUrl: base, maxRetries: 0 };
    for (status of [500, 400, 403, 410]) {
      const error = await rejection(
        downloadExport("audit_log_export_1", config),
      );
      assert.ok(error instanceof ApiError, String(error));
      assert.equal(error.status, status);
      assert.match(error.message, /^Bad signature \[redacted\] for http:/);
      assert.equal(error.request.url, `${base}/files/x.csv`);
      assertClean(error, [KEY, SIGNATURE], [TRACE, "X-Amz-"]);
      const rows = exportRows("audit_log_export_1", config)[
        Symbol.asyncIterator
      ]();
      assertClean(await rejection(rows.next()), [KEY, SIGNATURE], [
        TRACE,
        "X-Amz-",
      ]);
    }
  });
});

Deno.test("secrets: a runtime's network error that names the presigned URL keeps no signature", async () => {
  // A file host that takes the connection and drops it before answering.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const fileHost = `http://127.0.0.1:${listener.addr.port}`;
  const dropping = (async () => {
    for await (const connection of listener) connection.close();
  })();
  try {
    await hostile(
      presignedApi(() => new Response("unused"), () => fileHost),
      async (base) => {
        const error = await rejection(
          downloadExport("audit_log_export_1", {
            apiKey: KEY,
            baseUrl: base,
            maxRetries: 0,
          }),
        );
        assert.ok(error instanceof ConnectionError, String(error));
        assert.equal(error.request.url, `${fileHost}/files/x.csv`);
        assertClean(error, [KEY, SIGNATURE], [TRACE, "X-Amz-"]);
      },
    );
  } finally {
    listener.close();
    await dropping.catch(() => {});
  }
});

Deno.test("secrets: a fetch whose errors name the request's headers, at any depth of cause, is scrubbed", async () => {
  // The fetch here is the subject: a wrapper (a logger, a proxy agent)
  // whose failures describe the request it was given.
  const named: typeof fetch = (input, init) => {
    const auth = new Headers(init?.headers).get("authorization")!;
    const inner = new Error(`socket for ${auth} closed`, {
      cause: { headers: { authorization: auth }, note: `key ${KEY}` },
    });
    const aggregate = new AggregateError(
      [new RangeError(`retry ${auth}`), "a string " + KEY],
      `every address failed for ${auth}`,
      { cause: inner },
    );
    const error = new TypeError(`fetch failed: ${String(input)} ${auth}`, {
      cause: aggregate,
    });
    Object.assign(error, { code: "ECONNRESET", request: { auth } });
    return Promise.reject(error);
  };
  const error = await rejection(
    getExport("audit_log_export_1", {
      apiKey: KEY,
      baseUrl: "http://127.0.0.1:9",
      fetch: named,
      maxRetries: 1,
    }),
  );
  assert.ok(error instanceof ConnectionError, String(error));
  assertClean(error, [KEY], [TRACE]);
  // The chain is kept, with its classes, only the key taken out.
  const cause = error.cause as TypeError & { code: string };
  assert.ok(cause instanceof TypeError);
  assert.equal(cause.code, "ECONNRESET");
  assert.match(cause.message, /Bearer \[redacted\]$/);
  const aggregate = cause.cause as AggregateError;
  assert.ok(aggregate instanceof AggregateError);
  assert.equal(aggregate.message, "every address failed for Bearer [redacted]");
  const errors = (aggregate as AggregateError).errors;
  assert.ok(errors[0] instanceof RangeError);
  assert.equal(errors[0].message, "retry Bearer [redacted]");
  assert.equal(errors[1], "a string [redacted]");
  const inner = aggregate.cause as Error;
  assert.equal(inner.message, "socket for Bearer [redacted] closed");
  assert.deepEqual(inner.cause, {
    headers: { authorization: "Bearer [redacted]" },
    note: "key [redacted]",
  });
});

Deno.test("secrets: a clean network error is passed on as it is", async () => {
  const original = new TypeError("connection refused");
  const error = await rejection(
    getExport("audit_log_export_1", {
      apiKey: KEY,
      baseUrl: "http://127.0.0.1:9",
      fetch: () => Promise.reject(original),
      maxRetries: 0,
    }),
  );
  assert.ok(error instanceof ConnectionError);
  assert.equal(error.cause, original);
});

Deno.test("secrets: a short key is taken out where it stands alone, not out of the words that contain it", async () => {
  // Keys are only required to be printable ASCII; a short one could be
  // part of any word, and blanking those would make every message noise.
  const short = "zeta";
  const long = "sk_test_gluedkey123";
  let message = "";
  await hostile(
    () => json({ message }, { status: 401 }),
    async (base) => {
      const say = async (apiKey: string, text: string) => {
        message = text;
        const error = await rejection(
          getExport("audit_log_export_1", { apiKey, baseUrl: base }),
        );
        return error.message.replace(/ \(HTTP 401\)$/, "");
      };
      assert.equal(
        await say(
          short,
          "Bad key zeta (Bearer zeta), 'zeta'; see zetabyte and beta-zeta_2",
        ),
        "Bad key [redacted] (Bearer [redacted]), '[redacted]'; see zetabyte and beta-zeta_2",
      );
      // A key of credential length goes wherever it is, glued or not.
      assert.equal(
        await say(long, `keysk_test_gluedkey123xyz and ${long}`),
        "key[redacted]xyz and [redacted]",
      );
    },
  );
});

Deno.test("secrets: any Bearer credential is taken out, a Bearer in prose is not", async () => {
  let message = "";
  await hostile(
    () => json({ message }, { status: 401 }),
    async (base) => {
      const say = async (text: string) => {
        message = text;
        const error = await rejection(
          getExport("audit_log_export_1", { apiKey: KEY, baseUrl: base }),
        );
        return error.message.replace(/ \(HTTP 401\)$/, "");
      };
      // Someone else's token (a proxy's), a truncated key, an encoded header.
      assert.equal(
        await say("proxy sent Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln"),
        "proxy sent Authorization: Bearer [redacted]",
      );
      assert.equal(
        await say("bearer sk_test_h0st… is not valid."),
        "bearer [redacted]… is not valid.",
      );
      assert.equal(
        await say("header=Bearer%20abc123def&x=1"),
        "header=Bearer%20[redacted]&x=1",
      );
      assert.equal(
        await say("Missing Bearer token. Use Bearer authentication."),
        "Missing Bearer token. Use Bearer authentication.",
      );
      assert.equal(
        await say('WWW-Authenticate: Bearer realm="workos"'),
        'WWW-Authenticate: Bearer realm="workos"',
      );
    },
  );
});
