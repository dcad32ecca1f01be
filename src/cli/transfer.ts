/**
 * The moving parts shared by `wait`, `download`, `export` and `demo`:
 * waiting with progress, streaming the download as CSV or NDJSON to stdout
 * or to an `--out` file, and reading the CSV back with the library's reader.
 *
 * @module
 */

import {
  type AuditLogExport,
  EventSummarizer,
  type EventSummary,
  summarizeCsv,
  TimeoutError,
} from "../../mod.ts";
import { onceMoreIfChanged } from "../download.ts";
import type { Connection, Context } from "./context.ts";
import { writeNdjson } from "./ndjson.ts";
import { AtomicFile, type OutFile, readFileStream } from "./output.ts";
import type { TransferReport } from "./progress.ts";
import type { OutputFormat } from "./spec.ts";
import { tallied } from "./summary.ts";
import { TransferError } from "./errors.ts";

/**
 * Waits until the export is ready, showing its state. The progress line
 * appears only for an export known not to be ready, so one that is ready
 * (given as such, or on the first poll) prints nothing.
 */
export async function awaitReady(
  ctx: Context,
  { client, wait }: Connection,
  exportOrId: AuditLogExport | string,
): Promise<AuditLogExport> {
  const id = typeof exportOrId === "string" ? exportOrId : exportOrId.id;
  const started = ctx.io.now();
  const progress = (state: string) =>
    state === "ready" ? undefined : ctx.progress.waiting(id, state, started);
  let reporter = typeof exportOrId === "string"
    ? undefined
    : progress(exportOrId.state);
  try {
    return await client.waitForExport(exportOrId, {
      ...wait,
      onPoll: (current) => {
        if (reporter) reporter.onPoll(current);
        else reporter = progress(current.state);
      },
    });
  } finally {
    reporter?.stop();
  }
}

/** What a failed read of the download says: how far it got, and for a stall, which flags help. */
function transferFailure(error: unknown, total: number): TransferError {
  if (error instanceof TimeoutError) {
    // By now the library has resumed it as often as --max-retries allows:
    // only the flags can help, so the message names them.
    return new TransferError({
      message: `The download stalled: no data for ${error.timeout} ms ` +
        `after ${total} bytes. If the file host is this slow, raise ` +
        "--timeout; to resume it more often, raise --max-retries.",
      cause: error,
    });
  }
  // Even a typed ConnectionError gets the context: how far the file got.
  return new TransferError({
    message: `The download broke off after ${total} bytes: ${
      error instanceof Error ? error.message : String(error)
    }`,
    cause: error,
  });
}

/**
 * The download with progress: the library tells `report` how far it got,
 * and this stream ends the report with the download, however it ends, and
 * turns a read failure into a {@link TransferError} saying how far it got.
 * Cancelling it releases the connection.
 */
function metered(
  ctx: Context,
  stream: ReadableStream<Uint8Array>,
  report: TransferReport,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        report.stop();
        controller.error(
          ctx.signal.aborted
            ? ctx.signal.reason
            : transferFailure(error, total),
        );
        return;
      }
      if (next.done) {
        report.finish();
        controller.close();
        return;
      }
      total += next.value.byteLength;
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      report.stop();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/**
 * `stream` with each chunk handed to `sink`, and awaited, before it is
 * passed on: whoever reads the result reads only bytes already written, and
 * a slow sink slows the download down. Adds the bytes to `count.bytes`.
 */
