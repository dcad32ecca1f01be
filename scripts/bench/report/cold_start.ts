/**
 * Row 2's section of `BENCHMARKS.md`: cold start per runtime and its target.
 *
 * @module
 */

import { fmt, ms, notesBlock, table, times, verdict } from "./format.ts";
import type { Results, Section, TargetRow } from "./results.ts";

/** Row 2's targets. */
export const COLD_START_TARGETS = {
  /** Our import at most this many times the runtime's own baseline. */
  coldStart: 1.05,
} as const;

/** Row 2: one table per runtime, a target per variant of ours, and why any is missed. */
export function renderColdStart(r: Results): Section {
  const targets: TargetRow[] = [];
  const out: string[] = [];
  const notes: string[] = [];
  for (const g of r.cold) {
    const base = g.baselines;
    const rows = g.results.map((x) => [
      x.label,
      ms(x.medianMs),
      ms(x.p90Ms),
      ...base.map((b) => times(x.ratios[b])),
    ]);
    const heads = base.map((b) =>
      `÷ ${g.results.find((x) => x.key === b)!.label}`
    );
    out.push(
      `### ${g.runtime}\n\n${
        table(["process", "median", "p90", ...heads], rows)
      }`,
    );
    const primary = base[0];
    const baseLabel = g.results.find((x) => x.key === primary)!.label;
    for (const x of g.results.filter((x) => x.key.startsWith("ours"))) {
      const ratio = x.ratios[primary];
      const sdk = g.results.find((y) => y.key === "sdk")!;
      targets.push([
        "2",
        `cold start, ${g.runtime}, ${x.label.replace("ours: ", "")}`,
        `${times(ratio)} ${baseLabel} (SDK ${times(sdk.ratios[primary])})`,
        `≤ ${times(COLD_START_TARGETS.coldStart)}`,
        verdict(ratio <= COLD_START_TARGETS.coldStart),
      ]);
      if (ratio > COLD_START_TARGETS.coldStart) {
        const b = g.results.find((y) => y.key === primary)!;
        const empty = g.results.find((y) => y.key === "empty")!;
        const what = x.label.replace("ours: ", "");
        const parts = x.key === "oursCjs"
          ? " (all of it reading, compiling and running the bundle: no ES module loader is involved)"
          : g.runtime === "Deno"
          ? x.key === "oursSource"
            ? " (the source graph loads each TypeScript module of `src/` and valibot's whole, unbundled `dist/index.mjs` from `node_modules`; the bundle is one tree-shaken file)"
            : ""
          : ` (${
            ms(empty.medianMs - b.medianMs)
          } of it is Node loading any ES module, an empty \`.mjs\` file, and ${
            ms(x.medianMs - empty.medianMs)
          } compiling and running the bundle; against that empty module the ratio is ${
            times(x.ratios.empty)
          })`;
        notes.push(
          `- **Missed (${g.runtime}, ${what}):** ${times(ratio)}, ${
            (ratio - COLD_START_TARGETS.coldStart).toFixed(2)
          } over the target: ${
            ms(x.medianMs - b.medianMs)
          } more than ${baseLabel}${parts}.`,
        );
      }
    }
  }
  return {
    targets,
    text: `## 2. Cold start

Wall time from spawn to exit of a process that imports the package and exits,
spawned from the Deno orchestrator (stdout discarded), ${r.settings.coldRounds} rounds in which the
variants take turns in a rotating order, after warm-up runs; medians, and the
median of the per-round ratios. Node imports the plain ESM bundle of
\`mod.ts\` (\`.bench/mod.mjs\`, ${
      fmt(r.builds.modBytes)
    } bytes, valibot inlined, as the npm build ships it) from an entry file, and
\`require\`s its CommonJS twin from \`-e\`, the same way as \`node -e 0\`; Deno
imports that bundle and the TypeScript source (transpile cache warm). All
Deno runs use \`deno run --no-lock -A\` in the repository (its \`deno.json\`).

${out.join("\n\n")}
${notesBlock(notes)}`,
  };
}
