/**
 * Downloading an export's CSV and reading its rows.
 *
 * @module
 */

import {
  type ClientConfig,
  resolveConfig,
  type ResolvedConfig,
  type WaitOptions,
} from "./config.ts";
import { parseCsvRows } from "./csv.ts";
import {
  ApiError,
  ConnectionError,
  InvalidResponseError,
  ValidationError,
} from "./errors.ts";
import { exportRef, getExportWith, run, waitForExportWith } from "./exports.ts";
import { send } from "./transport.ts";
import type { AuditLogExport } from "./types.ts";

/** What `exportRows` reads: bytes, a response, or an export to download. */
export type RowsSource =
  | ReadableStream<Uint8Array>
  | Response
  | AuditLogExport
  | string;

/** A presigned URL is refused this way once it has expired. */
const isExpired = (error: unknown) =>
  error instanceof ApiError && (error.status === 403 || error.status === 410);

async function fetchFile(
  config: ResolvedConfig,
  url: string,
): Promise<ReadableStream<Uint8Array>> {
  // No apiKey: a presigned URL lives on another host and must not see the key.
  const { response, request, requestId } = await send(config, {
    method: "GET",
    url,
    stream: true,
  });
  // A proxy or captive portal answers 200 with a page; no export is HTML.
  if (/^text\/html/i.test(response.headers.get("content-type") ?? "")) {
    await response.body?.cancel();
    throw new InvalidResponseError(
      "The download answered an HTML page, not a CSV file",
      response.status,
      request,
      requestId,
    );
  }
  if (!response.body) return new ReadableStream({ start: (c) => c.close() });
  const reader = response.body.getReader();
  const signal = config.signal;
  // A connection lost mid-file surfaces as a typed error, like one lost before it.
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(
          signal?.aborted
            ? signal.reason
            : new ConnectionError(request, error, true),
        );
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/** Downloads with an already resolved config. */
export async function downloadExportWith(
  config: ResolvedConfig,
  exportOrId: AuditLogExport | string,
): Promise<ReadableStream<Uint8Array>> {
  const { id } = exportRef(exportOrId);
  const ready = await waitForExportWith(config, exportOrId);
  try {
    return await fetchFile(config, ready.url!);
  } catch (error) {
    if (!isExpired(error)) throw error;
  }
  // The URL outlived its 10 minutes: reading the export again presigns a fresh one, once.
  const fresh = await getExportWith(config, id);
  if (fresh.state !== "ready" || !fresh.url) {
    return downloadExportWith(config, fresh);
  }
  return fetchFile(config, fresh.url);
}

/**
 * Downloads an export's CSV as a byte stream. A `pending` export is waited
 * for first (`WaitOptions` apply); the presigned URL is fetched without the
 * `Authorization` header; an expired URL is refreshed once by re-reading the
 * export. Failures before the first byte are retried like any request.
 *
 * @example
 * ```ts
 * import { downloadExport } from "@audit-log/export";
 * const bytes = await downloadExport("audit_log_export_01GBZK5MP7TD1YCFQHFR22180V");
 * const text = await new Response(bytes).text();
 * console.log(text.split("\n")[0]); // the header row
 * ```
 */
export function downloadExport(
  exportOrId: AuditLogExport | string,
  config?: ClientConfig & WaitOptions,
): Promise<ReadableStream<Uint8Array>> {
  return run(() => downloadExportWith(resolveConfig(config), exportOrId));
}

function isStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === "object" && x !== null &&
    typeof (x as ReadableStream).getReader === "function";
}

function isResponse(x: unknown): x is Response {
  return typeof x === "object" && x !== null &&
    typeof (x as Response).status === "number" &&
    "body" in x && typeof (x as Response).arrayBuffer === "function";
}

/** Reads rows with an already resolved config. */
export async function* exportRowsWith(
  resolve: () => ResolvedConfig,
  source: RowsSource,
): AsyncGenerator<Record<string, string>, void, undefined> {
  let stream: ReadableStream<Uint8Array>;
  if (isStream(source)) stream = source;
  else if (isResponse(source)) {
    if (!source.ok) {
      await source.body?.cancel();
      throw new ValidationError([{
        path: "source",
        message: `the response has status ${source.status}, not 2xx`,
      }]);
    }
    stream = source.body ?? new ReadableStream({ start: (c) => c.close() });
  } else if (
    typeof source === "string" ||
    (typeof source === "object" && source !== null)
  ) {
    stream = await downloadExportWith(
      resolve(),
      source as AuditLogExport | string,
    );
  } else {
    throw new ValidationError([{
      path: "source",
      message:
        "expected a ReadableStream, a Response, an export or an export id",
    }]);
  }
  yield* parseCsvRows(stream);
}

/**
 * Streams the rows of an export's CSV, each an object keyed by the header
 * row. Reads from a byte stream, a `Response`, or an export (object or id),
 * which it waits for and downloads. Memory holds one row at a time; leaving
 * the loop early cancels the download. A malformed file rejects with
 * `CsvParseError` naming the line.
 *
 * @example
 * ```ts
 * import { exportRows } from "@audit-log/export";
 * for await (const row of exportRows("audit_log_export_01GBZK5MP7TD1YCFQHFR22180V")) {
 *   console.log(row.occurred_at, row.action, row.actor_name);
 * }
 * ```
 */
export function exportRows(
  source: RowsSource,
  config?: ClientConfig & WaitOptions,
): AsyncIterable<Record<string, string>> {
  return exportRowsWith(() => resolveConfig(config), source);
}
