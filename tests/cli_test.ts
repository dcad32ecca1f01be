/**
 * The CLI end to end: `cli.ts` runs as a real subprocess against an
 * emulator served by the test, and `main` once in-process with injected IO.
 * Every run asserts that the API key appears in neither stdout nor stderr.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportRows } from "../mod.ts";
import { main } from "../cli.ts";
import { type Emulator, serveEmulator } from "../testing.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = `${ROOT}cli.ts`;
const CONFIG = `${ROOT}deno.json`;
const KEY = "sk_test_cli_secret_0123456789";
const DOWNLOADS = /^\/_emulator\/downloads\//;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  /** The served emulator to point --base-url at (omit for commands that need none). */
  server?: { url: string };
  /** WORKOS_API_KEY; `""` to leave it unset. Default {@link KEY}. */
  key?: string;
  /** Working directory. Default the repository root. */
  cwd?: string;
  /** Keys that must appear nowhere in the output. */
  secrets?: string[];
}

/** Runs `cli.ts` as a subprocess, the way a user would, and checks the key never leaks. */
async function cli(args: string[], options: RunOptions = {}): Promise<Run> {
  const child = spawn(args, options);
  const out = await child.output();
  return checked(out, options);
}

function spawn(args: string[], options: RunOptions): Deno.ChildProcess {
  const base = options.server ? ["--base-url", options.server.url] : [];
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      CONFIG,
      "--allow-net=127.0.0.1,localhost",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      CLI,
      ...args,
      ...base,
    ],
    cwd: options.cwd ?? ROOT,
    env: {
      WORKOS_API_KEY: options.key ?? KEY,
      WORKOS_BASE_URL: "",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

function checked(out: Deno.CommandOutput, options: RunOptions): Run {
  const run = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  for (const secret of [KEY, ...(options.secrets ?? [])]) {
    assert.ok(!run.stdout.includes(secret), "the API key leaked to stdout");
    assert.ok(!run.stderr.includes(secret), "the API key leaked to stderr");
  }
  return run;
}

/** A served emulator with the test key and a fresh temp dir, both cleaned up. */
async function withSetup(
  fn: (s: { url: string; emulator: Emulator; dir: string }) => Promise<void>,
  exportDelayMs = 0,
): Promise<void> {
  const server = await serveEmulator({ apiKey: KEY, exportDelayMs });
  const dir = await Deno.makeTempDir({ prefix: "cli_test_" });
  try {
    await fn({ url: server.url, emulator: server.emulator, dir });
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const daysAgo = (days: number) =>
  new Date(Date.now() - days * 86_400_000).toISOString();

async function csvRows(path: string): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  const file = await Deno.open(path);
  for await (const row of exportRows(file.readable)) rows.push(row);
  return rows;
}

/** Creates an export through the CLI and returns its id. */
async function createdId(
  server: { url: string },
  org: string,
  from: string,
): Promise<string> {
  const created = await cli(
    ["create", "--org", org, "--from", from, "--json"],
    {
      server,
    },
  );
  assert.equal(created.code, 0, created.stderr);
  return JSON.parse(created.stdout).id;
}

const listDir = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

Deno.test("--help, -h, help <command> and --version exit 0 with usage on stdout", async () => {
  const commands = ["create", "get", "wait", "download", "export", "demo"];
  const runs = await Promise.all([
    cli(["--help"]),
    cli(["-h"]),
    cli(["help", "export"]),
    cli(["--version"]),
    ...commands.map((c) => cli([c, "--help"])),
    cli(["get", "-h"]),
  ]);
  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
  }
  const [long, short, helpExport, version, ...perCommand] = runs;
  assert.match(long.stdout, /Usage: audit-log-export <command>/);
  for (const c of commands) assert.match(long.stdout, new RegExp(`\\n  ${c} `));
  assert.match(long.stdout, /Exit codes:/);
  assert.equal(short.stdout, long.stdout);
  assert.match(helpExport.stdout, /^Usage: audit-log-export export /);
  assert.match(version.stdout, /^audit-log-export \d+\.\d+\.\d+/);
  for (const [i, c] of commands.entries()) {
    assert.match(
      perCommand[i].stdout,
      new RegExp(`^Usage: audit-log-export ${c}`),
    );
    assert.match(perCommand[i].stdout, /--help/);
  }
  assert.match(perCommand[0].stdout, /--actor-name <name>/);
  assert.match(perCommand[4].stdout, /"file":/, "export help documents --json");
});

Deno.test("bad usage and invalid input exit 2, name the flag, and send no request", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const cases: [string[], RegExp, RunOptions?][] = [
      [
        ["create", "--org", org, "--from", "1d", "--orgg", "x"],
        /unknown flag --orgg.*did you mean --org\?/,
      ],
      [["create", "--from", "1d"], /--org is required/],
      [["create", "--org"], /--org needs a value/],
      [
        ["create", "--org", org, "--from", "2026-13-45T00:00:00Z"],
        /--from: must be a valid Date or an ISO-8601/,
      ],
      [["create", "--org", org, "--from", "yesterday"], /--from/],
      [
        ["create", "--org", org, "--from", daysAgo(1), "--to", daysAgo(2)],
        /--to: must be after --from/,
      ],
      [
        ["create", "--org", org, "--org", org, "--from", "1d"],
        /--org was given more than once/,
      ],
      [
        ["export", "--org", org, "--from", "1d", "--max-wait", "soon"],
        /--max-wait: 'soon' is not a duration/,
      ],
      [
        ["create", "--org", org, "--from", "1d", "--max-retries", "-1"],
        /--max-retries needs a value/,
      ],
      [
        ["create", "--org", org, "--from", "1d", "--max-retries=500"],
        /--max-retries: '500' is not a whole number/,
      ],
      [["download", "some_id", "--json"], /--json needs --out/],
      [["get"], /missing <id>/],
      [["get", "a", "b"], /unexpected argument 'b'/],
      [["crate"], /unknown command 'crate' \(did you mean create\?\)/],
      [
        ["create", "--json=yes", "--org", org, "--from", "1d"],
        /--json takes no value/,
      ],
      [["get", "audit_log_export_1"], /WORKOS_API_KEY is not set/, { key: "" }],
      [[
        "export",
        "--org",
        org,
        "--from",
        "1d",
        "--out",
        "/nonexistent-dir/x.csv",
      ], /--out: cannot write/],
    ];
    const runs = await Promise.all(
      cases.map(([args, , extra]) => cli(args, { server, ...extra })),
    );
    for (const [i, run] of runs.entries()) {
      const [args, pattern] = cases[i];
      assert.equal(run.code, 2, `${args.join(" ")}\n${run.stderr}`);
      assert.match(run.stderr, pattern, args.join(" "));
      assert.match(run.stderr, /Usage: audit-log-export/);
      assert.equal(run.stdout, "");
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");
  });
});

