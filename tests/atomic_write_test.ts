/**
 * The atomic write under `--out` and `directoryStore`: a file is replaced
 * whole or not at all, keeping its permissions and owner; no temporary file
 * outlives a failed write, and a later write removes a killed writer's but
 * never a live one's. Other writers are real processes: `deno eval`
 * children, which have every permission, so they know their host name and
 * may ask whether a pid lives.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ABANDONED_AFTER_MS,
  isTempFileOf,
  PendingFile,
  resolveSymlinks,
  writeFileAtomic,
} from "../src/node/atomic_write.ts";
import { lines } from "./helpers.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

/** The modules as the `deno eval` children import them. */
const MODULE = new URL("../src/node/atomic_write.ts", import.meta.url).href;
const STORE = new URL("../fs.ts", import.meta.url).href;

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
  const hex = "0123456789ab";
  assert.ok(isTempFileOf(`w.csv.${hex}.4242.deadbeef.part`, "w.csv"));
  assert.ok(isTempFileOf(`w.csv.${hex}.4242.part`, "w.csv"), "no host");
  assert.ok(
    isTempFileOf(`.w.csv.${hex}.4242.deadbeef.part`, "w.csv", {
      hidden: true,
    }),
  );
  assert.ok(!isTempFileOf(`.w.csv.${hex}.4242.deadbeef.part`, "w.csv"));
  assert.ok(
    !isTempFileOf(`w.csv.${hex}.4242.deadbeef.part`, "w.csv", {
      hidden: true,
    }),
  );
  for (
    const other of [
      "w.csv",
      "w.csv.notes",
      // The names of earlier versions say nothing about their writer.
      `w.csv.${hex}.part`,
      `w.csv.${hex}.4242.deadbeef.part.keep`,
      `w.csv.0123456789AB.4242.deadbeef.part`,
      `w.csv.${hex}.4242.DEADBEEF.part`,
      `w.csv.0123456789a.4242.deadbeef.part`,
      `w.csv.${hex}.0.deadbeef.part`,
      `w.csv.${hex}.-1.deadbeef.part`,
      `w.csv.${hex}.12345678901.deadbeef.part`,
      `w.csv.${hex}.4242.deadbee.part`,
      `x.csv.${hex}.4242.deadbeef.part`,
      `w.csv.x.${hex}.4242.deadbeef.part`,
    ]
  ) {
    assert.ok(!isTempFileOf(other, "w.csv"), other);
  }
});

Deno.test("PendingFile names its temporary file after the target and its own pid", async () => {
  await withDir(async (dir) => {
    const file = await PendingFile.create(`${dir}/out.csv`, { hidden: true });
    try {
      const name = file.tempPath.slice(dir.length + 1);
      assert.ok(isTempFileOf(name, "out.csv", { hidden: true }), name);
      assert.ok(name.includes(`.${Deno.pid}.`), name);
      assert.equal((await Deno.stat(file.tempPath)).mode! & 0o777, 0o600);
    } finally {
      await file.discard();
    }
  });
});

/** Where `setpriv` is, to run a writer as `nobody`. */
async function findSetpriv(): Promise<string | undefined> {
  for (const path of ["/usr/bin/setpriv", "/bin/setpriv"]) {
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch { /* not here */ }
  }
  return undefined;
}

/** Whether this process is root: the owner of a file it just made. */
async function runsAsRoot(): Promise<boolean> {
  const probe = await Deno.makeTempFile({ prefix: "atomic_write_uid_" });
  try {
    return (await Deno.stat(probe)).uid === 0;
  } finally {
    await Deno.remove(probe);
  }
}

/** Root may give files away; others may not, and their tests of it are skipped. */
const ROOT = await runsAsRoot();
const SETPRIV = ROOT ? await findSetpriv() : undefined;

/**
 * Runs `code` in a `deno eval` child under the umask `mask` (this test
 * process may not set its own without `--allow-sys`), with `args`, and
 * checks it succeeded.
 */
