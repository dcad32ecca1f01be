/**
 * Row 4, CSV throughput and memory: `exportRows` against `csv-parse`, Papa
 * Parse, uDSV's streaming `chunk()` and a decode-and-count floor, each
 * variant in its own process (Node, and ours and uDSV under Deno too) reading
 * the same generated export from disk in 64 KiB chunks; then, untimed, every
 * cell each row parser read, compared with `csv-parse`'s.
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
  parser: "ours" | "events" | "csv-parse" | "papaparse" | "udsv" | "floor";
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
  { key: "udsv", parser: "udsv", runtime: "node", label: "uDSV `chunk()`" },
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
    key: "udsv-deno",
    parser: "udsv",
    runtime: "deno",
    label: "uDSV `chunk()`",
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

/** The size of the reads of every variant, as in `node/parse_csv.mjs`. */
const CHUNK = 64 * 1024;

/** The parser whose cells every other one's are compared with. */
const REFERENCE = "csv-parse";

/** Rows whose cells are shown when a parser's differ from the reference's. */
const SHOWN_ROWS = 20;

/** Our own parsers: a difference in their output fails the run. */
const OURS = new Set<Variant["parser"]>(["ours", "events"]);

/** The variants whose every cell is checked: the row parsers, once each per runtime. */
const CHECKED = VARIANTS.filter((v) =>
  !v.memoryOnly && v.parser !== "floor" && v.parser !== "events"
);

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

/** One cell where a parser's output differs from the reference's. */
export interface CellDifference {
  /** 1-based number of the row in the file, the header not counted. */
  row: number;
  column: string;
  /** The reference's cell (`null`: it has none). */
  expected: string | null;
  /** This parser's cell (`null`: it has none). */
  actual: string | null;
}

