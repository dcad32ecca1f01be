/**
 * Runs every benchmark and rewrites `BENCHMARKS.md`: bundle size, cold
 * start, per-call cost, CSV throughput and memory, waiting for an export,
 * and the archive at scale. See the "Method" paragraphs of `BENCHMARKS.md` for how each is
 * measured; the code of each row is in `scripts/bench/`.
 *
 * Usage: `npm run bench` (= `deno task bench`), or
 * `deno run -A scripts/bench.ts [--quick]`. `--quick` uses small sizes and
 * few repetitions and writes `.bench/BENCHMARKS.quick.md` instead.
 *
 * Order: the real-time wait benchmark (about a minute of timers) starts
 * first and runs alongside the bundle builds and the CSV runs, which happen
 * in child processes; cold start and per-call cost, the most sensitive to
 * noise, run after it has finished.
 *
 * @module
 */

import { build } from "./bench/bundles.ts";
import { type ArchiveResult, benchArchive } from "./bench/archive.ts";
import {
  benchArchiveMemory,
  type MemoryResult,
} from "./bench/archive_memory.ts";
import { benchColdStart, coldGroups } from "./bench/cold_start.ts";
import { benchCsv, type CsvConfig } from "./bench/csv.ts";
import { describeMachine } from "./bench/machine.ts";
import { ROOT, WORK } from "./bench/paths.ts";
import { benchPerCall, type PerCallConfig } from "./bench/per_call.ts";
import { render, type Results } from "./bench/report.ts";
import { benchWait, type WaitResult } from "./bench/wait.ts";

interface Profile {
  coldRounds: number;
  coldWarmups: number;
  perCall: PerCallConfig;
  csv: CsvConfig;
  waitDelays: number[];
  archive: { spans: number[]; organizations: number; eventsPerDay: number };
  /** Row 7: sizes of one archived window, in MB. */
  windowSizesMb: number[];
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
  output: `${WORK}/BENCHMARKS.quick.md`,
};

const log = (message: string) => console.error(`[bench] ${message}`);

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
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

  const machine = await describeMachine();
  // Started now, awaited later: it is timers and a few requests a second.
  let waitError: unknown;
  const waiting = timed("wait (row 5)", () => benchWait(p.waitDelays))
    .catch((error) => {
      waitError = error;
      return [] as WaitResult[];
    });
  const builds = await timed("bundles (row 1)", build);
  const csv = await timed("csv (row 4)", () => benchCsv(p.csv, builds.mod));
  const wait = await waiting;
  if (waitError) throw waitError;
  const cold = await timed(
    "cold start (row 2)",
    () =>
      benchColdStart(
        coldGroups(builds.cold, builds.modCjs),
        p.coldRounds,
        p.coldWarmups,
      ),
  );
  const perCall = await timed(
    "per call (row 3)",
    () => benchPerCall(p.perCall, builds),
  );
  const archive: ArchiveResult = await timed(
    "archive (row 6)",
    () =>
      benchArchive(
        p.archive.spans,
        p.archive.organizations,
        p.archive.eventsPerDay,
      ),
  );
  const archiveMemory: MemoryResult = await timed(
    "archive memory (row 7)",
    () => benchArchiveMemory(p.windowSizesMb),
  );
  seconds.total = (performance.now() - started) / 1000;

  const results: Results = {
    machine,
    quick,
    seconds,
    settings: {
      coldRounds: p.coldRounds,
      perCall: p.perCall,
      csvRounds: p.csv.rounds,
    },
    builds,
    cold,
    perCall,
    csv,
    wait,
    archive,
    archiveMemory,
  };
  await Deno.writeTextFile(`${WORK}/results.json`, JSON.stringify(results));
  await Deno.writeTextFile(p.output, render(results));
  log(`wrote ${p.output} in ${seconds.total.toFixed(0)} s`);
}

if (import.meta.main) await main();