Deno.test("a bare invocation runs the demo, the embedded default", async () => {
  await withSetup(async ({ dir }) => {
    const bare = await cli([], { cwd: dir });
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stderr, /No command given: running the demo/);
    assert.match(bare.stdout, /rows/);
    assert.deepEqual(await listDir(dir), ["audit-log-demo.csv"]);
  });
});

Deno.test("API failures exit 1 with status and request id", async () => {
  await withSetup(async ({ url, emulator }) => {
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

Deno.test("create, get and wait print the export as JSON on stdout, progress on stderr", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[1];
    const created = await cli([
      "create",
      "--org",
      org,
      "--from",
      "10d",
      "--json",
    ], { server });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, "");
    assert.equal(
      created.stdout.trim().split("\n").length,
      1,
      "--json is one line",
    );
    const e = JSON.parse(created.stdout);
    assert.equal(e.object, "audit_log_export");
    assert.equal(e.state, "pending");
    assert.match(e.id, /^audit_log_export_/);
    assert.ok(!("url" in e));

    const got = await cli(["get", e.id], { server });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(JSON.parse(got.stdout).id, e.id, "indented JSON parses too");
    assert.match(got.stdout, /\n {2}"state"/);

    const waited = await cli(["wait", e.id, "--max-wait", "20s"], { server });
    assert.equal(waited.code, 0, waited.stderr);
    const ready = JSON.parse(waited.stdout);
    assert.equal(ready.state, "ready");
    assert.match(ready.url, /\/_emulator\/downloads\//);
    assert.match(
      waited.stderr,
      new RegExp(`Waiting for ${e.id}: pending \\(\\d+s\\)\\n`),
    );
    assert.match(waited.stderr, /: ready \(\d+s\)\n/);
    assert.ok(
      !waited.stderr.includes("\r"),
      "no in-place redraw off a terminal",
    );

    const quiet = await cli(["wait", e.id, "--json"], { server });
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, "");
    assert.equal(JSON.parse(quiet.stdout).state, "ready");

    // The range sent is the one asked for: 10 days back from about now.
    const [record] = emulator.listExports();
    assert.equal(record.organizationId, org);
  }, 2000);
});

