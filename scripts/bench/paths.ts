/**
 * Where the benchmarks read and write: the repository root, the gitignored
 * `.bench/` work folder, and the runtimes they spawn.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Absolute path of the repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url))
  .replace(/\/$/, "");

/** Build outputs and generated data; gitignored. */
export const WORK = `${ROOT}/.bench`;

/** An absolute path of a file under `scripts/bench/`. */
export const benchFile = (name: string): string =>
  fileURLToPath(new URL(`./${name}`, import.meta.url));

/**
 * The machine's own Node: the first `node` on `PATH` outside this project's
 * `node_modules` (npm puts `node_modules/.bin` first, and there `node` is the
 * `node18` alias).
 */
function systemNode(): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir === "" || dir.startsWith(`${ROOT}/node_modules`)) continue;
    try {
      const path = `${dir}/node`;
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // Not here.
    }
  }
  throw new Error("no node on PATH outside node_modules");
}

function nodeLabel(bin: string): string {
  const out = new Deno.Command(bin, { args: ["--version"] }).outputSync();
  const version = new TextDecoder().decode(out.stdout).trim();
  return `Node ${version.replace(/^v(\d+).*$/, "$1")}`;
}

/** The Node binary of every Node-side number that is not a runtime comparison. */
export const NODE: string = systemNode();

/** Its label, e.g. `Node 20`. */
export const NODE_LABEL: string = nodeLabel(NODE);

/** The Node binaries of the cold-start comparison, by label, oldest first. */
export const NODES: Readonly<Record<string, string>> = Object.fromEntries(
  [
    NODE,
    `${ROOT}/node_modules/node18/bin/node`,
    `${ROOT}/node_modules/node22/bin/node`,
  ].map((bin) => [nodeLabel(bin), bin] as const)
    .sort((a, b) => a[0].localeCompare(b[0], "en", { numeric: true })),
);

/** The running Deno binary. */
export const DENO: string = Deno.execPath();
