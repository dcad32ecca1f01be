/**
 * Rows 8–10, the archive read back: `verifyArchive` against `sha256sum`
 * (row 8), `readArchive` against `exportEvents` over the same bytes (row 9),
 * and a gzip archive of the same events against the plain one (row 10).
 *
 * Both archives are built at the start of a run by `archiveExports` itself,
 * in a worker that serves it a few lines of the API (see
 * `archive_read_run.ts`): one organization, one-day windows of generated
 * events in the layout of row 4's file. Building takes seconds, and an
 * archive kept from an earlier run could be in a format the library no
 * longer writes, so nothing is cached. Every measurement is a process of
 * its own, rounds in rotating order, medians and paired ratios as in row 4.
 *
 * @module
 */

import { benchFile, DENO, WORK } from "./paths.ts";
import { runJson, timeRun } from "./proc.ts";
import { median, pairedRatio, rotate } from "./stats.ts";

/** Sizes and repetitions of rows 8–10. */
export interface ArchiveReadConfig {
  /** One-day windows in the archive. */
  windows: number;
  /** Events in each window (about 250 bytes each as CSV). */
  rowsPerWindow: number;
  rounds: number;
}

/** A built archive. */
export interface BuiltArchive {
  dir: string;
  compress: "gzip" | undefined;
  windows: number;
  rows: number;
  /** Bytes of its window files as stored (compressed, when it is). */
  bytes: number;
  files: { path: string; bytes: number }[];
  buildMs: number;
}

/** The archives rows 8–10 read: the gzip one only when row 10 runs. */
export interface Archives {
  plain: BuiltArchive;
  gzip?: BuiltArchive;
}

/** One worker run over the archive or its first window. */
interface WorkerRun {
  files: number;
  bytes: number;
  ms: number;
  peakRssKiB: number;
  /** Only with `--expose-gc` (memory runs). */
  liveHeapKiB?: number;
  events?: number;
  checksum?: number;
}

/** Memory of a reader over the first window and over the whole archive. */
export interface MemoryGrowth {
  /** Bytes of the first window and of the whole archive. */
  smallBytes: number;
  largeBytes: number;
  /** Peak RSS (`VmHWM`) of untimed runs. */
  peakRssSmallKiB: number;
  peakRssLargeKiB: number;
  /** Largest live heap (after a full collection) sampled along the run. */
  liveHeapSmallKiB: number;
  liveHeapLargeKiB: number;
}

/** The archive as the rows describe it. */
export interface ArchiveShape {
  windows: number;
  rows: number;
  bytes: number;
  buildMs: number;
}

/** Results of row 8. */
export interface VerifyResult {
  archive: ArchiveShape;
  rounds: number;
  verifyMs: number;
  sha256sumMs: number;
  verifyMbPerSec: number;
  sha256sumMbPerSec: number;
  /** Paired per-round throughput ratio, `verifyArchive` ÷ `sha256sum`. */
  vsSha256sum: number;
  memory: MemoryGrowth;
}

/** Results of row 9. */
export interface ReadResult {
  archive: ArchiveShape;
  rounds: number;
  events: number;
  readMs: number;
  exportEventsMs: number;
  readMbPerSec: number;
  exportEventsMbPerSec: number;
  /** Paired per-round throughput ratio, `readArchive` ÷ `exportEvents`. */
  vsExportEvents: number;
  memory: MemoryGrowth;
  /** The same for `exportEvents` over the same files. */
  exportEventsMemory: MemoryGrowth;
}

/** Results of row 10. */
export interface GzipResult {
  plain: ArchiveShape;
  gzip: ArchiveShape;
  rounds: number;
  /** Stored bytes of the gzip archive's window files ÷ the plain one's. */
  sizeRatio: number;
  verifyGzipMs: number;
  verifyPlainMs: number;
  sha256sumGzipMs: number;
  /** Stored (compressed) MB hashed per second. */
  verifyGzipMbPerSec: number;
  sha256sumGzipMbPerSec: number;
  /** Paired per-round ratio of verify times, gzip archive ÷ plain archive. */
  gzipVsPlainTime: number;
  /** Paired per-round throughput ratio over the gzip files, `verifyArchive` ÷ `sha256sum`. */
  vsSha256sum: number;
  /** Peak RSS of the timed gzip verify runs (median). */
  peakRssKiB: number;
}

