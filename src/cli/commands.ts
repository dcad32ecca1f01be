/**
 * The API commands: `create`, `get`, `wait`, `download` and `export`. Each
 * checks all of its input before the first request and returns exit code 0;
 * failures are thrown and turned into messages and exit codes by `main`.
 *
 * @module
 */

import { NoEventsError } from "../errors.ts";
import { requireCreateExportOptions } from "../schemas.ts";
import type { AuditLogExport } from "../types.ts";
import {
  connect,
  type Connection,
  type Context,
  exportOptions,
  outputFormat,
  printJson,
} from "./context.ts";
import { fsReason, openOutput, type OutFile } from "./output.ts";
import { formatBytes } from "./progress.ts";
import { awaitReady, saveExport, streamExport } from "./transfer.ts";
import { printable, shown } from "./values.ts";
import { UsageError } from "./errors.ts";

/** `create`: POST the export and print it. */
export async function runCreate(ctx: Context): Promise<number> {
  const options = exportOptions(ctx);
  // Every bad value is reported before the key is even looked at.
  requireCreateExportOptions(options);
  const { client, wait } = connect(ctx);
  await printJson(ctx, await client.createExport(options, wait));
  return 0;
}

/** `get <id>`: read the export and print it. */
export async function runGet(ctx: Context): Promise<number> {
  const { client, wait } = connect(ctx);
  await printJson(ctx, await client.getExport(ctx.args.positionals[0], wait));
  return 0;
}

/** `wait <id>`: poll until ready, with progress, and print it. */
export async function runWait(ctx: Context): Promise<number> {
  await printJson(
    ctx,
    await awaitReady(ctx, connect(ctx), ctx.args.positionals[0]),
  );
  return 0;
}

/** `download <id>`: wait if needed, then the CSV or NDJSON to stdout or `--out`. */
export function runDownload(ctx: Context): Promise<number> {
  const connection = connect(ctx);
  return deliver(
    ctx,
    connection,
    () => awaitReady(ctx, connection, ctx.args.positionals[0]),
  );
}

/**
 * `export`: create, wait and download in one go. A period with no matching
 * event is an export of zero rows: the API refuses to create it, so there
 * is nothing to download and the output is empty.
 */
export function runExport(ctx: Context): Promise<number> {
  const options = exportOptions(ctx);
  requireCreateExportOptions(options);
  const connection = connect(ctx);
  return deliver(
    ctx,
    connection,
    async () => {
      let created: AuditLogExport;
      try {
        created = await connection.client.createExport(
          options,
          connection.wait,
        );
      } catch (error) {
        if (error instanceof NoEventsError) return undefined;
        throw error;
      }
      ctx.progress.done(`Created ${created.id} (${created.state})`);
      return awaitReady(ctx, connection, created);
    },
  );
}

const NO_EVENTS = "No event in this period matches the filters";

/** The `--out` target: a file path, or `undefined` for stdout (`-` or absent). */
function outPath(ctx: Context): string | undefined {
  const out = ctx.args.string("out");
  const target = out === "-" ? undefined : out;
  if (target === undefined && ctx.json) {
    throw new UsageError(
      "--json needs --out <file>: without it stdout carries the CSV itself",
      ctx.spec,
    );
  }
  if (target === "") throw new UsageError("--out needs a file name", ctx.spec);
  return target;
}

/**
 * The tail of `download` and `export`: reads every flag and opens the
 * `--out` file first (so a bad value or path fails before any request),
 * gets the ready export, then streams it. `ready` resolving to `undefined`
 * means an empty period: the output is empty, and `--out` gets an empty
 * file, committed like any other.
 */
async function deliver(
  ctx: Context,
  connection: Connection,
  ready: () => Promise<AuditLogExport | undefined>,
): Promise<number> {
  const format = outputFormat(ctx);
  const path = outPath(ctx);
  if (path === undefined) {
    const exported = await ready();
    if (exported) await streamExport(ctx, connection, exported, format);
    else ctx.progress.done(`${NO_EVENTS}: 0 rows`);
    return 0;
  }
  const file = await openOut(ctx, path);
  try {
    const exported = await ready();
    let saved = { bytes: 0, rows: 0 };
    if (exported) {
      saved = await saveExport(ctx, connection, exported, file, format);
    } else await file.commit();
    if (ctx.json) {
      await printJson(ctx, {
        export: exported ?? null,
        file: file.path,
        bytes: saved.bytes,
        rows: saved.rows,
      });
    } else {
      const summary = `${saved.rows} rows, ${formatBytes(saved.bytes)}, to ${
        printable(file.path)
      }`;
      ctx.progress.done(
        exported ? `Saved ${summary}` : `${NO_EVENTS}: saved ${summary}`,
      );
    }
    return 0;
  } finally {
    await file.discard();
  }
}

/**
 * Opens the `--out` file; a path that cannot be written is bad input
 * (exit 2). Opening a FIFO waits for its reader, so Ctrl-C must end the
 * wait too.
 */
export async function openOut(ctx: Context, path: string): Promise<OutFile> {
  ctx.signal.throwIfAborted();
  const opening = openOutput(path, ctx.io.cwd);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(ctx.signal.reason);
    ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([opening, aborted]);
  } catch (error) {
    if (ctx.signal.aborted) {
      // The open may still succeed later: close what it opens.
      opening.then((file) => file.discard(), () => {});
      throw ctx.signal.reason;
    }
    throw new UsageError(
      `--out: cannot write ${shown(path)}: ${fsReason(error)}`,
      ctx.spec,
    );
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
  }
}
