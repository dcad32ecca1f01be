/**
 * `summary <file|->` and `--summary`: what a file of events amounts to,
 * printed on stderr as `renderSummary` draws it, or as JSON on stdout.
 * `--summary` feeds the same tally as the events are written, so the data
 * is read once.
 *
 * @module
 */

import {
  type AuditLogEvent,
  EventSummarizer,
  type EventSummary,
  isAuditLogError,
  summarizeCsv,
} from "../../mod.ts";
import { InputError } from "./errors.ts";
import { type CommandContext, type Context, printJson } from "./context.ts";
import { readNdjsonEvents } from "./ndjson.ts";
import { readFileStream } from "./output.ts";
import { renderSummary } from "./summary_render.ts";
import { parseCount, printable } from "./values.ts";
import { resolve } from "node:path";

/** `events`, each one added to `tally` as it passes. */
export async function* tallied(
  events: AsyncIterable<AuditLogEvent>,
  tally: EventSummarizer,
): AsyncGenerator<AuditLogEvent> {
  for await (const event of events) {
    tally.add(event);
    yield event;
  }
}

/** The summary as JSON holds it: dates as ISO strings. */
export function summaryJson(summary: EventSummary): Record<string, unknown> {
  return {
    ...summary,
    first: summary.first?.toISOString() ?? null,
    last: summary.last?.toISOString() ?? null,
  };
}

/**
 * Prints the summary on stderr, fitted to the terminal: blocks for the
 * sparkline only where the terminal shows them. Printed even under
 * `--quiet`: it was asked for.
 */
export function printSummary(ctx: Context, summary: EventSummary): void {
  const lines = renderSummary(summary, ctx.terminal);
  ctx.io.stderr(lines.map((line) => `${line}\n`).join(""));
}

/** A file's format: from its name when it tells, else from its first bytes. */
export type FileFormat = "csv" | "ndjson";

const GZIP_MAGIC = [0x1f, 0x8b];

/** The bytes of `stream` up to the first that is not a BOM or white space, and the stream whole again. */
async function peek(
  stream: ReadableStream<Uint8Array>,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  // 64 KiB of white space says nothing more than 4: stop there.
  while (!ended && size < 65_536) {
    const { done, value } = await reader.read();
    if (done) ended = true;
    else {
      chunks.push(value);
      size += value.byteLength;
      if (value.some((b) => !isBlank(b))) break;
    }
  }
  const head = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    head.set(c, at);
    at += c.byteLength;
  }
  let replayed = false;
  return {
    head,
    stream: new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!replayed) {
          replayed = true;
          if (head.byteLength > 0) return controller.enqueue(head);
        }
        const next = ended ? undefined : await reader.read();
        if (!next || next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    }),
  };
}

/** White space, and the bytes of a UTF-8 BOM. */
const isBlank = (b: number) =>
  b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef ||
  b === 0xbb || b === 0xbf;

/** `csv` or `ndjson` from the name (`.csv`, `.ndjson`, `.jsonl`, each maybe `.gz`). */
function formatByName(name: string): FileFormat | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, "");
  if (base.endsWith(".csv")) return "csv";
  if (base.endsWith(".ndjson") || base.endsWith(".jsonl")) return "ndjson";
  return undefined;
}

/**
 * The bytes of a file of either format, gunzipped, and its format. A gzip
 * file is told by its first two bytes, whatever its name; the format by
 * the name, else by the first byte that is not white space: `{` is NDJSON,
 * anything else CSV.
 */
export async function openEventFile(
  raw: ReadableStream<Uint8Array>,
  path: string,
): Promise<{ format: FileFormat; stream: ReadableStream<Uint8Array> }> {
  let { head, stream } = await peek(raw);
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    ({ head, stream } = await peek(
      stream.pipeThrough(
        new DecompressionStream("gzip") as unknown as ReadableWritablePair<
          Uint8Array,
          Uint8Array
        >,
      ),
    ));
  }
  const first = head.find((b) => !isBlank(b));
  const format = formatByName(path) ??
    (first === 0x7b ? "ndjson" : "csv");
  return { format, stream };
}

/**
 * A failure to read the file, naming it: the runtime's own message (ENOENT,
 * EISDIR) does not say which file. Errors that already name it, or the
 * line, pass as they are.
 */
function unreadable(
  error: unknown,
  name: string,
  signal: AbortSignal,
): unknown {
  if (signal.aborted || error instanceof InputError) return error;
  if (isAuditLogError(error)) return error;
  const code = (error as { code?: unknown })?.code;
  return new InputError({
    message: `cannot read ${name}: ${
      typeof code === "string"
        ? code
        : error instanceof Error
        ? error.message
        : String(error)
    }`,
    cause: error,
  });
}

/** Runs `summary` and returns its exit code. */
export async function runSummary(
  ctx: CommandContext<"summary">,
): Promise<number> {
  const { args, io, spec } = ctx;
  const given = args.string("top");
  const top = given === undefined
    ? undefined
    : parseCount("top", given, 1, 1000, spec);
  const file = args.positionals[0];
  const stdin = file === "-";
  const name = stdin ? "stdin" : printable(file);
  const bytes = stdin ? io.stdin() : readFileStream(resolve(io.cwd, file));
  let summary: EventSummary;
  try {
    const { format, stream } = await openEventFile(bytes, stdin ? "" : file);
    if (format === "csv") {
      // Straight from the cells: the same summary, without an event per row.
      summary = await summarizeCsv(stream, { top, signal: ctx.signal });
    } else {
      const tally = new EventSummarizer({ top });
      for await (const event of readNdjsonEvents(stream, name)) {
        ctx.signal.throwIfAborted();
        tally.add(event);
      }
      summary = tally.result();
    }
  } catch (error) {
    throw unreadable(error, name, ctx.signal);
  }
  if (ctx.json) await printJson(ctx, summaryJson(summary));
  else {
    ctx.progress.done(`Summary of ${name}:`);
    printSummary(ctx, summary);
  }
  return 0;
}
