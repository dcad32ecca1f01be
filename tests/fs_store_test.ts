/**
 * `directoryStore`: atomic, private files under one root, no key that
 * climbs out of it, streaming reads and writes that leave nothing behind
 * when they fail and keep memory flat, a sorted listing without temporary
 * files or locks, and locks that exclude a live holder (also in another
 * process), give way at once when its process is gone, and after the lease
 * otherwise.
 *
 * @module
 */

import assert from "node:assert/strict";
import { directoryStore } from "../fs.ts";
import { accessStore, LockHeldError } from "../src/archive_store.ts";
import { lines, readTree } from "./helpers.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const HOUR = 3_600_000;

/** The store as the `deno eval` children import it. */
const FS = new URL("../fs.ts", import.meta.url).href;

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fs_store_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}

/** A stream of `chunks`, then an error instead of its end. */
function failingStream(
  chunks: string[],
  error = new Error("the download broke"),
): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(bytes(chunks[i++]));
      else controller.error(error);
    },
  });
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
        // Names of temporary files: a write's cleanup could take them for one.
        "w.csv.0123456789ab.42.part",
        42 as unknown as string,
      ]
    ) {
      const what = JSON.stringify(key);
      await assert.rejects(store.put(key, bytes("x")), TypeError, what);
      await assert.rejects(store.get(key), TypeError, what);
      await assert.rejects(store.read(key), TypeError, what);
      await assert.rejects(
        store.write(key, ReadableStream.from([bytes("x")])),
        TypeError,
        what,
      );
    }
    for (
      const key of [
        "../x.lock",
        "a//b.lock",
        "a\\b.lock",
        "a\0b.lock",
        "/x.lock",
        "a/.lock",
        ".lock",
      ]
    ) {
      await assert.rejects(store.lock(key, "me"), TypeError, key);
    }
    for (const prefix of ["../", "/", "a//", "a/../", "..", "a\\", "a\0"]) {
      await assert.rejects(collect(store.keys(prefix)), TypeError, prefix);
    }
    // A lock's key is for locks only, and a lock's key ends in .lock.
    for (const key of ["a.lock", "org_1/archive.lock"]) {
      await assert.rejects(store.put(key, bytes("x")), TypeError);
      await assert.rejects(
        store.write(key, ReadableStream.from([bytes("x")])),
        TypeError,
      );
    }
    await assert.rejects(store.lock("org_1/archive", "me"), TypeError);
    await assert.rejects(store.lock("org_1/a.lock", ""), TypeError);
    await assert.rejects(
      store.write("a.csv", "x" as unknown as ReadableStream<Uint8Array>),
      TypeError,
    );
    assert.deepEqual([...(await readTree(dir)).keys()], []);
    assert.throws(() => directoryStore(""), TypeError);
    assert.throws(() => directoryStore(dir, { lease: 0 }), TypeError);
    assert.throws(() => directoryStore(dir, { lease: 1.5 }), TypeError);
    assert.throws(
      () => directoryStore(dir, { now: 1 as unknown as () => number }),
      TypeError,
    );
    assert.throws(
      () => directoryStore(dir, null as unknown as Record<string, never>),
      TypeError,
    );
  });
});

Deno.test("directoryStore leaves temporary files it cannot prove abandoned", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(dir);
    await Deno.mkdir(`${dir}/org_1`);
    // An older naming, without the writer's pid: nobody can tell whether
    // its writer is still at work, and it is fresh.
    await Deno.writeTextFile(`${dir}/org_1/w.csv.0123456789ab.part`, "half");
    // Not ours: other names stay.
    await Deno.writeTextFile(`${dir}/org_1/w.csv.notes`, "mine");
    await Deno.writeTextFile(`${dir}/org_1/v.csv.0123456789ab.part.keep`, "");
    await store.put("org_1/w.csv", bytes("whole"));
    assert.deepEqual(await names(`${dir}/org_1`), [
      "v.csv.0123456789ab.part.keep",
      "w.csv",
      "w.csv.0123456789ab.part",
      "w.csv.notes",
    ]);
    // Listing never shows a temporary file as an object.
    assert.deepEqual(await collect(store.keys("org_1/")), [
      "org_1/v.csv.0123456789ab.part.keep",
      "org_1/w.csv",
      "org_1/w.csv.notes",
    ]);
  });
});

