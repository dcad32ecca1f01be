/**
 * The CLI prints no secret: not the API key, however a hostile API echoes
 * it, and not the signature of a presigned download URL, unless
 * `--show-url` asks for it. `cli.ts` runs as a real subprocess against an
 * emulator, or against a raw `Deno.serve` on loopback playing a hostile
 * API and file host, and stdout and stderr are searched for every spelling
 * of the key and the signature, with `--verbose` and with
 * `AUDIT_LOG_EXPORT_DEBUG=1`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cli, type Run, withEmulatorAndDir } from "./cli_helpers.ts";
import { storedEvent } from "./helpers.ts";

/**
 * A key with characters that JSON and URL encodings change, instead of the
 * test key: each of its spellings must be redacted.
 */
const KEY = 'sk_test_cli/+h0stile"~!';
const SIGNATURE =
  "9c1e4b7a2d5f8036e1b4c7d0a3f6e9b2c5d8a1f4e7b0c3d6a9f2e5b8c1d4a7f0";
/** Parts of the secrets no redaction marker holds: any of them in the output is a leak. */
const TRACES = ["h0stile", SIGNATURE.slice(0, 16), "X-Amz-Signature"];

/** Every way a server may echo a secret. */
const spellings = (secret: string) => [
  secret,
  JSON.stringify(secret).slice(1, -1),
  encodeURIComponent(secret),
  new URLSearchParams([["", secret]]).toString().slice(1),
];

const SECRETS = [...spellings(KEY), ...spellings(SIGNATURE), ...TRACES];

const ORG = "org_01EHZNVPK3SFK441A1RGBFSHRT";
const EXPORT_ID = "audit_log_export_01GBZK5MP7TD1YCFQHFR22180V";
const CSV =
  "action,occurred_at,actor_id\nuser.signed_in,2026-11-01T00:00:00Z,u1\n";

/** How the hostile API behaves for one run. */
interface Script {
  /** Status of every API answer that is not a success. */
  apiStatus?: number;
  /** State of the export `GET` returns. */
  state?: string;
  /** Status of the file host: 200 serves the CSV, anything else echoes the request. */
  fileStatus?: number;
}

/**
 * An API and a file host on one loopback port that echo every credential
 * they are sent: the Authorization header in error bodies and headers, the
 * presigned query in the file host's errors.
 */