Deno.test("an export that fails or never gets ready exits 1", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "1d");
    const slow = await cli(["wait", id, "--max-wait", "300ms", "-q"], {
      server,
    });
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /was not ready after \d+ ms \(maxWait 300 ms\)/);
    emulator.setExportState(id, "error");
    const failed = await cli(["wait", id], { server });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /ended in state "error"/);
  }, 60_000);
});

Deno.test("download streams the CSV to stdout or saves it with --out and --json", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "30d");

    const piped = await cli(["download", id], { server });
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /^id,occurred_at,action,actor_id,/);
    assert.match(piped.stderr, /Downloading .*: \d+ bytes/);
    assert.ok(
      !piped.stdout.includes("Downloading"),
      "progress stays off stdout",
    );

    const out = `${dir}/download.csv`;
    const saved = await cli(["download", id, "--out", out, "--json"], {
      server,
    });
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stderr, "");
    const result = JSON.parse(saved.stdout);
    assert.deepEqual(Object.keys(result).sort(), [
      "bytes",
      "export",
      "file",
      "rows",
    ]);
    assert.equal(result.file, out);
    assert.equal(result.export.id, id);
    assert.equal(result.export.state, "ready");
    const bytes = await Deno.readFile(out);
    assert.equal(result.bytes, bytes.byteLength);
    assert.equal(
      new TextDecoder().decode(bytes),
      piped.stdout,
      "same bytes either way",
    );
    assert.equal(result.rows, (await csvRows(out)).length);
    assert.ok(result.rows > 0);
    assert.deepEqual(await listDir(dir), ["download.csv"], "no temp file left");

    const human = await cli(["download", id, "-o", "again.csv"], {
      server,
      cwd: dir,
    });
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, "");
    assert.match(
      human.stderr,
      new RegExp(`Saved ${result.rows} rows, ${result.bytes} bytes`),
    );
    assert.deepEqual(await Deno.readFile(`${dir}/again.csv`), bytes);
  });
});

Deno.test("export: repeated flags become lists, and the whole job runs in one go", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const out = `${dir}/signins.csv`;
    const run = await cli([
      "export",
      "--org",
      org,
      "--from",
      "60d",
      "--action",
      "user.signed_in",
      "--action=user.signed_out",
      "--out",
      out,
      "--json",
    ], { server });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    const rows = await csvRows(out);
    assert.equal(result.rows, rows.length);
    const actions = new Set(rows.map((r) => r.action));
    assert.deepEqual([...actions].sort(), [
      "user.signed_in",
      "user.signed_out",
    ]);
    const from = Date.now() - 60 * 86_400_000;
    assert.ok(rows.every((r) => Date.parse(r.occurred_at) >= from - 60_000));

    const events = emulator.listEvents(org);
    const [actorA, actorB] = [...new Set(events.map((e) => e.actor.name!))];
    const byName = await cli([
      "export",
      "--org",
      org,
      "--from",
      "90d",
      "--actor-name",
      actorA,
      "--actor-name",
      actorB,
      "--target",
      "document",
      "--target",
      "team",
    ], { server });
    assert.equal(byName.code, 0, byName.stderr);
    assert.match(byName.stderr, /Created audit_log_export_\w+ \(ready\)/);
    const names = new Set<string>();
    const types = new Set<string>();
    for await (const row of exportRows(new Blob([byName.stdout]).stream())) {
      names.add(row.actor_name);
      for (const t of JSON.parse(row.targets)) types.add(t.type);
    }
    assert.deepEqual([...names].sort(), [actorA, actorB].sort());
    assert.ok([...types].every((t) => t === "document" || t === "team"));
    assert.ok(types.size > 0);
  });
});

