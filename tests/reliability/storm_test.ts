import assert from "node:assert/strict";
import { createExport, RateLimitError } from "../../mod.ts";
import { type Emulator, SAMPLE_ORGANIZATIONS } from "../../testing.ts";
import { DAY, storedEvent, withEmulator } from "../helpers.ts";

/** One event in the range of {@link options}: an empty period is refused. */
const events = [storedEvent(SAMPLE_ORGANIZATIONS[0])];
const options = (emulator: Emulator) => ({
  organizationId: emulator.organizations[0],
  rangeStart: new Date(Date.now() - 7 * DAY),
  rangeEnd: new Date(),
});

/** Gaps between the attempts of each logical POST, grouped by its idempotency key. */
function retryGaps(emulator: Emulator): number[] {
  const byKey = new Map<string, number[]>();
  for (const r of emulator.requests) {
    const key = r.headers["idempotency-key"];
    if (key) byKey.set(key, [...byKey.get(key) ?? [], r.time]);
  }
  return [...byKey.values()].flatMap((times) =>
    times.slice(1).map((t, i) => t - times[i])
  );
}

Deno.test("200 concurrent createExport calls while 30% of attempts fail: all resolve, each to its own export, and only a lost answer leaves one more", async () => {
  await withEmulator(
    { events, exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const kinds = [{ drop: true }, { status: 503 }, { truncate: true }];
      // The first 90 attempts to arrive each get one fault: 90 of ~290 attempts.
      for (let i = 0; i < 90; i++) {
        emulator.inject({ method: "POST", ...kinds[i % 3] });
      }
      const config = {
        apiKey: emulator.apiKey,
        baseUrl: url,
        maxRetries: 5,
      };
      const results = await Promise.all(
        Array.from(
          { length: 200 },
          () => createExport(options(emulator), config),
        ),
      );
      const attempts = emulator.requests.length;
      assert.equal(results.length, 200);
      assert.equal(
        new Set(results.map((e) => e.id)).size,
        200,
        "every call got its own export",
      );
      const stored = new Set(emulator.listExports().map((e) => e.id));
      assert.ok(results.every((e) => stored.has(e.id)), "nothing lost");
      // The API does not deduplicate a create: each of the 30 answers cut
      // after the export was made leaves one more export, and nothing else does.
      assert.equal(stored.size, 230, "one extra export per lost answer");
      assert.ok(attempts >= 290, `${attempts} attempts`);
      console.log(
        `storm: 200 calls, ${attempts} attempts, 90 faults (${
          Math.round(9000 / attempts)
        }%), 200 exports returned, ${stored.size} made`,
      );
    },
  );
});

Deno.test("2,000 calls against a tight rate limit finish by honouring Retry-After, and memory returns to baseline", async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  assert.ok(gc, "run with --v8-flags=--expose-gc");
  const heap = () => {
    gc();
    return Deno.memoryUsage().heapUsed;
  };
  const storm = async (calls: number, limit: number) => {
    return await withEmulator({
      events,
      exportDelayMs: 0,
      rateLimit: { limit, windowMs: 1_000 },
    }, async ({ url, emulator }) => {
      const config = {
        apiKey: emulator.apiKey,
        baseUrl: url,
        maxRetries: 20,
      };
      const settled = await Promise.allSettled(
        Array.from(
          { length: calls },
          () => createExport(options(emulator), config),
        ),
      );
      const rejected = settled.filter((s) => s.status === "rejected");
      assert.deepEqual(rejected, [], "every call finished");
      assert.equal(emulator.listExports().length, calls);
      const limited = emulator.requests.length - calls;
      assert.ok(limited > 0, "the limit was hit");
      const longest = Math.max(...retryGaps(emulator));
      assert.ok(
        longest < 10_000,
        `longest sleep ${longest} ms: Retry-After is at most 1 s, far below the 60 s cap`,
      );
      return `${calls} calls, ${emulator.requests.length} requests, ${limited} answered 429`;
    });
  };
  // A first, smaller storm warms up compiled code and pools: the baseline is taken after it.
  await storm(600, 300);
  const baseline = heap();
  const summary = await storm(2_000, 500);
  const after = heap();
  console.log(
    `rate-limit storm: ${summary}; heap ${
      (baseline / 1e6).toFixed(1)
    } MB before, ${(after / 1e6).toFixed(1)} MB after`,
  );
  assert.ok(after - baseline < 6e6, `heap grew by ${after - baseline} bytes`);
});

Deno.test("a Retry-After beyond the cap is never slept, even in a storm", async () => {
  await withEmulator(
    { events, exportDelayMs: 0 },
    async ({ url, emulator }) => {
      emulator.inject({
        method: "POST",
        status: 429,
        headers: { "retry-after": "3600" },
        times: 50,
      });
      const started = Date.now();
      const settled = await Promise.allSettled(
        Array.from(
          { length: 50 },
          () =>
            createExport(options(emulator), {
              apiKey: emulator.apiKey,
              baseUrl: url,
            }),
        ),
      );
      assert.ok(
        settled.every((s) =>
          s.status === "rejected" && s.reason instanceof RateLimitError &&
          s.reason.retryAfter === 3600
        ),
      );
      assert.ok(Date.now() - started < 10_000);
      assert.equal(emulator.requests.length, 50);
      assert.equal(emulator.listExports().length, 0);
    },
  );
});
