/**
 * Renders `BENCHMARKS.md` from one run's results: the header (machine,
 * runtimes, packages, bench time), the verdict on every target, and each
 * row's section in order. Each row's table, prose and targets live in
 * `report/<row>.ts`; this file only puts them together.
 *
 * @module
 */

import { renderArchive } from "./report/archive.ts";
import { renderArchiveMemory } from "./report/archive_memory.ts";
import { renderGzip, renderRead, renderVerify } from "./report/archive_read.ts";
import { renderBundles } from "./report/bundles.ts";
import { renderColdStart } from "./report/cold_start.ts";
import { renderCsv } from "./report/csv.ts";
import { table } from "./report/format.ts";
import { renderPerCall } from "./report/per_call.ts";
import type { Results } from "./report/results.ts";
import { renderSummary } from "./report/summary.ts";
import { renderWait } from "./report/wait.ts";

export type { Results } from "./report/results.ts";

/** The rows, in the order of their sections and of their targets. */
const SECTIONS = [
  renderBundles,
  renderColdStart,
  renderPerCall,
  renderCsv,
  renderWait,
  renderArchive,
  renderArchiveMemory,
  renderVerify,
  renderRead,
  renderGzip,
  renderSummary,
] as const;

/** Number of rows: `SECTIONS[n - 1]` renders row `n`. */
export const ROW_COUNT: number = SECTIONS.length;

/**
 * The report of a run of only some rows, for the terminal or `.bench/`,
 * never for `BENCHMARKS.md`: a short header, those rows' targets and their
 * sections. Only the renderers of `rows` are called, so `r` needs only
 * their results.
 */
export function renderRows(r: Results, rows: readonly number[]): string {
  const sections = rows.map((n) => SECTIONS[n - 1](r));
  const targets = sections.flatMap((s) => s.targets);
  const m = r.machine;
  return `# Benchmarks: row${rows.length === 1 ? "" : "s"} ${
    rows.join(", ")
  } only

Partial run (\`--only\`${
    r.quick ? ", `--quick`" : ""
  }), written to \`.bench/\` and never to \`BENCHMARKS.md\`.

- Date: ${m.date}
- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}
- Runtimes: ${
    Object.entries(m.runtimes).map(([k, x]) => `${k} ${x}`).join(", ")
  }
- Bench time: ${r.seconds.total.toFixed(0)} s.

${table(["#", "what", "measured", "target", "verdict"], targets)}

${sections.map((s) => s.text).join("\n")}`.replace(/\n{3,}/g, "\n\n")
    .trimEnd() + "\n";
}

/** The whole `BENCHMARKS.md`. */
export function render(r: Results): string {
  const sections = SECTIONS.map((section) => section(r));
  const targets = sections.flatMap((s) => s.targets);
  const m = r.machine;
  const phases = Object.entries(r.seconds).map(([k, s]) =>
    `${k} ${s.toFixed(0)} s`
  ).join(", ");
  const met = targets.filter((x) => x[4].includes("met")).length;
  return `# Benchmarks

Written by \`npm run bench\` (\`deno run -A scripts/bench.ts\`, about six minutes;
\`--quick\` for a smoke run into \`.bench/\`, \`--only=3\` for row 3 alone, printed
and written to \`.bench/\`), which rebuilds its bundles and data
in the gitignored \`.bench/\` and rewrites this file: do not edit it by hand.
The code of each row is in \`scripts/bench/\`.${
    r.quick
      ? "\n\n**Quick run (`--quick`): small sizes and few repetitions, not for comparison.**"
      : ""
  }

- Date: ${m.date}
- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; shared and noisy, so
  every comparison is made within one run, variant against variant.
- Runtimes: ${
    Object.entries(m.runtimes).map(([k, x]) => `${k} ${x}`).join(", ")
  }
- Packages: ${
    Object.entries(m.packages).map(([k, x]) => `\`${k}\` ${x}`).join(", ")
  }
- Bench time: ${r.seconds.total.toFixed(0)} s in all (${phases}).

## Targets

${met} of ${targets.length} met.

${table(["#", "what", "measured", "target", "verdict"], targets)}

${sections.map((s) => s.text).join("\n")}`.replace(/\n{3,}/g, "\n\n")
    .trimEnd() + "\n";
}