Deno.test("--out is atomic: a failed download leaves no file and no temp file; success replaces", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[2];
    const target = `${dir}/audit.csv`;
    const args = ["export", "--org", org, "--from", "30d", "--out", target];
    const downloads = () =>
      emulator.requests.filter((r) => DOWNLOADS.test(r.path)).length;

    // Retries exhausted: 1 attempt + 1 retry, both answered 500.
    emulator.inject({ path: DOWNLOADS, status: 500, times: 2 });
    const fresh = await cli([...args, "--max-retries", "1"], { server });
    assert.equal(fresh.code, 1);
    assert.match(fresh.stderr, /HTTP 500, request id req_/);
    assert.equal(downloads(), 2);
    assert.deepEqual(
      await listDir(dir),
      [],
      "nothing under the final name, no .part",
    );

    await Deno.writeTextFile(target, "OLD CONTENT\n");
    emulator.inject({ path: DOWNLOADS, truncate: true });
    const cut = await cli(args, { server });
    assert.equal(cut.code, 1, cut.stderr);
    assert.match(cut.stderr, /The download broke off after \d+ bytes/);
    assert.equal(downloads(), 3);
    assert.equal(
      await Deno.readTextFile(target),
      "OLD CONTENT\n",
      "old file untouched",
    );
    assert.deepEqual(await listDir(dir), ["audit.csv"]);

    emulator.inject({ path: DOWNLOADS, status: 500 });
    const failed = await cli([...args, "--max-retries", "0"], { server });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /HTTP 500/);
    assert.equal(await Deno.readTextFile(target), "OLD CONTENT\n");
    assert.deepEqual(await listDir(dir), ["audit.csv"]);

    const ok = await cli(args, { server });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(await Deno.readTextFile(target), /^id,occurred_at,/);
    assert.deepEqual(await listDir(dir), ["audit.csv"]);
  });
});

Deno.test("SIGINT during a download removes the temp file and exits 130", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    emulator.inject({ path: DOWNLOADS, dripMs: 400 });
    const child = spawn([
      "export",
      "--org",
      emulator.organizations[0],
      "--from",
      "90d",
      "--out",
      `${dir}/slow.csv`,
    ], { server: { url } });
    // Wait until the download has begun: the temp file exists and has bytes.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const part = (await listDir(dir)).find((n) => n.endsWith(".part"));
      if (part && (await Deno.stat(`${dir}/${part}`)).size > 0) break;
      assert.ok(Date.now() < deadline, "the download never started");
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const run = checked(await child.output(), {});
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /interrupted by SIGINT/);
    assert.deepEqual(await listDir(dir), []);
  });
});

