import assert from "node:assert/strict";
import {
  createEmulator,
  EMULATOR_DEFAULTS,
  type EmulatorOptions,
  SAMPLE_ORGANIZATIONS,
  serveEmulator,
} from "../testing.ts";

/** The message of the `TypeError` that `fn` throws. */
function typeErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TypeError, String(error));
    return error.message;
  }
  assert.fail("no TypeError thrown");
}

const mistyped = (options: Record<string, unknown>) =>
  options as EmulatorOptions;

Deno.test("emulator options: every problem is reported at once, in one TypeError", () => {
  const message = typeErrorOf(() =>
    createEmulator(mistyped({
      apiKey: "",
      exportDelayMs: -1,
      exportExpiryMs: NaN,
      rangeBounds: "[[",
      deduplicateExports: "yes",
      now: 5,
      rateLimit: { limit: 0, windowMs: 1 },
      retentionMonths: Infinity,
      maxBodyBytes: "1",
      organizations: ["org_1", 2],
      events: {},
      exportDelay: 0,
    }))
  );
  assert.equal(
    message,
    "Invalid emulator options: " + [
      "apiKey: must be a non-empty string",
      "exportDelayMs: must be a non-negative number",
      "exportExpiryMs: must be a non-negative number or Infinity",
      'rangeBounds: must be "[]", "[)", "(]" or "()"',
      "deduplicateExports: must be a boolean",
      "now: must be a function",
      "rateLimit.limit: must be a number >= 1",
      "retentionMonths: must be a non-negative number",
      "maxBodyBytes: must be a non-negative number",
      "organizations.1: must be a string",
      "events: must be an array of events",
      "exportDelay: is not a known option",
    ].join("; "),
  );
});

Deno.test("emulator options: rateLimit is false or a whole { limit, windowMs }", () => {
  for (
    const [rateLimit, expected] of [
      [true, "rateLimit: must be { limit, windowMs } or false"],
      [null, "rateLimit: must be { limit, windowMs } or false"],
      [{ limit: 1 }, "rateLimit.windowMs: is required"],
      [
        { limit: 1, windowMs: 0, burst: 2 },
        "rateLimit.windowMs: must be a number > 0; rateLimit.burst: is not a known option",
      ],
    ] as const
  ) {
    assert.equal(
      typeErrorOf(() => createEmulator(mistyped({ rateLimit }))),
      `Invalid emulator options: ${expected}`,
    );
  }
  createEmulator({ rateLimit: false });
  createEmulator({ rateLimit: { limit: 1, windowMs: 1 } });
});

Deno.test("emulator options: not an object at all", () => {
  assert.equal(
    typeErrorOf(() => createEmulator(null as unknown as EmulatorOptions)),
    "Invalid emulator options: emulator options must be an object",
  );
});

Deno.test("emulator options: an undefined option takes its default", () => {
  const emulator = createEmulator({
    apiKey: undefined,
    organizations: undefined,
    exportDelayMs: undefined,
    rateLimit: undefined,
  });
  assert.equal(emulator.apiKey, EMULATOR_DEFAULTS.apiKey);
  assert.deepEqual(emulator.organizations, [...SAMPLE_ORGANIZATIONS]);
});

Deno.test("emulator options: the defaults are the ones in force", async () => {
  assert.ok(Object.isFrozen(EMULATOR_DEFAULTS));
  assert.ok(Object.isFrozen(EMULATOR_DEFAULTS.rateLimit));
  assert.equal(EMULATOR_DEFAULTS.apiKey, "sk_test_emulator");
  assert.deepEqual(EMULATOR_DEFAULTS.organizations, SAMPLE_ORGANIZATIONS);
  let t = Date.UTC(2026, 5, 1);
  const emulator = createEmulator({ now: () => t });
  assert.equal(emulator.apiKey, EMULATOR_DEFAULTS.apiKey);
  assert.deepEqual(emulator.organizations, EMULATOR_DEFAULTS.organizations);
  const created = await emulator.fetch("http://localhost/audit_logs/exports", {
    method: "POST",
    headers: {
      authorization: `Bearer ${emulator.apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      organization_id: emulator.organizations[0],
      range_start: new Date(t - 7 * 86_400_000).toISOString(),
      range_end: new Date(t).toISOString(),
    }),
  }).then((r) => r.json());
  const state = async () =>
    (await emulator.fetch(
      `http://localhost/audit_logs/exports/${created.id}`,
      { headers: { authorization: `Bearer ${emulator.apiKey}` } },
    ).then((r) => r.json())).state;
  t += EMULATOR_DEFAULTS.exportDelayMs - 1;
  assert.equal(await state(), "pending");
  t += 1;
  assert.equal(await state(), "ready");
  // Never expired by default.
  t += 1_000 * 86_400_000;
  assert.equal(await state(), "ready");
});

Deno.test("emulator options: serveEmulator checks its own options and the emulator's together", async () => {
  await assert.rejects(
    serveEmulator(
      {
        port: -1,
        hostname: "",
        exportDelayMs: -1,
        extra: true,
      } as Parameters<typeof serveEmulator>[0],
    ),
    (error) => {
      assert.ok(error instanceof TypeError);
      assert.equal(
        error.message,
        "Invalid emulator options: port: must be an integer from 0 to 65535; hostname: must be a non-empty string; exportDelayMs: must be a non-negative number; extra: is not a known option",
      );
      return true;
    },
  );
  // Its own options are not passed on to the emulator, which would refuse them.
  // Served directly: withEmulator would give it the test key, and the
  // default key is what this checks.
  const server = await serveEmulator({
    port: 0,
    hostname: "127.0.0.1",
    exportDelayMs: 0,
  });
  try {
    assert.equal(server.emulator.apiKey, EMULATOR_DEFAULTS.apiKey);
  } finally {
    await server.close();
  }
});
