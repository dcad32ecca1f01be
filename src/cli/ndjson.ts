/**
 * `--format ndjson`: the events of an export, one JSON object per line;
 * the batched writing of lines that `read --format csv` shares; and the
 * reading of such lines back into events, for `summary`.
 *
 * @module
 */

import type { AuditLogEvent } from "../../mod.ts";
import { InputError } from "./errors.ts";

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

/** What is wrong with a parsed line as an event, or `undefined`. */
type Check = (value: unknown) => string | undefined;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const optionalString = (v: unknown) => v === undefined || typeof v === "string";

const metadataProblem: Check = (v) =>
  v === undefined ||
    (isObject(v) &&
      Object.values(v).every((x) =>
        ["string", "number", "boolean"].includes(typeof x)
      ))
    ? undefined
    : "is not an object of strings, numbers and booleans";

const entityProblem = (what: string, v: unknown): string | undefined => {
  if (!isObject(v)) return `${what} is not an object`;
  if (typeof v.id !== "string") return `${what} has no string "id"`;
  if (typeof v.type !== "string") return `${what} has no string "type"`;
  if (!optionalString(v.name)) return `${what}'s "name" is not a string`;
  const metadata = metadataProblem(v.metadata);
  return metadata && `${what}'s "metadata" ${metadata}`;
};

/** Why `v` is not an event as `--format ndjson` writes one, or `undefined`. */
function eventProblem(v: unknown): string | undefined {
  if (!isObject(v)) return "it is not a JSON object";
  if (typeof v.action !== "string" || v.action === "") {
    return 'it has no "action"';
  }
  if (
    typeof v.occurredAt !== "string" || Number.isNaN(Date.parse(v.occurredAt))
  ) {
    return 'it has no "occurredAt" date-time';
  }
  const actor = entityProblem('"actor"', v.actor);
  if (actor) return actor;
  if (v.targets !== undefined && !Array.isArray(v.targets)) {
    return '"targets" is not an array';
  }
  for (const [i, target] of ((v.targets ?? []) as unknown[]).entries()) {
    const problem = entityProblem(`target ${i + 1}`, target);
    if (problem) return problem;
  }
  const context = v.context;
  if (
    context !== undefined &&
    !(isObject(context) && optionalString(context.location) &&
      optionalString(context.userAgent))
  ) {
    return '"context" is not an object of strings';
  }
  const metadata = metadataProblem(v.metadata);
  if (metadata) return `"metadata" ${metadata}`;
  if (
    v.raw !== undefined &&
    !(isObject(v.raw) &&
      Object.values(v.raw).every((x) => typeof x === "string"))
  ) {
    return '"raw" is not an object of strings';
  }
  return undefined;
}

/** A checked line as the event it stands for, `occurredAt` a `Date` again. */
function eventOf(v: Record<string, unknown>): AuditLogEvent {
  const event = {
    ...v,
    occurredAt: new Date(v.occurredAt as string),
    targets: v.targets ?? [],
    context: v.context ?? {},
    raw: v.raw ?? {},
  };
  return event as unknown as AuditLogEvent;
}

/** Lines of UTF-8 text, without their `\n` (or `\r\n`), numbered from 1. */
async function* textLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<[number, string]> {
  const reader = stream.pipeThrough(
    new TextDecoderStream() as unknown as ReadableWritablePair<
      string,
      Uint8Array
    >,
  ).getReader();
  let pending = "";
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += value;
      let start = 0;
      for (let end; (end = pending.indexOf("\n", start)) !== -1;) {
        yield [++n, pending.slice(start, end).replace(/\r$/, "")];
        start = end + 1;
      }
      pending = pending.slice(start);
    }
    if (pending !== "") yield [++n, pending.replace(/\r$/, "")];
  } finally {
    // Leaving early (a bad line) lets go of the file.
    await reader.cancel().catch(() => {});
  }
}

/**
 * The events of NDJSON text as `export --format ndjson` and `read` write
 * it: one JSON object per line, `occurredAt` an ISO string. Blank lines are
 * skipped; a line that is not JSON, or not such an event, throws an
 * {@link InputError} naming it (`<name>: line 12: …`). Memory holds one
 * chunk and one line.
 */
export async function* readNdjsonEvents(
  stream: ReadableStream<Uint8Array>,
  name: string,
): AsyncGenerator<AuditLogEvent> {
  for await (const [n, line] of textLines(stream)) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError({
        message: `${name}: line ${n} is not JSON: ${
          error instanceof Error ? error.message : String(error)
        }`,
        cause: error,
      });
    }
    const problem = eventProblem(value);
    if (problem) {
      throw new InputError({
        message: `${name}: line ${n} is not an event: ${problem}`,
      });
    }
    yield eventOf(value as Record<string, unknown>);
  }
}