async function evalUnder(
  mask: string,
  code: string,
  ...args: string[]
): Promise<void> {
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      `umask ${mask} && exec "$@"`,
      "sh",
      Deno.execPath(),
      "eval",
      code,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test("a replaced file keeps its mode, whatever the umask, and its owner; a new one is private", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/shared.csv`;
    await Deno.writeTextFile(target, "OLD\n");
    await Deno.chmod(target, 0o664);
    if (ROOT) await Deno.chown(target, 1234, 2345);
    // Set-id bits are not carried over to new content.
    const setId = `${dir}/setid.csv`;
    await Deno.writeTextFile(setId, "OLD\n");
    await Deno.chmod(setId, 0o6750);

    await evalUnder(
      "077",
      `const { writeFileAtomic } = await import(${JSON.stringify(MODULE)});
       for (const path of Deno.args) {
         await writeFileAtomic(path, new TextEncoder().encode("NEW\\n"), { mode: 0o600 });
       }`,
      target,
      setId,
      `${dir}/new.csv`,
    );
    const after = await Deno.stat(target);
    assert.equal(await Deno.readTextFile(target), "NEW\n");
    assert.equal(after.mode! & 0o777, 0o664);
    if (ROOT) assert.deepEqual([after.uid, after.gid], [1234, 2345]);
    assert.equal((await Deno.stat(setId)).mode! & 0o7777, 0o750);
    assert.equal((await Deno.stat(`${dir}/new.csv`)).mode! & 0o777, 0o600);
    assert.deepEqual(await names(dir), ["new.csv", "setid.csv", "shared.csv"]);
  });
});

Deno.test("the replaced file's mode and owner are given at commit, not before", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/t.csv`;
    await Deno.writeTextFile(target, "OLD\n");
    const file = await PendingFile.create(target, { hidden: true });
    try {
      await file.write(bytes("NEW\n"));
      await file.finish();
      // Changed while the download ran: the file as it is at commit counts.
      await Deno.chmod(target, 0o640);
      if (ROOT) await Deno.chown(target, 4321, 5432);
      // Meanwhile the partial download is private to this user.
      const temp = await Deno.stat(file.tempPath);
      assert.equal(temp.mode! & 0o777, 0o600);
      await file.commit();
    } finally {
      await file.discard();
    }
    const after = await Deno.stat(target);
    assert.equal(after.mode! & 0o777, 0o640);
    if (ROOT) assert.deepEqual([after.uid, after.gid], [4321, 5432]);
  });
});

Deno.test({
  name:
    "a writer that may not give the file away keeps its mode and group, and still writes it",
  // Needs root to make files nobody cannot take over, and setpriv to be nobody.
  ignore: SETPRIV === undefined,
  fn: async () => {
    await withDir(async (dir) => {
      // nobody, in the group 100 as well, in a directory it may write.
      await Deno.chmod(dir, 0o777);
      const target = `${dir}/kept.csv`;
      await Deno.writeTextFile(target, "OLD\n");
      await Deno.chmod(target, 0o664);
      await Deno.chown(target, 0, 100);
      const other = `${dir}/other.csv`;
      await Deno.writeTextFile(other, "OLD\n");
      await Deno.chmod(other, 0o640);
      await Deno.chown(other, 0, 0);
      // nobody may not read this checkout (a fresh clone in a private
      // temporary directory): it runs a readable copy of the module.
      const copy = await Deno.makeTempDir();
      await Deno.chmod(copy, 0o755);
      for (const file of ["atomic_write.ts", "liveness.ts"]) {
        await Deno.copyFile(new URL(file, MODULE), `${copy}/${file}`);
        await Deno.chmod(`${copy}/${file}`, 0o644);
      }
      const code = `
        const { writeFileAtomic } = await import(${
        JSON.stringify(`file://${copy}/atomic_write.ts`)
      });
        for (const path of Deno.args) {
          await writeFileAtomic(path, new TextEncoder().encode("NEW\\n"));
        }`;
      const out = await new Deno.Command(SETPRIV!, {
        args: [
          "--reuid=65534",
          "--regid=65534",
          "--groups=100",
          Deno.execPath(),
          "eval",
          code,
          target,
          other,
        ],
        cwd: dir,
        env: { DENO_DIR: `${dir}/.deno`, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      await Deno.remove(copy, { recursive: true });
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      await Deno.remove(`${dir}/.deno`, { recursive: true });
      const kept = await Deno.stat(target);
      assert.equal(await Deno.readTextFile(target), "NEW\n");
      assert.deepEqual([kept.uid, kept.gid, kept.mode! & 0o777], [
        65534,
        100,
        0o664,
      ]);
      // Group 0 is not one of nobody's: the mode is still kept.
      const mine = await Deno.stat(other);
      assert.deepEqual([mine.uid, mine.gid, mine.mode! & 0o777], [
        65534,
        65534,
        0o640,
      ]);
      assert.deepEqual(await names(dir), ["kept.csv", "other.csv"]);
    });
  },
});

Deno.test("PendingFile.rewind empties the temporary file and writes from byte 0 again", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/r.csv`;
    await Deno.writeTextFile(target, "OLD");
    const file = await PendingFile.create(target);
    try {
      await file.write(bytes("a first attempt that broke off"));
      await file.rewind();
      assert.equal((await Deno.stat(file.tempPath)).size, 0);
      await file.write(bytes("second "));
      await file.finish();
      // Found wrong when read back: start over once more.
      await file.rewind();
      await file.write(bytes("third"));
      await file.write(bytes(" try"));
      assert.equal(await Deno.readTextFile(target), "OLD");
      await file.commit();
    } finally {
      await file.discard();
    }
    assert.equal(await Deno.readTextFile(target), "third try");
    assert.deepEqual(await names(dir), ["r.csv"]);

    const dropped = await PendingFile.create(target);
    await dropped.discard();
    await assert.rejects(dropped.rewind(), /closed/);
  });
});

