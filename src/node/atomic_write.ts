/**
 * Replacing a file so that a reader of its path sees the old file or the
 * whole new one, never a part of it: the bytes go to a temporary file in the
 * same directory, are flushed to disk, and the temporary file is renamed
 * over the path (a rename within one directory is atomic); then the
 * directory is flushed, so the rename itself survives a power cut. When
 * anything fails, the temporary file is removed and the path keeps what it
 * had.
 *
 * A replaced regular file keeps its permission bits and, where the process
 * may give it away, its owner and group. The temporary file's name carries
 * its writer's process id and an id of its host, so a later write of the
 * same path can tell the leftovers of a killed writer, which it removes,
 * from the file of a writer still at work, which it must not touch.
 *
 * It reaches the file system through `node:fs`, which Deno, Node and Bun
 * all implement, so only the entries that write files (`./fs`, the CLI) load
 * it; the client's entry runs where there is no file system.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { denoRefuses, hasEnded, hostId } from "./liveness.ts";
import type { Dirent, Stats } from "node:fs";
import {
  type FileHandle,
  lstat,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";

/** How the temporary file of an atomic write is named and created. */
export interface AtomicWriteOptions {
  /**
   * Permissions of a new file, before the umask. Default `0o600`: private to
   * its owner. A regular file already at the path keeps its own instead.
   */
  mode?: number;
  /** Names the temporary file `.<name>.…` instead of `<name>.…`, out of `ls`'s sight. */
  hidden?: boolean;
}

/**
 * What follows `<name>.` in a temporary file's name: 12 random hex digits,
 * the writer's pid, and the first 8 hex digits of the SHA-256 of its host
 * name, absent when the writer could not read it.
 */
const TEMP_PATTERN =
  /^[0-9a-f]{12}\.([1-9][0-9]{0,9})(?:\.([0-9a-f]{8}))?\.part$/;

/** Who made a temporary file, as its name says. */
interface TempWriter {
  pid: number;
  /** `undefined` when the writer did not know its host. */
  host: string | undefined;
}

/** The writer named by `entry` when it is a temporary file of `name`, else `undefined`. */
function tempWriter(
  entry: string,
  name: string,
  hidden: boolean | undefined,
): TempWriter | undefined {
  const prefix = `${hidden ? "." : ""}${name}.`;
  if (!entry.startsWith(prefix)) return undefined;
  const match = TEMP_PATTERN.exec(entry.slice(prefix.length));
  if (!match) return undefined;
  return { pid: Number(match[1]), host: match[2] };
}

/**
 * Whether the directory entry `entry` is a temporary file of an atomic write
 * of `name` (a file name, not a path), as {@link PendingFile} names them:
 * `<name>.<random>.<pid>.<host>.part`, or `<name>.<random>.<pid>.part` from
 * a writer that could not read its host name; with a leading dot when
 * `hidden`.
 */
export function isTempFileOf(
  entry: string,
  name: string,
  options: Pick<AtomicWriteOptions, "hidden"> = {},
): boolean {
  return tempWriter(entry, name, options.hidden) !== undefined;
}

/**
 * A temporary file untouched this long belongs to no live writer: one
 * writes each chunk as it arrives, and every wait of a download is bounded
 * far below this. It lets a leftover go even where its writer's process
 * cannot be asked about (another host, Deno without `--allow-run`).
 */
export const ABANDONED_AFTER_MS = 24 * 3_600_000;

/**
 * Removes the temporary files of `path` left by writers that have ended: a
 * process killed mid-write cannot clean up after itself, and the next write
 * of the path is the first moment anyone may look. A file goes when its
 * writer ran on this host and is known to have ended, or when nobody has
 * written to it for {@link ABANDONED_AFTER_MS}; files of live writers and
 * names of any other form are left alone. Best effort: the write it follows
 * has succeeded, and a leftover is not worth failing it.
 */
async function removeStaleTempFiles(
  path: string,
  hidden: boolean | undefined,
): Promise<void> {
  const host = hostId();
  const [dir, name] = [dirname(path), basename(path)];
  if (denoRefuses({ name: "read", path: dir })) return;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const writer = tempWriter(entry, name, hidden);
    if (!writer) continue;
    const stale = join(dir, entry);
    const ended = host !== undefined && writer.host === host &&
      hasEnded(writer.pid);
    if (!ended) {
      const modified = await stat(stale).then((s) => s.mtimeMs, () => NaN);
      if (!(Date.now() - modified > ABANDONED_AFTER_MS)) continue;
    }
    if (denoRefuses({ name: "write", path: stale })) continue;
    await unlink(stale).catch(() => {});
  }
}

/**
 * A temporary file of any atomic write: `<name>.<random>.<pid>[.<host>].part`,
 * optionally with a leading dot.
 */
const ANY_TEMP =
  /^\.?.+\.[0-9a-f]{12}\.([1-9][0-9]{0,9})(?:\.([0-9a-f]{8}))?\.part$/;

