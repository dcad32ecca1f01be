#!/usr/bin/env node
/**
 * Runs a task of deno.json, as `deno task <name>` would, from npm scripts.
 *
 * Why not `deno task`: Deno comes from npm here, and its install script points
 * `node_modules/.bin/deno` straight at the native binary. `deno task` puts
 * `node_modules/.bin` first on PATH and runs every command it finds there as
 * an npm JavaScript bin, so a task that calls `deno …` dies with "Uncaught
 * SyntaxError: Invalid or unexpected token" on the binary's first byte
 * (denoland/deno#27114). deno.json stays the one place the task is written;
 * this runs its text with `sh`, where `deno` is the real binary.
 *
 * Usage: node scripts/deno_task.mjs <task> [extra args appended to the task]
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...extra] = process.argv.slice(2);
const tasks = JSON.parse(readFileSync(path.join(root, "deno.json"), "utf8"))
  .tasks ?? {};
const task = tasks[name];
if (!name || task === undefined) {
  console.error(
    `usage: deno_task.mjs <task>; deno.json tasks: ${
      Object.keys(tasks).join(", ")
    }`,
  );
  process.exit(2);
}
const command = typeof task === "string" ? task : task.command;
const quoted = extra.map((a) => `'${a.replaceAll("'", `'\\''`)}'`);
const line = [command, ...quoted].join(" ");
console.error(`deno task ${name}: ${line}`);
const bin = path.join(root, "node_modules", ".bin");
const result = spawnSync("sh", ["-c", line], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
});
if (result.error) throw result.error;
process.exit(result.status ?? 1);
