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
import { parseEventTime } from "./instant.ts";

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

/** Where one target's cells stand in a record; -1 for a missing column. */
interface TargetColumns {
  n: number;
  id: number;
  type: number;
  name: number;
  metadata: number;
}

/** Where each known cell stands in a record; -1 for a missing column. */
interface EventPlan {
  action: number;
  occurredAt: number;
  actorId: number;
  actorType: number;
  actorName: number;
  actorMetadata: number;
  location: number;
  userAgent: number;
  metadata: number;
  /** A single JSON `targets` column, the alternative to numbered ones. */
  targetsJson: number;
  targets: TargetColumns[];
  raw: number[];
}

const FIXED: Record<string, Exclude<keyof EventPlan, "targets" | "raw">> = {
  action: "action",
  occurred_at: "occurredAt",
  actor_id: "actorId",
  actor_type: "actorType",
  actor_name: "actorName",
  actor_metadata: "actorMetadata",
  context_location: "location",
  context_user_agent: "userAgent",
  metadata: "metadata",
  targets: "targetsJson",
};

const TARGET_COLUMN = /^target_(id|type|name|metadata)_(\d{1,9})$/;

function planEvents(header: string[], line: number): EventPlan {
  const plan: EventPlan = {
    action: -1,
    occurredAt: -1,
    actorId: -1,
    actorType: -1,
    actorName: -1,
    actorMetadata: -1,
    location: -1,
    userAgent: -1,
    metadata: -1,
    targetsJson: -1,
    targets: [],
    raw: [],
  };
  const targets = new Map<number, TargetColumns>();
  // Two columns that land on one field (`target_id_1` and `target_id_01`)
  // would leave only the last one's value: which one the writer meant
  // cannot be told, so the header is refused rather than a value dropped.
  const claim = (at: number, i: number): number => {
    if (at >= 0) {
      throw new CsvParseError({
        message: `Columns ${JSON.stringify(header[at])} and ${
          JSON.stringify(header[i])
        } name the same field`,
        line,
      });
    }
    return i;
  };
  header.forEach((name, i) => {
    const known = Object.hasOwn(FIXED, name) ? FIXED[name] : undefined;
    const target = TARGET_COLUMN.exec(name);
    if (known) plan[known] = claim(plan[known], i);
    else if (target) {
      const n = Number(target[2]);
      const field = target[1] as "id" | "type" | "name" | "metadata";
      let columns = targets.get(n);
      if (!columns) {
        columns = { n, id: -1, type: -1, name: -1, metadata: -1 };
        targets.set(n, columns);
      }
      columns[field] = claim(columns[field], i);
    } else plan.raw.push(i);
  });
  for (
    const [column, name] of [[plan.action, "action"], [
      plan.occurredAt,
      "occurred_at",
    ]] as const
  ) {
    if (column < 0) {
      throw new CsvParseError({
        message: `The header has no ${name} column`,
        line,
      });
    }
  }
  plan.targets = [...targets.values()].sort((a, b) => a.n - b.n);
  return plan;
}

const cell = (fields: string[], i: number): string => i < 0 ? "" : fields[i];

/** The decimal number in `count` digits of `text` from `at`; NaN if one is not a digit. */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return NaN;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * A reader of `occurred_at` cells: the `Date` of each, or `undefined`.
 * Exports write the form of `toISOString` (`2026-08-03T02:07:05.120Z`),
 * whose fields are read here digit by digit, and events come in runs of one
 * day, whose start is worked out once per run (each file's reader keeps its
 * own): parsing each string whole took about a third of the time spent
 * building an event. Whatever this does not vouch for (another form, a day
 * that does not exist, a year before 1000) goes to the general reader of
 * event times, which takes every ISO-8601 spelling the API could send.
 */
function occurredAtReader(): (value: string) => Date | undefined {
  // The last day read, as its `yyyy-mm-ddT` prefix, and its first millisecond.
  let lastDay = "";
  let lastDayStart = 0;
  const dayStart = (value: string): number | undefined => {
    const year = digits(value, 0, 4);
    const month = digits(value, 5, 2);
    const date = digits(value, 8, 2);
    // Comparisons with NaN are false, so a non-digit fails here too.
    if (!(year >= 1000 && month >= 1 && month <= 12 && date >= 1)) {
      return undefined;
    }
    const start = Date.UTC(year, month - 1, date);
    // Date.UTC rolls a day past the month's end over into the next one.
    return new Date(start).getUTCDate() === date ? start : undefined;
  };
  return (value) => {
    if (
      value.length === 24 && value[4] === "-" && value[7] === "-" &&
      value[10] === "T" && value[13] === ":" && value[16] === ":" &&
      value[19] === "." && value[23] === "Z"
    ) {
      // Within a run of one day only the time is read; the day was checked.
      if (!value.startsWith(lastDay) || lastDay === "") {
        const start = dayStart(value);
        if (start === undefined) return eventDate(value);
        lastDay = value.slice(0, 11);
        lastDayStart = start;
      }
      const hour = digits(value, 11, 2);
      const minute = digits(value, 14, 2);
      const second = digits(value, 17, 2);
      const ms = digits(value, 20, 3);
      if (hour <= 23 && minute <= 59 && second <= 59 && ms >= 0) {
        return new Date(
          lastDayStart + ((hour * 60 + minute) * 60 + second) * 1000 + ms,
        );
      }
    }
    return eventDate(value);
  };
}

