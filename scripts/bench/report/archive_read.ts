/**
 * Rows 8–10's sections of `BENCHMARKS.md`: the archive read back
 * (`verifyArchive`, `readArchive`) and stored with gzip, and their targets.
 *
 * @module
 */

import type { ArchiveShape, MemoryGrowth } from "../archive_read.ts";
import {
  fmt,
  ms,
  plural,
  sec,
  signedPct,
  table,
  times,
  verdict,
} from "./format.ts";
import type { Results, Section, TargetRow } from "./results.ts";

/** Rows 8–10's targets. */
export const ARCHIVE_READ_TARGETS = {
  /**
   * `verifyArchive` throughput ÷ `sha256sum`'s. The library hashes in plain
   * JavaScript (Web Crypto cannot hash a stream, and Node 18 has none), so
   * native speed is out of reach; about a third of it keeps a verify of a
   * year of windows in the time of a download of them.
   */
  verifyVsSha256sum: 0.3,
  /**
   * `readArchive` throughput ÷ `exportEvents`'s over the same bytes: it
   * hashes each file before reading it, a second pass over every byte.
   */
  readVsExportEvents: 0.5,
  /** Growth of a reader's live heap from one window to the whole archive. */
  liveHeapGrowth: 0.10,
  /**
   * Stored bytes of a gzip archive ÷ a plain one's. Its verify is held to
   * `verifyVsSha256sum` over its own, compressed, files.
   */
  gzipSize: 0.25,
} as const;

const mib = (kib: number) => `${fmt(kib / 1024, 1)} MiB`;
const mb = (bytes: number) => `${fmt(bytes / 1e6, 1)} MB`;
const rate = (x: number) => `${fmt(x, 1)} MB/s`;
/** A time under a second in milliseconds, where `sec` would round it away. */
const time = (x: number) => x < 1000 ? ms(x, 0) : sec(x);

/** The archive the rows read, in words. */
const archiveWords = (a: ArchiveShape) =>
  `${fmt(a.windows)} one-day windows, ${fmt(a.rows)} events, ${
    mb(a.bytes)
  } stored (built in ${sec(a.buildMs)})`;

/** How the archives are made, shared by the three sections. */
const METHOD =
  `The archive is one organization's, built at the start of the run by
\`archiveExports\` into a \`directoryStore\` under \`.bench/archive_read/\`
(re-check off), from a few lines of the API served by the worker
(\`scripts/bench/archive_read_run.ts\`): each one-day window's export is
seeded \`sampleEvents\` of that day written as row 4's file is
(\`csvRecord(eventCells(event, 1))\`), so every window file, digest record
and checkpoint is the library's own and the CSV is that of real exports.
Every measurement runs in a Deno process of its own, in rotating order;
times are medians, ratios medians of per-round ratios.`;

const growth = (small: number, large: number) => large / small - 1;

/** One reader's memory, as a table row: window size, peak RSS, live heap. */
function memoryRows(label: string, m: MemoryGrowth): string[][] {
  return [
    [label, mb(m.smallBytes), mib(m.peakRssSmallKiB), mib(m.liveHeapSmallKiB)],
    [label, mb(m.largeBytes), mib(m.peakRssLargeKiB), mib(m.liveHeapLargeKiB)],
  ];
}

/** A memory target row: live heap growth from one window to the archive. */
function memoryTarget(
  row: string,
  what: string,
  m: MemoryGrowth,
): TargetRow {
  const live = growth(m.liveHeapSmallKiB, m.liveHeapLargeKiB);
  return [
    row,
    `${what} live heap, ${mb(m.largeBytes)} archive vs its ${
      mb(m.smallBytes)
    } first window (Deno)`,
    `${signedPct(live)} (${mib(m.liveHeapSmallKiB)} → ${
      mib(m.liveHeapLargeKiB)
    }; peak RSS ${mib(m.peakRssSmallKiB)} → ${mib(m.peakRssLargeKiB)})`,
    `≤ +${fmt(ARCHIVE_READ_TARGETS.liveHeapGrowth * 100)}%`,
    verdict(live <= ARCHIVE_READ_TARGETS.liveHeapGrowth),
  ];
}

const MEMORY_METHOD =
  `Memory is measured over the archive's first window and over the whole of it,
in runs of their own, untimed: peak RSS (\`VmHWM\`) of a plain run (the whole
archive's is the median of the timed runs'), and live heap, the largest V8 heap
still in use after a full collection, sampled every 20 ms of a run with
\`--expose-gc\`. Peak RSS also counts the garbage of a long stream of 64 KiB
chunks, freed whenever the collector gets to it; the live heap is what the
reader holds.`;

/** Row 8: `verifyArchive` against `sha256sum`. */
export function renderVerify(r: Results): Section {
  const v = r.verify;
  const t = ARCHIVE_READ_TARGETS;
  return {
    targets: [
      [
        "8",
        `\`verifyArchive\` throughput vs \`sha256sum\`, ${
          mb(v.archive.bytes)
        } archive (Deno)`,
        `${times(v.vsSha256sum)} (${rate(v.verifyMbPerSec)} vs ${
          rate(v.sha256sumMbPerSec)
        })`,
        `≥ ${times(t.verifyVsSha256sum)}`,
        verdict(v.vsSha256sum >= t.verifyVsSha256sum),
      ],
      memoryTarget("8", "`verifyArchive`", v.memory),
    ],
    text: `## 8. Verifying the archive

${METHOD}

Archive: ${archiveWords(v.archive)}.

\`verifyArchive({ store, organizationId })\` hashes every window file as a
stream with the library's plain-JavaScript SHA-256 and checks its digest, the
digest chain and the span's windows; the run fails unless it reports the
archive clean, every file checked. The
baseline is \`sha256sum\` of the same window files in one child process,
native code, timed from spawn to exit. ${plural(v.rounds, "round")}.

${
      table(["reader", "time", "throughput", "÷ sha256sum"], [
        [
          "`verifyArchive`",
          time(v.verifyMs),
          rate(v.verifyMbPerSec),
          times(v.vsSha256sum),
        ],
        [
          "`sha256sum`",
          time(v.sha256sumMs),
          rate(v.sha256sumMbPerSec),
          times(1),
        ],
      ])
    }

${MEMORY_METHOD}

${
      table(
        ["reader", "read", "peak RSS", "live heap"],
        memoryRows("`verifyArchive`", v.memory),
      )
    }
`,
  };
}