Deno.test("directoryStore streams a file in and out: write resolves to its size, read gives its bytes back", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(dir);
    assert.equal(await store.read("org_1/w.csv"), undefined);
    const chunks = ["action,", "actor\r\n", "", "x,y\r\n"];
    const n = await store.write(
      "org_1/2026/w.csv",
      ReadableStream.from(chunks.map(bytes)),
    );
    assert.equal(n, chunks.join("").length);
    const stat = await Deno.stat(`${dir}/org_1/2026/w.csv`);
    assert.equal(stat.mode! & 0o777, 0o600);
    const stream = await store.read("org_1/2026/w.csv");
    assert.ok(stream instanceof ReadableStream);
    assert.equal(await new Response(stream).text(), chunks.join(""));
    // An empty stream is an empty object.
    assert.equal(await store.write("org_1/e.csv", ReadableStream.from([])), 0);
    assert.equal(
      await new Response(await store.read("org_1/e.csv")).text(),
      "",
    );
    // A read keeps the file it opened, even when it is replaced meanwhile.
    const big = new Uint8Array(300_000).fill(97);
    await store.put("org_1/r.csv", big);
    const open = (await store.read("org_1/r.csv"))!;
    await store.put("org_1/r.csv", bytes("new"));
    assert.equal((await new Response(open).arrayBuffer()).byteLength, 300_000);
    // A cancelled read closes its file.
    const cancelled = (await store.read("org_1/r.csv"))!;
    await cancelled.cancel();
    await assert.rejects(store.read("org_1"), /not a file/);
    assert.deepEqual([...(await readTree(dir)).keys()].sort(), [
      "org_1/2026/w.csv",
      "org_1/e.csv",
      "org_1/r.csv",
    ]);
  });
});

Deno.test("directoryStore: a stream that fails leaves no object, no temporary file, and the old object as it was", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(dir);
    await store.put("org_1/old.csv", bytes("old"));
    const broke = new Error("the download broke");
    await assert.rejects(
      store.write("org_1/old.csv", failingStream(["new, ", "half"], broke)),
      (error) => error === broke,
    );
    await assert.rejects(
      store.write("org_1/new.csv", failingStream(["half"], broke)),
      (error) => error === broke,
    );
    // An abort is a failure like any other.
    const abort = new AbortController();
    const aborted = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes("some"));
        abort.signal.addEventListener(
          "abort",
          () => controller.error(abort.signal.reason),
        );
      },
    });
    const writing = store.write("org_1/aborted.csv", aborted);
    setTimeout(() => abort.abort(), 10);
    await assert.rejects(writing, { name: "AbortError" });
    // A chunk that is not bytes fails the write, and the producer hears of it.
    let cancelled: unknown;
    const wrongType = new ReadableStream({
      pull(controller) {
        controller.enqueue("text" as unknown as Uint8Array);
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    await assert.rejects(store.write("org_1/old.csv", wrongType), TypeError);
    assert.ok(cancelled instanceof TypeError);
    assert.equal(await store.get("org_1/old.csv"), "old");
    assert.deepEqual(await names(`${dir}/org_1`), ["old.csv"]);
  });
});

