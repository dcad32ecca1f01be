/**
 * `archive`: `archiveExports` into a directory or an S3 bucket, for a cron
 * job. Progress per window on stderr, a summary (or `--json`) on stdout;
 * exit 0 when every window up to now is archived, 1 on a failure, 3 when
 * the archive has a gap that can no longer be filled.
 *
 * @module
 */

import { resolve } from "node:path";
import {
  ARCHIVE_DEFAULTS,
  type ArchiveConfig,
  ArchiveError,
  archiveExports,
  type ArchiveOptions,
  type ArchivePlan,
  type ArchiveResult,
} from "../../mod.ts";
import {
  clientConfig,
  type CommandContext,
  type Context,
  outputFormat,
  printJson,
  withApiKey,
} from "./context.ts";
import { EXIT } from "./report.ts";
import {
  type DurationRange,
  isAge,
  parseChoice,
  parseCount,
  parseDuration,
  resolveTime,
  splitValues,
} from "./values.ts";
import { UsageError } from "./errors.ts";
import { readKeyFile } from "./key_file.ts";
import { renderArchiveTable } from "./archive_table.ts";
import {
  type ArchiveLocation,
  archiveLocation,
  parseObjectLock,
} from "./store_flags.ts";

const DAY = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

/** The summary of a run, as `--json` prints it. */
function summary(result: ArchiveResult, location: ArchiveLocation) {
  const iso = (d: Date | undefined) => d?.toISOString();
  return {
    ...location.json,
    windows: result.windows.length,
    rows: result.windows.reduce((n, w) => n + w.rows, 0),
    late: result.late.reduce((n, l) => n + l.rows, 0),
    addenda: result.late.map((l) => ({
      organizationId: l.organizationId,
      window: l.window,
      key: l.key,
      rows: l.rows,
    })),
    vanished: result.vanished.map((v) => ({
      organizationId: v.organizationId,
      window: v.window,
      count: v.count,
    })),
    gaps: result.gaps.map((g) => ({
      organizationId: g.organizationId,
      from: iso(g.from),
      to: iso(g.to),
      detectedAt: iso(g.detectedAt),
    })),
    acceptedGaps: result.acceptedGaps.map((g) => ({
      organizationId: g.organizationId,
      from: iso(g.from),
      to: iso(g.to),
      acceptedAt: iso(g.acceptedAt),
    })),
    recheckSkipped: result.recheckSkipped,
    durationMs: result.durationMs,
  };
}

/**
 * One run of the archive into a store: what `archive` reads from its
 * flags, and `demo --archive` sets itself.
 */
export type ArchiveRun =
  & Pick<
    ArchiveOptions,
    | "from"
    | "window"
    | "settle"
    | "recheck"
    | "acceptGaps"
    | "concurrency"
    | "format"
    | "compress"
    | "signingKey"
  >
  & {
    /** The organizations to archive. */
    organizationIds: readonly string[];
    /** The archive's store. */
    location: ArchiveLocation;
  };

/**
 * What a run leaves for a person to know, on stderr whatever else is said
 * (even under --quiet and --json, and when the run failed): gaps are lost
 * evidence, late and vanished events are news about evidence already kept.
 */
function warnings(ctx: Context, result: ArchiveResult): void {
  const { io } = ctx;
  for (const g of result.gaps) {
    io.stderr(
      `warning: ${g.organizationId} has a gap from ${g.from.toISOString()} ` +
        `to ${g.to.toISOString()} (found ${g.detectedAt.toISOString()}): ` +
        "WorkOS no longer exports those events. It is reported by every run " +
        "until --accept-gaps.\n",
    );
  }
  for (const g of result.acceptedGaps) {
    io.stderr(
      `note: the gap of ${g.organizationId} from ${g.from.toISOString()} to ` +
        `${g.to.toISOString()} is acknowledged; it stays in gaps.json.\n`,
    );
  }
  for (const l of result.late) {
    io.stderr(
      `note: ${l.rows} late event${l.rows === 1 ? "" : "s"} for ${l.window} ` +
        `(written to WorkOS after the window was archived) → ${l.key}\n`,
    );
  }
  for (const v of result.vanished) {
    io.stderr(
      `warning: ${v.count} event(s) archived in ${v.window} are no longer ` +
        "exported by WorkOS; the archive keeps them.\n",
    );
  }
  for (const r of result.recheckSkipped) {
    io.stderr(
      `note: ${r.organizationId}: late events not re-checked: ${r.reason}\n`,
    );
  }
}

