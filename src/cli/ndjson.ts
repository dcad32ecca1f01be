/**
 * `--format ndjson`: the events of an export, one JSON object per line;
 * and the batched writing of lines that `read --format csv` shares.
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
 * through `sink`.
 */
export function writeNdjson(
  events: AsyncIterable<AuditLogEvent>,
  sink: (chunk: Uint8Array) => Promise<void>,
  signal: AbortSignal,
): Promise<NdjsonWritten> {
  return writeEventLines(
    events,
    (event) => `${JSON.stringify(event)}\n`,
    sink,
    signal,
  );
}

/**
 * Writes `head`, then each event as the text `line` makes of it, through
 * `sink`. Lines are batched so a large export is not one write per event,
 * yet memory holds one chunk and one event whatever the file's size; each
 * write is awaited, so a slow reader slows the source down.
 */
export async function writeEventLines(
  events: AsyncIterable<AuditLogEvent>,
  line: (event: AuditLogEvent) => string,
  sink: (chunk: Uint8Array) => Promise<void>,
  signal: AbortSignal,
  head = "",
): Promise<NdjsonWritten> {
  const encoder = new TextEncoder();
  const written: NdjsonWritten = { rows: 0, bytes: 0 };
  let pending = head;
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
    pending += line(event);
    written.rows++;
    if (pending.length >= CHUNK_CHARS) await flush();
  }
  await flush();
  return written;
}
