/**
 * How `--out` replaces what is at its path, with the CLI as a real
 * subprocess against an emulator served on loopback: a replaced file keeps
 * its mode and owner, a symlink is written through as shell `>` would, a
 * killed run's temporary file goes away with the next run but a live
 * writer's does not, and a temporary file can be started over.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openOutput } from "../src/cli/output.ts";
import { FileError } from "../src/cli/errors.ts";
import {
  checked,
  CLI,
  CONFIG,
  READY,
  type Run,
  withEmulatorAndDir,
} from "./cli_helpers.ts";
import { type Api, lines, TEST_KEY } from "./helpers.ts";

const DOWNLOADS = /^\/_emulator\/downloads\//;
const HEADER = "action,";
const MODULE = new URL("../src/node/atomic_write.ts", import.meta.url).href;

/** The permissions the CLI tests grant. */
const ALLOW = [
  "--allow-net=127.0.0.1,localhost",
  "--allow-env",
  "--allow-read",
  "--allow-write",
];
/** What lets a run tell a killed writer's temporary file from a live one's. */
const CLEANUP = ["--allow-run", "--allow-sys=hostname"];

/** What a test here runs against: a served emulator, and a fresh directory. */
type Setup = Api & { dir: string };

/**
 * Starts `cli.ts` under umask 022, the common default, which turns a file
 * created as 0664 into 0644: a replaced file's mode must not depend on it.
 */
function start(
  args: string[],
  options: { server: { url: string }; cwd: string; allow?: string[] },
): Deno.ChildProcess {
  return new Deno.Command("sh", {
    args: [
      "-c",
      'umask 022 && exec "$@"',
      "sh",
      Deno.execPath(),
      "run",
      "--config",
      CONFIG,
      ...(options.allow ?? ALLOW),
      CLI,
      ...args,
      "--base-url",
      options.server.url,
    ],
    cwd: options.cwd,
    env: {
      WORKOS_API_KEY: TEST_KEY,
      WORKOS_BASE_URL: "",
      AUDIT_LOG_EXPORT_DEBUG: "",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function run(...a: Parameters<typeof start>): Promise<Run> {
  return checked(await start(...a).output(), {});
}

/** `export --out <out> --json` of the emulator's first organization. */
function exportTo(
  s: Setup,
  out: string,
  cwd = s.dir,
  allow?: string[],
): Promise<Run> {
  return run(
    [
      "export",
      "--org",
      s.emulator.organizations[0],
      "--from",
      "30d",
      "--out",
      out,
      "--json",
    ],
    { server: s, cwd, allow },
  );
}

const listDir = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

const mode = async (path: string) =>
  ((await Deno.stat(path)).mode ?? 0) & 0o777;

/** Root may give files away; the owner checks need it. */
async function runsAsRoot(): Promise<boolean> {
  const probe = await Deno.makeTempFile({ prefix: "cli_out_file_uid_" });
  try {
    return (await Deno.stat(probe)).uid === 0;
  } finally {
    await Deno.remove(probe);
  }
}
const ROOT = await runsAsRoot();

Deno.test("--out replacing a file keeps its mode and owner under umask 022; a new file is private", async () => {
  await withEmulatorAndDir(READY, async (s) => {
    const { dir } = s;
    await Deno.writeTextFile(`${dir}/group.csv`, "OLD\n");
    await Deno.chmod(`${dir}/group.csv`, 0o664);
    if (ROOT) await Deno.chown(`${dir}/group.csv`, 1234, 2345);
    await Deno.writeTextFile(`${dir}/real.csv`, "OLD\n");
    await Deno.chmod(`${dir}/real.csv`, 0o660);
    await Deno.symlink("real.csv", `${dir}/link.csv`);

    for (const out of ["group.csv", "link.csv", "new.csv"]) {
      const saved = await exportTo(s, out);
      assert.equal(saved.code, 0, `${out}: ${saved.stderr}`);
    }
    const group = await Deno.stat(`${dir}/group.csv`);
    assert.ok((await Deno.readTextFile(`${dir}/group.csv`)).startsWith(HEADER));
    assert.equal(group.mode! & 0o777, 0o664);
    if (ROOT) assert.deepEqual([group.uid, group.gid], [1234, 2345]);
    assert.ok((await Deno.lstat(`${dir}/link.csv`)).isSymlink);
    assert.ok((await Deno.readTextFile(`${dir}/real.csv`)).startsWith(HEADER));
    assert.equal(await mode(`${dir}/real.csv`), 0o660);
    assert.equal(await mode(`${dir}/new.csv`), 0o600);
    assert.deepEqual(await listDir(dir), [
      "group.csv",
      "link.csv",
      "new.csv",
      "real.csv",
    ]);
  });
});

/**
 * The same links in `root`: dangling ones (relative, absolute, a chain of
 * three, one reached through a linked directory) and one to a file.
 */
async function linkTree(root: string): Promise<void> {
  for (const d of ["landed", "sub", "real", "deep"]) {
    await Deno.mkdir(`${root}/${d}`);
  }
  await Deno.symlink("landed/dangling.csv", `${root}/dangling.csv`);
  await Deno.symlink(`${root}/landed/abs.csv`, `${root}/abs.csv`);
  await Deno.symlink("hop", `${root}/chain.csv`);
  await Deno.symlink("sub/hop2", `${root}/hop`);
  await Deno.symlink("../landed/chain.csv", `${root}/sub/hop2`);
  // Through deep/dirlink, ../landed is read from real, not from deep.
  await Deno.symlink("../real", `${root}/deep/dirlink`);
  await Deno.symlink("../landed/up.csv", `${root}/real/up.csv`);
  await Deno.writeTextFile(`${root}/landed/old.csv`, "OLD\n");
  await Deno.chmod(`${root}/landed/old.csv`, 0o640);
  await Deno.symlink("landed/old.csv", `${root}/existing.csv`);
}

/** Every entry under `root`, links not followed: kind, and a link's target with `root` left out. */
async function describe(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const entry of Deno.readDir(rel ? `${root}/${rel}` : root)) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymlink) {
        const target = await Deno.readLink(`${root}/${path}`);
        out.push(`${path} -> ${target.replace(root, "<root>")}`);
      } else if (entry.isDirectory) {
        out.push(`${path}/`);
        await walk(path);
      } else out.push(path);
    }
  };
  await walk("");
  return out.sort();
}

