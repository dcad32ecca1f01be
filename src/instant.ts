/**
 * ISO-8601 instants: a date, a time and a zone, on a real calendar day.
 *
 * @module
 */

// Groups: year, month, day, then the offset's sign, hours and minutes (none for `Z`).
const ISO_DATE_TIME =
  /^(\d{4})-(\d\d)-(\d\d)T\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|([+-])(\d\d):?(\d\d))$/i;

const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The `Date` of an ISO-8601 date-time with a zone, or `undefined` if it is
 * not one. The form of `toISOString`, which every export file is full of,
 * is checked more cheaply: with no offset, a day that was rolled over
 * (Feb 30) is the only way the parse can land elsewhere, and it changes the
 * day.
 */
export function parseInstantDate(value: string): Date | undefined {
  if (ISO_UTC_MS.test(value)) {
    const date = new Date(value);
    const day = (value.charCodeAt(8) - 48) * 10 + value.charCodeAt(9) - 48;
    return date.getUTCDate() === day ? date : undefined;
  }
  const ms = parseInstant(value);
  return ms === undefined ? undefined : new Date(ms);
}

/** Epoch ms of an ISO-8601 date-time with a zone, or `undefined` if it is not one. */
export function parseInstant(value: string): number | undefined {
  const m = ISO_DATE_TIME.exec(value);
  const ms = m ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March; a real calendar date survives
  // a round trip through the wall-clock time of the value's own zone.
  const offset = m![4] ? (m![4] === "-" ? -1 : 1) * (+m![5] * 60 + +m![6]) : 0;
  const local = new Date(ms + offset * 60_000);
  return local.getUTCFullYear() === +m![1] &&
      local.getUTCMonth() + 1 === +m![2] && local.getUTCDate() === +m![3]
    ? ms
    : undefined;
}

/**
 * Epoch ms of an event time as an export file may spell it, or `undefined`
 * if it is not an ISO-8601 date-time with a zone on a real calendar day.
 *
 * WorkOS does not document how `occurred_at` is written, so every spelling a
 * writer of ISO-8601 or RFC 3339 plausibly uses is read, where
 * {@link parseInstant}, which checks what a user typed, stays strict:
 *
 * - a date `YYYY-MM-DD`, years 0000–9999, that exists (no Feb 30; leap
 *   years per the Gregorian calendar, year 0000 included);
 * - `T`, `t` or one space, then `hh:mm` (00–23, 00–59) and optionally `:ss`
 *   with optionally a fraction of any number of digits after `.` or `,`;
 * - a zone: `Z`, `z`, `±hh`, `±hhmm` or `±hh:mm` (hours 00–23, minutes
 *   00–59; `-00:00` is UTC).
 *
 * A fraction finer than a millisecond is cut off, never rounded: rounding
 * would move `10:00:00.9999` to `10:00:01`, across the end of a half-open
 * window `[…, 10:00:01)` the event was written inside. Truncation is a floor
 * for instants before 1970 too, as `Date.parse` does.
 *
 * A second of `60`, UTC's spelling of a leap second (23:59:60 at the end of
 * June or December), is read as the last millisecond of its minute, in any
 * minute: epoch time has no place for it, refusing it would lose the event,
 * and the minute the writer put it in is the one it belongs to, so it stays
 * in that minute's window rather than spilling into the next day's.
 *
 * A time with no zone is refused: it cannot be placed on the time line.
 * Nothing else is trimmed or guessed; the scan is one pass over the
 * characters with no backtracking, so any input, however long, is answered
 * in time proportional to the part that looks like a date.
 *
 * On every string {@link parseInstant} accepts, the result is that of
 * `Date.parse`.
 *
 * @internal
 * @param value The text of an `occurred_at` cell.
 * @returns Epoch milliseconds, or `undefined`.
 */
