/**
 * Runs every benchmark and rewrites `BENCHMARKS.md`: bundle size, cold
 * start, per-call cost, CSV throughput and memory, waiting for an export,
 * the archive at scale, the archive read back (verified, read and gzipped),
 * and the summary of an export. See the "Method" paragraphs of
 * `BENCHMARKS.md` for how each is measured; the code of each row is in
 * `scripts/bench/`.
 *
 * Usage: `npm run bench` (= `deno task bench`), or
 * `deno run -A scripts/bench.ts [--quick] [--only=N[,N…]]`. `--quick` uses
 * small sizes and few repetitions and writes `.bench/BENCHMARKS.quick.md`
 * instead. `--only=3` (or `--only=2,3`) runs only those rows (numbered as in
 * `BENCHMARKS.md`: 1 bundles, 2 cold start, 3 per call, 4 CSV, 5 wait,
 * 6 archive, 7 archive memory, 8 verify, 9 read, 10 gzip, 11 summary) and
 * prints their report, also written to `.bench/BENCHMARKS.partial.md`;
 * `BENCHMARKS.md` is left alone, since a partial run cannot rewrite the
 * other rows. Without row 1 only the bundles the selected rows run are
 * built, e.g. `npm run bench -- --only=3` takes about fifteen seconds.
 *
 * Order: the real-time wait benchmark (about a minute of timers) starts
 * first and runs alongside the bundle builds and the CSV runs, which happen
 * in child processes; cold start and per-call cost, the most sensitive to
 * noise, run after it has finished.
 *
 * @module
 */

import { build, buildRuntime, type Builds } from "./bench/bundles.ts";
import type { ArchiveResult } from "./bench/archive.ts";
import {
  benchArchiveMemory,
  type MemoryResult,
} from "./bench/archive_memory.ts";
import {
  type ArchiveReadConfig,
  benchGzip,
  benchRead,
  benchVerify,
  buildArchives,
  type GzipResult,
  type ReadResult,
  removeArchives,
  type VerifyResult,
} from "./bench/archive_read.ts";
import { benchColdStart, coldGroups } from "./bench/cold_start.ts";
import { benchCsv, type CsvConfig } from "./bench/csv.ts";
import { describeMachine } from "./bench/machine.ts";
import { ROOT, WORK } from "./bench/paths.ts";
import { benchPerCall, type PerCallConfig } from "./bench/per_call.ts";
import { benchSummary, type SummaryResult } from "./bench/summary.ts";
import { render, renderRows, type Results, ROW_COUNT } from "./bench/report.ts";
import type { WaitResult } from "./bench/wait.ts";

interface Profile {
  coldRounds: number;
  coldWarmups: number;
  perCall: PerCallConfig;
  csv: CsvConfig;
  waitDelays: number[];
  archive: { spans: number[]; organizations: number; eventsPerDay: number };
  /** Row 7: sizes of one archived window, in MB. */
  windowSizesMb: number[];
  /** Rows 8–10: the archive read back. */
  archiveRead: ArchiveReadConfig;
  /** Row 11: rounds over row 4's large file (`csv.largeBytes`). */
  summaryRounds: number;
  output: string;
}

const FULL: Profile = {
  coldRounds: 40,
  coldWarmups: 3,
  perCall: {
    rounds: 20,
    perRound: 200,
    warmup: 500,
    batches: 30,
    batchSize: 300,
  },
  csv: { smallBytes: 20e6, largeBytes: 200e6, rounds: 3 },
  waitDelays: [1_000, 10_000, 60_000],
  archive: { spans: [30, 365], organizations: 20, eventsPerDay: 4 },
  windowSizesMb: [20, 500],
  // Ten windows of about 20 MB: the 200 MB of row 4's large file.
  archiveRead: { windows: 10, rowsPerWindow: 80_000, rounds: 3 },
  // Two passes of under two seconds each: more rounds than row 4 are cheap,
  // and the ratio is held to a tenth.
  summaryRounds: 5,
  output: `${ROOT}/BENCHMARKS.md`,
};

const QUICK: Profile = {
  coldRounds: 6,
  coldWarmups: 1,
  perCall: { rounds: 4, perRound: 50, warmup: 50, batches: 6, batchSize: 100 },
  csv: { smallBytes: 2e6, largeBytes: 20e6, rounds: 1 },
  waitDelays: [500, 1_500, 3_000],
  archive: { spans: [7, 30], organizations: 5, eventsPerDay: 4 },
  windowSizesMb: [2, 20],
  archiveRead: { windows: 5, rowsPerWindow: 8_000, rounds: 1 },
  summaryRounds: 1,
  output: `${WORK}/BENCHMARKS.quick.md`,
};

// These two rows import the library's sources directly rather than a
// bundle, so they are loaded only when they run: a run of other rows does not
// depend on those sources loading.
const rowWait = () => import("./bench/wait.ts");
const rowArchive = () => import("./bench/archive.ts");