/** The closing line of a run; of a failed one, what it stored before failing. */
function closing(
  result: ArchiveResult,
  location: ArchiveLocation,
  failed = false,
): string {
  const s = summary(result, location);
  const dir = location.label;
  if (failed) {
    return s.windows === 0
      ? `Nothing was archived into ${dir} before the failure`
      : `Archived ${s.windows} window${
        s.windows === 1 ? "" : "s"
      }, ${s.rows} rows, into ${dir} before the failure; the next run goes on from there`;
  }
  const late = s.late > 0
    ? `; ${s.late} late event${
      s.late === 1 ? "" : "s"
    } stored in ${s.addenda.length} addend${
      s.addenda.length === 1 ? "um" : "a"
    }`
    : "";
  return s.windows === 0
    ? `Nothing new to archive: every whole window is already in ${dir}${late}`
    : `Archived ${s.windows} window${
      s.windows === 1 ? "" : "s"
    }, ${s.rows} rows, into ${dir}${late}`;
}

/**
 * The closing table on stderr, a row per organization (unless `--quiet`
 * or `--json`): windows, rows, late events, gaps, and whether it failed.
 */
function closingTable(
  ctx: Context,
  organizationIds: readonly string[],
  result: ArchiveResult,
  failed: readonly { organizationId: string }[] = [],
): void {
  const of = <T extends { organizationId: string }>(
    list: readonly T[],
    id: string,
  ) => list.filter((x) => x.organizationId === id);
  const rows = organizationIds.map((organization) => {
    const windows = of(result.windows, organization);
    return {
      organization,
      windows: windows.length,
      rows: windows.reduce((n, w) => n + w.rows, 0),
      lateEvents: of(result.late, organization).reduce((n, l) => n + l.rows, 0),
      gaps: of(result.gaps, organization).length,
      failures: of(failed, organization).length,
    };
  });
  ctx.progress.done(renderArchiveTable(rows, ctx.terminal).join("\n"));
}

/**
 * The archive's directory from a typed path, absolute; an empty one is a
 * usage error.
 */
export function archiveDir(ctx: Context, given: string | undefined): string {
  if (given === undefined || given.trim() === "") {
    throw new UsageError({
      message: "--dir is required: the archive's directory",
      command: ctx.spec,
    });
  }
  return resolve(ctx.io.cwd, given);
}

/** Runs `archive` and returns its exit code. */
export async function runArchive(
  ctx: CommandContext<"archive">,
): Promise<number> {
  const { args, spec, io } = ctx;
  const organizationIds = splitValues("org", args.list("org"), spec);
  if (organizationIds.length === 0) {
    throw new UsageError({
      message: "--org is required (repeat it for several)",
      command: spec,
    });
  }
  const objectLock = parseObjectLock(args.string("object-lock"), ctx);
  const location = await archiveLocation(ctx, {
    existing: false,
    objectLock,
  });
  const compress = args.string("compress");
  const signingKey = await readKeyFile(
    ctx,
    "signing-key",
    args.string("signing-key"),
  );
  const from = args.string("from");
  const duration = (
    flag: "window" | "settle" | "recheck",
    range: DurationRange,
  ) => {
    const text = args.string(flag);
    return text === undefined
      ? undefined
      : parseDuration(flag, text, spec, range);
  };
  // The library's own ranges: a window of up to 31 days, no settle or
  // re-check at all (0) allowed.
  const windowMs = duration("window", { max: 31 * DAY }) ??
    ARCHIVE_DEFAULTS.window;
  const settle = duration("settle", { zero: true, max: 31 * DAY });
  const recheck = duration("recheck", { zero: true, max: 366 * DAY });
  const concurrency = args.string("concurrency");
  let start = from === undefined
    ? undefined
    : Date.parse(resolveTime("from", from, io.now(), spec));
  // An age names a day, not an instant to the millisecond: `--from 30d`
  // starts at the window boundary before it, so files line up with days.
  if (start !== undefined && isAge(from!)) start -= start % windowMs;
  const config = withApiKey(ctx, clientConfig(ctx));
  return await archiveInto(ctx, {
    organizationIds,
    location,
    from: start === undefined ? undefined : new Date(start),
    window: windowMs,
    settle,
    recheck,
    acceptGaps: args.bool("accept-gaps") || undefined,
    concurrency: concurrency === undefined
      ? undefined
      : parseCount("concurrency", concurrency, 1, 64, spec),
    format: outputFormat(ctx),
    compress: compress === undefined
      ? undefined
      : parseChoice("compress", compress, ["gzip"] as const, spec),
    signingKey,
  }, config);
}

