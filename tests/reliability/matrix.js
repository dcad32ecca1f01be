/**
 * The fault matrix: every public call against every fault the emulator can
 * inject, each with its expected outcome written down. Runtime-neutral: it
 * is given the package (`pkg`) and its testing entry (`testing`), so the same
 * table runs on Deno against the sources and on Node against the build.
 *
 * @module
 */

/** The secret every scenario uses; it must never appear in anything a call produces. */
export const SECRET_KEY = "sk_test_MATRIX_7f3a9c2e5b1d4f6a8c0e";

const DOWNLOADS = /^\/_emulator\/downloads\//;
const DAY = 86_400_000;

/** Every cell must end within this, whatever its fault: a hang detector. */
export const CELL_BOUND_MS = 15_000;

/** The floor of the first backoff step: no retry may come sooner. */
const MIN_RETRY_MS = 250;

/**
 * A call of the library, or a column of the table.
 * @typedef {"create" | "get" | "wait" | "download" | "rows"} CallKind
 *
 * What a client-side fault is given: whether a URL is the faulted request,
 * and a way to abort the caller's signal once the server holds that request.
 * @typedef {{ isTarget: (input: unknown) => boolean, abortWhenReceived: () => void }} FetchHooks
 *
 * One row of the matrix. `fault` is injected into the emulator; `fetch`,
 * when present, wraps the `fetch` the call uses (a fault of the client's
 * side: a wrapper that drops the signal, a host that never sees `Range`).
 * `api` and `file` are the outcomes of API calls (create, get, wait) and
 * file calls (download, rows): "ok", "aborted" (rejected with the caller's
 * own abort reason), or the name of the error class. `firstRetry`, when
 * present, bounds the wait before the first retry as `onAttempt` reports
 * it. `label` is the row's title in RELIABILITY.md, `notes` the words added
 * to a cell there.
 * @typedef {{
 *   name: string,
 *   label?: string,
 *   fault: (ctx: { exportId: string, file: boolean }) => Record<string, unknown>,
 *   fetch?: (fetch: typeof globalThis.fetch, hooks: FetchHooks) => typeof globalThis.fetch,
 *   api: string,
 *   file: string,
 *   firstRetry?: [number, number],
 *   notes?: Partial<Record<CallKind | "api" | "file" | "cli", string>>,
 * }} FaultCase
 */

/** HTTP date `seconds` from now. */
const httpDate = (seconds) =>
  new Date(Date.now() + seconds * 1000).toUTCString();

/** The URL of what `fetch` was given. */
const urlOf = (input) =>
  new URL(
    typeof input === "object" && input !== null && "url" in input
      ? input.url
      : String(input),
  );

/** A wrapper that rebuilds `init` without its `signal`, as some wrappers do. */
const dropSignal = (fetch) => (input, init = {}) => {
  const { signal: _ignored, ...rest } = init;
  return fetch(input, rest);
};

/** A file host that ignores `Range`: the header never reaches it. */
const dropRange = (fetch) => (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.delete("range");
  return fetch(input, { ...init, headers });
};

/**
 * Each fault with its outcome for API calls (create, get, wait) and for file
 * calls (download, rows). "ok" means the call succeeds, "aborted" that it
 * rejects with the caller's own abort reason; otherwise the name of the
 * error class it must reject with.
 *
 * @type {FaultCase[]}
 */
