/**
 * The archive's store layer (`src/archive_store.ts`, `accessStore`) on a
 * real R2 bucket binding: miniflare's, which is workerd's R2 implementation,
 * not a stand-in. The module is bundled from the sources with esbuild (it
 * is internal, so not in the package), then driven two ways: from this
 * Node process through `mf.getR2Bucket()` (every case of
 * {@link r2StoreCases}), and inside a worker on `env.BUCKET` itself, as an
 * archive on Cloudflare uses it ({@link workerCases}).
 *
 * Run from the repository with `node --test
 * tests/conformance/r2_store_runner.mjs` on the Node that hosts workerd
 * (20); the matrix counts {@link r2StoreCases} from here, so importing this
 * file starts nothing.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { COMPATIBILITY_DATE, importTool } from "./bundle.mjs";
import { saveResults } from "./results.js";
import { runRecorded } from "./suite.js";

const MiB = 1024 * 1024;
const HOUR = 3_600_000;
const SOURCE = fileURLToPath(
  new URL("../../src/archive_store.ts", import.meta.url),
);

/**
 * `size` bytes of a pattern, in chunks of `chunk` bytes made as they are
 * pulled; `failAt`, when given, errors the stream after that many bytes.
 * Written out plainly: {@link workerCases} carries its own copy into the
 * worker.
 */
function patterned(size, chunk, failAt) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAt !== undefined && sent >= failAt) {
        controller.error(new Error("the download broke"));
        return;
      }
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (sent + i) * 7 % 251;
      sent += n;
      controller.enqueue(bytes);
    },
  });
}

/** The SHA-256 and length of a stream, read chunk by chunk. */
async function digest(stream) {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { bytes, sha256: hash.digest("hex") };
}

const encode = (text) => new TextEncoder().encode(text);

/** A stream of these chunks. */
const streamOf = (...chunks) =>
  new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });

async function collect(keys) {
  const out = [];
  for await (const key of keys) out.push(key);
  return out;
}

/** A lock record as the access layer writes one, renewed at `renewedAt`. */
const lockRecord = (holder, renewedAt) =>
  JSON.stringify({
    holder,
    id: "0123456789abcdef",
    since: new Date(renewedAt).toISOString(),
    renewedAt: new Date(renewedAt).toISOString(),
  });

/**
 * What the cases get from the runner.
 *
 * @typedef {object} R2Context
 * @property {typeof import("../../src/archive_store.ts")} store  the bundled module
 * @property {any} bucket  the R2 binding, through miniflare's proxy
 * @property {(name: string) => Promise<unknown>} inWorker  runs one of {@link workerCases} in workerd
 */