const DIR = `${WORK}/archive_read`;
/** The archive's clock: its last window ends at this day's midnight. */
const NOW = Date.UTC(2026, 10, 20, 12);

const worker = (args: string[], flags: string[] = []) =>
  runJson<WorkerRun>(DENO, [
    "run",
    "--no-lock",
    "-A",
    ...flags,
    benchFile("archive_read_run.ts"),
    ...args,
  ]);

const shape = (a: BuiltArchive): ArchiveShape => ({
  windows: a.windows,
  rows: a.rows,
  bytes: a.bytes,
  buildMs: a.buildMs,
});

const mbPerSec = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

async function buildOne(
  config: ArchiveReadConfig,
  compress: "gzip" | undefined,
): Promise<BuiltArchive> {
  const dir = `${DIR}/${compress ?? "plain"}`;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const built = await runJson<
    Omit<BuiltArchive, "dir" | "compress" | "buildMs"> & { ms: number }
  >(DENO, [
    "run",
    "--no-lock",
    "-A",
    benchFile("archive_read_run.ts"),
    "build",
    dir,
    String(config.windows),
    String(config.rowsPerWindow),
    String(NOW),
    ...(compress ? [compress] : []),
  ]);
  if (
    built.windows !== config.windows || built.files.length !== built.windows
  ) {
    throw new Error(`the archive in ${dir} is not what was asked for`);
  }
  const { ms, ...rest } = built;
  return { dir, compress, ...rest, buildMs: ms };
}

/** Builds the plain archive, and the gzip one when `gzip`. */
export async function buildArchives(
  config: ArchiveReadConfig,
  gzip: boolean,
): Promise<Archives> {
  const plain = await buildOne(config, undefined);
  return gzip ? { plain, gzip: await buildOne(config, "gzip") } : { plain };
}

/** Removes what `buildArchives` wrote (a few hundred MB). */
export async function removeArchives(): Promise<void> {
  await Deno.remove(DIR, { recursive: true }).catch(() => {});
}

/** Wall time of `sha256sum` over the archive's window files, from spawn to exit. */
const sha256sum = (a: BuiltArchive) =>
  timeRun("sha256sum", a.files.map((f) => f.path));

/**
 * `rounds` rounds of `variants`, in rotating order, each variant's times
 * in round order.
 */
export async function rounds(
  count: number,
  variants: Record<string, () => Promise<number>>,
): Promise<Record<string, number[]>> {
  const names = Object.keys(variants);
  const out = Object.fromEntries(names.map((n) => [n, [] as number[]]));
  for (let r = 0; r < count; r++) {
    for (const name of rotate(names, r)) out[name].push(await variants[name]());
  }
  return out;
}

const speed = (times: number[]) => times.map((ms) => 1 / ms);

/**
 * Memory of `mode` over the first window and over the whole archive: peak
 * RSS of a plain run (the whole archive's from the timed runs), live heap
 * of a run with `--expose-gc`.
 */
async function memoryGrowth(
  a: BuiltArchive,
  mode: string,
  peakRssLargeKiB: number,
): Promise<MemoryGrowth> {
  const gc = ["--v8-flags=--expose-gc"];
  const small = await worker([mode, a.dir, "1"]);
  const smallLive = await worker([mode, a.dir, "1"], gc);
  const largeLive = await worker([mode, a.dir], gc);
  return {
    smallBytes: small.bytes,
    largeBytes: a.bytes,
    peakRssSmallKiB: small.peakRssKiB,
    peakRssLargeKiB,
    liveHeapSmallKiB: smallLive.liveHeapKiB!,
    liveHeapLargeKiB: largeLive.liveHeapKiB!,
  };
}

