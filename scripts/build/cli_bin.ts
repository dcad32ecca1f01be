/**
 * The bin of the npm package: a Node script that runs the CLI bundle's
 * `main`.
 *
 * @module
 */

import { fail } from "./build_error.ts";

/** The text of `bin/<name>.js`, for the CLI bundle at `cliOut` (relative to npm/). */
export function binSource(cliOut: string): string {
  return `#!/usr/bin/env node
import { main } from "../${cliOut}";

process.exitCode = await main(process.argv.slice(2));
`;
}

/** Fails unless the CLI's output exports `main` (its names in `exports`), which the bin calls. */
export function checkCliMain(
  exports: readonly string[],
  entryFile: string,
): void {
  if (!exports.includes("main")) {
    fail(`${entryFile} must export main(args): Promise<number> for the bin`);
  }
}
