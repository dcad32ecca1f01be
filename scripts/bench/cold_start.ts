/**
 * Row 2, cold start: wall time from spawn to exit of a process that imports
 * the package and exits, against an empty process and the official SDK,
 * alternating variants round by round.
 *
 * @module
 */

import type { Builds } from "./bundles.ts";
import { DENO, NODES } from "./paths.ts";
import { timeRun } from "./proc.ts";
import { median, pairedRatio, percentile, rotate } from "./stats.ts";

/** One command line measured. */
export interface ColdVariant {
  key: string;
  label: string;
  cmd: string;
  args: string[];
}

/** The variants of one runtime; the first is the baseline of the ratios. */
export interface ColdGroup {
  runtime: string;
  variants: ColdVariant[];
}

/** Results of one variant. */
export interface ColdResult {
  key: string;
  label: string;
  medianMs: number;
  p90Ms: number;
  /** Per-round ratio to each baseline (by key), median over rounds. */
  ratios: Record<string, number>;
}

/** Results of one runtime. */
export interface ColdGroupResult {
  runtime: string;
  baselines: string[];
  results: ColdResult[];
}

/** The command lines compared: Node imports the ESM bundle, Deno the bundle and the source. */
export function coldGroups(
  cold: Builds["cold"],
  modCjs: string,
): ColdGroup[] {
  const groups: ColdGroup[] = Object.entries(NODES).map(([runtime, node]) => ({
    runtime,
    variants: [
      { key: "eval", label: "`node -e 0`", cmd: node, args: ["-e", "0"] },
      {
        key: "empty",
        label: "empty ESM file",
        cmd: node,
        args: [cold.empty],
      },
      {
        key: "ours",
        label: "ours: import the ESM bundle of `mod.ts`",
        cmd: node,
        args: [cold.ours],
      },
      {
        key: "oursCjs",
        label: "ours: `node -e 'require(…)'` of the CJS bundle",
        cmd: node,
        args: ["-e", `require(${JSON.stringify(modCjs)})`],
      },
      {
        key: "sdk",
        label: "import `@workos-inc/node`",
        cmd: node,
        args: [cold.sdk],
      },
    ],
  }));
  const deno = (file: string) => ["run", "--no-lock", "-A", file];
  groups.push({
    runtime: "Deno",
    variants: [
      {
        key: "empty",
        label: "empty script",
        cmd: DENO,
        args: deno(cold.empty),
      },
      {
        key: "ours",
        label: "ours: import the ESM bundle of `mod.ts`",
        cmd: DENO,
        args: deno(cold.ours),
      },
      {
        key: "oursSource",
        label: "ours: import `mod.ts` (source)",
        cmd: DENO,
        args: deno(cold.oursSource),
      },
      {
        key: "sdk",
        label: "import `@workos-inc/node`",
        cmd: DENO,
        args: deno(cold.sdk),
      },
    ],
  });
  return groups;
}

/** Which variants of a group the ratios are taken against. */
const BASELINES: Record<string, string[]> = { Deno: ["empty"] };
const NODE_BASELINES = ["eval", "empty"];

/** Runs every group: `warmups` unmeasured runs each, then `rounds` alternating rounds. */
export async function benchColdStart(
  groups: ColdGroup[],
  rounds: number,
  warmups: number,
): Promise<ColdGroupResult[]> {
  const out: ColdGroupResult[] = [];
  for (const group of groups) {
    for (let i = 0; i < warmups; i++) {
      for (const v of group.variants) await timeRun(v.cmd, v.args);
    }
    const samples = new Map(group.variants.map((v) => [v.key, [] as number[]]));
    for (let r = 0; r < rounds; r++) {
      for (const v of rotate(group.variants, r)) {
        samples.get(v.key)!.push(await timeRun(v.cmd, v.args));
      }
    }
    const baselines = BASELINES[group.runtime] ?? NODE_BASELINES;
    out.push({
      runtime: group.runtime,
      baselines,
      results: group.variants.map((v) => {
        const own = samples.get(v.key)!;
        return {
          key: v.key,
          label: v.label,
          medianMs: median(own),
          p90Ms: percentile(own, 90),
          ratios: Object.fromEntries(
            baselines.map((b) => [b, pairedRatio(own, samples.get(b)!)]),
          ),
        };
      }),
    });
  }
  return out;
}
