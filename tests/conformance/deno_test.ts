/**
 * Deno runner of the conformance suite. From the repository, the import map
 * of deno.json points `audit-log-export` at the sources; the matrix copies it
 * into a project where the name resolves to the installed npm package.
 *
 * @module
 */

import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import * as fsEntry from "audit-log-export/fs";
import { fsHost } from "./fs_host.js";
import { runAndSave } from "./results.js";

Deno.test("conformance: audit-log-export on Deno", (t) =>
  runAndSave("deno", {
    pkg,
    testing,
    fs: fsHost(fsEntry),
    test: (name: string, fn: () => Promise<void>) => t.step(name, fn),
  }));
