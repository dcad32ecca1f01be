/**
 * The emulator's options: their rules, their defaults, and the settings
 * made of both. Adding an option is one field of `EmulatorOptions`, one
 * rule in {@link EMULATOR_RULES} and one default in
 * {@link EMULATOR_DEFAULTS}; the compiler asks for the last two.
 *
 * @module
 */

import { monthsBefore, RETENTION_MONTHS } from "../retention.ts";
import {
  at,
  checkOptions,
  describeIssues,
  isRecord,
  type Issue,
  type Rule,
  type Rules,
} from "../rules.ts";
import { randomId } from "./http.ts";
import type { RouteOptions } from "./routes.ts";
import { SAMPLE_ORGANIZATIONS, sampleEvents } from "./sample.ts";
import type { StoreOptions } from "./store.ts";
import type { EmulatorEvent, EmulatorOptions, RangeBounds } from "./types.ts";

const DAY = 86_400_000;

/**
 * The default of every option of {@link createEmulator} but `events`, whose
 * default is computed: the seeded sample ({@link sampleEvents}) of the
 * default organizations, up to 90 days back but within the retention
 * window of the emulator's clock.
 *
 * @example
 * ```ts
 * import { createEmulator, EMULATOR_DEFAULTS } from "@audit-log/export/testing";
 * // A slower API than the default one, and the same rate limit, written out.
 * const emulator = createEmulator({
 *   exportDelayMs: 5 * EMULATOR_DEFAULTS.exportDelayMs,
 *   rateLimit: EMULATOR_DEFAULTS.rateLimit,
 * });
 * console.log(emulator.apiKey === EMULATOR_DEFAULTS.apiKey); // true
 * ```
 */
export const EMULATOR_DEFAULTS: Readonly<
  Required<Omit<EmulatorOptions, "events" | "rateLimit">> & {
    rateLimit: { readonly limit: number; readonly windowMs: number };
  }
> = Object.freeze({
  apiKey: "sk_test_emulator",
  organizations: SAMPLE_ORGANIZATIONS,
  exportDelayMs: 1_000,
  // WorkOS does not say when an export expires: none does unless asked.
  exportExpiryMs: Infinity,
  rangeBounds: "[]",
  deduplicateExports: false,
  // Reads the global clock at each call, so a test that fakes it later is
  // followed.
  now: () => Date.now(),
  rateLimit: Object.freeze({ limit: 6_000, windowMs: 60_000 }),
  retentionMonths: RETENTION_MONTHS,
  maxBodyBytes: 1 << 20,
});

const RANGE_BOUNDS: readonly RangeBounds[] = ["[]", "[)", "(]", "()"];

const nonNegative: Rule = (v) =>
  typeof v === "number" && Number.isFinite(v) && v >= 0
    ? undefined
    : "must be a non-negative number";

/** A list whose items are checked one by one, each problem at its index. */
function listOf(
  item: string,
  test: (v: unknown) => boolean,
  list = `an array of ${item}s`,
): Rule {
  return (v, path, issues) => {
    if (!Array.isArray(v)) return `must be ${list}`;
    v.forEach((x, i) => {
      if (!test(x)) {
        issues.push({ path: at(path, i), message: `must be a ${item}` });
      }
    });
    return undefined;
  };
}

const RATE_LIMIT_RULES: Rules<{ limit: number; windowMs: number }> = {
  // NaN fails both comparisons too.
  limit: (v) =>
    typeof v === "number" && v >= 1 ? undefined : "must be a number >= 1",
  windowMs: (v) =>
    typeof v === "number" && v > 0 ? undefined : "must be a number > 0",
};

/** The rule of every option of {@link createEmulator}. */
export const EMULATOR_RULES: Rules<EmulatorOptions> = {
  apiKey: (v) =>
    typeof v === "string" && v !== ""
      ? undefined
      : "must be a non-empty string",
  organizations: listOf("string", (x) => typeof x === "string"),
  events: listOf("event", isRecord),
  exportDelayMs: nonNegative,
  exportExpiryMs: (v) =>
    typeof v === "number" && v >= 0
      ? undefined
      : "must be a non-negative number or Infinity",
  rangeBounds: (v) =>
    RANGE_BOUNDS.includes(v as RangeBounds)
      ? undefined
      : 'must be "[]", "[)", "(]" or "()"',
  deduplicateExports: (v) =>
    typeof v === "boolean" ? undefined : "must be a boolean",
  now: (v) => typeof v === "function" ? undefined : "must be a function",
  rateLimit: (v, path, issues) => {
    if (v === false) return undefined;
    if (!isRecord(v)) return "must be { limit, windowMs } or false";
    checkOptions(v, RATE_LIMIT_RULES, issues, path, path);
    for (const key of ["limit", "windowMs"]) {
      if (v[key] === undefined) {
        issues.push({ path: at(path, key), message: "is required" });
      }
    }
    return undefined;
  },
  retentionMonths: nonNegative,
  maxBodyBytes: nonNegative,
};

/** The error of options with problems: one `TypeError` listing them all. */
export function optionsError(issues: readonly Issue[]): TypeError {
  return new TypeError(`Invalid emulator options: ${describeIssues(issues)}`);
}

/** An emulator's settings: those of its routes, and what its store starts from. */
export interface Settings extends RouteOptions {
  /** The organization ids it knows. */
  organizations: string[];
  /** What its store is made from. */
  store: StoreOptions;
}

/** The default sample: up to 90 days back, but never before the retention window. */
function sampleSpan(
  organizations: readonly string[],
  at: number,
  retentionMonths: number,
): EmulatorEvent[] {
  const end = Math.floor(at / 3_600_000) * 3_600_000;
  const window = (end - monthsBefore(end, retentionMonths)) / DAY;
  return sampleEvents({
    organizations,
    now: end,
    days: Math.max(1 / 24, Math.min(90, window - 1 / 24)),
  });
}

/**
 * The settings of `options`; throws one `TypeError` listing every problem
 * (a value out of range, an option that does not exist).
 */
export function resolveOptions(options: EmulatorOptions): Settings {
  const issues: Issue[] = [];
  if (!checkOptions(options, EMULATOR_RULES, issues, "emulator options")) {
    throw optionsError(issues);
  }
  const o = { ...EMULATOR_DEFAULTS, ...defined(options) };
  const organizations = [...o.organizations];
  return {
    apiKey: o.apiKey,
    now: o.now,
    maxBodyBytes: o.maxBodyBytes,
    rateLimit: o.rateLimit,
    deduplicateExports: o.deduplicateExports,
    organizations,
    store: {
      now: o.now,
      exportDelayMs: o.exportDelayMs,
      exportExpiryMs: o.exportExpiryMs,
      retentionMonths: o.retentionMonths,
      rangeBounds: o.rangeBounds,
      organizations,
      events: (options.events ??
        sampleSpan(organizations, o.now(), o.retentionMonths))
        .map((e) => ({ ...e, id: e.id ?? randomId("event") })),
    },
  };
}

/** The options given a value: an `undefined` one takes its default. */
function defined(options: EmulatorOptions): EmulatorOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([, v]) => v !== undefined),
  );
}
