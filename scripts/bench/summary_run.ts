/**
 * Worker of row 11: reads one of row 4's CSV files from disk in 64 KiB
 * chunks and summarizes it, or drains its events, in a process of its own
 * so that its peak RSS is its own. Prints one JSON line.
 *
 * Modes:
 *
 * - `summary <file>`: `summarizeCsv(stream)`, default options: what
 *   `summary file.csv` does with the file's bytes.
 * - `eventSummary <file>`: `summarizeEvents(exportEvents(stream))`, the
 *   way through typed events that NDJSON input still takes.
 * - `events <file>`: `exportEvents(stream)` drained, each event dropped as
 *   it comes: the pace the summary must keep up with.
 *
 * Usage: deno run -A summary_run.ts <mode> <file>
 *
 * @module
 */

import process from "node:process";
import { exportEvents } from "../../mod.ts";
// From its module rather than the public entry, which need not re-export it.
import { summarizeCsv, summarizeEvents } from "../../src/summary.ts";
import { fileChunks, liveHeap, peakRssKiB } from "./worker.ts";

/** What a run prints. */
export interface SummaryRun {
  mode: "summary" | "eventSummary" | "events";
  /**
   * Events the pass handed on: counted by the drain loop, or, in a summary
   * run, the sum of the summary's per-day counts (every event of the file
   * has a time), a tally of its own beside `summary.events`.
   */
  events: number;
  ms: number;
  peakRssKiB: number;
  /** Only with `--expose-gc` (memory runs). */
  liveHeapKiB?: number;
  /** Summary runs (either way) only: what the run's summary says, for the row to check and show. */
  summary?: {
    events: number;
    first: string | null;
    last: string | null;
    days: number;
    daysPerEntry: number;
    exact: { actions: boolean; actors: boolean; targetTypes: boolean };
    /** The whole summary as JSON, so that every run can be checked to agree. */
    json: string;
  };
}

async function main(): Promise<SummaryRun> {
  const [mode, file] = process.argv.slice(2);
  if (mode !== "summary" && mode !== "eventSummary" && mode !== "events") {
    throw new Error(`unknown mode ${mode}`);
  }
  const live = liveHeap();
  const started = performance.now();
  if (mode === "events") {
    let events = 0;
    // Counting is the least a consumer can do; any more would be measured
    // as the parser's cost.
    for await (const _ of exportEvents(fileChunks(file))) events++;
    const ms = performance.now() - started;
    return { mode, events, ms, peakRssKiB: peakRssKiB(), liveHeapKiB: live() };
  }
  const summary = mode === "summary"
    ? await summarizeCsv(fileChunks(file))
    : await summarizeEvents(exportEvents(fileChunks(file)));
  const ms = performance.now() - started;
  // Read before the summary is turned into JSON, which the live heap is
  // not meant to count.
  const peak = peakRssKiB();
  const heap = live();
  return {
    mode,
    events: summary.perDay.reduce((n, [, count]) => n + count, 0),
    ms,
    peakRssKiB: peak,
    liveHeapKiB: heap,
    summary: {
      events: summary.events,
      first: summary.first?.toISOString() ?? null,
      last: summary.last?.toISOString() ?? null,
      days: summary.perDay.length,
      daysPerEntry: summary.daysPerEntry,
      exact: summary.exact,
      json: JSON.stringify(summary),
    },
  };
}

if (import.meta.main) console.log(JSON.stringify(await main()));
