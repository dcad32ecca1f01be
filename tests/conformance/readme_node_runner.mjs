/**
 * README.md on Node against the built package (`node --test`, run by the
 * matrix from the scratch project that has the packed tarball installed):
 * every `ts` and `js` block that runs under Deno in `tests/readme_test.ts`
 * runs here too, as a Node user would run it — TypeScript stripped by
 * esbuild, `audit-log-export` resolved to the installed package — against
 * the package's own emulator served on loopback, with the same
 * substitutions (`readme_blocks.js`).
 *
 * @module
 */

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { programBlocks, substitute } from "./readme_blocks.js";
import { importTool } from "./bundle.mjs";
import { saveResults } from "./results.js";

// The matrix runs this from a scratch project and names the repository in
// `$CONFORMANCE_TOOLS_FROM` (its package.json); run in place, it is two up.
const ROOT = process.env.CONFORMANCE_TOOLS_FROM
  ? path.dirname(process.env.CONFORMANCE_TOOLS_FROM)
  : fileURLToPath(new URL("../..", import.meta.url));
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The cases of this runner: one per block that runs as a program. */
export const readmeCases = programBlocks(README);

// Imported by the matrix only to count the cases: the test is defined when
// this file is what `node --test` runs.
if (
  process.env.NODE_TEST_CONTEXT ||
  process.argv[1] === fileURLToPath(import.meta.url)
) {
  test("README.md blocks on Node against the built package", async (t) => {
    const { transform } = await importTool("esbuild");
    // Here, not at the top: the matrix imports this file from the
    // repository, where the package is not installed, to count the cases.
    const { serveEmulator } = await import("audit-log-export/testing");
    const server = await serveEmulator({ exportDelayMs: 0, rateLimit: false });
    // Inside the scratch project, so `audit-log-export` is the installed one.
    const dir = mkdtempSync(path.join(process.cwd(), "readme-"));
    const results = [];
    try {
      for (const block of readmeCases) {
        const name = `README.md:${block.line}`;
        const source = substitute(block.code, {
          KEY: server.emulator.apiKey,
          URL: server.url,
          DIR: dir,
          CLI: "false",
        });
        const { code } = await transform(source, {
          loader: block.lang === "ts" ? "ts" : "js",
          format: "esm",
          target: "node18",
        });
        const file = path.join(dir, `block_${block.line}.mjs`);
        writeFileSync(file, code);
        // Not spawnSync: the emulator answering the block runs in this process.
        const out = await new Promise((resolve) => {
          execFile(process.execPath, [file], {
            cwd: dir,
            env: {
              PATH: process.env.PATH ?? "",
              HOME: dir,
              WORKOS_API_KEY: server.emulator.apiKey,
              WORKOS_BASE_URL: server.url,
              NO_COLOR: "1",
            },
            encoding: "utf8",
            timeout: 120_000,
          }, (error, stdout, stderr) =>
            resolve({
              status: error ? (error.code ?? 1) : 0,
              stdout,
              stderr,
            }));
        });
        const ok = out.status === 0;
        results.push({
          name,
          ok,
          ...(ok ? {} : { error: `${out.stderr}${out.stdout}`.slice(0, 4000) }),
        });
        await t.test(name, () => {
          if (!ok) {
            throw new Error(`${name} failed:\n${out.stderr}${out.stdout}`);
          }
        });
      }
    } finally {
      saveResults(`node${process.versions.node.split(".")[0]}-readme`, results);
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