Deno.test("directoryStore writes 100 MB through write with flat memory", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(dir);
    const gc = (globalThis as { gc?: () => void }).gc;
    const CHUNK = 64 * 1024;
    const TOTAL = 100 * 1024 * 1024;
    let peak = 0;
    let sent = 0;
    /**
     * Notes the RSS. Where the test may collect garbage first, it does:
     * what is measured is then what the write holds on to, not chunks
     * already dropped that the collector has not got to yet.
     */
    const sample = () => {
      gc?.();
      peak = Math.max(peak, Deno.memoryUsage().rss);
    };
    /** `total` bytes, made as they are pulled, a new chunk each time, as a download hands them over. */
    const generated = (total: number) => {
      sent = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === total) return controller.close();
          if (sent % (4 * 1024 * 1024) === 0) sample();
          controller.enqueue(new Uint8Array(CHUNK).fill(sent / CHUNK & 0xff));
          sent += CHUNK;
        },
      }, { highWaterMark: 0 });
    };
    /** Reads `key` through, checking each chunk holds what was written. */
    const readBack = async (key: string) => {
      let read = 0;
      for await (const chunk of (await store.read(key))!) {
        if (read % (4 * 1024 * 1024) === 0) sample();
        if (read % CHUNK === 0) assert.equal(chunk[0], read / CHUNK & 0xff);
        read += chunk.byteLength;
      }
      return read;
    };
    // The runtime's first large write and read set up its pools and
    // buffers once: that is not growth with the size. A small warm-up, so
    // that memory it keeps cannot hide a write that holds its body.
    await store.write("org_1/warm-up.csv", generated(8 * 1024 * 1024));
    await readBack("org_1/warm-up.csv");
    gc?.();
    let before = Deno.memoryUsage().rss;
    peak = before;
    assert.equal(await store.write("org_1/big.csv", generated(TOTAL)), TOTAL);
    peak = Math.max(peak, Deno.memoryUsage().rss);
    const grew = (peak - before) / 1024 / 1024;
    assert.ok(grew < 30, `RSS grew by ${grew.toFixed(1)} MB writing`);
    assert.equal((await Deno.stat(`${dir}/org_1/big.csv`)).size, TOTAL);
    // And back out, as flat.
    gc?.();
    before = Deno.memoryUsage().rss;
    peak = before;
    assert.equal(await readBack("org_1/big.csv"), TOTAL);
    const grewReading = (peak - before) / 1024 / 1024;
    assert.ok(
      grewReading < 30,
      `RSS grew by ${grewReading.toFixed(1)} MB reading`,
    );
  });
});

Deno.test("directoryStore lists keys in sorted order, by prefix, without temporary files and locks", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(`${dir}/root`);
    assert.deepEqual(await collect(store.keys()), []);
    const keys = [
      "org_1/2026/11/01/a.csv",
      "org_1/2026/11/02/b.csv",
      "org_1/2026.csv",
      "org_1/checkpoint.json",
      "org_10/checkpoint.json",
      "org_1a/x",
      "z",
    ];
    for (const key of [...keys].reverse()) await store.put(key, bytes(key));
    const lock = await store.lock("org_1/archive.lock", "me");
    await lock.refresh();
    await Deno.writeTextFile(
      `${dir}/root/org_1/2026.csv.aaaaaaaaaaaa.4242.part`,
      "",
    );
    await Deno.symlink(
      `${dir}/root/z`,
      `${dir}/root/org_1/linked.csv`,
    );
    await Deno.symlink(`${dir}/root/org_10`, `${dir}/root/org_1/dir-link`);
    const sorted = [...keys, "org_1/linked.csv"].sort();
    assert.deepEqual(await collect(store.keys()), sorted);
    assert.deepEqual(await collect(store.keys("")), sorted);
    assert.deepEqual(
      await collect(store.keys("org_1/")),
      sorted.filter((k) => k.startsWith("org_1/")),
    );
    assert.deepEqual(await collect(store.keys("org_1")), [
      ...sorted.filter((k) => k.startsWith("org_1/")),
      "org_10/checkpoint.json",
      "org_1a/x",
    ]);
    assert.deepEqual(await collect(store.keys("org_1/2026")), [
      "org_1/2026.csv",
      "org_1/2026/11/01/a.csv",
      "org_1/2026/11/02/b.csv",
    ]);
    assert.deepEqual(await collect(store.keys("org_1/2026/11/0")), [
      "org_1/2026/11/01/a.csv",
      "org_1/2026/11/02/b.csv",
    ]);
    assert.deepEqual(await collect(store.keys("org_2/")), []);
    assert.deepEqual(await collect(store.keys("z/")), []);
    // Through the access layer, the same.
    const access = accessStore(store);
    assert.deepEqual(await collect(access.list!("org_1/2026/")), [
      "org_1/2026/11/01/a.csv",
      "org_1/2026/11/02/b.csv",
    ]);
    await lock.release();
  });
});