/** The `Date` of an event time in any ISO-8601 spelling with a zone. */
function eventDate(value: string): Date | undefined {
  const ms = parseEventTime(value);
  return ms === undefined ? undefined : new Date(ms);
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

function jsonCell(
  fields: string[],
  i: number,
  header: string[],
  line: number,
  want: "object" | "array",
): unknown {
  const text = cell(fields, i);
  if (text === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const ok = want === "array"
    ? Array.isArray(value)
    : typeof value === "object" && value !== null && !Array.isArray(value);
  if (!ok) {
    throw new CsvParseError({
      message: `Column ${JSON.stringify(header[i])} is not a JSON ${want}`,
      line,
    });
  }
  return value;
}

/**
 * JSON object cells with a memory: audit metadata repeats (one actor's
 * metadata on every event of theirs), and a copy of an object already
 * parsed costs a fraction of parsing it again. Only flat objects are kept,
 * so a copy shares nothing with the events before it. A column whose
 * cells rarely repeat stops being remembered, so it costs no more than
 * parsing alone.
 *
 * A cell is looked up by its written form where the reader has one (see
 * {@link CsvRecordText.written}): one slice of the text, it is hashed as it
 * is, where the unescaped value, pieced together around each doubled
 * quote, would first be copied whole. Cells without one are looked up by
 * value, in a map of their own: a value may read like another cell's
 * written form.
 */
function objectCells(
  header: string[],
): (
  fields: string[],
  i: number,
  line: number,
  record: CsvRecordText,
) => unknown {
  const byWritten = new Map<string, Record<string, unknown>>();
  const byValue = new Map<string, Record<string, unknown>>();
  let remember = true;
  let lookups = 0;
  let hits = 0;
  return (fields, i, line, record) => {
    if (!remember) return jsonCell(fields, i, header, line, "object");
    const text = cell(fields, i);
    if (text === "") return undefined;
    const written = record.written(i);
    const seen = written === undefined ? byValue : byWritten;
    const known = seen.get(written ?? text);
    if (++lookups === 1_024) {
      remember = hits >= 256;
      lookups = hits = 0;
      // A bound keeps a file of ever-new metadata from growing the memory.
      if (!remember || byWritten.size + byValue.size > 1_024) {
        byWritten.clear();
        byValue.clear();
      }
    }
    if (known) {
      hits++;
      return { ...known };
    }
    const value = jsonCell(fields, i, header, line, "object") as Record<
      string,
      unknown
    >;
    if (
      remember &&
      Object.values(value).every((v) => typeof v !== "object" || v === null)
    ) {
      // The written form is kept as a copy: a slice would keep all the text
      // it was cut from alive.
      seen.set(written === undefined ? text : ` ${written}`.slice(1), {
        ...value,
      });
    }
    return value;
  };
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

function jsonTargets(
  value: unknown[],
  header: string[],
  i: number,
  line: number,
): AuditLogEntity[] {
  return value.map((t) => {
    const target = t as Record<string, unknown>;
    if (
      typeof t !== "object" || t === null || typeof target.id !== "string" ||
      typeof target.type !== "string" ||
      (target.name !== undefined && typeof target.name !== "string") ||
      (target.metadata !== undefined &&
        (typeof target.metadata !== "object" || target.metadata === null))
    ) {
      throw new CsvParseError({
        message: `Column ${
          JSON.stringify(header[i])
        } holds a target that is not {id, type, name?, metadata?}`,
        line,
      });
    }
    return entity(target.id, target.type, target.name ?? "", target.metadata);
  });
}

function eventBuilder(
  header: string[],
  headerLine: number,
): (fields: string[], line: number, record: CsvRecordText) => AuditLogEvent {
  const plan = planEvents(header, headerLine);
  const objectCell = objectCells(header);
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
      const list = jsonCell(fields, plan.targetsJson, header, line, "array");
      if (list) {
        targets.push(
          ...jsonTargets(list as unknown[], header, plan.targetsJson, line),
        );
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
      occurredAt: time,
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