async function withHostile(
  fn: (
    server: { url: string },
    script: (s: Script) => void,
  ) => Promise<void>,
): Promise<void> {
  let current: Script = {};
  const now = new Date().toISOString();
  let base = "";
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const url = new URL(request.url);
      const auth = request.headers.get("authorization") ?? "";
      const echo = (status: number, said: string) =>
        new Response(
          JSON.stringify({
            message: `Refused ${said}, as ${JSON.stringify(said)}, or ${
              encodeURIComponent(said)
            }`,
            code: said,
            errors: [{ field: said, code: "echo" }, { said: [said] }],
          }),
          {
            status,
            headers: {
              "content-type": "application/json",
              "x-request-id": said,
              "www-authenticate": `Bearer error="invalid_token" ${said}`,
            },
          },
        );
      if (url.pathname.startsWith("/files/")) {
        const status = current.fileStatus ?? 200;
        return status === 200
          ? new Response(CSV, {
            headers: { "content-type": "text/csv", "x-request-id": "req_f" },
          })
          : echo(status, `${request.url} ${url.search}`);
      }
      if (current.apiStatus) return echo(current.apiStatus, auth);
      return new Response(
        JSON.stringify({
          object: "audit_log_export",
          id: EXPORT_ID,
          state: current.state ?? "ready",
          url:
            `${base}/files/${EXPORT_ID}.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
            `&X-Amz-Expires=600&X-Amz-Signature=${SIGNATURE}`,
          created_at: now,
          updated_at: now,
        }),
        {
          status: url.pathname === "/audit_logs/exports" ? 201 : 200,
          headers: {
            "content-type": "application/json",
            "x-request-id": "req_1",
          },
        },
      );
    },
  );
  base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await fn({ url: base }, (s) => void (current = s));
  } finally {
    await server.shutdown();
  }
}

/** Runs the CLI with the hostile key, failing on any secret in its output. */
const run = (
  args: string[],
  server: { url: string },
  env: Record<string, string> = {},
): Promise<Run> => cli(args, { server, key: KEY, secrets: SECRETS, env });

/** Every combination of the two per-attempt logs. */
const LOGGING: [string[], Record<string, string>][] = [
  [[], {}],
  [["--verbose"], {}],
  [[], { AUDIT_LOG_EXPORT_DEBUG: "1" }],
];

Deno.test("cli secrets: error messages of a hostile API that echoes the key hold no trace of it", async () => {
  await withHostile(async (server, script) => {
    const dir = await Deno.makeTempDir({ prefix: "cli_secrets_" });
    try {
      const commands = [
        ["get", EXPORT_ID],
        ["wait", EXPORT_ID],
        ["create", "--org", ORG, "--from", "1d"],
        ["download", EXPORT_ID, "--out", `${dir}/a.csv`],
        ["export", "--org", ORG, "--from", "1d", "--out", `${dir}/b.csv`],
      ];
      // Every command and log with one status; every status with one command.
      const cases: [number, string[][], typeof LOGGING][] = [
        [401, commands, LOGGING],
        ...[400, 403, 422, 500].map((
          status,
        ): [number, string[][], typeof LOGGING] => [status, [commands[0]], [
          LOGGING[1],
        ]]),
      ];
      for (const [status, some, logging] of cases) {
        script({ apiStatus: status });
        for (const args of some) {
          for (const [flags, env] of logging) {
            const out = await run(
              [...args, ...flags, "--max-retries", "0"],
              server,
              env,
            );
            const what = `${status} ${args[0]} ${flags} ${JSON.stringify(env)}`;
            assert.equal(out.code, 1, `${what}: ${out.stderr}`);
            assert.equal(out.stdout, "", what);
            // What the server said is still there, with the key taken out.
            assert.match(
              out.stderr,
              /error: Refused Bearer \[redacted\], as "Bearer \[redacted\]", or Bearer%20\[redacted\] \(HTTP \d+, request id Bearer \[redacted\]\) \[Bearer \[redacted\]\]/,
              what,
            );
          }
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("cli secrets: a file host that echoes the presigned URL leaves no signature on stderr", async () => {
  await withHostile(async (server, script) => {
    const dir = await Deno.makeTempDir({ prefix: "cli_secrets_" });
    try {
      for (const fileStatus of [400, 403, 500]) {
        script({ fileStatus });
        for (
          const [flags, env] of fileStatus === 500 ? LOGGING : [LOGGING[1]]
        ) {
          for (
            const args of [
              ["download", EXPORT_ID],
              ["download", EXPORT_ID, "--out", `${dir}/a.csv`, "--json"],
              ["export", "--org", ORG, "--from", "1d", "--format", "ndjson"],
            ]
          ) {
            const out = await run(
              [...args, ...flags, "--max-retries", "0"],
              server,
              env,
            );
            const what = `${fileStatus} ${args.join(" ")} ${flags}`;
            assert.equal(out.code, 1, `${what}: ${out.stderr}`);
            assert.match(
              out.stderr,
              /error: Refused http:\/\/127\.0\.0\.1:\d+\/files\//,
              what,
            );
            assert.match(out.stderr, /\[redacted\]/, what);
          }
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("cli secrets: get, wait, download and export print the download URL without its signature unless --show-url", async () => {
  await withHostile(async (server, script) => {
    const dir = await Deno.makeTempDir({ prefix: "cli_secrets_" });
    try {
      script({});
      const bare = `${server.url}/files/${EXPORT_ID}.csv`;
      const exportOf = (out: Run, wrapped: boolean) => {
        assert.equal(out.code, 0, out.stderr);
        const printed = JSON.parse(out.stdout);
        return wrapped ? printed.export : printed;
      };
      for (const [flags, env] of LOGGING) {
        const runs: [string[], boolean][] = [
          [["get", EXPORT_ID, "--json"], false],
          [["wait", EXPORT_ID, "--json"], false],
          [["create", "--org", ORG, "--from", "1d", "--json"], false],
          [["download", EXPORT_ID, "--out", `${dir}/a.csv`, "--json"], true],
          [[
            "export",
            "--org",
            ORG,
            "--from",
            "1d",
            "--out",
            `${dir}/b.csv`,
            "--json",
          ], true],
        ];
        for (const [args, wrapped] of runs) {
          const out = await run([...args, ...flags], server, env);
          const printed = exportOf(out, wrapped);
          assert.equal(printed.id, EXPORT_ID);
          assert.equal(printed.url, bare, args.join(" "));
        }
      }
      assert.equal(await Deno.readTextFile(`${dir}/a.csv`), CSV);

      // Without --json too, and nothing more on stderr.
      const human = await run(["wait", EXPORT_ID], server);
      assert.equal(JSON.parse(human.stdout).url, bare);
      assert.equal(human.stderr, "");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("cli secrets: --show-url prints the presigned URL whole on stdout, and only there", async () => {
  await withHostile(async (server, script) => {
    const dir = await Deno.makeTempDir({ prefix: "cli_secrets_" });
    try {
      script({});
      for (
        const [args, wrapped] of [
          [["wait", EXPORT_ID, "--json", "--show-url", "--verbose"], false],
          [["get", EXPORT_ID, "--show-url"], false],
          [[
            "download",
            EXPORT_ID,
            "--out",
            `${dir}/a.csv`,
            "--json",
            "--show-url",
            "--verbose",
          ], true],
        ] as [string[], boolean][]
      ) {
        // The signature is expected on stdout here: only stderr is checked.
        const out = await cli([...args], {
          server,
          key: KEY,
          secrets: spellings(KEY),
          env: { AUDIT_LOG_EXPORT_DEBUG: "1" },
        });
        assert.equal(out.code, 0, out.stderr);
        const printed = JSON.parse(out.stdout);
        const url = new URL((wrapped ? printed.export : printed).url);
        assert.equal(url.searchParams.get("X-Amz-Signature"), SIGNATURE);
        for (const trace of TRACES) {
          assert.ok(!out.stderr.includes(trace), `${args}: ${out.stderr}`);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("cli secrets: an export that failed with a presigned URL names no signature", async () => {
  await withHostile(async (server, script) => {
    script({ state: "error" });
    for (const [flags, env] of LOGGING) {
      const out = await run(["wait", EXPORT_ID, ...flags], server, env);
      assert.equal(out.code, 1, out.stderr);
      assert.match(out.stderr, /ended in state "error"/);
    }
  });
});

Deno.test("cli secrets: against the emulator, no run prints the download URL's query unless asked", async () => {
  await withEmulatorAndDir({
    apiKey: KEY,
    exportDelayMs: 0,
    organizations: [ORG],
    events: [storedEvent(ORG)],
  }, async (server) => {
    const { dir } = server;
    const query = /\?X-Expires=/;
    for (const [flags, env] of LOGGING) {
      const exported = await run(
        [
          "export",
          "--org",
          ORG,
          "--from",
          "7d",
          "--out",
          `${dir}/a.csv`,
          "--json",
          ...flags,
        ],
        server,
        env,
      );
      assert.equal(exported.code, 0, exported.stderr);
      const { export: ready, rows } = JSON.parse(exported.stdout);
      assert.equal(rows, 1);
      assert.equal(ready.state, "ready");
      assert.match(
        ready.url,
        /\/_emulator\/downloads\/\w+\/audit_log_export_\w+\.csv$/,
      );
      for (const args of [["get", ready.id], ["wait", ready.id, "--json"]]) {
        const out = await run([...args, ...flags], server, env);
        assert.equal(out.code, 0, out.stderr);
        // Each read presigns afresh: the same file, another grant.
        assert.match(
          JSON.parse(out.stdout).url,
          /\/_emulator\/downloads\/\w+\/audit_log_export_\w+\.csv$/,
        );
        assert.doesNotMatch(out.stdout + out.stderr, query, args.join(" "));
      }
      assert.doesNotMatch(exported.stdout + exported.stderr, query);
      const shown = await run(
        ["get", ready.id, "--json", "--show-url", ...flags],
        server,
        env,
      );
      assert.match(JSON.parse(shown.stdout).url, query);
      assert.doesNotMatch(shown.stderr, query);
    }
  });
});
