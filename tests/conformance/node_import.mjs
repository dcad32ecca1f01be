/**
 * Node runner (`node --test`): the package through `import`, i.e. its ESM
 * build and `.d.ts` types.
 *
 * @module
 */

import { test } from "node:test";
import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import * as fsEntry from "audit-log-export/fs";
import { fsHost } from "./fs_host.js";
import { runAndSave } from "./results.js";

const major = process.versions.node.split(".")[0];

test(`conformance: import "audit-log-export" on Node ${process.version}`, (t) =>
  runAndSave(`node${major}-import`, {
    pkg,
    testing,
    fs: fsHost(fsEntry),
    test: (name, fn) => t.test(name, fn),
  }));