/** @type {Array<{ name: string, run: (context: R2Context) => Promise<void> }>} */
export const r2StoreCases = [
  {
    name:
      "an R2 binding is recognised as it is: small objects are put, read as text and as a stream, absent ones are undefined",
    async run({ store, bucket }) {
      const access = store.accessStore(bucket);
      assert.equal(typeof access.list, "function");
      assert.equal(await access.readText("small/none.json"), undefined);
      assert.equal(await access.read("small/none.json"), undefined);
      await access.put("small/checkpoint.json", encode('{"end":1}'));
      assert.equal(await access.readText("small/checkpoint.json"), '{"end":1}');
      assert.equal(
        await new Response(await access.read("small/checkpoint.json")).text(),
        '{"end":1}',
      );
      // Below one part: one plain put.
      const n = await access.write("small/w.csv", patterned(300_000, 65_536));
      assert.equal(n, 300_000);
      assert.doesNotMatch((await bucket.head("small/w.csv")).etag, /-/);
      assert.deepEqual(
        await digest((await bucket.get("small/w.csv")).body),
        await digest(patterned(300_000, 65_536)),
      );
      assert.equal(await access.write("small/e.csv", patterned(0, 1)), 0);
      // A chunk that is a view into a larger buffer stores the view only.
      const buffer = encode("xxxxxaction\r\nyyyyy");
      const view = buffer.subarray(5, 13);
      assert.equal(
        await access.write("small/view.csv", streamOf(view)),
        8,
      );
      assert.equal(await access.readText("small/view.csv"), "action\r\n");
      assert.equal((await bucket.head("small/e.csv")).size, 0);
    },
  },
  {
    name:
      "a write of ~20 MB goes up in 8 MiB parts and reads back identical; a multiple of the part size leaves no empty part",
    async run({ store, bucket }) {
      const access = store.accessStore(bucket);
      assert.equal(store.R2_PART_SIZE, 8 * MiB);
      const size = 20 * MiB + 12_345;
      // Odd chunks, so parts are cut across them.
      assert.equal(
        await access.write("big/w.csv", patterned(size, 100_003)),
        size,
      );
      const object = await bucket.head("big/w.csv");
      assert.equal(object.size, size);
      // A multipart object's etag ends in its number of parts.
      assert.match(object.etag, /-3$/);
      assert.deepEqual(
        await digest(await access.read("big/w.csv")),
        await digest(patterned(size, 100_003)),
      );
      const exact = 16 * MiB;
      assert.equal(
        await access.write("big/exact.csv", patterned(exact, MiB)),
        exact,
      );
      assert.match((await bucket.head("big/exact.csv")).etag, /-2$/);
      assert.deepEqual(
        await digest(await access.read("big/exact.csv")),
        await digest(patterned(exact, MiB)),
      );
    },
  },
  {
    name:
      "a stream that fails, before or after its first part, leaves no object and the old one unchanged",
    async run({ store, bucket }) {
      const access = store.accessStore(bucket);
      for (const failAt of [100_000, 12 * MiB, 17 * MiB]) {
        await assert.rejects(
          access.write(
            `fail/new-${failAt}.csv`,
            patterned(20 * MiB, MiB, failAt),
          ),
          /the download broke/,
        );
        assert.equal(await bucket.head(`fail/new-${failAt}.csv`), null);
      }
      await access.put("fail/old.csv", encode("old"));
      await assert.rejects(
        access.write("fail/old.csv", patterned(20 * MiB, MiB, 9 * MiB)),
        /the download broke/,
      );
      assert.equal(await access.readText("fail/old.csv"), "old");
      // A chunk that is not bytes is a failure too.
      const text = new ReadableStream({
        pull: (controller) => controller.enqueue("text"),
      });
      await assert.rejects(access.write("fail/old.csv", text), TypeError);
      assert.equal(await access.readText("fail/old.csv"), "old");
      assert.deepEqual(await collect(access.list("fail/")), ["fail/old.csv"]);
    },
  },
  {
    name:
      "list pages through more than 1000 keys by cursor, sorted, by prefix, without locks",
    async run({ store, bucket }) {
      const access = store.accessStore(bucket);
      const keys = Array.from(
        { length: 1050 },
        (_, i) => `many/${String(i).padStart(5, "0")}.csv`,
      );
      for (let i = 0; i < keys.length; i += 100) {
        await Promise.all(
          keys.slice(i, i + 100).map((k) => bucket.put(k, "x")),
        );
      }
      await bucket.put("many/archive.lock", "{}");
      await bucket.put("many-other/x.csv", "x");
      // Miniflare pages by 1000, as R2 does.
      assert.equal((await bucket.list({ prefix: "many/" })).truncated, true);
      assert.deepEqual(await collect(access.list("many/")), keys);
      assert.deepEqual(
        await collect(access.list("many/0120")),
        keys.filter((k) => k.startsWith("many/0120")),
      );
      const all = await collect(access.list(""));
      assert.ok(all.includes("many-other/x.csv"));
      assert.ok(!all.includes("many/archive.lock"));
      assert.deepEqual(all, [...all].sort());
      await assert.rejects(collect(access.list("../")), TypeError);
    },
  },
  {
    name:
      "lock: created only when absent, one holder at a time, a clear error for the others, refreshed and released by its holder only",
    async run({ store, bucket }) {
      let clock = Date.UTC(2026, 10, 20, 3);
      const access = store.accessStore(bucket, { now: () => clock });
      const lock = await access.lock("locks/a.lock", "org_1, run A");
      const stored = JSON.parse(
        await (await bucket.get("locks/a.lock")).text(),
      );
      assert.equal(stored.holder, "org_1, run A");
      assert.equal(stored.since, "2026-11-20T03:00:00.000Z");
      const held = await access.lock("locks/a.lock", "org_1, run B").catch(
        (e) => e,
      );
      assert.equal(held.name, "LockHeldError");
      for (
        const part of [
          "another archive run holds the bucket's locks/a.lock",
          "org_1, run A",
          "since 2026-11-20T03:00:00.000Z",
          "1 hour after its last renewal",
          "Try again when it ends",
        ]
      ) {
        assert.ok(held.message.includes(part), `${part} in ${held.message}`);
      }
      clock += HOUR - 1;
      await lock.refresh();
      clock += HOUR;
      await assert.rejects(access.lock("locks/a.lock", "B"), /holds/);
      await lock.release();
      assert.equal(await bucket.head("locks/a.lock"), null);
      await assert.rejects(lock.refresh(), /no longer ours/);
      const again = await access.lock("locks/a.lock", "org_1, run C");
      await lock.release();
      assert.equal(
        JSON.parse(await (await bucket.get("locks/a.lock")).text()).holder,
        "org_1, run C",
      );
      await again.release();
      assert.equal(await bucket.head("locks/a.lock"), null);
    },
  },
  {
    name:
      "lock: stale once not renewed for the lease, taken over by exactly one of many concurrent takers; the old holder learns it lost it",
    async run({ store, bucket }) {
      let clock = Date.UTC(2026, 10, 20, 3);
      const access = store.accessStore(bucket, {
        now: () => clock,
        lease: 10 * 60_000,
      });
      const first = await access.lock("locks/b.lock", "run A");
      clock += 10 * 60_000 + 1;
      const takers = await Promise.allSettled(
        Array.from(
          { length: 8 },
          (_, i) => access.lock("locks/b.lock", `run ${i + 1}`),
        ),
      );
      const won = takers.filter((t) => t.status === "fulfilled");
      assert.equal(won.length, 1, JSON.stringify(takers.map((t) => t.status)));
      for (const t of takers) {
        if (t.status === "rejected") {
          assert.equal(t.reason.name, "LockHeldError", t.reason.message);
        }
      }
      const holder = JSON.parse(await (await bucket.get("locks/b.lock")).text())
        .holder;
      assert.match(holder, /^run [1-8]$/);
      await assert.rejects(
        first.refresh(),
        new RegExp(`no longer ours: it is now held by ${holder}`),
      );
      await first.release();
      assert.equal(
        JSON.parse(await (await bucket.get("locks/b.lock")).text()).holder,
        holder,
      );
      await won[0].value.refresh();
      await won[0].value.release();

      // A lock left by a run that died an hour ago, by the default lease.
      await bucket.put(
        "locks/c.lock",
        lockRecord("run 0", Date.now() - 2 * HOUR),
      );
      const taken = await store.accessStore(bucket).lock("locks/c.lock", "me");
      await taken.release();
      // One that cannot be read is judged by when it was written.
      await bucket.put("locks/d.lock", "garbage");
      await assert.rejects(
        store.accessStore(bucket).lock("locks/d.lock", "me"),
        /a holder whose lock cannot be read/,
      );
      const later = store.accessStore(bucket, {
        now: () => Date.now() + 2 * HOUR,
      });
      await (await later.lock("locks/d.lock", "me")).release();
    },
  },
  {
    name:
      "inside workerd, on env.BUCKET itself: 20 MB multipart write read back identical, a failed stream leaves nothing, the lock excludes",
    async run({ inWorker }) {
      assert.deepEqual(await inWorker("multipart"), {
        bytes: 20 * MiB + 12_345,
        same: true,
        list: ["worker/w.csv"],
      });
      assert.deepEqual(await inWorker("failed"), { object: null, old: "old" });
      assert.deepEqual(await inWorker("lock"), {
        held: "LockHeldError",
        released: null,
      });
    },
  },
];

