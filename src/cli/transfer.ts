/**
 * The moving parts shared by `wait`, `download`, `export` and `demo`:
 * waiting with progress, streaming the download as CSV or NDJSON to stdout
 * or to an atomic file, and reading a saved CSV back with the library's
 * reader.
 *
 * @module
 */

import type { ClientConfig, WaitOptions } from "../config.ts";
import { downloadExport, exportRows } from "../download.ts";
import { parseCsvEvents } from "../events.ts";
import { waitForExport } from "../exports.ts";
import type { AuditLogExport } from "../types.ts";
import type { Context } from "./context.ts";
import { writeNdjson } from "./ndjson.ts";
import { type AtomicFile, readFileStream } from "./output.ts";
import type { OutputFormat } from "./spec.ts";

/** The download's byte stream broke off (a reset, a truncated body). Exit code 1. */
export class TransferError extends Error {
  /**
   * @param message What broke and after how many bytes.
   * @param cause The stream's error.
   */
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "TransferError";
  }
}

/**
 * Waits until the export is ready, showing its state. An export already
 * ready returns at once; for an id, the progress line appears only once a
 * poll has found the export not ready, so a ready one prints nothing.
 */
export async function awaitReady(
  ctx: Context,
  config: ClientConfig & WaitOptions,
  exportOrId: AuditLogExport | string,
): Promise<AuditLogExport> {
  if (typeof exportOrId !== "string" && exportOrId.state === "ready") {
    return exportOrId;
  }
  const id = typeof exportOrId === "string" ? exportOrId : exportOrId.id;
  const started = ctx.io.now();
  let reporter = typeof exportOrId === "string"
    ? undefined
    : ctx.progress.waiting(id, exportOrId.state, started);
  try {
    return await waitForExport(exportOrId, {
      ...config,
      onPoll: (current) => {
        if (reporter) reporter.onPoll(current);
        else if (current.state !== "ready") {
          reporter = ctx.progress.waiting(id, current.state, started);
        }
      },
    });
  } finally {
    reporter?.stop();
  }
}

/**
 * The download with progress: counts bytes on stderr as they arrive, and
 * turns a read failure into a {@link TransferError} saying how far it got.
 * Cancelling it releases the connection.
 */
function metered(
  ctx: Context,
  stream: ReadableStream<Uint8Array>,
  label: string,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  const meter = ctx.progress.bytes(label);
  let total = 0;
  let finished = false;
  const finish = () => {
    if (!finished) meter.finish();
    finished = true;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        finish();
        // Even a typed ConnectionError gets the context: how far the file got.
        controller.error(
          ctx.signal.aborted ? ctx.signal.reason : new TransferError(
            `The download broke off after ${total} bytes: ${
              error instanceof Error ? error.message : String(error)
            }`,
            error,
          ),
        );
        return;
      }
      if (next.done) {
        finish();
        controller.close();
        return;
      }
      total += next.value.byteLength;
      meter.add(next.value.byteLength);
      controller.enqueue(next.value);
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/**
 * Copies a byte stream into `sink` with progress, and returns the byte
 * count. A read failure becomes a {@link TransferError}; the sink's own
 * failures (a full disk, a closed stdout) pass through as they are.
 */
export async function pump(
  ctx: Context,
  stream: ReadableStream<Uint8Array>,
  sink: (chunk: Uint8Array) => Promise<void>,
  label: string,
): Promise<number> {
  const reader = metered(ctx, stream, label).getReader();
  let total = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return total;
      ctx.signal.throwIfAborted();
      await sink(next.value);
      total += next.value.byteLength;
    }
  } catch (error) {
    // Release the connection at once instead of leaving it to the GC.
    await reader.cancel().catch(() => {});
    throw error;
  }
}

/** What a written download amounts to. */
export interface Written {
  /** Bytes written. */
  bytes: number;
  /** Events written, when the format counts them as it goes (NDJSON). */
  rows?: number;
}

/**
 * Downloads a ready export into `sink` in `format`: the CSV bytes as they
 * come, or NDJSON events parsed from them as they come.
 */
async function writeExport(
  ctx: Context,
  config: ClientConfig & WaitOptions,
  ready: AuditLogExport,
  format: OutputFormat,
  sink: (chunk: Uint8Array) => Promise<void>,
): Promise<Written> {
  const stream = await downloadExport(ready, config);
  const label = `Downloading ${ready.id}`;
  if (format === "csv") return { bytes: await pump(ctx, stream, sink, label) };
  return writeNdjson(
    parseCsvEvents(metered(ctx, stream, label)),
    sink,
    ctx.signal,
  );
}

/** Row count and the first rows of a saved CSV. */
export interface RowSummary {
  /** Data rows (the header excluded). */
  rows: number;
  /** The first rows, keyed by the header row. */
  preview: Record<string, string>[];
}

/** Reads a CSV file back through `exportRows`, so the count is the library's, not a line count. */
export async function readRows(
  path: string,
  signal: AbortSignal,
  previewRows = 0,
): Promise<RowSummary> {
  const summary: RowSummary = { rows: 0, preview: [] };
  for await (const row of exportRows(readFileStream(path))) {
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
}

/**
 * Downloads a ready export into an atomic file: streams it to the temporary
 * file, makes sure it parses (a CSV is read back; NDJSON was parsed on the
 * way), then renames it into place. The caller discards the file when this
 * rejects.
 */
export async function saveExport(
  ctx: Context,
  config: ClientConfig & WaitOptions,
  ready: AuditLogExport,
  file: AtomicFile,
  format: OutputFormat,
  previewRows = 0,
): Promise<Saved> {
  const written = await writeExport(
    ctx,
    config,
    ready,
    format,
    (chunk) => file.write(chunk),
  );
  await file.finish();
  const summary = written.rows === undefined
    ? await readRows(file.tempPath, ctx.signal, previewRows)
    : { rows: written.rows, preview: [] };
  await file.commit();
  return { bytes: written.bytes, ...summary };
}

/** Streams a ready export to stdout in `format`. */
export async function streamExport(
  ctx: Context,
  config: ClientConfig & WaitOptions,
  ready: AuditLogExport,
  format: OutputFormat,
): Promise<Written> {
  return await writeExport(
    ctx,
    config,
    ready,
    format,
    (chunk) => ctx.io.stdout(chunk),
  );
}
