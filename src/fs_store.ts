/**
 * An archive store in a directory, for Deno, Node and Bun. It lives in its
 * own entry point, `audit-log-export/fs`, so the main entry stays free of
 * anything Node-specific.
 *
 * @module
 */

import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { ArchiveStore } from "./archive.ts";
import { randomBytes } from "./random.ts";

/** Keys are relative paths of plain segments: none may climb out of the root. */
function checkKey(key: string): void {
  const segments = key.split("/");
  if (
    key === "" || key.includes("\\") || key.includes("\0") ||
    segments.some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new TypeError(`Not a store key: ${JSON.stringify(key)}`);
  }
}

// Node 18 has no global Web Crypto; randomBytes falls back where it must.
const suffix = (): string =>
  Array.from(randomBytes(6), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );

/**
 * Removes the temporary files of earlier writes of the same key that never
 * got renamed: a process killed mid-write cannot clean up after itself, and
 * the next write of the key is the first moment anyone knows they are dead.
 */
async function removeLeftovers(path: string): Promise<void> {
  const name = basename(path);
  // `<name>.<12 hex digits>.part`, as `put` names them.
  const isLeftover = (entry: string) =>
    entry.startsWith(`${name}.`) && entry.endsWith(".part") &&
    /^[0-9a-f]{12}$/.test(entry.slice(name.length + 1, -5));
  for (const entry of await readdir(dirname(path))) {
    if (isLeftover(entry)) {
      await rm(join(dirname(path), entry), { force: true });
    }
  }
}

/** Flushes a file or directory to disk; a directory that cannot be (Windows) is left to the OS. */
async function flush(path: string, directory: boolean): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } catch (error) {
    if (!directory) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * A store that keeps each key as a file under `root` (created when
 * missing). A write goes to a temporary file that is flushed to disk and
 * then renamed over the key, and the directory is flushed too: a crash
 * leaves the old object or the new one, never half of one, and a put that
 * resolved survives a power cut. New files are readable by their owner only,
 * as audit data should be.
 *
 * @example
 * ```ts
 * import { archiveExports } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * await archiveExports({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   store: directoryStore("/var/lib/audit-archive"),
 * });
 * ```
 */
export function directoryStore(root: string): ArchiveStore {
  if (typeof root !== "string" || root === "") {
    throw new TypeError("directoryStore needs a directory path");
  }
  const base = resolve(root);
  return {
    async get(key) {
      checkKey(key);
      try {
        return await readFile(join(base, key), "utf8");
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async put(key, body) {
      checkKey(key);
      const path = join(base, key);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      const temp = `${path}.${suffix()}.part`;
      try {
        const handle = await open(temp, "wx", 0o600);
        try {
          await handle.writeFile(body);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      await flush(dirname(path), true);
      await removeLeftovers(path);
    },
  };
}
