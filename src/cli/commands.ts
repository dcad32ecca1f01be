/**
 * The API commands: `create`, `get`, `wait`, `download` and `export`. Each
 * checks all of its input before the first request and returns exit code 0;
 * failures are thrown and turned into messages and exit codes by `main`.
 *
 * @module
 */

import {
  type AuditLogExport,
  EventSummarizer,
  type EventSummary,
  NoEventsError,
} from "../../mod.ts";
import { requireCreateExportOptions } from "../schemas.ts";
import {
  type CommandContext,
  connect,
  type Connection,
  connectWaiting,
  type Context,
  exportOptions,
  outputFormat,
  printJson,
  showUrl,
} from "./context.ts";
import { outPath, withOutFile } from "./out_flag.ts";
import { formatBytes } from "./progress.ts";
import { printSummary, summaryJson } from "./summary.ts";
import { awaitReady, saveToFile, streamToStdout } from "./transfer.ts";
import { printable } from "./values.ts";

/** `create`: POST the export and print it. */
export async function runCreate(
  ctx: CommandContext<"create">,
): Promise<number> {
  const options = exportOptions(ctx);
  // Every bad value is reported before the key is even looked at.
  requireCreateExportOptions(options);
  const { client, wait } = connect(ctx);
  const created = await client.createExport(options, wait);
  await printJson(ctx, created, showUrl(ctx));
  return 0;
}

/** `get <id>`: read the export and print it. */
export async function runGet(ctx: CommandContext<"get">): Promise<number> {
  const { client, wait } = connect(ctx);
  const got = await client.getExport(ctx.args.positionals[0], wait);
  await printJson(ctx, got, showUrl(ctx));
  return 0;
}

/** `wait <id>`: poll until ready, with progress, and print it. */
export async function runWait(ctx: CommandContext<"wait">): Promise<number> {
  const ready = await awaitReady(
    ctx,
    connectWaiting(ctx),
    ctx.args.positionals[0],
  );
  await printJson(ctx, ready, showUrl(ctx));
  return 0;
}

/** `download <id>`: wait if needed, then the CSV or NDJSON to stdout or `--out`. */
export function runDownload(ctx: CommandContext<"download">): Promise<number> {
  const connection = connectWaiting(ctx);
  return deliver(
    ctx,
    connection,
    () => awaitReady(ctx, connection, ctx.args.positionals[0]),
  );
}

/**
 * `export`: create, wait and download in one go. A period with no matching
 * event is an export of zero rows: the API refuses to create it, so there
 * is nothing to download and the output is empty.
 */
export function runExport(ctx: CommandContext<"export">): Promise<number> {
  const options = exportOptions(ctx);
  requireCreateExportOptions(options);
  const connection = connectWaiting(ctx);
  return deliver(
    ctx,
    connection,
    async () => {
      let created: AuditLogExport;
      try {
        created = await connection.client.createExport(
          options,
          connection.wait,
        );
      } catch (error) {
        if (error instanceof NoEventsError) return undefined;
        throw error;
      }
      ctx.progress.done(`Created ${created.id} (${created.state})`);
      return awaitReady(ctx, connection, created);
    },
  );
}

const NO_EVENTS = "No event in this period matches the filters";

/** The flags of the commands that deliver a file, read by {@link deliver}. */
type DeliveryFlags = {
  out: "string";
  format: "string";
  summary: "boolean";
  "show-url": "boolean";
};

/** The summary of an empty period: no event. */
const NOTHING: () => EventSummary = () => new EventSummarizer().result();

/**
 * The tail of `download` and `export`: reads every flag and opens the
 * `--out` file first (so a bad value or path fails before any request),
 * gets the ready export, then streams it. `ready` resolving to `undefined`
 * means an empty period: the output is empty, and `--out` gets an empty
 * file, committed like any other.
 */
async function deliver(
  ctx: Context<DeliveryFlags>,
  connection: Connection,
  ready: () => Promise<AuditLogExport | undefined>,
): Promise<number> {
  const format = outputFormat(ctx);
  const summarize = ctx.args.bool("summary");
  const path = outPath(ctx, {
    stdoutTaken: ctx.json
      ? "--json needs --out <file>: without it stdout carries the CSV itself"
      : undefined,
  });
  if (path === undefined) {
    const exported = await ready();
    let summary: EventSummary | undefined;
    if (exported) {
      ({ summary } = await streamToStdout(
        ctx,
        connection,
        exported,
        format,
        summarize,
      ));
    } else ctx.progress.done(`${NO_EVENTS}: 0 rows`);
    if (summarize) printSummary(ctx, summary ?? NOTHING());
    return 0;
  }
  return await withOutFile(ctx, path, async (file) => {
    const exported = await ready();
    let saved: { bytes: number; rows: number; summary?: EventSummary } = {
      bytes: 0,
      rows: 0,
    };
    if (exported) {
      saved = await saveToFile(
        ctx,
        connection,
        exported,
        file,
        format,
        0,
        summarize,
      );
    } else await file.commit();
    const summary = summarize ? saved.summary ?? NOTHING() : undefined;
    if (ctx.json) {
      await printJson(ctx, {
        export: exported ?? null,
        file: file.path,
        bytes: saved.bytes,
        rows: saved.rows,
        ...(summary ? { summary: summaryJson(summary) } : {}),
      }, showUrl(ctx));
    } else {
      const what = `${saved.rows} rows, ${formatBytes(saved.bytes)}, to ${
        printable(file.path)
      }`;
      ctx.progress.done(
        exported ? `Saved ${what}` : `${NO_EVENTS}: saved ${what}`,
      );
      if (summary) printSummary(ctx, summary);
    }
    return 0;
  });
}