/**
 * Whether this test process may read its host name: under `deno task
 * test` it may not, and then its locks name no host, and it cannot tell
 * that a lock's process has ended. The `deno eval` children always can.
 */
const HOST_KNOWN =
  Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state ===
    "granted";

/** Reads the lock file at `path` as JSON. */
async function lockFile(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(path));
}

Deno.test("directoryStore's lock: one holder at a time, a clear error for the others, refreshed and released by its holder only", async () => {
  await withDir(async (dir) => {
    let clock = Date.UTC(2026, 10, 20, 3);
    const store = directoryStore(dir, { now: () => clock });
    const path = `${dir}/org_1/archive.lock`;
    const lock = await store.lock("org_1/archive.lock", "org_1, run A");
    const taken = await lockFile(path);
    assert.deepEqual(Object.keys(taken), [
      "holder",
      "id",
      "pid",
      "host",
      "since",
      "renewedAt",
    ]);
    assert.equal(taken.holder, "org_1, run A");
    assert.equal(taken.pid, Deno.pid);
    if (HOST_KNOWN) assert.match(String(taken.host), /^[0-9a-f]{8}$/);
    else assert.equal(taken.host, null);
    assert.equal(taken.since, "2026-11-20T03:00:00.000Z");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);

    // Held, even by this very process: a second run must wait.
    const error = await store.lock("org_1/archive.lock", "org_1, run B").then(
      () => assert.fail("taken twice"),
      (e) => e,
    );
    assert.ok(error instanceof LockHeldError);
    assert.equal(error.lock, path);
    assert.equal(error.holder, "org_1, run A");
    for (
      const part of [
        `another archive run holds ${path}`,
        "org_1, run A",
        `pid ${Deno.pid} on ${HOST_KNOWN ? "this host" : "an unknown host"}`,
        "since 2026-11-20T03:00:00.000Z",
        "removed automatically once stale",
        "1 hour after its last renewal",
        "at once when its process has ended on this host",
        "Try again when it ends",
      ]
    ) {
      assert.ok(error.message.includes(part), `${part} in ${error.message}`);
    }
    // Another lock is another lock.
    const other = await store.lock("org_2/archive.lock", "org_2");
    await other.release();

    // A refresh renews the lease: an hour after it, the lock still holds.
    clock += 50 * 60_000;
    await lock.refresh();
    assert.equal(
      (await lockFile(path)).renewedAt,
      "2026-11-20T03:50:00.000Z",
    );
    assert.equal((await lockFile(path)).since, "2026-11-20T03:00:00.000Z");
    clock += HOUR;
    await assert.rejects(store.lock("org_1/archive.lock", "B"), LockHeldError);

    // Released: free at once, and the file is gone.
    await lock.release();
    await lock.release();
    assert.deepEqual(await names(`${dir}/org_1`), []);
    await assert.rejects(lock.refresh(), /no longer ours/);
    const again = await store.lock("org_1/archive.lock", "org_1, run C");
    // The first holder's release is a no-op on the new holder's lock.
    await lock.release();
    assert.equal((await lockFile(path)).holder, "org_1, run C");
    await again.release();
    assert.deepEqual(await names(`${dir}/org_1`), []);
  });
});