const LINKED = {
  "dangling.csv": "landed/dangling.csv",
  "abs.csv": "landed/abs.csv",
  "chain.csv": "landed/chain.csv",
  "deep/dirlink/up.csv": "landed/up.csv",
  "existing.csv": "landed/old.csv",
};

Deno.test("--out writes through a symlink, dangling or not, where shell > writes, and keeps the links", async () => {
  await withEmulatorAndDir(READY, async (s) => {
    const shell = `${s.dir}/shell`;
    const ours = `${s.dir}/cli`;
    for (const root of [shell, ours]) {
      await Deno.mkdir(root);
      await linkTree(root);
    }
    const outs = Object.keys(LINKED);
    const redirected = await new Deno.Command("sh", {
      args: [
        "-c",
        'for f in "$@"; do printf "x\\n" > "$f"; done',
        "sh",
        ...outs,
      ],
      cwd: shell,
    }).output();
    assert.ok(redirected.success, "the shell wrote them all");

    for (const [out, lands] of Object.entries(LINKED)) {
      const saved = await exportTo(s, out, ours);
      assert.equal(saved.code, 0, `${out}: ${saved.stderr}`);
      assert.equal(JSON.parse(saved.stdout).file, `${ours}/${lands}`, out);
      const text = await Deno.readTextFile(`${ours}/${lands}`);
      assert.ok(text.startsWith(HEADER), out);
    }
    assert.deepEqual(await describe(ours), await describe(shell));
    assert.ok(
      (await describe(ours)).includes("chain.csv -> hop"),
      "the links are still links",
    );
    // New files are private; the replaced one kept its mode.
    for (const lands of ["dangling", "abs", "chain", "up"]) {
      assert.equal(await mode(`${ours}/landed/${lands}.csv`), 0o600, lands);
    }
    assert.equal(await mode(`${ours}/landed/old.csv`), 0o640);
    for (const dir of [ours, `${ours}/landed`, `${ours}/sub`, `${ours}/real`]) {
      const parts = (await listDir(dir)).filter((n) => n.endsWith(".part"));
      assert.deepEqual(parts, [], `no temporary file in ${dir}`);
    }
  });
});

Deno.test("--out refuses a loop of symlinks, or one into a missing directory, before any request", async () => {
  await withEmulatorAndDir(READY, async (s) => {
    const { dir } = s;
    await Deno.symlink("loop-b", `${dir}/loop-a`);
    await Deno.symlink("loop-a", `${dir}/loop-b`);
    await Deno.symlink("self", `${dir}/self`);
    await Deno.symlink("missing/x.csv", `${dir}/nowhere.csv`);
    const before = await listDir(dir);
    const cases: [string, RegExp][] = [
      ["loop-a", /too many levels of symbolic links \(ELOOP\)/],
      ["self", /too many levels of symbolic links \(ELOOP\)/],
      ["nowhere.csv", /no such file or directory \(ENOENT\)/],
    ];
    for (const [out, reason] of cases) {
      const refused = await exportTo(s, out);
      assert.equal(refused.code, 2, `${out}: ${refused.stderr}`);
      assert.match(refused.stderr, new RegExp(`--out: cannot write '${out}'`));
      assert.match(refused.stderr, reason, out);
      assert.equal(refused.stdout, "");
    }
    assert.deepEqual(s.emulator.requests, [], "no request was sent");
    assert.deepEqual(await listDir(dir), before, "nothing was written");
    for (const link of before) {
      assert.ok((await Deno.lstat(`${dir}/${link}`)).isSymlink, link);
    }
  });
});

