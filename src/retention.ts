/**
 * How far back WorkOS can export: the events of the past three calendar
 * months. The emulator enforces it, the CLI checks it before sending, and
 * both count it the same way.
 *
 * @module
 */

/** How many calendar months back WorkOS can export. */
export const RETENTION_MONTHS = 3;

/**
 * The instant `months` calendar months before `t`, the day clamped to the
 * target month's length (May 31 minus three months is February 28 or 29).
 */
export function monthsBefore(t: number, months: number): number {
  const d = new Date(t);
  const target = new Date(t);
  target.setUTCDate(1);
  target.setUTCMonth(d.getUTCMonth() - months);
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}
