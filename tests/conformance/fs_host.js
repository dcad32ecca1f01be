/**
 * The directory side of the suite's `"fs"` cases, for runners on Deno, Node
 * and Bun: the package's `./fs` entry as the runner imported it, and a
 * scratch directory to point it at. Uses `node:fs`, which all three provide
 * (never bundled into a worker).
 *
 * @module
 */

import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * @param {typeof import("audit-log-export/fs")} entry  `audit-log-export/fs`, imported by name
 * @returns {import("./suite.js").FsHost}
 */
export function fsHost(entry) {
  return {
    entry,
    tempDir: () =>
      mkdtemp(path.join(os.tmpdir(), "audit-log-export-conformance-")),
    join: (...parts) => path.join(...parts),
    files: (dir) => walk(dir, ""),
    read: (file) => readFile(file, "utf8"),
    remove: (dir) => rm(dir, { recursive: true, force: true }),
  };
}

/** Written out rather than `readdir({ recursive })`, which Node 18.16 and older lack. */
async function walk(dir, prefix) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      found.push(...await walk(path.join(dir, entry.name), rel));
    } else found.push(rel);
  }
  return found;
}