/**
 * The progress of a run's windows. On a terminal, each stored window is a
 * line, below which one bar (of the organization that stored last) shows
 * windows done of those planned; elsewhere, the lines alone, as a log
 * wants them.
 */
function windowBars(ctx: Context): {
  plan: (plan: ArchivePlan) => void;
  stored: (organizationId: string, line: string) => void;
} {
  const planned = new Map<string, number>();
  const done = new Map<string, number>();
  const draw = (organizationId: string) =>
    ctx.progress.count({
      label: organizationId,
      done: done.get(organizationId) ?? 0,
      total: planned.get(organizationId) ?? 0,
    });
  return {
    plan: ({ organizationId, windows }) => {
      planned.set(organizationId, windows);
      done.set(organizationId, 0);
      if (ctx.terminal.tty && windows > 0) draw(organizationId);
    },
    stored: (organizationId, line) => {
      done.set(organizationId, (done.get(organizationId) ?? 0) + 1);
      if (!ctx.terminal.tty) return ctx.progress.done(line);
      ctx.progress.note(line);
      draw(organizationId);
    },
  };
}

/**
 * Archives `run` into its directory, with a line per window on stderr and
 * a summary (or `--json`) at the end; returns the exit code: 0, or 3 when
 * the archive has a gap.
 */
export async function archiveInto(
  ctx: Context,
  run: ArchiveRun,
  config: ArchiveConfig,
): Promise<number> {
  const { io } = ctx;
  const { location, ...options } = run;
  const bars = windowBars(ctx);
  let result: ArchiveResult;
  try {
    result = await archiveExports({
      ...options,
      store: location.store,
      now: io.now,
      onPlan: bars.plan,
      onWindow: (w) =>
        bars.stored(
          w.organizationId,
          `${w.organizationId} ${day(w.start)}${
            w.end.getTime() - w.start.getTime() === DAY
              ? ""
              : ` ${w.start.toISOString()} → ${w.end.toISOString()}`
          }: ${w.rows} row${w.rows === 1 ? "" : "s"} → ${w.key}`,
        ),
    }, { ...config, signal: ctx.signal });
  } catch (error) {
    // What was stored before the failure stays stored, and every gap is
    // still a gap: say both, then fail with the error's own message.
    if (error instanceof ArchiveError) {
      warnings(ctx, error.result);
      if (ctx.json) {
        await printJson(ctx, {
          ...summary(error.result, location),
          failures: error.failures.map((f) => ({
            organizationId: f.organizationId,
            error: f.error instanceof Error ? f.error.message : String(f.error),
          })),
        });
      } else {
        closingTable(ctx, run.organizationIds, error.result, error.failures);
        ctx.progress.done(closing(error.result, location, true));
      }
    }
    throw error;
  }
  warnings(ctx, result);
  if (ctx.json) await printJson(ctx, summary(result, location));
  else {
    closingTable(ctx, run.organizationIds, result);
    ctx.progress.done(closing(result, location));
  }
  return result.gaps.length > 0 ? EXIT.gap : EXIT.ok;
}
