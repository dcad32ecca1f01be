/**
 * Row 4, CSV throughput and memory: `exportRows` against `csv-parse`, Papa
 * Parse and a decode-and-count floor, each variant in its own process (Node,
 * and ours under Deno too) reading the same generated export from disk in
 * 64 KiB chunks.
 *
 * @module
 */

import type { CsvFile, CsvTarget } from "./csv_generate.ts";
import { benchFile, DENO, NODE, NODE_LABEL, ROOT, WORK } from "./paths.ts";
import { runJson } from "./proc.ts";
import { median, pairedRatio, rotate } from "./stats.ts";

/** One way of reading the file: a parser in a runtime, with runtime flags. */
interface Variant {
  key: string;
  parser: "ours" | "events" | "csv-parse" | "papaparse" | "floor";
  runtime: "node" | "deno";
  /** Extra runtime flags. */
  flags?: string[];
  /** Shown in the report. */
  label: string;
  /** Slowed down by its own measuring: shown for memory only. */
  memoryOnly?: boolean;
}

/** The variants compared, in report order. */
export const VARIANTS: readonly Variant[] = [
  { key: "ours", parser: "ours", runtime: "node", label: "ours: `exportRows`" },
  {
    key: "events",
    parser: "events",
    runtime: "node",
    label: "ours: `exportEvents`",
  },
  {
    key: "csv-parse",
    parser: "csv-parse",
    runtime: "node",
    label: "csv-parse",
  },
  {
    key: "papaparse",
    parser: "papaparse",
    runtime: "node",
    label: "papaparse",
  },
  {
    key: "floor",
    parser: "floor",
    runtime: "node",
    label: "floor: TextDecoder + count LFs",
  },
  {
    key: "ours-deno",
    parser: "ours",
    runtime: "deno",
    label: "ours: `exportRows`",
  },
  {
    key: "events-deno",
    parser: "events",
    runtime: "deno",
    label: "ours: `exportEvents`",
  },
  {
    key: "ours-live",
    parser: "ours",
    runtime: "node",
    flags: ["--expose-gc"],
    label: "ours, live heap (a full GC before each sample)",
    memoryOnly: true,
  },
  {
    key: "ours-deno-live",
    parser: "ours",
    runtime: "deno",
    flags: ["--v8-flags=--expose-gc"],
    label: "ours, live heap (a full GC before each sample)",
    memoryOnly: true,
  },
  {
    key: "events-live",
    parser: "events",
    runtime: "node",
    flags: ["--expose-gc"],
    label: "`exportEvents`, live heap (a full GC before each sample)",
    memoryOnly: true,
  },
];

/** Sizes and repetitions. */
export interface CsvConfig {
  smallBytes: number;
  largeBytes: number;
  rounds: number;
}

interface Run {
  parser: string;
  rows: number;
  checksum: number;
  ms: number;
  peakRssKiB?: number;
  heapUsedMaxKiB: number;
  rssQuarterKiB: number;
  rssEndKiB: number;
}

/** Results of one variant (medians over rounds). */
export interface ParserResult {
  key: string;
  parser: Variant["parser"];
  label: string;
  runtime: string;
  memoryOnly: boolean;
  medianMs: number;
  rowsPerSec: number;
  mbPerSec: number;
  /** Paired per-round throughput ratio to csv-parse (> 1 is faster). */
  vsCsvParse: number;
  /** Paired per-round throughput ratio to the floor (< 1 is slower). */
  vsFloor: number;
  /** Paired per-round time ratio to `exportRows` in the same runtime (> 1 is slower). */
  vsRows: number;
  peakSmallMiB?: number;
  peakLargeMiB?: number;
  /** RSS in the large run once a quarter of its rows were read, and at its end. */
  rssQuarterMiB: number;
  rssEndMiB: number;
  /** Largest V8 heap in use at a sample, small and large file. */
  heapSmallMiB: number;
  heapLargeMiB: number;
}

/** Results of row 4. */
export interface CsvResult {
  small: CsvFile;
  large: CsvFile;
  regenerated: boolean;
  results: ParserResult[];
}

const GENERATOR_SOURCES = [
  "scripts/bench/csv_generate.ts",
  "src/emulator/csv_writer.ts",
  "src/csv_record.ts",
  "src/emulator/sample.ts",
];

async function fingerprint(targets: CsvTarget[]): Promise<string> {
  let text = JSON.stringify(targets);
  for (const f of GENERATOR_SOURCES) {
    text += await Deno.readTextFile(`${ROOT}/${f}`);
  }
  const hash = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return undefined;
  }
}

