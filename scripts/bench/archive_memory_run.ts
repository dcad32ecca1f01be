/**
 * Row 7 worker: one archive run of one one-day window into a directory,
 * with the re-check off, against the API and file host of row 7. Prints one
 * JSON line: rows and bytes stored, wall time and this process's peak RSS.
 *
 * With `floor` as a fifth argument it only fetches the same file with a
 * bare `fetch` and writes it to a file in `dir`: what any download of it
 * costs in this runtime, parsing and the archive left out.
 *
 * Usage: archive_memory_run <api url> <api key> <now ms> <dir> [floor]
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { archiveExports } from "../../mod.ts";
import { directoryStore } from "../../fs.ts";

const [url, apiKey, nowText, dir] = process.argv.slice(2);
const now = Number(nowText);
const DAY = 86_400_000;
const midnight = now - (now % DAY);

const started = performance.now();
if (process.argv[6] === "floor") {
  const response = await fetch(`${url}/file.csv`);
  const { mkdir, open } = await import("node:fs/promises");
  await mkdir(dir, { recursive: true });
  const file = await open(`${dir}/floor.csv`, "w");
  let bytes = 0;
  for await (const chunk of response.body!) {
    await file.write(chunk);
    bytes += chunk.byteLength;
  }
  await file.close();
  const status = readFileSync("/proc/self/status", "utf8");
  console.log(JSON.stringify({
    windows: 0,
    rows: 0,
    bytes,
    ms: performance.now() - started,
    peakRssKiB: Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(status)![1]),
  }));
  process.exit(0);
}
const result = await archiveExports({
  organizationId: "org_memory",
  store: directoryStore(dir),
  from: new Date(midnight - DAY),
  now: () => now,
  recheck: 0,
}, { apiKey, baseUrl: url });
const ms = performance.now() - started;
const status = readFileSync("/proc/self/status", "utf8");
console.log(JSON.stringify({
  windows: result.windows.length,
  rows: result.windows.reduce((n, w) => n + w.rows, 0),
  bytes: result.windows.reduce((n, w) => n + w.bytes, 0),
  ms,
  peakRssKiB: Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(status)![1]),
}));
