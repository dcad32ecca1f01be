/**
 * CONTRIBUTING.md's recipe for a new `createExport` filter, followed on a
 * scratch copy of the sources: each step is made as the guide says, the
 * compiler is asked what is missing after each one, and at the end the new
 * filter selects events through the client, the emulator and the CLI.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  cp,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";

const ROOT = new URL("..", import.meta.url).pathname;
const DENO = Deno.execPath();

/** Replaces `from` (which must occur once) in a file of the copy. */
async function edit(dir: string, file: string, from: string, to: string) {
  const path = join(dir, file);
  const text = await readFile(path, "utf8");
  assert.equal(text.split(from).length, 2, `${file}: one "${from}"`);
  await writeFile(path, text.replace(from, to));
}

/** The files `deno check` names in its errors, in order, once each. */
async function filesWithErrors(dir: string): Promise<string[]> {
  const out = await new Deno.Command(DENO, {
    args: ["check", "mod.ts", "testing.ts", "cli.ts"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  // deno colours its output; the file names are what matters here.
  const text = new TextDecoder().decode(out.stderr)
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;]*m/g, "");
  const files = [...text.matchAll(/at file:\/\/\S*?\/(src\/\S+?\.ts):\d+/g)]
    .map((m) => m[1]);
  assert.equal(out.success, files.length === 0, text);
  return [...new Set(files)].sort();
}

Deno.test("recipes: a new filter, added by CONTRIBUTING.md's steps, is asked for file by file and then works end to end", async () => {
  const dir = await mkdtemp(join(tmpdir(), "recipe_filter_"));
  try {
    for (
      const name of [
        "mod.ts",
        "testing.ts",
        "cli.ts",
        "fs.ts",
        "s3.ts",
        "deno.json",
      ]
    ) {
      await cp(join(ROOT, name), join(dir, name));
    }
    await cp(join(ROOT, "src"), join(dir, "src"), { recursive: true });
    await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"));
    assert.deepEqual(await filesWithErrors(dir), [], "the copy compiles");

    // 1. The row.
    await edit(
      dir,
      "src/filters.ts",
      `  { option: "targets", wire: "targets", aliases: [] },\n]`,
      `  { option: "targets", wire: "targets", aliases: [] },\n` +
        `  { option: "actorTypes", wire: "actor_types", aliases: [] },\n]`,
    );
    // 2. The compiler names the four places a fix goes, and no other.
    assert.deepEqual(await filesWithErrors(dir), [
      "src/archive_read.ts",
      "src/cli/filter_flags.ts",
      "src/emulator/filters.ts",
      "src/schemas.ts",
    ]);
    await edit(
      dir,
      "src/schemas.ts",
      "  targets?: readonly string[];\n",
      "  targets?: readonly string[];\n" +
        "  /** Only events by actors of these types. */\n" +
        "  actorTypes?: readonly string[];\n",
    );
    assert.deepEqual(await filesWithErrors(dir), [
      "src/archive_read.ts",
      "src/cli/filter_flags.ts",
      "src/emulator/filters.ts",
    ]);
    // 3. The archive's reader: the option and how an archived event matches.
    await edit(
      dir,
      "src/archive_read.ts",
      "  targets?: readonly string[];\n",
      "  targets?: readonly string[];\n" +
        "  /** Only events by actors of these types. */\n" +
        "  actorTypes?: readonly string[];\n",
    );
    await edit(
      dir,
      "src/archive_read.ts",
      "  actions: (e, values) => values.has(e.action),\n",
      "  actions: (e, values) => values.has(e.action),\n" +
        "  actorTypes: (e, values) => values.has(e.actor.type),\n",
    );
    assert.deepEqual(await filesWithErrors(dir), [
      "src/cli/filter_flags.ts",
      "src/emulator/filters.ts",
    ]);
    // 4. The emulator's matcher.
    await edit(
      dir,
      "src/emulator/filters.ts",
      "  actions: (event, values) => values.includes(event.action),\n",
      "  actions: (event, values) => values.includes(event.action),\n" +
        "  actor_types: (event, values) => values.includes(event.actor.type),\n",
    );
    assert.deepEqual(await filesWithErrors(dir), ["src/cli/filter_flags.ts"]);
    // 5. The CLI's flag.
    await edit(
      dir,
      "src/cli/filter_flags.ts",
      "const FLAGS = {\n",
      "const FLAGS = {\n" +
        '  actorTypes: { flag: "actor-type", arg: "<type>", split: true, help: "Only events by actors of this type." },\n',
    );
    assert.deepEqual(await filesWithErrors(dir), [], "nothing else to do");

    // The filter works: on the wire, in the emulator, and on the CLI.
    await writeFile(
      join(dir, "probe.ts"),
      `
import { createExport, exportRows } from "./mod.ts";
import { serveEmulator } from "./testing.ts";
import { main } from "./cli.ts";
const org = "org_01EHZNVPK3SFK441A1RGBFSHRT";
const at = new Date(Date.now() - 86_400_000).toISOString();
const event = (type: string) => ({
  organizationId: org, action: "user.signed_in", occurredAt: at,
  actor: { id: type + "_1", type }, targets: [], context: { location: "203.0.113.7" },
});
const server = await serveEmulator({ exportDelayMs: 0, events: [event("user"), event("robot")] });
const config = { apiKey: server.emulator.apiKey, baseUrl: server.url };
const options = { organizationId: org, rangeStart: new Date(Date.now() - 2 * 86_400_000), rangeEnd: new Date(), actorTypes: ["robot"] };
const created = await createExport(options, config);
const bodies = server.emulator.requests.filter((r) => r.method === "POST").map((r) => JSON.parse(r.body!));
const rows = [];
for await (const row of exportRows(created, config)) rows.push(row.actor_id);
let out = "";
const code = await main(["export", "--org", org, "--from", options.rangeStart.toISOString(), "--to", options.rangeEnd.toISOString(), "--actor-type", "user", "-q"], {
  env: (name) => ({ WORKOS_API_KEY: config.apiKey, WORKOS_BASE_URL: config.baseUrl } as Record<string, string>)[name],
  stdout: (chunk) => { out += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk); return Promise.resolve(); },
  stderr: () => {},
});
await server.close();
console.log(JSON.stringify({ bodies, rows, code, cli: out.trim().split("\\n").slice(1).map((l) => l.split(",")) }));
`,
    );
    const probe = await new Deno.Command(DENO, {
      args: ["run", "-A", "probe.ts"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(probe.stderr);
    assert.ok(probe.success, stderr);
    const seen = JSON.parse(new TextDecoder().decode(probe.stdout));
    assert.deepEqual(
      seen.bodies.map((b: { actor_types?: string[] }) => b.actor_types),
      [["robot"]],
    );
    assert.deepEqual(seen.rows, ["robot_1"]);
    assert.equal(seen.code, 0, stderr);
    assert.equal(seen.cli.length, 1, "one row by the CLI");
    assert.ok(seen.cli[0].includes("user_1"), JSON.stringify(seen.cli));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
