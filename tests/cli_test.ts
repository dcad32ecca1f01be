/**
 * The CLI end to end: `cli.ts` runs as a real subprocess against an
 * emulator served by the test, and `main` once in-process with injected IO.
 * Every run asserts that the API key appears in neither stdout nor stderr.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportEvents, exportRows } from "../mod.ts";
import { main } from "../cli.ts";
import { monthsBefore } from "../src/retention.ts";
import {
  CSV_COLUMNS,
  type Emulator,
  type EmulatorEntity,
  type EmulatorEvent,
  serveEmulator,
} from "../testing.ts";
import {
  checked,
  CLI,
  cli,
  CONFIG,
  KEY,
  type Run,
  type RunOptions,
  spawn,
} from "./cli_helpers.ts";

const DOWNLOADS = /^\/_emulator\/downloads\//;
/** How every export file starts: the fixed columns, then the first target's. */
const HEADER = `${CSV_COLUMNS.join(",")},target_id_1,`;

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

const DAY = 86_400_000;

/** An emulator event as a line of `--format ndjson` holds it, parsed. */
function asExported(e: EmulatorEvent): unknown {
  // Empty cells read back as absent members, as the reader documents.
  const entity = (x: EmulatorEntity) => ({
    id: x.id,
    type: x.type,
    name: x.name || undefined,
    metadata: x.metadata,
  });
  return JSON.parse(JSON.stringify({
    action: e.action,
    occurredAt: new Date(e.occurredAt).toISOString(),
    actor: entity(e.actor),
    targets: e.targets.map(entity),
    context: {
      location: e.context.location || undefined,
      userAgent: e.context.userAgent || undefined,
    },
    metadata: e.metadata,
    raw: {},
  }));
}

/** The events an export of `[from, to]` holds, in the emulator's file order. */
function eventsIn(
  emulator: Emulator,
  org: string,
  from: string,
  to: string,
  keep: (e: EmulatorEvent) => boolean = () => true,
): EmulatorEvent[] {
  const [start, end] = [Date.parse(from), Date.parse(to)];
  return emulator.listEvents(org).filter((e) => {
    const t = Date.parse(e.occurredAt);
    return t >= start && t <= end && keep(e);
  }).sort((a, b) =>
    Date.parse(a.occurredAt) - Date.parse(b.occurredAt) ||
    (a.id! < b.id! ? -1 : 1)
  );
}

/** The objects of NDJSON text; every line, the last included, ends in a newline. */
function ndjsonLines(text: string): unknown[] {
  assert.ok(text === "" || text.endsWith("\n"), "the last line is terminated");
  return text.split("\n").slice(0, -1).map((line) => JSON.parse(line));
}

/** The JSON body of the last `POST /audit_logs/exports` the emulator received. */
function lastExportBody(emulator: Emulator): Record<string, unknown> {
  const posts = emulator.requests.filter((r) =>
    r.method === "POST" && r.path === "/audit_logs/exports"
  );
  assert.ok(posts.length > 0, "an export was requested");
  return JSON.parse(posts.at(-1)!.body!);
}

/** Checks a usage error: exit 2, the message, the usage hint, nothing on stdout, nothing a terminal would act on. */
function assertUsage(run: Run, pattern: RegExp, what: string): void {
  assert.equal(run.code, 2, `${what}\n${run.stderr}`);
  assert.match(run.stderr, pattern, what);
  assert.match(run.stderr, /Usage: audit-log-export/, what);
  assert.equal(run.stdout, "", what);
  assert.ok(
    !["\u001b", "\u009b", "\u202e"].some((c) => run.stderr.includes(c)),
    `${what}: a typed control character reached the terminal`,
  );
  // A huge value is clipped, not echoed whole.
  assert.ok(run.stderr.length < 2_000, `${what}: ${run.stderr.length} chars`);
}

/** Runs `main` in-process with captured output and the given environment and clock. */
async function inProcess(
  args: string[],
  options: {
    env?: Record<string, string>;
    now?: () => number;
    isTTY?: boolean;
    stdout?: (chunk: string | Uint8Array) => Promise<void>;
  } = {},
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: options.stdout ?? ((chunk) => {
      stdout += typeof chunk === "string"
        ? chunk
        : new TextDecoder().decode(chunk);
      return Promise.resolve();
    }),
    stderr: (text) => void (stderr += text),
    env: (name) => options.env?.[name],
    isTTY: options.isTTY ?? false,
    now: options.now,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

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
  for (const i of [3, 4]) {
    assert.match(perCommand[i].stdout, /--format <csv\|ndjson>/);
    assert.match(perCommand[i].stdout, /--poll-interval <duration>/);
  }
  assert.match(
    perCommand[4].stdout,
    /plain date\s+\(2026-10-01\s+=\s+midnight\s+UTC\)/,
  );
  assert.match(perCommand[4].stdout, /--action\s+a,b\s+is\s+the\s+same\s+as/);
  assert.match(perCommand[4].stdout, /--actor-name\s+never\s+does/);
  assert.match(perCommand[2].stdout, /--poll-interval <duration>/);
  for (const [i, c] of commands.entries()) {
    assert.match(
      perCommand[i].stdout,
      /-v, --verbose\s+One line on stderr per HTTP attempt/,
      c,
    );
  }
  for (const i of [3, 4]) {
    assert.match(
      perCommand[i].stdout,
      /a FIFO or a device such as\s+\/dev\/null is written in place/,
    );
    assert.match(
      perCommand[i].stdout,
      /A read-only <file> \(no\s+write permission bit, even for root\)/,
    );
    assert.match(
      perCommand[i].stdout,
      /A download that stops sending for --timeout is resumed/,
    );
    assert.match(
      perCommand[i].stdout,
      /With\s+--quiet, progress is silenced and these lines still appear/,
    );
  }
  assert.match(long.stdout, /AUDIT_LOG_EXPORT_DEBUG/);
  assert.match(long.stdout, /not readable \(Deno\s+without --allow-env\)/);
  assert.match(
    perCommand[1].stdout,
    /needs --allow-env\s+\(or\s+--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL\)/,
  );
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
        /--from: '2026-13-45T00:00:00Z' is not a time; use an ISO-8601/,
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
      [
        ["get", "audit_log_export_1", "--verbose=1"],
        /--verbose takes no value/,
      ],
      [["get", "audit_log_export_1", "--verbose="], /--verbose takes no value/],
      [["get", "audit_log_export_1", "-vv"], /--verbose takes no value/],
      [["get", "audit_log_export_1", "--verbos"], /did you mean --verbose\?/],
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
    const slow = await cli([
      "wait",
      id,
      "--max-wait",
      "300ms",
      "--poll-interval",
      "100ms",
      "-q",
    ], { server });
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
    assert.ok(piped.stdout.startsWith(HEADER), piped.stdout.slice(0, 200));
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
    const csv = new Blob([byName.stdout]).stream();
    for await (const event of exportEvents(csv)) {
      names.add(event.actor.name!);
      for (const t of event.targets) types.add(t.type);
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
    // Without retries a cut download is not resumed: it fails.
    emulator.inject({ path: DOWNLOADS, truncate: true });
    const cut = await cli([...args, "--max-retries", "0"], { server });
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
    assert.ok((await Deno.readTextFile(target)).startsWith(HEADER));
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
    assert.ok(text.startsWith(HEADER), text.slice(0, 200));
    const rows = await csvRows(file);
    assert.ok(rows.length > 0);
    const size = (await Deno.stat(file)).size;
    assert.match(
      human.stdout,
      new RegExp(`Exported ${rows.length} rows, ${size} bytes`),
    );
    assert.match(
      human.stdout,
      /occurred_at\s+action\s+actor_name\s+first target\n/,
    );
    const first = rows[0];
    const label = (first.target_name_1 || first.target_id_1)
      .replace(/[\r\n]+/g, " ");
    const line = human.stdout.split("\n").find((l) =>
      l.startsWith(first.occurred_at)
    );
    assert.ok(line, "the preview shows the first row");
    assert.ok(
      line.includes(first.action) &&
        line.endsWith(`${label} (${first.target_type_1})`),
      line,
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
    assert.ok(stdout.startsWith(HEADER), stdout.slice(0, 200));
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
    assert.ok((await Deno.readTextFile(`${dir}/real.csv`)).startsWith(HEADER));

    const slash = await cli(["download", id, "--out", "newdir/"], {
      server,
      cwd: dir,
    });
    assert.equal(slash.code, 2, slash.stderr);
  });
});

