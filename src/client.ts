/**
 * A client with its configuration bound once.
 *
 * @module
 */

import {
  bindConfig,
  type ClientConfig,
  type RequestOptions,
  resolveConfig,
  type WaitOptions,
} from "./config.ts";
import { parseCsvRows } from "./csv.ts";
import { downloadExportOn, readSource, type RowsSource } from "./download.ts";
import { type AuditLogEvent, parseCsvEvents } from "./events.ts";
import { createExportOn, getExportOn, waitForExportOn } from "./exports.ts";
import { ValidationError } from "./errors.ts";
import type { CreateExportOptions } from "./schemas.ts";
import type { AuditLogExport } from "./types.ts";

/**
 * The six calls of the package with a configuration bound; each still takes per-call options.
 *
 * @example
 * ```ts
 * import { type AuditLogsClient, createClient } from "@audit-log/export";
 * const client: AuditLogsClient = createClient({ apiKey: "sk_test_123" });
 * const e = await client.getExport("audit_log_export_123");
 * ```
 */
export interface AuditLogsClient {
  /** See the standalone `createExport`. */
  createExport(
    options: CreateExportOptions,
    config?: RequestOptions,
  ): Promise<AuditLogExport>;
  /** See the standalone `getExport`. */
  getExport(id: string, config?: RequestOptions): Promise<AuditLogExport>;
  /** See the standalone `waitForExport`. */
  waitForExport(
    exportOrId: AuditLogExport | string,
    config?: WaitOptions,
  ): Promise<AuditLogExport>;
  /** See the standalone `downloadExport`. */
  downloadExport(
    exportOrId: AuditLogExport | string,
    config?: WaitOptions,
  ): Promise<ReadableStream<Uint8Array>>;
  /** See the standalone `exportRows`. */
  exportRows(
    source: RowsSource,
    config?: WaitOptions,
  ): AsyncIterable<Record<string, string>>;
  /** See the standalone `exportEvents`. */
  exportEvents(
    source: RowsSource,
    config?: WaitOptions,
  ): AsyncIterable<AuditLogEvent>;
}

/**
 * Creates a client with its configuration validated once and bound to every
 * call. Per-call options (`signal`, `timeout`, …) are merged over it.
 *
 * @example
 * ```ts
 * import { createClient } from "@audit-log/export";
 * const workos = createClient({ apiKey: "sk_test_123", maxRetries: 5 });
 * const created = await workos.createExport({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: "2026-09-01T00:00:00Z",
 *   rangeEnd: "2026-10-01T00:00:00Z",
 * });
 * for await (const row of workos.exportRows(created)) console.log(row.action);
 * ```
 */
export function createClient(config: ClientConfig = {}): AuditLogsClient {
  // One key for every call of a client would make the second call a replay
  // of the first: a key belongs to one logical call.
  if ((config as RequestOptions | undefined)?.idempotencyKey !== undefined) {
    throw new ValidationError([{
      path: "idempotencyKey",
      message: "is per call: pass it to the call, not to createClient",
    }]);
  }
  const client = bindConfig(resolveConfig(config));
  return {
    createExport: (options, call) => createExportOn(client, options, call),
    getExport: (id, call) => getExportOn(client, id, call),
    waitForExport: (exportOrId, call) =>
      waitForExportOn(client, exportOrId, call),
    downloadExport: (exportOrId, call) =>
      downloadExportOn(client, exportOrId, call),
    exportRows: (source, call) =>
      readSource(client, source, parseCsvRows, call),
    exportEvents: (source, call) =>
      readSource(client, source, parseCsvEvents, call),
  };
}
