/**
 * Node runner (`node --test`) of the official-SDK cases: the emulator is
 * served on loopback from the installed package's `./testing`, and the
 * `@workos-inc/node` SDK of the repository's dev dependencies talks to it
 * over plain http (`https: false`, `apiHostname`, `port`), as it would to
 * api.workos.com.
 *
 * @module
 */

import process from "node:process";
import { test } from "node:test";
import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import { importTool } from "./bundle.mjs";
import { saveResults } from "./results.js";
import { runSdkCases, SDK_EMULATOR_OPTIONS } from "./workos_sdk_cases.js";

const loaded = await importTool("@workos-inc/node");
// Loaded through its CommonJS entry: named exports may sit on `default`.
const sdk = loaded.WorkOS ? loaded : loaded.default;
const major = process.versions.node.split(".")[0];

test(`the official @workos-inc/node SDK against the emulator on Node ${process.version}`, async (t) => {
  const server = await testing.serveEmulator(SDK_EMULATOR_OPTIONS);
  const results = [];
  try {
    const { hostname, port } = new URL(server.url);
    const workos = new sdk.WorkOS(server.emulator.apiKey, {
      apiHostname: hostname,
      port: Number(port),
      https: false,
    });
    await runSdkCases({
      test: (name, fn) => t.test(name, fn),
      context: {
        sdk,
        workos,
        pkg,
        config: { apiKey: server.emulator.apiKey, baseUrl: server.url },
      },
      results,
    });
  } finally {
    await server.close();
    saveResults(`node${major}-workos-sdk`, results);
  }
});
