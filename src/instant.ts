/**
 * ISO-8601 instants: a date, a time and a zone, on a real calendar day.
 *
 * @module
 */

const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

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
  if (ISO_UTC_MS.test(value)) return parseInstantDate(value)?.getTime();
  if (!ISO_DATE_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2026-02-30 over to March; a real calendar date survives a round trip.
  const [y, m, d] = value.slice(0, 10).split("-").map(Number);
  const offset = /(Z|([+-])(\d{2}):?(\d{2}))$/i.exec(value)!;
  const offsetMs = offset[1].toUpperCase() === "Z"
    ? 0
    : (offset[2] === "-" ? -1 : 1) *
      (Number(offset[3]) * 60 + Number(offset[4])) * 60_000;
  const local = new Date(ms + offsetMs);
  if (
    local.getUTCFullYear() !== y || local.getUTCMonth() + 1 !== m ||
    local.getUTCDate() !== d
  ) {
    return undefined;
  }
  return ms;
}