export function parseEventTime(value: string): number | undefined {
  if (typeof value !== "string") return undefined;
  const length = value.length;
  // The shortest form is `2026-11-28T11:00Z`.
  if (length < 17) return undefined;
  const century = pair(value, 0);
  const yearOfCentury = pair(value, 2);
  const year = century * 100 + yearOfCentury;
  const month = pair(value, 5);
  const day = pair(value, 8);
  const hour = pair(value, 11);
  const minute = pair(value, 14);
  const separator = value.charCodeAt(10);
  if (
    !(century >= 0 && yearOfCentury >= 0 && month >= 1 && month <= 12 &&
      day >= 1 &&
      hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59) ||
    value.charCodeAt(4) !== HYPHEN || value.charCodeAt(7) !== HYPHEN ||
    value.charCodeAt(13) !== COLON ||
    (separator !== UPPER_T && separator !== LOWER_T && separator !== SPACE) ||
    day > daysInMonth(year, month)
  ) {
    return undefined;
  }
  let second = 0;
  let ms = 0;
  let at = 16;
  if (value.charCodeAt(at) === COLON) {
    second = pair(value, 17);
    if (!(second >= 0 && second <= 60)) return undefined;
    at = 19;
    const mark = value.charCodeAt(at);
    if (mark === DOT || mark === COMMA) {
      const first = ++at;
      // Only the first three digits count; the rest are checked and dropped.
      for (; at < length; at++) {
        const digit = value.charCodeAt(at) - ZERO;
        if (!(digit >= 0 && digit <= 9)) break;
        if (at - first < 3) ms = ms * 10 + digit;
      }
      const digits = at - first;
      if (digits === 0) return undefined;
      if (digits === 1) ms *= 100;
      else if (digits === 2) ms *= 10;
    }
    if (second === 60) {
      second = 59;
      ms = 999;
    }
  }
  const offset = zoneOffset(value, at, length);
  if (offset === undefined) return undefined;
  return (daysFromCivil(year, month, day) * 86_400 +
        hour * 3_600 + minute * 60 + second - offset * 60) * 1_000 + ms;
}

const ZERO = 48;
const HYPHEN = 45;
const COLON = 58;
const DOT = 46;
const COMMA = 44;
const PLUS = 43;
const SPACE = 32;
const UPPER_T = 84;
const LOWER_T = 116;
const UPPER_Z = 90;
const LOWER_Z = 122;

/**
 * The two ASCII digits at `at` as a number, or -1. Past the end of the
 * string `charCodeAt` gives NaN, which fails the comparisons too.
 */
function pair(value: string, at: number): number {
  const tens = value.charCodeAt(at) - ZERO;
  const ones = value.charCodeAt(at + 1) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9
    ? tens * 10 + ones
    : -1;
}

/**
 * The offset from UTC in minutes of the zone that makes up all of `value`
 * from `at` on, or `undefined` if that is not exactly one zone.
 */
function zoneOffset(
  value: string,
  at: number,
  length: number,
): number | undefined {
  const sign = value.charCodeAt(at);
  const rest = length - at;
  if (sign === UPPER_Z || sign === LOWER_Z) return rest === 1 ? 0 : undefined;
  if (sign !== PLUS && sign !== HYPHEN) return undefined;
  const hours = pair(value, at + 1);
  let minutes = 0;
  if (rest === 5) minutes = pair(value, at + 3);
  else if (rest === 6 && value.charCodeAt(at + 3) === COLON) {
    minutes = pair(value, at + 4);
  } else if (rest !== 3) return undefined;
  if (!(hours >= 0 && hours <= 23 && minutes >= 0 && minutes <= 59)) {
    return undefined;
  }
  const total = hours * 60 + minutes;
  return sign === PLUS ? total : -total;
}

/** Days in `month` (1–12) of the proleptic Gregorian `year`. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, by arithmetic alone:
 * `Date.UTC` would read years 0–99 as 1900–1999. Years are counted from
 * March, so that the leap day ends a year, and in 400-year eras, which
 * repeat exactly; 400 years are added first to keep every quotient
 * non-negative.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = year - (month <= 2 ? 1 : 0) + 400;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100) + dayOfYear;
  // 719,468 days from 0000-03-01 to 1970-01-01, plus the era added above.
  return (era - 1) * 146_097 + dayOfEra - 719_468;
}
