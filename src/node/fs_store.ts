/**
 * An archive store in a directory, for Deno, Node and Bun. It lives in its
 * own entry point, `audit-log-export/fs`, so the main entry stays free of
 * anything Node-specific.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import type { ArchiveStore } from "../archive_store.ts";
import {
  checkChunk,
  checkClock,
  checkKey,
  checkLease,
  checkLockKey,
  checkObjectKey,
  checkPrefix,
  isLockKey,
  isStream,
  lockBytes,
  lockHeld,
  lockLost,
  type LockRecord,
  newLockRecord,
  parseLockRecord,
  type StoreLock,
} from "../archive_store.ts";
import {
  PendingFile,
  removeAbandonedTempFiles,
  writeFileAtomic,
} from "./atomic_write.ts";
import { hasEnded, hostId } from "./liveness.ts";

/**
 * Options of {@link directoryStore}.
 *
 * @example
 * ```ts
 * import { directoryStore, type DirectoryStoreOptions } from "@audit-log/export/fs";
 * const options: DirectoryStoreOptions = { lease: 2 * 3_600_000 };
 * const store = directoryStore("/var/lib/audit-archive", options);
 * ```
 */
export interface DirectoryStoreOptions {
  /**
   * How long a lock stays held without a refresh, in ms, before another
   * run may take it over. Default one hour. A lock whose process has ended
   * on this host is taken over at once.
   */
  lease?: number;
  /** The clock of locks, in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The store {@link directoryStore} returns: an archive store whose objects
 * are files, with streaming reads and writes, a listing, and locks.
 *
 * @example
 * ```ts
 * import { directoryStore, type DirectoryStore } from "@audit-log/export/fs";
 * const store: DirectoryStore = directoryStore("./archive");
 * for await (const key of store.keys("org_1/")) console.log(key);
 * ```
 */
export interface DirectoryStore {
  /**
   * The text of the file at `key`, or `undefined` when there is none.
   *
   * @example
   * ```ts
   * import { directoryStore } from "@audit-log/export/fs";
   * const checkpoint = await directoryStore("./archive").get("org_1/checkpoint.json");
   * ```
   */
  get(key: string): Promise<string | undefined>;
  /**
   * Replaces the file at `key` with `body`, atomically and durably.
   *
   * @example
   * ```ts
   * import { directoryStore } from "@audit-log/export/fs";
   * await directoryStore("./archive").put("notes/readme.txt", new TextEncoder().encode("kept by the archive\n"));
   * ```
   */
  put(key: string, body: Uint8Array): Promise<void>;
  /**
   * The bytes of the file at `key` as a stream, or `undefined` when there
   * is none. The stream reads the file as it was when it was opened, even
   * if it is replaced meanwhile.
   *
   * @example
   * ```ts
   * import { directoryStore } from "@audit-log/export/fs";
   * const stream = await directoryStore("./archive").read("org_1/2026/11/01/20261101T000000Z_20261102T000000Z.csv");
   * if (stream) for await (const chunk of stream) console.log(chunk.byteLength);
   * ```
   */
  read(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /**
   * Writes `body` to the file at `key` as its chunks arrive, all of it or
   * nothing: into a temporary file that is flushed and renamed over `key`
   * once the stream ends. When the stream fails, the temporary file is
   * removed and any file at `key` stays as it was. Memory does not grow
   * with the size. Resolves to the bytes written.
   *
   * @example
   * ```ts
   * import { directoryStore } from "@audit-log/export/fs";
   * const response = await fetch("https://example.com/events.ndjson");
   * const bytes = await directoryStore("./archive").write("imports/events.ndjson", response.body!);
   * ```
   */
  write(key: string, body: ReadableStream<Uint8Array>): Promise<number>;
  /**
   * Every key under the root that starts with `prefix` (default: all),
   * in sorted order. Temporary files and locks are not keys.
   *
   * @example
   * ```ts
   * import { directoryStore } from "@audit-log/export/fs";
   * for await (const key of directoryStore("./archive").keys("org_1/2026/")) console.log(key);
   * ```
   */
  keys(prefix?: string): AsyncIterable<string>;
  /**
   * Takes the lock `key` (a key ending in `.lock`) for `holder`, a
   * description shown to whoever finds it held. The lock is a file holding
   * `{holder, id, pid, host, since, renewedAt}`; it is stale, and taken
   * over, once it was not renewed for the store's `lease`, or at once when
   * its process ran on this host and has ended. Rejects with an error
   * naming the lock file, its holder and since when if it is held.
   *
   * @example
   * ```ts
   * import { directoryStore } from "@audit-log/export/fs";
   * const lock = await directoryStore("./archive").lock("org_1/archive.lock", "org_1, nightly run");
   * try {
   *   await lock.refresh();
   * } finally {
   *   await lock.release();
   * }
   * ```
   */
  lock(key: string, holder: string): Promise<StoreLock>;
}

const codeOf = (error: unknown): unknown => (error as { code?: unknown }).code;

/** How much a read of a file asks for at a time. */
const READ_CHUNK = 64 * 1024;

/**
 * The file's bytes as a web stream. Hand-made on a `FileHandle` rather than
 * `Readable.toWeb` or `readableWebStream`, which differ between Deno, Node
 * 18+ and Bun; reads happen as the consumer pulls, so memory stays flat.
 */
function fileStream(handle: FileHandle): ReadableStream<Uint8Array> {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const buffer = new Uint8Array(READ_CHUNK);
        const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, null);
        if (bytesRead === 0) {
          await close();
          controller.close();
        } else {
          controller.enqueue(buffer.subarray(0, bytesRead));
        }
      } catch (error) {
        await close().catch(() => {});
        controller.error(error);
      }
    },
    async cancel() {
      await close();
    },
  }, { highWaterMark: 0 });
}

