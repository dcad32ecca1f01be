/**
 * `demo`: the whole job — create, wait, download, read — against an
 * emulator started on loopback, so a first-time user sees the tool work with
 * no account, no key and no network.
 *
 * @module
 */

import { createExport } from "../exports.ts";
import { UsageError } from "./args.ts";
import { type Context, printJson } from "./context.ts";
import { openOut } from "./commands.ts";
import { formatBytes } from "./progress.ts";
import { renderTable } from "./table.ts";
import { awaitReady, saveExport } from "./transfer.ts";

/** The default `--out` of the demo, relative to the working directory. */
export const DEMO_FILE = "audit-log-demo.csv";
/** Long enough for the wait to be visible, short enough not to bore. */
const DEMO_DELAY_MS = 1_500;
const DAYS = 30;
const PREVIEW_ROWS = 5;

/** `"user, team"`: the target types of a `targets` cell (JSON text), or the cell itself if it is not JSON. */
function targetTypes(cell: string | undefined): string {
  if (!cell) return "";
  try {
    const list = JSON.parse(cell);
    if (Array.isArray(list)) {
      return list.map((t) => String(t?.type ?? "?")).join(", ");
    }
  } catch { /* not JSON: show it as it is */ }
  return cell;
}

/** Runs the demo and prints its summary (or its JSON). */
export async function runDemo(ctx: Context): Promise<number> {
  const started = ctx.io.now();
  const out = ctx.args.string("out") ?? DEMO_FILE;
  if (out === "-" || out === "") {
    throw new UsageError(
      "--out must name a file: the demo prints its summary on stdout",
      ctx.spec,
    );
  }
  const file = await openOut(ctx, out);
  let server: Awaited<ReturnType<typeof serveDemo>> | undefined;
  try {
    server = await serveDemo();
    const { emulator } = server;
    const organizationId = emulator.organizations[0];
    const to = new Date(ctx.io.now());
    const from = new Date(to.getTime() - DAYS * 86_400_000);
    const config = {
      apiKey: emulator.apiKey,
      baseUrl: server.url,
      signal: ctx.signal,
    };
    ctx.progress.done(
      `Emulator listening on ${server.url}; exporting the last ${DAYS} days of ${organizationId}`,
    );
    const created = await createExport(
      { organizationId, rangeStart: from, rangeEnd: to },
      config,
    );
    const ready = await awaitReady(ctx, config, created);
    const saved = await saveExport(ctx, config, ready, file, PREVIEW_ROWS);
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
      ["occurred_at", "action", "actor_name", "target"],
      saved.preview.map((row) => [
        row.occurred_at ?? "",
        row.action ?? "",
        row.actor_name ?? "",
        targetTypes(row.targets),
      ]),
    );
    await ctx.io.stdout(
      `Exported ${saved.rows} rows, ${formatBytes(saved.bytes)}, of ` +
        `${organizationId} in ${(elapsedMs / 1000).toFixed(1)} s.\n\n` +
        `First ${saved.preview.length} rows:\n${table}\n` +
        `CSV written to ${file.path}\n`,
    );
    return 0;
  } finally {
    await file.discard();
    await server?.close();
  }
}

/** The demo's emulator. Loaded here so that the API commands never load it. */
async function serveDemo() {
  const { serveEmulator } = await import("../../testing.ts");
  return serveEmulator({ exportDelayMs: DEMO_DELAY_MS });
}