Deno.test("--format ndjson writes one AuditLogEvent per line, equal to the emulator's events; csv is the bytes as exported", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const [from, to] = [daysAgo(20), daysAgo(0)];
    const range = ["--org", org, "--from", from, "--to", to];
    const [ndjson, csv, explicitCsv] = await Promise.all([
      cli(["export", ...range, "--format", "ndjson"], { server }),
      cli(["export", ...range], { server }),
      cli(["export", ...range, "--format=csv"], { server }),
    ]);
    for (const run of [ndjson, csv, explicitCsv]) {
      assert.equal(run.code, 0, run.stderr);
    }
    const expected = eventsIn(emulator, org, from, to).map(asExported);
    assert.ok(expected.length > 10, `${expected.length} events`);
    assert.deepEqual(ndjsonLines(ndjson.stdout), expected);
    assert.match(ndjson.stderr, /Downloading audit_log_export_\w+: \d+ bytes/);
    assert.ok(csv.stdout.startsWith(HEADER));
    assert.equal(explicitCsv.stdout, csv.stdout, "csv is the default");
    // The lines are the library's own events of that CSV, in file order.
    const fromCsv: string[] = [];
    for await (const event of exportEvents(new Blob([csv.stdout]).stream())) {
      fromCsv.push(`${JSON.stringify(event)}\n`);
    }
    assert.equal(ndjson.stdout, fromCsv.join(""));

    const id = await createdId(server, org, "20d");
    const out = `${dir}/events.ndjson`;
    const saved = await cli([
      "download",
      id,
      "--format",
      "ndjson",
      "--out",
      out,
      "--json",
    ], { server });
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stderr, "");
    const result = JSON.parse(saved.stdout);
    const text = await Deno.readTextFile(out);
    const lines = ndjsonLines(text) as { occurredAt: string }[];
    assert.ok(lines.length > 0);
    assert.equal(result.rows, lines.length);
    assert.equal(result.bytes, (await Deno.stat(out)).size);
    assert.equal(result.export.id, id);
    for (const line of lines) {
      assert.equal(new Date(line.occurredAt).toISOString(), line.occurredAt);
    }

    const human = await cli(
      ["download", id, "--format", "ndjson", "-o", "again.ndjson"],
      { server, cwd: dir },
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stderr,
      new RegExp(`Saved ${result.rows} rows, ${result.bytes} bytes`),
    );
    assert.equal(await Deno.readTextFile(`${dir}/again.ndjson`), text);
    const asCsv = await cli(
      ["download", id, "--out", `${dir}/same.csv`, "--json"],
      { server },
    );
    assert.equal(JSON.parse(asCsv.stdout).rows, result.rows, "same row count");
    assert.deepEqual(await listDir(dir), [
      "again.ndjson",
      "events.ndjson",
      "same.csv",
    ]);
  });
});

Deno.test("--format ndjson with --out is atomic: a broken or unparsable download leaves the old file", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const target = `${dir}/audit.ndjson`;
    const args = [
      "export",
      "--org",
      emulator.organizations[1],
      "--from",
      "30d",
      "--format",
      "ndjson",
      "--out",
      target,
    ];
    await Deno.writeTextFile(target, "OLD CONTENT\n");

    // Without retries a cut download is not resumed: it fails.
    emulator.inject({ path: DOWNLOADS, truncate: true });
    const cut = await cli([...args, "--max-retries", "0"], { server });
    assert.equal(cut.code, 1, cut.stderr);
    assert.match(cut.stderr, /The download broke off after \d+ bytes/);
    assert.equal(await Deno.readTextFile(target), "OLD CONTENT\n");
    assert.deepEqual(await listDir(dir), ["audit.ndjson"]);

    const garbage = "action,occurred_at\r\nuser.signed_in,last tuesday\r\n";
    emulator.inject({ path: DOWNLOADS, status: 200, body: garbage, times: 2 });
    const unparsable = await cli(args, { server });
    assert.equal(unparsable.code, 1, unparsable.stderr);
    assert.match(
      unparsable.stderr,
      /occurred_at "last tuesday" is not an ISO-8601 date-time with a time zone \(line 2\)/,
    );
    assert.equal(await Deno.readTextFile(target), "OLD CONTENT\n");
    assert.deepEqual(await listDir(dir), ["audit.ndjson"]);
    const toStdout = await cli(args.slice(0, -2), { server });
    assert.equal(toStdout.code, 1, "an unparsable file fails on stdout too");
    assert.equal(toStdout.stdout, "");

    const ok = await cli([...args, "--json"], { server });
    assert.equal(ok.code, 0, ok.stderr);
    const lines = ndjsonLines(await Deno.readTextFile(target));
    assert.equal(JSON.parse(ok.stdout).rows, lines.length);
    assert.ok(lines.length > 0);
    assert.deepEqual(await listDir(dir), ["audit.ndjson"]);
  });
});

