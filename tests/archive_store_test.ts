/**
 * `accessStore`: what the archive gets from a store with only `get` and
 * `put` (reads through `get` whatever it answers, writes buffered into one
 * `put`, no listing, a best-effort lease lock), from a store that brings
 * its own `read`, `write`, `keys` and `lock`, and what it refuses: stores
 * that are not stores, keys that are not keys. The directory store is
 * tested in fs_store_test.ts, R2 in conformance/r2_store_runner.mjs.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ArchiveStore } from "../mod.ts";
import {
  accessStore,
  DEFAULT_LEASE_MS,
  LockHeldError,
  type StoreLock,
} from "../src/archive_store.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A store in memory with only `get` and `put`, as a user writes one; it records its puts. */
function memoryStore(
  answer: (b: Uint8Array) => unknown = (b) => text(b),
): ArchiveStore & { objects: Map<string, Uint8Array>; puts: string[] } {
  const objects = new Map<string, Uint8Array>();
  const puts: string[] = [];
  return {
    objects,
    puts,
    get: (key) =>
      Promise.resolve(
        objects.has(key) ? answer(objects.get(key)!) : null,
      ) as ReturnType<ArchiveStore["get"]>,
    put(key, body) {
      puts.push(key);
      objects.set(key, body.slice());
      return Promise.resolve();
    },
  };
}

/** A stream of `chunks`, then an error instead of its end. */
function failingStream(chunks: string[], error: Error) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(bytes(chunks[i++]));
      else controller.error(error);
    },
  });
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}

Deno.test("accessStore refuses what is not a store, and options that are not options", () => {
  const noGet = { put: () => Promise.resolve() };
  const noPut = { get: () => Promise.resolve(null) };
  for (
    const store of [
      undefined,
      null,
      "./archive",
      42,
      {},
      noGet,
      noPut,
      { get: "x", put: () => Promise.resolve() },
      { get: () => Promise.resolve(null), put: 1 },
    ]
  ) {
    assert.throws(
      () => accessStore(store as unknown as ArchiveStore),
      TypeError,
      JSON.stringify(store),
    );
  }
  assert.throws(() => accessStore(noGet as unknown as ArchiveStore), /get/);
  assert.throws(() => accessStore(noPut as unknown as ArchiveStore), /put/);
  const store = memoryStore();
  for (
    const options of [
      null,
      { now: 1 },
      { lease: 0 },
      { lease: -1 },
      { lease: 0.5 },
      { lease: Infinity },
      { lease: "1h" },
    ]
  ) {
    assert.throws(
      () => accessStore(store, options as never),
      TypeError,
      JSON.stringify(options),
    );
  }
});

Deno.test("accessStore refuses keys that are not keys, for every store", async () => {
  const access = accessStore(memoryStore());
  const listingStore = {
    ...memoryStore(),
    async *keys(_prefix: string) {
      yield* [];
    },
  };
  const listing = accessStore(listingStore);
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
      "w.csv.0123456789ab.42.part",
      42,
      undefined,
    ] as string[]
  ) {
    const what = JSON.stringify(key);
    await assert.rejects(access.readText(key), TypeError, what);
    await assert.rejects(access.read(key), TypeError, what);
    await assert.rejects(access.put(key, bytes("x")), TypeError, what);
    await assert.rejects(
      access.write(key, ReadableStream.from([bytes("x")])),
      TypeError,
      what,
    );
    await assert.rejects(access.lock(`${key}`, "me"), TypeError, what);
  }
  for (const prefix of ["../", "/", "a//", "a/../", "..", "a\\", 1]) {
    await assert.rejects(
      collect(listing.list!(prefix as string)),
      TypeError,
      String(prefix),
    );
  }
  // A lock's key is for lock() alone; a lock's key ends in .lock.
  for (const key of ["archive.lock", "org_1/archive.lock"]) {
    await assert.rejects(access.put(key, bytes("x")), /names a lock/);
    await assert.rejects(
      access.write(key, ReadableStream.from([bytes("x")])),
      /names a lock/,
    );
  }
  for (const key of ["org_1/archive", "org_1/.lock", ".lock", "a.lock/b"]) {
    await assert.rejects(access.lock(key, "me"), TypeError, key);
  }
  for (const holder of ["", "  ", 1, undefined]) {
    await assert.rejects(
      access.lock("a.lock", holder as string),
      TypeError,
      String(holder),
    );
  }
  await assert.rejects(access.put("a.csv", "x" as never), TypeError);
  await assert.rejects(access.write("a.csv", "x" as never), TypeError);
});

