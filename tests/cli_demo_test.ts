/**
 * `demo`, the embedded default: the whole job against an emulator on
 * loopback, with no key and no network besides loopback.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CLI,
  cli,
  CONFIG,
  csvRows,
  HEADER,
  listDir,
  READY,
  withEmulatorAndDir,
} from "./cli_helpers.ts";

Deno.test("a bare invocation runs the demo, the embedded default", async () => {
  await withEmulatorAndDir(READY, async ({ dir }) => {
    const bare = await cli([], { cwd: dir });
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stderr, /No command given: running the demo/);
    assert.match(bare.stdout, /rows/);
    assert.deepEqual(await listDir(dir), ["audit-log-demo.csv"]);
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
        // The key of the demo's own in-process emulator.
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
