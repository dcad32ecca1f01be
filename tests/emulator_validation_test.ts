import assert from "node:assert/strict";
import { createEmulator } from "../testing.ts";
import { daysAgo, storedEvent } from "./helpers.ts";

const ORG = "org_validation";

/** The status and the exact text of the answer to a POST of `body`. */
async function post(
  path: "/audit_logs/exports" | "/audit_logs/events",
  body: unknown,
): Promise<{ status: number; text: string }> {
  const emulator = createEmulator({
    organizations: [ORG],
    events: [storedEvent(ORG)],
    exportDelayMs: 0,
    rateLimit: false,
  });
  const response = await emulator.fetch(`http://localhost${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${emulator.apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** The exact text of a 422 answer listing these `[field, code]` entries. */
const validationFailed = (...errors: [string, string][]): string =>
  JSON.stringify({
    message: "Validation failed.",
    errors: errors.map(([field, code]) => ({ field, code })),
  });

/** The exact text of a 400 answer listing these instance paths. */
const invalidEvent = (...paths: string[]): string =>
  JSON.stringify({
    message: "Invalid Audit Log event.",
    code: "invalid_audit_log_event",
    errors: paths.map((instancePath) => ({ instancePath })),
  });

const validEvent = () => ({
  action: "user.signed_in",
  occurred_at: daysAgo(1),
  actor: { id: "user_1", type: "user", name: "Ada", metadata: { a: "b" } },
  targets: [{ id: "team_1", type: "team" }, { id: "doc_1", type: "doc" }],
  context: { location: "203.0.113.7", user_agent: "curl/8" },
  metadata: { reason: "test" },
  version: 1,
});

Deno.test("emulator validation: an export's errors come in one order, whatever the body's", async () => {
  const members: [string, unknown][] = [
    ["targets", "team"],
    ["actors", [1]],
    ["actor_names", {}],
    ["actor_ids", "user_1"],
    ["actions", [null]],
    ["range_end", 5],
    ["range_start", null],
    ["unknown", "ignored"],
  ];
  const expected = validationFailed(
    ["organization_id", "required"],
    ["range_start", "required"],
    ["range_end", "invalid_type"],
    ["actions", "invalid_type"],
    ["actor_ids", "invalid_type"],
    ["actor_names", "invalid_type"],
    ["actors", "invalid_type"],
    ["targets", "invalid_type"],
  );
  for (const order of [members, [...members].reverse()]) {
    const r = await post("/audit_logs/exports", Object.fromEntries(order));
    assert.equal(r.status, 422);
    assert.equal(r.text, expected);
  }
});

Deno.test("emulator validation: null filters are absent ones, and the deprecated actors joins actor_names", async () => {
  const range = { range_start: daysAgo(2), range_end: daysAgo(0) };
  const nulls = await post("/audit_logs/exports", {
    organization_id: ORG,
    ...range,
    actions: null,
    actor_ids: null,
    actor_names: null,
    actors: null,
    targets: null,
  });
  assert.equal(nulls.status, 201, nulls.text);
  // The stored event's actor is "Ada": either spelling can select it.
  for (
    const [names, status] of [
      [{ actor_names: ["Bob"], actors: ["Ada"] }, 201],
      [{ actor_names: ["Ada"], actors: ["Bob"] }, 201],
      [{ actor_names: ["Bob"], actors: ["Eve"] }, 400],
    ] as const
  ) {
    const r = await post("/audit_logs/exports", {
      organization_id: ORG,
      ...range,
      ...names,
    });
    assert.equal(r.status, status, JSON.stringify(names));
  }
});

Deno.test("emulator validation: an event's type errors come members first, then entities, context, version", async () => {
  const event = validEvent();
  const r = await post("/audit_logs/events", {
    organization_id: 7,
    event: {
      // The body's order is not the answer's.
      version: 1.5,
      context: { user_agent: 3 },
      targets: [{ type: "team", name: false }, "not an entity", {
        id: "doc_1",
      }],
      actor: { id: 1, name: null },
      occurred_at: event.occurred_at,
      action: ["user.signed_in"],
      extra: "ignored",
    },
  });
  assert.equal(r.status, 422);
  assert.equal(
    r.text,
    validationFailed(
      ["organization_id", "invalid_type"],
      ["event.action", "invalid_type"],
      ["event.actor.id", "invalid_type"],
      ["event.actor.type", "required"],
      ["event.targets.0.id", "required"],
      ["event.targets.0.name", "invalid_type"],
      ["event.targets.2.type", "required"],
      ["event.context.location", "required"],
      ["event.context.user_agent", "invalid_type"],
      ["event.version", "invalid_type"],
    ),
  );
});

Deno.test("emulator validation: an event's missing members, and what stops the reading early", async () => {
  const missing = await post("/audit_logs/events", { event: {} });
  assert.equal(
    missing.text,
    validationFailed(
      ["organization_id", "required"],
      ["event.action", "required"],
      ["event.occurred_at", "required"],
      ["event.actor", "required"],
      ["event.context", "required"],
      ["event.targets", "required"],
    ),
  );
  // No event to read: only the body's own members are listed.
  const noEvent = await post("/audit_logs/events", { event: [validEvent()] });
  assert.equal(
    noEvent.text,
    validationFailed(
      ["organization_id", "required"],
      ["event", "invalid_type"],
    ),
  );
  // Members of the wrong kind are not read into.
  const wrongKinds = await post("/audit_logs/events", {
    organization_id: ORG,
    event: { ...validEvent(), actor: "user_1", targets: {}, context: null },
  });
  assert.equal(
    wrongKinds.text,
    validationFailed(
      ["event.actor", "invalid_type"],
      ["event.context", "required"],
      ["event.targets", "invalid_type"],
    ),
  );
});

Deno.test("emulator validation: a null version is mistyped, while other null members are absent", async () => {
  const version = await post("/audit_logs/events", {
    organization_id: ORG,
    event: { ...validEvent(), version: null },
  });
  assert.equal(
    version.text,
    validationFailed(["event.version", "invalid_type"]),
  );
  const { metadata: _, ...event } = validEvent();
  const nulls = await post("/audit_logs/events", {
    organization_id: ORG,
    event: {
      ...event,
      metadata: null,
      actor: { ...event.actor, name: null, metadata: null },
      context: { location: "203.0.113.7", user_agent: null },
    },
  });
  assert.equal(nulls.status, 200, nulls.text);
});

Deno.test("emulator validation: schema errors only once every type is right, in the event's order", async () => {
  const event = validEvent();
  const schema = {
    ...event,
    action: "",
    occurred_at: "2026-13-01T00:00:00Z",
    actor: { id: "", type: "", metadata: { nested: { a: 1 } } },
    targets: [5, { id: "t", type: "", metadata: [] }],
    metadata: { long: "x".repeat(501), ok: 1 },
  };
  const r = await post("/audit_logs/events", {
    organization_id: ORG,
    event: schema,
  });
  assert.equal(r.status, 400);
  assert.equal(
    r.text,
    invalidEvent(
      "/actor/metadata/nested",
      "/actor/id",
      "/actor/type",
      "/targets/0",
      "/targets/1/metadata",
      "/targets/1/type",
      "/action",
      "/occurred_at",
      "/metadata/long",
    ),
  );
  // One type error hides every schema error: the answer is a 422.
  const both = await post("/audit_logs/events", {
    organization_id: ORG,
    event: { ...schema, version: "1" },
  });
  assert.equal(both.text, validationFailed(["event.version", "invalid_type"]));
});