/**
 * Another process in the middle of writing `path` as `--out` does (a
 * `deno eval` child, so with every permission): it prints its temporary
 * file's path, then commits when told to and says so.
 */
function writerInProgress(path: string) {
  const code = `
    const { PendingFile } = await import(${JSON.stringify(MODULE)});
    const file = await PendingFile.create(Deno.args[0], { hidden: true });
    await file.write(new TextEncoder().encode("from the other writer"));
    console.log(file.tempPath);
    for await (const _ of Deno.stdin.readable) break;
    await file.commit();
    console.log("committed");`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code, path],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const next = lines(child.stdout);
  const writer = child.stdin.getWriter();
  return {
    tempPath: next(),
    async commit(): Promise<string> {
      await writer.write(new TextEncoder().encode("go\n"));
      const said = await next();
      await writer.close();
      await child.status;
      return said;
    },
    async end(): Promise<void> {
      try {
        child.kill("SIGKILL");
      } catch { /* already ended */ }
      await child.status;
      await writer.close().catch(() => {});
      await child.stdout.cancel().catch(() => {});
    },
  };
}

Deno.test("a SIGKILLed --out's temporary file is removed by the next successful run, a live writer's is not", async () => {
  await withEmulatorAndDir(READY, async (s) => {
    const { dir } = s;
    const target = `${dir}/audit.csv`;
    s.emulator.inject({ path: DOWNLOADS, dripMs: 400 });
    const killed = start(
      ["export", "--org", s.emulator.organizations[0], "--from", "30d"].concat(
        ["--out", target],
      ),
      { server: s, cwd: dir, allow: [...ALLOW, ...CLEANUP] },
    );
    let left: string | undefined;
    const deadline = Date.now() + 15_000;
    while (!left) {
      const part = (await listDir(dir)).find((n) => n.endsWith(".part"));
      if (part && (await Deno.stat(`${dir}/${part}`)).size > 0) left = part;
      else {
        assert.ok(Date.now() < deadline, "the download never started");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    killed.kill("SIGKILL");
    await killed.output();
    assert.match(left, /^\.audit\.csv\.[0-9a-f]{12}\.\d+\.[0-9a-f]{8}\.part$/);
    assert.equal(await mode(`${dir}/${left}`), 0o600, "private meanwhile");

    const live = writerInProgress(target);
    try {
      const livePart = (await live.tempPath).slice(dir.length + 1);
      assert.deepEqual(await listDir(dir), [left, livePart].sort());

      // Without the right to ask whether a pid lives, nothing is removed.
      const blind = await exportTo(s, target);
      assert.equal(blind.code, 0, blind.stderr);
      assert.deepEqual(
        await listDir(dir),
        [left, livePart, "audit.csv"].sort(),
      );

      const saved = await exportTo(s, target, dir, [...ALLOW, ...CLEANUP]);
      assert.equal(saved.code, 0, saved.stderr);
      assert.ok((await Deno.readTextFile(target)).startsWith(HEADER));
      assert.deepEqual(await listDir(dir), [livePart, "audit.csv"].sort());

      // The live writer never noticed: its file is whole and commits.
      assert.equal(await live.commit(), "committed");
      assert.equal(await Deno.readTextFile(target), "from the other writer");
      assert.deepEqual(await listDir(dir), ["audit.csv"]);
    } finally {
      await live.end();
    }
  });
});

Deno.test("an --out file can start over from byte 0; a device cannot", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_out_file_" });
  const bytes = (text: string) => new TextEncoder().encode(text);
  try {
    await Deno.writeTextFile(`${dir}/r.csv`, "OLD");
    const file = await openOutput("r.csv", dir);
    assert.equal(file.canRewind, true);
    try {
      await file.write(bytes("a first attempt that broke off"));
      await file.rewind();
      await file.write(bytes("second"));
      await file.commit();
    } finally {
      await file.discard();
    }
    assert.equal(await Deno.readTextFile(`${dir}/r.csv`), "second");
    assert.deepEqual(await listDir(dir), ["r.csv"]);

    const device = await openOutput("/dev/null", dir);
    try {
      assert.equal(device.canRewind, false);
      await device.write(bytes("gone"));
      await assert.rejects(device.rewind(), FileError, "cannot be taken back");
    } finally {
      await device.discard();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
