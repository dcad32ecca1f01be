/**
 * `--format ndjson`: the events of an export, one JSON object per line.
 *
 * @module
 */

import type { AuditLogEvent } from "../../mod.ts";

/** Lines are gathered into chunks of about this many characters before a write. */
const CHUNK_CHARS = 65_536;

/** What an NDJSON write amounts to. */
export interface NdjsonWritten {
  /** Events written, one per line. */
  rows: number;
  /** UTF-8 bytes written. */
  bytes: number;
}

/**
 * Writes each event as one line of JSON (`occurredAt` as its ISO string)
 * through `sink`. Lines are batched so a large export is not one write per
 * event, yet memory holds one chunk and one event whatever the file's size;
 * each write is awaited, so a slow reader slows the download down.
 */
export async function writeNdjson(
  events: AsyncIterable<AuditLogEvent>,
  sink: (chunk: Uint8Array) => Promise<void>,
  signal: AbortSignal,
): Promise<NdjsonWritten> {
  const encoder = new TextEncoder();
  const written: NdjsonWritten = { rows: 0, bytes: 0 };
  let pending = "";
  const flush = async () => {
    if (pending === "") return;
    // Bytes, not text: the CLI scrubs text on stdout, and data must pass as is.
    const chunk = encoder.encode(pending);
    pending = "";
    await sink(chunk);
    written.bytes += chunk.byteLength;
  };
  for await (const event of events) {
    signal.throwIfAborted();
    pending += `${JSON.stringify(event)}\n`;
    written.rows++;
    if (pending.length >= CHUNK_CHARS) await flush();
  }
  await flush();
  return written;
}
