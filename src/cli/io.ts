/**
 * Where the CLI reads and writes. By default the real process (through
 * `node:process`, which Deno, Node and Bun all provide); tests inject their
 * own writers, environment and terminal flag to run `main` in-process.
 *
 * @module
 */

import process from "node:process";
import { Readable } from "node:stream";
import { envDenied, readEnv } from "../env.ts";
import { StdoutClosed } from "./errors.ts";

/**
 * The CLI's view of its process. Every member can be replaced.
 *
 * @example
 * ```ts
 * import { type CliIO, main } from "@audit-log/export/cli";
 * let output = "";
 * const io: Partial<CliIO> = {
 *   stdout: async (chunk) => void (output += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk)),
 *   env: (name) => (name === "WORKOS_API_KEY" ? "sk_test_emulator" : undefined),
 * };
 * const code = await main(["--version"], io);
 * console.log(code, output); // 0 "audit-log-export 0.1.0\n" (the current version)
 * ```
 */
export interface CliIO {
  /** Writes data to stdout; resolves when the chunk is accepted, so large downloads respect backpressure. */
  stdout(chunk: string | Uint8Array): Promise<void>;
  /** Writes messages and progress to stderr. */
  stderr(text: string): void;
  /** Reads an environment variable (`WORKOS_API_KEY`, `WORKOS_BASE_URL`). */
  env(name: string): string | undefined;
  /**
   * Whether the runtime refuses to read this variable (Deno without
   * `--allow-env` for it), so that `env` says nothing about whether it is
   * set. Absent when `env` is replaced: its answer is then the whole truth.
   */
  envDenied?(name: string): boolean;
  /** Whether stderr is a terminal: progress is redrawn in place only then. */
  isTTY: boolean;
  /** Columns of that terminal, when it tells; `COLUMNS` in `env` wins. */
  columns?: number;
  /** Reads stdin as bytes (`summary -`). */
  stdin(): ReadableStream<Uint8Array>;
  /** The directory relative `--out` paths are resolved against. */
  cwd: string;
  /** The clock, in epoch ms: relative times and elapsed seconds. */
  now(): number;
  /**
   * Cancels the running command. When absent, `main` wires SIGINT and
   * SIGTERM of the real process to its own signal.
   */
  signal?: AbortSignal;
}

let stdoutGuarded = false;

function writeStdout(chunk: string | Uint8Array): Promise<void> {
  if (!stdoutGuarded) {
    // Without a listener, an EPIPE 'error' event would crash Node outright;
    // the write callback below reports it instead.
    process.stdout.on("error", () => {});
    stdoutGuarded = true;
  }
  return new Promise((resolve, reject) => {
    process.stdout.write(chunk, (error) => {
      if (!error) return resolve();
      const code = (error as { code?: string }).code;
      reject(code === "EPIPE" ? new StdoutClosed() : error);
    });
  });
}

let stderrGuarded = false;

/**
 * Writes progress and messages to stderr. A reader that went away (`2>&1 |
 * head -1`) must not end the run: what is being saved to a file is worth
 * more than the progress nobody reads, so later writes are dropped.
 */
function writeStderr(text: string): void {
  if (!stderrGuarded) {
    // Without a listener, the EPIPE 'error' event would crash the process
    // mid-download and leave its temporary file behind.
    process.stderr.on("error", () => {});
    stderrGuarded = true;
  }
  try {
    process.stderr.write(text);
  } catch {
    // Closed: nobody is listening.
  }
}

/** The real process's IO, with any given member overriding it. */
export function processIO(overrides: Partial<CliIO> = {}): CliIO {
  return {
    stdout: overrides.stdout ?? writeStdout,
    stderr: overrides.stderr ?? writeStderr,
    env: overrides.env ?? readEnv,
    envDenied: overrides.envDenied ??
      (overrides.env ? undefined : envDenied),
    isTTY: overrides.isTTY ?? process.stderr.isTTY === true,
    columns: "columns" in overrides ? overrides.columns : stderrColumns(),
    stdin: overrides.stdin ?? readStdin,
    cwd: overrides.cwd ?? currentDir(),
    now: overrides.now ?? Date.now,
    signal: overrides.signal,
  };
}

/** The process's stdin as a web stream. */
function readStdin(): ReadableStream<Uint8Array> {
  return Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>;
}

/** The width of the terminal on stderr, when it is one. */
function stderrColumns(): number | undefined {
  try {
    const columns = process.stderr.columns;
    return typeof columns === "number" && columns > 0 ? columns : undefined;
  } catch {
    return undefined;
  }
}

function currentDir(): string {
  try {
    return process.cwd();
  } catch {
    // Deno without read permission: relative paths still resolve against ".".
    return ".";
  }
}
