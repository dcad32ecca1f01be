/**
 * Typed events: the rows of an export read back as the event objects that
 * were written through `POST /audit_logs/events`.
 *
 * The reader is driven by the header row, never by column positions: the
 * layout of real exports is not documented, so the known names of
 * {@link AuditLogEvent} are looked up wherever they stand, targets are
 * gathered from `target_*_N` columns in the order of N (whatever N starts
 * at) or from one JSON `targets` column, and every other column is kept in
 * `raw`.
 *
 * @module
 */

import { type CsvRecordText, parseCsvTable } from "./csv.ts";
import { CsvParseError } from "./errors.ts";
import {
  cell,
  listedTargets,
  objectCells,
  occurredAtReader,
  planEvents,
} from "./event_cells.ts";

/**
 * A metadata value as the API stores it.
 *
 * @example
 * ```ts
 * import type { AuditLogMetadata } from "@audit-log/export";
 * const metadata: AuditLogMetadata = { plan: "pro", seats: 12, mfa: true };
 * ```
 */
export type AuditLogMetadata = Record<string, string | number | boolean>;

/**
 * The actor or a target of an event.
 *
 * @example
 * ```ts
 * import type { AuditLogEntity } from "@audit-log/export";
 * const actor: AuditLogEntity = { id: "user_01GBNJC3MX9ZZJW1FSTF4C5938", type: "user", name: "Ada" };
 * ```
 */
export interface AuditLogEntity {
  /** The entity's id. */
  id: string;
  /** The entity's type, e.g. `"user"` or `"team"`. */
  type: string;
  /** Display name; absent when the export's cell is empty. */
  name?: string;
  /** Metadata; absent when the export's cell is empty. */
  metadata?: AuditLogMetadata;
}

/**
 * One event of an export, in the shape of the official Node SDK's event
 * input (`CreateAuditLogEventOptions`), so an event written through
 * `POST /audit_logs/events` reads back equal. Columns the reader does not
 * know are kept, as text, in `raw`.
 *
 * @example
 * ```ts
 * import { type AuditLogEvent, exportEvents } from "@audit-log/export";
 * for await (const event of exportEvents("audit_log_export_01GBZK5MP7TD1YCFQHFR22180V")) {
 *   const e: AuditLogEvent = event;
 *   console.log(e.occurredAt.toISOString(), e.action, e.actor.id, e.targets.length);
 * }
 * ```
 */
export interface AuditLogEvent {
  /** What happened, e.g. `"user.signed_in"`. */
  action: string;
  /** When it happened. */
  occurredAt: Date;
  /** Who did it. */
  actor: AuditLogEntity;
  /** What it was done to, in the order of the file's target columns. */
  targets: AuditLogEntity[];
  /** Where it was done from; a field is absent when its column is missing or empty. */
  context: { location?: string; userAgent?: string };
  /** Event metadata; absent when the export's cell is empty. */
  metadata?: AuditLogMetadata;
  /** Every column the reader does not know, by header name. */
  raw: Record<string, string>;
}

/**
 * The error for a row whose `occurred_at` cannot be placed in time: every
 * reader of export rows says it the same way.
 *
 * @internal
 */
export function unplacedRow(value: string, line: number): CsvParseError {
  return new CsvParseError({
    message: `occurred_at ${
      JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)
    } is not an ISO-8601 date-time with a time zone`,
    line,
  });
}

/** An entity with its optional members present only when they have a value. */
function entity(
  id: string,
  type: string,
  name: string,
  metadata: unknown,
): AuditLogEntity {
  const out: AuditLogEntity = { id, type };
  if (name !== "") out.name = name;
  if (metadata !== undefined) out.metadata = metadata as AuditLogMetadata;
  return out;
}

function eventBuilder(
  header: string[],
  headerLine: number,
): (fields: string[], line: number, record: CsvRecordText) => AuditLogEvent {
  const plan = planEvents(header, headerLine);
  const objectCell = objectCells(header, true);
  const occurredAt = occurredAtReader();
  // Only a `__proto__` column needs the define-based path (see parseCsvRows).
  const rawEntries = header.includes("__proto__");
  return (fields, line, record) => {
    const action = fields[plan.action];
    if (action === "") {
      throw new CsvParseError({ message: "The row has no action", line });
    }
    const when = fields[plan.occurredAt];
    const time = occurredAt(when);
    if (time === undefined) throw unplacedRow(when, line);
    const targets: AuditLogEntity[] = [];
    for (const t of plan.targets) {
      const id = cell(fields, t.id);
      const type = cell(fields, t.type);
      const name = cell(fields, t.name);
      const metadata = objectCell(fields, t.metadata, line, record);
      // Events narrower than the file leave their extra target cells empty.
      if (id === "" && type === "" && name === "" && metadata === undefined) {
        continue;
      }
      targets.push(entity(id, type, name, metadata));
    }
    if (plan.targetsJson >= 0) {
      const listed = listedTargets(fields, plan.targetsJson, header, line);
      if (listed) {
        for (const t of listed) {
          targets.push(entity(t.id, t.type, t.name ?? "", t.metadata));
        }
      }
    }
    const context: AuditLogEvent["context"] = {};
    const location = cell(fields, plan.location);
    const userAgent = cell(fields, plan.userAgent);
    if (location !== "") context.location = location;
    if (userAgent !== "") context.userAgent = userAgent;
    const raw: Record<string, string> = {};
    if (rawEntries) {
      for (const i of plan.raw) {
        Object.defineProperty(raw, header[i], {
          value: fields[i],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    } else for (const i of plan.raw) raw[header[i]] = fields[i];
    const event: AuditLogEvent = {
      action,
      occurredAt: new Date(time),
      actor: entity(
        cell(fields, plan.actorId),
        cell(fields, plan.actorType),
        cell(fields, plan.actorName),
        objectCell(fields, plan.actorMetadata, line, record),
      ),
      targets,
      context,
      raw,
    };
    const metadata = objectCell(fields, plan.metadata, line, record);
    if (metadata !== undefined) event.metadata = metadata as AuditLogMetadata;
    return event;
  };
}

/**
 * Parses export CSV bytes into {@link AuditLogEvent}s, one record at a time.
 *
 * @internal
 * @param stream UTF-8 CSV bytes in the layout of a WorkOS export.
 * @returns The events, in file order.
 * @throws {CsvParseError} On a malformed file, a header without `action`
 * or `occurred_at` or with two columns for one field (`target_id_1` and
 * `target_id_01`), a row without an action or a parsable time, or a JSON
 * cell that does not parse; `line` names the record.
 */
export function parseCsvEvents(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<AuditLogEvent, void, undefined> {
  return parseCsvTable(stream, eventBuilder);
}