Deno.test("--format ndjson streams: memory does not grow with the export", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run with --v8-flags=--expose-gc");
  const org = "org_01MEMORYTEST0000000000000";
  const count = 40_000;
  const start = Date.now() - 5 * DAY;
  const events: EmulatorEvent[] = Array.from({ length: count }, (_, i) => ({
    organizationId: org,
    action: "document.updated",
    occurredAt: new Date(start + i * 1_000).toISOString(),
    actor: { id: `user_${i % 97}`, type: "user", name: `Person ${i % 97}` },
    targets: [{ id: `document_${i}`, type: "document", name: "x".repeat(200) }],
    context: { location: "203.0.113.7", userAgent: "curl/8.5.0" },
    metadata: { seq: i },
  }));
  const server = await serveEmulator({
    apiKey: KEY,
    exportDelayMs: 0,
    organizations: [org],
    events,
  });
  try {
    gc!();
    const baseline = Deno.memoryUsage().heapUsed;
    let peak = 0;
    let bytes = 0;
    let rows = 0;
    let last = "";
    const sample = () => {
      gc!();
      peak = Math.max(peak, Deno.memoryUsage().heapUsed - baseline);
    };
    // Sampled on a timer as well as on writes: an output held back until
    // the end would show only on the timer.
    const sampler = setInterval(sample, 100);
    const run = await inProcess([
      "export",
      "--org",
      org,
      "--from",
      "6d",
      "--format",
      "ndjson",
      "--base-url",
      server.url,
    ], {
      env: { WORKOS_API_KEY: KEY },
      stdout: (chunk) => {
        const text = typeof chunk === "string"
          ? chunk
          : new TextDecoder().decode(chunk);
        bytes += text.length;
        rows += text.split("\n").length - 1;
        last = text;
        if (rows % 1_000 < 3) sample();
        return Promise.resolve();
      },
    }).finally(() => clearInterval(sampler));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(rows, count);
    const final = ndjsonLines(last).at(-1) as { targets: { id: string }[] };
    assert.equal(final.targets[0].id, `document_${count - 1}`);
    assert.ok(bytes > 15_000_000, `${bytes} bytes written`);
    // Holding the events would take well over the output's size.
    assert.ok(
      peak < 8_000_000,
      `heap grew by ${peak} bytes for ${bytes} bytes of output`,
    );
  } finally {
    await server.close();
  }
});

Deno.test("--format: wrong, empty, huge and hostile values exit 2 before any request", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const range = ["--org", emulator.organizations[0], "--from", "7d"];
    const cases: [string[], RegExp][] = [
      [
        ["export", ...range, "--format", "xml"],
        /--format: 'xml' is not one of csv, ndjson/,
      ],
      [
        ["download", "audit_log_export_1", "--format", "NDJSON"],
        /'NDJSON' is not one of csv, ndjson/,
      ],
      [
        ["export", ...range, "--format", ""],
        /--format: '' is not one of csv, ndjson/,
      ],
      [["export", ...range, "--format="], /--format: '' is not one of/],
      [
        ["export", ...range, "--format", "csv,ndjson"],
        /'csv,ndjson' is not one of/,
      ],
      [["export", ...range, "--format", " csv"], /' csv' is not one of/],
      [
        ["export", ...range, "--format", "x".repeat(100_000)],
        /--format: 'x{60}… \(100000 characters\)' is not one of/,
      ],
      [
        ["export", ...range, "--format", "csv\x1b[2J\u009b31m\u202e"],
        /'csv\\u001b\[2J\\u009b31m\\u202e' is not one of/,
      ],
      [
        ["export", ...range, "--format", "csv", "--format", "ndjson"],
        /--format was given more than once/,
      ],
      [
        ["download", "audit_log_export_1", "--format"],
        /--format needs a value <csv\|ndjson>/,
      ],
      [
        ["create", ...range, "--format", "csv"],
        /unknown flag --format for 'create'/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([args]) => cli(args, { server })),
    );
    for (const [i, run] of runs.entries()) {
      assertUsage(run, cases[i][1], cases[i][0].join(" ").slice(0, 200));
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");
  });
});

Deno.test("--from/--to accept ISO date-times with a zone, plain dates, now and ages", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const date = (days: number) => daysAgo(days).slice(0, 10);
    const [day, next] = [date(10), date(9)];
    const cases: [string[], (start: number, end: number) => void][] = [
      [["--from", day, "--to", next], (start, end) => {
        assert.equal(start, Date.parse(`${day}T00:00:00Z`));
        assert.equal(end, Date.parse(`${next}T00:00:00Z`));
      }],
      [["--from", `${day}T02:30:00+02:00`, "--to", `${next}t00:00:00z`], (
        start,
        end,
      ) => {
        assert.equal(start, Date.parse(`${day}T00:30:00Z`));
        assert.equal(end, Date.parse(`${next}T00:00:00Z`));
      }],
      [["--from", "36h", "--to", "NOW"], (start, end) => {
        assert.equal(end - start, 36 * 3_600_000);
      }],
      [["--from", " 2w "], (start, end) => {
        assert.equal(end - start, 14 * DAY, "--to defaults to now");
      }],
      [["--from", `${day}T00:00:00.123456789Z`, "--to", next], (start) => {
        assert.equal(start, Date.parse(`${day}T00:00:00.123Z`));
      }],
    ];
    for (const [flags, check] of cases) {
      const run = await cli(["create", "--org", org, ...flags, "--json"], {
        server,
      });
      // A quiet stretch of the sample refuses the export; the range was sent all the same.
      assert.ok(
        run.code === 0 || /No audit log events found/.test(run.stderr),
        run.stderr,
      );
      const body = lastExportBody(emulator);
      for (const key of ["range_start", "range_end"]) {
        const value = body[key] as string;
        assert.equal(new Date(value).toISOString(), value, "sent as ISO");
      }
      check(
        Date.parse(body.range_start as string),
        Date.parse(body.range_end as string),
      );
    }
  });
});

