/**
 * README.md is a tested contract: every `ts`, `js` and `sh` block runs, as
 * a user would run it, against the emulator served on loopback, with only
 * the substitutions of `conformance/readme_blocks.js` applied; a block marked
 * `<!-- not run: … -->` is type-checked (`ts`, `js`) or parsed (`sh`,
 * `json`) instead. A block that drifts from the code fails here.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type ReadmeBlock,
  readmeBlocks,
  substitute,
} from "./conformance/readme_blocks.js";
import { withEmulatorAndDir } from "./cli_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const README = await Deno.readTextFile(`${ROOT}README.md`);
const CONFIG = `${ROOT}deno.json`;
const CLI =
  `deno run --config ${CONFIG} --allow-net=127.0.0.1,localhost --allow-env --allow-read --allow-write ${ROOT}cli.ts`;
const RUN_FLAGS = [
  "--config",
  CONFIG,
  "--allow-net=127.0.0.1,localhost",
  "--allow-env",
  "--allow-read",
  "--allow-write",
];

/** A block's output and exit, with a kill after `ms` so a hang fails the test. */
async function run(
  command: string[],
  cwd: string,
  env: Record<string, string>,
  ms = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    cwd,
    env: { ...env, NO_COLOR: "1", AUDIT_LOG_EXPORT_DEBUG: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  try {
    const out = await child.output();
    const text = new TextDecoder();
    return {
      code: out.code,
      stdout: text.decode(out.stdout),
      stderr: text.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

const blocks = readmeBlocks(README);

Deno.test("README: every block is run, or marked with why it is not", () => {
  const kinds = new Set(blocks.map((b) => b.lang));
  // Languages the test knows how to run or parse; an unmarked block of any
  // other language would be untested prose.
  for (const b of blocks) {
    assert.ok(
      ["ts", "js", "sh", "json", "toml", ""].includes(b.lang),
      `README.md:${b.line}: a \`${b.lang}\` block cannot be tested; mark it or change it`,
    );
  }
  assert.ok(kinds.has("ts") && kinds.has("sh"));
});

/** What a block runs against: a served emulator, a scratch directory, and the environment pointing at both. */
interface Bench {
  dir: string;
  values: { KEY: string; URL: string; DIR: string; CLI: string };
  env: Record<string, string>;
}

async function withBench(fn: (bench: Bench) => Promise<void>): Promise<void> {
  await withEmulatorAndDir({
    exportDelayMs: 0,
    rateLimit: false,
  }, async (server) => {
    const { dir } = server;
    await fn({
      dir,
      values: { KEY: server.emulator.apiKey, URL: server.url, DIR: dir, CLI },
      env: {
        WORKOS_API_KEY: server.emulator.apiKey,
        WORKOS_BASE_URL: server.url,
        PATH: Deno.env.get("PATH") ?? "",
        HOME: dir,
      },
    });
  });
}

/** Fails naming the block's line and what was done with it. */
function assertRan(
  b: ReadmeBlock,
  out: { code: number; stdout: string; stderr: string },
  instead: string,
): void {
  assert.equal(
    out.code,
    0,
    `README.md:${b.line}${
      b.notRun ? ` (${instead} only: ${b.notRun})` : ""
    } failed:\n${out.stderr}${out.stdout}`,
  );
}

Deno.test("README: every ts and js block runs against the emulator", async (t) => {
  await withBench(async ({ dir, values, env }) => {
    for (const b of blocks.filter((b) => b.lang === "ts" || b.lang === "js")) {
      await t.step(`README.md:${b.line}`, async () => {
        const file = `${dir}/block_${b.line}.${b.lang}`;
        await Deno.writeTextFile(file, substitute(b.code, values));
        const command = b.notRun
          ? [Deno.execPath(), "check", "--config", CONFIG, file]
          : [Deno.execPath(), "run", "--check", ...RUN_FLAGS, file];
        assertRan(b, await run(command, dir, env), "type-checked");
      });
    }
  });
});

Deno.test("README: every sh block runs against the emulator", async (t) => {
  await withBench(async ({ dir, values, env }) => {
    for (const b of blocks.filter((b) => b.lang === "sh")) {
      await t.step(`README.md:${b.line}`, async () => {
        const file = `${dir}/block_${b.line}.sh`;
        await Deno.writeTextFile(
          file,
          `set -euo pipefail\n${substitute(b.code, values)}`,
        );
        const command = b.notRun ? ["bash", "-n", file] : ["bash", file];
        assertRan(b, await run(command, dir, env), "parsed");
      });
    }
  });
});

Deno.test("README: every json block parses", () => {
  for (const b of blocks.filter((b) => b.lang === "json")) {
    assert.doesNotThrow(() => JSON.parse(b.code), `README.md:${b.line}`);
  }
});
