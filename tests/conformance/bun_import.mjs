/**
 * Bun runner (`bun test`; the matrix copies it as `bun_import.test.mjs`, the
 * name bun looks for): the package through `import`.
 *
 * @module
 */

import { afterAll, test } from "bun:test";
import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import * as fsEntry from "audit-log-export/fs";
import { fsHost } from "./fs_host.js";
import { saveResults } from "./results.js";
import { runSuite, serveForSuite } from "./suite.js";

const server = await serveForSuite(testing);
const results = [];

afterAll(async () => {
  await server.close();
  saveResults("bun-import", results);
});

await runSuite({
  test: (name, fn) => void test(name, fn, 30_000),
  pkg,
  testing,
  fs: fsHost(fsEntry),
  baseUrl: server.url,
  results,
});
