/**
 * Node runner (`node --test`): the package through `require`, i.e. its
 * CommonJS build. The suite itself is an ES module, loaded with `import()`.
 *
 * @module
 */

"use strict";

const { test } = require("node:test");
const pkg = require("audit-log-export");
const testing = require("audit-log-export/testing");
const fsEntry = require("audit-log-export/fs");

const major = process.versions.node.split(".")[0];

test(`conformance: require("audit-log-export") on Node ${process.version}`, async (t) => {
  const { runAndSave } = await import("./results.js");
  const { fsHost } = await import("./fs_host.js");
  await runAndSave(`node${major}-require`, {
    pkg,
    testing,
    fs: fsHost(fsEntry),
    test: (name, fn) => t.test(name, fn),
  });
});