/**
 * Whether a directory entry is not an object: a temporary file (of an
 * atomic write, of an older naming, or a claim on a stale lock) or a lock.
 */
function hidden(name: string): boolean {
  return name.endsWith(".part") || isLockKey(name);
}

/** A lock file as read: its record (when it parses) and what identifies the file. */
interface FoundLock {
  record: LockRecord | undefined;
  /** When it was written: `renewedAt`, or the file's mtime when the record cannot be read. */
  renewed: number;
  ino: number;
}

/** The lock file at `path`, or `undefined` when there is none. */
async function readLock(path: string): Promise<FoundLock | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat();
    const record = parseLockRecord(await handle.readFile("utf8"));
    return {
      record,
      renewed: record ? Date.parse(record.renewedAt) : stats.mtimeMs,
      ino: stats.ino,
    };
  } finally {
    await handle.close();
  }
}

/** Where the holder of `record` runs, as the held-lock error says it. */
function processText(
  record: LockRecord | undefined,
  host: string | undefined,
): string | undefined {
  if (record?.pid === undefined) return undefined;
  const where = record.host === undefined || record.host === null
    ? "on an unknown host"
    : record.host === host
    ? "on this host"
    : `on host ${record.host}`;
  return `pid ${record.pid} ${where}`;
}

/**
 * Which lock a stale lock file is, for claims on it: its id, or for a file
 * that cannot be read, its inode and time.
 */
function generation(found: FoundLock): string {
  const id = found.record?.id;
  return id !== undefined && /^[0-9a-f]{1,64}$/.test(id)
    ? id
    : `f${found.ino.toString(16)}m${Math.floor(found.renewed).toString(16)}`;
}

/**
 * A takeover is a few file operations: a claim older than this is one
 * whose taker stopped halfway.
 */
const CLAIM_ABANDONED_MS = 60_000;

/** Claims on one stale lock before giving up: each abandoned one moves the next taker to the next number. */
const MAX_CLAIMS = 8;

/** Rounds of taking a lock that keeps changing before giving up. */
const MAX_ROUNDS = 20;

