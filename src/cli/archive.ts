/**
 * `archive`: `archiveExports` into a directory, for a cron job. Progress
 * per window on stderr, a summary (or `--json`) on stdout; exit 0 when
 * every window up to now is archived, 1 on a failure, 3 when the archive
 * has a gap that can no longer be filled.
 *
 * @module
 */

import {
  ArchiveError,
  archiveExports,
  type ArchiveResult,
} from "../archive.ts";
import { directoryStore } from "../fs_store.ts";
import { resolve } from "node:path";
import type { ClientConfig, WaitOptions } from "../config.ts";
import {
  clientConfig,
  type Context,
  outputFormat,
  printJson,
  withApiKey,
} from "./context.ts";
import { EXIT } from "./report.ts";
import {
  isAge,
  parseCount,
  parseDuration,
  resolveTime,
  splitValues,
} from "./values.ts";
import { UsageError } from "./errors.ts";

const DAY = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

/** The summary of a run, as `--json` prints it. */
function summary(result: ArchiveResult, dir: string) {
  return {
    dir,
    windows: result.windows.length,
    rows: result.windows.reduce((n, w) => n + w.rows, 0),
    gaps: result.gaps.map((g) => ({
      organizationId: g.organizationId,
      from: g.from.toISOString(),
      to: g.to.toISOString(),
    })),
    durationMs: result.durationMs,
  };
}

/** What `demo --archive` sets instead of flags and the environment. */
export interface ArchiveOverrides {
  organizationIds: readonly string[];
  dir: string;
  from: string;
  config: ClientConfig & WaitOptions;
}

/** Runs `archive` and returns its exit code. */
export async function runArchive(
  ctx: Context,
  overrides?: ArchiveOverrides,
): Promise<number> {
  const { args, spec, io } = ctx;
  const organizationIds = overrides?.organizationIds ??
    splitValues("org", args.list("org"), spec);
  if (organizationIds.length === 0) {
    throw new UsageError("--org is required (repeat it for several)", spec);
  }
  const given = overrides?.dir ?? args.string("dir");
  if (given === undefined || given.trim() === "") {
    throw new UsageError("--dir is required: the archive's directory", spec);
  }
  const dir = resolve(io.cwd, given);
  const from = overrides?.from ?? args.string("from");
  const window = args.string("window");
  const settle = args.string("settle");
  const concurrency = args.string("concurrency");
  const windowMs = window === undefined
    ? DAY
    : parseDuration("window", window, spec);
  let start = from === undefined
    ? undefined
    : Date.parse(resolveTime("from", from, io.now(), spec));
  // An age names a day, not an instant to the millisecond: `--from 30d`
  // starts at the window boundary before it, so files line up with days.
  if (start !== undefined && isAge(from!)) start -= start % windowMs;
  const config = overrides?.config ?? withApiKey(ctx, clientConfig(ctx));
  let result: ArchiveResult;
  try {
    result = await archiveExports({
      organizationIds,
      store: directoryStore(dir),
      from: start === undefined ? undefined : new Date(start),
      window: windowMs,
      settle: settle === undefined
        ? undefined
        : parseDuration("settle", settle, spec),
      concurrency: concurrency === undefined
        ? undefined
        : parseCount("concurrency", concurrency, 1, 64, spec),
      format: outputFormat(ctx),
      signal: ctx.signal,
      now: io.now,
      onWindow: (w) =>
        ctx.progress.done(
          `${w.organizationId} ${day(w.start)}${
            w.end.getTime() - w.start.getTime() === DAY
              ? ""
              : ` ${w.start.toISOString()} → ${w.end.toISOString()}`
          }: ${w.rows} row${w.rows === 1 ? "" : "s"} → ${w.key}`,
        ),
    }, config);
  } catch (error) {
    // What was stored before the failure stays stored: say so in the JSON
    // too, then fail with the error's own message and exit code.
    if (error instanceof ArchiveError && ctx.json) {
      await printJson(ctx, {
        ...summary(error.result, dir),
        failures: error.failures.map((f) => ({
          organizationId: f.organizationId,
          error: f.error instanceof Error ? f.error.message : String(f.error),
        })),
      });
    }
    throw error;
  }
  for (const g of result.gaps) {
    // Said even under --quiet and --json: a gap is lost evidence.
    io.stderr(
      `warning: ${g.organizationId} has a gap from ${g.from.toISOString()} ` +
        `to ${g.to.toISOString()}: WorkOS no longer exports those events\n`,
    );
  }
  if (ctx.json) await printJson(ctx, summary(result, dir));
  else {
    const s = summary(result, dir);
    ctx.progress.done(
      s.windows === 0
        ? `Nothing to archive: every whole window is already in ${dir}`
        : `Archived ${s.windows} window${
          s.windows === 1 ? "" : "s"
        }, ${s.rows} rows, into ${dir}`,
    );
  }
  return result.gaps.length > 0 ? EXIT.gap : EXIT.ok;
}
