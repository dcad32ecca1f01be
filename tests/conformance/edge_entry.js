/**
 * The edge-runtime script of the conformance suite (bundled as an IIFE by
 * `edge_runner.mjs` and evaluated in `@edge-runtime/vm`): defines
 * `globalThis.runConformance({ baseUrl })`, which runs every case and
 * resolves with the outcomes as JSON text, so nothing crosses realms but a
 * string.
 *
 * @module
 */

import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import * as edgeFs from "audit-log-export/fs";
import { runCases } from "./suite.js";

globalThis.runConformance = async ({ baseUrl, only }) =>
  JSON.stringify(await runCases({ pkg, testing, edgeFs, baseUrl, only }));
