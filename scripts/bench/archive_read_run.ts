/**
 * Worker of rows 8–10: builds an archive, or reads one back in one of the
 * ways the rows compare, in a process of its own so that its peak RSS is its
 * own. Prints one JSON line.
 *
 * Modes:
 *
 * - `build <dir> <windows> <rows per window> <now ms> [gzip]`: serves a
 *   few lines of the API here, whose export of each one-day window is
 *   `rows` generated events of that day in the layout of row 4's file
 *   (`csvRecord(eventCells(event, 1))` over seeded `sampleEvents`), and
 *   archives `windows` days of it into `dir` with `archiveExports`, so that
 *   every window file, digest and checkpoint is the library's own.
 * - `verify <dir> [windows]`: `verifyArchive` of the archive, or of its
 *   first `windows` windows.
 * - `read <dir> [windows]`: every event of `readArchive`, no filter.
 * - `events <dir> [windows]`: every event of `exportEvents` over each
 *   window file in turn, read from disk in 64 KiB chunks: the same CSV bytes
 *   as `read`, neither hashed nor checked.
 *
 * Usage: deno run -A archive_read_run.ts <mode> <args…>
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import process from "node:process";
import {
  archiveExports,
  type AuditLogEvent,
  exportEvents,
  readArchive,
  verifyArchive,
} from "../../mod.ts";
import { directoryStore } from "../../fs.ts";
import { sampleEvents } from "../../testing.ts";
import {
  csvHeader,
  csvRecord,
  eventCells,
} from "../../src/emulator/csv_writer.ts";
import { fileChunks, liveHeap, peakRssKiB } from "./worker.ts";

/** The one organization of the archive. */
export const ORGANIZATION = "org_bench_read";
const KEY = "sk_test_bench_read";
const DAY = 86_400_000;

/** The archive's span: `windows` whole days ending at `now`'s midnight. */
function span(now: number, windows: number) {
  const to = now - (now % DAY);
  return { from: new Date(to - windows * DAY), to: new Date(to) };
}

/**
 * The export of one day as CSV bytes: seeded by the day, so a plain and a
 * gzip archive of the same span hold the same records. `sampleEvents` spreads
 * them over the day, oldest first, none on its edges.
 */
function dayCsv(dayEnd: number, rows: number): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const events = sampleEvents({
    organizations: [ORGANIZATION],
    perOrganization: rows,
    now: dayEnd,
    days: 1,
    seed: dayEnd / DAY,
  });
  const parts = [encoder.encode(csvRecord(csvHeader(1)))];
  for (const e of events) {
    parts.push(encoder.encode(csvRecord(eventCells(e, 1))));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * The API as the archive uses it: an export per requested range, ready at
 * once, whose file is the day it covers. The emulator would do, but keeps
 * its events as objects; a million of them would cost more to hold than
 * the files cost to generate.
 */
function serve(now: number, rows: number) {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const { pathname, origin } = new URL(request.url);
      const file = /^\/files\/(\d+)\.csv$/.exec(pathname);
      if (file) {
        const body = dayCsv(Number(file[1]), rows);
        return new Response(body, {
          headers: {
            "content-type": "text/csv",
            "content-length": String(body.byteLength),
            etag: `"day-${file[1]}-${rows}"`,
          },
        });
      }
      if (request.headers.get("authorization") !== `Bearer ${KEY}`) {
        return Response.json({ message: "Unauthorized" }, { status: 401 });
      }
      let id = pathname.split("/").at(-1)!;
      if (request.method === "POST") {
        // The request is a little wider than its window: its end rounds down
        // to the window's end, the last midnight inside it.
        const { range_end } = await request.json() as { range_end: string };
        const end = Date.parse(range_end);
        id = `audit_log_export_${end - (end % DAY)}`;
      }
      const dayEnd = id.replace(/^audit_log_export_/, "");
      return Response.json({
        object: "audit_log_export",
        id,
        state: "ready",
        url: `${origin}/files/${dayEnd}.csv`,
        created_at: new Date(now).toISOString(),
        updated_at: new Date(now).toISOString(),
      }, { status: request.method === "POST" ? 201 : 200 });
    },
  );
}

