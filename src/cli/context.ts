/**
 * What every command runs with, and the translation of its flags into the
 * library's options. Each helper states in its signature the flags it
 * reads (`Context<{ timeout: "string" }>`), so only a command that
 * declares them can call it.
 *
 * @module
 */

import {
  type AuditLogsClient,
  CLIENT_DEFAULTS,
  type ClientConfig,
  createClient,
  type CreateExportOptions,
  type WaitOptions,
} from "../../mod.ts";
import { withoutQuery } from "../errors.ts";
import type { ParsedArgs } from "./args.ts";
import { FILTER_FLAGS, type FilterFlagName } from "./filter_flags.ts";
import type { CliIO } from "./io.ts";
import type { Progress } from "./progress.ts";
import type { Terminal } from "./terminal.ts";
import { checkRetention } from "./retention.ts";
import {
  type CommandFlags,
  type CommandName,
  type CommandSpec,
  type FlagTable,
  FORMATS,
  type OutputFormat,
} from "./spec.ts";
import { attemptLine } from "./verbose.ts";
import {
  parseChoice,
  parseCount,
  parseDuration,
  resolveTime,
  splitValues,
} from "./values.ts";
import { UsageError } from "./errors.ts";

/** The flag table of code that reads no flag: every command's context passes. */
export type NoFlags = Record<never, never>;

/**
 * One run of one command. `F` is the table of the flags the code at hand
 * may read: a runner gets its whole command's ({@link CommandContext}), a
 * shared helper asks for the few it reads.
 */
export interface Context<F extends FlagTable = NoFlags> {
  /** The process, with secrets redacted from text output. */
  readonly io: CliIO;
  /** The parsed command line. */
  readonly args: ParsedArgs<F>;
  /** The command being run. */
  readonly spec: CommandSpec;
  /** Aborted on Ctrl-C / SIGTERM (or by the caller of `main`). */
  readonly signal: AbortSignal;
  /** Progress on stderr; silent under `--json` or `--quiet`. */
  readonly progress: Progress;
  /** What stderr can show: redraws, colour, unicode, width. */
  readonly terminal: Terminal;
  /** Whether `--json` was given. */
  readonly json: boolean;
}

/** The context of a runner: every flag of the command named `C`. */
export type CommandContext<C extends CommandName> = Context<CommandFlags<C>>;

/** The flags of the API connection, which every command that calls the API declares. */
export type ConnectionFlags = {
  "base-url": "string";
  "max-retries": "string";
  timeout: "string";
  verbose: "boolean";
};

/** The flags of the commands that wait for an export to be ready. */
export type WaitingFlags = { "max-wait": "string"; "poll-interval": "string" };

/** The flags that select what an export holds: organization, range, filters. */
export type SelectionFlags =
  & { org: "string"; from: "string"; to: "string" }
  & Record<FilterFlagName, "list">;

/**
 * `onAttempt` under `--verbose`: a line per HTTP attempt, printed even
 * under `--quiet`, which silences progress only. Without the flag the
 * library keeps its own default (`AUDIT_LOG_EXPORT_DEBUG=1`).
 */
export function attemptLog(
  ctx: Context<{ verbose: "boolean" }>,
): Pick<ClientConfig, "onAttempt"> {
  return ctx.args.bool("verbose")
    ? { onAttempt: (info) => ctx.progress.line(attemptLine(info)) }
    : {};
}

/** The client options of the connection flags and the environment: base URL, retries, time budget, signal, `--verbose`. */
export function clientConfig(
  ctx: Context<ConnectionFlags>,
): ClientConfig & WaitOptions {
  const { args, io, spec } = ctx;
  const config: ClientConfig & WaitOptions = {
    signal: ctx.signal,
    ...attemptLog(ctx),
  };
  const baseUrl = args.string("base-url") ?? io.env("WORKOS_BASE_URL");
  if (baseUrl) config.baseUrl = baseUrl;
  const retries = args.string("max-retries");
  if (retries !== undefined) {
    config.maxRetries = parseCount("max-retries", retries, 0, 100, spec);
  }
  const timeout = args.string("timeout");
  if (timeout !== undefined) {
    config.timeout = parseDuration("timeout", timeout, spec);
  }
  return config;
}

/** The budgets of `--max-wait` and `--poll-interval`, checked against each other. */
export function waitBudget(ctx: Context<WaitingFlags>): WaitOptions {
  const { args, spec } = ctx;
  const budget: WaitOptions = {};
  const maxWait = args.string("max-wait");
  if (maxWait !== undefined) {
    budget.maxWait = parseDuration("max-wait", maxWait, spec);
  }
  const poll = args.string("poll-interval");
  if (poll !== undefined) {
    budget.pollInterval = parseDuration("poll-interval", poll, spec);
    // Polls back off up to a cap; a first interval above it must not shrink.
    budget.maxPollInterval = Math.max(
      CLIENT_DEFAULTS.maxPollInterval,
      budget.pollInterval,
    );
  }
  if (
    (budget.maxWait ?? CLIENT_DEFAULTS.maxWait) <
      (budget.pollInterval ?? CLIENT_DEFAULTS.pollInterval)
  ) {
    // The wait would end before a second poll, as a time-out that looks like
    // a slow API rather than the flags that caused it.
    const given = (text: string | undefined, fallback: string) =>
      text === undefined ? `${fallback} (the default)` : text.trim();
    throw new UsageError({
      message: `--max-wait ${given(maxWait, "10m")} is shorter than one ` +
        `poll interval, --poll-interval ${given(poll, "1s")}: the wait ` +
        "would end before the export is polled a second time; make " +
        "--max-wait at least as long, or --poll-interval shorter",
      command: spec,
    });
  }
  return budget;
}

