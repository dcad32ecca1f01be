/**
 * What one benchmark run hands to the report, and what each row's section
 * gives back to it.
 *
 * @module
 */

import type { ArchiveResult } from "../archive.ts";
import type { MemoryResult } from "../archive_memory.ts";
import type { GzipResult, ReadResult, VerifyResult } from "../archive_read.ts";
import type { Builds } from "../bundles.ts";
import type { ColdGroupResult } from "../cold_start.ts";
import type { CsvResult } from "../csv.ts";
import type { Machine } from "../machine.ts";
import type { PerCallResult } from "../per_call.ts";
import type { SummaryResult } from "../summary.ts";
import type { WaitResult } from "../wait.ts";

/** Everything one run measured. */
export interface Results {
  machine: Machine;
  quick: boolean;
  /** Wall time of each phase and of the whole run, in seconds. */
  seconds: Record<string, number>;
  settings: {
    coldRounds: number;
    perCall: { rounds: number; perRound: number; warmup: number };
    csvRounds: number;
  };
  builds: Builds;
  cold: ColdGroupResult[];
  perCall: PerCallResult;
  csv: CsvResult;
  wait: WaitResult[];
  archive: ArchiveResult;
  archiveMemory: MemoryResult;
  verify: VerifyResult;
  read: ReadResult;
  gzip: GzipResult;
  summary: SummaryResult;
}

/** One line of the targets table. */
export type TargetRow = [
  row: string,
  what: string,
  measured: string,
  target: string,
  verdict: string,
];

/** One row's part of `BENCHMARKS.md`. */
export interface Section {
  /** Its lines of the targets table, in the order they are shown. */
  targets: TargetRow[];
  /** Its Markdown, from its `##` heading on. */
  text: string;
}
