/**
 * The CLI's own failures, beside `report.ts`, which turns each into its
 * message and exit code: a usage mistake exits 2, an interruption 128 + the
 * signal number, and the rest 1 (a closed stdout ends the run quietly).
 *
 * @module
 */

import type { CommandSpec } from "./spec.ts";

/** Bad usage: an unknown flag, a missing or malformed value. Exit code 2. */
export class UsageError extends Error {
  /** The command whose usage to show, when known. */
  readonly command: CommandSpec | undefined;

  /**
   * @param message What is wrong, naming the flag.
   * @param command The command being parsed, for the usage hint.
   */
  constructor(message: string, command?: CommandSpec) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

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

/** The download's byte stream broke off (a reset, a truncated body) or stalled. Exit code 1. */
export class TransferError extends Error {
  /**
   * @param message What broke and after how many bytes.
   * @param cause The stream's error.
   */
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "TransferError";
  }
}

/** stdout was closed by the reader (e.g. `| head`). */
export class StdoutClosed extends Error {
  constructor() {
    super("stdout was closed");
    this.name = "StdoutClosed";
  }
}

/** The command was stopped by a signal. */
export class Interrupted extends Error {
  /** The exit code a shell expects: 128 + the signal number. */
  readonly exitCode: number;

  /** @param signal The signal's name, e.g. `"SIGINT"`; none when the caller's own signal cancelled the run. */
  constructor(signal?: string) {
    super(signal ? `interrupted by ${signal}` : "interrupted");
    this.name = "Interrupted";
    this.exitCode = signal === "SIGTERM" ? 143 : 130;
  }
}