/**
 * The claim files of the lock at `path`: `<lock>.<generation>.<n>.claim.part`,
 * ending in `.part` so that listings skip them.
 */
const CLAIM = /^(.+)\.[0-9a-z]+\.[0-9]+\.claim\.part$/;

/** Whether the claim at `path` was abandoned: its taker ended on this host, or stopped long ago. */
async function claimAbandoned(
  path: string,
  host: string | undefined,
): Promise<boolean> {
  let text: string;
  let modified: number;
  try {
    [text, modified] = await Promise.all([
      readFile(path, "utf8"),
      stat(path).then((s) => s.mtimeMs),
    ]);
  } catch (error) {
    // Gone: its taker finished, and the lock is another one now.
    if (codeOf(error) === "ENOENT") return false;
    throw error;
  }
  let taker: { pid?: unknown; host?: unknown } = {};
  try {
    taker = JSON.parse(text);
  } catch { /* judged by its age */ }
  const ended = host !== undefined && taker.host === host &&
    typeof taker.pid === "number" && hasEnded(taker.pid);
  return ended || Date.now() - modified > CLAIM_ABANDONED_MS;
}

/**
 * Claims the right to take over the stale lock `gen` at `path`: of all
 * takers that found that lock stale, only the one whose `wx` creates the
 * claim goes on. Resolves to the claim's path, or `undefined` when another
 * taker is at it.
 */
async function claim(
  path: string,
  gen: string,
  host: string | undefined,
): Promise<string | undefined> {
  for (let n = 0; n < MAX_CLAIMS; n++) {
    const claimPath = `${path}.${gen}.${n}.claim.part`;
    let handle: FileHandle;
    try {
      handle = await open(claimPath, "wx", 0o600);
    } catch (error) {
      if (codeOf(error) !== "EEXIST") throw error;
      if (await claimAbandoned(claimPath, host)) continue;
      return undefined;
    }
    try {
      await handle.writeFile(
        JSON.stringify({ pid: process.pid, host: host ?? null }),
      );
    } finally {
      await handle.close();
    }
    return claimPath;
  }
  return undefined;
}

/** Removes every claim on the lock at `path`: once a takeover is done, they are all moot. */
async function removeClaims(path: string): Promise<void> {
  const name = basename(path);
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const entry of entries) {
    if (CLAIM.exec(entry)?.[1] === name) {
      await unlink(join(dirname(path), entry)).catch(() => {});
    }
  }
}

/** Creates the lock file at `path` holding `record`, unless a file is there. */
async function createLock(path: string, record: LockRecord): Promise<boolean> {
  // The lock appears whole or not at all: its record is written to a file of
  // its own first and then linked to the lock's name, which fails if a lock
  // is there. A run killed between an empty `wx` lock and its record would
  // leave a lock nobody can read, blocking the organization for a lease.
  const draft = `${path}.${randomBytes(6).toString("hex")}.draft.part`;
  await writeFile(draft, lockBytes(record), { mode: 0o600, flag: "wx" });
  try {
    const handle = await open(draft, "r");
    await handle.sync().finally(() => handle.close());
    await link(draft, path);
    return true;
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    if (!LINKLESS.has(String(codeOf(error)))) throw error;
    // A file system without hard links: `wx`, with the small window above.
    return await createLockInPlace(path, record);
  } finally {
    await unlink(draft).catch(() => {});
  }
}

/** Codes of file systems that cannot make a hard link. */
const LINKLESS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/** Creates the lock file with `wx` and writes its record into it. */
async function createLockInPlace(
  path: string,
  record: LockRecord,
): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(lockBytes(record));
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
  return true;
}

/**
 * Takes the lock file `path`. A new lock is created with `wx`, so of two
 * takers only one creates it. A stale lock is taken over by the one taker
 * whose `wx` creates the claim on that very lock; it reads the lock again,
 * and replaces it (an atomic rename) only if it is still that lock and
 * still stale. A lock is never moved aside, so no taker can ever displace
 * a fresh lock made meanwhile.
 */
