/**
 * The shapes the API returns, in the camelCase of the official Node SDK.
 *
 * @module
 */

/**
 * The state of an export. `"pending"` until the file is built, then `"ready"`;
 * `"error"` and `"expired"` are final. Any other string is a state the API
 * added later and is passed through unchanged.
 *
 * @example
 * ```ts
 * import { type ExportState, getExport } from "@audit-log/export";
 * const isFailed = (state: ExportState) => state === "error" || state === "expired";
 * const auditLogExport = await getExport("audit_log_export_01GBZK5MP7TD1YCFQHFR22180V");
 * if (isFailed(auditLogExport.state)) console.error(`export ended in ${auditLogExport.state}`);
 * ```
 */
export type ExportState =
  | "pending"
  | "ready"
  | "error"
  | "expired"
  | (string & Record<never, never>);

/**
 * An audit log export, as returned by `createExport` and `getExport`
 * (compatible with `@workos-inc/node`'s `AuditLogExport`).
 *
 * @example
 * ```ts
 * import { type AuditLogExport, createExport } from "@audit-log/export";
 * const created: AuditLogExport = await createExport({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: "2026-10-01T00:00:00Z",
 *   rangeEnd: "2026-11-01T00:00:00Z",
 * });
 * console.log(created.id, created.state, created.url ?? "no URL until ready");
 * ```
 */
export interface AuditLogExport {
  /** Always `"audit_log_export"`. */
  object: "audit_log_export";
  /** The export's id, e.g. `"audit_log_export_01GBZK5MP7TD1YCFQHFR22180V"`. */
  id: string;
  /** Where the export is in its life. */
  state: ExportState;
  /** Presigned CSV download URL, valid for 10 minutes; present only when `ready`. */
  url?: string;
  /** ISO-8601 creation time. */
  createdAt: string;
  /** ISO-8601 time of the last state change. */
  updatedAt: string;
}