/** Row 9: `readArchive` against `exportEvents`. */
export function renderRead(r: Results): Section {
  const x = r.read;
  const t = ARCHIVE_READ_TARGETS;
  return {
    targets: [
      [
        "9",
        `\`readArchive\` throughput vs \`exportEvents\` over the same files, ${
          mb(x.archive.bytes)
        } (Deno)`,
        `${times(x.vsExportEvents)} (${rate(x.readMbPerSec)} vs ${
          rate(x.exportEventsMbPerSec)
        })`,
        `≥ ${times(t.readVsExportEvents)}`,
        verdict(x.vsExportEvents >= t.readVsExportEvents),
      ],
      memoryTarget("9", "`readArchive`", x.memory),
    ],
    text: `## 9. Reading the archive back

The archive of row 8, built as described there:
${archiveWords(x.archive)}.

\`readArchive({ store, organizationId, from, to })\` over the whole span, no
filter, hands out every event; it hashes each file against its digest before
it reads it, so every byte is read twice. The baseline is \`exportEvents\`
over the same window files in turn, each read from disk in 64 KiB chunks
through a web \`ReadableStream\` as in row 4: the same CSV bytes to typed
events, neither hashed nor checked. Both read two fields of every event;
the run fails unless both hand out all ${
      fmt(x.events)
    } events and agree on those
fields. ${plural(x.rounds, "round")}.

${
      table(["reader", "time", "throughput", "÷ `exportEvents`"], [
        [
          "`readArchive`",
          time(x.readMs),
          rate(x.readMbPerSec),
          times(x.vsExportEvents),
        ],
        [
          "`exportEvents`",
          time(x.exportEventsMs),
          rate(x.exportEventsMbPerSec),
          times(1),
        ],
      ])
    }

${MEMORY_METHOD}

${
      table(["reader", "read", "peak RSS", "live heap"], [
        ...memoryRows("`readArchive`", x.memory),
        ...memoryRows("`exportEvents`", x.exportEventsMemory),
      ])
    }
`,
  };
}

/** Row 10: a gzip archive against a plain one. */
export function renderGzip(r: Results): Section {
  const g = r.gzip;
  const t = ARCHIVE_READ_TARGETS;
  return {
    targets: [
      [
        "10",
        "gzip archive's stored size vs the plain archive's, same events",
        `${times(g.sizeRatio, 3)} (${mb(g.gzip.bytes)} vs ${
          mb(g.plain.bytes)
        })`,
        `≤ ${times(t.gzipSize)}`,
        verdict(g.sizeRatio <= t.gzipSize),
      ],
      [
        "10",
        "`verifyArchive` throughput vs `sha256sum` over the gzip files (Deno)",
        `${times(g.vsSha256sum)} (${rate(g.verifyGzipMbPerSec)} vs ${
          rate(g.sha256sumGzipMbPerSec)
        } stored; ${time(g.verifyGzipMs)}, ${
          times(g.gzipVsPlainTime)
        } the plain archive's ${time(g.verifyPlainMs)})`,
        `≥ ${times(t.verifyVsSha256sum)}`,
        verdict(g.vsSha256sum >= t.verifyVsSha256sum),
      ],
    ],
    text: `## 10. The archive with gzip

The events of row 8's archive archived again with \`compress: "gzip"\`
(\`.csv.gz\` windows, digests of the stored bytes), built as described in
row 8:
${archiveWords(g.gzip)}.

The size is that of the window files alone, digests and checkpoint left out.
The generated events repeat a few names, actions and agents, so they compress
better than most real exports would. \`verifyArchive\` hashes the stored,
compressed bytes, so it has fewer to hash, but its work per file (listing,
reading the digest, the chain) weighs more against files of ${
      mb(g.gzip.bytes / g.gzip.windows)
    } on average; it is
timed over the gzip and the plain archive and \`sha256sum\` over the gzip
files in the same rounds. ${plural(g.rounds, "round")}.

${
      table([
        "archive",
        "stored",
        "`verifyArchive`",
        "throughput (stored)",
        "`sha256sum`",
      ], [
        [
          "gzip",
          mb(g.gzip.bytes),
          time(g.verifyGzipMs),
          rate(g.verifyGzipMbPerSec),
          `${time(g.sha256sumGzipMs)} (${rate(g.sha256sumGzipMbPerSec)})`,
        ],
        [
          "plain",
          mb(g.plain.bytes),
          time(g.verifyPlainMs),
          rate(g.plain.bytes / 1e6 / (g.verifyPlainMs / 1000)),
          "row 8",
        ],
      ])
    }

Peak RSS of the gzip verify: ${mib(g.peakRssKiB)}.
`,
  };
}
