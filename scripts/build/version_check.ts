/**
 * The version in deno.json (which the npm package.json and JSR use) and the
 * one the code reports (`VERSION`, the `User-Agent`) must be the same.
 *
 * @module
 */

import { fail } from "./build_error.ts";

/**
 * Fails unless `versionModule` (the namespace of `src/version.ts`) exports
 * `VERSION` equal to deno.json's `version`.
 */
export function checkVersion(
  versionModule: { VERSION?: unknown },
  version: string,
): void {
  if (versionModule.VERSION !== version) {
    fail(
      `src/version.ts exports VERSION ${
        JSON.stringify(versionModule.VERSION)
      } but deno.json's version is "${version}": make them equal`,
    );
  }
}
