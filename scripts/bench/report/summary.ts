/**
 * Row 11's section of `BENCHMARKS.md`: the summary of an export's CSV
 * (`summarizeCsv`) against `exportEvents` alone, the way through typed
 * events beside them, and the targets.
 *
 * @module
 */

import type { MemoryGrowth } from "../archive_read.ts";
import {
  fmt,
  plural,
  sec,
  signedPct,
  table,
  times,
  verdict,
} from "./format.ts";
import type { Results, Section } from "./results.ts";

/** Row 11's targets. */
export const SUMMARY_TARGETS = {
  /**
   * `summarizeCsv` throughput ÷ drained `exportEvents`'. It reads a few
   * cells per row where `exportEvents` builds an event of all of them, so
   * summarizing a file must take no longer than reading its events.
   */
  vsExportEvents: 1.0,
  /**
   * Growth of the summary's live heap from the small file to the large one:
   * its tallies are bounded by their capacity, not by the events.
   */
  liveHeapGrowth: 0.10,
} as const;

const mib = (kib: number) => `${fmt(kib / 1024, 1)} MiB`;
const mb = (bytes: number) => `${fmt(bytes / 1e6, 1)} MB`;
const rate = (x: number) => `${fmt(x, 1)} MB/s`;
const growth = (small: number, large: number) => large / small - 1;

/** One pass's memory, as two table rows: small and large file. */
const memoryRows = (label: string, m: MemoryGrowth): string[][] => [
  [label, mb(m.smallBytes), mib(m.peakRssSmallKiB), mib(m.liveHeapSmallKiB)],
  [label, mb(m.largeBytes), mib(m.peakRssLargeKiB), mib(m.liveHeapLargeKiB)],
];

const day = (iso: string | null) => iso?.slice(0, 10) ?? "none";

/** Row 11: `summarizeCsv` against `exportEvents` drained. */
export function renderSummary(r: Results): Section {
  const s = r.summary;
  const t = SUMMARY_TARGETS;
  const m = s.memory;
  const live = growth(m.liveHeapSmallKiB, m.liveHeapLargeKiB);
  const exact = Object.entries(s.summary.exact).filter(([, e]) => !e)
    .map(([name]) => name);
  return {
    targets: [
      [
        "11",
        `\`summarizeCsv\` (\`summary file.csv\`) throughput vs \`exportEvents\` drained, ${
          mb(s.large.bytes)
        } file (Deno)`,
        `${times(s.vsExportEvents)} (${rate(s.summaryMbPerSec)} vs ${
          rate(s.exportEventsMbPerSec)
        })`,
        `≥ ${times(t.vsExportEvents)}`,
        verdict(s.vsExportEvents >= t.vsExportEvents),
      ],
      [
        "11",
        `\`summarizeEvents(exportEvents(…))\` throughput vs \`exportEvents\` drained, for information`,
        `${times(s.eventSummaryVsExportEvents)} (${
          rate(s.eventSummaryMbPerSec)
        } vs ${rate(s.exportEventsMbPerSec)})`,
        "—",
        "—",
      ],
      [
        "11",
        `\`summarizeCsv\` live heap, ${mb(m.largeBytes)} vs ${
          mb(m.smallBytes)
        } file (Deno)`,
        `${signedPct(live)} (${mib(m.liveHeapSmallKiB)} → ${
          mib(m.liveHeapLargeKiB)
        }; peak RSS ${mib(m.peakRssSmallKiB)} → ${mib(m.peakRssLargeKiB)})`,
        `≤ +${fmt(t.liveHeapGrowth * 100)}%`,
        verdict(live <= t.liveHeapGrowth),
      ],
    ],
    text: `## 11. Summarizing an export

\`summarizeCsv(stream)\`, what \`summary file.csv\` runs on the file's bytes,
default options (top 10 of each tally, 1,000 keys held per tally), over row
4's ${mb(s.large.bytes)} file, against \`exportEvents(stream)\` alone over the
same file, its events drained and counted; and, for information, the way
through typed events that NDJSON input still takes,
\`summarizeEvents(exportEvents(stream))\`. All read the file from disk in
64 KiB chunks through a web \`ReadableStream\` as in row 4, each run in a
Deno process of its own (\`scripts/bench/summary_run.ts\`), in rotating
order; times are medians, ratios the median of per-round ratios.
${plural(s.rounds, "round")}.

\`summarizeCsv\` reads only the cells the summary counts (\`action\`,
\`occurred_at\` through the reader \`exportEvents\` uses, \`actor_id\`, the
target columns) and checks the ones \`exportEvents\` would refuse, without
building an event per row, so it must keep up with the drain. Every run
must see all ${fmt(s.events)} events of the file (the drain counts them; a
summary's per-day counts, a tally of their own, must add up to them), every
summary's \`events\` must equal that number, and every summary, of either
way, must be the same. The file's summary: events from ${
      day(s.summary.first)
    } to ${day(s.summary.last)},
${fmt(s.summary.days)} days${
      s.summary.daysPerEntry > 1
        ? ` in buckets of ${s.summary.daysPerEntry}`
        : ""
    }, ${
      exact.length
        ? `top lists approximate for ${exact.join(", ")}`
        : "every top list exact"
    }.

${
      table(["pass", "time", "throughput", "÷ `exportEvents`"], [
        [
          "`summarizeCsv(…)`",
          sec(s.summaryMs),
          rate(s.summaryMbPerSec),
          times(s.vsExportEvents),
        ],
        [
          "`summarizeEvents(exportEvents(…))`",
          sec(s.eventSummaryMs),
          rate(s.eventSummaryMbPerSec),
          times(s.eventSummaryVsExportEvents),
        ],
        [
          "`exportEvents` drained",
          sec(s.exportEventsMs),
          rate(s.exportEventsMbPerSec),
          times(1),
        ],
      ])
    }

Through typed events, summarizing adds ${
      fmt((s.eventSummaryMs - s.exportEventsMs) * 1e6 / s.events)
    } ns per event to the drain's median time; from the cells, the whole
summary takes ${
      fmt(s.summaryMs * 1e6 / s.events)
    } ns per event, against the drain's ${
      fmt(s.exportEventsMs * 1e6 / s.events)
    }.

Memory is measured over row 4's ${mb(s.small.bytes)} file and over the ${
      mb(s.large.bytes)
    } one,
in runs of their own, untimed: peak RSS (\`VmHWM\`) of a plain run (the large
file's is the median of the timed runs'), and live heap, the largest V8 heap
still in use after a full collection, sampled every 20 ms of a run with
\`--expose-gc\`. Memory should stay flat: the tallies hold at most their
capacity of keys and the days their bound, whatever the number of events.

${
      table(["pass", "read", "peak RSS", "live heap"], [
        ...memoryRows("`summarizeCsv`", m),
        ...memoryRows("`exportEvents` drained", s.exportEventsMemory),
      ])
    }
`,
  };
}