Deno.test("demo runs the whole job offline and writes audit-log-demo.csv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_demo_" });
  try {
    const [human, json] = await Promise.all([
      cli(["demo"], { cwd: dir, key: "" }),
      cli(["demo", "--json", "--out", "machine.csv"], {
        cwd: dir,
        key: "",
        secrets: ["sk_test_emulator"],
      }),
    ]);
    assert.equal(human.code, 0, human.stderr);
    const file = `${dir}/audit-log-demo.csv`;
    const text = await Deno.readTextFile(file);
    assert.match(
      text,
      /^id,occurred_at,action,actor_id,actor_type,actor_name,/,
    );
    const rows = await csvRows(file);
    assert.ok(rows.length > 0);
    const size = (await Deno.stat(file)).size;
    assert.match(
      human.stdout,
      new RegExp(`Exported ${rows.length} rows, ${size} bytes`),
    );
    assert.match(human.stdout, /occurred_at\s+action\s+actor_name\s+target\n/);
    assert.ok(
      human.stdout.includes(rows[0].occurred_at),
      "the preview shows the first row",
    );
    assert.ok(human.stdout.includes(file), "says where the file is");
    assert.match(human.stderr, /Waiting for audit_log_export_\w+: pending/);

    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, "");
    const result = JSON.parse(json.stdout);
    assert.equal(result.file, `${dir}/machine.csv`);
    assert.equal(result.rows, (await csvRows(result.file)).length);
    assert.equal(result.preview.length, 5);
    assert.equal(result.export.state, "ready");
    assert.ok(result.elapsedMs >= 1000, "the emulator's delay was waited for");
    assert.deepEqual(await listDir(dir), ["audit-log-demo.csv", "machine.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main runs in-process with injected IO, redrawing progress on a TTY", async () => {
  await withSetup(async ({ url, emulator }) => {
    let stdout = "";
    let stderr = "";
    const controller = new AbortController();
    const io = {
      stdout: (chunk: string | Uint8Array) => {
        stdout += typeof chunk === "string"
          ? chunk
          : new TextDecoder().decode(chunk);
        return Promise.resolve();
      },
      stderr: (text: string) => void (stderr += text),
      env: (name: string) =>
        ({ WORKOS_API_KEY: KEY } as Record<string, string>)[name],
      isTTY: true,
      signal: controller.signal,
    };
    const code = await main([
      "export",
      "--org",
      emulator.organizations[0],
      "--from",
      "5d",
      "--base-url",
      url,
    ], io);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^id,occurred_at,/);
    assert.match(
      stderr,
      /\rWaiting for audit_log_export_\w+: (pending|ready) \(\ds\)/,
    );
    assert.ok(stderr.includes("\x1b[K"), "erases the rest of the redrawn line");
    assert.match(stderr, /\rDownloading audit_log_export_\w+: \d+ bytes/);
    assert.ok(!stdout.includes(KEY) && !stderr.includes(KEY));

    stderr = "";
    const missingKey = await main(["get", "x", "--base-url", url], {
      ...io,
      env: () => undefined,
    });
    assert.equal(missingKey, 2);
    assert.match(stderr, /WORKOS_API_KEY is not set/);
  }, 1200);
});

Deno.test("demo without network permission exits 1 and leaves no file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_test_" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        CONFIG,
        "--allow-env",
        "--allow-read",
        "--allow-write",
        CLI,
        "demo",
      ],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.match(stderr, /needs network access to 127\.0\.0\.1/);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--out keeps an existing file's permissions, makes new files private, and writes through symlinks", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "30d");
    const mode = async (path: string) =>
      ((await Deno.stat(path)).mode ?? 0) & 0o777;

    assert.equal(
      (await cli(["download", id, "--out", "new.csv"], { server, cwd: dir }))
        .code,
      0,
    );
    assert.equal(await mode(`${dir}/new.csv`), 0o600);

    await Deno.writeTextFile(`${dir}/shared.csv`, "old\n");
    await Deno.chmod(`${dir}/shared.csv`, 0o640);
    assert.equal(
      (await cli(["download", id, "--out", "shared.csv"], { server, cwd: dir }))
        .code,
      0,
    );
    assert.equal(await mode(`${dir}/shared.csv`), 0o640);

    await Deno.writeTextFile(`${dir}/real.csv`, "keep\n");
    await Deno.symlink(`${dir}/real.csv`, `${dir}/link.csv`);
    assert.equal(
      (await cli(["download", id, "--out", "link.csv"], { server, cwd: dir }))
        .code,
      0,
    );
    assert.ok(
      (await Deno.lstat(`${dir}/link.csv`)).isSymlink,
      "the link stays a link",
    );
    assert.match(
      await Deno.readTextFile(`${dir}/real.csv`),
      /^id,occurred_at,/,
    );

    const slash = await cli(["download", id, "--out", "newdir/"], {
      server,
      cwd: dir,
    });
    assert.equal(slash.code, 2, slash.stderr);
  });
});
