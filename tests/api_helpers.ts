/**
 * Shared by the tests of the client's modules: the options of an emulator
 * with one event per sample organization, and a check that no error a test
 * sees holds the test key.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SAMPLE_ORGANIZATIONS, type ServeOptions } from "../testing.ts";
import { daysAgo, storedEvent, TEST_KEY } from "./helpers.ts";

/**
 * One event per organization that {@link seedCall} matches: the API refuses
 * an export of a period with no events, and most tests here are about
 * something else.
 */
export const seedEvents = SAMPLE_ORGANIZATIONS.map((org) =>
  storedEvent(org, { occurredAt: daysAgo(2) })
);

/**
 * What `withEmulator` serves for these tests unless one says more:
 * {@link seedEvents}, and exports ready at once.
 */
export const SEEDED: ServeOptions = { exportDelayMs: 0, events: seedEvents };

/** Every error a test sees goes through here, to prove the key never leaks. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    const views = [
      String(error),
      error.message,
      error.stack ?? "",
      Deno.inspect(error, { depth: 10 }),
      JSON.stringify(error),
      String((error as { cause?: unknown }).cause ?? ""),
    ];
    for (const view of views) {
      assert.equal(view.includes(TEST_KEY), false, "the API key leaked");
    }
    return error;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

export const seedCall = (org: string) => ({
  organizationId: org,
  rangeStart: new Date(Date.now() - 30 * 86_400_000),
  rangeEnd: new Date(Date.now() - 86_400_000),
  actions: ["user.signed_in"],
  actor_ids: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
  targets: ["team"],
});