export const FAULTS = [
  ...[408, 429, 500, 502, 503, 504].map((status) => ({
    name: `${status} once`,
    fault: () => ({ status, headers: { "retry-after-ms": "1" } }),
    api: "ok",
    file: "ok",
  })),
  {
    name: "400",
    fault: () => ({ status: 400 }),
    api: "BadRequestError",
    file: "BadRequestError",
  },
  {
    name: "401",
    fault: () => ({ status: 401 }),
    api: "AuthenticationError",
    file: "AuthenticationError",
  },
  // On the file host a 403 means an expired URL: refreshed once.
  {
    name: "403",
    label: "403 (on the file host: an expired URL)",
    fault: () => ({ status: 403 }),
    api: "PermissionDeniedError",
    file: "ok",
    notes: { file: "refreshed once" },
  },
  {
    name: "403 twice",
    fault: () => ({ status: 403, times: 2 }),
    api: "PermissionDeniedError",
    file: "PermissionDeniedError",
  },
  {
    name: "410 (expired URL)",
    fault: () => ({ status: 410 }),
    api: "ApiError",
    file: "ok",
    notes: { file: "refreshed once" },
  },
  {
    name: "404",
    fault: () => ({ status: 404 }),
    api: "NotFoundError",
    file: "NotFoundError",
  },
  {
    name: "409",
    fault: () => ({ status: 409 }),
    api: "ConflictError",
    file: "ConflictError",
  },
  {
    name: "422",
    fault: () => ({ status: 422 }),
    api: "UnprocessableEntityError",
    file: "UnprocessableEntityError",
  },
  {
    name: "429 Retry-After: 1 (seconds)",
    label: "429 `Retry-After: 1`",
    fault: () => ({ status: 429, headers: { "retry-after": "1" } }),
    api: "ok",
    file: "ok",
  },
  {
    name: "429 Retry-After as an HTTP date",
    label: "429 `Retry-After` as an HTTP date",
    fault: () => ({ status: 429, headers: { "retry-after": httpDate(1) } }),
    api: "ok",
    file: "ok",
  },
  // Only whole seconds or an IMF-fixdate are read; anything else, and a
  // zero or past value, waits a backoff step rather than retrying at once.
  ...[
    ["-5", "`Retry-After: -5`"],
    ["5, 5", "`Retry-After: 5, 5` (a repeated header)"],
    ["0", "`Retry-After: 0`"],
  ].map(([value, label]) => ({
    name: `503 Retry-After: ${value} once`,
    label: `503 ${label} once`,
    fault: () => ({ status: 503, headers: { "retry-after": value } }),
    api: "ok",
    file: "ok",
    firstRetry: /** @type {[number, number]} */ ([MIN_RETRY_MS, 500]),
    notes: { api: "after a backoff step of 250–500 ms" },
  })),
  {
    // Read leniently, it would be an hour's wait: refused, not retried.
    name: "503 Retry-After: an ISO date once",
    label:
      "503 `Retry-After` an ISO-8601 date an hour ahead (not RFC 9110), once",
    fault: () => ({
      status: 503,
      headers: {
        "retry-after": new Date(Date.now() + 3_600_000).toISOString(),
      },
    }),
    api: "ok",
    file: "ok",
    firstRetry: [MIN_RETRY_MS, 500],
    notes: { api: "after a backoff step of 250–500 ms" },
  },
  {
    name: "503 Retry-After: a past HTTP date once",
    label: "503 `Retry-After` an HTTP date in the past, once",
    fault: () => ({ status: 503, headers: { "retry-after": httpDate(-60) } }),
    api: "ok",
    file: "ok",
    firstRetry: [MIN_RETRY_MS, 500],
    notes: { api: "after a backoff step of 250–500 ms" },
  },
  {
    name: "429 Retry-After: 120 (over the cap)",
    label: "429 `Retry-After: 120` (over the 60 s cap)",
    fault: () => ({ status: 429, headers: { "retry-after": "120" } }),
    api: "RateLimitError",
    file: "RateLimitError",
    notes: { api: "at once, not slept" },
  },
  {
    name: "500 on every attempt",
    fault: () => ({ status: 500, times: 10 }),
    api: "InternalServerError",
    file: "InternalServerError",
  },
  {
    name: "dropped connection",
    fault: () => ({ drop: true }),
    api: "ok",
    file: "ok",
  },
  {
    name: "dropped on every attempt",
    fault: () => ({ drop: true, times: 10 }),
    api: "ConnectionError",
    file: "ConnectionError",
  },
  {
    name: "hangs past the timeout once",
    fault: () => ({ hang: true }),
    api: "ok",
    file: "ok",
  },
  {
    name: "hangs on every attempt",
    fault: () => ({ hang: true, times: 10 }),
    api: "TimeoutError",
    file: "TimeoutError",
  },
  // The API answer is retried (the idempotency key makes that safe); a file
  // cut mid-way is resumed with Range from the byte it stopped at.
  {
    name: "truncated body",
    label: "truncated body: cut in half once (the request took effect)",
    fault: () => ({ truncate: true }),
    api: "ok",
    file: "ok",
    notes: {
      create:
        "retried; a second export object may remain, harmless: the API does not deduplicate a create",
      file: "resumed from the byte it reached",
    },
  },
  {
    name: "truncated on every attempt",
    label: "truncated in half on every attempt",
    fault: () => ({ truncate: true, times: 10 }),
    api: "ConnectionError",
    file: "ConnectionError",
    notes: { file: "after `maxRetries` resumes" },
  },
  {
    name: "cut after 100 bytes once",
    label: "cut after 100 bytes once (`truncate: 100`)",
    fault: () => ({ truncate: 100 }),
    api: "ok",
    file: "ok",
    notes: { api: "retried", file: "resumed from the byte it reached" },
  },
  {
    // The byte is drawn afresh on every run and named in any failure.
    name: "cut at a random byte once",
    label: "cut at a random byte once (drawn on every run)",
    fault: ({ file }) => ({
      truncate: 1 + Math.floor(Math.random() * (file ? 7_000 : 180)),
    }),
    api: "ok",
    file: "ok",
    notes: { api: "retried", file: "resumed, byte- and row-exact" },
  },
  {
    name: "cut after 100 bytes on every attempt",
    label: "cut after 100 bytes on every attempt",
    fault: () => ({ truncate: 100, times: 10 }),
    api: "ConnectionError",
    file: "ConnectionError",
    notes: { file: "after `maxRetries` resumes" },
  },
  {
    name: "stalls after 100 bytes once",
    label: "stalls after 100 bytes once, without closing (`stallAfter: 100`)",
    fault: () => ({ stallAfter: 100 }),
    api: "ok",
    file: "ok",
    notes: {
      api: "the attempt times out and is retried",
      file: "resumed from byte 100",
    },
  },
  {
    name: "stalls before its first body byte once",
    label: "stalls after the headers, before any body byte, once",
    fault: () => ({ stallAfter: 0 }),
    api: "ok",
    file: "ok",
    notes: { api: "retried", file: "read again from the start" },
  },
  {
    name: "stalls after 100 bytes on every attempt",
    label: "stalls after 100 bytes on every attempt",
    fault: () => ({ stallAfter: 100, times: 10 }),
    api: "TimeoutError",
    file: "TimeoutError",
    notes: { file: "after `maxRetries` resumes" },
  }, // A stall rather than a cut: bytes that arrive just before a connection
  // closes short may never reach the reader (Bun drops them at times), and a
  // download that restarts from byte 0 needs no Range at all.
  {
    name: "stalls once, and the host ignores Range",
    label:
      "stalls after 100 bytes once, and the host ignores `Range` (a fetch wrapper drops it)",
    fault: () => ({ stallAfter: 100 }),
    fetch: (fetch) => dropRange(fetch),
    api: "ok",
    file: "ConnectionError",
    notes: { file: "its 200 is not spliced onto the first bytes" },
  },

  {
    name: "HTML body with a 2xx",
    fault: () => ({ nonJson: true }),
    api: "InvalidResponseError",
    file: "InvalidResponseError",
    notes: { api: "not retried" },
  },
  {
    name: "HTML body with a 502",
    fault: () => ({
      status: 502,
      body: "<html><body>Bad Gateway</body></html>",
      headers: { "content-type": "text/html" },
    }),
    api: "ok",
    file: "ok",
  },
  {
    name: "body drips slowly (within the timeout)",
    fault: () => ({ dripMs: 5 }),
    api: "ok",
    file: "ok",
  },
  // The attempt timeout covers a JSON body; a file streams as long as each
  // chunk comes within the time-out.
  {
    name: "body drips past the timeout",
    fault: () => ({ dripMs: 150, times: 10 }),
    api: "TimeoutError",
    file: "ok",
    notes: {
      file: "a file streams as long as each chunk comes within the time-out",
    },
  },
  {
    name: "latency within the timeout",
    fault: () => ({ delayMs: 50 }),
    api: "ok",
    file: "ok",
  },
  {
    name: "2xx JSON with a wrong content type",
    notes: { api: "JSON is read by shape" },
    fault: ({ exportId, file }) => ({
      status: 200,
      body: file ? "id,action\r\nev_1,user.signed_in\r\n" : JSON.stringify({
        object: "audit_log_export",
        id: exportId,
        state: "ready",
        url: "http://127.0.0.1:9/unused.csv",
        created_at: "2026-01-01T00:00:00.000Z",
        updated_at: "2026-01-01T00:00:00.000Z",
      }),
      headers: { "content-type": "text/plain" },
    }),
    api: "ok",
    file: "ok",
  },
  {
    name: "2xx body over the 4 MiB cap",
    fault: () => ({
      status: 200,
      body: JSON.stringify({ pad: "x".repeat(5 << 20) }),
    }),
    api: "InvalidResponseError",
    file: "ok",
    notes: { file: "files have no cap" },
  },
  // A fetch that ignores `init.signal` (a wrapper that rebuilds init without
  // it): each attempt is raced against the signal all the same.
  {
    name: "fetch ignores init.signal; hangs once",
    label: "`fetch` ignores `init.signal`; the request hangs once",
    fault: () => ({ hang: true }),
    fetch: (fetch) => dropSignal(fetch),
    api: "ok",
    file: "ok",
    notes: { api: "the attempt times out and is retried" },
  },
  {
    name: "fetch ignores init.signal; hangs on every attempt",
    label: "`fetch` ignores `init.signal`; the request hangs on every attempt",
    fault: () => ({ hang: true, times: 10 }),
    fetch: (fetch) => dropSignal(fetch),
    api: "TimeoutError",
    file: "TimeoutError",
  },
  {
    name: "fetch ignores init.signal; hangs; the caller aborts",
    label:
      "`fetch` ignores `init.signal`; the request hangs and the caller aborts",
    fault: () => ({ hang: true, times: 10 }),
    fetch: (fetch, { isTarget, abortWhenReceived }) => (input, init) => {
      if (isTarget(input)) abortWhenReceived();
      return dropSignal(fetch)(input, init);
    },
    api: "aborted",
    file: "aborted",
  },
];

