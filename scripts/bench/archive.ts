/**
 * Row 6, the archive at scale: a year of daily windows for 20 organizations
 * against one served emulator (`exportDelayMs: 0`), and a month of them for
 * comparison, each run in its own process: wall time, requests made against
 * the fewest possible, and peak RSS, which must not grow with the number of
 * windows.
 *
 * @module
 */

import { ARCHIVE_DEFAULTS } from "../../mod.ts";
import { sampleEvents, serveEmulator } from "../../testing.ts";
import * as esbuild from "esbuild";
import { benchFile, DENO, NODE, NODE_LABEL, WORK } from "./paths.ts";
import { runJson } from "./proc.ts";

/** What one archive run did. */
export interface ArchiveRun {
  runtime: string;
  days: number;
  organizations: number;
  windows: number;
  rows: number;
  gaps: number;
  /** The re-check of late events, in ms (0: off). */
  recheck: number;
  requests: number;
  /** Exports created (201). */
  exports: number;
  fewest: number;
  ms: number;
  peakRssKiB: number;
  /** V8 heap in use after a full collection at the end of the run. */
  liveHeapKiB: number;
  /** The same, once the run's result (a record per window) is dropped. */
  liveHeapWithoutResultKiB: number;
  /** The same number of plain `fetch` calls, in a process of their own. */
  floor: { ms: number; peakRssKiB: number; liveHeapKiB: number };
}

/** Results of row 6. */
export interface ArchiveResult {
  organizations: number;
  eventsPerDay: number;
  runs: ArchiveRun[];
}

/** The worker as one Node script: the package and its `./fs` store bundled in. */
async function nodeWorker(): Promise<string> {
  const outfile = `${WORK}/archive_run.mjs`;
  try {
    await esbuild.build({
      entryPoints: [benchFile("archive_run.ts")],
      outfile,
      bundle: true,
      format: "esm",
      platform: "node",
      mainFields: ["module", "main"],
      target: "es2022",
      logLevel: "silent",
    });
  } finally {
    await esbuild.stop();
  }
  return outfile;
}

/**
 * Runs row 6: each span in `spans` (days) archived from scratch for
 * `organizations` organizations, under Deno and under Node, in turn.
 */
export async function benchArchive(
  spans: number[],
  organizations: number,
  eventsPerDay: number,
): Promise<ArchiveResult> {
  const now = Date.UTC(2026, 10, 20, 12);
  const longest = Math.max(...spans);
  const orgs = Array.from(
    { length: organizations },
    (_, i) => `org_bench_${String(i).padStart(2, "0")}`,
  );
  const server = await serveEmulator({
    organizations: orgs,
    events: sampleEvents({
      organizations: orgs,
      perOrganization: longest * eventsPerDay,
      now,
      days: longest + 1,
    }),
    exportDelayMs: 0,
    rateLimit: false,
    now: () => now,
    retentionMonths: Math.ceil(longest / 28) + 1,
  });
  const node = await nodeWorker();
  type Command = (args: string[]) => [string, string[]];
  const deno = (file: string): Command => (args) => [DENO, [
    "run",
    "--no-lock",
    "-A",
    "--v8-flags=--expose-gc",
    file,
    ...args,
  ]];
  const onNode = (file: string): Command => (args) => [
    NODE,
    ["--expose-gc", file, ...args],
  ];
  const floor = benchFile("node/fetch_loop.mjs");
  const runtimes: [string, Command, Command][] = [
    ["Deno", deno(benchFile("archive_run.ts")), deno(floor)],
    [NODE_LABEL, onNode(node), onNode(floor)],
  ];
  const runs: ArchiveRun[] = [];
  try {
    // Each span with the re-check off (the fewest requests a backfill can
    // make), then the shortest again with the default re-check, for its cost.
    const plan: [number, number][] = [
      ...spans.map((days): [number, number] => [days, 0]),
      [Math.min(...spans), ARCHIVE_DEFAULTS.recheck],
    ];
    for (const [runtime, command, loop] of runtimes) {
      for (const [days, recheck] of plan) {
        const dir = `${WORK}/archive/${days}d`;
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        const [cmd, args] = command([
          server.url,
          server.emulator.apiKey,
          String(now),
          String(days),
          dir,
          orgs.join(","),
          String(recheck),
        ]);
        const run = await runJson<
          Omit<
            ArchiveRun,
            "runtime" | "days" | "organizations" | "floor" | "recheck"
          >
        >(cmd, args);
        const floor = await runJson<ArchiveRun["floor"]>(
          ...loop([server.url, server.emulator.apiKey, String(run.requests)]),
        );
        runs.push({ runtime, days, organizations, recheck, ...run, floor });
        await Deno.remove(dir, { recursive: true });
      }
    }
  } finally {
    await server.close();
  }
  return { organizations, eventsPerDay, runs };
}

if (import.meta.main) {
  console.log(JSON.stringify(await benchArchive([30, 365], 20, 4)));
}
