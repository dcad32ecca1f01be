/**
 * The Cloudflare worker of the conformance suite (bundled with esbuild by
 * `workerd_runner.mjs`): `POST /` with `{ baseUrl }` runs every case against
 * the emulator the test process serves there, and answers the outcomes as
 * JSON.
 *
 * @module
 */

import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import * as edgeFs from "audit-log-export/fs";
import { runCases } from "./suite.js";

export default {
  async fetch(request) {
    const { baseUrl, only } = await request.json();
    const results = await runCases({ pkg, testing, edgeFs, baseUrl, only });
    return new Response(JSON.stringify(results), {
      headers: { "content-type": "application/json" },
    });
  },
};
