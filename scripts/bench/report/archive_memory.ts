/**
 * Row 7's section of `BENCHMARKS.md`: the archive's memory against the
 * size of one window, and its target.
 *
 * @module
 */

import { fmt, sec, signedPct, table, verdict } from "./format.ts";
import type { Results, Section } from "./results.ts";

/** Growth of peak RSS allowed from the smallest window to the largest. */
export const WINDOW_MEMORY_GROWTH = 0.10;

/** Row 7: the table of window sizes and its target. */
export function renderArchiveMemory(r: Results): Section {
  const runs = [...r.archiveMemory.runs].sort((a, b) => a.bytes - b.bytes);
  const mib = (kib: number) => `${fmt(kib / 1024, 1)} MiB`;
  const [small, large] = [runs[0], runs.at(-1)!];
  const growth = large.peakRssKiB / small.peakRssKiB - 1;
  const floorGrowth = large.floor.peakRssKiB / small.floor.peakRssKiB - 1;
  const note = growth <= WINDOW_MEMORY_GROWTH ? "" : `
- **Missed:** peak RSS grows ${signedPct(growth)} from the smallest window to
  the largest. A bare \`fetch\` of the same file written to a file, with no
  parsing and no archive, grows ${signedPct(floorGrowth)} (${
    mib(small.floor.peakRssKiB)
  } → ${
    mib(large.floor.peakRssKiB)
  }) in the same run: the runtime's garbage of a long download (each chunk a
  new buffer, freed when the collector gets to it), which a longer window gives
  more time to pile up. Nothing in the archive holds a window: its live memory
  does not depend on the window's size.
`;
  return {
    targets: [[
      "7",
      `archive peak RSS, a ${fmt(large.bytes / 1e6)} MB window vs a ${
        fmt(small.bytes / 1e6)
      } MB one (Deno)`,
      `${signedPct(growth)} (${mib(small.peakRssKiB)} → ${
        mib(large.peakRssKiB)
      })`,
      `≤ +${fmt(WINDOW_MEMORY_GROWTH * 100)}%`,
      verdict(growth <= WINDOW_MEMORY_GROWTH),
    ]],
    text: `## 7. The archive's memory against the size of a window

\`archiveExports\` of one organization's one one-day window into a
\`directoryStore\` (CSV, re-check off), each size in a process of its own
(\`scripts/bench/archive_memory_run.ts\`). The API and its file host are a few
lines served by the bench, not the emulator (which keeps its events as objects):
the file is generated as it is sent, with \`Content-Length\` and an \`ETag\`,
every row inside the window, so the stored file is the export byte for byte.
Peak RSS is \`VmHWM\`. A window streams from the download into a temporary file:
nothing holds it whole.

${
      table(
        [
          "window",
          "rows",
          "stored",
          "wall time",
          "throughput",
          "peak RSS",
          "floor: bare fetch to a file",
        ],
        runs.map((x) => [
          `${fmt(x.targetMb)} MB`,
          fmt(x.rows),
          `${fmt(x.bytes)} bytes`,
          sec(x.ms),
          `${fmt(x.bytes / 1e6 / (x.ms / 1000))} MB/s`,
          mib(x.peakRssKiB),
          `${mib(x.floor.peakRssKiB)} in ${sec(x.floor.ms)}`,
        ]),
      )
    }
${note}`,
  };
}
