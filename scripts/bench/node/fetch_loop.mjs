/**
 * Row 6 floor: `count` plain `fetch` GETs, four at a time, each body read,
 * against the emulator, and the process's peak RSS and live heap after: the
 * memory a runtime's own `fetch` takes for that many requests, with no
 * client around it. Runs under Deno and Node alike.
 *
 * Usage: fetch_loop.mjs <emulator url> <api key> <count>; prints one JSON line.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";

const [url, apiKey, countText] = process.argv.slice(2);
let left = Number(countText);
const started = performance.now();
const worker = async () => {
  while (left-- > 0) {
    const response = await fetch(`${url}/audit_logs/exports/missing`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    await response.text();
  }
};
await Promise.all([worker(), worker(), worker(), worker()]);
const ms = performance.now() - started;
globalThis.gc?.();
const status = readFileSync("/proc/self/status", "utf8");
console.log(JSON.stringify({
  requests: Number(countText),
  ms,
  peakRssKiB: Number(/^VmHWM:\s*(\d+)\s*kB/m.exec(status)[1]),
  liveHeapKiB: process.memoryUsage().heapUsed >> 10,
}));
