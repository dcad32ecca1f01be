/**
 * The atomic write under `--out` and `directoryStore`: a file is replaced
 * whole or not at all, and no temporary file outlives a failed write.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  isTempFileOf,
  PendingFile,
  writeFileAtomic,
} from "../src/atomic_write.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "atomic_write_" });
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

/** Yields `chunks`, then fails as a broken download does. */
function failingStream(chunks: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(bytes(chunks[i++]));
      else controller.error(new Error("connection reset"));
    },
  });
}

Deno.test("writeFileAtomic writes bytes, chunks and streams whole, private by default", async () => {
  await withDir(async (dir) => {
    await writeFileAtomic(`${dir}/a.csv`, bytes("one\r\n"));
    assert.equal(await Deno.readTextFile(`${dir}/a.csv`), "one\r\n");
    assert.equal((await Deno.stat(`${dir}/a.csv`)).mode! & 0o777, 0o600);

    await writeFileAtomic(`${dir}/a.csv`, [bytes("two"), bytes("\r\n")]);
    assert.equal(await Deno.readTextFile(`${dir}/a.csv`), "two\r\n");

    const stream = ReadableStream.from([bytes("th"), bytes("ree")]);
    await writeFileAtomic(`${dir}/b.csv`, stream, { mode: 0o640 });
    assert.equal(await Deno.readTextFile(`${dir}/b.csv`), "three");
    assert.equal((await Deno.stat(`${dir}/b.csv`)).mode! & 0o777, 0o640);

    await writeFileAtomic(`${dir}/empty.csv`, new Uint8Array());
    assert.equal(await Deno.readTextFile(`${dir}/empty.csv`), "");
    assert.deepEqual(await names(dir), ["a.csv", "b.csv", "empty.csv"]);
  });
});

Deno.test("writeFileAtomic: a source that fails mid-write leaves no file and no temporary file", async () => {
  await withDir(async (dir) => {
    await assert.rejects(
      writeFileAtomic(`${dir}/new.csv`, failingStream(["half", "way"])),
      /connection reset/,
    );
    assert.deepEqual(await names(dir), []);
  });
});

Deno.test("writeFileAtomic: a failed write leaves the existing file as it was", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/old.csv`;
    await Deno.writeTextFile(target, "OLD CONTENT\n", { mode: 0o644 });
    await Deno.chmod(target, 0o644);
    const before = await Deno.stat(target);
    await assert.rejects(
      writeFileAtomic(target, failingStream(["NEW", "PARTIAL"])),
      /connection reset/,
    );
    // A generator that throws after yielding fails the same way.
    async function* broken() {
      yield bytes("NEW");
      throw new Error("source broke");
    }
    await assert.rejects(writeFileAtomic(target, broken()), /source broke/);
    assert.equal(await Deno.readTextFile(target), "OLD CONTENT\n");
    const after = await Deno.stat(target);
    assert.equal(after.ino, before.ino, "the same file, not a replacement");
    assert.equal(after.mode! & 0o777, 0o644);
    assert.deepEqual(await names(dir), ["old.csv"]);
  });
});

Deno.test("writeFileAtomic: a rename that fails removes the temporary file", async () => {
  await withDir(async (dir) => {
    // A directory in the way: the rename of a file over it fails.
    await Deno.mkdir(`${dir}/taken`);
    await Deno.writeTextFile(`${dir}/taken/keep`, "x");
    await assert.rejects(writeFileAtomic(`${dir}/taken`, bytes("data")));
    assert.deepEqual(await names(dir), ["taken"]);
    assert.deepEqual(await names(`${dir}/taken`), ["keep"]);
  });
});

Deno.test("PendingFile keeps the target until commit, and discard removes every trace", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/out.csv`;
    await Deno.writeTextFile(target, "OLD");

    const file = await PendingFile.create(target, { hidden: true });
    assert.ok(isTempFileOf(
      file.tempPath.slice(dir.length + 1),
      "out.csv",
      { hidden: true },
    ));
    await file.write(bytes("NEW "));
    await file.write(bytes("CONTENT"));
    await file.finish();
    // Finished: complete, readable, and not yet in place.
    assert.equal(await Deno.readTextFile(file.tempPath), "NEW CONTENT");
    assert.equal(await Deno.readTextFile(target), "OLD");
    assert.equal(file.renamed, false);
    await file.commit();
    assert.equal(file.renamed, true);
    assert.equal(await Deno.readTextFile(target), "NEW CONTENT");
    // Committed: discard has nothing left to take back.
    await file.discard();
    assert.deepEqual(await names(dir), ["out.csv"]);

    const dropped = await PendingFile.create(target);
    await dropped.write(bytes("NEVER"));
    await dropped.discard();
    await dropped.discard();
    await assert.rejects(dropped.write(bytes("late")), /closed/);
    assert.equal(await Deno.readTextFile(target), "NEW CONTENT");
    assert.deepEqual(await names(dir), ["out.csv"]);
  });
});

Deno.test("isTempFileOf knows its own names and nobody else's", () => {
  assert.ok(isTempFileOf("w.csv.0123456789ab.part", "w.csv"));
  assert.ok(
    isTempFileOf(".w.csv.0123456789ab.part", "w.csv", { hidden: true }),
  );
  assert.ok(!isTempFileOf(".w.csv.0123456789ab.part", "w.csv"));
  assert.ok(
    !isTempFileOf("w.csv.0123456789ab.part", "w.csv", { hidden: true }),
  );
  for (
    const other of [
      "w.csv",
      "w.csv.notes",
      "w.csv.0123456789ab.part.keep",
      "w.csv.0123456789AB.part",
      "w.csv.0123456789a.part",
      "x.csv.0123456789ab.part",
      "w.csv.x.0123456789ab.part",
    ]
  ) {
    assert.ok(!isTempFileOf(other, "w.csv"), other);
  }
});
