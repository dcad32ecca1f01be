/**
 * The archive's directory store, for Deno, Node and Bun: `archiveExports`
 * writes one file per window and a checkpoint per organization under a
 * directory, atomically, streaming each window to disk, and locks each
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

export { directoryStore } from "./src/fs_store.ts";
export type { DirectoryStore, DirectoryStoreOptions } from "./src/fs_store.ts";
export type { StoreLock } from "./src/archive_store.ts";