Deno.test("--from/--to: wrong, empty, huge and hostile values exit 2 naming the accepted forms, before any request", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const forms =
      /is not a time; use an ISO-8601 date-time with a zone \(2026-11-01T09:30:00Z, [^\n]*\), a plain date \(2026-11-01, midnight UTC\), 'now', or an age: a number and s, m, h, d or w \(30d, 12h\)/;
    const bad: [string, string, RegExp?][] = [
      ["from", "yesterday"],
      ["from", "2026-02-30", /'2026-02-30'/],
      ["from", "2026-11-01T10:00", /'2026-11-01T10:00'/],
      ["from", "2026-11-01T25:00:00Z"],
      ["from", "2026-13-45T00:00:00Z"],
      ["from", "30 d"],
      ["from", "1e3d"],
      ["from", "-5d"],
      ["from", ""],
      ["from", "   "],
      ["from", "9".repeat(400) + "d", /'9{60}… \(401 characters\)'/],
      ["from", "1".repeat(100_000), /\(100000 characters\)/],
      ["from", "\x1b[2J\x1b[H", /'\\u001b\[2J\\u001b\[H'/],
      ["from", "2026-11-01\u202e", /'2026-11-01\\u202e'/],
      ["from", "$(reboot)", /'\$\(reboot\)'/],
      ["to", "tomorrow", /--to: 'tomorrow'/],
      ["to", "2026-11-01 00:00:00Z"],
    ];
    const runs = await Promise.all(bad.map(([flag, value]) =>
      cli([
        "export",
        "--org",
        org,
        ...(flag === "from" ? [] : ["--from", "7d"]),
        `--${flag}=${value}`,
      ], { server })
    ));
    for (const [i, run] of runs.entries()) {
      const [flag, value, extra] = bad[i];
      const what = `--${flag} ${JSON.stringify(value.slice(0, 80))}`;
      assertUsage(run, new RegExp(`--${flag}: `), what);
      assert.match(run.stderr, forms, what);
      if (extra) assert.match(run.stderr, extra, what);
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");
  });
});

Deno.test("a --from older than the three months WorkOS keeps is a usage error before any request", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const old = daysAgo(120).slice(0, 10);
    const runs = await Promise.all([
      cli(["export", "--org", org, "--from", "100d"], { server }),
      cli(["create", "--org", org, "--from", old], { server }),
      cli(["create", "--org", org, "--from", "2020-01-01T00:00:00Z"], {
        server,
      }),
    ]);
    const expected = monthsBefore(Date.now(), 3);
    for (const [i, shown] of ["100d", old, "2020-01-01T00:00:00Z"].entries()) {
      const run = runs[i];
      assertUsage(
        run,
        new RegExp(
          `--from ${shown}( \\([^)]+\\))? is older than the three months WorkOS keeps \\(earliest: ([^)]+)\\)`,
        ),
        shown,
      );
      const earliest = Date.parse(
        /\(earliest: ([^)]+)\)/.exec(run.stderr)![1],
      );
      // The same calendar arithmetic as the API's, give or take the clock.
      assert.ok(Math.abs(earliest - expected) < 60_000, run.stderr);
    }
    assert.match(runs[0].stderr, /--from 100d \(\d{4}-\d\d-\d\dT[^)]+Z\) is/);
    assert.equal(emulator.requests.length, 0, "no request was sent");

    const recent = await cli(["create", "--org", org, "--from", "85d"], {
      server,
    });
    assert.equal(recent.code, 0, recent.stderr);
  });
});

Deno.test("the retention check counts calendar months like the API, to the millisecond", async () => {
  // May 31 minus three months is February 28 (2026 is no leap year).
  const now = () => Date.UTC(2026, 4, 31, 12);
  const org = "org_01EHZNVPK3SFK441A1RGBFSHRT";
  const tooOld = await inProcess([
    "create",
    "--org",
    org,
    "--from",
    "2026-02-28T11:59:59.999Z",
  ], { now, env: { WORKOS_API_KEY: KEY } });
  assertUsage(
    tooOld,
    /--from 2026-02-28T11:59:59.999Z is older than the three months WorkOS keeps \(earliest: 2026-02-28T12:00:00.000Z\)/,
    "one ms too old",
  );
  const ageTooOld = await inProcess(
    ["export", "--org", org, "--from", "93d"],
    { now, env: { WORKOS_API_KEY: KEY } },
  );
  assertUsage(
    ageTooOld,
    /--from 93d \(2026-02-27T12:00:00.000Z\) is older than the three months WorkOS keeps \(earliest: 2026-02-28T12:00:00.000Z\)/,
    "an age one day too old",
  );
  // At the boundary the check passes; the missing key then stops the run,
  // still before any request.
  for (const from of ["2026-02-28T12:00:00Z", "92d"]) {
    const boundary = await inProcess(
      ["export", "--org", org, "--from", from, "--to", "2026-03-01"],
      { now },
    );
    assertUsage(boundary, /WORKOS_API_KEY is not set/, `--from ${from}`);
  }
});