Deno.test("resolveSymlinks follows chains of links as open does, even to nothing, and refuses a loop", async () => {
  await withDir(async (base) => {
    const dir = await Deno.realPath(base);
    await Deno.mkdir(`${dir}/sub`);
    await Deno.mkdir(`${dir}/real`);
    await Deno.mkdir(`${dir}/deep`);
    await Deno.writeTextFile(`${dir}/file.csv`, "x");
    await Deno.symlink("../real", `${dir}/deep/dirlink`);
    // Relative to the link's directory, reached through deep/dirlink: ../x
    // is beside real, not inside deep.
    await Deno.symlink("../x.csv", `${dir}/real/up.csv`);
    await Deno.symlink("hop", `${dir}/chain.csv`);
    await Deno.symlink("sub/hop2", `${dir}/hop`);
    await Deno.symlink("../file.csv", `${dir}/sub/hop2`);
    await Deno.symlink(`${dir}/sub/new.csv`, `${dir}/abs.csv`);
    await Deno.symlink("loop-b", `${dir}/loop-a`);
    await Deno.symlink("loop-a", `${dir}/loop-b`);
    await Deno.symlink("nothing/", `${dir}/slash`);
    await Deno.symlink("sub/", `${dir}/dir-slash`);

    assert.equal(await resolveSymlinks(`${dir}/plain.csv`), `${dir}/plain.csv`);
    assert.equal(await resolveSymlinks(`${dir}/chain.csv`), `${dir}/file.csv`);
    assert.equal(await resolveSymlinks(`${dir}/abs.csv`), `${dir}/sub/new.csv`);
    assert.equal(
      await resolveSymlinks(`${dir}/deep/dirlink/up.csv`),
      `${dir}/x.csv`,
    );
    await assert.rejects(resolveSymlinks(`${dir}/loop-a`), { code: "ELOOP" });
    // As open(2) would: the slash asks for a directory, and none is there.
    await assert.rejects(resolveSymlinks(`${dir}/slash`), { code: "EISDIR" });
    assert.equal(await resolveSymlinks(`${dir}/dir-slash`), `${dir}/sub`);
    await assert.rejects(resolveSymlinks(`${dir}/none/x.csv`), {
      code: "ENOENT",
    });
  });
});

/**
 * Another process in the middle of an atomic write of `path`: it prints its
 * temporary file's path, then waits for a line on stdin to commit, and says
 * so.
 */
