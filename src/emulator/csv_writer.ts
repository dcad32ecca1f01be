/**
 * The CSV file of an export. WorkOS does not document its layout, so these
 * columns are the emulator's own, flat, one value per cell:
 *
 * | column | value |
 * | --- | --- |
 * | `id` | event id |
 * | `occurred_at` | ISO-8601 time of the event |
 * | `action` | e.g. `user.signed_in` |
 * | `actor_id`, `actor_type`, `actor_name` | the actor, one field each (`actor_name` empty when absent) |
 * | `actor_metadata` | JSON object text, empty when absent |
 * | `targets` | JSON array text of `{id, type, name?, metadata?}` |
 * | `location`, `user_agent` | the context |
 * | `metadata` | JSON object text, empty when absent |
 * | `version` | schema version, empty when absent |
 *
 * Values are written exactly as stored, quoted where RFC 4180 needs it, and
 * never escaped against spreadsheet formulas: an audit export is evidence.
 *
 * @module
 */

import type { EmulatorEvent } from "./types.ts";

/**
 * The header row of every export file, in order.
 *
 * @example
 * ```ts
 * import { CSV_COLUMNS } from "@audit-log/export/testing";
 * console.log(CSV_COLUMNS.join(",")); // "id,occurred_at,action,actor_id,actor_type,actor_name,…"
 * ```
 */
export const CSV_COLUMNS: readonly string[] = [
  "id",
  "occurred_at",
  "action",
  "actor_id",
  "actor_type",
  "actor_name",
  "actor_metadata",
  "targets",
  "location",
  "user_agent",
  "metadata",
  "version",
];

const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 record, CRLF-terminated. */
export function csvRecord(values: readonly string[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) line += ",";
    line += NEEDS_QUOTES.test(value)
      ? `"${value.replaceAll('"', '""')}"`
      : value;
  }
  return line + "\r\n";
}

const json = (value: unknown): string =>
  value === undefined ? "" : JSON.stringify(value);

/** The cells of one event, in {@link CSV_COLUMNS} order. */
export function eventCells(event: EmulatorEvent): string[] {
  return [
    event.id ?? "",
    event.occurredAt,
    event.action,
    event.actor.id,
    event.actor.type,
    event.actor.name ?? "",
    json(event.actor.metadata),
    json(event.targets),
    event.context.location,
    event.context.userAgent ?? "",
    json(event.metadata),
    event.version === undefined ? "" : String(event.version),
  ];
}
