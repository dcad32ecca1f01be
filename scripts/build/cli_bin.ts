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

/** Fails unless the CLI bundle's code exports `main`, which the bin calls. */
export function checkCliMain(code: string, entryFile: string): void {
  if (!/export\s*\{[^}]*\bmain\b/.test(code)) {
    fail(`${entryFile} must export main(args): Promise<number> for the bin`);
  }
}
