/**
 * The CLI's own failures, beside `report.ts`, which turns each into its
 * message and exit code: a usage mistake exits 2, an interruption 128 + the
 * signal number, and the rest 1 (a closed stdout ends the run quietly).
 * Each is built from one init object, as the library's errors are.
 *
 * @module
 */

import type { CommandSpec } from "./spec.ts";

/** What a {@link UsageError} is built from. */
export interface UsageErrorInit {
  /** What is wrong, naming the flag. */
  message: string;
  /** The command being parsed, for the usage hint. */
  command?: CommandSpec;
}

/** Bad usage: an unknown flag, a missing or malformed value. Exit code 2. */
export class UsageError extends Error {
  /** The command whose usage to show, when known. */
  readonly command: CommandSpec | undefined;

  /** @param init The message and, when known, the command. */
  constructor(init: UsageErrorInit) {
    super(init.message);
    this.name = "UsageError";
    this.command = init.command;
  }
}

/** What a {@link FileError} or a {@link TransferError} is built from. */
export interface CliErrorInit {
  /** What failed, and where or after how much. */
  message: string;
  /** The underlying error. */
  cause?: unknown;
}

/** A file-system failure while writing `--out` (not a usage mistake). Exit code 1. */
export class FileError extends Error {
  /** @param init What failed and where, and the underlying error. */
  constructor(init: CliErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = "FileError";
  }
}

/** The download's byte stream broke off (a reset, a truncated body) or stalled. Exit code 1. */
export class TransferError extends Error {
  /** @param init What broke and after how many bytes, and the stream's error. */
  constructor(init: CliErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = "TransferError";
  }
}

/** A file given to read (`summary`) that does not parse, naming the line. Exit code 1. */
export class InputError extends Error {
  /** @param init What is wrong and where, and the underlying error. */
  constructor(init: CliErrorInit) {
    super(init.message, { cause: init.cause });
    this.name = "InputError";
  }
}

/** stdout was closed by the reader (e.g. `| head`). */
export class StdoutClosed extends Error {
  constructor() {
    super("stdout was closed");
    this.name = "StdoutClosed";
  }
}

/** What an {@link Interrupted} is built from. */
export interface InterruptedInit {
  /** The signal's name, e.g. `"SIGINT"`; none when the caller's own signal cancelled the run. */
  signal?: string;
}

/** The command was stopped by a signal. */
export class Interrupted extends Error {
  /** The exit code a shell expects: 128 + the signal number. */
  readonly exitCode: number;

  /** @param init The signal, when one stopped the run. */
  constructor(init: InterruptedInit = {}) {
    const { signal } = init;
    super(signal ? `interrupted by ${signal}` : "interrupted");
    this.name = "Interrupted";
    this.exitCode = signal === "SIGTERM" ? 143 : 130;
  }
}
