/**
 * Writes the CSV files of the throughput benchmark: exports in the
 * emulator's layout, that of real exports (`csvRecord(eventCells(event, 1))`
 * over seeded sample events, each with one target: quoted JSON cells,
 * doubled quotes and non-ASCII names), cut at a row boundary once each file
 * reaches its size.
 *
 * Usage: deno run -A scripts/bench/csv_generate.ts '<json [{path, bytes}]>';
 * prints `[{path, bytes, rows}]` as one JSON line.
 *
 * @module
 */

import { sampleEvents } from "../../testing.ts";
import {
  csvHeader,
  csvRecord,
  eventCells,
} from "../../src/emulator/csv_writer.ts";

/** A file to write and its target size in bytes. */
export interface CsvTarget {
  path: string;
  bytes: number;
}

/** A written file. */
export interface CsvFile extends CsvTarget {
  rows: number;
}

const DAY = 86_400_000;
/** Every sample event has one target. */
const TARGETS = 1;
const END = Date.UTC(2026, 10, 1);

/** Writes every target in one pass over the same rows; smaller files are prefixes of larger ones. */
export async function generate(targets: CsvTarget[]): Promise<CsvFile[]> {
  const encoder = new TextEncoder();
  const open = await Promise.all(targets.map(async (t) => ({
    ...t,
    file: await Deno.open(t.path, {
      write: true,
      create: true,
      truncate: true,
    }),
    written: 0,
    rows: 0,
    done: false,
  })));
  const header = encoder.encode(csvRecord(csvHeader(TARGETS)));
  for (const f of open) {
    await f.file.write(header);
    f.written = header.byteLength;
  }
  for (let batch = 0; open.some((f) => !f.done); batch++) {
    const events = sampleEvents({
      seed: batch + 1,
      perOrganization: 1_000,
      now: END - batch * DAY,
    });
    const lines = events.map((e) =>
      encoder.encode(csvRecord(eventCells(e, TARGETS)))
    );
    for (const f of open) {
      if (f.done) continue;
      let size = 0;
      let count = 0;
      while (count < lines.length && f.written + size < f.bytes) {
        size += lines[count++].byteLength;
      }
      const chunk = new Uint8Array(size);
      for (let i = 0, at = 0; i < count; at += lines[i++].byteLength) {
        chunk.set(lines[i], at);
      }
      await f.file.write(chunk);
      f.written += size;
      f.rows += count;
      if (f.written >= f.bytes) f.done = true;
    }
  }
  for (const f of open) f.file.close();
  return open.map((f) => ({ path: f.path, bytes: f.written, rows: f.rows }));
}

if (import.meta.main) {
  const written = await generate(JSON.parse(Deno.args[0]) as CsvTarget[]);
  console.log(JSON.stringify(written));
}
