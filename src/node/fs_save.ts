/**
 * Saving an export's file to disk the way the CLI's `--out` does: whole or
 * not at all, with the permissions of what it replaces, through symlinks,
 * resumed when the connection breaks, and started over once when the file
 * changes on its host. It lives in `./fs`, beside the directory store: the
 * client's entry has no file system.
 *
 * @module
 */

import { PendingFile, resolveSymlinks } from "./atomic_write.ts";
import type { ClientConfig, WaitOptions } from "../config.ts";
import { downloadExport, onceMoreIfChanged } from "../download.ts";
import type { AuditLogExport } from "../types.ts";

/**
 * What {@link saveExport} wrote.
 *
 * @example
 * ```ts
 * import type { SavedExport } from "@audit-log/export/fs";
 * const line = (s: SavedExport) => `${s.bytes} bytes → ${s.path}`;
 * ```
 */
export interface SavedExport {
  /** The file written: the path given, with its symlinks resolved. */
  path: string;
  /** Bytes written. */
  bytes: number;
  /** Whether the file changed on its host mid-download and was read again from byte 0. */
  restarted: boolean;
}

/**
 * Downloads an export's CSV into the file at `path`, atomically: the bytes
 * go to a hidden temporary file beside it (`0600`), which is flushed and
 * renamed over `path` only once the whole file arrived, so a failure leaves
 * `path` as it was. A file it replaces keeps its permission bits and, where
 * the process may, its owner and group; a symlink is written through, as
 * shell `>` does. A pending export is waited for, a broken download is
 * resumed (`maxRetries`), and a file that changes on its host mid-download
 * is read again from byte 0, once, into the emptied temporary file: two
 * versions are never joined. Takes the same config as `downloadExport`.
 *
 * @example
 * ```ts
 * import { createExport } from "@audit-log/export";
 * import { saveExport } from "@audit-log/export/fs";
 * const created = await createExport({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: new Date(Date.now() - 7 * 86_400_000),
 *   rangeEnd: new Date(),
 * });
 * const saved = await saveExport(created, "./audit.csv");
 * console.log(`${saved.bytes} bytes in ${saved.path}`);
 * ```
 */
export async function saveExport(
  exportOrId: AuditLogExport | string,
  path: string,
  config?: ClientConfig & WaitOptions,
): Promise<SavedExport> {
  if (typeof path !== "string" || path === "" || path.includes("\0")) {
    throw new TypeError("saveExport needs a file path");
  }
  const target = await resolveSymlinks(path);
  const file = await PendingFile.create(target, { mode: 0o600, hidden: true });
  try {
    const copy = async () => {
      let bytes = 0;
      for await (const chunk of await downloadExport(exportOrId, config)) {
        await file.write(chunk);
        bytes += chunk.byteLength;
      }
      return bytes;
    };
    let restarted = false;
    const bytes = await onceMoreIfChanged(
      copy,
      () => file.rewind(),
      config?.signal,
      () => restarted = true,
    );
    await file.commit();
    return { path: target, bytes, restarted };
  } catch (error) {
    await file.discard();
    throw error;
  }
}
