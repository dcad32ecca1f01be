/**
 * `read --format csv`: events as CSV with one fixed header, so the file can
 * be written as the events stream, before it is known how many targets the
 * busiest event has. The columns are the export's own names, except that
 * the targets are one `targets` column holding a JSON array instead of
 * numbered `target_*_N` columns; the package's CSV reader (`exportRows`,
 * `exportEvents`) reads both layouts, so the file reads back to the same
 * events. Columns the source had that the reader does not know (its
 * `raw`) are left out: `--format ndjson` keeps them.
 *
 * @module
 */

import type { AuditLogEvent } from "../../mod.ts";

/** The header of `read --format csv`, in order. */
export const READ_CSV_COLUMNS = [
  "action",
  "occurred_at",
  "actor_id",
  "actor_type",
  "actor_name",
  "actor_metadata",
  "targets",
  "context_location",
  "context_user_agent",
  "metadata",
] as const;

/** The header line, LF-terminated. */
export const READ_CSV_HEADER = `${READ_CSV_COLUMNS.join(",")}\n`;

/** A cell as RFC 4180 writes it: quoted when it holds a quote, comma or line break. */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const json = (value: unknown) =>
  value === undefined ? "" : JSON.stringify(value);

/** One event as a line of {@link READ_CSV_COLUMNS}, LF-terminated. */
export function csvLine(event: AuditLogEvent): string {
  const { actor, context } = event;
  return `${
    [
      event.action,
      event.occurredAt.toISOString(),
      actor.id,
      actor.type,
      actor.name ?? "",
      json(actor.metadata),
      JSON.stringify(event.targets),
      context.location ?? "",
      context.userAgent ?? "",
      json(event.metadata),
    ].map(cell).join(",")
  }\n`;
}
