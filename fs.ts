/**
 * The archive's directory store, for Deno, Node and Bun: `archiveExports`
 * writes one file per window and a checkpoint per organization under a
 * directory, atomically.
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
