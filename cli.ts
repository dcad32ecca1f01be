/**
 * The `audit-log-export` command line: create, wait for and download WorkOS
 * audit log exports from a shell, or try the whole job offline with `demo`.
 *
 * ```sh
 * export WORKOS_API_KEY=sk_live_…
 * audit-log-export export --org org_01EHZNVPK3SFK441A1RGBFSHRT --from 30d --out audit.csv
 * audit-log-export demo   # no key, no network: runs against a local emulator
 * ```
 *
 * `main` runs in-process too and resolves with the exit code.
 *
 * @module
 */

import { runAsProcess } from "./src/cli/main.ts";

export { main } from "./src/cli/main.ts";
export type { CliIO } from "./src/cli/main.ts";

if (import.meta.main) runAsProcess();
