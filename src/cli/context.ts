/**
 * What every command runs with, and the translation of its flags into the
 * library's options.
 *
 * @module
 */

import type { ClientConfig, WaitOptions } from "../config.ts";
import type { CreateExportOptions } from "../schemas.ts";
import { type ParsedArgs, UsageError } from "./args.ts";
import type { CliIO } from "./io.ts";
import type { Progress } from "./progress.ts";
import type { CommandSpec } from "./spec.ts";
import { parseCount, parseDuration, resolveTime } from "./values.ts";

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

/** The client options of the connection flags and the environment: key, base URL, retries, time budgets, signal. */
export function clientConfig(ctx: Context): ClientConfig & WaitOptions {
  const { args, io, spec } = ctx;
  const config: ClientConfig & WaitOptions = { signal: ctx.signal };
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
  return config;
}

/**
 * Adds the API key from `WORKOS_API_KEY`. Checked by the CLI rather than
 * left to the library, whose fallback would read the real environment even
 * when a test injected its own.
 */
export function withApiKey<T extends ClientConfig>(ctx: Context, config: T): T {
  const apiKey = ctx.io.env("WORKOS_API_KEY");
  if (!apiKey) {
    throw new UsageError(
      "WORKOS_API_KEY is not set: put your WorkOS API key (sk_…) in the environment",
      ctx.spec,
    );
  }
  return { ...config, apiKey };
}

/** The `createExport` options of the filter flags. `--to` defaults to now. */
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
  const options: CreateExportOptions = {
    organizationId: org,
    rangeStart: resolveTime(from, now),
    rangeEnd: resolveTime(args.string("to") ?? "now", now),
  };
  const lists = [
    ["action", "actions"],
    ["actor-id", "actorIds"],
    ["actor-name", "actorNames"],
    ["target", "targets"],
  ] as const;
  for (const [flag, key] of lists) {
    const values = args.list(flag);
    if (values.length > 0) options[key] = values;
  }
  return options;
}

/** Prints a value as JSON on stdout: one line under `--json`, indented otherwise. */
export async function printJson(ctx: Context, value: unknown): Promise<void> {
  await ctx.io.stdout(
    `${JSON.stringify(value, null, ctx.json ? undefined : 2)}\n`,
  );
}