/** Runs row 8: `verifyArchive` of the plain archive against `sha256sum` of its files. */
export async function benchVerify(
  archives: Archives,
  config: ArchiveReadConfig,
): Promise<VerifyResult> {
  const a = archives.plain;
  const rss: number[] = [];
  const times = await rounds(config.rounds, {
    verify: async () => {
      const run = await worker(["verify", a.dir]);
      rss.push(run.peakRssKiB);
      return run.ms;
    },
    sha256sum: () => sha256sum(a),
  });
  const verifyMs = median(times.verify);
  const sha256sumMs = median(times.sha256sum);
  return {
    archive: shape(a),
    rounds: config.rounds,
    verifyMs,
    sha256sumMs,
    verifyMbPerSec: mbPerSec(a.bytes, verifyMs),
    sha256sumMbPerSec: mbPerSec(a.bytes, sha256sumMs),
    vsSha256sum: pairedRatio(speed(times.verify), speed(times.sha256sum)),
    memory: await memoryGrowth(a, "verify", median(rss)),
  };
}

/**
 * Runs row 9: every event of `readArchive` against `exportEvents` over the
 * same window files; both must read the same events.
 */
export async function benchRead(
  archives: Archives,
  config: ArchiveReadConfig,
): Promise<ReadResult> {
  const a = archives.plain;
  const rss = { read: [] as number[], events: [] as number[] };
  // Every run, of either reader, must hand out the same events: all of them.
  const seen = new Set<string>();
  const run = (mode: "read" | "events") => async () => {
    const r = await worker([mode, a.dir]);
    rss[mode].push(r.peakRssKiB);
    seen.add(`${r.events} events, checksum ${r.checksum}`);
    if (r.events !== a.rows) {
      throw new Error(`${mode} read ${r.events} events of ${a.rows}`);
    }
    return r.ms;
  };
  const times = await rounds(config.rounds, {
    read: run("read"),
    events: run("events"),
  });
  if (seen.size !== 1) {
    throw new Error(
      `readArchive and exportEvents disagree on ${a.dir}: ${
        [...seen].join("; ")
      }`,
    );
  }
  const readMs = median(times.read);
  const exportEventsMs = median(times.events);
  return {
    archive: shape(a),
    rounds: config.rounds,
    events: a.rows,
    readMs,
    exportEventsMs,
    readMbPerSec: mbPerSec(a.bytes, readMs),
    exportEventsMbPerSec: mbPerSec(a.bytes, exportEventsMs),
    vsExportEvents: pairedRatio(speed(times.read), speed(times.events)),
    memory: await memoryGrowth(a, "read", median(rss.read)),
    exportEventsMemory: await memoryGrowth(a, "events", median(rss.events)),
  };
}

/**
 * Runs row 10: the gzip archive's size against the plain one's, and
 * `verifyArchive` of each, with `sha256sum` of the gzip files for scale.
 */
export async function benchGzip(
  archives: Archives,
  config: ArchiveReadConfig,
): Promise<GzipResult> {
  const { plain } = archives;
  const gzip = archives.gzip!;
  if (gzip.rows !== plain.rows) {
    throw new Error(
      `the gzip archive holds ${gzip.rows} events, the plain one ${plain.rows}`,
    );
  }
  const rss: number[] = [];
  const times = await rounds(config.rounds, {
    gzip: async () => {
      const run = await worker(["verify", gzip.dir]);
      rss.push(run.peakRssKiB);
      return run.ms;
    },
    plain: async () => (await worker(["verify", plain.dir])).ms,
    sha256sum: () => sha256sum(gzip),
  });
  const verifyGzipMs = median(times.gzip);
  const sha256sumGzipMs = median(times.sha256sum);
  return {
    plain: shape(plain),
    gzip: shape(gzip),
    rounds: config.rounds,
    sizeRatio: gzip.bytes / plain.bytes,
    verifyGzipMs,
    verifyPlainMs: median(times.plain),
    sha256sumGzipMs,
    verifyGzipMbPerSec: mbPerSec(gzip.bytes, verifyGzipMs),
    sha256sumGzipMbPerSec: mbPerSec(gzip.bytes, sha256sumGzipMs),
    gzipVsPlainTime: pairedRatio(times.gzip, times.plain),
    vsSha256sum: pairedRatio(speed(times.gzip), speed(times.sha256sum)),
    peakRssKiB: median(rss),
  };
}