Deno.test("--action, --actor-id and --target split on commas; --actor-name never does", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const [from, to] = [daysAgo(60), daysAgo(0)];
    const sample = emulator.listEvents(org);
    const [idA, idB] = [...new Set(sample.map((e) => e.actor.id))];
    const run = await cli([
      "export",
      "--org",
      org,
      "--from",
      from,
      "--to",
      to,
      "--action",
      "user.signed_in, user.signed_out",
      "--action=document.created",
      "--actor-id",
      `${idA},${idB}`,
      "--target",
      "user,document",
      "--format",
      "ndjson",
    ], { server });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(lastExportBody(emulator), {
      organization_id: org,
      range_start: from,
      range_end: to,
      actions: ["user.signed_in", "user.signed_out", "document.created"],
      actor_ids: [idA, idB],
      targets: ["user", "document"],
    });
    const expected = eventsIn(
      emulator,
      org,
      from,
      to,
      (e) =>
        ["user.signed_in", "user.signed_out", "document.created"].includes(
          e.action,
        ) && [idA, idB].includes(e.actor.id) &&
        e.targets.some((t) => t.type === "user" || t.type === "document"),
    );
    assert.ok(expected.length > 0);
    assert.deepEqual(ndjsonLines(run.stdout), expected.map(asExported));

    const names = await cli([
      "create",
      "--org",
      org,
      "--from",
      "30d",
      "--actor-name",
      "Lovelace, Ada",
      "--actor-name=O'Brien, Zoë",
    ], { server });
    assert.deepEqual(lastExportBody(emulator).actor_names, [
      "Lovelace, Ada",
      "O'Brien, Zoë",
    ]);
    assert.equal(names.code, 1, "nobody has those names");
  });
});

Deno.test("comma-split filters: wrong, empty, huge and hostile values", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const base = ["export", "--org", org, "--from", "7d"];
    const cases: [string[], RegExp][] = [
      [
        ["--action", ""],
        /--action: '' has an empty value; separate values with single commas/,
      ],
      [
        ["--action", "user.signed_in,,user.signed_out"],
        /--action: 'user.signed_in,,user.signed_out' has an empty value/,
      ],
      [["--target", ","], /--target: ',' has an empty value/],
      [["--actor-id", "user_1,"], /--actor-id: 'user_1,' has an empty value/],
      [["--action", " , "], /--action: ' , ' has an empty value/],
      [
        ["--actor-name", ""],
        /--actor-name \(value 1\): each value must not be empty/,
      ],
      [
        ["--action", `ok,${"a".repeat(2_000)}`],
        /--action \(value 2\): each value must be at most 1000 characters/,
      ],
      [
        ["--target", "team,\x1b[31mred"],
        /--target \(value 2\): each value must not contain control characters/,
      ],
      [
        ["--actor-name", "Ada\nLovelace"],
        /--actor-name \(value 1\): each value must not contain control characters/,
      ],
      [
        ["--action", ",\x1b]0;pwned\x07"],
        /--action: ',\\u001b\]0;pwned\\u0007' has an empty value/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([flags]) => cli([...base, ...flags], { server })),
    );
    for (const [i, run] of runs.entries()) {
      assertUsage(run, cases[i][1], JSON.stringify(cases[i][0]).slice(0, 200));
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");

    // Thousands of values in one flag, and values hostile only to a careless
    // consumer, are sent exactly as given.
    const many = Array.from({ length: 10_000 }, (_, i) => `a${i}.b`);
    const huge = await cli([...base, "--action", many.join(",")], { server });
    assert.equal(huge.code, 0, huge.stderr);
    assert.equal(huge.stdout, "");
    assert.deepEqual(lastExportBody(emulator).actions, many);
    const hostile = ['"; DROP TABLE audit; --', '=HYPERLINK("x")', "${PATH}"];
    const odd = await cli([
      ...base,
      "--target",
      hostile.join(","),
      "--actor-name",
      "@SUM(1), -2",
    ], { server });
    assert.equal(odd.code, 0, odd.stderr);
    const body = lastExportBody(emulator);
    assert.deepEqual(body.targets, hostile);
    assert.deepEqual(body.actor_names, ["@SUM(1), -2"]);
  });
});

Deno.test("an empty period: export writes an empty output, says 0 rows and exits 0; create fails clearly", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const args = [
      "export",
      "--org",
      emulator.organizations[0],
      "--from",
      "30d",
      "--action",
      "nothing.happened",
    ];
    const [csv, ndjson, quiet] = await Promise.all([
      cli(args, { server }),
      cli([...args, "--format", "ndjson"], { server }),
      cli([...args, "-q"], { server }),
    ]);
    for (const run of [csv, ndjson]) {
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, "");
      assert.equal(
        run.stderr,
        "No event in this period matches the filters: 0 rows\n",
      );
    }
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stdout + quiet.stderr, "");

    const target = `${dir}/audit.csv`;
    await Deno.writeTextFile(target, "OLD CONTENT\n");
    await Deno.chmod(target, 0o640);
    const json = await cli([...args, "--out", target, "--json"], { server });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, "");
    assert.deepEqual(JSON.parse(json.stdout), {
      export: null,
      file: target,
      bytes: 0,
      rows: 0,
    });
    assert.equal(
      (await Deno.stat(target)).size,
      0,
      "replaced by an empty file",
    );
    assert.equal(((await Deno.stat(target)).mode ?? 0) & 0o777, 0o640);

    const human = await cli(
      [...args, "--format", "ndjson", "-o", "new.ndjson"],
      { server, cwd: dir },
    );
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stderr,
      `No event in this period matches the filters: saved 0 rows, 0 bytes, to ${dir}/new.ndjson\n`,
    );
    assert.equal(await Deno.readTextFile(`${dir}/new.ndjson`), "");
    assert.deepEqual(await listDir(dir), ["audit.csv", "new.ndjson"]);
    assert.ok(
      emulator.requests.every((r) => r.method === "POST"),
      "nothing to wait for or download",
    );

    const created = await cli(["create", ...args.slice(1)], { server });
    assert.equal(created.code, 1);
    assert.equal(created.stdout, "");
    assert.match(
      created.stderr,
      /No audit log events found \(HTTP 400, request id req_\w+\): no event in this period matches the filters, so WorkOS created no export\./,
    );
    assert.match(
      created.stderr,
      /use 'audit-log-export export', which writes an empty output/,
    );
  });
});

