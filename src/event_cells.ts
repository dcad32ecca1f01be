/**
 * The cells of an export's rows, located and checked: where each known
 * column stands, the time of `occurred_at`, and the JSON cells. Both
 * readers of export CSV use them, typed events (`events.ts`) and the
 * summary read from cells (`summary.ts`), so that a file one refuses the
 * other refuses too, with the same error and line.
 *
 * @module
 */

import type { CsvRecordText } from "./csv.ts";
import { CsvParseError } from "./errors.ts";
import { parseEventTime } from "./instant.ts";

/**
 * Where one target's cells stand in a record; -1 for a missing column.
 *
 * @internal
 */
export interface TargetColumns {
  n: number;
  id: number;
  type: number;
  name: number;
  metadata: number;
}

/**
 * Where each known cell stands in a record; -1 for a missing column.
 *
 * @internal
 */
export interface EventPlan {
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
  /** In the order of N, the order of an event's targets. */
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

/**
 * Where the cells of an event stand, from the header row.
 *
 * @internal
 * @throws {CsvParseError} For a header without `action` or `occurred_at`,
 * or with two columns for one field.
 */
export function planEvents(header: string[], line: number): EventPlan {
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

/**
 * Cell `i` of a record; empty for a missing column (-1).
 *
 * @internal
 */
export const cell = (fields: string[], i: number): string =>
  i < 0 ? "" : fields[i];

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

const HYPHEN = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const LETTER_T = 0x54;
const LETTER_Z = 0x5a;

/**
 * A reader of `occurred_at` cells to epoch ms, or `undefined`. Exports
 * write the form of `toISOString` (`2026-08-03T02:07:05.120Z`), whose
 * fields are read here digit by digit, and events come in runs of one day,
 * whose start is worked out once per run (each file's reader keeps its
 * own): parsing each string whole took about a third of the time spent
 * building an event. Whatever this does not vouch for (another form, a day
 * that does not exist, a year before 1000) goes to `parseEventTime`, which
 * takes every ISO-8601 spelling the API could send, and whose answer is
 * final.
 *
 * @internal
 */
export function occurredAtReader(): (value: string) => number | undefined {
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
      value.length === 24 && value.charCodeAt(4) === HYPHEN &&
      value.charCodeAt(7) === HYPHEN && value.charCodeAt(10) === LETTER_T &&
      value.charCodeAt(13) === COLON && value.charCodeAt(16) === COLON &&
      value.charCodeAt(19) === DOT && value.charCodeAt(23) === LETTER_Z
    ) {
      // Within a run of one day only the time is read; the day was checked.
      if (lastDay === "" || !value.startsWith(lastDay)) {
        const start = dayStart(value);
        if (start === undefined) return parseEventTime(value);
        lastDay = value.slice(0, 11);
        lastDayStart = start;
      }
      const hour = digits(value, 11, 2);
      const minute = digits(value, 14, 2);
      const second = digits(value, 17, 2);
      const ms = digits(value, 20, 3);
      if (hour <= 23 && minute <= 59 && second <= 59 && ms >= 0) {
        return lastDayStart + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
      }
    }
    return parseEventTime(value);
  };
}

/** The JSON value of a non-empty cell, refused unless it is a `want`. */
function jsonCell(
  text: string,
  header: string[],
  i: number,
  line: number,
  want: "object" | "array",
): unknown {
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

/** Cells longer than this are parsed every time rather than remembered. */
const REMEMBERED_CELL_CHARS = 512;

/**
 * A reader of JSON object cells (metadata): the object of cell `i`, or
 * `undefined` for an empty cell or a missing column (-1).
 *
 * @internal
 */
export type ObjectCells = (
  fields: string[],
  i: number,
  line: number,
  record: CsvRecordText,
) => Record<string, unknown> | undefined;

/**
 * JSON object cells with a memory: audit metadata repeats (one actor's
 * metadata on every event of theirs), and a copy of an object already
 * parsed costs a fraction of parsing it again. A column whose cells
 * rarely repeat stops being remembered, so it costs no more than parsing
 * alone.
 *
 * With `copies`, every object handed out is the caller's own: only flat
 * objects are kept, and each hit is a copy, so it shares nothing with the
 * objects before it. Without, a remembered object itself is handed out
 * again, for a caller that only needs the cell checked.
 *
 * A cell is looked up by its written form where the reader has one (see
 * {@link CsvRecordText.written}): one slice of the text, it is hashed as it
 * is, where the unescaped value, pieced together around each doubled
 * quote, would first be copied whole. Cells without one are looked up by
 * value, in a map of their own: a value may read like another cell's
 * written form.
 *
 * @internal
 * @throws {CsvParseError} For a cell that is not a JSON object.
 */
export function objectCells(header: string[], copies: boolean): ObjectCells {
  const byWritten = new Map<string, Record<string, unknown>>();
  const byValue = new Map<string, Record<string, unknown>>();
  let remember = true;
  let lookups = 0;
  let hits = 0;
  return (fields, i, line, record) => {
    const text = cell(fields, i);
    if (text === "") return undefined;
    if (!remember) {
      return jsonCell(text, header, i, line, "object") as Record<
        string,
        unknown
      >;
    }
    const written = record.written(i);
    const seen = written === undefined ? byValue : byWritten;
    const key = written ?? text;
    const known = seen.get(key);
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
      return copies ? { ...known } : known;
    }
    const value = jsonCell(text, header, i, line, "object") as Record<
      string,
      unknown
    >;
    if (
      remember && key.length <= REMEMBERED_CELL_CHARS &&
      (!copies ||
        Object.values(value).every((v) => typeof v !== "object" || v === null))
    ) {
      // The key is kept as a copy: a slice would keep all the text it was
      // cut from alive.
      seen.set(` ${key}`.slice(1), copies ? { ...value } : value);
    }
    return value;
  };
}

/**
 * A target as a JSON `targets` cell lists it.
 *
 * @internal
 */
export interface ListedTarget {
  id: string;
  type: string;
  name?: string;
  metadata?: Record<string, unknown>;
}

/**
 * The targets of a JSON `targets` cell, `undefined` for an empty cell.
 *
 * @internal
 * @throws {CsvParseError} For a cell that is not a JSON array of
 * `{id, type, name?, metadata?}`.
 */
export function listedTargets(
  fields: string[],
  i: number,
  header: string[],
  line: number,
): ListedTarget[] | undefined {
  const text = cell(fields, i);
  if (text === "") return undefined;
  const value = jsonCell(text, header, i, line, "array") as unknown[];
  for (const t of value) {
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
  }
  return value as ListedTarget[];
}
