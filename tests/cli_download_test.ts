/**
 * `download`: the CSV to stdout or `--out`, the permissions of what `--out`
 * replaces, FIFOs and devices written in place, stalls resumed or reported.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Emulator } from "../testing.ts";
import {
  cli,
  createdId,
  csvRows,
  DOWNLOADS,
  HEADER,
  inProcess,
  listDir,
  literal,
  READY,
  type Run,
  withEmulatorAndDir,
} from "./cli_helpers.ts";
import { TEST_KEY, withEmulator } from "./helpers.ts";

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

Deno.test("download streams the CSV to stdout or saves it with --out and --json", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "30d");

    const piped = await cli(["download", id], { server });
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(piped.stdout.startsWith(HEADER), piped.stdout.slice(0, 200));
    assert.match(
      piped.stderr,
      /Downloading .*: [\d.]+ (B|KiB|MiB) in \d+:\d\d/,
    );
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
    assert.deepEqual(
      await listDir(dir),
      ["download.csv"],
      "no temp file left",
    );

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

Deno.test("--out keeps an existing file's permissions, makes new files private, and writes through symlinks", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
      (await cli(["download", id, "--out", "shared.csv"], {
        server,
        cwd: dir,
      }))
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
    assert.ok(
      (await Deno.readTextFile(`${dir}/real.csv`)).startsWith(HEADER),
    );

    const slash = await cli(["download", id, "--out", "newdir/"], {
      server,
      cwd: dir,
    });
    assert.equal(slash.code, 2, slash.stderr);
  });
});

Deno.test("a stalled download fails with exit 1 saying it stalled, and leaves no --out file", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
    assert.ok(
      toStdout.stdout.startsWith(HEADER),
      "what came before the stall",
    );

    const target = `${dir}/audit.csv`;
    const exportArgs = ["export", "--org", org, "--from", "30d"];
    stall();
    const fresh = await cli(
      [...exportArgs, "--out", target, ...once],
      guarded,
    );
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

Deno.test("a download that stalls once is resumed where it stopped, byte-identical to an unfaulted one", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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

Deno.test("--out writes a FIFO or a device in place, as shell redirection does", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
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
    assert.deepEqual(
      await listDir(dir),
      ["null-link", "pipe"],
      "no temp file",
    );

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

Deno.test("--verbose lines go above the progress line on a terminal instead of running into it", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const id = await createdId({ url }, emulator.organizations[0], "30d");
    emulator.inject({ path: DOWNLOADS, stallAfter: 500 });
    const run = await inProcess(
      ["download", id, "--verbose", "--timeout", "1s", "--base-url", url],
      { env: { WORKOS_API_KEY: TEST_KEY }, isTTY: true },
    );
    assert.equal(run.code, 0, run.stderr);
    // The resume is logged while "Downloading …" is drawn: the line clears
    // it, ends with a newline, and the status is drawn again below.
    assert.match(
      run.stderr,
      // deno-lint-ignore no-control-regex
      /\r\[http\] GET \S+ attempt 1: 206 in \d+ ms \(request id req_\w+\)\x1b\[K\nDownloading audit_\S* [^\r\n]*%[^\r\n]*\x1b\[K/,
    );
    assert.ok(!run.stderr.includes(TEST_KEY));
  });
});

Deno.test("cli download: --base-url wins over a WORKOS_BASE_URL it does not use, also when the saved file is read back", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "30d");
    const run = await cli(["download", id, "--out", `${dir}/out.csv`], {
      server,
      env: { WORKOS_BASE_URL: "http://example.com" },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Saved \d+ rows?/);
    assert.ok((await Deno.stat(`${dir}/out.csv`)).size > 0);
  });
});
