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