async function build(
  dir: string,
  windows: number,
  rows: number,
  now: number,
  gzip: boolean,
) {
  const server = serve(now, rows);
  try {
    const result = await archiveExports({
      organizationId: ORGANIZATION,
      store: directoryStore(dir),
      from: span(now, windows).from,
      now: () => now,
      recheck: 0,
      ...(gzip ? { compress: "gzip" as const } : {}),
    }, { apiKey: KEY, baseUrl: `http://127.0.0.1:${server.addr.port}` });
    return {
      windows: result.windows.length,
      rows: result.windows.reduce((n, w) => n + w.rows, 0),
      bytes: result.windows.reduce((n, w) => n + w.bytes, 0),
      files: await dataFiles(dir),
    };
  } finally {
    await server.shutdown();
  }
}

/** The archive's window files, oldest first, with their sizes. */
export async function dataFiles(
  dir: string,
): Promise<{ path: string; bytes: number }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile() && /\.csv(\.gz)?$/.test(e.name))
    .map((e) => `${e.parentPath}/${e.name}`)
    .sort();
  return paths.map((path) => ({ path, bytes: Deno.statSync(path).size }));
}

/** Reduces an event to a number that depends on two of its fields, so no reader can skip them. */
const cells = (e: AuditLogEvent) =>
  (e.targets[0]?.id.length ?? 0) + (e.actor.name?.length ?? 0);

async function main() {
  const [mode, dir, ...rest] = process.argv.slice(2);
  if (mode === "build") {
    const [windows, rows, now, gzip] = rest;
    const started = performance.now();
    const built = await build(
      dir,
      Number(windows),
      Number(rows),
      Number(now),
      gzip === "gzip",
    );
    return { ...built, ms: performance.now() - started };
  }
  // The span is read back from the files themselves: the first `windows` of them.
  const files = await dataFiles(dir);
  const windows = rest[0] ? Number(rest[0]) : files.length;
  const chosen = files.slice(0, windows);
  const first = /(\d{8}T\d{6}Z)_/.exec(chosen[0].path)![1];
  const from = new Date(
    first.replace(
      /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/,
      "$1-$2-$3T$4:$5:$6Z",
    ),
  );
  const to = new Date(from.getTime() + windows * DAY);
  const bytes = chosen.reduce((n, f) => n + f.bytes, 0);
  const store = directoryStore(dir);
  const live = liveHeap();
  const started = performance.now();
  if (mode === "verify") {
    const report = await verifyArchive({
      store,
      organizationId: ORGANIZATION,
      from,
      to,
    });
    const ms = performance.now() - started;
    const org = report.organizations[0];
    // Anything but a clean report of every file means the run measured something else.
    if (!report.ok || org.filesChecked !== windows) {
      throw new Error(`verify of ${dir}: ${JSON.stringify(org)}`);
    }
    return {
      files: org.filesChecked,
      bytes,
      ms,
      peakRssKiB: peakRssKiB(),
      liveHeapKiB: live(),
    };
  }
  let events = 0;
  let checksum = 0;
  if (mode === "read") {
    for await (
      const e of readArchive({ store, organizationId: ORGANIZATION, from, to })
    ) {
      events++;
      checksum += cells(e);
    }
  } else if (mode === "events") {
    for (const f of chosen) {
      for await (const e of exportEvents(fileChunks(f.path))) {
        events++;
        checksum += cells(e);
      }
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  const ms = performance.now() - started;
  return {
    files: windows,
    bytes,
    events,
    checksum,
    ms,
    peakRssKiB: peakRssKiB(),
    liveHeapKiB: live(),
  };
}

if (import.meta.main) console.log(JSON.stringify(await main()));