/** @type {CallKind[]} */
export const CALLS = ["create", "get", "wait", "download", "rows"];

/** The CLI's exit code for a fault: as its download would end. */
export function cliExit(faultCase) {
  return faultCase.file === "ok" ? 0 : faultCase.file === "aborted" ? 130 : 1;
}

/**
 * Every string view of an error, to scan for the key.
 * @param {unknown} error
 */
function views(error) {
  const e = /** @type {Record<string, unknown>} */ (error);
  const out = [String(error)];
  try {
    out.push(JSON.stringify(error) ?? "");
  } catch { /* circular: the other views cover it */ }
  if (error instanceof Error) {
    out.push(error.message, error.stack ?? "", String(e.cause ?? ""));
    if (e.cause instanceof Error) out.push(e.cause.stack ?? "");
    for (const key of Object.keys(error)) {
      try {
        out.push(JSON.stringify(e[key]) ?? "");
      } catch { /* a Response or similar */ }
    }
  }
  return out;
}

const HUNG = Symbol("hung");

/**
 * Runs `fn`, and gives up waiting for it after `CELL_BOUND_MS`: a call
 * that never ends is a failed cell, not a matrix that never ends.
 *
 * @param {() => Promise<unknown>} fn
 * @returns {Promise<typeof HUNG | { failed: false } | { failed: true, error: unknown }>}
 */
