/**
 * `get`, and what every API command says about its HTTP: failures exit 1
 * with status and request id, and `--verbose` prints a line per attempt.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  attemptLines,
  cli,
  DOWNLOADS,
  HEADER,
  literal,
  READY,
  withEmulatorAndDir,
} from "./cli_helpers.ts";
import { withEmulator } from "./helpers.ts";

Deno.test("API failures exit 1 with status and request id", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const notFound = await cli([
      "create",
      "--org",
      "org_nope",
      "--from",
      "7d",
    ], { server });
    assert.equal(notFound.code, 1);
    assert.match(notFound.stderr, /Organization not found: 'org_nope'/);
    assert.match(notFound.stderr, /HTTP 404, request id req_/);
    assert.equal(notFound.stdout, "");

    const missing = await cli(["get", "audit_log_export_missing"], { server });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Audit Log Export not found.*HTTP 404/);

    emulator.inject({
      method: "POST",
      path: "/audit_logs/exports",
      status: 500,
      times: 5,
    });
    const failing = await cli([
      "create",
      "--org",
      emulator.organizations[0],
      "--from",
      "7d",
      "--max-retries",
      "0",
    ], { server });
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /HTTP 500, request id req_/);

    const wrongKey = "sk_test_wrong_key_987654321";
    const denied = await cli(["get", "audit_log_export_x"], {
      server,
      key: wrongKey,
      secrets: [wrongKey],
    });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /HTTP 401/);
    assert.match(denied.stderr, /Check WORKOS_API_KEY/);

    const unreachable = await cli([
      "get",
      "audit_log_export_x",
      "--max-retries",
      "0",
    ], {
      server: { url: "http://127.0.0.1:9" },
    });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /Could not reach GET/);
  });
});

Deno.test("--verbose prints a line per HTTP attempt, retries included, never the key or a download URL's query", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const origin = literal(url);
    const took = String.raw`in \d+ ms \(request id req_\w+\)`;
    const retry = String.raw`; retry in \d+ ms`;
    const file = String
      .raw`/_emulator/downloads/\w+/audit_log_export_\w+\.csv`;

    emulator.inject({ method: "POST", status: 503 });
    const created = await cli(
      ["create", "--org", org, "--from", "30d", "--json", "--verbose"],
      { server },
    );
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).id;
    assert.deepEqual(
      attemptLines(created).map((l) => l.replace(/\d+ ms/g, "N ms")),
      [
        `[http] POST ${url}/audit_logs/exports attempt 1: 503 InternalServerError in N ms (request id ${
          created.stderr.match(/req_\w+/)![0]
        }); retry in N ms`,
        `[http] POST ${url}/audit_logs/exports attempt 2: 201 in N ms (request id ${
          created.stderr.match(/req_\w+/g)![1]
        })`,
      ],
    );

    const got = await cli(["get", id, "--verbose"], { server });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(JSON.parse(got.stdout).id, id);
    const [getLine, ...more] = attemptLines(got);
    assert.match(
      getLine,
      new RegExp(
        `^\\[http\\] GET ${origin}/audit_logs/exports/${id} attempt 1: 200 ${took}$`,
      ),
    );
    assert.deepEqual(more, []);

    const waited = await cli(["wait", id, "--verbose", "--quiet"], {
      server,
    });
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(attemptLines(waited).length, 1);

    // --quiet silences progress, not the attempt lines.
    emulator.inject({ path: DOWNLOADS, status: 500 });
    const downloaded = await cli(["download", id, "--verbose", "--quiet"], {
      server,
    });
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.ok(downloaded.stdout.startsWith(HEADER));
    assert.doesNotMatch(downloaded.stdout, /X-Expires/);
    const lines = attemptLines(downloaded);
    assert.equal(downloaded.stderr, lines.map((l) => `${l}\n`).join(""));
    assert.match(
      lines.at(-2)!,
      new RegExp(
        `^\\[http\\] GET ${origin}${file} attempt 1: 500 InternalServerError ${took}${retry}$`,
      ),
    );
    assert.match(
      lines.at(-1)!,
      new RegExp(`^\\[http\\] GET ${origin}${file} attempt 2: 200 ${took}$`),
    );

    const exported = await cli(
      [
        "export",
        "--org",
        org,
        "--from",
        "30d",
        "--out",
        `${dir}/a.csv`,
        "--json",
        "-v",
      ],
      { server },
    );
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(exported.stdout).file, `${dir}/a.csv`);
    assert.match(
      attemptLines(exported).join("\n"),
      new RegExp(
        `POST ${origin}/audit_logs/exports attempt 1: 201 .*\n.*GET ${origin}${file} attempt 1: 200 `,
      ),
    );

    const unreachable = await cli(
      ["get", id, "--verbose", "--max-retries", "1"],
      { server: { url: "http://127.0.0.1:9" } },
    );
    assert.equal(unreachable.code, 1);
    assert.deepEqual(
      attemptLines(unreachable).map((l) => l.replace(/\d+ ms/g, "N ms")),
      [
        `[http] GET http://127.0.0.1:9/audit_logs/exports/${id} attempt 1: ConnectionError in N ms; retry in N ms`,
        `[http] GET http://127.0.0.1:9/audit_logs/exports/${id} attempt 2: ConnectionError in N ms`,
      ],
    );

    const demo = await cli(
      ["demo", "--verbose", "--out", `${dir}/demo.csv`],
      {
        key: "",
        // The key of the demo's own in-process emulator.
        secrets: ["sk_test_emulator"],
      },
    );
    assert.equal(demo.code, 0, demo.stderr);
    assert.match(
      attemptLines(demo).join("\n"),
      /POST http:\/\/127\.0\.0\.1:\d+\/audit_logs\/exports attempt 1: 201 /,
    );

    const plain = await cli(["download", id], { server });
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(attemptLines(plain), [], "no lines without --verbose");
  });
});