function writerInProgress(path: string, hidden: boolean) {
  const code = `
    const { PendingFile } = await import(${JSON.stringify(MODULE)});
    const file = await PendingFile.create(Deno.args[0], { hidden: Deno.args[1] === "hidden" });
    await file.write(new TextEncoder().encode("from the other writer"));
    console.log(file.tempPath);
    for await (const _ of Deno.stdin.readable) break;
    await file.commit();
    console.log("committed");`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code, path, hidden ? "hidden" : "shown"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const next = lines(child.stdout);
  const writer = child.stdin.getWriter();
  return {
    child,
    tempPath: next(),
    async commit(): Promise<string> {
      await writer.write(bytes("go\n"));
      const said = await next();
      await writer.close();
      await child.status;
      return said;
    },
    async kill(): Promise<void> {
      try {
        child.kill("SIGKILL");
      } catch { /* already ended */ }
      await child.status;
      await writer.close().catch(() => {});
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** Runs `code` in a `deno eval` child, with `args`, and checks it succeeded. */
async function evalOk(code: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", code, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

const NAMED = /^(\.?)(.+)\.([0-9a-f]{12})\.([0-9]+)\.([0-9a-f]{8})\.part$/;

Deno.test("a write removes its path's temporary files of ended writers on this host, and nothing else", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/out.csv`;
    const live = writerInProgress(target, false);
    const killed = writerInProgress(target, false);
    try {
      const livePath = await live.tempPath;
      const killedPath = await killed.tempPath;
      await killed.kill();
      const [, , , , pid, host] = NAMED.exec(
        killedPath.slice(dir.length + 1),
      )!;
      assert.equal(Number(pid), killed.child.pid);
      const dead = Number(pid);
      const foreign = (parseInt(host, 16) ^ 1).toString(16).padStart(8, "0");
      const alsoDead = `out.csv.ffffffffffff.${dead}.${host}.part`;
      const kept = [
        `out.csv.aaaaaaaaaaaa.${dead}.${foreign}.part`, // another host's
        `out.csv.bbbbbbbbbbbb.${dead}.part`, // a writer that knew no host
        "out.csv.cccccccccccc.part", // an earlier version's
        `other.csv.dddddddddddd.${dead}.${host}.part`, // another file's
        `.out.csv.eeeeeeeeeeee.${dead}.${host}.part`, // --out's, not ours
        `out.csv.111111111111.1.${host}.part`, // pid 1 lives
        "out.csv.notes",
      ];
      for (const name of [alsoDead, ...kept]) {
        await Deno.writeTextFile(`${dir}/${name}`, "x");
      }
      assert.ok((await names(dir)).includes(killedPath.slice(dir.length + 1)));

      await evalOk(
        `const { writeFileAtomic } = await import(${JSON.stringify(MODULE)});
         await writeFileAtomic(Deno.args[0], new TextEncoder().encode("whole"));`,
        target,
      );
      assert.equal(await Deno.readTextFile(target), "whole");
      assert.deepEqual(
        await names(dir),
        ["out.csv", livePath.slice(dir.length + 1), ...kept].sort(),
      );

      // The live writer never noticed: its file is whole and commits.
      assert.equal(await live.commit(), "committed");
      assert.equal(await Deno.readTextFile(target), "from the other writer");
      assert.deepEqual(await names(dir), ["out.csv", ...kept].sort());
    } finally {
      await killed.kill();
      await live.kill();
    }
  });
});

Deno.test("directoryStore: a put leaves a concurrent writer of the same key alone and removes a killed one's file", async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/org_1`);
    const key = `${dir}/org_1/w.csv`;
    const live = writerInProgress(key, false);
    const killed = writerInProgress(key, false);
    try {
      const livePath = await live.tempPath;
      await killed.tempPath;
      await killed.kill();
      await evalOk(
        `const { directoryStore } = await import(${JSON.stringify(STORE)});
         await directoryStore(Deno.args[0]).put("org_1/w.csv", new TextEncoder().encode("put"));`,
        dir,
      );
      assert.equal(await Deno.readTextFile(key), "put");
      assert.deepEqual(
        await names(`${dir}/org_1`),
        [livePath.slice(dir.length + "/org_1/".length), "w.csv"].sort(),
      );
      // Before, the put deleted it, and this rename failed with ENOENT.
      assert.equal(await live.commit(), "committed");
      assert.deepEqual(await names(`${dir}/org_1`), ["w.csv"]);
    } finally {
      await killed.kill();
      await live.kill();
    }
  });
});

Deno.test("without a way to tell its host (Deno without --allow-sys), a writer removes no temporary file", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/out.csv`;
    const killed = writerInProgress(target, true);
    try {
      const killedPath = await killed.tempPath;
      await killed.kill();
      // A writer that may not read the host name: its own name has none.
      const script = await Deno.makeTempFile({ suffix: ".ts" });
      try {
        await Deno.writeTextFile(
          script,
          `import { PendingFile } from ${JSON.stringify(MODULE)};
           const file = await PendingFile.create(Deno.args[0], { hidden: true });
           console.log(file.tempPath);
           await file.write(new TextEncoder().encode("whole"));
           await file.commit();`,
        );
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "--allow-read",
            "--allow-write",
            "--allow-run",
            script,
            target,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder();
        assert.ok(out.success, text.decode(out.stderr));
        assert.match(
          text.decode(out.stdout).trim(),
          /\.out\.csv\.[0-9a-f]{12}\.[0-9]+\.part$/,
        );
      } finally {
        await Deno.remove(script);
      }
      assert.deepEqual(await names(dir), [
        killedPath.slice(dir.length + 1),
        "out.csv",
      ]);
    } finally {
      await killed.kill();
    }
  });
});

Deno.test("a temporary file nobody wrote to for a day is removed, whoever made it; a fresh one is not", async () => {
  await withDir(async (dir) => {
    const target = `${dir}/out.csv`;
    const old = [
      "out.csv.aaaaaaaaaaaa.4242.0badc0de.part", // another host's
      "out.csv.bbbbbbbbbbbb.4243.part", // a writer that knew no host
    ];
    const fresh = "out.csv.cccccccccccc.4244.0badc0de.part";
    const foreign = "other.csv.dddddddddddd.4245.part";
    for (const name of [...old, fresh, foreign]) {
      await Deno.writeTextFile(`${dir}/${name}`, "x");
    }
    const longAgo = new Date(Date.now() - ABANDONED_AFTER_MS - 60_000);
    for (const name of [...old, foreign]) {
      await Deno.utime(`${dir}/${name}`, longAgo, longAgo);
    }
    // This process may not even read its host name: age alone decides.
    await writeFileAtomic(target, bytes("whole"));
    assert.deepEqual(await names(dir), [foreign, fresh, "out.csv"].sort());
  });
});