function writtenThrough(
  ctx: Context,
  stream: ReadableStream<Uint8Array>,
  sink: (chunk: Uint8Array) => Promise<void>,
  count: { bytes: number },
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) return controller.close();
        ctx.signal.throwIfAborted();
        await sink(next.value);
        count.bytes += next.value.byteLength;
        controller.enqueue(next.value);
      } catch (error) {
        // Release the connection at once instead of leaving it to the GC.
        await reader.cancel().catch(() => {});
        throw error;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/**
 * Copies a byte stream into `sink` and returns the byte count. The sink's
 * own failures (a full disk, a closed stdout) pass through as they are.
 */
async function pump(
  ctx: Context,
  stream: ReadableStream<Uint8Array>,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<number> {
  const count = { bytes: 0 };
  const reader = writtenThrough(ctx, stream, sink, count).getReader();
  for (;;) {
    if ((await reader.read()).done) return count.bytes;
  }
}

/** What a written download amounts to. */
export interface Written {
  /** Bytes written. */
  bytes: number;
  /** Events written, when they were counted as they went (NDJSON, or CSV when asked). */
  rows?: number;
  /** The first rows of a CSV, when they were counted as they went. */
  preview?: Record<string, string>[];
  /** The summary of the events written, when asked for. */
  summary?: EventSummary;
}

/**
 * The download of a ready export with its progress on stderr: the report
 * starts before the request, so a failure to open it ends the report too.
 */
async function download(
  ctx: Context,
  connection: Connection,
  ready: AuditLogExport,
): Promise<ReadableStream<Uint8Array>> {
  const report = ctx.progress.transfer(`Downloading ${ready.id}`);
  try {
    const stream = await connection.client.downloadExport(ready, {
      ...connection.wait,
      onProgress: report.onProgress,
    });
    return metered(ctx, stream, report);
  } catch (error) {
    report.stop();
    throw error;
  }
}

/** What to learn of the data on its way to the sink. */
interface Reading {
  /** Parse the CSV for its row count and this many first rows. */
  previewRows?: number;
  /** Tally the events for a summary (`--summary`). */
  summary?: boolean;
}

/**
 * Downloads a ready export into `sink` in `format`: the CSV bytes as they
 * come, or NDJSON events parsed from them as they come. With `previewRows`,
 * the CSV is also parsed on its way to the sink, for its row count and
 * first rows; with `summary`, its events are tallied on their way.
 */
async function writeExport(
  ctx: Context,
  connection: Connection,
  ready: AuditLogExport,
  format: OutputFormat,
  sink: (chunk: Uint8Array) => Promise<void>,
  { previewRows, summary }: Reading = {},
): Promise<Written> {
  const stream = await download(ctx, connection, ready);
  if (format === "ndjson") {
    // A fresh tally per download: a file that changed on its host is
    // downloaded again, and only the second file is summarized.
    const tally = summary ? new EventSummarizer() : undefined;
    const events = connection.client.exportEvents(stream);
    const written = await writeNdjson(
      tally ? tallied(events, tally) : events,
      sink,
      ctx.signal,
    );
    return { ...written, ...(tally && { summary: tally.result() }) };
  }
  if (summary) {
    // The CSV's bytes go to the sink as they are; the summary is counted
    // from the cells of the same chunks after they are written, and counts
    // the rows too.
    const count = { bytes: 0 };
    const summarized = await summarizeCsv(
      writtenThrough(ctx, stream, sink, count),
      { signal: ctx.signal },
    );
    return {
      bytes: count.bytes,
      rows: summarized.events,
      preview: [],
      summary: summarized,
    };
  }
  if (previewRows === undefined) {
    return { bytes: await pump(ctx, stream, sink) };
  }
  const count = { bytes: 0 };
  const rows = await summarize(
    connection,
    writtenThrough(ctx, stream, sink, count),
    ctx.signal,
    previewRows,
  );
  return { bytes: count.bytes, ...rows };
}

/** Row count and the first rows of a saved CSV. */
export interface RowSummary {
  /** Data rows (the header excluded). */
  rows: number;
  /** The first rows, keyed by the header row. */
  preview: Record<string, string>[];
}

/**
 * Reads CSV bytes through `exportRows`, so the count is the library's, not a
 * line count: the connection's, whose config the command line set (the
 * environment's `WORKOS_BASE_URL` yields to `--base-url` there too).
 */
async function summarize(
  connection: Connection,
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  previewRows: number,
): Promise<RowSummary> {
  const summary: RowSummary = { rows: 0, preview: [] };
  for await (const row of connection.client.exportRows(stream)) {
    signal.throwIfAborted();
    if (summary.preview.length < previewRows) summary.preview.push(row);
    summary.rows++;
  }
  return summary;
}

/** What a saved download amounts to. */
export interface Saved extends RowSummary {
  /** Bytes written. */
  bytes: number;
  /** The summary of its events, when asked for. */
  summary?: EventSummary;
}

/**
 * Downloads a ready export into an `--out` file and makes sure it parses.
 * An atomic file is streamed to its temporary file, read back (a CSV;
 * NDJSON was parsed on the way), then renamed into place. A FIFO or a
 * device cannot be read back, so its CSV is parsed on the way to it. A file
 * that changed on its host mid-download is downloaded again once from byte
 * 0 into the emptied temporary file: the bytes of two versions are never
 * joined. The caller discards the file when this rejects.
 */
export async function saveToFile(
  ctx: Context,
  connection: Connection,
  ready: AuditLogExport,
  file: OutFile,
  format: OutputFormat,
  previewRows = 0,
  summary = false,
): Promise<Saved> {
  const sink = (chunk: Uint8Array) => file.write(chunk);
  const atomic = file instanceof AtomicFile ? file : undefined;
  const write = () =>
    writeExport(
      ctx,
      connection,
      ready,
      format,
      sink,
      { previewRows: atomic ? undefined : previewRows, summary },
    );
  // Only a file of our own can be emptied; a FIFO's reader has the bytes.
  const written = atomic
    ? await onceMoreIfChanged(
      write,
      () => atomic.rewind(),
      ctx.signal,
      () =>
        ctx.progress.line(
          `The file of ${ready.id} changed on its host mid-download; starting over from byte 0.`,
        ),
    )
    : await write();
  await atomic?.finish();
  const rowSummary = atomic && written.rows === undefined
    ? await summarize(
      connection,
      readFileStream(atomic.tempPath),
      ctx.signal,
      previewRows,
    )
    : { rows: written.rows ?? 0, preview: written.preview ?? [] };
  await file.commit();
  return { bytes: written.bytes, ...rowSummary, summary: written.summary };
}

/** Streams a ready export to stdout in `format`; with `summary`, tallies its events on the way. */
export async function streamToStdout(
  ctx: Context,
  connection: Connection,
  ready: AuditLogExport,
  format: OutputFormat,
  summary = false,
): Promise<Written> {
  return await writeExport(
    ctx,
    connection,
    ready,
    format,
    (chunk) => ctx.io.stdout(chunk),
    { summary },
  );
}