/** How a parser's cells compare with the reference's over the large file. */
export interface OutputCheck {
  /** Rows the reference read. */
  rows: number;
  /** Rows whose cells differ in any way, missing or extra rows included. */
  differingRows: number;
  /** The cells that differ in the first differing rows. */
  differences: CellDifference[];
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
  /** Paired per-round throughput ratio to uDSV in the same runtime, where it ran. */
  vsUdsv?: number;
  /** Every cell compared with the reference's: row parsers only. */
  output?: OutputCheck;
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
  /** Places in the large file where a chunk ends between a CR and an LF. */
  crlfEdges: number;
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

/**
 * The data files, generated once and reused while the generator and its
 * inputs are unchanged. Row 11 reads them too.
 */
export async function ensureData(
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

function parse<T = Run>(
  v: Variant,
  file: CsvFile,
  mod: string,
  check?: string,
): Promise<T> {
  const args = [
    benchFile("node/parse_csv.mjs"),
    v.parser,
    file.path,
    mod,
    String(file.rows),
    ...(check ? [check] : []),
  ];
  return v.runtime === "node"
    ? runJson<T>(NODE, [...(v.flags ?? []), ...args])
    : runJson<T>(DENO, [
      "run",
      "--no-lock",
      "-A",
      ...(v.flags ?? []),
      ...args,
    ]);
}

/**
 * What a timed round must agree on: every row parser read every row, and our
 * own read the same two cells of each as the reference. Other parsers' cells
 * are compared in full, untimed, by `checkOutput`, which reports what differs.
 */
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
  const reference = runs.find((r) => r.parser === REFERENCE)!.checksum;
  for (const run of runs) {
    if (
      OURS.has(run.parser as Variant["parser"]) && run.checksum !== reference
    ) {
      throw new Error(
        `${run.parser} disagrees with ${REFERENCE} on the cells of ${file.path}`,
      );
    }
  }
}

/** What a `digest=` run prints; the hashes themselves go to a file. */
interface Digest {
  rows: number;
  columns: string[];
}

/** What a `rows=` run prints: the asked-for rows' cells, in column order. */
interface Shown extends Digest {
  shown: Record<string, (string | null)[]>;
}

/**
 * Every cell of every row of `file`, as each checked variant reads it,
 * compared with the reference's through per-row hashes; the cells of the
 * first differing rows are read again to say what differs. Our own parsers
 * must agree; the others' differences are returned for the report.
 */
async function checkOutput(
  file: CsvFile,
  mod: string,
): Promise<Map<string, OutputCheck>> {
  const dir = `${WORK}/csv/digest`;
  await Deno.mkdir(dir, { recursive: true });
  const hashes = new Map<string, Uint32Array>();
  for (const v of CHECKED) {
    const path = `${dir}/${v.key}.u32`;
    await parse<Digest>(v, file, mod, `digest=${path}`);
    const raw = await Deno.readFile(path);
    hashes.set(v.key, new Uint32Array(raw.buffer, 0, raw.byteLength >> 2));
  }
  const referenceVariant = CHECKED.find((v) => v.parser === REFERENCE)!;
  const expected = hashes.get(referenceVariant.key)!;
  const out = new Map<string, OutputCheck>();
  for (const v of CHECKED) {
    const actual = hashes.get(v.key)!;
    const differing: number[] = [];
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      if (expected[i] !== actual[i]) differing.push(i);
    }
    const differences: CellDifference[] = [];
    if (differing.length) {
      const rows = `rows=${differing.slice(0, SHOWN_ROWS).join(",")}`;
      const want = await parse<Shown>(referenceVariant, file, mod, rows);
      const got = await parse<Shown>(v, file, mod, rows);
      for (const i of differing.slice(0, SHOWN_ROWS)) {
        want.columns.forEach((column, c) => {
          const a = want.shown[i]?.[c] ?? null;
          const b = got.shown[i]?.[c] ?? null;
          if (a !== b) {
            differences.push({ row: i + 1, column, expected: a, actual: b });
          }
        });
      }
    }
    if (differing.length && OURS.has(v.parser)) {
      throw new Error(
        `${v.key} disagrees with ${REFERENCE} on ${differing.length} rows of ${file.path}: ${
          JSON.stringify(differences.slice(0, 3))
        }`,
      );
    }
    out.set(v.key, {
      rows: expected.length,
      differingRows: differing.length,
      differences,
    });
  }
  return out;
}

/**
 * How many of the file's chunk edges fall between a CR and the LF after it,
 * so that a parser sees a row's CRLF end in two reads.
 */
async function crlfEdges(path: string): Promise<number> {
  using handle = await Deno.open(path);
  const { size } = await handle.stat();
  const pair = new Uint8Array(2);
  let edges = 0;
  for (let at = CHUNK; at < size; at += CHUNK) {
    await handle.seek(at - 1, Deno.SeekMode.Start);
    let read = 0;
    while (read < 2) {
      const n = await handle.read(pair.subarray(read));
      if (n === null) break;
      read += n;
    }
    if (read === 2 && pair[0] === 0x0d && pair[1] === 0x0a) edges++;
  }
  return edges;
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
  const outputs = await checkOutput(large, mod);
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
    const udsv = VARIANTS.find((u) =>
      u.parser === "udsv" && u.runtime === v.runtime && !u.memoryOnly
    );
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
      vsUdsv: udsv &&
        pairedRatio(speed(l), speed(largeRuns.out.get(udsv.key)!)),
      output: outputs.get(v.key),
      peakSmallMiB: mib(s, (x) => x.peakRssKiB),
      peakLargeMiB: mib(l, (x) => x.peakRssKiB),
      rssQuarterMiB: mib(l, (x) => x.rssQuarterKiB)!,
      rssEndMiB: mib(l, (x) => x.rssEndKiB)!,
      heapSmallMiB: mib(s, (x) => x.heapUsedMaxKiB)!,
      heapLargeMiB: mib(l, (x) => x.heapUsedMaxKiB)!,
    };
  });
  return {
    small,
    large,
    regenerated,
    crlfEdges: await crlfEdges(large.path),
    results,
  };
}