async function takeLock(
  path: string,
  holder: string,
  lease: number,
  now: () => number,
): Promise<StoreLock> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const host = hostId();
  const stale = (found: FoundLock) =>
    (found.record?.pid !== undefined && host !== undefined &&
      found.record.host === host && hasEnded(found.record.pid)) ||
    now() - found.renewed > lease;
  for (let round = 0;; round++) {
    const record = newLockRecord(holder, now(), {
      pid: process.pid,
      host: host ?? null,
    });
    if (await createLock(path, record)) return fileLock(path, record, now);
    const found = await readLock(path);
    if (found && (!stale(found) || round >= MAX_ROUNDS)) {
      throw lockHeld(
        path,
        found.record,
        lease,
        processText(found.record, host),
      );
    }
    if (!found) {
      // Released in between: the next round creates it, unless others
      // keep taking and releasing it.
      if (round >= MAX_ROUNDS) throw lockHeld(path, undefined, lease);
      continue;
    }
    const gen = generation(found);
    const claimed = await claim(path, gen, host);
    if (claimed === undefined) {
      // Another taker is replacing it right now: it takes milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    const again = await readLock(path);
    if (again && generation(again) === gen && stale(again)) {
      try {
        await writeFileAtomic(path, lockBytes(record), { mode: 0o600 });
      } finally {
        await removeClaims(path);
      }
      return fileLock(path, record, now);
    }
    // Renewed, released or taken meanwhile: look again.
    await unlink(claimed).catch(() => {});
  }
}

/** The handle of a lock file this process holds. */
function fileLock(
  path: string,
  taken: LockRecord,
  now: () => number,
): StoreLock {
  let mine: LockRecord | undefined = taken;
  const ours = (found: FoundLock | undefined) =>
    mine !== undefined && found?.record?.id === mine.id;
  return {
    async refresh() {
      const found = await readLock(path);
      if (!ours(found)) {
        mine = undefined;
        throw lockLost(path, found?.record);
      }
      mine = { ...mine!, renewedAt: new Date(now()).toISOString() };
      // Replaced whole, so a taker never reads half a record. Between the
      // check and the rename only a taker of a stale lock can come in.
      await writeFileAtomic(path, lockBytes(mine), { mode: 0o600 });
    },
    async release() {
      const found = await readLock(path);
      // Between the read and the unlink the lock can only change hands if
      // it went stale, which a run that releases it did not let happen.
      if (ours(found)) await unlink(path).catch(() => {});
      mine = undefined;
    },
  };
}

/**
 * Yields the keys of the files under `dir` (whose key prefix is `base`)
 * that start with `prefix`, in sorted order: siblings are visited in the
 * order of their names with a `/` after each directory's, which is the
 * order of the keys they hold.
 */
async function* walk(
  dir: string,
  base: string,
  prefix: string,
): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (codeOf(error) === "ENOENT" || codeOf(error) === "ENOTDIR") return;
    throw error;
  }
  const named = entries.map((entry) => ({
    entry,
    key: base + entry.name + (entry.isDirectory() ? "/" : ""),
  })).sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  for (const { entry, key } of named) {
    if (entry.isDirectory()) {
      // Only a directory that can hold keys with the prefix is entered.
      if (key.startsWith(prefix) || prefix.startsWith(key)) {
        yield* walk(join(dir, entry.name), key, prefix);
      }
      continue;
    }
    if (!key.startsWith(prefix) || hidden(entry.name)) continue;
    if (entry.isFile()) yield key;
    else if (entry.isSymbolicLink()) {
      const target = await stat(join(dir, entry.name)).catch(() => undefined);
      if (target?.isFile()) yield key;
    }
  }
}

