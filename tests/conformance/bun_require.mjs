/**
 * Bun runner (`bun test`; the matrix copies it as `bun_require.test.mjs`):
 * the package through `require`, i.e. its CommonJS build. The runner is an
 * ES module only so that it can wait for the emulator before registering.
 *
 * @module
 */

import { afterAll, test } from "bun:test";
import { createRequire } from "node:module";
import { fsHost } from "./fs_host.js";
import { saveResults } from "./results.js";
import { runSuite, serveForSuite } from "./suite.js";

const require = createRequire(import.meta.url);
const pkg = require("audit-log-export");
const testing = require("audit-log-export/testing");
const fsEntry = require("audit-log-export/fs");

const server = await serveForSuite(testing);
const results = [];

afterAll(async () => {
  await server.close();
  saveResults("bun-require", results);
});

await runSuite({
  test: (name, fn) => void test(name, fn, 30_000),
  pkg,
  testing,
  fs: fsHost(fsEntry),
  baseUrl: server.url,
  results,
});
