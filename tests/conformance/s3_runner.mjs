/**
 * The S3 cases (`s3_cases.js`) on the installed package, in Node, Bun or
 * Deno: `node s3_runner.mjs`, `bun s3_runner.mjs`, `deno run -A
 * s3_runner.mjs`. A plain program rather than a test file, so that one
 * file serves the three runtimes' different test runners; it starts moto
 * and the package's emulator itself and stops both at the end, and exits
 * non-zero when a case fails.
 *
 * @module
 */

import { createHash } from "node:crypto";
import process from "node:process";
import * as pkg from "audit-log-export";
import * as s3 from "audit-log-export/s3";
import * as testing from "audit-log-export/testing";
import { saveResults } from "./results.js";
import { runS3Cases, S3_ARCHIVE } from "./s3_cases.js";
import { startMoto } from "./s3_moto.mjs";

const runtime = typeof globalThis.Deno === "object"
  ? "deno"
  : typeof globalThis.Bun === "object"
  ? "bun"
  : `node${process.versions.node.split(".")[0]}`;

let results = [];
const moto = await startMoto();
try {
  const server = await testing.serveEmulator({
    organizations: [S3_ARCHIVE.organizationId],
    events: S3_ARCHIVE.events,
    now: () => S3_ARCHIVE.now,
    exportDelayMs: 0,
    rateLimit: false,
  });
  try {
    results = await runS3Cases({
      pkg,
      s3,
      endpoint: moto.endpoint,
      runtime,
      // node:crypto, not Web Crypto: the store's own hashing is under test.
      sha256Base64: (bytes) =>
        Promise.resolve(createHash("sha256").update(bytes).digest("base64")),
      api: { baseUrl: server.url, apiKey: server.emulator.apiKey },
    }, console.log);
  } finally {
    await server.close();
  }
} finally {
  await moto.close();
  saveResults(`${runtime}-s3`, results);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${runtime}: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