Deno.test("directoryStore's lock: once not renewed for the lease it is stale, and the old holder learns it lost the lock", async () => {
  await withDir(async (dir) => {
    let clock = Date.UTC(2026, 10, 20, 3);
    const store = directoryStore(dir, { now: () => clock, lease: 10 * 60_000 });
    const path = `${dir}/org_1/archive.lock`;
    const first = await store.lock("org_1/archive.lock", "run A");
    clock += 10 * 60_000;
    const held = await store.lock("org_1/archive.lock", "run B").catch((e) =>
      e
    );
    assert.ok(held instanceof LockHeldError);
    assert.match(held.message, /10 minutes after its last renewal/);
    clock += 1;
    const second = await store.lock("org_1/archive.lock", "run B");
    assert.equal((await lockFile(path)).holder, "run B");
    await assert.rejects(first.refresh(), (e: Error) => {
      assert.match(e.message, /no longer ours: it is now held by run B/);
      return true;
    });
    // The old holder's release leaves the new holder's lock alone.
    await first.release();
    assert.equal((await lockFile(path)).holder, "run B");
    await second.refresh();
    // Nothing was left on the way: neither the stale lock set aside nor a
    // refresh's temporary file.
    assert.deepEqual(await names(`${dir}/org_1`), ["archive.lock"]);
    await second.release();
  });
});

Deno.test("directoryStore's lock: a lock file that cannot be read is judged by its age", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(dir, { lease: 60_000 });
    const path = `${dir}/org_1/archive.lock`;
    await Deno.mkdir(`${dir}/org_1`);
    // What a taker killed between creating and writing it leaves.
    await Deno.writeTextFile(path, "");
    const error = await store.lock("org_1/archive.lock", "me").catch((e) => e);
    assert.ok(error instanceof LockHeldError);
    assert.match(error.message, /a holder whose lock cannot be read/);
    const old = new Date(Date.now() - 2 * 60_000);
    await Deno.utime(path, old, old);
    const lock = await store.lock("org_1/archive.lock", "me");
    assert.equal((await lockFile(path)).holder, "me");
    await lock.release();
  });
});

/**
 * A `deno eval` child that waits for a line on stdin, tries to take the
 * lock `org_1/archive.lock` of the store at `dir` for `holder`, prints
 * `won` or `held <message>`, then holds it until its stdin ends.
 */
function taker(dir: string, holder: string) {
  const code = `
    const { directoryStore } = await import(${JSON.stringify(FS)});
    const store = directoryStore(Deno.args[0]);
    const input = Deno.stdin.readable.getReader();
    console.log("ready");
    await input.read();
    let lock;
    try {
      lock = await store.lock("org_1/archive.lock", Deno.args[1]);
      console.log("won");
    } catch (error) {
      console.log("held " + error.message);
    }
    while (!(await input.read()).done);
    await lock?.release();`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code, dir, holder],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const next = lines(child.stdout);
  const input = child.stdin.getWriter();
  return {
    child,
    next,
    go: () => input.write(bytes("go\n")),
    async end(): Promise<void> {
      await input.close().catch(() => {});
      await child.status;
      await child.stdout.cancel().catch(() => {});
    },
    async kill(): Promise<void> {
      try {
        child.kill("SIGKILL");
      } catch { /* already ended */ }
      await child.status;
      await input.close().catch(() => {});
      await child.stdout.cancel().catch(() => {});
    },
  };
}

