/**
 * Turns whatever a command threw into a message on stderr and an exit code:
 * 2 for bad usage or invalid input, 4 for an archive file that failed its
 * check, 1 for API, network and file failures, 128 + the signal number
 * when interrupted.
 *
 * @module
 */

import {
  ApiError,
  ArchiveIntegrityError,
  AuthenticationError,
  ExportFailedError,
  InvalidResponseError,
  NoEventsError,
  ValidationError,
} from "../../mod.ts";
import { usageHint } from "./help.ts";
import { PROGRAM } from "./spec.ts";
import { FILTER_FLAGS } from "./filter_flags.ts";
import { printable } from "./values.ts";
import type { CommandSpec } from "./spec.ts";
import { Interrupted, UsageError } from "./errors.ts";

/**
 * Exit codes of the CLI, each with one meaning: `gap`, the archive has a
 * span WorkOS no longer exports; `verify`, the archive is not as it was
 * written (a file changed, missing, unsigned, off the chain).
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  gap: 3,
  verify: 4,
} as const;

/** Library option names as the CLI spells them, so an issue names the flag to fix. */
const FLAG_OF: Record<string, string> = {
  organizationId: "--org",
  organizationIds: "--org",
  store: "--dir or --s3",
  from: "--from",
  to: "--to",
  publicKey: "--public-key",
  signingKey: "--signing-key",
  compress: "--compress",
  window: "--window",
  settle: "--settle",
  format: "--format",
  concurrency: "--concurrency",
  recheck: "--recheck",
  acceptGaps: "--accept-gaps",
  rangeStart: "--from",
  rangeEnd: "--to",
  ...Object.fromEntries(
    FILTER_FLAGS.flatMap((f) =>
      [f.option, ...f.aliases].map((name) => [name, `--${f.flag}`])
    ),
  ),
  id: "<id>",
  apiKey: "WORKOS_API_KEY",
  baseUrl: "--base-url (or WORKOS_BASE_URL)",
  maxRetries: "--max-retries",
  timeout: "--timeout",
  maxWait: "--max-wait",
  pollInterval: "--poll-interval",
};

// Only camelCase names are rewritten inside a message: "from", "store" or
// "id" there are plain English ("from 60000 to …"), and the issue's path
// names the flag already.
const NAMES = new RegExp(
  `\\b(${Object.keys(FLAG_OF).filter((k) => /[A-Z]/.test(k)).join("|")})\\b`,
  "g",
);

/** `"actions.1"` → `"--action (value 2)"`. */
function flagOf(path: string): string {
  const [head, index] = path.split(".");
  const flag = FLAG_OF[head] ?? head;
  return index !== undefined && /^\d+$/.test(index)
    ? `${flag} (value ${Number(index) + 1})`
    : flag;
}

/** The message lines of an API-side failure: message, HTTP status and request id, field errors. */
function failureLines(error: unknown): string[] {
  if (error instanceof NoEventsError) {
    return [
      `${error.message}: no event in this period matches the filters, so ` +
      "WorkOS created no export.",
      `  Widen --from/--to or the filters, or use '${PROGRAM} export', ` +
      "which writes an empty output for such a period and exits 0.",
    ];
  }
  if (error instanceof ApiError) {
    const lines = [
      error.code ? `${error.message} [${error.code}]` : error.message,
    ];
    for (const e of error.errors ?? []) {
      const f = e as {
        field?: unknown;
        code?: unknown;
        instancePath?: unknown;
      };
      const where = f.field ?? f.instancePath;
      lines.push(
        `  ${where ?? JSON.stringify(e)}${f.code ? `: ${f.code}` : ""}`,
      );
    }
    if (error instanceof AuthenticationError) {
      lines.push("  Check WORKOS_API_KEY and --base-url.");
    }
    return lines;
  }
  if (error instanceof InvalidResponseError) {
    return [
      `${error.message} (HTTP ${error.status}${
        error.requestId ? `, request id ${error.requestId}` : ""
      })`,
    ];
  }
  if (error instanceof ExportFailedError) {
    return [`${error.message}; create a new export to try again`];
  }
  return [error instanceof Error ? error.message : String(error)];
}

// What a terminal would act on, but line breaks and tabs, which messages use.
const UNSAFE_IN_LINES =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A failure's message made safe for a terminal: it can quote what a server
 * answered (an S3 endpoint's error body), and a hostile one could answer
 * with escape sequences.
 */
function lineSafe(text: string): string {
  return text.replace(UNSAFE_IN_LINES, (c) => printable(c));
}

/** Writes the message of `error` to stderr and returns the exit code. */
export function report(
  error: unknown,
  stderr: (text: string) => void,
  spec?: CommandSpec,
): number {
  if (error instanceof UsageError) {
    stderr(`${PROGRAM}: ${error.message}\n${usageHint(error.command ?? spec)}`);
    return EXIT.usage;
  }
  if (error instanceof ValidationError) {
    const lines = error.issues.map((i) => {
      const message = i.message.replace(NAMES, (name) => FLAG_OF[name]);
      const flag = i.path ? flagOf(i.path) : "";
      // "--org must not be empty" names its flag already; don't say it twice.
      const named = !flag || message.startsWith(FLAG_OF[i.path] ?? "\0");
      return `  ${named ? "" : `${flag}: `}${message}`;
    });
    stderr(
      `${PROGRAM}: invalid input:\n${lines.join("\n")}\n${usageHint(spec)}`,
    );
    return EXIT.usage;
  }
  if (error instanceof ArchiveIntegrityError) {
    // The key is the store's, which a hostile writer may have named.
    stderr(
      `${PROGRAM}: verification failed: ${printable(error.message)}\n` +
        `  Run '${PROGRAM} verify' for a report of the whole archive.\n`,
    );
    return EXIT.verify;
  }
  if (error instanceof Interrupted) {
    stderr(`${PROGRAM}: ${error.message}\n`);
    return error.exitCode;
  }
  stderr(`${PROGRAM}: error: ${lineSafe(failureLines(error).join("\n"))}\n`);
  return EXIT.failure;
}
