/**
 * Deterministic sample events, so a demo or a test needs no input.
 *
 * @module
 */

import type { EmulatorEvent } from "./types.ts";

/**
 * The organizations of the sample data.
 *
 * @example
 * ```ts
 * import { SAMPLE_ORGANIZATIONS, sampleEvents } from "@audit-log/export/testing";
 * const [organizationId] = SAMPLE_ORGANIZATIONS; // "org_01EHZNVPK3SFK441A1RGBFSHRT"
 * const events = sampleEvents({ organizations: [organizationId], perOrganization: 20 });
 * ```
 */
export const SAMPLE_ORGANIZATIONS: readonly string[] = [
  "org_01EHZNVPK3SFK441A1RGBFSHRT",
  "org_01GBZK5MP7TD1YCFQHFR22180V",
  "org_01HQ3X8D4R7N2V5B9K6M1T0YWE",
];

/**
 * Options of {@link sampleEvents}.
 *
 * @example
 * ```ts
 * import { createEmulator, sampleEvents, type SampleOptions } from "@audit-log/export/testing";
 * const options: SampleOptions = { seed: 42, perOrganization: 50, days: 30 };
 * const emulator = createEmulator({ events: sampleEvents(options) });
 * ```
 */
export interface SampleOptions {
  /** Seed of the generator; the same seed gives the same events. Default 1. */
  seed?: number;
  /** Events per organization. Default 400. */
  perOrganization?: number;
  /** Organizations to generate for. Default {@link SAMPLE_ORGANIZATIONS}. */
  organizations?: readonly string[];
  /** The instant the 90-day span ends at, epoch ms. Default now, rounded down to the hour. */
  now?: number;
  /** How many days back the events reach. Default 90. */
  days?: number;
}

const ACTIONS = [
  "user.signed_in",
  "user.signed_out",
  "user.invited",
  "document.created",
  "document.updated",
  "document.deleted",
  "team.member_added",
  "api_key.created",
] as const;

const PEOPLE = [
  ["Ada Lovelace", "ada@example.com"],
  ["Grace Hopper", "grace@example.com"],
  ["Linus Nováková", "linus@example.com"],
  ["Zoë O'Brien", "zoe@example.com"],
  ['Søren "Sam" Kierkegaard', "sam@example.com"],
  ["李小龍", "lee@example.com"],
] as const;

const AGENTS = [
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36",
  "curl/8.5.0",
] as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small, fast, seedable PRNG (mulberry32); quality is plenty for sample data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates realistic audit log events: sign-ins, document edits, invites,
 * across a few actors and targets, spread over the past 90 days. The same
 * options always give the same events.
 *
 * @example
 * ```ts
 * import { sampleEvents } from "@audit-log/export/testing";
 * const events = sampleEvents({ seed: 7, perOrganization: 10 });
 * console.log(events.length); // 30
 * ```
 */
export function sampleEvents(options: SampleOptions = {}): EmulatorEvent[] {
  const next = random(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T =>
    list[Math.floor(next() * list.length)];
  const end = options.now ?? Math.floor(Date.now() / HOUR) * HOUR;
  const span = (options.days ?? 90) * DAY;
  const perOrg = options.perOrganization ?? 400;
  const events: EmulatorEvent[] = [];
  for (
    const [o, organizationId] of (options.organizations ?? SAMPLE_ORGANIZATIONS)
      .entries()
  ) {
    for (let i = 0; i < perOrg; i++) {
      const [name, email] = pick(PEOPLE);
      const action = pick(ACTIONS);
      const resource = action.split(".")[0];
      const targetType = resource === "user" ? "user" : resource;
      const n = Math.floor(next() * 1e6);
      events.push({
        id: `event_${o}${String(i).padStart(6, "0")}${n.toString(36)}`,
        organizationId,
        action,
        // Spread evenly with jitter, never in the future nor at the window edge.
        occurredAt: new Date(
          end - span + ((i + next()) / perOrg) * (span - HOUR),
        )
          .toISOString(),
        actor: {
          id: `user_${email.split("@")[0]}_${o}`,
          type: "user",
          name,
          metadata: { email },
        },
        targets: [{
          id: `${targetType}_${(n % 97).toString(36)}`,
          type: targetType,
          name: targetType === "document"
            ? pick([
              "Q3 plan, draft",
              "Board deck",
              "=SUM(A1:A9)",
              "notes\nline 2",
            ])
            : undefined,
        }],
        context: {
          location: `203.0.113.${Math.floor(next() * 254) + 1}`,
          userAgent: pick(AGENTS),
        },
        metadata: {
          plan: pick(["free", "pro", "enterprise"]),
          seats: 1 + (n % 50),
          mfa: next() < 0.7,
        },
        version: 1,
      });
    }
  }
  return events;
}