/**
 * The cases run inside the worker, on `env.BUCKET`. Turned into source with
 * `toString()`, so it uses nothing from this module's scope.
 */
async function workerCases(accessStore, env, name) {
  const stream = (size, chunk, failAt) => {
    let sent = 0;
    return new ReadableStream({
      pull(controller) {
        if (failAt !== undefined && sent >= failAt) {
          controller.error(new Error("the download broke"));
          return;
        }
        if (sent >= size) return controller.close();
        const n = Math.min(chunk, size - sent);
        const bytes = new Uint8Array(n);
        for (let i = 0; i < n; i++) bytes[i] = (sent + i) * 7 % 251;
        sent += n;
        controller.enqueue(bytes);
      },
    });
  };
  const access = accessStore(env.BUCKET);
  if (name === "multipart") {
    const size = 20 * 1024 * 1024 + 12_345;
    const bytes = await access.write("worker/w.csv", stream(size, 100_003));
    let at = 0;
    let same = true;
    for await (const chunk of await access.read("worker/w.csv")) {
      for (let i = 0; i < chunk.byteLength; i++) {
        if (chunk[i] !== (at + i) * 7 % 251) same = false;
      }
      at += chunk.byteLength;
    }
    const list = [];
    for await (const key of access.list("worker/")) list.push(key);
    return { bytes, same: same && at === size, list };
  }
  if (name === "failed") {
    await access.put("worker/old.csv", new TextEncoder().encode("old"));
    for (const key of ["worker/new.csv", "worker/old.csv"]) {
      try {
        await access.write(
          key,
          stream(20 * 1024 * 1024, 1024 * 1024, 9 * 1024 * 1024),
        );
      } catch { /* expected */ }
    }
    return {
      object: await env.BUCKET.head("worker/new.csv"),
      old: await access.readText("worker/old.csv"),
    };
  }
  if (name === "lock") {
    const lock = await access.lock("worker/archive.lock", "worker run");
    const held = await access.lock("worker/archive.lock", "another").then(
      () => "taken twice",
      (e) => e.name,
    );
    await lock.release();
    return { held, released: await env.BUCKET.head("worker/archive.lock") };
  }
  throw new Error(`no worker case ${name}`);
}

