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

/**
 * @typedef {"create" | "get" | "wait" | "download" | "rows"} CallKind
 * @typedef {{ name: string, fault: (ctx: { exportId: string, file: boolean }) => Record<string, unknown>, api: string, file: string }} FaultCase
 */

/** HTTP date `seconds` from now. */
const httpDate = (seconds) =>
  new Date(Date.now() + seconds * 1000).toUTCString();

/**
 * Each fault with its outcome for API calls (create, get, wait) and for file
 * calls (download, rows). "ok" means the call succeeds; otherwise the name of
 * the error class it must reject with.
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
    fault: () => ({ status: 403 }),
    api: "PermissionDeniedError",
    file: "ok",
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
    fault: () => ({ status: 429, headers: { "retry-after": "1" } }),
    api: "ok",
    file: "ok",
  },
  {
    name: "429 Retry-After as an HTTP date",
    fault: () => ({ status: 429, headers: { "retry-after": httpDate(1) } }),
    api: "ok",
    file: "ok",
  },
  {
    name: "429 Retry-After: 120 (over the cap)",
    fault: () => ({ status: 429, headers: { "retry-after": "120" } }),
    api: "RateLimitError",
    file: "RateLimitError",
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
    fault: () => ({ truncate: true }),
    api: "ok",
    file: "ok",
  },
  {
    name: "truncated on every attempt",
    fault: () => ({ truncate: true, times: 10 }),
    api: "ConnectionError",
    file: "ConnectionError",
  },
  {
    name: "HTML body with a 2xx",
    fault: () => ({ nonJson: true }),
    api: "InvalidResponseError",
    file: "InvalidResponseError",
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
  // The attempt timeout covers a JSON body, but a file streams as long as it flows.
  {
    name: "body drips past the timeout",
    fault: () => ({ dripMs: 150, times: 10 }),
    api: "TimeoutError",
    file: "ok",
  },
  {
    name: "latency within the timeout",
    fault: () => ({ delayMs: 50 }),
    api: "ok",
    file: "ok",
  },
  {
    name: "2xx JSON with a wrong content type",
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
  },
];

/** @type {CallKind[]} */
export const CALLS = ["create", "get", "wait", "download", "rows"];

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
  try {
    const { emulator } = server;
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
    const before = emulator.requests.length;
    const target = call === "create"
      ? { method: "POST", path: "/audit_logs/exports" }
      : call === "download" || call === "rows"
      ? { method: "GET", path: DOWNLOADS }
      : { method: "GET", path: `/audit_logs/exports/${prepared.id}` };
    const file = call === "download" || call === "rows";
    const fault = faultCase.fault({
      exportId: prepared?.id ?? "audit_log_export_X",
      file,
    });
    emulator.inject({ ...target, ...fault });
    let rows = 0;
    try {
      if (call === "create") await pkg.createExport(options, config);
      else if (call === "get") await pkg.getExport(prepared.id, config);
      else if (call === "wait") await pkg.waitForExport(prepared.id, config);
      else if (call === "download") {
        const stream = await pkg.downloadExport(prepared, config);
        const text = await new Response(stream).text();
        // deno-lint-ignore no-unused-vars
        for await (const row of pkg.exportRows(new Response(text))) rows++;
      } else {
        // deno-lint-ignore no-unused-vars
        for await (const row of pkg.exportRows(prepared, config)) rows++;
      }
    } catch (error) {
      outcome = error?.constructor?.name ?? String(error);
      if (!(error instanceof pkg.AuditLogError)) {
        problems.push(`not an AuditLogError: ${error}`);
      }
      if (views(error).some((v) => v.includes(SECRET_KEY))) {
        problems.push("the API key leaked into the error");
      }
    }
    for (const r of emulator.requests) {
      if (DOWNLOADS.test(r.path) && r.headers.authorization !== undefined) {
        problems.push("Authorization was sent to the download host");
      }
    }
    const exports = emulator.listExports().length - (prepared ? 1 : 0);
    if (call === "create" && exports > 1) {
      problems.push(`${exports} exports created by one call`);
    }
    // A fault that answers 2xx in the server's place leaves nothing created.
    const reachesHandler =
      !(typeof fault.status === "number" && fault.status < 300);
    // However a file arrives (resumed, refreshed, dripped), its rows are the
    // export's, each once.
    if (file && outcome === "ok" && reachesHandler) {
      const expectedRows = emulator.listExports()[0].rowCount;
      if (rows !== expectedRows) {
        problems.push(`${rows} rows read, the export has ${expectedRows}`);
      }
    }
    if (
      call === "create" && outcome === "ok" && reachesHandler && exports !== 1
    ) {
      problems.push("no export created");
    }
    const expected = file ? faultCase.file : faultCase.api;
    if (outcome !== expected) {
      const seen = emulator.requests.map((r) =>
        `${r.method} ${r.path.slice(0, 40)}`
      );
      problems.push(
        `expected ${expected}, got ${outcome}; requests: ${seen.join(", ")}`,
      );
    }
    return {
      outcome,
      expected,
      requests: emulator.requests.length - before,
      elapsed: Date.now() - started,
      problems,
    };
  } finally {
    await server.close();
  }
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

/**
 * The CLI's `export` command against one fault on the download: exit code 0
 * when the library call would succeed, 1 when it would fail, and never a file
 * under the final name after a failure, nor a leftover partial file.
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
  try {
    const { emulator } = server;
    emulator.inject({
      method: "GET",
      path: DOWNLOADS,
      ...faultCase.fault({ exportId: "x", file: true }),
    });
    let output = "";
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
      signal: new AbortController().signal,
    };
    const code = await cli.main([
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
    ], io);
    const expected = faultCase.file === "ok" ? 0 : 1;
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
    return {
      call: "cli export",
      fault: faultCase.name,
      outcome: `exit ${code}`,
      requests: emulator.requests.length,
      problems,
    };
  } finally {
    await server.close();
  }
}