Deno.test("wait and download of an export that is already ready print no Waiting line", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "7d");
    const [waited, downloaded] = await Promise.all([
      cli(["wait", id], { server }),
      cli(["download", id], { server }),
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(JSON.parse(waited.stdout).state, "ready");
    assert.equal(waited.stderr, "");
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.ok(downloaded.stdout.startsWith(HEADER));
    assert.doesNotMatch(downloaded.stderr, /Waiting/);
    assert.match(downloaded.stderr, /^Downloading /);

    // On a terminal neither a line nor a ticking counter starts.
    const tty = await inProcess(["wait", id, "--base-url", url], {
      env: { WORKOS_API_KEY: KEY },
      isTTY: true,
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.equal(tty.stderr, "");
  });
});

Deno.test("--max-wait shorter than one poll interval is a usage error naming both", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const id = "audit_log_export_01GBZK5MP7TD1YCFQHFR22180V";
    const range = ["--org", emulator.organizations[0], "--from", "7d"];
    const cases: [string[], RegExp][] = [
      [
        ["wait", id, "--max-wait", "300ms"],
        /--max-wait 300ms is shorter than one poll interval, --poll-interval 1s \(the default\): the wait would end before the export is polled a second time/,
      ],
      [
        ["download", id, "--max-wait", "2s", "--poll-interval", "5s"],
        /--max-wait 2s is shorter than one poll interval, --poll-interval 5s:/,
      ],
      [
        ["export", ...range, "--poll-interval", "20m"],
        /--max-wait 10m \(the default\) is shorter than one poll interval, --poll-interval 20m:/,
      ],
      [
        ["wait", id, "--poll-interval", "0"],
        /--poll-interval: '0' is not a duration/,
      ],
      [
        ["wait", id, "--poll-interval", ""],
        /--poll-interval: '' is not a duration/,
      ],
      [
        ["wait", id, "--poll-interval", "9".repeat(5_000)],
        /--poll-interval: '9{60}… \(5000 characters\)' is not a duration/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([args]) => cli(args, { server })),
    );
    for (const [i, run] of runs.entries()) {
      assertUsage(run, cases[i][1], cases[i][0].join(" ").slice(0, 200));
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");
  });
});

/** A pattern matching `text` literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

Deno.test("a stalled download fails with exit 1 saying it stalled, and leaves no --out file", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const id = await createdId(server, org, "30d");
    const once = ["--timeout", "1s", "--max-retries", "0"];
    const stall = () => emulator.inject({ path: DOWNLOADS, stallAfter: 500 });
    const stalled = new RegExp(
      literal(
        "audit-log-export: error: The download stalled: no data for 1000 ms " +
          "after 500 bytes. If the file host is this slow, raise --timeout; " +
          "to resume it more often, raise --max-retries.\n",
      ),
    );
    const guarded = { server, killAfterMs: 60_000 };

    stall();
    const toStdout = await cli(["download", id, ...once], guarded);
    assert.equal(toStdout.code, 1, toStdout.stderr);
    assert.match(toStdout.stderr, stalled);
    assert.ok(toStdout.stdout.startsWith(HEADER), "what came before the stall");

    const target = `${dir}/audit.csv`;
    const exportArgs = ["export", "--org", org, "--from", "30d"];
    stall();
    const fresh = await cli([...exportArgs, "--out", target, ...once], guarded);
    assert.equal(fresh.code, 1, fresh.stderr);
    assert.match(fresh.stderr, stalled);
    assert.deepEqual(await listDir(dir), [], "no file and no temp file");

    await Deno.writeTextFile(target, "OLD CONTENT\n");
    stall();
    const ndjson = await cli(
      ["download", id, "--format", "ndjson", "--out", target, ...once],
      guarded,
    );
    assert.equal(ndjson.code, 1, ndjson.stderr);
    assert.match(ndjson.stderr, stalled);
    assert.equal(await Deno.readTextFile(target), "OLD CONTENT\n");
    assert.deepEqual(await listDir(dir), ["audit.csv"]);
  });
});

/** A new export of the last 30 days and its bytes, downloaded to `dir/whole.csv` with no fault. */
async function cleanDownload(
  server: { url: string },
  emulator: Emulator,
  dir: string,
): Promise<{ id: string; expected: Uint8Array }> {
  const id = await createdId(server, emulator.organizations[0], "30d");
  const whole = await cli(["download", id, "--out", `${dir}/whole.csv`], {
    server,
  });
  assert.equal(whole.code, 0, whole.stderr);
  return { id, expected: await Deno.readFile(`${dir}/whole.csv`) };
}

Deno.test("a download that stalls once is resumed where it stopped, byte-identical to an unfaulted one", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const { id, expected } = await cleanDownload(server, emulator, dir);
    assert.ok(expected.byteLength > 1_000, "the stall falls inside the file");
    const ranges = () =>
      emulator.requests.filter((r) => DOWNLOADS.test(r.path))
        .map((r) => r.headers.range);

    let before = ranges().length;
    emulator.inject({ path: DOWNLOADS, stallAfter: 500 });
    const saved = await cli(
      ["download", id, "--timeout", "1s", "--out", `${dir}/resumed.csv`],
      { server, killAfterMs: 60_000 },
    );
    assert.equal(saved.code, 0, saved.stderr);
    assert.deepEqual(await Deno.readFile(`${dir}/resumed.csv`), expected);
    assert.deepEqual(
      ranges().slice(before),
      [undefined, "bytes=500-"],
      "resumed from the byte it stopped at, not restarted",
    );

    before = ranges().length;
    emulator.inject({ path: DOWNLOADS, stallAfter: 500 });
    const piped = await cli(["download", id, "--timeout", "1s"], {
      server,
      killAfterMs: 60_000,
    });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, new TextDecoder().decode(expected));
    assert.deepEqual(ranges().slice(before), [undefined, "bytes=500-"]);
  });
});

/**
 * Runs the CLI while a `cat` subprocess reads the FIFO at `fifo`, and
 * returns both. `cat` is killed when the FIFO was replaced (nobody would
 * ever write to the one it waits on) or when no writer closes it in a
 * minute, so a wrong behaviour fails instead of hanging.
 */
