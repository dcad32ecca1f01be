/**
 * Flag values that need more than a string: durations, counts, choices,
 * the times of `--from`/`--to`, and comma-separated filter lists.
 *
 * @module
 */

import { parseInstant } from "../instant.ts";
import type { CommandSpec, FlagName } from "./spec.ts";
import { UsageError } from "./errors.ts";

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

/** Longest part of a typed value repeated in a message. */
const SHOWN_MAX = 60;

// Control characters, C1 controls (U+009B starts an escape sequence on some
// terminals) and bidirectional overrides could rewrite the user's terminal.
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text with the characters a terminal would act on written as `\uXXXX`. */
export function printable(text: string): string {
  return text.replace(
    UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A typed value as it is repeated in a message: in quotes, clipped, with
 * characters that a terminal would act on written as `\uXXXX`.
 */
export function shown(text: string): string {
  const chars = Array.from(text);
  const clipped = chars.length > SHOWN_MAX
    ? `${chars.slice(0, SHOWN_MAX).join("")}… (${chars.length} characters)`
    : text;
  return `'${printable(clipped)}'`;
}

/** What a duration flag accepts beyond the default (more than 0, at most ~24.8 days). */
export interface DurationRange {
  /** Whether `0` is allowed. */
  zero?: boolean;
  /** The largest value, in ms. */
  max?: number;
}

/**
 * Milliseconds of a duration flag: `600000`, `500ms`, `90s`, `10m`, `1h`,
 * `1d`, `2w`. Anything else, or a value out of `range` (by default more
 * than 0 and at most ~24.8 days, `setTimeout`'s limit), is a
 * {@link UsageError}.
 */
export function parseDuration(
  flag: FlagName,
  text: string,
  command?: CommandSpec,
  range: DurationRange = {},
): number {
  const max = range.max ?? MAX_DURATION_MS;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? "ms"]) : NaN;
  if (!(ms >= 0 && ms <= max && (ms > 0 || range.zero))) {
    throw new UsageError({
      message: `--${flag}: ${shown(text)} is not a duration ${
        range.zero ? "from 0" : "above 0"
      } up to ${
        max % UNIT_MS.d === 0 ? `${max / UNIT_MS.d}d` : `${max} ms`
      }; use milliseconds or a number with ms, s, m, h, d or w (e.g. 90s, 10m, 1d)`,
      command,
    });
  }
  return ms;
}

/** A whole number in `[min, max]`, or a {@link UsageError} naming the flag. */
export function parseCount(
  flag: FlagName,
  text: string,
  min: number,
  max: number,
  command?: CommandSpec,
): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) {
    throw new UsageError({
      message: `--${flag}: ${
        shown(text)
      } is not a whole number from ${min} to ${max}`,
      command,
    });
  }
  return n;
}

/** One of a fixed set of words, or a {@link UsageError} listing them. */
export function parseChoice<T extends string>(
  flag: FlagName,
  text: string,
  choices: readonly T[],
  command?: CommandSpec,
): T {
  const choice = choices.find((c) => c === text);
  if (choice === undefined) {
    throw new UsageError({
      message: `--${flag}: ${shown(text)} is not one of ${choices.join(", ")}`,
      command,
    });
  }
  return choice;
}

const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;
const AGE = /^(\d+)(s|m|h|d|w)$/;

/** Whether `text` is an age such as `30d` rather than an instant. */
export const isAge = (text: string): boolean => AGE.test(text.trim());

/**
 * The instant a `--from`/`--to` value means, as an ISO string: an ISO-8601
 * date-time with a zone, a plain date (UTC midnight), `now`, or an age such
 * as `30d`. Anything else is a {@link UsageError} that lists these forms.
 */
export function resolveTime(
  flag: FlagName,
  text: string,
  now: number,
  command?: CommandSpec,
): string {
  const value = text.trim();
  let ms: number | undefined;
  if (value.toLowerCase() === "now") ms = now;
  else if (PLAIN_DATE.test(value)) ms = parseInstant(`${value}T00:00:00Z`);
  else if (AGE.test(value)) {
    const [, count, unit] = AGE.exec(value)!;
    ms = now - Number(count) * UNIT_MS[unit];
  } else ms = parseInstant(value);
  // An age or a year beyond the calendar's range is no time either.
  if (ms === undefined || Number.isNaN(new Date(ms).getTime())) {
    throw new UsageError({
      message: `--${flag}: ${shown(text)} is not a time; use an ISO-8601 ` +
        "date-time with a zone (2026-11-01T09:30:00Z, " +
        "2026-11-01T09:30:00+02:00), a plain date (2026-11-01, midnight " +
        "UTC), 'now', or an age: a number and s, m, h, d or w (30d, 12h)",
      command,
    });
  }
  return new Date(ms).toISOString();
}

/**
 * The values of a list flag, with every value that holds commas split into
 * several (`--action a,b` is `--action a --action b`), each trimmed. An
 * empty value, or an empty piece between commas, is a {@link UsageError}:
 * dropping it silently would hide a typo.
 */
export function splitValues(
  flag: FlagName,
  values: readonly string[],
  command?: CommandSpec,
): string[] {
  const out: string[] = [];
  for (const value of values) {
    const pieces = value.split(",").map((p) => p.trim());
    if (pieces.some((p) => p === "")) {
      throw new UsageError({
        message: `--${flag}: ${
          shown(value)
        } has an empty value; separate values with single commas (a,b)`,
        command,
      });
    }
    out.push(...pieces);
  }
  return out;
}
