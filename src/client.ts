/**
 * A client with its configuration bound once.
 *
 * @module
 */

import {
  type ArchiveConfig,
  type ArchiveOptions,
  type ArchiveResult,
  runArchive,
} from "./archive.ts";
import {
  type CallOptions,
  type ClientConfig,
  overlayConfig,
  type RequestOptions,
  resolveConfig,
  type ResolvedConfig,
  type WaitOptions,
} from "./config.ts";
import { parseCsvRows } from "./csv.ts";
import { openDownload, readSource, type RowsSource } from "./download.ts";
import { type AuditLogEvent, parseCsvEvents } from "./events.ts";
import { fetchExport, pollExport, postExport } from "./exports.ts";
import type { Issue } from "./rules.ts";
import type { CreateExportOptions } from "./schemas.ts";
import type { AuditLogExport } from "./types.ts";
import { throwIfAny } from "./validation.ts";

/**
 * The seven calls of the package with a configuration bound; each still takes per-call options.
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
  /** See the standalone `archiveExports`. */
  archiveExports(
    options: ArchiveOptions,
    config?: Pick<ArchiveConfig, "signal" | "timeout" | "maxRetries">,
  ): Promise<ArchiveResult>;
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
  const issues: Issue[] = [];
  // One key for every call of a client would make the second call a replay
  // of the first: a key belongs to one logical call.
  if ((config as RequestOptions | undefined)?.idempotencyKey !== undefined) {
    issues.push({
      path: "idempotencyKey",
      message: "is per call: pass it to the call, not to createClient",
    });
  }
  const base = resolveConfig(config, issues);
  throwIfAny(issues);
  // Each call lays its own options over the client's; their problems are
  // reported with the call's others, as a standalone call's are.
  const on = <I, R>(
    run: (config: ResolvedConfig, input: I, issues: Issue[]) => R,
  ) =>
  (input: I, call?: CallOptions): R => {
    const problems: Issue[] = [];
    return run(overlayConfig(base, call, problems), input, problems);
  };
  return {
    createExport: on(postExport),
    getExport: on(fetchExport),
    waitForExport: on(pollExport),
    downloadExport: on(openDownload),
    exportRows: on((config, source: RowsSource, problems) =>
      readSource(config, source, parseCsvRows, problems)
    ),
    exportEvents: on((config, source: RowsSource, problems) =>
      readSource(config, source, parseCsvEvents, problems)
    ),
    archiveExports: on(runArchive),
  };
}
