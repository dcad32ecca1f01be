/**
 * `read`: `readArchive` of one organization to stdout or `--out`, as NDJSON
 * (the lines of `export --format ndjson`) or as CSV (`event_csv.ts`). A
 * file that fails its check stops the read with exit 4, and leaves no
 * `--out` file.
 *
 * @module
 */

import {
  type AuditLogEvent,
  EventSummarizer,
  readArchive,
  type ReadArchiveOptions,
} from "../../mod.ts";
import {
  type CommandContext,
  type Context,
  outputFormat,
  printJson,
} from "./context.ts";
import { csvLine, READ_CSV_HEADER } from "./event_csv.ts";
import { UsageError } from "./errors.ts";
import { FILTER_FLAGS } from "./filter_flags.ts";
import { readKeyFile } from "./key_file.ts";
import { type NdjsonWritten, writeEventLines, writeNdjson } from "./ndjson.ts";
import { outPath, withOutFile } from "./out_flag.ts";
import { formatBytes } from "./progress.ts";
import type { OutputFormat } from "./spec.ts";
import { archiveLocation } from "./store_flags.ts";
import { printable, splitValues } from "./values.ts";
import { spanOf } from "./verify.ts";
import { printSummary, summaryJson, tallied } from "./summary.ts";

/** The filters of the filter flags, as `readArchive` takes them. */
function filters(ctx: CommandContext<"read">): Partial<ReadArchiveOptions> {
  const options: Partial<ReadArchiveOptions> = {};
  for (const { flag, option, split } of FILTER_FLAGS) {
    const given = ctx.args.list(flag);
    const values = split ? splitValues(flag, given, ctx.spec) : given;
    if (values.length > 0) options[option] = values;
  }
  return options;
}

/** Writes `events` in `format` through `sink`. */
function writeEvents(
  ctx: Context,
  events: AsyncIterable<AuditLogEvent>,
  format: OutputFormat,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<NdjsonWritten> {
  return format === "ndjson"
    ? writeNdjson(events, sink, ctx.signal)
    : writeEventLines(events, csvLine, sink, ctx.signal, READ_CSV_HEADER);
}

/** Runs `read` and returns its exit code. */
export async function runRead(ctx: CommandContext<"read">): Promise<number> {
  const { args, spec } = ctx;
  const organizationId = args.string("org");
  if (organizationId === undefined) {
    throw new UsageError({ message: "--org is required", command: spec });
  }
  if (args.string("from") === undefined) {
    throw new UsageError({
      message: "--from is required: the first instant to read",
      command: spec,
    });
  }
  const span = spanOf(ctx, { to: "now" });
  const format = args.string("format") === undefined
    ? "ndjson"
    : outputFormat(ctx);
  const publicKey = await readKeyFile(
    ctx,
    "public-key",
    args.string("public-key"),
    true,
  );
  const path = outPath(ctx, {
    stdoutTaken: ctx.json
      ? "--json needs --out <file>: without it stdout carries the events"
      : undefined,
  });
  const location = await archiveLocation(ctx, { existing: true });
  // Called before --out is opened: readArchive checks its options at once.
  const archived = readArchive({
    store: location.store,
    organizationId,
    ...span,
    ...filters(ctx),
    ...(publicKey ? { publicKey } : {}),
  });
  // --summary tallies the events as they are written: one read of the archive.
  const tally = args.bool("summary") ? new EventSummarizer() : undefined;
  const events = tally ? tallied(archived, tally) : archived;
  if (path === undefined) {
    const written = await writeEvents(
      ctx,
      events,
      format,
      (chunk) => ctx.io.stdout(chunk),
    );
    ctx.progress.done(
      `Read ${written.rows} events of ${organizationId} from ${
        printable(location.label)
      }`,
    );
    if (tally) printSummary(ctx, tally.result());
    return 0;
  }
  return await withOutFile(ctx, path, async (file) => {
    const written = await writeEvents(
      ctx,
      events,
      format,
      (chunk) => file.write(chunk),
    );
    await file.commit();
    if (ctx.json) {
      await printJson(ctx, {
        file: file.path,
        ...written,
        ...(tally ? { summary: summaryJson(tally.result()) } : {}),
      });
    } else {
      ctx.progress.done(
        `Saved ${written.rows} events, ${formatBytes(written.bytes)}, to ${
          printable(file.path)
        }`,
      );
      if (tally) printSummary(ctx, tally.result());
    }
    return 0;
  });
}
