/**
 * `export`, the whole job in one go: repeated flags, `--out` written
 * atomically or refused before any request, `--format ndjson`, an empty
 * period, Ctrl-C, and `main` run in-process.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportEvents } from "../mod.ts";
import { main } from "../cli.ts";
import type { EmulatorEvent } from "../testing.ts";
import {
  asExported,
  assertUsage,
  attemptLines,
  checked,
  cli,
  createdId,
  csvRows,
  DAY,
  daysAgo,
  DOWNLOADS,
  eventsIn,
  HEADER,
  inProcess,
  listDir,
  literal,
  ndjsonLines,
  READY,
  spawn,
  withEmulatorAndDir,
} from "./cli_helpers.ts";
import { TEST_KEY, withEmulator } from "./helpers.ts";

Deno.test("export: repeated flags become lists, and the whole job runs in one go", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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

Deno.test("main runs in-process with injected IO, redrawing progress on a TTY", async () => {
  await withEmulator({ exportDelayMs: 1200 }, async ({ url, emulator }) => {
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
        ({ WORKOS_API_KEY: TEST_KEY } as Record<string, string>)[name],
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
    assert.match(stderr, /\rDownloading audit_\S* [^\r\n]*%/);
    assert.match(stderr, /\rDownloading audit_\S*: [\d.]+ KiB in /);
    assert.ok(!stdout.includes(TEST_KEY) && !stderr.includes(TEST_KEY));

    stderr = "";
    const missingKey = await main(["get", "x", "--base-url", url], {
      ...io,
      env: () => undefined,
    });
    assert.equal(missingKey, 2);
    assert.match(stderr, /WORKOS_API_KEY is not set/);
  });
});

Deno.test("--format ndjson writes one AuditLogEvent per line, equal to the emulator's events; csv is the bytes as exported", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
    assert.match(
      ndjson.stderr,
      /Downloading audit_log_export_\w+: [\d.]+ KiB in \d+:\d\d, /,
    );
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
    assert.equal(
      JSON.parse(asCsv.stdout).rows,
      result.rows,
      "same row count",
    );
    assert.deepEqual(await listDir(dir), [
      "again.ndjson",
      "events.ndjson",
      "same.csv",
    ]);
  });
});

Deno.test("--format ndjson with --out is atomic: a broken or unparsable download leaves the old file", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
    emulator.inject({
      path: DOWNLOADS,
      status: 200,
      body: garbage,
      times: 2,
    });
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
  await withEmulator({
    exportDelayMs: 0,
    organizations: [org],
    events,
  }, async (server) => {
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
      env: { WORKOS_API_KEY: TEST_KEY },
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
  });
});

Deno.test("--format: wrong, empty, huge and hostile values exit 2 before any request", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
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

Deno.test("an empty period: export writes an empty output, says 0 rows and exits 0; create fails clearly", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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

Deno.test("--out refuses read-only files and directories, sockets and bad paths before any request, leaving them as they were", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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

Deno.test("AUDIT_LOG_EXPORT_DEBUG=1 gives the library's line per attempt, without the key; --verbose replaces them", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
