/**
 * What every command runs with, and the translation of its flags into the
 * library's options.
 *
 * @module
 */

import { type AuditLogsClient, createClient } from "../client.ts";
import {
  type ClientConfig,
  WAIT_DEFAULTS,
  type WaitOptions,
} from "../config.ts";
import { withoutQuery } from "../errors.ts";
import { FILTER_FLAGS } from "./filter_flags.ts";
import type { CreateExportOptions } from "../schemas.ts";
import type { ParsedArgs } from "./args.ts";
import type { CliIO } from "./io.ts";
import type { Progress } from "./progress.ts";
import { checkRetention } from "./retention.ts";
import { type CommandSpec, FORMATS, type OutputFormat } from "./spec.ts";
import { attemptLine } from "./verbose.ts";
import {
  parseChoice,
  parseCount,
  parseDuration,
  resolveTime,
  splitValues,
} from "./values.ts";
import { UsageError } from "./errors.ts";

/** One run of one command. */
export interface Context {
  /** The process, with secrets redacted from text output. */
  readonly io: CliIO;
  /** The parsed command line. */
  readonly args: ParsedArgs;
  /** The command being run. */
  readonly spec: CommandSpec;
  /** Aborted on Ctrl-C / SIGTERM (or by the caller of `main`). */
  readonly signal: AbortSignal;
  /** Progress on stderr; silent under `--json` or `--quiet`. */
  readonly progress: Progress;
  /** Whether `--json` was given. */
  readonly json: boolean;
}

/**
 * `onAttempt` under `--verbose`: a line per HTTP attempt, printed even
 * under `--quiet`, which silences progress only. Without the flag the
 * library keeps its own default (`AUDIT_LOG_EXPORT_DEBUG=1`).
 */
export function attemptLog(ctx: Context): Pick<ClientConfig, "onAttempt"> {
  return ctx.args.bool("verbose")
    ? { onAttempt: (info) => ctx.progress.line(attemptLine(info)) }
    : {};
}

/** The client options of the connection flags and the environment: key, base URL, retries, time budgets, signal, `--verbose`. */
export function clientConfig(ctx: Context): ClientConfig & WaitOptions {
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
  const maxWait = args.string("max-wait");
  if (maxWait !== undefined) {
    config.maxWait = parseDuration("max-wait", maxWait, spec);
  }
  const poll = args.string("poll-interval");
  if (poll !== undefined) {
    config.pollInterval = parseDuration("poll-interval", poll, spec);
    // Polls back off up to a cap; a first interval above it must not shrink.
    config.maxPollInterval = Math.max(
      WAIT_DEFAULTS.maxPollInterval,
      config.pollInterval,
    );
  }
  if (
    (config.maxWait ?? WAIT_DEFAULTS.maxWait) <
      (config.pollInterval ?? WAIT_DEFAULTS.pollInterval)
  ) {
    // The wait would end before a second poll, as a time-out that looks like
    // a slow API rather than the flags that caused it.
    const given = (text: string | undefined, fallback: string) =>
      text === undefined ? `${fallback} (the default)` : text.trim();
    throw new UsageError(
      `--max-wait ${given(maxWait, "10m")} is shorter than one poll ` +
        `interval, --poll-interval ${given(poll, "1s")}: the wait would end ` +
        "before the export is polled a second time; make --max-wait at " +
        "least as long, or --poll-interval shorter",
      spec,
    );
  }
  return config;
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

/** The run's client, from the connection flags and `WORKOS_API_KEY`. */
export function connect(ctx: Context): Connection {
  return connection(withApiKey(ctx, clientConfig(ctx)));
}

/** The `--format` of `download` and `export`: `csv` unless given. */
export function outputFormat(ctx: Context): OutputFormat {
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
    throw new UsageError(
      "cannot read WORKOS_API_KEY: Deno was not allowed to read the " +
        "environment; run with --allow-env (or " +
        "--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL)",
      ctx.spec,
    );
  }
  if (!apiKey) {
    throw new UsageError(
      "WORKOS_API_KEY is not set: put your WorkOS API key (sk_…) in the environment",
      ctx.spec,
    );
  }
  return { ...config, apiKey };
}

/**
 * The `createExport` options of the filter flags. `--to` defaults to now;
 * a `--from` older than the API keeps is refused here, before any request.
 * `--action`, `--actor-id` and `--target` values are split on commas (their
 * names and ids have none); `--actor-name` never is, as names can have them.
 */
export function exportOptions(ctx: Context): CreateExportOptions {
  const { args, spec } = ctx;
  const require = (flag: string) => {
    const value = args.string(flag);
    if (value === undefined) {
      throw new UsageError(`--${flag} is required`, spec);
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
 * Prints a value as JSON on stdout: one line under `--json`, indented
 * otherwise. An export's download URL loses its query (the signature)
 * unless `--show-url` was given: this output is what cron mail and CI logs
 * keep, long after the download is done.
 */
export async function printJson(ctx: Context, value: unknown): Promise<void> {
  const shown = ctx.args.bool("show-url") ? value : withoutSignatures(value);
  await ctx.io.stdout(
    `${JSON.stringify(shown, null, ctx.json ? undefined : 2)}\n`,
  );
}