const log = (message: string) => console.error(`[bench] ${message}`);

/** The rows of `--only=…`, in order, or `undefined` for every row. */
function selectedRows(args: readonly string[]): number[] | undefined {
  const arg = args.find((a) => a.startsWith("--only"));
  if (arg === undefined) return undefined;
  const rows = arg.replace(/^--only=?/, "").split(",").map(Number);
  if (!rows.every((n) => Number.isInteger(n) && n >= 1 && n <= ROW_COUNT)) {
    throw new Error(
      `${arg}: expected --only=N[,N…] with N from 1 to ${ROW_COUNT}`,
    );
  }
  return [...new Set(rows)].sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
  const only = selectedRows(Deno.args);
  const runs = (row: number) => only === undefined || only.includes(row);
  const p = quick ? QUICK : FULL;
  await Deno.mkdir(WORK, { recursive: true });
  const seconds: Record<string, number> = {};
  const started = performance.now();
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    log(`${name}…`);
    const out = await fn();
    seconds[name] = (performance.now() - t) / 1000;
    log(`${name} done in ${seconds[name].toFixed(1)} s`);
    return out;
  };
  /** Runs row `row` if it is selected; `undefined` if not. */
  const step = <T>(row: number, name: string, fn: () => Promise<T>) =>
    runs(row) ? timed(`${name} (row ${row})`, fn) : Promise.resolve(undefined);

  const machine = await describeMachine();
  // Started now, awaited later: it is timers and a few requests a second.
  let waitError: unknown;
  const waiting = step(
    5,
    "wait",
    async () => (await rowWait()).benchWait(p.waitDelays),
  )
    .catch((error) => {
      waitError = error;
      return [] as WaitResult[];
    });
  const builds = runs(1)
    ? await step(1, "bundles", build)
    : runs(2) || runs(3) || runs(4)
    ? await timed("bundles", buildRuntime)
    : undefined;
  const csv = await step(4, "csv", () => benchCsv(p.csv, builds!.mod));
  const wait = await waiting;
  if (waitError) throw waitError;
  const cold = await step(
    2,
    "cold start",
    () =>
      benchColdStart(
        coldGroups(builds!.cold, builds!.modCjs),
        p.coldRounds,
        p.coldWarmups,
      ),
  );
  const perCall = await step(
    3,
    "per call",
    () => benchPerCall(p.perCall, builds!),
  );
  const archive: ArchiveResult | undefined = await step(
    6,
    "archive",
    async () =>
      (await rowArchive()).benchArchive(
        p.archive.spans,
        p.archive.organizations,
        p.archive.eventsPerDay,
      ),
  );
  const archiveMemory: MemoryResult | undefined = await step(
    7,
    "archive memory",
    () => benchArchiveMemory(p.windowSizesMb),
  );
  // Rows 8–10 read the same archives, built once for whichever of them run.
  let verify: VerifyResult | undefined;
  let read: ReadResult | undefined;
  let gzip: GzipResult | undefined;
  if (runs(8) || runs(9) || runs(10)) {
    try {
      const archives = await timed(
        "archive read: build",
        () => buildArchives(p.archiveRead, runs(10)),
      );
      verify = await step(
        8,
        "verify",
        () => benchVerify(archives, p.archiveRead),
      );
      read = await step(
        9,
        "read",
        () => benchRead(archives, p.archiveRead),
      );
      gzip = await step(
        10,
        "gzip",
        () => benchGzip(archives, p.archiveRead),
      );
    } finally {
      await removeArchives();
    }
  }
  const summary: SummaryResult | undefined = await step(
    11,
    "summary",
    () => benchSummary(p.csv, p.summaryRounds),
  );
  seconds.total = (performance.now() - started) / 1000;

  // The results of rows that did not run are missing; only the renderers of
  // the rows that ran are called, and each reads only its own results.
  const results = {
    machine,
    quick,
    seconds,
    settings: {
      coldRounds: p.coldRounds,
      perCall: p.perCall,
      csvRounds: p.csv.rounds,
    },
    builds: builds as Builds | undefined,
    cold,
    perCall,
    csv,
    wait,
    archive,
    archiveMemory,
    verify,
    read,
    gzip,
    summary,
  } as Results;
  if (only !== undefined) {
    const report = renderRows(results, only);
    await Deno.writeTextFile(
      `${WORK}/results.partial.json`,
      JSON.stringify(results),
    );
    await Deno.writeTextFile(`${WORK}/BENCHMARKS.partial.md`, report);
    console.log(report);
    log(`wrote ${WORK}/BENCHMARKS.partial.md in ${seconds.total.toFixed(0)} s`);
    return;
  }
  await Deno.writeTextFile(`${WORK}/results.json`, JSON.stringify(results));
  await Deno.writeTextFile(p.output, render(results));
  log(`wrote ${p.output} in ${seconds.total.toFixed(0)} s`);
}

if (import.meta.main) await main();
