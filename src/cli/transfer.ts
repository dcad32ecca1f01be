/**
 * The moving parts shared by `wait`, `download`, `export` and `demo`:
 * waiting with progress, streaming bytes to stdout or to an atomic file,
 * and reading the saved file back with the library's CSV reader.
 *
 * @module
 */

import type { ClientConfig, WaitOptions } from "../config.ts";
import { downloadExport, exportRows } from "../download.ts";
import { waitForExport } from "../exports.ts";
import type { AuditLogExport } from "../types.ts";
import type { Context } from "./context.ts";
import { type AtomicFile, readFileStream } from "./output.ts";

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

/** Waits until the export is ready, showing its state; an export already ready returns at once. */
export async function awaitReady(
  ctx: Context,
  config: ClientConfig & WaitOptions,
  exportOrId: AuditLogExport | string,
): Promise<AuditLogExport> {
  if (typeof exportOrId !== "string" && exportOrId.state === "ready") {
    return exportOrId;
  }
  const id = typeof exportOrId === "string" ? exportOrId : exportOrId.id;
  const known = typeof exportOrId === "string" ? undefined : exportOrId.state;
  const reporter = ctx.progress.waiting(id, known);
  try {
    return await waitForExport(exportOrId, {
      ...config,
      onPoll: reporter.onPoll,
    });
  } finally {
    reporter.stop();
  }
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
  const reader = stream.getReader();
  const meter = ctx.progress.bytes(label);
  let total = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        if (ctx.signal.aborted) throw ctx.signal.reason;
        // Even a typed ConnectionError gets the context: how far the file got.
        throw new TransferError(
          `The download broke off after ${total} bytes: ${
            error instanceof Error ? error.message : String(error)
          }`,
          error,
        );
      }
      if (next.done) break;
      ctx.signal.throwIfAborted();
      await sink(next.value);
      total += next.value.byteLength;
      meter.add(next.value.byteLength);
    }
  } catch (error) {
    // Release the connection at once instead of leaving it to the GC.
    await reader.cancel().catch(() => {});
    meter.finish();
    throw error;
  }
  meter.finish();
  return total;
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
 * file, reads it back as CSV (a file that does not parse is a failure, not a
 * result), then renames it into place. The caller discards the file when
 * this rejects.
 */
export async function saveExport(
  ctx: Context,
  config: ClientConfig & WaitOptions,
  ready: AuditLogExport,
  file: AtomicFile,
  previewRows = 0,
): Promise<Saved> {
  const stream = await downloadExport(ready, config);
  const bytes = await pump(
    ctx,
    stream,
    (chunk) => file.write(chunk),
    `Downloading ${ready.id}`,
  );
  await file.finish();
  const summary = await readRows(file.tempPath, ctx.signal, previewRows);
  await file.commit();
  return { bytes, ...summary };
}

/** Streams a ready export's CSV to stdout and returns the byte count. */
export async function streamExport(
  ctx: Context,
  config: ClientConfig & WaitOptions,
  ready: AuditLogExport,
): Promise<number> {
  const stream = await downloadExport(ready, config);
  return await pump(
    ctx,
    stream,
    (chunk) => ctx.io.stdout(chunk),
    `Downloading ${ready.id}`,
  );
}
