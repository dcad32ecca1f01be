/**
 * Row 6 worker: one archive run of every organization of a served emulator,
 * into a directory, from `days` days before the emulator's clock. Prints
 * one JSON line: windows, rows, requests made and the fewest possible, wall
 * time, this process's peak RSS and its live heap at the end.
 *
 * Runs under Deno from source and under Node as a bundle, so it uses only
 * what both have.
 *
 * Usage: archive_run <emulator url> <api key> <now ms> <days> <dir>
 * <organizations, comma-separated> <recheck ms>
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { archiveExports } from "../../mod.ts";
import { directoryStore } from "../../fs.ts";

const [url, apiKey, nowText, daysText, dir, orgs, recheckText] = process.argv
  .slice(2);
const now = Number(nowText);
const days = Number(daysText);
const DAY = 86_400_000;
const midnight = now - (now % DAY);

let requests = 0;
let created = 0;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/**
 * The run, and the live heap while its result (a record per window, which
 * the caller asked for) is still held. The result stays inside this
 * function: held by a top-level `await`, it would stay on the stack.
 */
async function run() {
  const started = performance.now();
  const result = await archiveExports({
    organizationIds: orgs.split(","),
    store: directoryStore(dir),
    from: new Date(midnight - days * DAY),
    now: () => now,
    // The emulator keeps what the run asks for; WorkOS keeps three months.
    retentionMonths: Math.ceil(days / 28) + 1,
    concurrency: 4,
    recheck: Number(recheckText),
  }, {
    apiKey,
    baseUrl: url,
    onAttempt: (a) => {
      requests++;
      if (a.method === "POST" && a.status === 201) created++;
    },
  });
  const ms = performance.now() - started;
  gc();
  return {
    windows: result.windows.length,
    rows: result.windows.reduce((n, w) => n + w.rows, 0),
    gaps: result.gaps.length,
    late: result.late.length,
    ms,
    liveHeapKiB: process.memoryUsage().heapUsed >> 10,
  };
}

const summary = await run();
// A turn of the event loop, then what the run still holds without its result.
await new Promise((resolve) => setTimeout(resolve, 0));
gc();
const liveHeapWithoutResultKiB = process.memoryUsage().heapUsed >> 10;
const status = readFileSync("/proc/self/status", "utf8");
const peakRssKiB = Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(status)![1]);
console.log(JSON.stringify({
  ...summary,
  requests,
  exports: created,
  // Each window needs its create call, and a download when it has events.
  fewest: summary.windows + created,
  peakRssKiB,
  liveHeapWithoutResultKiB,
}));
