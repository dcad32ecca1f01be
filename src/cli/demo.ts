/**
 * `demo`: the whole job — create, wait, download, read — against an
 * emulator started on loopback, so a first-time user sees the tool work with
 * no account, no key and no network.
 *
 * @module
 */

import { ARCHIVE_DEFAULTS } from "../../mod.ts";
import { archiveDir, archiveInto } from "./archive.ts";
import { directoryLocation } from "./store_flags.ts";
import {
  attemptLog,
  type CommandContext,
  connection,
  printJson,
} from "./context.ts";
import { outPath, withOutFile } from "./out_flag.ts";
import { formatBytes } from "./progress.ts";
import { renderTable } from "./table.ts";
import { awaitReady, saveToFile } from "./transfer.ts";
import { printable } from "./values.ts";

/** The default `--out` of the demo, relative to the working directory. */
export const DEMO_FILE = "audit-log-demo.csv";
/** Long enough for the wait to be visible, short enough not to bore. */
const DEMO_DELAY_MS = 1_500;
const DAYS = 30;
const PREVIEW_ROWS = 5;
/** Days of the archive demo: a week of files, quick to make. */
const ARCHIVE_DAYS = 7;

const TARGET_ID = /^target_id_(\d+)$/;

/**
 * `"Board deck (document)"`: the first target of a row, by name or else by
 * id, with `+N` when it has more. Found through the `target_id_N` columns
 * of the header, with the lowest N that has a target: the first N is not
 * documented, and an event narrower than the file leaves its cells empty.
 */
function firstTarget(row: Record<string, string>): string {
  const numbers = Object.keys(row)
    .map((key) => TARGET_ID.exec(key)?.[1])
    .filter((n): n is string =>
      n !== undefined && (row[`target_id_${n}`] !== "" ||
        (row[`target_type_${n}`] ?? "") !== "")
    )
    .sort((a, b) => Number(a) - Number(b));
  if (numbers.length === 0) return "";
  const n = numbers[0];
  const label = row[`target_name_${n}`] || row[`target_id_${n}`];
  const more = numbers.length > 1 ? ` +${numbers.length - 1}` : "";
  return `${label} (${row[`target_type_${n}`] ?? ""})${more}`;
}

/**
 * `demo --archive <dir>`: the archive of every sample organization's last
 * days into `dir`, one file a day; a second run finds nothing to do.
 */
async function runArchiveDemo(
  ctx: CommandContext<"demo">,
  given: string,
): Promise<number> {
  const server = await serveDemo(0);
  try {
    ctx.progress.done(
      `Emulator listening on ${server.url}; archiving the last ${ARCHIVE_DAYS} days of ${
        server.emulator.organizations.join(", ")
      }`,
    );
    const dir = archiveDir(ctx, given);
    const now = ctx.io.now();
    const from = now - (now % 86_400_000) - ARCHIVE_DAYS * 86_400_000;
    return await archiveInto(ctx, {
      organizationIds: server.emulator.organizations,
      location: directoryLocation(dir),
      from: new Date(from),
      window: ARCHIVE_DEFAULTS.window,
      format: "csv",
    }, {
      apiKey: server.emulator.apiKey,
      baseUrl: server.url,
      signal: ctx.signal,
      ...attemptLog(ctx),
    });
  } finally {
    await server.close();
  }
}

/** The usage error of an `--out` that names no file: the demo's stdout carries its summary. */
const DEMO_OUT =
  "--out must name a file: the demo prints its summary on stdout";

/** Runs the demo and prints its summary (or its JSON). */
export async function runDemo(ctx: CommandContext<"demo">): Promise<number> {
  const archive = ctx.args.string("archive");
  if (archive !== undefined) return runArchiveDemo(ctx, archive);
  const started = ctx.io.now();
  const out = outPath(ctx, {
    fallback: DEMO_FILE,
    stdoutTaken: DEMO_OUT,
    empty: DEMO_OUT,
  });
  // Never stdout: the demo's stdout is taken, which outPath refuses.
  return await withOutFile(ctx, out!, async (file) => {
    const server = await serveDemo(DEMO_DELAY_MS);
    try {
      const { emulator } = server;
      const organizationId = emulator.organizations[0];
      const to = new Date(ctx.io.now());
      const from = new Date(to.getTime() - DAYS * 86_400_000);
      const demo = connection({
        apiKey: emulator.apiKey,
        baseUrl: server.url,
        signal: ctx.signal,
        ...attemptLog(ctx),
      });
      ctx.progress.done(
        `Emulator listening on ${server.url}; exporting the last ${DAYS} days of ${organizationId}`,
      );
      const created = await demo.client.createExport(
        { organizationId, rangeStart: from, rangeEnd: to },
        demo.wait,
      );
      const ready = await awaitReady(ctx, demo, created);
      const saved = await saveToFile(
        ctx,
        demo,
        ready,
        file,
        "csv",
        PREVIEW_ROWS,
      );
      const elapsedMs = ctx.io.now() - started;
      if (ctx.json) {
        await printJson(ctx, {
          export: ready,
          file: file.path,
          bytes: saved.bytes,
          rows: saved.rows,
          elapsedMs,
          organizationId,
          from: from.toISOString(),
          to: to.toISOString(),
          preview: saved.preview,
        });
        return 0;
      }
      const table = renderTable(
        ["occurred_at", "action", "actor_name", "first target"],
        saved.preview.map((row) => [
          row.occurred_at ?? "",
          row.action ?? "",
          row.actor_name ?? "",
          firstTarget(row),
        ]),
      );
      await ctx.io.stdout(
        `Exported ${saved.rows} rows, ${formatBytes(saved.bytes)}, of ` +
          `${organizationId} in ${(elapsedMs / 1000).toFixed(1)} s.\n\n` +
          `First ${saved.preview.length} rows:\n${table}\n` +
          `CSV written to ${printable(file.path)}\n`,
      );
      return 0;
    } finally {
      await server.close();
    }
  });
}

/** The demo's emulator. Loaded here so that the API commands never load it. */
async function serveDemo(exportDelayMs: number) {
  const { serveEmulator } = await import("../../testing.ts");
  return serveEmulator({ exportDelayMs });
}
