/**
 * Row 6's section of `BENCHMARKS.md`: the archive at scale, and its targets.
 *
 * @module
 */

import { fmt, pct, sec, signedPct, table, times, verdict } from "./format.ts";
import type { Results, Section, TargetRow } from "./results.ts";

/** Row 6's targets. */
export const ARCHIVE_TARGETS = {
  /** Archive requests at most this many times the fewest possible. */
  archiveRequests: 1,
  /** Growth of the archive's live memory from the shortest span to the longest. */
  archiveMemoryGrowth: 0.10,
  /** Extra exports the re-check of late events may cost, per organization and run. */
  recheckExports: 1,
} as const;

/** Row 6: the table of archive runs and its targets. */
export function renderArchive(r: Results): Section {
  const targets: TargetRow[] = [];
  const a = r.archive;
  const kib = (x: number) => `${fmt(x / 1024, 1)} MiB`;
  const rows = a.runs.map((x) => [
    x.runtime,
    `${x.days} days${x.recheck ? ", re-check on" : ""}`,
    fmt(x.windows),
    fmt(x.rows),
    `${fmt(x.requests)} / ${fmt(x.fewest)}`,
    sec(x.ms),
    `${kib(x.peakRssKiB)} (floor ${kib(x.floor.peakRssKiB)})`,
    kib(x.liveHeapKiB),
    kib(x.liveHeapWithoutResultKiB),
  ]);
  for (const runtime of new Set(a.runs.map((x) => x.runtime))) {
    const checked = a.runs.find((x) => x.runtime === runtime && x.recheck);
    const mine = a.runs.filter((x) => x.runtime === runtime && !x.recheck)
      .sort((p, q) => p.days - q.days);
    const bare = mine.find((x) => x.days === checked?.days);
    if (checked && bare) {
      const extra = (checked.exports - bare.exports) / a.organizations;
      targets.push([
        "6",
        `re-check of late events: extra exports per organization and run (${runtime})`,
        `${fmt(extra, 2)} (requests ÷ fewest possible: ${
          times(checked.requests / bare.fewest)
        } with it, ${times(bare.requests / bare.fewest)} without)`,
        `≤ ${ARCHIVE_TARGETS.recheckExports}`,
        verdict(extra <= ARCHIVE_TARGETS.recheckExports),
      ]);
    }
    const [short, long] = [mine[0], mine.at(-1)!];
    const extra = Math.max(...mine.map((x) => x.requests / x.fewest));
    targets.push([
      "6",
      `archive requests ÷ fewest possible (${runtime})`,
      times(extra),
      `≤ ${times(ARCHIVE_TARGETS.archiveRequests)}`,
      verdict(extra <= ARCHIVE_TARGETS.archiveRequests),
    ]);
    const growth = long.liveHeapWithoutResultKiB /
        short.liveHeapWithoutResultKiB - 1;
    targets.push([
      "6",
      `archive live memory, ${long.days} vs ${short.days} days of windows (${runtime})`,
      `${signedPct(growth)} (${kib(short.liveHeapWithoutResultKiB)} → ${
        kib(long.liveHeapWithoutResultKiB)
      }; peak RSS ${
        signedPct(long.peakRssKiB / short.peakRssKiB - 1)
      }, a bare \`fetch\` loop ${
        signedPct(long.floor.peakRssKiB / short.floor.peakRssKiB - 1)
      })`,
      `within ±${pct(ARCHIVE_TARGETS.archiveMemoryGrowth)}`,
      verdict(Math.abs(growth) <= ARCHIVE_TARGETS.archiveMemoryGrowth),
    ]);
  }
  return {
    targets,
    text: `## 6. The archive at scale

\`archiveExports\` of ${a.organizations} organizations from scratch into a
\`directoryStore\`, one-day windows, against one served emulator holding
${a.eventsPerDay} events per organization and day (\`exportDelayMs: 0\`, no rate
limit), four organizations at a time, each span in a process of its own
(\`scripts/bench/archive_run.ts\`; on Node as an esbuild bundle). Requests are
counted by \`onAttempt\`; the fewest possible is one create call per window plus
one download per window that has events (the API refuses an empty one at
creation). Peak RSS is \`VmHWM\`; "floor" is a process making the same number of
plain \`fetch\` calls, four at a time, and nothing else. Live heap is the V8
heap in use after a full collection at the end, with the run's result (one
record per window, which the caller asked for) and without it. The spans run
with the re-check of late events off (\`recheck: 0\`), the fewest requests a
backfill can make; the shortest runs once more with the default re-check (seven
days), whose cost is one more export (create and download) per organization.

${
      table([
        "runtime",
        "span",
        "windows",
        "rows",
        "requests / fewest",
        "wall time",
        "peak RSS",
        "live heap",
        "live heap without the result",
      ], rows)
    }
`,
  };
}