/** The run's one client, and the options of its calls that wait. */
export interface Connection {
  /** Bound to the key, base URL, retries, time-out and `--verbose`. */
  readonly client: AuditLogsClient;
  /** The run's signal and the `--max-wait`/`--poll-interval` budgets. */
  readonly wait: WaitOptions;
}

/** Splits a config into the run's client (validated once, here) and its waiting options. */
export function connection(config: ClientConfig & WaitOptions): Connection {
  const { signal, maxWait, pollInterval, maxPollInterval, ...client } = config;
  return {
    client: createClient(client),
    wait: { signal, maxWait, pollInterval, maxPollInterval },
  };
}

/** The client of a command that does not wait: connection flags and `WORKOS_API_KEY`. */
export function connect(ctx: Context<ConnectionFlags>): Connection {
  return connection(withApiKey(ctx, clientConfig(ctx)));
}

/** The client of a command that waits: also `--max-wait` and `--poll-interval`. */
export function connectWaiting(
  ctx: Context<ConnectionFlags & WaitingFlags>,
): Connection {
  // Flags first, in the order of the help; the key once they are all fine.
  const config = clientConfig(ctx);
  return connection(withApiKey(ctx, { ...config, ...waitBudget(ctx) }));
}

/** The `--format` of `download`, `export` and `archive`: `csv` unless given. */
export function outputFormat(
  ctx: Context<{ format: "string" }>,
): OutputFormat {
  const text = ctx.args.string("format");
  return text === undefined
    ? "csv"
    : parseChoice("format", text, FORMATS, ctx.spec);
}

/**
 * Adds the API key from `WORKOS_API_KEY`. Checked by the CLI rather than
 * left to the library, whose fallback would read the real environment even
 * when a test injected its own.
 */
export function withApiKey<T extends ClientConfig>(ctx: Context, config: T): T {
  const apiKey = ctx.io.env("WORKOS_API_KEY");
  if (!apiKey && ctx.io.envDenied?.("WORKOS_API_KEY")) {
    // Unreadable is not unset: telling a user who did set the key to set it
    // sends them looking in the wrong place. WORKOS_BASE_URL is named too,
    // as without it a base URL the user set would be silently ignored.
    throw new UsageError({
      message: "cannot read WORKOS_API_KEY: Deno was not allowed to read " +
        "the environment; run with --allow-env (or " +
        "--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL)",
      command: ctx.spec,
    });
  }
  if (!apiKey) {
    throw new UsageError({
      message:
        "WORKOS_API_KEY is not set: put your WorkOS API key (sk_…) in the environment",
      command: ctx.spec,
    });
  }
  return { ...config, apiKey };
}

/**
 * The `createExport` options of the selection flags. `--to` defaults to
 * now; a `--from` older than the API keeps is refused here, before any
 * request. `--action`, `--actor-id` and `--target` values are split on
 * commas (their names and ids have none); `--actor-name` never is, as
 * names can have them.
 */
export function exportOptions(
  ctx: Context<SelectionFlags>,
): CreateExportOptions {
  const { args, spec } = ctx;
  const require = (flag: "org" | "from") => {
    const value = args.string(flag);
    if (value === undefined) {
      throw new UsageError({ message: `--${flag} is required`, command: spec });
    }
    return value;
  };
  const org = require("org");
  const from = require("from");
  const now = ctx.io.now();
  const rangeStart = resolveTime("from", from, now, spec);
  const rangeEnd = resolveTime("to", args.string("to") ?? "now", now, spec);
  checkRetention("from", from, rangeStart, now, spec);
  const options: CreateExportOptions = {
    organizationId: org,
    rangeStart,
    rangeEnd,
  };
  for (const { flag, option, split } of FILTER_FLAGS) {
    const given = args.list(flag);
    const values = split ? splitValues(flag, given, spec) : given;
    if (values.length > 0) options[option] = values;
  }
  return options;
}

/**
 * `value` with every export in it (at any depth of plain objects and
 * arrays) given its download URL without the query.
 */
export function withoutSignatures(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSignatures);
  if (typeof value !== "object" || value === null) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = withoutSignatures(item);
  }
  if (out.object === "audit_log_export" && typeof out.url === "string") {
    out.url = withoutQuery(out.url);
  }
  return out;
}

/**
 * Whether `--show-url` asks for download URLs whole, signature included.
 * Commands without the flag (`archive`, `demo`) always print them without.
 */
export function showUrl(ctx: Context<{ "show-url": "boolean" }>): boolean {
  return ctx.args.bool("show-url");
}

/**
 * Prints a value as JSON on stdout: one line under `--json`, indented
 * otherwise. An export's download URL loses its query (the signature)
 * unless `whole` (`--show-url`): this output is what cron mail and CI logs
 * keep, long after the download is done.
 */
export async function printJson(
  ctx: Context,
  value: unknown,
  whole = false,
): Promise<void> {
  const shown = whole ? value : withoutSignatures(value);
  await ctx.io.stdout(
    `${JSON.stringify(shown, null, ctx.json ? undefined : 2)}\n`,
  );
}
