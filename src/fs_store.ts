/**
 * An archive store in a directory, for Deno, Node and Bun. It lives in its
 * own entry point, `audit-log-export/fs`, so the main entry stays free of
 * anything Node-specific.
 *
 * @module
 */

import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { ArchiveStore } from "./archive.ts";
import { isTempFileOf, writeFileAtomic } from "./atomic_write.ts";

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

/**
 * Removes the temporary files of earlier writes of the same key that never
 * got renamed: a process killed mid-write cannot clean up after itself, and
 * the next write of the key is the first moment anyone knows they are dead.
 */
async function removeLeftovers(path: string): Promise<void> {
  const name = basename(path);
  for (const entry of await readdir(dirname(path))) {
    if (isTempFileOf(entry, name)) {
      await rm(join(dirname(path), entry), { force: true });
    }
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
      await writeFileAtomic(path, body, { mode: 0o600 });
      await removeLeftovers(path);
    },
  };
}
