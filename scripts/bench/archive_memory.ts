/**
 * Row 7, the archive's memory against the size of a window: one window of
 * about 20 MB and one of about 500 MB, each archived into a directory by a
 * process of its own, whose peak RSS must not grow with the window.
 *
 * The API and its file host are a few lines served here, not the emulator:
 * the emulator keeps its events as objects, and half a gigabyte of them
 * would measure the emulator. The file is generated as it is sent, every
 * row inside the window, so the archive stores it byte for byte.
 *
 * @module
 */

import { benchFile, DENO, WORK } from "./paths.ts";
import { runJson } from "./proc.ts";

/** One archived window and what it cost. */
export interface MemoryRun {
  /** The size asked for, in MB. */
  targetMb: number;
  rows: number;
  bytes: number;
  ms: number;
  peakRssKiB: number;
  /** The same file fetched with a bare `fetch` and written to a file, in a process of its own. */
  floor: { ms: number; peakRssKiB: number };
}

/** Results of row 7. */
export interface MemoryResult {
  runs: MemoryRun[];
}

const DAY = 86_400_000;
const KEY = "sk_test_bench_memory";
const encoder = new TextEncoder();

const HEADER =
  "action,occurred_at,actor_id,actor_type,actor_name,actor_metadata,context_location,context_user_agent,metadata,target_id_1,target_type_1,target_name_1,target_metadata_1\r\n";

/** Row `i` of a day starting at `day`: every row the same length, so the file's is known. */
function row(day: number, i: number): string {
  const at = new Date(day + (i % 86_400) * 1000).toISOString();
  const n = String(i).padStart(9, "0");
  return `user.signed_in,${at},user_${n},user,User ${n},"{""plan"":""pro""}",203.0.113.7,Mozilla/5.0 (X11; Linux x86_64),"{""req"":""${n}""}",doc_${n},document,Document ${n},{}\r\n`;
}

/** Serves the API and the file of `rows` rows of the day before `now`'s (exported for probes). */
export function serve(now: number, rows: number) {
  const day = now - (now % DAY) - DAY;
  const rowBytes = encoder.encode(row(day, 0)).byteLength;
  const size = HEADER.length + rows * rowBytes;
  const exportBody = (origin: string) => ({
    object: "audit_log_export",
    id: "audit_log_export_memory",
    state: "ready",
    url: `${origin}/file.csv`,
    created_at: new Date(now).toISOString(),
    updated_at: new Date(now).toISOString(),
  });
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const { pathname, origin } = new URL(request.url);
      if (pathname === "/file.csv") {
        let i = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (i === 0) controller.enqueue(encoder.encode(HEADER));
            let text = "";
            for (let n = 0; n < 512 && i < rows; n++) text += row(day, i++);
            if (text) controller.enqueue(encoder.encode(text));
            if (i >= rows) controller.close();
          },
        });
        return new Response(body, {
          headers: {
            "content-type": "text/csv",
            "content-length": String(size),
            etag: `"memory-${rows}"`,
          },
        });
      }
      if (request.headers.get("authorization") !== `Bearer ${KEY}`) {
        return Response.json({ message: "Unauthorized" }, { status: 401 });
      }
      return Response.json(exportBody(origin), {
        status: request.method === "POST" ? 201 : 200,
      });
    },
  );
}

/** Runs row 7 for each size in `sizesMb`, under Deno. */
export async function benchArchiveMemory(
  sizesMb: number[],
): Promise<MemoryResult> {
  const now = Date.UTC(2026, 10, 20, 12);
  const rowBytes = encoder.encode(row(0, 0)).byteLength;
  const runs: MemoryRun[] = [];
  for (const targetMb of sizesMb) {
    const rows = Math.round(targetMb * 1e6 / rowBytes);
    const server = serve(now, rows);
    const dir = `${WORK}/archive_memory/${targetMb}mb`;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    try {
      const args = [
        "run",
        "--no-lock",
        "-A",
        benchFile("archive_memory_run.ts"),
        `http://127.0.0.1:${server.addr.port}`,
        KEY,
        String(now),
        dir,
      ];
      const run = await runJson<Omit<MemoryRun, "targetMb" | "floor">>(
        DENO,
        args,
      );
      const floor = await runJson<{ ms: number; peakRssKiB: number }>(DENO, [
        ...args,
        "floor",
      ]);
      runs.push({
        targetMb,
        ...run,
        floor: { ms: floor.ms, peakRssKiB: floor.peakRssKiB },
      });
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
  return { runs };
}

if (import.meta.main) {
  console.log(JSON.stringify(await benchArchiveMemory([20, 500])));
}