/** The bundled access layer, as an ES module's source. */
async function bundle(esbuild, contents) {
  const result = await esbuild.build({
    stdin: {
      contents,
      resolveDir: fileURLToPath(new URL(".", import.meta.url)),
      loader: "js",
    },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

/** Runs {@link r2StoreCases} through `test` and saves the outcomes. */
async function main() {
  const esbuild = await importTool("esbuild");
  const { Miniflare } = await importTool("miniflare");
  const store = await import(
    `data:text/javascript;base64,${
      Buffer.from(
        await bundle(esbuild, `export * from ${JSON.stringify(SOURCE)};`),
      ).toString("base64")
    }`
  );
  const script = await bundle(
    esbuild,
    `import { accessStore } from ${JSON.stringify(SOURCE)};
     const cases = ${workerCases.toString()};
     export default {
       async fetch(request, env) {
         const name = new URL(request.url).pathname.slice(1);
         try {
           return Response.json({ ok: true, value: await cases(accessStore, env, name) });
         } catch (error) {
           return Response.json({ ok: false, error: String(error?.stack ?? error) });
         }
       },
     };`,
  );
  const results = [];
  let mf;
  try {
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: COMPATIBILITY_DATE,
      r2Buckets: ["BUCKET"],
    });
    const bucket = await mf.getR2Bucket("BUCKET");
    const inWorker = async (name) => {
      const response = await mf.dispatchFetch(`http://worker/${name}`);
      const outcome = await response.json();
      if (!outcome.ok) throw new Error(outcome.error);
      return outcome.value;
    };
    await runRecorded({
      test,
      cases: r2StoreCases,
      context: { store, bucket, inWorker },
      results,
    });
  } finally {
    await mf?.dispose();
    saveResults("workerd-r2-store", results);
  }
}

if (
  process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href
) {
  await main();
}