Deno.test("accessStore reads a get/put store's objects whatever get answers: a string, text(), a body, or nothing", async () => {
  const answers: [string, (b: Uint8Array) => unknown][] = [
    ["a string", (b) => text(b)],
    ["text()", (b) => ({ text: () => Promise.resolve(text(b)) })],
    ["a Response", (b) => new Response(text(b))],
  ];
  for (const [what, answer] of answers) {
    const store = memoryStore(answer);
    const access = accessStore(store);
    await store.put("org_1/w.csv", bytes("action\r\nx\r\n"));
    await store.put("org_1/empty.csv", new Uint8Array());
    assert.equal(await access.readText("org_1/w.csv"), "action\r\nx\r\n", what);
    assert.equal(
      await new Response(await access.read("org_1/w.csv")).text(),
      "action\r\nx\r\n",
      what,
    );
    assert.equal(await access.readText("org_1/empty.csv"), "", what);
    assert.equal(
      await new Response(await access.read("org_1/empty.csv")).text(),
      "",
      what,
    );
    assert.equal(await access.readText("org_1/none.csv"), undefined, what);
    assert.equal(await access.read("org_1/none.csv"), undefined, what);
  }
  // undefined is "none" too.
  const undefinedStore = {
    get: () => Promise.resolve(undefined),
    put: () => Promise.resolve(),
  };
  assert.equal(await accessStore(undefinedStore).readText("x"), undefined);
  // Anything else is the store's mistake, said as such.
  for (const wrong of [42, {}, { text: () => Promise.resolve(1) }]) {
    const access = accessStore({
      get: () => Promise.resolve(wrong as string),
      put: () => Promise.resolve(),
    });
    await assert.rejects(
      access.readText("org_1/x"),
      /store\.get\("org_1\/x"\)/,
    );
    await assert.rejects(access.read("org_1/x"), TypeError);
  }
});