/**
 * A store that keeps each key as a file under `root` (created when
 * missing). A write goes to a temporary file that is flushed to disk and
 * then renamed over the key, and the directory is flushed too: a crash
 * leaves the old object or the new one, never half of one, and a put that
 * resolved survives a power cut. New files are readable by their owner only,
 * as audit data should be; a replaced file keeps its permissions. The
 * temporary files of a writer killed mid-put are removed by the next put of
 * the same key on the same host, once that writer's process is gone (under
 * Deno, this needs `--allow-run` and `--allow-sys=hostname` to check).
 *
 * Besides `get` and `put`, it streams (`read`, `write`: memory stays flat
 * however large a window), lists (`keys`) and locks (`lock`), so that the
 * archive never holds a whole window in memory and two runs never archive
 * the same organization at once. A lock is stale once not renewed for
 * `lease` (default one hour), or at once when its process ran on this host
 * and has ended (under Deno, again with `--allow-run` and
 * `--allow-sys=hostname`).
 *
 * @example
 * ```ts
 * import { archiveExports } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * await archiveExports({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   store: directoryStore("/var/lib/audit-archive"),
 * });
 * ```
 */
export function directoryStore(
  root: string,
  options: DirectoryStoreOptions = {},
): DirectoryStore {
  if (typeof root !== "string" || root === "") {
    throw new TypeError("directoryStore needs a directory path");
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError("directoryStore's options must be an object");
  }
  const lease = checkLease(options.lease, "directoryStore's lease");
  const now = checkClock(options.now, "directoryStore's now");
  const base = resolve(root);
  /** The path of an object's file, its directory created. */
  const place = async (key: string) => {
    const path = join(base, key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return path;
  };
  const store: DirectoryStore = {
    async get(key) {
      checkKey(key);
      try {
        return await readFile(join(base, key), "utf8");
      } catch (error) {
        if (codeOf(error) === "ENOENT") return undefined;
        throw error;
      }
    },
    async put(key, body) {
      checkObjectKey(key);
      // The write also removes what killed writers of the key left behind,
      // but never the temporary file of a put still running elsewhere.
      await writeFileAtomic(await place(key), body, { mode: 0o600 });
    },
    async read(key) {
      checkKey(key);
      let handle: FileHandle;
      try {
        handle = await open(join(base, key), "r");
      } catch (error) {
        if (codeOf(error) === "ENOENT") return undefined;
        throw error;
      }
      const stats = await handle.stat().catch(async (error) => {
        await handle.close();
        throw error;
      });
      if (!stats.isFile()) {
        await handle.close();
        throw Object.assign(
          new Error(`${join(base, key)} is not a file`),
          { code: "EISDIR" },
        );
      }
      return fileStream(handle);
    },
    async write(key, body) {
      checkObjectKey(key);
      if (!isStream(body)) {
        throw new TypeError("write needs a ReadableStream of bytes");
      }
      const reader = body.getReader();
      let file: PendingFile | undefined;
      try {
        file = await PendingFile.create(await place(key), { mode: 0o600 });
        let bytes = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          checkChunk(value);
          // One chunk at a time, each on disk before the next is read.
          await file.write(value);
          bytes += value.byteLength;
        }
        await file.commit();
        return bytes;
      } catch (error) {
        await file?.discard();
        // The producer learns that nobody reads any more.
        await reader.cancel(error).catch(() => {});
        throw error;
      }
    },
    keys(prefix = "") {
      return (async function* () {
        checkPrefix(prefix);
        const slash = prefix.lastIndexOf("/");
        const dir = prefix.slice(0, slash + 1);
        yield* walk(join(base, dir), dir, prefix);
      })();
    },
    async lock(key, holder) {
      checkLockKey(key, holder);
      const lock = await takeLock(join(base, key), holder, lease, now);
      // With the folder locked, a temporary file whose writer has ended
      // was left by a killed run; a file it never got to rename may never
      // be written again (a later run can adopt what was renamed), so no
      // later write would clean its leftovers.
      await removeAbandonedTempFiles(dirname(join(base, key)));
      return lock;
    },
  };
  // Whatever members ArchiveStore gains, this store must still be one.
  return store satisfies ArchiveStore;
}