async function withFifoReader(
  fifo: string,
  run: () => Promise<Run>,
): Promise<{ run: Run; read: Uint8Array }> {
  const reader = new Deno.Command("cat", {
    args: [fifo],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const kill = () => {
    try {
      reader.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const guard = setTimeout(kill, 60_000);
  try {
    const result = await run();
    const kept = (await Deno.lstat(fifo)).isFifo;
    if (!kept) kill();
    const out = await reader.output();
    assert.ok(kept, "the FIFO was replaced");
    assert.ok(out.success, "the reader never saw the end of the data");
    return { run: result, read: out.stdout };
  } finally {
    clearTimeout(guard);
    kill();
  }
}

Deno.test("--out writes a FIFO or a device in place, as shell redirection does", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const { id, expected } = await cleanDownload(server, emulator, dir);
    const rows = (await csvRows(`${dir}/whole.csv`)).length;
    assert.ok(rows > 0);
    await Deno.remove(`${dir}/whole.csv`);

    const toNull = await cli(["download", id, "--out", "/dev/null"], {
      server,
    });
    assert.equal(toNull.code, 0, toNull.stderr);
    assert.match(
      toNull.stderr,
      new RegExp(
        `Saved ${rows} rows, ${expected.byteLength} bytes .*, to /dev/null\\n`,
      ),
    );
    assert.ok((await Deno.stat("/dev/null")).isCharDevice, "still a device");

    // Through a symlink, as NDJSON, with --json: the link stays a link.
    await Deno.symlink("/dev/null", `${dir}/null-link`);
    const linked = await cli(
      ["download", id, "--out", "null-link", "--format", "ndjson", "--json"],
      { server, cwd: dir },
    );
    assert.equal(linked.code, 0, linked.stderr);
    const summary = JSON.parse(linked.stdout);
    assert.equal(summary.file, "/dev/null");
    assert.equal(summary.rows, rows);
    assert.ok((await Deno.lstat(`${dir}/null-link`)).isSymlink);
    assert.ok((await Deno.stat("/dev/null")).isCharDevice, "still a device");

    const fifo = `${dir}/pipe`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success, "mkfifo");
    const piped = await withFifoReader(
      fifo,
      () =>
        cli(["download", id, "--out", fifo, "--json"], {
          server,
          killAfterMs: 60_000,
        }),
    );
    assert.equal(piped.run.code, 0, piped.run.stderr);
    assert.deepEqual(piped.read, expected, "the reader got every byte");
    const result = JSON.parse(piped.run.stdout);
    assert.deepEqual(
      [result.file, result.bytes, result.rows, result.export.id],
      [fifo, expected.byteLength, rows, id],
    );
    assert.deepEqual(await listDir(dir), ["null-link", "pipe"], "no temp file");

    // A failed download still closes the FIFO: its reader sees the end.
    emulator.inject({ path: DOWNLOADS, status: 500 });
    const failed = await withFifoReader(
      fifo,
      () =>
        cli(["download", id, "--out", fifo, "--max-retries", "0"], {
          server,
          killAfterMs: 60_000,
        }),
    );
    assert.equal(failed.run.code, 1, failed.run.stderr);
    assert.match(failed.run.stderr, /HTTP 500/);
    assert.equal(failed.read.byteLength, 0);
    assert.deepEqual(await listDir(dir), ["null-link", "pipe"]);
  });
});

Deno.test("--out refuses read-only files and directories, sockets and bad paths before any request, leaving them as they were", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const exportTo = (out: string) => [
      "export",
      "--org",
      org,
      "--from",
      "30d",
      "--out",
      out,
    ];
    const mode = async (path: string) =>
      ((await Deno.stat(path)).mode ?? 0) & 0o777;

    // The tests may run as root, who may write anything: the mode bits are
    // what these cases are about.
    await Deno.writeTextFile(`${dir}/locked.csv`, "keep\n");
    await Deno.chmod(`${dir}/locked.csv`, 0o444);
    await Deno.mkdir(`${dir}/sealed`);
    await Deno.writeTextFile(`${dir}/sealed/inside.csv`, "keep\n");
    await Deno.chmod(`${dir}/sealed`, 0o555);
    // Refused before it is opened, so it needs no reader.
    const made = await new Deno.Command("mkfifo", {
      args: ["-m", "0444", `${dir}/locked-pipe`],
    }).output();
    assert.ok(made.success, "mkfifo");
    // Bound by a child: binding here would need network permission for it.
    // The socket file outlives the child, which exits without closing it.
    const bound = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `Deno.listen({ transport: "unix", path: ${
          JSON.stringify(`${dir}/socket`)
        } }); Deno.exit(0);`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
    }).output();
    assert.ok(bound.success && (await Deno.lstat(`${dir}/socket`)).isSocket);
    try {
      const cases: [string[], RegExp][] = [
        [
          exportTo("locked.csv"),
          /--out: cannot write 'locked\.csv': it is read-only \(mode 0444\)/,
        ],
        [
          exportTo("sealed/inside.csv"),
          /'sealed\/inside\.csv': its directory is read-only \(mode 0555\)/,
        ],
        [
          exportTo("sealed/new.csv"),
          /'sealed\/new\.csv': its directory is read-only \(mode 0555\)/,
        ],
        [exportTo("locked-pipe"), /it is read-only \(mode 0444\)/],
        [
          exportTo("socket"),
          /'socket': it is a socket, which cannot be written as a file/,
        ],
        [exportTo(""), /--out needs a file name/],
        [["download", "audit_log_export_1", "--out="], /--out needs a file/],
        [
          exportTo("x".repeat(100_000)),
          /'x{60}… \(100000 characters\)': the name is too long \(ENAMETOOLONG\)/,
        ],
        [
          exportTo("no-dir\x1b[2J\u009b31m\u202e/x.csv"),
          /'no-dir\\u001b\[2J\\u009b31m\\u202e\/x\.csv': no such file or directory \(ENOENT\)/,
        ],
      ];
      const runs = await Promise.all(
        cases.map(([args]) =>
          cli(args, { server, cwd: dir, killAfterMs: 60_000 })
        ),
      );
      for (const [i, run] of runs.entries()) {
        assertUsage(run, cases[i][1], cases[i][0].join(" ").slice(0, 200));
      }
      // Without read permission Deno cannot tell what is there: refused,
      // rather than taken for a new file and replaced by the rename.
      const blind = await cli(
        [...exportTo("locked.csv"), "--format", "ndjson"],
        {
          server,
          cwd: dir,
          allow: [
            "--allow-net=127.0.0.1,localhost",
            "--allow-env",
            "--allow-write",
          ],
        },
      );
      assertUsage(
        blind,
        /'locked\.csv': Requires read access to/,
        "no --allow-read",
      );
      assert.equal(emulator.requests.length, 0, "no request was sent");
      assert.equal(await Deno.readTextFile(`${dir}/locked.csv`), "keep\n");
      assert.equal(await mode(`${dir}/locked.csv`), 0o444);
      assert.equal(
        await Deno.readTextFile(`${dir}/sealed/inside.csv`),
        "keep\n",
      );
      assert.deepEqual(await listDir(`${dir}/sealed`), ["inside.csv"]);
      assert.ok((await Deno.lstat(`${dir}/locked-pipe`)).isFifo);
      assert.deepEqual(await listDir(dir), [
        "locked-pipe",
        "locked.csv",
        "sealed",
        "socket",
      ]);
    } finally {
      await Deno.chmod(`${dir}/sealed`, 0o755);
    }
  });
});

