/**
 * Row 4 worker: reads one CSV file from disk in 64 KiB chunks with one
 * parser and reports rows, a checksum, the time from first read to last row,
 * the process's peak RSS and how its memory evolved along the file.
 *
 * Parsers: `floor` (TextDecoder + counting LFs), `ours` (`exportRows` over a
 * web `ReadableStream`), `events` (`exportEvents`, the same stream read as
 * typed events), `csv-parse` (Node stream, `columns: true`), `papaparse`
 * (Node stream, `header: true`, row by row).
 *
 * Usage: node parse_csv.mjs <parser> <file> <bundle of mod.ts> <rows in the
 * file>; prints one JSON line. Also runs under Deno (`ours`, `events`,
 * `floor`).
 *
 * @module
 */

import { createReadStream, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";

const CHUNK = 64 * 1024;
const [parser, file, mod, totalRows] = process.argv.slice(2);
/** Rows between two memory samples. */
const EVERY = 4096;

/**
 * Memory along the run: the largest V8 heap in use seen at a sample, and
 * the RSS once a quarter of the rows are read (after start-up and the
 * runtime's early heap growth) and at the end. Where the runtime exposes
 * `gc` (`--expose-gc`), every sample first runs a full collection, so the
 * heap in use is what is still referenced: the parser's live memory.
 */
const memory = {
  heapUsedMaxKiB: 0,
  rssQuarterKiB: 0,
  rssEndKiB: 0,
  live: typeof globalThis.gc === "function",
};

function sample(rows) {
  if (memory.live) globalThis.gc();
  const m = process.memoryUsage();
  memory.heapUsedMaxKiB = Math.max(memory.heapUsedMaxKiB, m.heapUsed >> 10);
  if (memory.rssQuarterKiB === 0 && rows >= Number(totalRows) / 4) {
    memory.rssQuarterKiB = m.rss >> 10;
  }
}

/**
 * The file as a web byte stream of fresh 64 KiB chunks, read on demand with
 * one chunk read ahead (the default high-water mark), as a Node stream does.
 */
function webChunks(path) {
  let handle;
  return new ReadableStream({
    async start() {
      handle = await open(path);
    },
    async pull(controller) {
      const buffer = new Uint8Array(CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
      } else {
        controller.enqueue(
          bytesRead === CHUNK ? buffer : buffer.subarray(0, bytesRead),
        );
      }
    },
    async cancel() {
      await handle.close();
    },
  });
}

/**
 * The file as a Node stream of 64 KiB chunks. Papa Parse decodes each chunk
 * on its own, which splits multi-byte characters at chunk edges, so it is
 * given text decoded by the stream (`encoding`), the way it must be used.
 */
const nodeChunks = (path, encoding) =>
  createReadStream(path, { highWaterMark: CHUNK, encoding });

/**
 * Counts a row and reads two of its cells, so no parser can skip the work;
 * `cells` picks them (an event has them as properties, a row as columns).
 */
function counter(
  cells = (row) => row.target_id_1.length + row.actor_name.length,
) {
  const c = {
    rows: 0,
    checksum: 0,
    add(row) {
      c.checksum += cells(row);
      if (++c.rows % EVERY === 0) sample(c.rows);
    },
  };
  return c;
}

const PARSERS = {
  async floor() {
    const decoder = new TextDecoder();
    let lines = 0;
    let bytes = 0;
    for await (const chunk of webChunks(file)) {
      bytes += chunk.byteLength;
      const text = decoder.decode(chunk, { stream: true });
      for (
        let i = text.indexOf("\n");
        i !== -1;
        i = text.indexOf("\n", i + 1)
      ) {
        if (++lines % EVERY === 0) sample(lines);
      }
    }
    // The file ends with a line break: lines less the header, which is the
    // row count only when no quoted cell holds a line break.
    return { rows: lines - 1, checksum: bytes };
  },
  async ours() {
    const { exportRows } = await import(pathToFileURL(mod).href);
    const c = counter();
    for await (const row of exportRows(webChunks(file))) c.add(row);
    return c;
  },
  async events() {
    const { exportEvents } = await import(pathToFileURL(mod).href);
    const c = counter((event) =>
      (event.targets[0]?.id.length ?? 0) + (event.actor.name?.length ?? 0)
    );
    for await (const event of exportEvents(webChunks(file))) c.add(event);
    return c;
  },
  async "csv-parse"() {
    const { parse } = await import("csv-parse");
    const c = counter();
    for await (const row of nodeChunks(file).pipe(parse({ columns: true }))) {
      c.add(row);
    }
    return c;
  },
  async papaparse() {
    const Papa = (await import("papaparse")).default;
    const c = counter();
    await new Promise((resolve, reject) => {
      Papa.parse(nodeChunks(file, "utf8"), {
        header: true,
        skipEmptyLines: true,
        step: (result) => c.add(result.data),
        complete: resolve,
        error: reject,
      });
    });
    return c;
  },
};

/**
 * Peak resident memory of this process in KiB: Linux's `VmHWM`, the high
 * water mark of the current address space. `getrusage`'s `maxRSS` is not
 * used: it survives `exec`, so a child of a large parent reports at least
 * the parent's size.
 */
function readPeakRssKiB() {
  try {
    const status = readFileSync("/proc/self/status", "utf8");
    return Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(status)[1]);
  } catch {
    return undefined;
  }
}

const start = performance.now();
const { rows, checksum } = await PARSERS[parser]();
const ms = performance.now() - start;
memory.rssEndKiB = process.memoryUsage().rss >> 10;
const peakRssKiB = readPeakRssKiB();
process.stdout.write(
  `${JSON.stringify({ parser, rows, checksum, ms, peakRssKiB, ...memory })}\n`,
);
