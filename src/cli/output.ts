/**
 * Atomic output files: the bytes go to a hidden temporary file next to the
 * target and are renamed onto it only when everything succeeded. A rename
 * within one directory is atomic, so a reader of the target sees the old
 * file or the whole new one, never half a download.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import {
  type FileHandle,
  open,
  realpath,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

/** A file-system failure while writing `--out` (not a usage mistake). Exit code 1. */
export class FileError extends Error {
  /**
   * @param message What failed and where.
   * @param cause The underlying error.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "FileError";
  }
}

const reason = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

/** A file being written: commit renames it into place, discard removes every trace. */
export class AtomicFile {
  /** The absolute path the file will have once committed. */
  readonly path: string;
  /** The absolute path of the temporary file. */
  readonly tempPath: string;
  #handle: FileHandle | undefined;
  #settled = false;

  private constructor(path: string, tempPath: string, handle: FileHandle) {
    this.path = path;
    this.tempPath = tempPath;
    this.#handle = handle;
  }

  /**
   * Creates the temporary file `.<name>.<random>.part` in the target's
   * directory. Opening first means a bad `--out` fails before any request.
   * Rejects with a plain error (the caller decides it is a usage error).
   */
  static async open(target: string, cwd: string): Promise<AtomicFile> {
    if (/[\\/]$/.test(target)) {
      throw new Error(`${target} names a directory, not a file`);
    }
    // A symlink is written through, so the link stays a link.
    const path = await realpath(resolve(cwd, target)).catch(() =>
      resolve(cwd, target)
    );
    const existing = await stat(path).catch(() => undefined);
    if (existing?.isDirectory()) throw new Error(`${path} is a directory`);
    const tempPath = join(
      dirname(path),
      `.${basename(path)}.${randomBytes(6).toString("hex")}.part`,
    );
    // "wx": never reuse or follow a file that is already there. An audit
    // export holds personal data: a new file is private to its owner, and a
    // replaced one keeps its permissions.
    const handle = await open(
      tempPath,
      "wx",
      existing ? existing.mode & 0o777 : 0o600,
    );
    return new AtomicFile(path, tempPath, handle);
  }

  /** Appends bytes to the temporary file. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.#handle) throw new FileError(`${this.tempPath} is closed`);
    let offset = 0;
    try {
      while (offset < chunk.byteLength) {
        const { bytesWritten } = await this.#handle.write(
          chunk,
          offset,
          chunk.byteLength - offset,
        );
        offset += bytesWritten;
      }
    } catch (error) {
      throw new FileError(
        `Could not write ${this.tempPath}: ${reason(error)}`,
        error,
      );
    }
  }

  /** Flushes the data to disk and closes the temporary file, before it is read back. */
  async finish(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return;
    try {
      // Without the sync a crash right after the rename could leave an empty target.
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => {});
      throw new FileError(
        `Could not flush ${this.tempPath}: ${reason(error)}`,
        error,
      );
    }
    await handle.close();
  }

  /** Renames the finished file onto the target, replacing any file there. */
  async commit(): Promise<void> {
    await this.finish();
    try {
      await rename(this.tempPath, this.path);
      this.#settled = true;
    } catch (error) {
      throw new FileError(
        `Could not move the download to ${this.path}: ${reason(error)}`,
        error,
      );
    }
  }

  /** Closes and deletes the temporary file; the target is left as it was. Safe to call twice. */
  async discard(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => {});
    await unlink(this.tempPath).catch(() => {});
  }
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
