/**
 * The `--out` target. A new or regular file is written atomically: the bytes
 * go to a hidden temporary file next to the target and are renamed onto it
 * only when everything succeeded. A rename within one directory is atomic,
 * so a reader of the target sees the old file or the whole new one, never
 * half a download. A target that exists and is not a regular file (a FIFO,
 * a terminal, `/dev/null`) is written in place, as shell redirection does:
 * a rename would replace the pipe or the device node itself.
 *
 * @module
 */

import { constants, type FileHandle, open, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  PendingFile,
  resolveSymlinks,
  writeFully,
} from "../node/atomic_write.ts";
import { printable } from "./values.ts";
import { FileError } from "./errors.ts";

/** The failures a path can meet, in words: the runtime's own messages repeat the path unescaped, however long. */
const FS_REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOTDIR: "a part of the path is not a directory",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many levels of symbolic links",
  EISDIR: "it is a directory",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EIO: "input/output error",
  ENXIO: "no device answers to it",
  EPIPE: "its reader went away",
};

const MESSAGE_MAX = 300;

/** Why a file operation failed, in words safe to print on a terminal. */
export function fsReason(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && Object.hasOwn(FS_REASONS, code)) {
    return `${FS_REASONS[code]} (${code})`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return printable(
    message.length > MESSAGE_MAX
      ? `${message.slice(0, MESSAGE_MAX)}…`
      : message,
  );
}

/** Where the bytes of `--out` go. */
export interface OutFile {
  /** The absolute path of the target, symlinks resolved. */
  readonly path: string;
  /** Appends bytes. */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Whether {@link OutFile.rewind} can take back what was written: true for
   * a temporary file, false for a FIFO or a device, whose reader already
   * has the bytes.
   */
  readonly canRewind: boolean;
  /**
   * Empties the output and writes from byte 0 again, for a download that
   * must start over. Rejects with a {@link FileError} when
   * {@link OutFile.canRewind} is false.
   */
  rewind(): Promise<void>;
  /** Makes the output final: renames the temporary file into place, or closes the target. */
  commit(): Promise<void>;
  /** Removes what was not committed (the temporary file) and closes; safe to call twice. */
  discard(): Promise<void>;
}

async function writeAll(
  handle: FileHandle,
  chunk: Uint8Array,
  path: string,
): Promise<void> {
  try {
    await writeFully(handle, chunk);
  } catch (error) {
    throw new FileError({
      message: `Could not write ${printable(path)}: ${fsReason(error)}`,
      cause: error,
    });
  }
}

/**
 * A file being written: commit renames it into place, discard removes every
 * trace. The failures of the atomic write, worded for the user.
 */
export class AtomicFile implements OutFile {
  /** The absolute path the file will have once committed. */
  readonly path: string;
  /** The absolute path of the temporary file. */
  readonly tempPath: string;
  /** Always true: nothing leaves the temporary file before commit. */
  readonly canRewind = true;
  #file: PendingFile;
  #closed = false;

  private constructor(file: PendingFile) {
    this.path = file.path;
    this.tempPath = file.tempPath;
    this.#file = file;
  }

  /**
   * Creates the hidden temporary file (see `isTempFileOf`) in the directory
   * of `path`, with `mode` if `path` is new; a file it replaces keeps its
   * own.
   */
  static async create(path: string, mode: number): Promise<AtomicFile> {
    return new AtomicFile(
      await PendingFile.create(path, { mode, hidden: true }),
    );
  }

  /** Appends bytes to the temporary file. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#closed) {
      throw new FileError({ message: `${printable(this.tempPath)} is closed` });
    }
    try {
      await this.#file.write(chunk);
    } catch (error) {
      throw new FileError({
        message: `Could not write ${printable(this.tempPath)}: ${
          fsReason(error)
        }`,
        cause: error,
      });
    }
  }

  /**
   * Empties the temporary file and writes from byte 0 again; allowed after
   * {@link AtomicFile.finish} too, until commit or discard.
   */
  async rewind(): Promise<void> {
    try {
      await this.#file.rewind();
    } catch (error) {
      throw new FileError({
        message: `Could not empty ${printable(this.tempPath)}: ${
          fsReason(error)
        }`,
        cause: error,
      });
    }
    this.#closed = false;
  }

  /** Flushes the data to disk and ends writing, before the file is read back. */
  async finish(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#file.finish();
    } catch (error) {
      throw new FileError({
        message: `Could not flush ${printable(this.tempPath)}: ${
          fsReason(error)
        }`,
        cause: error,
      });
    }
  }

  /** Renames the finished file onto the target, replacing any file there. */
  async commit(): Promise<void> {
    await this.finish();
    try {
      await this.#file.commit();
    } catch (error) {
      throw new FileError({
        message: this.#file.renamed
          ? `Saved ${
            printable(this.path)
          }, but could not flush its directory: ${fsReason(error)}`
          : `Could not move the download to ${printable(this.path)}: ${
            fsReason(error)
          }`,
        cause: error,
      });
    }
  }

  /** Closes and deletes the temporary file; the target is left as it was. Safe to call twice. */
  async discard(): Promise<void> {
    this.#closed = true;
    await this.#file.discard();
  }
}