async function withinBound(fn) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  try {
    return await Promise.race([
      fn().then(
        () => ({ failed: /** @type {const} */ (false) }),
        (error) => ({ failed: /** @type {const} */ (true), error }),
      ),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(HUNG), CELL_BOUND_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The runtime's own `fetch`, whatever a scenario routes through it later. */
const baseFetch = globalThis.fetch;

/**
 * What a scenario needs for a client-side fault: the hooks its `fetch`
 * wrapper is given, the caller's signal they may abort, and the raw
 * requests to see settled before the scenario ends (a `fetch` that ignores
 * its signal leaves its request open until the server closes).
 *
 * @param {{ url: string, emulator: any }} server the scenario's server
 * @param {{ path: RegExp | string }} target the faulted request, read when used
 */
function clientSide(server, target) {
  const caller = new AbortController();
  const reason = new Error("stopped by the caller");
  reason.name = "CallerAbort";
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  const matches = (path) =>
    typeof target.path === "string"
      ? path === target.path
      : target.path.test(path);
  const received = () =>
    server.emulator.requests.filter((r) => matches(r.path)).length;
  /** @type {Promise<unknown>[]} */
  const open = [];
  /** @type {FetchHooks} */
  const hooks = {
    isTarget: (input) => {
      const url = urlOf(input);
      return url.origin === server.url && matches(url.pathname);
    },
    // Once the server holds the request (it hangs there), not before.
    abortWhenReceived: () => {
      if (timer !== undefined) return;
      const before = received();
      timer = setInterval(() => {
        if (received() === before) return;
        clearInterval(timer);
        caller.abort(reason);
      }, 5);
    },
  };
  /** @type {typeof globalThis.fetch} */
  const tracked = (input, init) => {
    const pending = baseFetch(input, init);
    open.push(pending.catch(() => {}));
    return pending;
  };
  return {
    signal: caller.signal,
    reason,
    wrap: (faultCase) => faultCase.fetch?.(tracked, hooks),
    async settle() {
      clearInterval(timer);
      await Promise.all(open);
    },
  };
}

/**
 * Runs one scenario: a fresh emulator on loopback, the call, its outcome.
 *
 * @param {{ pkg: any, testing: any }} modules
 * @param {CallKind} call
 * @param {FaultCase} faultCase
 * @returns {Promise<{ outcome: string, expected: string, requests: number, elapsed: number, problems: string[] }>}
 */
export async function runScenario({ pkg, testing }, call, faultCase) {
  const server = await testing.serveEmulator({
    apiKey: SECRET_KEY,
    exportDelayMs: 0,
  });
  const problems = [];
  const started = Date.now();
  let outcome = "ok";
  const file = call === "download" || call === "rows";
  const { emulator } = server;
  const target = call === "create"
    ? { method: "POST", path: "/audit_logs/exports" }
    : file
    ? { method: "GET", path: DOWNLOADS }
    : { method: "GET", path: "" };
  const client = clientSide(server, target);
  try {
    const config = {
      apiKey: SECRET_KEY,
      baseUrl: server.url,
      timeout: 1_000,
      maxRetries: 2,
      pollInterval: 20,
      maxWait: 20_000,
    };
    const options = {
      organizationId: emulator.organizations[0],
      rangeStart: new Date(Date.now() - 7 * DAY),
      rangeEnd: new Date(),
    };
    const prepared = call === "create"
      ? undefined
      : await pkg.createExport(options, config);
    if (call === "get" || call === "wait") {
      target.path = `/audit_logs/exports/${prepared.id}`;
    }
    // The file as a clean download reads it: a resumed, refreshed or dripped
    // one must come out byte for byte the same.
    let reference;
    if (file) {
      const text = await new Response(
        await pkg.downloadExport(prepared, config),
      ).text();
      const rows = [];
      for await (const row of pkg.exportRows(new Response(text))) {
        rows.push(row);
      }
      reference = { text, rows };
    }
    const before = emulator.requests.length;
    const fault = faultCase.fault({
      exportId: prepared?.id ?? "audit_log_export_X",
      file,
    });
    emulator.inject({ ...target, ...fault });
    /** @type {{ retryInMs?: number }[]} */
    const attempts = [];
    const callConfig = {
      ...config,
      signal: client.signal,
      onAttempt: (info) => void attempts.push(info),
    };
    const wrapped = client.wrap(faultCase);
    if (wrapped) callConfig.fetch = wrapped;
    let text;
    const rows = [];
    const settled = await withinBound(async () => {
      if (call === "create") await pkg.createExport(options, callConfig);
      else if (call === "get") await pkg.getExport(prepared.id, callConfig);
      else if (call === "wait") {
        await pkg.waitForExport(prepared.id, callConfig);
      } else if (call === "download") {
        const stream = await pkg.downloadExport(prepared, callConfig);
        text = await new Response(stream).text();
        for await (const row of pkg.exportRows(new Response(text))) {
          rows.push(row);
        }
      } else {
        for await (const row of pkg.exportRows(prepared, callConfig)) {
          rows.push(row);
        }
      }
    });
    if (settled === HUNG) {
      outcome = "still running";
      problems.push(`still running after ${CELL_BOUND_MS} ms`);
    } else if (settled.failed) {
      const { error } = settled;
      if (error === client.reason) outcome = "aborted";
      else {
        // `name` is what a user reads; it survives minification.
        if (error instanceof pkg.AuditLogError) outcome = error.name;
        else {
          outcome = error?.constructor?.name ?? String(error);
          problems.push(`not an AuditLogError: ${error}`);
        }
      }
      if (views(error).some((v) => v.includes(SECRET_KEY))) {
        problems.push("the API key leaked into the error");
      }
    }
    const requests = emulator.requests.slice(before);
    for (const r of emulator.requests) {
      if (DOWNLOADS.test(r.path) && r.headers.authorization !== undefined) {
        problems.push("Authorization was sent to the download host");
      }
    }
    // onAttempt hears of every attempt, and never of the key.
    // (A runtime's fetch may itself resend a request whose reused
    // connection was reset: the server may see more than was attempted.)
    if (attempts.length === 0 || attempts.length > requests.length) {
      problems.push(
        `onAttempt heard ${attempts.length} attempts, the emulator saw ${requests.length} requests`,
      );
    }
    if (JSON.stringify(attempts).includes(SECRET_KEY)) {
      problems.push("the API key leaked into onAttempt");
    }
    // Whatever a server answers, a retry waits at least the first backoff
    // step: never a storm of immediate retries.
    const retries = attempts.filter((a) => a.retryInMs !== undefined);
    for (const { retryInMs } of retries) {
      if (!(retryInMs >= MIN_RETRY_MS)) {
        problems.push(`a retry was planned after ${retryInMs} ms`);
      }
    }
    if (faultCase.firstRetry) {
      const [low, high] = faultCase.firstRetry;
      const first = retries[0]?.retryInMs;
      if (!(first >= low && first <= high)) {
        problems.push(
          `the first retry was planned after ${first} ms, not ${low}–${high}`,
        );
      }
    }
    const exports = emulator.listExports().length - (prepared ? 1 : 0);
    // The real API does not deduplicate a retried create: a retry after a
    // lost answer may leave one more export, never more than one per POST
    // the server saw.
    const posts = requests.filter((r) => r.method === "POST").length;
    if (call === "create" && exports > posts) {
      problems.push(`${exports} exports created by ${posts} POSTs`);
    }
    // A fault that answers 2xx in the server's place leaves nothing created.
    const reachesHandler =
      !(typeof fault.status === "number" && fault.status < 300);
    // However a file arrives (resumed, refreshed, dripped), it is the
    // export's, byte for byte, and its rows come out each once, in order.
    if (file && outcome === "ok" && reachesHandler) {
      const expectedRows = emulator.listExports()[0].rowCount;
      if (rows.length !== expectedRows) {
        problems.push(
          `${rows.length} rows read, the export has ${expectedRows}`,
        );
      }
      if (text !== undefined && text !== reference.text) {
        problems.push(
          `the file differs from a clean download (${text.length} characters, not ${reference.text.length})`,
        );
      }
      if (JSON.stringify(rows) !== JSON.stringify(reference.rows)) {
        problems.push("the rows differ from those of a clean download");
      }
    }
    if (
      call === "create" && outcome === "ok" && reachesHandler && exports < 1
    ) {
      problems.push("no export created");
    }
    const expected = file ? faultCase.file : faultCase.api;
    if (outcome !== expected) {
      const seen = requests.map((r) => `${r.method} ${r.path.slice(0, 40)}`);
      problems.push(
        `expected ${expected}, got ${outcome} (fault ${
          JSON.stringify(fault)
        }); requests: ${seen.join(", ")}`,
      );
    }
    const elapsed = Date.now() - started;
    if (elapsed > CELL_BOUND_MS) {
      problems.push(`took ${elapsed} ms, over ${CELL_BOUND_MS}`);
    }
    return {
      outcome,
      expected,
      requests: requests.length,
      elapsed,
      problems,
    };
  } finally {
    await server.close();
    await client.settle();
  }
}

/** How many random cuts of the large file each runtime checks. */
export const LARGE_CUTS = 4;

/**
 * A download of a file of about 5 MB cut once at a random byte, `LARGE_CUTS`
 * times: each must resume to the same bytes as a clean download. The bytes
 * are drawn afresh on every run and named in any failure.
 *
 * @param {{ pkg: any, testing: any }} modules
 * @returns {Promise<Array<{ name: string, problems: string[] }>>}
 */
export async function runLargeFileCuts({ pkg, testing }) {
  const organization = "org_large_file";
  const now = Date.now();
  const server = await testing.serveEmulator({
    apiKey: SECRET_KEY,
    organizations: [organization],
    // About 250 bytes a row.
    events: testing.sampleEvents({
      organizations: [organization],
      perOrganization: 21_000,
      now,
      days: 60,
    }),
    exportDelayMs: 0,
    rateLimit: false,
  });
  const results = [];
  try {
    const config = { apiKey: SECRET_KEY, baseUrl: server.url };
    const created = await pkg.createExport({
      organizationId: organization,
      rangeStart: new Date(now - 61 * DAY),
      rangeEnd: new Date(now),
    }, config);
    const bytes = async () =>
      new Uint8Array(
        await new Response(await pkg.downloadExport(created, config))
          .arrayBuffer(),
      );
    const whole = await bytes();
    for (let i = 0; i < LARGE_CUTS; i++) {
      const at = Math.floor(Math.random() * whole.byteLength);
      const name = `download ${
        (whole.byteLength / 1e6).toFixed(1)
      } MB × cut at byte ${at}`;
      const problems = [];
      if (whole.byteLength < 5e6) problems.push(`only ${whole.byteLength} B`);
      server.emulator.inject({ path: DOWNLOADS, truncate: at });
      /** @type {Uint8Array | undefined} */
      let got;
      const ended = await withinBound(async () => {
        got = await bytes();
      });
      if (ended === HUNG) {
        problems.push(`still running after ${CELL_BOUND_MS} ms`);
      } else if (ended.failed) {
        problems.push(`failed: ${ended.error?.name}: ${ended.error?.message}`);
      } else if (
        got.byteLength !== whole.byteLength ||
        !got.every((b, j) => b === whole[j])
      ) {
        problems.push(`${got.byteLength} bytes that differ from the file`);
      }
      results.push({ name, problems });
    }
  } finally {
    await server.close();
  }
  return results;
}

/**
 * Runs the whole matrix, `concurrency` scenarios at a time (each has its own
 * emulator), and returns one result per cell.
 *
 * @param {{ pkg: any, testing: any }} modules
 * @param {number} [concurrency]
 */
export async function runMatrix(modules, concurrency = 12) {
  const cells = FAULTS.flatMap((faultCase) =>
    CALLS.map((call) => ({ call, faultCase }))
  );
  const results = new Array(cells.length);
  let next = 0;
  const worker = async () => {
    while (next < cells.length) {
      const i = next++;
      const { call, faultCase } = cells[i];
      results[i] = {
        call,
        fault: faultCase.name,
        ...(await runScenario(modules, call, faultCase)),
      };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/** `fetch` wrappers by origin, while the CLI scenarios that need one run. */
const routes = new Map();
/** @type {typeof globalThis.fetch | undefined} */
let unrouted;

/**
 * The CLI takes no `fetch` of its own: for a fault of the client's side,
 * the global `fetch` is routed to the wrapper for requests to this origin
 * only (every scenario has its own port), and restored when the last
 * scenario that needs it is done.
 *
 * @param {string} origin
 * @param {typeof globalThis.fetch} fetch
 */
function routeFetch(origin, fetch) {
  if (routes.size === 0) {
    unrouted = globalThis.fetch;
    globalThis.fetch = (input, init) =>
      (routes.get(urlOf(input).origin) ?? unrouted)(input, init);
  }
  routes.set(origin, fetch);
  return () => {
    routes.delete(origin);
    if (routes.size === 0) globalThis.fetch = unrouted;
  };
}

/**
 * The CLI's `export` command against one fault on the download: exit code 0
 * when the library call would succeed, 1 when it would fail, 130 when the
 * caller stopped it, and never a file under the final name after a failure,
 * nor a leftover partial file.
 *
 * @param {{ cli: any, testing: any }} modules
 * @param {FaultCase} faultCase
 * @param {string} dir a scratch directory of this scenario's own
 * @param {{ readdir: (dir: string) => Promise<string[]> }} fs
 */
export async function runCliScenario({ cli, testing }, faultCase, dir, fs) {
  const server = await testing.serveEmulator({
    apiKey: SECRET_KEY,
    exportDelayMs: 0,
  });
  const problems = [];
  const started = Date.now();
  const client = clientSide(server, { path: DOWNLOADS });
  let unroute = () => {};
  try {
    const { emulator } = server;
    emulator.inject({
      method: "GET",
      path: DOWNLOADS,
      ...faultCase.fault({ exportId: "x", file: true }),
    });
    const wrapped = client.wrap(faultCase);
    if (wrapped) unroute = routeFetch(server.url, wrapped);
    let output = "";
    /** @type {number | undefined} */
    let exit;
    const decoder = new TextDecoder();
    const io = {
      stdout: (chunk) => {
        output += typeof chunk === "string" ? chunk : decoder.decode(chunk);
        return Promise.resolve();
      },
      stderr: (text) => void (output += text),
      env: (name) => (name === "WORKOS_API_KEY" ? SECRET_KEY : undefined),
      isTTY: false,
      cwd: dir,
      now: Date.now,
      signal: client.signal,
    };
    const settled = await withinBound(() =>
      cli.main([
        "export",
        "--org",
        emulator.organizations[0],
        "--from",
        "7d",
        "--out",
        "audit.csv",
        "--base-url",
        server.url,
        "--max-retries",
        "2",
        "--timeout",
        "1s",
        "--json",
      ], io).then((code) => void (exit = code))
    );
    if (settled === HUNG) {
      problems.push(`still running after ${CELL_BOUND_MS} ms`);
    } else if (settled.failed) {
      problems.push(`main rejected: ${settled.error}`);
    }
    const code = exit;
    const expected = cliExit(faultCase);
    if (code !== expected) {
      problems.push(
        `exit ${code}, expected ${expected}: ${output.slice(-300)}`,
      );
    }
    const files = await fs.readdir(dir);
    const wanted = code === 0 ? ["audit.csv"] : [];
    if (JSON.stringify(files) !== JSON.stringify(wanted)) {
      problems.push(`files left: ${files.join(", ")}`);
    }
    if (output.includes(SECRET_KEY)) {
      problems.push("the API key leaked into the CLI output");
    }
    for (const r of emulator.requests) {
      if (DOWNLOADS.test(r.path) && r.headers.authorization !== undefined) {
        problems.push("Authorization was sent to the download host");
      }
    }
    const elapsed = Date.now() - started;
    if (elapsed > CELL_BOUND_MS) {
      problems.push(`took ${elapsed} ms, over ${CELL_BOUND_MS}`);
    }
    return {
      call: "cli export",
      fault: faultCase.name,
      outcome: `exit ${code}`,
      requests: emulator.requests.length,
      elapsed,
      problems,
    };
  } finally {
    unroute();
    await server.close();
    await client.settle();
  }
}

/**
 * The matrix as the Markdown table of RELIABILITY.md, written from `FAULTS`
 * so the page says what the tests check.
 */
export function matrixTable() {
  const columns = [...CALLS, "cli"];
  const lines = [
    "| fault (injected on the call's own request) | create | get | wait | download | rows | CLI `export` |",
    `|${" --- |".repeat(columns.length + 1)}`,
  ];
  for (const faultCase of FAULTS) {
    const cells = columns.map((column) => {
      const notes = faultCase.notes ?? {};
      if (column === "cli") {
        const exit = `exit ${cliExit(faultCase)}`;
        return notes.cli ? `${exit} (${notes.cli})` : exit;
      }
      const kind = column === "download" || column === "rows" ? "file" : "api";
      const outcome = faultCase[kind];
      const text = outcome === "ok"
        ? "ok"
        : outcome === "aborted"
        ? "the caller's abort reason"
        : `\`${outcome}\``;
      // A note on the kind goes on its first column only.
      const first = column === "create" || column === "download";
      const note = notes[column] ?? (first ? notes[kind] : undefined);
      return note ? `${text} (${note})` : text;
    });
    lines.push(
      `| ${[faultCase.label ?? faultCase.name, ...cells].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}
