/**
 * `directoryStore`: atomic, private files under one root, no key that
 * climbs out of it, and no temporary file left behind by a killed writer
 * once its key is written again.
 *
 * @module
 */

import assert from "node:assert/strict";
import { directoryStore } from "../fs.ts";
import { readTree } from "./helpers.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fs_store_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("directoryStore puts and gets objects as private files under its root", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(`${dir}/archive`);
    assert.equal(await store.get("org_1/checkpoint.json"), undefined);
    await store.put("org_1/2026/11/01/a.csv", bytes("action\r\nx\r\n"));
    await store.put("org_1/2026/11/01/a.csv", bytes("action\r\ny\r\n"));
    assert.equal(await store.get("org_1/2026/11/01/a.csv"), "action\r\ny\r\n");
    const stat = await Deno.stat(`${dir}/archive/org_1/2026/11/01/a.csv`);
    assert.equal(stat.mode! & 0o777, 0o600);
    assert.deepEqual([...(await readTree(dir)).keys()], [
      "archive/org_1/2026/11/01/a.csv",
    ]);
    // An empty body is an empty object, not a missing one.
    await store.put("org_1/empty.csv", new Uint8Array());
    assert.equal(await store.get("org_1/empty.csv"), "");
  });
});

Deno.test("directoryStore refuses keys that could leave its root", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(`${dir}/root`);
    for (
      const key of [
        "",
        "../x",
        "a/../../x",
        "/etc/passwd",
        "a//b",
        "a/./b",
        "a\\b",
        "a\0b",
        "a/",
      ]
    ) {
      await assert.rejects(store.put(key, bytes("x")), TypeError, key);
      await assert.rejects(store.get(key), TypeError, key);
    }
    assert.deepEqual([...(await readTree(dir)).keys()], []);
    assert.throws(() => directoryStore(""), TypeError);
  });
});

Deno.test("directoryStore removes a killed writer's temporary file when the key is written again", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(dir);
    await Deno.mkdir(`${dir}/org_1`);
    // What a process killed between writing and renaming leaves behind.
    await Deno.writeTextFile(`${dir}/org_1/w.csv.0123456789ab.part`, "half");
    // Not ours: other names stay.
    await Deno.writeTextFile(`${dir}/org_1/w.csv.notes`, "mine");
    await Deno.writeTextFile(`${dir}/org_1/v.csv.0123456789ab.part.keep`, "");
    await store.put("org_1/w.csv", bytes("whole"));
    const names = [];
    for await (const e of Deno.readDir(`${dir}/org_1`)) names.push(e.name);
    assert.deepEqual(names.sort(), [
      "v.csv.0123456789ab.part.keep",
      "w.csv",
      "w.csv.notes",
    ]);
  });
});
