/**
 * The CSV file of an export, in the layout that code reading real WorkOS
 * exports relies on (WorkOS does not document it):
 *
 * | column | value |
 * | --- | --- |
 * | `action` | e.g. `user.signed_in` |
 * | `occurred_at` | ISO-8601 time of the event |
 * | `actor_id`, `actor_type`, `actor_name` | the actor, one field each (`actor_name` empty when absent) |
 * | `actor_metadata` | JSON object text, empty when absent |
 * | `context_location`, `context_user_agent` | the context (`context_user_agent` empty when absent) |
 * | `metadata` | JSON object text, empty when absent |
 * | `target_id_N`, `target_type_N`, `target_name_N`, `target_metadata_N` | the N-th target (N from 1), as many as the widest event of the file needs; empty cells past an event's own targets |
 *
 * Values are written exactly as stored, quoted where RFC 4180 needs it, and
 * never escaped against spreadsheet formulas: an audit export is evidence.
 *
 * @module
 */

import { csvRecord } from "../csv_record.ts";
import type { EmulatorEntity, EmulatorEvent } from "./types.ts";

export { csvRecord };

/**
 * The columns every export file starts with, in order; the target columns
 * follow them (see {@link csvHeader}).
 *
 * @example
 * ```ts
 * import { CSV_COLUMNS } from "@audit-log/export/testing";
 * console.log(CSV_COLUMNS.join(",")); // "action,occurred_at,actor_id,actor_type,actor_name,…"
 * ```
 */
export const CSV_COLUMNS: readonly string[] = [
  "action",
  "occurred_at",
  "actor_id",
  "actor_type",
  "actor_name",
  "actor_metadata",
  "context_location",
  "context_user_agent",
  "metadata",
];

/**
 * The header row of an export file whose widest event has `targets`
 * targets: {@link CSV_COLUMNS}, then `target_id_N`, `target_type_N`,
 * `target_name_N` and `target_metadata_N` for N from 1 to `targets`.
 *
 * @example
 * ```ts
 * import { csvHeader } from "@audit-log/export/testing";
 * console.log(csvHeader(1).slice(-4)); // ["target_id_1", "target_type_1", "target_name_1", "target_metadata_1"]
 * ```
 */
export function csvHeader(targets: number): string[] {
  const header = [...CSV_COLUMNS];
  for (let n = 1; n <= targets; n++) {
    header.push(
      `target_id_${n}`,
      `target_type_${n}`,
      `target_name_${n}`,
      `target_metadata_${n}`,
    );
  }
  return header;
}

const json = (value: unknown): string =>
  value === undefined ? "" : JSON.stringify(value);

const NO_TARGET: EmulatorEntity = { id: "", type: "" };

/** The cells of one event, in {@link csvHeader}`(targets)` order. */
export function eventCells(event: EmulatorEvent, targets: number): string[] {
  const cells = [
    event.action,
    event.occurredAt,
    event.actor.id,
    event.actor.type,
    event.actor.name ?? "",
    json(event.actor.metadata),
    event.context.location,
    event.context.userAgent ?? "",
    json(event.metadata),
  ];
  for (let n = 0; n < targets; n++) {
    const target = event.targets[n] ?? NO_TARGET;
    cells.push(
      target.id,
      target.type,
      target.name ?? "",
      json(target.metadata),
    );
  }
  return cells;
}