/** The data files, generated once and reused while the generator and its inputs are unchanged. */
async function ensureData(
  config: CsvConfig,
): Promise<{ small: CsvFile; large: CsvFile; regenerated: boolean }> {
  const dir = `${WORK}/csv`;
  await Deno.mkdir(dir, { recursive: true });
  const targets: CsvTarget[] = [
    { path: `${dir}/export-small.csv`, bytes: config.smallBytes },
    { path: `${dir}/export-large.csv`, bytes: config.largeBytes },
  ];
  const manifestPath = `${dir}/manifest.json`;
  const key = await fingerprint(targets);
  try {
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath)) as {
      key: string;
      files: CsvFile[];
    };
    const sizes = await Promise.all(manifest.files.map((f) => sizeOf(f.path)));
    if (
      manifest.key === key &&
      manifest.files.every((f, i) => sizes[i] === f.bytes)
    ) {
      const [small, large] = manifest.files;
      return { small, large, regenerated: false };
    }
  } catch {
    // No usable manifest: generate.
  }
  const files = await runJson<CsvFile[]>(DENO, [
    "run",
    "--no-lock",
    "-A",
    benchFile("csv_generate.ts"),
    JSON.stringify(targets),
  ]);
  await Deno.writeTextFile(manifestPath, JSON.stringify({ key, files }));
  const [small, large] = files;
  return { small, large, regenerated: true };
}

function parse(v: Variant, file: CsvFile, mod: string): Promise<Run> {
  const args = [
    benchFile("node/parse_csv.mjs"),
    v.parser,
    file.path,
    mod,
    String(file.rows),
  ];
  return v.runtime === "node"
    ? runJson<Run>(NODE, [...(v.flags ?? []), ...args])
    : runJson<Run>(DENO, [
      "run",
      "--no-lock",
      "-A",
      ...(v.flags ?? []),
      ...args,
    ]);
}

function check(runs: Run[], file: CsvFile): void {
  for (const run of runs) {
    // The floor counts line breaks, and names may hold quoted ones: it can
    // only see at least as many lines as there are rows.
    if (
      run.parser === "floor" ? run.rows < file.rows : run.rows !== file.rows
    ) {
      throw new Error(
        `${run.parser} read ${run.rows} rows of ${file.path}, not ${file.rows}`,
      );
    }
  }
  const sums = new Set(
    runs.filter((r) => r.parser !== "floor").map((r) => r.checksum),
  );
  if (sums.size > 1) {
    throw new Error(`the parsers disagree on the cells of ${file.path}`);
  }
}

/** Runs row 4: `rounds` rounds over the large file (order rotated), then over the small one for memory. */
export async function benchCsv(
  config: CsvConfig,
  mod: string,
): Promise<CsvResult> {
  const { small, large, regenerated } = await ensureData(config);
  const runs = (file: CsvFile) => {
    const out = new Map(VARIANTS.map((v) => [v.key, [] as Run[]]));
    return {
      out,
      async round(r: number) {
        const round: Run[] = [];
        for (const v of rotate(VARIANTS, r)) {
          const run = await parse(v, file, mod);
          out.get(v.key)!.push(run);
          round.push(run);
        }
        check(round, file);
      },
    };
  };
  const largeRuns = runs(large);
  const smallRuns = runs(small);
  for (let r = 0; r < config.rounds; r++) {
    await largeRuns.round(r);
    await smallRuns.round(r);
  }
  const speed = (list: Run[]) => list.map((x) => 1 / x.ms);
  const mib = (list: Run[], pick: (x: Run) => number | undefined) => {
    const values = list.map(pick);
    return values.some((x) => x === undefined)
      ? undefined
      : median(values as number[]) / 1024;
  };
  const results = VARIANTS.map((v): ParserResult => {
    const l = largeRuns.out.get(v.key)!;
    const s = smallRuns.out.get(v.key)!;
    const ms = median(l.map((x) => x.ms));
    return {
      key: v.key,
      parser: v.parser,
      label: v.label,
      runtime: v.runtime === "node" ? NODE_LABEL : "Deno",
      memoryOnly: v.memoryOnly ?? false,
      medianMs: ms,
      rowsPerSec: large.rows / (ms / 1000),
      mbPerSec: large.bytes / 1e6 / (ms / 1000),
      vsCsvParse: pairedRatio(speed(l), speed(largeRuns.out.get("csv-parse")!)),
      vsFloor: pairedRatio(speed(l), speed(largeRuns.out.get("floor")!)),
      vsRows: pairedRatio(
        speed(largeRuns.out.get(v.runtime === "node" ? "ours" : "ours-deno")!),
        speed(l),
      ),
      peakSmallMiB: mib(s, (x) => x.peakRssKiB),
      peakLargeMiB: mib(l, (x) => x.peakRssKiB),
      rssQuarterMiB: mib(l, (x) => x.rssQuarterKiB)!,
      rssEndMiB: mib(l, (x) => x.rssEndKiB)!,
      heapSmallMiB: mib(s, (x) => x.heapUsedMaxKiB)!,
      heapLargeMiB: mib(l, (x) => x.heapUsedMaxKiB)!,
    };
  });
  return { small, large, regenerated, results };
}