/**
 * Removes, under `dir` and its subdirectories, every temporary file of an
 * atomic write whose writer has ended, by the rule of
 * {@link removeStaleTempFiles}. For a directory nobody else writes to (one
 * an exclusive lock covers): a write killed before its rename leaves a
 * file that no later write of the same path may come to remove, when the
 * path is never written again. Best effort, as a leftover is not worth
 * failing a run.
 */
export async function removeAbandonedTempFiles(dir: string): Promise<void> {
  const host = hostId();
  if (denoRefuses({ name: "read", path: dir })) return;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await removeAbandonedTempFiles(path);
      continue;
    }
    const match = ANY_TEMP.exec(entry.name);
    if (!match || !entry.isFile()) continue;
    const ended = host !== undefined && match[2] === host &&
      hasEnded(Number(match[1]));
    if (!ended) {
      const modified = await stat(path).then((s) => s.mtimeMs, () => NaN);
      if (!(Date.now() - modified > ABANDONED_AFTER_MS)) continue;
    }
    if (denoRefuses({ name: "write", path })) continue;
    await unlink(path).catch(() => {});
  }
}

/** At most this many links are followed, as Linux does, before giving up on a loop. */
const MAX_SYMLINKS = 40;

function fsError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The path that writing to `path` would create or replace, as `open` would
 * reach it: every symlink on the way resolved, the last one too even when
 * what it names does not exist yet, so a file written there leaves the
 * links as links. A relative link is read from the link's directory, once
 * that directory's own links are resolved. Rejects with `ELOOP` on a cycle
 * of links, with `EISDIR` for a dangling link whose target ends in a slash,
 * and with the error of `realpath` when a directory on the way does not
 * exist or cannot be looked at.
 */
export async function resolveSymlinks(path: string): Promise<string> {
  try {
    // Something is there: the system resolves every link itself. (Deno also
    // lets this through for a device like /dev/null, whose directory it
    // will not resolve without --allow-all.)
    return await realpath(path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error;
  }
  // Nothing yet, or a dangling link: walk the chain by hand. Raw until the
  // next round: a target such as `sub/../x` must meet `sub`'s own link
  // before `..`, which normalizing would skip.
  let current = resolve(path);
  for (let followed = 0;; followed++) {
    const dir = await realpath(dirname(current));
    current = join(dir, basename(current));
    let stats: Stats;
    try {
      stats = await lstat(current);
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return current;
      throw error;
    }
    if (!stats.isSymbolicLink()) return current;
    if (followed === MAX_SYMLINKS) {
      throw fsError("ELOOP", "too many levels of symbolic links");
    }
    const target = await readlink(current);
    if (target.endsWith("/") || target.endsWith(sep)) {
      throw fsError("EISDIR", "the link names a directory");
    }
    current = isAbsolute(target)
      ? target
      : `${dir}${dir.endsWith(sep) ? "" : sep}${target}`;
  }
}

/** Writes all of `chunk`, at the handle's position or from `position` on: one `write` may take only part of it. */
export async function writeFully(
  handle: FileHandle,
  chunk: Uint8Array,
  position?: number,
): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(
      chunk,
      offset,
      chunk.byteLength - offset,
      position === undefined ? null : position + offset,
    );
    offset += bytesWritten;
  }
}

/** Codes with which a platform or a permission refuses to open a directory for flushing. */
const UNFLUSHABLE = new Set(["EISDIR", "EPERM", "EACCES"]);

/**
 * Flushes the directory entry of a rename to disk. Where a directory cannot
 * be opened or flushed (Windows; a directory its owner may enter but not
 * list) the rename is left to the OS: it happened, and failing now would
 * report a write as lost that is not.
 */
async function flushDirectory(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (UNFLUSHABLE.has((error as { code?: string }).code ?? "")) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; see above.
  } finally {
    await handle.close();
  }
}

