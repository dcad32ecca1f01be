/**
 * What the README and `help` say of the CLI, held to: `--quiet` on every
 * command, `help help`, and a reader of stderr that goes away mid-download.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CLI, cli, CONFIG } from "./cli_helpers.ts";
import { withEmulator } from "./helpers.ts";

Deno.test("-q/--quiet is accepted by every command", async () => {
  await withEmulator({
    exportDelayMs: 0,
    rateLimit: false,
  }, async (server) => {
    const org = server.emulator.organizations[0];
    const created = await cli(["create", "--org", org, "--from", "7d", "-q"], {
      server,
    });
    assert.equal(created.code, 0, created.stderr);
    const { id } = JSON.parse(created.stdout);
    for (
      const args of [
        ["get", id, "-q"],
        ["wait", id, "--quiet"],
        ["create", "--org", org, "--from", "7d", "--quiet", "--json"],
      ]
    ) {
      const run = await cli(args, { server });
      assert.equal(run.code, 0, `${args.join(" ")}: ${run.stderr}`);
      assert.equal(run.stderr, "", args.join(" "));
    }
  });
});

Deno.test("help help prints the main help and exits 0; help of an unknown command exits 2", async () => {
  const help = await cli(["help", "help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage:|usage:/);
  const unknown = await cli(["help", "nope"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no help for unknown command 'nope'/);
});

Deno.test("a reader of stderr that goes away mid-download ends nothing: the file is saved whole, and no temporary file stays", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_stderr_" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--config",
        CONFIG,
        "--allow-net=127.0.0.1,localhost",
        "--allow-env",
        "--allow-read",
        "--allow-write",
        CLI,
        "demo",
        "--out",
        `${dir}/x.csv`,
      ],
      env: { NO_COLOR: "1", WORKOS_API_KEY: "", WORKOS_BASE_URL: "" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // As `… 2>&1 | head -1`: read the first line, then close the pipe.
    const reader = child.stderr.getReader();
    await reader.read();
    await reader.cancel();
    const status = await child.status;
    assert.equal(status.code, 0);
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.deepEqual(names, ["x.csv"]);
    assert.ok((await Deno.stat(`${dir}/x.csv`)).size > 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