Deno.test("without --allow-env, the CLI says it cannot read WORKOS_API_KEY, not that it is unset", async () => {
  await withSetup(async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const net = "--allow-net=127.0.0.1,localhost";
    const denied = new RegExp(
      literal(
        "audit-log-export: cannot read WORKOS_API_KEY: Deno was not allowed " +
          "to read the environment; run with --allow-env (or " +
          "--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL)\n",
      ),
    );
    const cases: [string[], string[]][] = [
      [["get", "audit_log_export_1"], [net, "--allow-read"]],
      [
        ["export", "--org", org, "--from", "7d"],
        [net, "--allow-read", "--allow-write"],
      ],
      [["download", "audit_log_export_1"], [
        net,
        "--allow-env=WORKOS_BASE_URL",
      ]],
      [["create", "--org", org, "--from", "7d"], [net, "--deny-env"]],
    ];
    const runs = await Promise.all(
      cases.map(([args, allow]) => cli(args, { server, allow })),
    );
    for (const [i, run] of runs.entries()) {
      const what = cases[i].flat().join(" ");
      assertUsage(run, denied, what);
      assert.doesNotMatch(run.stderr, /is not set/, what);
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");

    // The narrow permission the message offers is enough.
    const id = await createdId(server, org, "7d");
    const narrow = await cli(["get", id, "--json"], {
      server,
      allow: [net, "--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL"],
    });
    assert.equal(narrow.code, 0, narrow.stderr);
    assert.equal(JSON.parse(narrow.stdout).id, id);
  });
});

/** The `[http]` lines of a run's stderr, after checking none shows a query, the key or a trace of its redaction. */
function attemptLines(run: Run): string[] {
  assert.doesNotMatch(run.stderr, /X-Expires|\[redacted\]/);
  const lines = run.stderr.split("\n").filter((l) => l.startsWith("[http] "));
  for (const line of lines) assert.ok(!line.includes("?"), line);
  return lines;
}

Deno.test("--verbose prints a line per HTTP attempt, retries included, never the key or a download URL's query", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const origin = literal(url);
    const took = String.raw`in \d+ ms \(request id req_\w+\)`;
    const retry = String.raw`; retry in \d+ ms`;
    const file = String.raw`/_emulator/downloads/\w+/audit_log_export_\w+\.csv`;

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

    const waited = await cli(["wait", id, "--verbose", "--quiet"], { server });
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

    const demo = await cli(["demo", "--verbose", "--out", `${dir}/demo.csv`], {
      key: "",
      secrets: ["sk_test_emulator"],
    });
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

Deno.test("--verbose lines go above the progress line on a terminal instead of running into it", async () => {
  await withSetup(async ({ url, emulator }) => {
    const id = await createdId({ url }, emulator.organizations[0], "30d");
    emulator.inject({ path: DOWNLOADS, stallAfter: 500 });
    const run = await inProcess(
      ["download", id, "--verbose", "--timeout", "1s", "--base-url", url],
      { env: { WORKOS_API_KEY: KEY }, isTTY: true },
    );
    assert.equal(run.code, 0, run.stderr);
    // The resume is logged while "Downloading …" is drawn: the line clears
    // it, ends with a newline, and the status is drawn again below.
    assert.match(
      run.stderr,
      // deno-lint-ignore no-control-regex
      /\r\[http\] GET \S+ attempt 1: 206 in \d+ ms \(request id req_\w+\)\x1b\[K\nDownloading audit_log_export_\w+: \d+ bytes\x1b\[K/,
    );
    assert.ok(!run.stderr.includes(KEY));
  });
});

Deno.test("AUDIT_LOG_EXPORT_DEBUG=1 gives the library's line per attempt, without the key; --verbose replaces them", async () => {
  await withSetup(async ({ url, emulator, dir }) => {
    const server = { url };
    const env = { AUDIT_LOG_EXPORT_DEBUG: "1" };
    const args = [
      "export",
      "--org",
      emulator.organizations[0],
      "--from",
      "30d",
      "--out",
      `${dir}/a.csv`,
    ];
    const debug = await cli(args, { server, env });
    assert.equal(debug.code, 0, debug.stderr);
    const origin = literal(url);
    assert.match(
      debug.stderr,
      new RegExp(
        `^\\[audit-log-export\\] POST ${origin}/audit_logs/exports attempt 1: 201 in \\d+ ms \\(request id req_\\w+\\)$`,
        "m",
      ),
    );
    assert.match(
      debug.stderr,
      new RegExp(
        `^\\[audit-log-export\\] GET ${origin}/_emulator/downloads/\\w+/audit_log_export_\\w+\\.csv attempt 1: 200 in `,
        "m",
      ),
    );
    assert.doesNotMatch(debug.stderr, /X-Expires|\[redacted\]|\[http\]/);

    const both = await cli([...args, "--verbose"], { server, env });
    assert.equal(both.code, 0, both.stderr);
    assert.equal(attemptLines(both).length, 2);
    assert.doesNotMatch(
      both.stderr,
      /\[audit-log-export\]/,
      "one line per attempt, not two",
    );
  });
});