/** The regular file at `path` (not followed if a link), or `undefined`. */
async function regularFileAt(path: string): Promise<Stats | undefined> {
  try {
    const stats = await lstat(path);
    return stats.isFile() ? stats : undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Gives the temporary file the owner, group and permission bits of the file
 * it replaces. Returns whether anything changed.
 */
async function takeOver(handle: FileHandle, replaced: Stats): Promise<boolean> {
  // Windows has no POSIX owner or mode bits to keep.
  if (process.platform === "win32") return false;
  const own = await handle.stat();
  let changed = false;
  if (own.uid !== replaced.uid || own.gid !== replaced.gid) {
    try {
      await handle.chown(replaced.uid, replaced.gid);
      changed = true;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EPERM") throw error;
      // Not root: a group the user belongs to can still be kept.
      if (own.gid !== replaced.gid) {
        try {
          await handle.chown(-1, replaced.gid);
          changed = true;
        } catch (error) {
          if ((error as { code?: unknown }).code !== "EPERM") throw error;
        }
      }
    }
  }
  // Set exactly: the umask shapes a new file, not the mode a file had. The
  // set-id and sticky bits are not carried over to content that is new.
  const mode = replaced.mode & 0o777;
  if ((own.mode & 0o7777) !== mode) {
    await handle.chmod(mode);
    changed = true;
  }
  return changed;
}

/**
 * A file being written next to its final path: {@link PendingFile.commit}
 * renames it into place, {@link PendingFile.discard} removes every trace.
 * Between {@link PendingFile.finish} and `commit` the complete temporary
 * file can be read back at {@link PendingFile.tempPath}.
 */
export class PendingFile {
  /** The absolute path the file will have once committed. */
  readonly path: string;
  /** The path of the temporary file. */
  readonly tempPath: string;
  readonly #hidden: boolean | undefined;
  #handle: FileHandle | undefined;
  /** Where the next write goes: writes are positioned, so a rewind needs no seek. */
  #position = 0;
  #finished = false;
  #renamed = false;
  #settled = false;

  private constructor(
    path: string,
    tempPath: string,
    handle: FileHandle,
    hidden: boolean | undefined,
  ) {
    this.path = path;
    this.tempPath = tempPath;
    this.#handle = handle;
    this.#hidden = hidden;
  }

  /**
   * Creates the temporary file of `path`; nothing is at `path` yet. A
   * symlink at `path` is replaced, not followed: resolve it first with
   * {@link resolveSymlinks} to write through it.
   */
  static async create(
    path: string,
    options: AtomicWriteOptions = {},
  ): Promise<PendingFile> {
    // node:crypto rather than Web Crypto, which Node 18 lacks as a global: a
    // name nobody can predict cannot be taken first.
    const hex = randomBytes(6).toString("hex");
    const host = hostId();
    const tempPath = join(
      dirname(path),
      `${options.hidden ? "." : ""}${basename(path)}.${hex}.${process.pid}${
        host === undefined ? "" : `.${host}`
      }.part`,
    );
    // "wx": never reuse or follow a file that is already there.
    const handle = await open(tempPath, "wx", options.mode ?? 0o600);
    return new PendingFile(path, tempPath, handle, options.hidden);
  }

  /** Whether the file has been renamed into place (the directory may not be flushed yet). */
  get renamed(): boolean {
    return this.#renamed;
  }

  #open(): FileHandle {
    if (!this.#handle || this.#finished) {
      throw new Error(`${this.tempPath} is closed`);
    }
    return this.#handle;
  }

  /** Appends bytes to the temporary file. */
  async write(chunk: Uint8Array): Promise<void> {
    const handle = this.#open();
    const position = this.#position;
    // Counted before the write ends, so concurrent writes do not overlap.
    this.#position += chunk.byteLength;
    await writeFully(handle, chunk, position);
  }

  /**
   * Empties the temporary file and starts writing again at byte 0, for a
   * download that must start over. Allowed after {@link finish} too, until
   * the file is committed or discarded.
   */
  async rewind(): Promise<void> {
    if (!this.#handle) throw new Error(`${this.tempPath} is closed`);
    await this.#handle.truncate(0);
    this.#position = 0;
    this.#finished = false;
  }

  /**
   * Flushes the data to disk and ends writing. Does nothing the second time.
   * The file stays open until commit, which still has to give it the
   * replaced file's owner and mode: doing that only then keeps the partial
   * download private to this user meanwhile.
   */
  async finish(): Promise<void> {
    const handle = this.#handle;
    if (!handle || this.#finished) return;
    // Without it a crash right after the rename could leave an empty file.
    await handle.sync();
    this.#finished = true;
  }

  /**
   * Finishes, gives the file the owner and permission bits of the regular
   * file it replaces, renames it over its path (replacing any file there),
   * flushes the directory, and removes the temporary files that earlier,
   * ended writers of the path left behind.
   */
  async commit(): Promise<void> {
    await this.finish();
    const handle = this.#handle;
    if (!handle) throw new Error(`${this.tempPath} is closed`);
    this.#handle = undefined;
    try {
      const replaced = await regularFileAt(this.path);
      // The new mode and owner must be on disk before the rename is.
      if (replaced && await takeOver(handle, replaced)) await handle.sync();
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    await handle.close();
    await rename(this.tempPath, this.path);
    this.#renamed = true;
    this.#settled = true;
    await flushDirectory(dirname(this.path));
    await removeStaleTempFiles(this.path, this.#hidden);
  }

  /** Closes and deletes the temporary file; the path keeps what it had. Safe to call twice. */
  async discard(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
    await unlink(this.tempPath).catch(() => {});
  }
}

/**
 * Replaces the file at `path` with `data`, all of it or, when anything
 * fails (a write, the flush, the rename, or `data` itself throwing), none
 * of it: the temporary file is removed and the error rethrown. A regular
 * file it replaces keeps its permission bits and, where the process may,
 * its owner; temporary files left at `path` by killed writers are removed.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const file = await PendingFile.create(path, options);
  try {
    if (data instanceof Uint8Array) await file.write(data);
    else for await (const chunk of data) await file.write(chunk);
    await file.commit();
  } catch (error) {
    await file.discard();
    throw error;
  }
}
