/**
 * The package version, sent in `User-Agent`. Kept equal to `deno.json`'s by
 * a test and by the npm build.
 *
 * @module
 */

/** The version of this package. */
export const VERSION = "0.1.0";