Deno.test("accessStore writes a stream to a get/put store in one put, or not at all", async () => {
  const store = memoryStore();
  const access = accessStore(store);
  assert.equal(access.list, undefined);
  await access.put("org_1/checkpoint.json", bytes("{}"));
  const n = await access.write(
    "org_1/w.csv",
    ReadableStream.from(["action\r\n", "", "x\r\n"].map(bytes)),
  );
  assert.equal(n, 11);
  assert.equal(text(store.objects.get("org_1/w.csv")!), "action\r\nx\r\n");
  assert.equal(await access.write("org_1/e.csv", ReadableStream.from([])), 0);
  assert.deepEqual(store.objects.get("org_1/e.csv"), new Uint8Array());
  assert.deepEqual(store.puts, [
    "org_1/checkpoint.json",
    "org_1/w.csv",
    "org_1/e.csv",
  ]);

  // A stream that fails puts nothing: the old object stays.
  const broke = new Error("the download broke");
  await assert.rejects(
    access.write("org_1/w.csv", failingStream(["new", "half"], broke)),
    (e) => e === broke,
  );
  let cancelled: unknown;
  const wrongType = new ReadableStream({
    pull(controller) {
      controller.enqueue("text");
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  await assert.rejects(
    access.write("org_1/w.csv", wrongType as ReadableStream<Uint8Array>),
    TypeError,
  );
  assert.ok(cancelled instanceof TypeError);
  assert.equal(text(store.objects.get("org_1/w.csv")!), "action\r\nx\r\n");
  assert.equal(store.puts.length, 3);

  // A chunk that is a view into a larger buffer is put as the view alone,
  // in a buffer of its own: a store may well keep or send `body.buffer`.
  const bodies: Uint8Array[] = [];
  const keeping = accessStore({
    get: () => Promise.resolve(null),
    put: (_key, body) => Promise.resolve(void bodies.push(body)),
  });
  const view = bytes("xxxxxaction\r\nyyyyy").subarray(5, 13);
  assert.equal(await keeping.write("v.csv", ReadableStream.from([view])), 8);
  assert.equal(text(bodies[0]), "action\r\n");
  assert.equal(bodies[0].buffer.byteLength, 8);

  // A put that fails fails the write.
  const failing = accessStore({
    get: () => Promise.resolve(null),
    put: () => Promise.reject(new Error("disk full")),
  });
  await assert.rejects(
    failing.write("a.csv", ReadableStream.from([bytes("x")])),
    /disk full/,
  );
});

Deno.test("accessStore uses a store's own read, write, keys and lock, and counts what write stored", async () => {
  const store = memoryStore();
  const calls: string[] = [];
  let written = "";
  const ownLock: StoreLock = {
    refresh: () => Promise.resolve(void calls.push("refresh")),
    release: () => Promise.resolve(void calls.push("release")),
  };
  const own = {
    ...store,
    read(key: string) {
      calls.push(`read ${key}`);
      return Promise.resolve(
        key === "none" ? null : ReadableStream.from([bytes("streamed")]),
      );
    },
    async write(key: string, body: ReadableStream<Uint8Array>) {
      calls.push(`write ${key}`);
      // Says nothing about its size: the access layer counts.
      written = await new Response(body).text();
    },
    async *keys(prefix: string) {
      calls.push(`keys ${prefix}`);
      yield* ["org_1/a.csv", "org_1/archive.lock", "org_1/b.csv"];
    },
    lock(key: string, holder: string) {
      calls.push(`lock ${key} ${holder}`);
      return Promise.resolve(ownLock);
    },
  };
  const access = accessStore(own);
  assert.equal(
    await new Response(await access.read("org_1/a.csv")).text(),
    "streamed",
  );
  assert.equal(await access.read("none"), undefined);
  assert.equal(
    await access.write(
      "org_1/a.csv",
      ReadableStream.from([bytes("ab"), bytes("cd")]),
    ),
    4,
  );
  assert.equal(written, "abcd");
  // Locks are never listed.
  assert.deepEqual(await collect(access.list!("org_1/")), [
    "org_1/a.csv",
    "org_1/b.csv",
  ]);
  assert.equal(await access.lock("org_1/archive.lock", "me"), ownLock);
  assert.deepEqual(calls, [
    "read org_1/a.csv",
    "read none",
    "write org_1/a.csv",
    "keys org_1/",
    "lock org_1/archive.lock me",
  ]);
  // A held lock reported with another copy of the class (as the npm
  // build's ./fs entry has) reaches the archive as this module's class.
  class CopiedLockHeldError extends Error {
    override readonly name = "LockHeldError";
    readonly lock = "/archive/org_1/archive.lock";
    readonly holder = "run A";
  }
  const copied = new CopiedLockHeldError("another archive run holds …");
  /** A store whose own lock fails with `error`. */
  const lockFailing = (error: Error) => {
    const failing = { ...store, lock: () => Promise.reject(error) };
    return accessStore(failing);
  };
  const other = lockFailing(copied);
  await assert.rejects(other.lock("org_1/archive.lock", "me"), (e) => {
    assert.ok(e instanceof LockHeldError);
    assert.equal(e.message, copied.message);
    assert.equal(e.lock, copied.lock);
    assert.equal(e.holder, "run A");
    assert.equal(e.cause, copied);
    return true;
  });
  const broken = new Error("disk full");
  await assert.rejects(
    lockFailing(broken).lock("org_1/archive.lock", "me"),
    (e) => e === broken,
  );

  // The store's own write sees a failing stream fail.
  await assert.rejects(
    access.write("org_1/b.csv", failingStream(["x"], new Error("broke"))),
    /broke/,
  );
});

Deno.test("accessStore's lease lock on a get/put store: held until released or stale, refreshed and released by its holder only", async () => {
  let clock = Date.UTC(2026, 10, 20, 3);
  const store = memoryStore();
  const access = accessStore(store, { now: () => clock });
  const lock = await access.lock("org_1/archive.lock", "org_1, run A");
  const stored = JSON.parse(text(store.objects.get("org_1/archive.lock")!));
  assert.deepEqual(Object.keys(stored), ["holder", "id", "since", "renewedAt"]);
  assert.equal(stored.holder, "org_1, run A");
  assert.equal(stored.since, "2026-11-20T03:00:00.000Z");

  const held = await access.lock("org_1/archive.lock", "org_1, run B").catch(
    (e) => e,
  );
  assert.ok(held instanceof LockHeldError);
  assert.equal(held.holder, "org_1, run A");
  assert.equal(held.lock, "the store's org_1/archive.lock");
  for (
    const part of [
      "another archive run holds the store's org_1/archive.lock",
      "org_1, run A",
      "since 2026-11-20T03:00:00.000Z",
      "removed automatically once stale (1 hour after its last renewal)",
      "Try again when it ends",
    ]
  ) {
    assert.ok(held.message.includes(part), `${part} in ${held.message}`);
  }

  // Refreshed, it holds past the first hour.
  clock += DEFAULT_LEASE_MS - 1;
  await lock.refresh();
  clock += DEFAULT_LEASE_MS;
  await assert.rejects(access.lock("org_1/archive.lock", "B"), LockHeldError);
  // Released, it is free at once; the first holder cannot refresh it any more.
  await lock.release();
  await assert.rejects(lock.refresh(), /no longer ours: it was released/);
  const second = await access.lock("org_1/archive.lock", "org_1, run B");
  await lock.release();
  assert.equal(
    JSON.parse(text(store.objects.get("org_1/archive.lock")!)).holder,
    "org_1, run B",
  );

  // Not renewed for the lease: stale, taken over, and the old holder hears it.
  clock += DEFAULT_LEASE_MS + 1;
  const third = await access.lock("org_1/archive.lock", "org_1, run C");
  await assert.rejects(
    second.refresh(),
    /no longer ours: it is now held by org_1, run C/,
  );
  await second.release();
  await third.refresh();
  await third.release();

  // Something that is not a lock record is no lock.
  store.objects.set("org_1/archive.lock", bytes("garbage"));
  const fourth = await access.lock("org_1/archive.lock", "D");
  await fourth.release();
});

Deno.test("accessStore's lease lock on a get/put store: a holder that reads back another's record does not hold it", async () => {
  const store = memoryStore();
  // A store where another run's put lands right after ours.
  const racing: ArchiveStore = {
    get: store.get,
    async put(key, body) {
      await store.put(key, body);
      if (key.endsWith(".lock") && text(body).includes('"mine"')) {
        await store.put(
          key,
          bytes(JSON.stringify({
            holder: "the other run",
            id: "ffff",
            since: new Date().toISOString(),
            renewedAt: new Date().toISOString(),
          })),
        );
      }
    },
  };
  await assert.rejects(
    accessStore(racing).lock("org_1/archive.lock", "mine"),
    (e: Error) => e instanceof LockHeldError && /the other run/.test(e.message),
  );
  const lease = accessStore(store, { lease: 1000 });
  await assert.rejects(
    lease.lock("org_1/archive.lock", "me"),
    /1 second after/,
  );
});
