/**
 * What the Deno workers of rows 8–11 share: their memory readings and the
 * way they read a file. Kept apart from any library code, so that a worker
 * loads only the modules it measures.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import process from "node:process";

/** The size of every read, as in row 4. */
const CHUNK = 64 * 1024;

/** This process's peak RSS (`VmHWM`) so far, in KiB. */
export const peakRssKiB = (): number =>
  Number(
    /^VmHWM:\s*(\d+)\s*kB/m.exec(
      readFileSync("/proc/self/status", "utf8"),
    )![1],
  );

/**
 * With `--expose-gc`, the largest heap still referenced after a full
 * collection, sampled every few milliseconds while the run goes on: what
 * the reader holds, without the garbage of a long stream of chunks that
 * peak RSS also counts. Slows the run, so such runs are not timed.
 * Returns the function that stops sampling and gives the maximum in KiB
 * (`undefined` without `--expose-gc`).
 */
export function liveHeap(): () => number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return () => undefined;
  let max = 0;
  const sample = () => {
    gc();
    max = Math.max(max, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 20);
  return () => {
    clearInterval(timer);
    sample();
    return max >> 10;
  };
}

/** A file as a web byte stream of fresh 64 KiB chunks, as in row 4. */
export function fileChunks(path: string): ReadableStream<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  return new ReadableStream({
    async start() {
      handle = await open(path);
    },
    async pull(controller) {
      const buffer = new Uint8Array(CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) {
        await handle.close();
        controller.close();
      } else {
        controller.enqueue(
          bytesRead === CHUNK ? buffer : buffer.subarray(0, bytesRead),
        );
      }
    },
    async cancel() {
      await handle.close();
    },
  });
}
