/**
 * Replacing a file so that a reader of its path sees the old file or the
 * whole new one, never a part of it: the bytes go to a temporary file in the
 * same directory, are flushed to disk, and the temporary file is renamed
 * over the path (a rename within one directory is atomic); then the
 * directory is flushed, so the rename itself survives a power cut. When
 * anything fails, the temporary file is removed and the path keeps what it
 * had.
 *
 * It reaches the file system through `node:fs`, which Deno, Node and Bun
 * all implement, so only the entries that write files (`./fs`, the CLI) load
 * it; the client's entry runs where there is no file system.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** How the temporary file of an atomic write is named and created. */
export interface AtomicWriteOptions {
  /** Permissions of the new file, before the umask. Default `0o600`: private to its owner. */
  mode?: number;
  /** Names the temporary file `.<name>.<hex>.part` instead of `<name>.<hex>.part`, out of `ls`'s sight. */
  hidden?: boolean;
}

const TEMP_PATTERN = /^[0-9a-f]{12}\.part$/;

/**
 * Whether the directory entry `entry` is a temporary file of an atomic write
 * of `name` (a file name, not a path), as {@link PendingFile} names them.
 */
export function isTempFileOf(
  entry: string,
  name: string,
  options: Pick<AtomicWriteOptions, "hidden"> = {},
): boolean {
  const prefix = `${options.hidden ? "." : ""}${name}.`;
  return entry.startsWith(prefix) &&
    TEMP_PATTERN.test(entry.slice(prefix.length));
}

/** Writes all of `chunk` at the handle's position: one `write` may take only part of it. */
export async function writeFully(
  handle: FileHandle,
  chunk: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(
      chunk,
      offset,
      chunk.byteLength - offset,
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
  #handle: FileHandle | undefined;
  #renamed = false;
  #settled = false;

  private constructor(path: string, tempPath: string, handle: FileHandle) {
    this.path = path;
    this.tempPath = tempPath;
    this.#handle = handle;
  }

  /** Creates the temporary file of `path`; nothing is at `path` yet. */
  static async create(
    path: string,
    options: AtomicWriteOptions = {},
  ): Promise<PendingFile> {
    // node:crypto rather than Web Crypto, which Node 18 lacks as a global: a
    // name nobody can predict cannot be taken first.
    const hex = randomBytes(6).toString("hex");
    const tempPath = join(
      dirname(path),
      `${options.hidden ? "." : ""}${basename(path)}.${hex}.part`,
    );
    // "wx": never reuse or follow a file that is already there.
    const handle = await open(tempPath, "wx", options.mode ?? 0o600);
    return new PendingFile(path, tempPath, handle);
  }

  /** Whether the file has been renamed into place (the directory may not be flushed yet). */
  get renamed(): boolean {
    return this.#renamed;
  }

  /** Appends bytes to the temporary file. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.#handle) throw new Error(`${this.tempPath} is closed`);
    await writeFully(this.#handle, chunk);
  }

  /** Flushes the data to disk and closes the temporary file. Does nothing the second time. */
  async finish(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return;
    try {
      // Without it a crash right after the rename could leave an empty file.
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => {});
      throw error;
    }
    await handle.close();
  }

  /** Finishes, renames the file over its path (replacing any file there) and flushes the directory. */
  async commit(): Promise<void> {
    await this.finish();
    await rename(this.tempPath, this.path);
    this.#renamed = true;
    this.#settled = true;
    await flushDirectory(dirname(this.path));
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
 * of it: the temporary file is removed and the error rethrown.
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
