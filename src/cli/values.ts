/**
 * Flag values that need more than a string: durations, counts and the
 * relative times (`30d`) of `--from`/`--to`.
 *
 * @module
 */

import { UsageError } from "./args.ts";
import type { CommandSpec } from "./spec.ts";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** The library's (and `setTimeout`'s) largest delay. */
const MAX_DURATION_MS = 2_147_483_647;

/**
 * Milliseconds of a duration flag: `600000`, `500ms`, `90s`, `10m`, `1h`, `1d`.
 * Anything else, zero, or more than ~24.8 days is a {@link UsageError}.
 */
export function parseDuration(
  flag: string,
  text: string,
  command?: CommandSpec,
): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? "ms"]) : NaN;
  if (!(ms > 0 && ms <= MAX_DURATION_MS)) {
    throw new UsageError(
      `--${flag}: '${text}' is not a duration; use milliseconds or a number with ms, s, m, h or d (e.g. 90s, 10m)`,
      command,
    );
  }
  return ms;
}

/** A whole number in `[min, max]`, or a {@link UsageError} naming the flag. */
export function parseCount(
  flag: string,
  text: string,
  min: number,
  max: number,
  command?: CommandSpec,
): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError(
      `--${flag}: '${text}' is not a whole number from ${min} to ${max}`,
      command,
    );
  }
  return n;
}

/**
 * The instant a `--from`/`--to` value means: `now`, or an age such as `30d`
 * turned into an ISO string; anything else is passed through unchanged for
 * the library to validate (it reports every bad date at once).
 */
export function resolveTime(text: string, now: number): string {
  if (text.trim().toLowerCase() === "now") return new Date(now).toISOString();
  const m = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (!m) return text;
  const date = new Date(now - Number(m[1]) * UNIT_MS[m[2]]);
  // An age beyond the calendar's range stays as typed, for the library to reject.
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}