Deno.test("directoryStore's lock across processes: a live holder excludes the others; once it is killed the next taker has it at once", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/org_1/archive.lock`;
    const holder = taker(dir, "org_1, run A");
    const rival = taker(dir, "org_1, run B");
    const next = taker(dir, "org_1, run D");
    try {
      assert.equal(await holder.next(), "ready");
      await holder.go();
      assert.equal(await holder.next(), "won");
      assert.equal((await lockFile(path)).pid, holder.child.pid);

      // Another process finds it held, and so does this one.
      assert.equal(await rival.next(), "ready");
      await rival.go();
      const said = await rival.next();
      assert.match(said, /^held another archive run holds /);
      const host = (await lockFile(path)).host;
      assert.match(String(host), /^[0-9a-f]{8}$/);
      assert.ok(said.includes(`pid ${holder.child.pid} on this host`), said);
      const store = directoryStore(dir);
      await assert.rejects(
        store.lock("org_1/archive.lock", "org_1, run C"),
        (e: Error) => {
          assert.ok(e instanceof LockHeldError);
          assert.ok(e.message.includes(path), e.message);
          assert.ok(e.message.includes("org_1, run A"), e.message);
          const where = HOST_KNOWN ? "this host" : `host ${host}`;
          assert.ok(
            e.message.includes(`pid ${holder.child.pid} on ${where}`),
            e.message,
          );
          return true;
        },
      );

      // Killed: its lock is a leftover, well within its lease, and a
      // process that may ask about it takes it at once.
      await holder.kill();
      assert.equal((await lockFile(path)).pid, holder.child.pid);
      assert.equal(await next.next(), "ready");
      await next.go();
      assert.equal(await next.next(), "won");
      const now = await lockFile(path);
      assert.equal(now.holder, "org_1, run D");
      assert.equal(now.pid, next.child.pid);
      await next.end();
      assert.deepEqual(await names(`${dir}/org_1`), []);
    } finally {
      await holder.kill();
      await rival.kill();
      await next.kill();
    }
  });
});

Deno.test("directoryStore's lock across processes: of several takers of a stale lock, exactly one wins", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/org_1/archive.lock`;
    for (let round = 0; round < 3; round++) {
      // A lock its holder stopped renewing long ago, on another host.
      await Deno.mkdir(`${dir}/org_1`, { recursive: true });
      await Deno.writeTextFile(
        path,
        JSON.stringify({
          holder: "run 0",
          id: "0123456789abcdef",
          pid: 4242,
          host: "0badc0de",
          since: "2026-01-01T00:00:00.000Z",
          renewedAt: "2026-01-01T00:00:00.000Z",
        }),
      );
      const takers = Array.from(
        { length: 4 },
        (_, i) => taker(dir, `run ${i + 1}`),
      );
      try {
        for (const t of takers) assert.equal(await t.next(), "ready");
        await Promise.all(takers.map((t) => t.go()));
        const said = await Promise.all(takers.map((t) => t.next()));
        const winners = said.flatMap((s, i) => s === "won" ? [i] : []);
        assert.equal(winners.length, 1, said.join("\n"));
        const [winner] = winners;
        assert.equal((await lockFile(path)).pid, takers[winner].child.pid);
        for (const [i, s] of said.entries()) {
          if (i !== winner) assert.match(s, /^held another archive run holds/);
        }
      } finally {
        await Promise.all(takers.map((t) => t.end()));
      }
      // The winner released it as it ended; nothing else is left.
      assert.deepEqual(await names(`${dir}/org_1`), []);
    }
  });
});

Deno.test("accessStore on a directory store uses its own streaming, listing and locking", async () => {
  await withDir(async (dir) => {
    const store = directoryStore(dir);
    const access = accessStore(store);
    assert.equal(typeof access.list, "function");
    assert.equal(
      await access.write(
        "org_1/w.csv",
        ReadableStream.from([bytes("ab"), bytes("c")]),
      ),
      3,
    );
    assert.equal(await access.readText("org_1/w.csv"), "abc");
    assert.equal(
      await new Response(await access.read("org_1/w.csv")).text(),
      "abc",
    );
    assert.equal(await access.read("org_1/none.csv"), undefined);
    await access.put("org_1/checkpoint.json", bytes("{}"));
    const lock = await access.lock("org_1/archive.lock", "me");
    await assert.rejects(
      access.lock("org_1/archive.lock", "you"),
      LockHeldError,
    );
    assert.deepEqual(await collect(access.list!("")), [
      "org_1/checkpoint.json",
      "org_1/w.csv",
    ]);
    await lock.release();
    await assert.rejects(
      access.write("org_1/w.csv", failingStream(["x"])),
      /the download broke/,
    );
    assert.equal(await access.readText("org_1/w.csv"), "abc");
    assert.deepEqual(await names(`${dir}/org_1`), ["checkpoint.json", "w.csv"]);
  });
});
