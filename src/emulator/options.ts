/**
 * The emulator's options, checked and with every default filled in.
 *
 * @module
 */

import { monthsBefore, RETENTION_MONTHS } from "../retention.ts";
import { randomId } from "./http.ts";
import type { RouteOptions } from "./routes.ts";
import { SAMPLE_ORGANIZATIONS, sampleEvents } from "./sample.ts";
import type { StoreOptions } from "./store.ts";
import type { EmulatorEvent, EmulatorOptions } from "./types.ts";

const DAY = 86_400_000;

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

function checkOptions(options: EmulatorOptions): void {
  const positive = (name: string, v: unknown) => {
    if (
      v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    ) {
      throw new TypeError(`${name} must be a non-negative number`);
    }
  };
  positive("exportDelayMs", options.exportDelayMs);
  positive("retentionMonths", options.retentionMonths);
  positive("maxBodyBytes", options.maxBodyBytes);
  const expiry = options.exportExpiryMs;
  if (
    expiry !== undefined &&
    (typeof expiry !== "number" || Number.isNaN(expiry) || expiry < 0)
  ) {
    throw new TypeError(
      "exportExpiryMs must be a non-negative number or Infinity",
    );
  }
  if (
    options.rangeBounds !== undefined &&
    !["[]", "[)", "(]", "()"].includes(options.rangeBounds)
  ) {
    throw new TypeError('rangeBounds must be "[]", "[)", "(]" or "()"');
  }
  if (
    options.deduplicateExports !== undefined &&
    typeof options.deduplicateExports !== "boolean"
  ) {
    throw new TypeError("deduplicateExports must be a boolean");
  }
  if (
    options.apiKey !== undefined &&
    (typeof options.apiKey !== "string" || !options.apiKey)
  ) {
    throw new TypeError("apiKey must be a non-empty string");
  }
  const rl = options.rateLimit;
  if (rl !== undefined && rl !== false && !(rl.limit >= 1 && rl.windowMs > 0)) {
    throw new TypeError(
      "rateLimit needs limit >= 1 and windowMs > 0, or false",
    );
  }
}

/** The settings of `options`; throws a `TypeError` on an option out of range. */
export function resolveOptions(options: EmulatorOptions): Settings {
  checkOptions(options);
  const now = options.now ?? Date.now;
  const retentionMonths = options.retentionMonths ?? RETENTION_MONTHS;
  const organizations = [...(options.organizations ?? SAMPLE_ORGANIZATIONS)];
  return {
    apiKey: options.apiKey ?? "sk_test_emulator",
    now,
    maxBodyBytes: options.maxBodyBytes ?? 1 << 20,
    rateLimit: options.rateLimit ?? { limit: 6_000, windowMs: 60_000 },
    deduplicateExports: options.deduplicateExports ?? false,
    organizations,
    store: {
      now,
      exportDelayMs: options.exportDelayMs ?? 1_000,
      exportExpiryMs: options.exportExpiryMs ?? Infinity,
      retentionMonths,
      rangeBounds: options.rangeBounds ?? "[]",
      organizations,
      events: (options.events ??
        sampleSpan(organizations, now(), retentionMonths))
        .map((e) => ({ ...e, id: e.id ?? randomId("event") })),
    },
  };
}
