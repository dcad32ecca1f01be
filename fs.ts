/**
 * What needs a file system, for Deno, Node and Bun: `saveExport` writes an
 * export's file to disk as the CLI's `--out` does (atomically, keeping what
 * it replaces, never two versions joined), and the archive's directory
 * store writes one file per window and a checkpoint per organization under
 * a directory, atomically, streaming each window to disk, and locks each
 * organization against a second run.
 *
 * @example
 * ```ts
 * import { archiveExports } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * await archiveExports({ organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT", store: directoryStore("./archive") });
 * ```
 *
 * @module
 */

export { directoryStore } from "./src/node/fs_store.ts";
export { saveExport } from "./src/node/fs_save.ts";
export type { SavedExport } from "./src/node/fs_save.ts";
export type {
  DirectoryStore,
  DirectoryStoreOptions,
} from "./src/node/fs_store.ts";
export type { StoreLock } from "./src/archive_store.ts";