/**
 * A FIFO or a device, written in place as its bytes arrive. There is
 * nothing to rename, and what was written cannot be taken back: a reader of
 * a FIFO sees a failed download's first bytes, as with stdout.
 */
export class DirectFile implements OutFile {
  /** The absolute path of the target. */
  readonly path: string;
  /** Always false: what was written has reached the reader. */
  readonly canRewind = false;
  #handle: FileHandle | undefined;

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  /**
   * Opens the target for writing, without creating or truncating it. A FIFO
   * waits here for its reader, as `>` does.
   */
  static async open(path: string): Promise<DirectFile> {
    // O_NOCTTY: a terminal named as --out must not become this process's
    // controlling terminal.
    const handle = await open(
      path,
      constants.O_WRONLY | (constants.O_NOCTTY ?? 0),
    );
    // Swapped for a regular file since it was looked at, it would be
    // overwritten in place and keep its old tail.
    const now = await handle.stat().catch(() => undefined);
    if (!now || now.isFile()) {
      await handle.close();
      throw new Error("it changed into a regular file while being opened");
    }
    return new DirectFile(path, handle);
  }

  /** Writes bytes to the target. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.#handle) {
      throw new FileError({ message: `${printable(this.path)} is closed` });
    }
    await writeAll(this.#handle, chunk, this.path);
  }

  /** Always rejects: the bytes written cannot be taken back. */
  rewind(): Promise<void> {
    return Promise.reject(
      new FileError({
        message: `Cannot start ${
          printable(this.path)
        } over: it is not a regular file, and what was written to it cannot be taken back`,
      }),
    );
  }

  /** Closes the target; a FIFO's reader sees the end of the data. */
  async commit(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    try {
      await handle?.close();
    } catch (error) {
      throw new FileError({
        message: `Could not close ${printable(this.path)}: ${fsReason(error)}`,
        cause: error,
      });
    }
  }

  /** Closes the target. Safe to call twice. */
  async discard(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
  }
}

/**
 * What is at `path`, or `undefined` when nothing is. Any other failure (no
 * permission to look, under Deno's read permission) is thrown: taken for
 * "nothing there", it would let a rename replace what could not be seen.
 */
async function lookUp(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Refuses a file or directory that has no write permission bit at all. */
function refuseReadOnly(mode: number, what: string): void {
  if ((mode & 0o222) === 0) {
    const bits = (mode & 0o777).toString(8).padStart(4, "0");
    throw new Error(`${what} is read-only (mode ${bits})`);
  }
}

/**
 * Opens the `--out` target, first making sure the user may write it, so a
 * bad path fails before any request and leaves everything as it was:
 *
 * - a path ending in a slash, a directory or a socket is refused;
 * - a target or directory without any write permission bit is refused, even
 *   for root, whom the system would let through: the mode says what its
 *   owner meant;
 * - a regular file the user cannot open for writing is refused, although
 *   renaming over it would succeed, as `>` would refuse it;
 * - a symlink is written through, to the end of a chain of links, even when
 *   the last one names nothing yet, as `>` does; a cycle of links is
 *   refused (`ELOOP`);
 * - a target that is not a regular file is written in place;
 * - anything else gets a temporary file in the target's directory; once
 *   renamed into place it has the permission bits and (where the process
 *   may) the owner of the file it replaces, or is private to its owner when
 *   new, as an audit export holds personal data.
 *
 * Rejects with a plain error whose message does not repeat the path, so the
 * caller can name it as typed and decide it is a usage error.
 */
export async function openOutput(
  target: string,
  cwd: string,
): Promise<OutFile> {
  if (/[\\/]$/.test(target)) {
    throw new Error("it names a directory, not a file");
  }
  // Renamed over, a link would become a file: write where it leads.
  const path = await resolveSymlinks(resolve(cwd, target));
  const existing = await lookUp(path);
  if (existing?.isDirectory()) throw new Error("it is a directory");
  if (existing?.isSocket()) {
    throw new Error("it is a socket, which cannot be written as a file");
  }
  if (existing) {
    refuseReadOnly(existing.mode, "it");
    if (!existing.isFile()) return await DirectFile.open(path);
    // Opened without truncation and closed at once: nothing changes.
    await (await open(path, constants.O_WRONLY)).close();
  }
  const parent = await lookUp(dirname(path));
  if (parent) refuseReadOnly(parent.mode, "its directory");
  return await AtomicFile.create(path, 0o600);
}

/** A file's bytes as a web stream, read in 64 KiB chunks; cancelling it closes the file. */
export function readFileStream(path: string): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  return new ReadableStream<Uint8Array>({
    async start() {
      handle = await open(path, "r");
    },
    async pull(controller) {
      const buffer = new Uint8Array(65_536);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle!.read(buffer, 0, buffer.byteLength));
      } catch (error) {
        await handle?.close().catch(() => {});
        handle = undefined;
        throw error;
      }
      if (bytesRead === 0) {
        await handle!.close();
        handle = undefined;
        controller.close();
      } else controller.enqueue(buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await handle?.close();
      handle = undefined;
    },
  });
}
