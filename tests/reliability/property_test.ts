import assert from "node:assert/strict";
import fc from "fast-check";
import { ApiError, createExport, ValidationError } from "../../mod.ts";
import { createEmulator, DOWNLOAD_PREFIX } from "../../testing.ts";
import { CONTROL_CHARS } from "../../src/validation.ts";

const DAY = 86_400_000;
const NOW = Date.now();

/** A generated value together with what a correct validator must make of it. */
type Labelled<T = unknown> = { value: T; ok: boolean; ms?: number };

const goodText = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" })
  .filter((s) => !CONTROL_CHARS.test(s) && s.trim() !== "");
const badText = fc.oneof(
  fc.constant(""),
  fc.constantFrom(" ", "   ", "\u00a0", "\u3000 "),
  fc.constant("x".repeat(1_001)),
  fc.constantFrom("a\nb", "\r\n", "tab\there", "nul\u0000", "del\u007f"),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.constant(["org"]),
);

const organizationId: fc.Arbitrary<Labelled> = fc.oneof(
  { weight: 4, arbitrary: goodText.map((value) => ({ value, ok: true })) },
  { weight: 1, arbitrary: badText.map((value) => ({ value, ok: false })) },
);

const offset = (minutes: number) => {
  const sign = minutes < 0 ? "-" : "+";
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, "0")}:${
    String(m % 60).padStart(2, "0")
  }`;
};

/** Instants as Dates and as ISO strings in several zones, and things that are not instants. */
const instant: fc.Arbitrary<Labelled> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.integer({ min: NOW - 80 * DAY, max: NOW }).map((ms) => ({
      value: new Date(ms),
      ok: true,
      ms,
    })),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.integer({ min: NOW - 80 * DAY, max: NOW }),
      fc.integer({ min: -720, max: 840 }),
    )
      .map(([ms, minutes]) => {
        const seconds = Math.floor(ms / 1000) * 1000;
        const local = new Date(seconds + minutes * 60_000).toISOString().slice(
          0,
          19,
        );
        return {
          value: `${local}${minutes === 0 ? "Z" : offset(minutes)}`,
          ok: true,
          ms: seconds,
        };
      }),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constant(new Date(NaN)),
      fc.constantFrom(
        "2026-02-30T00:00:00Z",
        "2026-10-01T00:00:00",
        "2026-10-01",
        "yesterday",
        "",
        "2026-13-01T00:00:00Z",
        "2026-10-01T24:30:00Z",
        "2026-10-01 00:00:00Z",
      ),
      fc.string({ maxLength: 25 }),
      fc.integer(),
      fc.constant(null),
      fc.constant({}),
    ).map((value) => ({ value, ok: false })),
  },
);

const list: fc.Arbitrary<Labelled> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.array(goodText, { maxLength: 4 }).map((value) => ({
      value,
      ok: true,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.tuple(fc.array(goodText, { maxLength: 2 }), badText).map((
        [a, b],
      ) => [...a, b]),
      goodText,
      fc.constant({ 0: "a" }),
      fc.constant(null),
    ).map((value) => ({ value, ok: false })),
  },
);

const rarely = <T>(arb: fc.Arbitrary<T>, odds: number) =>
  fc.oneof({ weight: odds, arbitrary: fc.constant(undefined) }, {
    weight: 1,
    arbitrary: arb,
  });

/** Mostly in order, so that most generated inputs are valid when their parts are. */
const range = fc.tuple(instant, instant, fc.integer({ min: 0, max: 9 })).map((
  [a, b, coin],
) =>
  coin > 0 && a.ms !== undefined && b.ms !== undefined && a.ms > b.ms
    ? [b, a]
    : [a, b]
);

const optionSpec = fc.record({
  organizationId,
  range,
  actions: rarely(list, 1),
  actorIds: rarely(list, 2),
  actor_ids: rarely(list, 6),
  actorNames: rarely(list, 2),
  actors: rarely(list, 6),
  targets: rarely(list, 1),
  unknown: rarely(
    fc.constantFrom("action", "orgId", "range_start", "extra", "filters"),
    12,
  ),
}).map(({ range: [rangeStart, rangeEnd], ...rest }) => ({
  ...rest,
  rangeStart,
  rangeEnd,
}));

type Spec = typeof optionSpec extends fc.Arbitrary<infer T> ? T : never;

/** The reference model: is the whole input valid, and what body must go on the wire? */
function expectation(
  spec: Spec,
): { options: Record<string, unknown>; body?: Record<string, unknown> } {
  const options: Record<string, unknown> = {
    organizationId: spec.organizationId.value,
    rangeStart: spec.rangeStart.value,
    rangeEnd: spec.rangeEnd.value,
  };
  let ok = spec.organizationId.ok && spec.rangeStart.ok && spec.rangeEnd.ok;
  if (ok && spec.rangeStart.ms! >= spec.rangeEnd.ms!) ok = false;
  const lists = [
    "actions",
    "actorIds",
    "actor_ids",
    "actorNames",
    "actors",
    "targets",
  ] as const;
  for (const key of lists) {
    const item = spec[key];
    if (item === undefined) continue;
    options[key] = item.value;
    ok &&= item.ok;
  }
  if (spec.actorIds && spec.actor_ids) ok = false;
  if (spec.actorNames && spec.actors) ok = false;
  if (spec.unknown) {
    options[spec.unknown] = ["anything"];
    ok = false;
  }
  if (!ok) return { options };
  const body: Record<string, unknown> = {
    organization_id: spec.organizationId.value,
    range_start: new Date(spec.rangeStart.ms!).toISOString(),
    range_end: new Date(spec.rangeEnd.ms!).toISOString(),
  };
  const put = (wire: string, item: Labelled | undefined) => {
    if (item && (item.value as string[]).length > 0) body[wire] = item.value;
  };
  put("actions", spec.actions);
  put("actor_names", spec.actorNames ?? spec.actors);
  put("actor_ids", spec.actorIds ?? spec.actor_ids);
  put("targets", spec.targets);
  return { options, body };
}

Deno.test("10,000 generated option objects: the exact wire body, or a ValidationError and no request", async () => {
  const emulator = createEmulator({
    rateLimit: false,
    events: [],
    exportDelayMs: 0,
  });
  const config = {
    apiKey: emulator.apiKey,
    baseUrl: "http://localhost",
    fetch: emulator.fetch,
  };
  let valid = 0;
  await fc.assert(
    fc.asyncProperty(optionSpec, async (spec) => {
      const { options, body } = expectation(spec);
      const before = emulator.requests.length;
      try {
        await createExport(options as never, config);
        assert.ok(body, "accepted an invalid input");
      } catch (error) {
        if (error instanceof ValidationError) {
          assert.equal(
            body,
            undefined,
            `refused a valid input: ${error.message}`,
          );
          assert.equal(emulator.requests.length, before, "a request was sent");
          return;
        }
        // Valid input may still be refused by the server (an unknown organization).
        assert.ok(error instanceof ApiError && body, `unexpected ${error}`);
      }
      valid++;
      assert.equal(emulator.requests.length, before + 1);
      assert.deepEqual(JSON.parse(emulator.requests.at(-1)!.body!), body);
    }),
    { numRuns: 10_000 },
  );
  console.log(
    `options: 10000 generated, ${valid} valid, ${emulator.requests.length} requests`,
  );
  assert.ok(
    valid > 1_000,
    `only ${valid} valid cases: the generator is too narrow`,
  );
});

const route = fc.constantFrom(
  ["POST", "/audit_logs/exports"],
  ["POST", "/audit_logs/events"],
  ["GET", "/audit_logs/exports/audit_log_export_X"],
  ["GET", `${DOWNLOAD_PREFIX}token/file.csv`],
  ["PUT", "/audit_logs/exports"],
  ["DELETE", "/audit_logs/exports/x"],
  ["POST", "/"],
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 6 }).map((v) =>
    new TextEncoder().encode(JSON.stringify(v))
  ),
  fc.record({
    organization_id: fc.oneof(fc.string(), fc.jsonValue()),
    range_start: fc.oneof(fc.string(), fc.jsonValue()),
    range_end: fc.oneof(fc.string(), fc.jsonValue()),
    event: fc.jsonValue({ maxDepth: 4 }),
  }, { requiredKeys: [] }).map((v) =>
    new TextEncoder().encode(JSON.stringify(v))
  ),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "",
  "APPLICATION/JSON",
);

Deno.test("random bytes and JSON sent to every emulator route never cause a 500 or a crash", async () => {
  const emulator = createEmulator({ rateLimit: false, exportDelayMs: 0 });
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(
      route,
      body,
      contentType,
      fc.boolean(),
      async ([method, path], bytes, type, auth) => {
        const headers: Record<string, string> = {};
        if (type) headers["content-type"] = type;
        if (auth) headers.authorization = `Bearer ${emulator.apiKey}`;
        const response = await emulator.fetch(`http://emulator.test${path}`, {
          method,
          headers,
          body: method === "GET" ? undefined : bytes,
        });
        sent++;
        assert.ok(
          response.status < 500,
          `${method} ${path} → ${response.status}`,
        );
        assert.ok(response.headers.get("x-request-id"));
        await response.body?.cancel();
      },
    ),
    { numRuns: 3_000 },
  );
  console.log(`emulator fuzz: ${sent} requests, none answered 5xx`);
});
