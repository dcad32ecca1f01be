/**
 * Shared by the tests of the client's modules: a served emulator with a
 * distinctive key and one event per sample organization, and a check that
 * no error a test sees holds that key.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Emulator, SAMPLE_ORGANIZATIONS } from "../testing.ts";
import { daysAgo, storedEvent, withServer } from "./helpers.ts";

export const KEY = "sk_test_SECRET_d41d8cd98f00b204e980";

export type Ctx = { url: string; emulator: Emulator };

/**
 * One event per organization that {@link seedCall} matches: the API refuses
 * an export of a period with no events, and most tests here are about
 * something else.
 */
export const seedEvents = SAMPLE_ORGANIZATIONS.map((org) =>
  storedEvent(org, { occurredAt: daysAgo(2) })
);

/** Runs `fn` against a served emulator with a distinctive key and fast defaults. */
export function withApi(
  fn: (
    ctx: Ctx & { config: { apiKey: string; baseUrl: string } },
  ) => Promise<void>,
  options: Parameters<typeof withServer>[0] = {},
): Promise<void> {
  return withServer(
    { apiKey: KEY, exportDelayMs: 0, events: seedEvents, ...options },
    (ctx) => fn({ ...ctx, config: { apiKey: KEY, baseUrl: ctx.url } }),
  );
}

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
      assert.equal(view.includes(KEY), false, "the API key leaked");
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
