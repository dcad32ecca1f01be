/**
 * The package version, sent in `User-Agent`. Kept equal to `deno.json`'s by
 * a test and by the npm build.
 *
 * @module
 */

/**
 * The version of this package.
 *
 * @example
 * ```ts
 * import { VERSION } from "@audit-log/export";
 * const userAgent = `audit-log-export/${VERSION}`; // what the client sends, e.g. "audit-log-export/0.1.0"
 * ```
 */
export const VERSION = "0.1.0";
