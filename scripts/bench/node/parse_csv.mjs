/**
 * Row 4 worker: reads one CSV file from disk in 64 KiB chunks with one
 * parser and reports rows, a checksum, the time from first read to last row,
 * the process's peak RSS and how its memory evolved along the file.
 *
 * Parsers: `floor` (TextDecoder + counting LFs), `ours` (`exportRows` over a
 * web `ReadableStream`), `events` (`exportEvents`, the same stream read as
 * typed events), `csv-parse` (Node stream, `columns: true`), `papaparse`
 * (Node stream, `header: true`, row by row), `udsv` (uDSV's incremental
 * `chunk()` over the same web stream as ours, decoded by a streaming
 * `TextDecoder`).
 *
 * Usage: node parse_csv.mjs <parser> <file> <bundle of mod.ts> <rows in the
 * file> [check]; prints one JSON line. Also runs under Deno (`ours`,
 * `events`, `udsv`, `floor`).
 *
 * Without `check` the run is timed and each row is reduced to two of its
 * cells. `check` reads every cell instead, untimed, to compare parsers'
 * output: `digest=<path>` writes one 32-bit hash of all cells per row
 * (a `Uint32Array`, file order) to `path`, `rows=<i,j,…>` prints the cells of
 * those rows (0-based, header not counted). Row parsers only, not `events`
 * or `floor`.
 *
 * @module
 */

import { createReadStream, readFileSync } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";

const CHUNK = 64 * 1024;
const [parser, file, mod, totalRows, check = ""] = process.argv.slice(2);
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
  if (rowSink) return rowSink;
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

/**
 * The file's column names, from its header line. The export layout never
 * quotes a column name, so splitting on commas is exact; anything else is
 * refused rather than misread.
 */
async function columnsOf(path) {
  const handle = await open(path);
  try {
    const buffer = new Uint8Array(CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, CHUNK, 0);
    const text = new TextDecoder().decode(buffer.subarray(0, bytesRead));
    const end = text.indexOf("\n");
    const header = text.slice(0, end).replace(/\r$/, "");
    if (end === -1 || header.includes('"')) {
      throw new Error(`no plain header line in ${path}`);
    }
    return header.split(",");
  } finally {
    await handle.close();
  }
}

/**
 * FNV-1a over every cell of a row in column order, each cell closed by a
 * separator that cannot occur in text, and over the row's own number of
 * cells, so a missing, extra, shifted or altered cell changes the hash.
 */
function rowHash(row, columns) {
  let h = 0x811c9dc5;
  for (const column of columns) {
    const cell = row[column];
    if (cell === undefined) {
      h = Math.imul(h ^ 0xffff1, 16777619);
      continue;
    }
    for (let i = 0; i < cell.length; i++) {
      h = Math.imul(h ^ cell.charCodeAt(i), 16777619);
    }
    h = Math.imul(h ^ 0xffff0, 16777619);
  }
  return (h ^ Object.keys(row).length) >>> 0;
}

/**
 * A row consumer for `check` runs: a hash of every row kept in file order
 * (`digest`) or the cells of the rows asked for (`rows`).
 */
async function checker(spec) {
  const [, kind, value] = /^(digest|rows)=(.+)$/.exec(spec) ??
    [spec, "", ""];
  if (kind === "") throw new Error(`unknown check ${spec}`);
  const columns = await columnsOf(file);
  let hashes = new Uint32Array(1 << 16);
  const wanted = new Set(kind === "rows" ? value.split(",").map(Number) : []);
  const shown = {};
  const c = {
    rows: 0,
    checksum: 0,
    add(row) {
      if (kind === "digest") {
        if (c.rows === hashes.length) {
          const grown = new Uint32Array(hashes.length * 2);
          grown.set(hashes);
          hashes = grown;
        }
        hashes[c.rows] = rowHash(row, columns);
      } else if (wanted.has(c.rows)) {
        shown[c.rows] = columns.map((column) => row[column] ?? null);
      }
      c.rows++;
    },
    async finish() {
      if (kind === "digest") {
        await writeFile(value, hashes.subarray(0, c.rows));
      }
      return kind === "rows" ? { columns, shown } : { columns };
    },
  };
  return c;
}

/** Where rows go: two cells read (timed runs) or every cell checked. */
const rowSink = check === "" ? null : await checker(check);

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
    if (rowSink) throw new Error("events are not rows: nothing to check");
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
  async udsv() {
    const { inferSchema, initParser } = await import("udsv");
    const c = counter();
    const decoder = new TextDecoder();
    const onRow = (row) => {
      c.add(row);
    };
    let parser;
    for await (const chunk of webChunks(file)) {
      const text = decoder.decode(chunk, { stream: true });
      // uDSV infers delimiters, quoting and column names from the first
      // chunk; 64 KiB holds hundreds of rows, more than it looks at.
      parser ??= initParser(inferSchema(text));
      parser.chunk(text, parser.stringObjs, onRow);
    }
    const rest = decoder.decode();
    if (rest !== "") parser.chunk(rest, parser.stringObjs, onRow);
    parser.end();
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

if (rowSink && parser === "floor") {
  throw new Error("the floor reads no cells: nothing to check");
}
const start = performance.now();
const { rows, checksum } = await PARSERS[parser]();
const ms = performance.now() - start;
if (rowSink) {
  process.stdout.write(
    `${JSON.stringify({ parser, rows, ...(await rowSink.finish()) })}\n`,
  );
} else {
  memory.rssEndKiB = process.memoryUsage().rss >> 10;
  const peakRssKiB = readPeakRssKiB();
  process.stdout.write(
    `${
      JSON.stringify({ parser, rows, checksum, ms, peakRssKiB, ...memory })
    }\n`,
  );
}
