/**
 * The S3 cases (`s3_cases.js`) inside Cloudflare workerd (`node --test`, via
 * miniflare, on the Node that hosts workerd): `s3_worker.js` bundled with
 * the package by its name and workerd's export conditions, without
 * `nodejs_compat`. This process starts moto and serves the package's
 * emulator on loopback; the worker reaches both with its own `fetch`
 * (miniflare lets a worker's outbound requests reach 127.0.0.1), so every
 * S3 request is signed, sent and answered inside workerd, the archive run
 * included.
 *
 * @module
 */

import { test } from "node:test";
import * as testing from "audit-log-export/testing";
import {
  bundleEntry,
  COMPATIBILITY_DATE,
  importTool,
  reportResults,
} from "./bundle.mjs";
import { saveResults } from "./results.js";
import { S3_ARCHIVE } from "./s3_cases.js";
import { startMoto } from "./s3_moto.mjs";

const { Miniflare } = await importTool("miniflare");

test("s3Store on Cloudflare workerd against moto", async (t) => {
  const script = await bundleEntry("s3_worker.js", {
    format: "esm",
    conditions: ["workerd", "worker", "browser"],
  });
  let results = [];
  const moto = await startMoto();
  let server;
  let mf;
  try {
    server = await testing.serveEmulator({
      organizations: [S3_ARCHIVE.organizationId],
      events: S3_ARCHIVE.events,
      now: () => S3_ARCHIVE.now,
      exportDelayMs: 0,
      rateLimit: false,
    });
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: COMPATIBILITY_DATE,
    });
    const response = await mf.dispatchFetch("http://worker.test/", {
      method: "POST",
      body: JSON.stringify({
        endpoint: moto.endpoint,
        api: { baseUrl: server.url, apiKey: server.emulator.apiKey },
      }),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`worker answered ${response.status}: ${text}`);
    }
    results = JSON.parse(text);
    await reportResults(t, results);
  } finally {
    await mf?.dispose();
    await server?.close();
    await moto.close();
    saveResults("workerd-s3", results);
  }
});
