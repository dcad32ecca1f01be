import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import {
  createEmulator,
  CSV_COLUMNS,
  csvHeader,
  type Emulator,
  type EmulatorEvent,
  SAMPLE_ORGANIZATIONS,
  sampleEvents,
} from "../testing.ts";
import type { FilterOption } from "../src/filters.ts";
import { monthsBefore } from "../src/retention.ts";
import { call, clock, DAY, daysAgo, withEmulator } from "./helpers.ts";

const ORG = "org_test";

function event(overrides: Partial<EmulatorEvent> = {}): EmulatorEvent {
  return {
    organizationId: ORG,
    action: "user.signed_in",
    occurredAt: new Date(Date.now() - DAY).toISOString(),
    actor: { id: "user_1", type: "user", name: "Ada" },
    targets: [{ id: "team_1", type: "team" }],
    context: { location: "203.0.113.1" },
    ...overrides,
  };
}

async function csvOf(url: string): Promise<Record<string, string>[]> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type")!, /^text\/csv/);
  return parse(await response.text(), { columns: true, bom: true });
}

/** Creates an export and returns its CSV rows once ready (delay 0). */
async function exportRows(
  base: string,
  emulator: Emulator,
  body: Record<string, unknown>,
): Promise<Record<string, string>[]> {
  const created = await call(
    base,
    emulator,
    "POST",
    "/audit_logs/exports",
    body,
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const read = await call(
    base,
    emulator,
    "GET",
    `/audit_logs/exports/${created.body.id}`,
  );
  assert.equal(read.body.state, "ready");
  return csvOf(read.body.url);
}

Deno.test("emulator: defaults are discoverable and the sample is deterministic", () => {
  const emulator = createEmulator();
  assert.equal(emulator.apiKey, "sk_test_emulator");
  assert.deepEqual(emulator.organizations, [...SAMPLE_ORGANIZATIONS]);
  const now = Date.UTC(2026, 5, 1);
  const a = sampleEvents({ seed: 42, now });
  assert.deepEqual(a, sampleEvents({ seed: 42, now }));
  assert.notDeepEqual(a, sampleEvents({ seed: 43, now }));
  assert.equal(a.length, 3 * 400);
  for (const e of a) {
    const t = Date.parse(e.occurredAt);
    assert.ok(t < now && t > now - 90 * DAY, e.occurredAt);
  }
  assert.ok(new Set(a.map((e) => e.action)).size >= 5);
  assert.ok(new Set(a.map((e) => e.actor.id)).size >= 5);
  assert.equal(new Set(a.map((e) => e.id)).size, a.length);
});

Deno.test("emulator: rejects invalid options with a TypeError", () => {
  assert.throws(() => createEmulator({ exportDelayMs: -1 }), TypeError);
  assert.throws(() => createEmulator({ apiKey: "" }), TypeError);
  assert.throws(
    () => createEmulator({ rateLimit: { limit: 0, windowMs: 1 } }),
    TypeError,
  );
  assert.throws(() => createEmulator().inject({ times: 0 }), TypeError);
  for (const exportExpiryMs of [-1, NaN, "60000" as unknown as number]) {
    assert.throws(() => createEmulator({ exportExpiryMs }), TypeError);
  }
  assert.throws(
    () => createEmulator({ deduplicateExports: "yes" as unknown as boolean }),
    TypeError,
  );
  createEmulator({ exportExpiryMs: Infinity, deduplicateExports: true });
  createEmulator({ exportExpiryMs: 0, deduplicateExports: false });
});

Deno.test("emulator: authentication, request ids and content types", async () => {
  await withEmulator({}, async ({ url, emulator }) => {
    for (
      const authorization of [
        undefined,
        "Bearer sk_wrong",
        `Basic ${emulator.apiKey}`,
      ]
    ) {
      const response = await fetch(`${url}/audit_logs/exports/x`, {
        headers: authorization ? { authorization } : {},
      });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.match(response.headers.get("x-request-id")!, /^req_[0-9A-Z]{26}$/);
      assert.equal(typeof (await response.json()).message, "string");
    }
    const unknown = await call(url, emulator, "GET", "/nope");
    assert.equal(unknown.status, 404);
    const wrongMethod = await call(url, emulator, "GET", "/audit_logs/exports");
    assert.equal(wrongMethod.status, 405);
    const missing = await call(
      url,
      emulator,
      "GET",
      "/audit_logs/exports/audit_log_export_X",
    );
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, {
      message: "Audit Log Export not found: 'audit_log_export_X'",
    });
    const ids = new Set(
      [unknown, wrongMethod, missing].map((r) => r.headers.get("x-request-id")),
    );
    assert.equal(ids.size, 3);
  });
});

Deno.test("emulator: an export is pending, then ready with a URL that expires after 10 minutes", async () => {
  const time = clock();
  await withEmulator(
    { now: time.now, exportDelayMs: 5_000 },
    async ({ url, emulator }) => {
      const created = await call(url, emulator, "POST", "/audit_logs/exports", {
        organization_id: emulator.organizations[0],
        range_start: daysAgo(30, time.now()),
        range_end: new Date(time.now()).toISOString(),
      });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get("content-type"), "application/json");
      const e = created.body;
      assert.equal(e.object, "audit_log_export");
      assert.match(e.id, /^audit_log_export_[0-9A-Z]{26}$/);
      assert.equal(e.state, "pending");
      assert.equal("url" in e, false);
      assert.equal(e.created_at, new Date(time.now()).toISOString());

      time.advance(4_999);
      assert.equal(
        (await call(url, emulator, "GET", `/audit_logs/exports/${e.id}`)).body
          .state,
        "pending",
      );
      time.advance(1);
      const ready =
        (await call(url, emulator, "GET", `/audit_logs/exports/${e.id}`)).body;
      assert.equal(ready.state, "ready");
      assert.equal(ready.updated_at, new Date(time.now()).toISOString());
      assert.ok(ready.url.startsWith(`${url}/_emulator/downloads/`));

      const withAuth = await fetch(ready.url, {
        headers: { authorization: `Bearer ${emulator.apiKey}` },
      });
      assert.equal(withAuth.status, 400);
      assert.match(await withAuth.text(), /InvalidArgument/);

      time.advance(10 * 60_000);
      const stillValid = await fetch(ready.url);
      assert.equal(stillValid.status, 200);
      await stillValid.body?.cancel();
      time.advance(1);
      const expired = await fetch(ready.url);
      assert.equal(expired.status, 403);
      assert.match(await expired.text(), /expired/);

      const again =
        (await call(url, emulator, "GET", `/audit_logs/exports/${e.id}`)).body;
      assert.notEqual(again.url, ready.url);
      const rows = await csvOf(again.url);
      assert.equal(rows.length, emulator.listExports()[0].rowCount);
      const bogus = await fetch(`${url}/_emulator/downloads/nothing/x.csv`);
      assert.equal(bogus.status, 403);
      await bogus.body?.cancel();
    },
  );
});

Deno.test("emulator: with exportExpiryMs a ready export turns expired, with url null, and its URLs stop working", async () => {
  const time = clock();
  await withEmulator(
    { now: time.now, exportDelayMs: 1_000, exportExpiryMs: 60_000 },
    async ({ url, emulator }) => {
      const created = await call(url, emulator, "POST", "/audit_logs/exports", {
        organization_id: emulator.organizations[0],
        range_start: daysAgo(30, time.now()),
        range_end: new Date(time.now()).toISOString(),
      });
      const id = created.body.id;
      const read = async () =>
        (await call(url, emulator, "GET", `/audit_logs/exports/${id}`)).body;
      const readyAt = time.now() + 1_000;
      time.advance(1_000);
      const ready = await read();
      assert.equal(ready.state, "ready");
      time.advance(59_999);
      const last = await read();
      assert.equal(last.state, "ready");
      assert.equal(last.updated_at, new Date(readyAt).toISOString());
      // Both URLs are within their 10 minutes; only the export's expiry stops them.
      const early = await fetch(ready.url);
      assert.equal(early.status, 200);
      await early.body?.cancel();

      time.advance(1);
      const expired = await read();
      assert.equal(expired.state, "expired");
      assert.equal(expired.url, null);
      assert.equal(
        expired.updated_at,
        new Date(readyAt + 60_000).toISOString(),
      );
      assert.equal(emulator.listExports()[0].state, "expired");
      for (const old of [ready.url, last.url]) {
        const refused = await fetch(old);
        assert.equal(refused.status, 403);
        assert.match(await refused.text(), /AccessDenied/);
        const ranged = await fetch(old, { headers: { range: "bytes=10-" } });
        assert.equal(ranged.status, 403);
        await ranged.body?.cancel();
      }
      time.advance(365 * DAY);
      assert.equal((await read()).state, "expired");
    },
  );
});

Deno.test("emulator: by default exports never expire; a forced expired reads as a timed-out one", async () => {
  const time = clock();
  await withEmulator(
    { now: time.now, exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const created = await call(url, emulator, "POST", "/audit_logs/exports", {
        organization_id: emulator.organizations[0],
        range_start: daysAgo(30, time.now()),
        range_end: new Date(time.now()).toISOString(),
      });
      const id = created.body.id;
      const read = async () =>
        (await call(url, emulator, "GET", `/audit_logs/exports/${id}`)).body;
      time.advance(365 * DAY);
      const ready = await read();
      assert.equal(ready.state, "ready");
      emulator.setExportState(id, "expired");
      const expired = await read();
      assert.equal(expired.state, "expired");
      assert.equal(expired.url, null);
      const refused = await fetch(ready.url);
      assert.equal(refused.status, 403);
      await refused.body?.cancel();
    },
  );
});

Deno.test("emulator: setExportState drives the failure states", async () => {
  await withEmulator({ exportDelayMs: 0 }, async ({ url, emulator }) => {
    const created = await call(url, emulator, "POST", "/audit_logs/exports", {
      organization_id: emulator.organizations[0],
      range_start: daysAgo(1),
      range_end: new Date().toISOString(),
    });
    emulator.setExportState(created.body.id, "error");
    const read = await call(
      url,
      emulator,
      "GET",
      `/audit_logs/exports/${created.body.id}`,
    );
    assert.equal(read.body.state, "error");
    assert.equal("url" in read.body, false);
    assert.throws(() => emulator.setExportState("nope", "error"), TypeError);
  });
});

Deno.test("emulator: export validation answers with the spec's error bodies", async (t) => {
  await withEmulator({}, async ({ url, emulator }) => {
    const org = emulator.organizations[0];
    const range = { range_start: daysAgo(10), range_end: daysAgo(1) };
    const post = (body: unknown, headers?: Record<string, string>) =>
      call(url, emulator, "POST", "/audit_logs/exports", body, headers);

    await t.step(
      "missing and mistyped fields are a 422 listing each field",
      async () => {
        const r = await post({
          range_start: 5,
          actions: "user.signed_in",
          targets: [1],
        });
        assert.equal(r.status, 422);
        assert.deepEqual(r.body, {
          message: "Validation failed.",
          errors: [
            { field: "organization_id", code: "required" },
            { field: "range_start", code: "invalid_type" },
            { field: "range_end", code: "required" },
            { field: "actions", code: "invalid_type" },
            { field: "targets", code: "invalid_type" },
          ],
        });
      },
    );

    await t.step(
      "bad ranges are a 400 invalid_audit_log_export_range_date",
      async () => {
        const bad = [
          { range_start: "yesterday", range_end: daysAgo(1) },
          { range_start: "2026-02-30T00:00:00Z", range_end: daysAgo(1) },
          { range_start: "2026-11-01T00:00:00", range_end: daysAgo(1) },
          { range_start: daysAgo(1), range_end: daysAgo(2) },
          { range_start: daysAgo(100), range_end: daysAgo(1) },
        ];
        for (const range of bad) {
          const r = await post({ organization_id: org, ...range });
          assert.equal(r.status, 400, JSON.stringify(range));
          assert.deepEqual(r.body, {
            message: "Invalid date range",
            code: "invalid_audit_log_export_range_date",
          });
        }
      },
    );

    await t.step("an unknown organization is a 404", async () => {
      const r = await post({ organization_id: "org_nope", ...range });
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, {
        message: "Organization not found: 'org_nope'",
      });
    });

    await t.step("malformed bodies are a clear 400, never a 500", async () => {
      const cases: [unknown, Record<string, string> | undefined, RegExp][] = [
        ["{not json", undefined, /not valid JSON/],
        ["[1,2]", undefined, /must be a JSON object/],
        ["null", undefined, /must be a JSON object/],
        [JSON.stringify({ organization_id: org, ...range }), {
          "content-type": "text/plain",
        }, /Content-Type/],
        ["x".repeat(2 << 20), undefined, /larger than/],
        [
          "[".repeat(100_000) + "]".repeat(100_000),
          undefined,
          /must be a JSON object/,
        ],
        [new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]), undefined, /not valid JSON/],
      ];
      for (const [body, headers, message] of cases) {
        const response = await fetch(`${url}/audit_logs/exports`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${emulator.apiKey}`,
            "content-type": "application/json",
            ...headers,
          },
          body: body as BodyInit,
        });
        assert.equal(response.status, 400);
        assert.match((await response.json()).message, message);
      }
    });

    await t.step(
      "deeply nested values in fields are a 422, not a crash",
      async () => {
        const deep = JSON.parse("[".repeat(5_000) + "]".repeat(5_000));
        const r = await post({
          organization_id: { a: deep },
          ...range,
          actions: deep,
        });
        assert.equal(r.status, 422);
      },
    );
  });
});

Deno.test("emulator: every filter is applied and the range is inclusive at both ends", async () => {
  const now = Date.now();
  const at = (d: number) => new Date(now - d * DAY).toISOString();
  const events: EmulatorEvent[] = [
    event({
      id: "e1",
      occurredAt: at(10),
      action: "a.one",
      actor: { id: "u1", type: "user", name: "Ann" },
    }),
    event({
      id: "e2",
      occurredAt: at(9),
      action: "a.two",
      actor: { id: "u2", type: "user", name: "Bob" },
      targets: [{ id: "d1", type: "document" }],
    }),
    event({
      id: "e3",
      occurredAt: at(8),
      action: "a.one",
      actor: { id: "u2", type: "user", name: "Bob" },
      targets: [{ id: "t1", type: "team" }, { id: "d2", type: "document" }],
    }),
    event({
      id: "e4",
      occurredAt: at(7),
      action: "a.three",
      actor: { id: "k1", type: "api_key" },
    }),
    event({ id: "e5", occurredAt: at(6), organizationId: "org_other" }),
    event({ id: "e6", occurredAt: at(50), action: "a.one" }),
  ];
  await withEmulator({
    events,
    organizations: [ORG, "org_other"],
    exportDelayMs: 0,
  }, async ({ url, emulator }) => {
    // The file has no id column; each event here has its own instant.
    const idAt = new Map(events.map((e) => [e.occurredAt, e.id]));
    const ids = async (filters: Record<string, unknown>) =>
      (await exportRows(url, emulator, {
        organization_id: ORG,
        range_start: at(10),
        range_end: at(7),
        ...filters,
      })).map((r) => idAt.get(r.occurred_at));
    assert.deepEqual(await ids({}), ["e1", "e2", "e3", "e4"]);
    assert.deepEqual(await ids({ actions: ["a.one"] }), ["e1", "e3"]);
    assert.deepEqual(await ids({ actions: ["a.one", "a.three"] }), [
      "e1",
      "e3",
      "e4",
    ]);
    assert.deepEqual(await ids({ actor_ids: ["u2"] }), ["e2", "e3"]);
    assert.deepEqual(await ids({ actor_names: ["Ann"] }), ["e1"]);
    assert.deepEqual(await ids({ actors: ["Bob"] }), ["e2", "e3"]);
    assert.deepEqual(await ids({ actor_names: ["Ann"], actors: ["Bob"] }), [
      "e1",
      "e2",
      "e3",
    ]);
    assert.deepEqual(await ids({ targets: ["document"] }), ["e2", "e3"]);
    assert.deepEqual(await ids({ targets: ["document"], actions: ["a.one"] }), [
      "e3",
    ]);
    assert.deepEqual(await ids({ actions: [] }), ["e1", "e2", "e3", "e4"]);
    const nothing = await call(url, emulator, "POST", "/audit_logs/exports", {
      organization_id: ORG,
      range_start: at(10),
      range_end: at(7),
      actions: ["nothing"],
    });
    assert.equal(nothing.status, 400);
    assert.deepEqual(nothing.body, { message: "No audit log events found" });
    assert.deepEqual(await ids({ range_start: at(9), range_end: at(9) }), [
      "e2",
    ]);
  });
});

Deno.test("emulator: the CSV holds exactly the stored events, hostile text included", async () => {
  const hostile = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\tTab",
    "a,b\r\nc\rd\ne",
    '"quoted" ""twice""',
    "emoji 🧾 中文 e\u0301",
    "",
  ];
  const events = hostile.map((text, i) =>
    event({
      id: `h${i}`,
      occurredAt: new Date(Date.now() - DAY + i * 1000).toISOString(),
      action: `x.${i}`,
      actor: {
        id: `u${i}`,
        type: "user",
        name: text || undefined,
        metadata: { note: text },
      },
      targets: [{ id: "t", type: "team", name: text }],
      context: { location: text || "x", userAgent: text },
      metadata: { text, n: i, ok: true },
      version: 2,
    })
  );
  await withEmulator(
    { events, organizations: [ORG], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const rows = await exportRows(url, emulator, {
        organization_id: ORG,
        range_start: daysAgo(2),
        range_end: new Date().toISOString(),
      });
      assert.deepEqual(Object.keys(rows[0]), csvHeader(1));
      assert.equal(rows.length, events.length);
      rows.forEach((row, i) => {
        const e = events[i];
        assert.equal(row.action, e.action);
        assert.equal(row.occurred_at, e.occurredAt);
        assert.equal(row.actor_id, e.actor.id);
        assert.equal(row.actor_type, e.actor.type);
        assert.equal(row.actor_name, e.actor.name ?? "");
        assert.deepEqual(JSON.parse(row.actor_metadata), e.actor.metadata);
        assert.equal(row.context_location, e.context.location);
        assert.equal(row.context_user_agent, e.context.userAgent);
        assert.deepEqual(JSON.parse(row.metadata), e.metadata);
        assert.equal(row.target_id_1, "t");
        assert.equal(row.target_type_1, "team");
        assert.equal(row.target_name_1, hostile[i]);
        assert.equal(row.target_metadata_1, "");
      });
    },
  );
});

Deno.test("emulator: an export that matches no event is refused with 400 No audit log events found", async (t) => {
  const signIn = event({
    id: "in",
    occurredAt: daysAgo(5),
    action: "user.signed_in",
    actor: { id: "u1", type: "user", name: "Ann" },
    targets: [{ id: "t1", type: "team" }],
  });
  const edit = event({
    id: "edit",
    occurredAt: daysAgo(4),
    action: "document.updated",
    actor: { id: "u2", type: "user", name: "Bob" },
    targets: [{ id: "d1", type: "document" }],
  });
  const at = Date.parse(signIn.occurredAt);
  const iso = (ms: number) => new Date(ms).toISOString();
  await withEmulator({
    events: [signIn, edit],
    organizations: [ORG, "org_quiet"],
    exportDelayMs: 0,
  }, async ({ url, emulator }) => {
    const post = (body: Record<string, unknown>) =>
      call(url, emulator, "POST", "/audit_logs/exports", body);
    const around = {
      organization_id: ORG,
      range_start: daysAgo(6),
      range_end: daysAgo(3),
    };
    const expectRefused = async (body: Record<string, unknown>) => {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      // Exactly the real API's body: a message and no code.
      assert.deepEqual(r.body, { message: "No audit log events found" });
      assert.equal(r.headers.get("content-type"), "application/json");
      assert.match(r.headers.get("x-request-id")!, /^req_/);
    };

    await t.step("a range with no events", async () => {
      await expectRefused({
        organization_id: ORG,
        range_start: daysAgo(30),
        range_end: daysAgo(10),
      });
      // Next to an event, by a millisecond, on either side.
      await expectRefused({
        organization_id: ORG,
        range_start: daysAgo(6),
        range_end: iso(at - 1),
      });
      await expectRefused({
        organization_id: ORG,
        range_start: iso(at + 1),
        range_end: iso(at + DAY / 2),
      });
      await expectRefused({
        organization_id: "org_quiet",
        range_start: daysAgo(30),
        range_end: daysAgo(1),
      });
    });

    await t.step(
      "filters that match nothing in a range with events",
      async () => {
        for (
          const filters of [
            { actions: ["user.deleted"] },
            { actor_ids: ["u3"] },
            { actor_names: ["Carol"] },
            { actors: ["Carol"] },
            { targets: ["organization"] },
            // Each matches an event, but no event matches both.
            { actions: ["user.signed_in"], actor_ids: ["u2"] },
            { actor_names: ["Bob"], targets: ["team"] },
          ]
        ) {
          await expectRefused({ ...around, ...filters });
        }
      },
    );

    await t.step("nothing was created by a refused request", () => {
      assert.deepEqual(emulator.listExports(), []);
    });

    await t.step(
      "an invalid range, an unknown organization or a missing field keeps its own answer",
      async () => {
        const invalid = {
          message: "Invalid date range",
          code: "invalid_audit_log_export_range_date",
        };
        for (
          const range of [
            { range_start: daysAgo(10), range_end: daysAgo(20) },
            { range_start: daysAgo(100), range_end: daysAgo(95) },
            { range_start: "last week", range_end: daysAgo(20) },
          ]
        ) {
          const r = await post({ organization_id: ORG, ...range });
          assert.equal(r.status, 400, JSON.stringify(range));
          assert.deepEqual(r.body, invalid);
        }
        const unknown = await post({ ...around, organization_id: "org_nope" });
        assert.equal(unknown.status, 404);
        assert.deepEqual(unknown.body, {
          message: "Organization not found: 'org_nope'",
        });
        const { range_end: _, ...missing } = around;
        const r = await post({ ...missing, actions: ["user.deleted"] });
        assert.equal(r.status, 422);
      },
    );

    await t.step(
      "the same request succeeds once an event matches it",
      async () => {
        const quiet = {
          organization_id: "org_quiet",
          range_start: daysAgo(30),
          range_end: daysAgo(1),
        };
        await expectRefused(quiet);
        const stored = await call(url, emulator, "POST", "/audit_logs/events", {
          organization_id: "org_quiet",
          event: {
            action: "user.signed_in",
            occurred_at: daysAgo(2),
            actor: { id: "u9", type: "user" },
            targets: [],
            context: { location: "198.51.100.1" },
          },
        });
        assert.equal(stored.status, 200);
        const created = await post(quiet);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal(emulator.listExports()[0].rowCount, 1);
      },
    );
  });
});

Deno.test("emulator: the CSV has the columns of real exports, one group per target up to the widest event", async (t) => {
  const base = Date.now() - 2 * DAY;
  const when = (i: number) => new Date(base + i * 60_000).toISOString();
  const events: EmulatorEvent[] = [
    event({
      occurredAt: when(0),
      action: "api_key.created",
      actor: { id: "k1", type: "api_key" },
      targets: [],
      context: { location: "203.0.113.1" },
    }),
    event({
      occurredAt: when(1),
      action: "user.signed_in",
      actor: {
        id: "u1",
        type: "user",
        name: 'Zoë "Z" O\'Brien, =1+1',
        metadata: { email: "zoe@example.com", note: "line\r\nbreak" },
      },
      targets: [{
        id: "team_1",
        type: "team",
        name: "Core, team",
        metadata: { plan: "pro" },
      }],
      context: { location: "198.51.100.7", userAgent: "curl/8.5.0" },
      metadata: { mfa: true, seats: 12, reason: '"quoted"' },
    }),
    event({
      occurredAt: when(2),
      action: "document.shared",
      actor: { id: "u2", type: "user", name: "李小龍" },
      targets: [
        { id: "doc_1", type: "document", name: "=SUM(A1:A9)" },
        { id: "team_2", type: "team", metadata: { role: "viewer" } },
        { id: "user_3", type: "user", name: "" },
      ],
      context: { location: "2001:db8::1", userAgent: "" },
      metadata: { count: 3 },
    }),
    event({
      occurredAt: when(3),
      action: "document.updated",
      actor: { id: "u1", type: "user", name: "Ann" },
      targets: [
        { id: "doc_1", type: "document" },
        { id: "doc_2", type: "document", name: "notes\nline 2" },
      ],
    }),
  ];
  // What each cell must hold, from the stored event alone.
  const expectedRow = (e: EmulatorEvent, width: number) => {
    const row: Record<string, string> = {
      action: e.action,
      occurred_at: e.occurredAt,
      actor_id: e.actor.id,
      actor_type: e.actor.type,
      actor_name: e.actor.name ?? "",
      actor_metadata: "",
      context_location: e.context.location,
      context_user_agent: e.context.userAgent ?? "",
      metadata: "",
    };
    for (let n = 1; n <= width; n++) {
      const target = e.targets[n - 1];
      row[`target_id_${n}`] = target?.id ?? "";
      row[`target_type_${n}`] = target?.type ?? "";
      row[`target_name_${n}`] = target?.name ?? "";
      row[`target_metadata_${n}`] = "";
    }
    return row;
  };
  /** The JSON cells, parsed: their text is JSON, not a fixed spelling. */
  const json = (row: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) =>
        /metadata/.test(k) ? [k, v === "" ? "" : JSON.parse(v)] : [k, v]
      ),
    );
  const jsonOf = (e: EmulatorEvent, width: number) => {
    const row: Record<string, unknown> = expectedRow(e, width);
    row.actor_metadata = e.actor.metadata ?? "";
    row.metadata = e.metadata ?? "";
    e.targets.forEach((target, i) => {
      row[`target_metadata_${i + 1}`] = target.metadata ?? "";
    });
    return row;
  };

  await withEmulator(
    { events, organizations: [ORG], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      /** The header and the records of an export, read by csv-parse. */
      const file = async (filters: Record<string, unknown>) => {
        const created = await call(
          url,
          emulator,
          "POST",
          "/audit_logs/exports",
          {
            organization_id: ORG,
            range_start: when(0),
            range_end: when(3),
            ...filters,
          },
        );
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const read = await call(
          url,
          emulator,
          "GET",
          `/audit_logs/exports/${created.body.id}`,
        );
        const response = await fetch(read.body.url);
        const text = await response.text();
        assert.ok(text.endsWith("\r\n"), "records end with CRLF");
        const [header, ...records]: string[][] = parse(text, { bom: true });
        const rows: Record<string, string>[] = parse(text, {
          bom: true,
          columns: true,
        });
        for (const record of records) {
          assert.equal(record.length, header.length, "every record is full");
        }
        return { header, rows };
      };

      await t.step(
        "the fixed columns, then target groups N = 1, 2, 3",
        async () => {
          const { header, rows } = await file({});
          assert.deepEqual(CSV_COLUMNS, [
            "action",
            "occurred_at",
            "actor_id",
            "actor_type",
            "actor_name",
            "actor_metadata",
            "context_location",
            "context_user_agent",
            "metadata",
          ]);
          assert.deepEqual(header, [
            ...CSV_COLUMNS,
            "target_id_1",
            "target_type_1",
            "target_name_1",
            "target_metadata_1",
            "target_id_2",
            "target_type_2",
            "target_name_2",
            "target_metadata_2",
            "target_id_3",
            "target_type_3",
            "target_name_3",
            "target_metadata_3",
          ]);
          assert.deepEqual(header, csvHeader(3));
          assert.equal(rows.length, events.length);
          rows.forEach((row, i) => {
            assert.deepEqual(json(row), jsonOf(events[i], 3), `row ${i + 1}`);
          });
        },
      );

      await t.step(
        "narrower events leave their extra target cells empty",
        async () => {
          const { rows } = await file({});
          const [none, one, , two] = rows;
          for (const n of [1, 2, 3]) {
            for (const part of ["id", "type", "name", "metadata"]) {
              assert.equal(none[`target_${part}_${n}`], "");
              if (n > 1) assert.equal(one[`target_${part}_${n}`], "");
              if (n > 2) assert.equal(two[`target_${part}_${n}`], "");
            }
          }
        },
      );

      await t.step(
        "metadata is JSON text in one cell; absent is empty",
        async () => {
          const { rows } = await file({
            actions: ["user.signed_in", "document.shared"],
          });
          const [signIn, shared] = rows;
          assert.deepEqual(JSON.parse(signIn.metadata), events[1].metadata);
          assert.deepEqual(
            JSON.parse(signIn.actor_metadata),
            events[1].actor.metadata,
          );
          assert.deepEqual(
            JSON.parse(signIn.target_metadata_1),
            events[1].targets[0].metadata,
          );
          assert.deepEqual(JSON.parse(shared.target_metadata_2), {
            role: "viewer",
          });
          assert.equal(shared.target_metadata_1, "");
          assert.equal(shared.actor_metadata, "");
        },
      );

      await t.step(
        "values are exactly as stored, formulas and all",
        async () => {
          const { rows } = await file({
            actions: ["user.signed_in", "document.shared", "document.updated"],
          });
          assert.equal(rows[0].actor_name, 'Zoë "Z" O\'Brien, =1+1');
          assert.equal(rows[0].target_name_1, "Core, team");
          assert.equal(rows[1].target_name_1, "=SUM(A1:A9)");
          assert.equal(rows[1].context_location, "2001:db8::1");
          assert.equal(rows[2].target_name_2, "notes\nline 2");
        },
      );

      await t.step("the width follows the events of each file", async () => {
        assert.deepEqual(
          (await file({ actions: ["api_key.created"] })).header,
          [...CSV_COLUMNS],
        );
        assert.deepEqual(
          (await file({ actions: ["user.signed_in"] })).header,
          csvHeader(1),
        );
        const two = await file({
          actions: ["document.updated", "user.signed_in"],
        });
        assert.deepEqual(two.header, csvHeader(2));
        assert.deepEqual(two.rows.map(json), [
          jsonOf(events[1], 2),
          jsonOf(events[3], 2),
        ]);
      });
    },
  );
});

Deno.test("emulator: events are validated, stored and exported", async (t) => {
  await withEmulator(
    { events: [], organizations: [ORG], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const wire = {
        action: "document.updated",
        occurred_at: daysAgo(1),
        actor: {
          id: "user_1",
          type: "user",
          name: "Ada",
          metadata: { role: "admin" },
        },
        targets: [{ id: "doc_1", type: "document", name: "Plan" }],
        context: { location: "198.51.100.7", user_agent: "curl/8" },
        metadata: { reason: "typo", count: 3, mfa: true },
        version: 1,
      };
      const post = (body: unknown, headers?: Record<string, string>) =>
        call(url, emulator, "POST", "/audit_logs/events", body, headers);

      await t.step("a valid event is a 200 and stored", async () => {
        const r = await post({ organization_id: ORG, event: wire });
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, { success: true });
        const [stored] = emulator.listEvents(ORG);
        assert.equal(stored.action, wire.action);
        assert.equal(stored.context.userAgent, "curl/8");
        assert.deepEqual(stored.metadata, wire.metadata);
      });

      await t.step("missing fields are a 422 naming each", async () => {
        const { action: _a, actor: _b, ...rest } = wire;
        const r = await post({
          organization_id: ORG,
          event: { ...rest, context: {} },
        });
        assert.equal(r.status, 422);
        assert.deepEqual(r.body.errors, [
          { field: "event.action", code: "required" },
          { field: "event.actor", code: "required" },
          { field: "event.context.location", code: "required" },
        ]);
        const noEvent = await post({ organization_id: ORG });
        assert.deepEqual(noEvent.body.errors, [{
          field: "event",
          code: "required",
        }]);
      });

      await t.step(
        "schema violations are a 400 invalid_audit_log_event",
        async () => {
          const tooMany = Object.fromEntries(
            Array.from({ length: 51 }, (_, i) => [`k${i}`, i]),
          );
          const cases: [Record<string, unknown>, string][] = [
            [{ metadata: tooMany }, "/metadata"],
            [{ metadata: { long: "x".repeat(501) } }, "/metadata/long"],
            [{ metadata: { nested: { a: 1 } } }, "/metadata/nested"],
            [{ targets: ["doc_1"] }, "/targets/0"],
            [{ occurred_at: "2026-13-01T00:00:00Z" }, "/occurred_at"],
          ];
          for (const [patch, pointer] of cases) {
            const r = await post({
              organization_id: ORG,
              event: { ...wire, ...patch },
            });
            assert.equal(r.status, 400, pointer);
            assert.equal(r.body.code, "invalid_audit_log_event");
            assert.equal(r.body.message, "Invalid Audit Log event.");
            assert.deepEqual(r.body.errors, [{ instancePath: pointer }]);
          }
          const fifty = Object.fromEntries(
            Array.from({ length: 50 }, (_, i) => [`k${i}`, "x".repeat(500)]),
          );
          assert.equal(
            (await post({
              organization_id: ORG,
              event: { ...wire, metadata: fifty },
            })).status,
            200,
          );
        },
      );

      await t.step("an unknown organization is a 404", async () => {
        const r = await post({ organization_id: "org_nope", event: wire });
        assert.equal(r.status, 404);
        assert.deepEqual(r.body, {
          message: "Organization not found: 'org_nope'",
        });
      });

      await t.step(
        "an Idempotency-Key replays the first answer and stores nothing twice",
        async () => {
          const before = emulator.listEvents(ORG).length;
          const body = {
            organization_id: ORG,
            event: { ...wire, action: "idem.test" },
          };
          const first = await post(body, { "idempotency-key": "key-1" });
          const second = await post(body, { "idempotency-key": "key-1" });
          assert.equal(first.status, 200);
          assert.deepEqual(second.body, first.body);
          assert.equal(second.headers.get("idempotent-replayed"), "true");
          assert.equal(emulator.listEvents(ORG).length, before + 1);
          const conflict = await post({
            ...body,
            event: { ...body.event, action: "other" },
          }, {
            "idempotency-key": "key-1",
          });
          assert.equal(conflict.status, 409);
          assert.equal(emulator.listEvents(ORG).length, before + 1);
        },
      );

      await t.step("the stored event is in the next export", async () => {
        const rows = await exportRows(url, emulator, {
          organization_id: ORG,
          range_start: daysAgo(2),
          range_end: new Date().toISOString(),
          actions: ["document.updated"],
        });
        // The first valid event and the one with 50 metadata keys.
        assert.equal(rows.length, 2);
        const [target] = wire.targets;
        assert.deepEqual(
          [rows[0].target_id_1, rows[0].target_type_1, rows[0].target_name_1],
          [target.id, target.type, target.name],
        );
        assert.equal(rows[0].target_metadata_1, "");
        assert.equal(rows[0].actor_name, "Ada");
      });
    },
  );
});

Deno.test("emulator: by default an Idempotency-Key does not deduplicate exports, as the real API", async () => {
  await withEmulator({ exportDelayMs: 0 }, async ({ url, emulator }) => {
    const body = {
      organization_id: emulator.organizations[0],
      range_start: daysAgo(3),
      range_end: daysAgo(1),
    };
    const headers = { "idempotency-key": "export-1" };
    const post = (b: unknown) =>
      call(url, emulator, "POST", "/audit_logs/exports", b, headers);
    const a = await post(body);
    const b = await post(body);
    // Another body under the same key is no conflict either: the key is ignored.
    const c = await post({ ...body, range_start: daysAgo(4) });
    assert.deepEqual([a.status, b.status, c.status], [201, 201, 201]);
    assert.equal(new Set([a.body.id, b.body.id, c.body.id]).size, 3);
    assert.equal(b.headers.get("idempotent-replayed"), null);
    assert.deepEqual(
      emulator.listExports().map((e) => e.id),
      [a.body.id, b.body.id, c.body.id],
    );
    const concurrent = await Promise.all(
      Array.from({ length: 3 }, () => post(body)),
    );
    assert.equal(new Set(concurrent.map((r) => r.body.id)).size, 3);
    assert.equal(emulator.listExports().length, 6);
    // Events keep theirs: the real API honours the key there.
    const event = {
      organization_id: emulator.organizations[0],
      event: {
        action: "user.signed_in",
        occurred_at: daysAgo(1),
        actor: { id: "user_1", type: "user" },
        targets: [],
        context: { location: "203.0.113.1" },
      },
    };
    const before = emulator.listEvents().length;
    const first = await call(
      url,
      emulator,
      "POST",
      "/audit_logs/events",
      event,
      {
        "idempotency-key": "event-1",
      },
    );
    const again = await call(
      url,
      emulator,
      "POST",
      "/audit_logs/events",
      event,
      {
        "idempotency-key": "event-1",
      },
    );
    assert.deepEqual([first.status, again.status], [200, 200]);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(emulator.listEvents().length, before + 1);
  });
});

Deno.test("emulator: with deduplicateExports, idempotency keys on exports hold for 24 hours", async () => {
  const time = clock(Date.now());
  await withEmulator(
    { now: time.now, exportDelayMs: 0, deduplicateExports: true },
    async ({ url, emulator }) => {
      const body = {
        organization_id: emulator.organizations[0],
        range_start: daysAgo(3, time.now()),
        range_end: daysAgo(1, time.now()),
      };
      const headers = { "idempotency-key": "export-1" };
      const post = () =>
        call(url, emulator, "POST", "/audit_logs/exports", body, headers);
      const a = await post();
      const b = await post();
      assert.equal(b.body.id, a.body.id);
      assert.equal(emulator.listExports().length, 1);
      time.advance(24 * 3_600_000 + 1);
      const c = await post();
      assert.notEqual(c.body.id, a.body.id);
      assert.equal(emulator.listExports().length, 2);
    },
  );
});

Deno.test("emulator: the rate limit answers 429 with Retry-After, then recovers", async () => {
  const time = clock();
  await withEmulator(
    { now: time.now, rateLimit: { limit: 3, windowMs: 10_000 } },
    async ({ url, emulator }) => {
      for (let i = 0; i < 3; i++) {
        assert.equal(
          (await call(url, emulator, "GET", "/audit_logs/exports/x")).status,
          404,
        );
      }
      time.advance(2_500);
      const limited = await call(url, emulator, "GET", "/audit_logs/exports/x");
      assert.equal(limited.status, 429);
      assert.deepEqual(limited.body, {
        message: "Too many requests.",
        code: "rate_limit_exceeded",
      });
      assert.equal(limited.headers.get("retry-after"), "8");
      time.advance(7_500);
      assert.equal(
        (await call(url, emulator, "GET", "/audit_logs/exports/x")).status,
        404,
      );
    },
  );
  const unlimited = createEmulator({ rateLimit: false });
  for (let i = 0; i < 50; i++) {
    const r = await unlimited.fetch("http://e.test/audit_logs/exports/x", {
      headers: { authorization: `Bearer ${unlimited.apiKey}` },
    });
    assert.equal(r.status, 404);
    await r.body?.cancel();
  }
});

Deno.test("emulator: injected faults", async (t) => {
  await withEmulator({ exportDelayMs: 0 }, async ({ url, emulator }) => {
    const get = () => call(url, emulator, "GET", "/audit_logs/exports/x");

    await t.step(
      "a status and body for the next N matching requests",
      async () => {
        emulator.inject({
          method: "GET",
          path: "/audit_logs/exports/x",
          times: 2,
          status: 503,
          body: { message: "down" },
          headers: { "retry-after": "1" },
        });
        emulator.inject({ method: "POST", status: 500 });
        for (let i = 0; i < 2; i++) {
          const r = await get();
          assert.equal(r.status, 503);
          assert.deepEqual(r.body, { message: "down" });
          assert.equal(r.headers.get("retry-after"), "1");
          assert.ok(r.headers.get("x-request-id"));
        }
        assert.equal((await get()).status, 404);
        assert.equal(
          (await call(url, emulator, "POST", "/audit_logs/exports", {})).status,
          500,
        );
      },
    );

    await t.step("a path pattern, and a text body", async () => {
      emulator.inject({
        path: /^\/audit_logs\/exports\//,
        status: 502,
        body: "<html>bad gateway</html>",
      });
      const r = await get();
      assert.equal(r.status, 502);
      assert.equal(r.body, "<html>bad gateway</html>");
    });

    await t.step("a dropped connection rejects fetch", async () => {
      emulator.inject({ drop: true, times: 5 });
      await assert.rejects(
        fetch(`${url}/audit_logs/exports/x`, {
          headers: { connection: "close" },
        }),
        TypeError,
      );
      // Clients may retry a reset on a pooled connection by themselves; drain the rest.
      for (let i = 0; i < 5; i++) {
        try {
          await (await fetch(`${url}/audit_logs/exports/x`, {
            headers: { connection: "close" },
          })).body?.cancel();
        } catch { /* dropped */ }
      }
    });

    await t.step("a truncated body breaks while reading", async () => {
      emulator.inject({ truncate: true });
      await assert.rejects(async () => {
        const r = await fetch(`${url}/audit_logs/exports/x`, {
          headers: { authorization: `Bearer ${emulator.apiKey}` },
        });
        await r.text();
      }, TypeError);
    });

    await t.step("a non-JSON body keeps the status", async () => {
      emulator.inject({ nonJson: true });
      const r = await get();
      assert.equal(r.status, 404);
      assert.match(r.headers.get("content-type")!, /text\/html/);
      assert.match(r.body, /<html>/);
    });

    await t.step("a dripping body arrives whole", async () => {
      emulator.inject({ dripMs: 5 });
      const r = await get();
      assert.deepEqual(r.body, { message: "Audit Log Export not found: 'x'" });
    });

    await t.step("a hung request ends when the client aborts", async () => {
      emulator.inject({ hang: true });
      const controller = new AbortController();
      const pending = fetch(`${url}/audit_logs/exports/x`, {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error("gave up")), 50);
      await assert.rejects(pending, /gave up/);
    });

    await t.step(
      "a delay applies before normal handling, and aborts with the client",
      async () => {
        emulator.inject({ delayMs: 20 });
        assert.equal((await get()).status, 404);
        const inProcess = createEmulator();
        inProcess.inject({ delayMs: 60_000 });
        const controller = new AbortController();
        const pending = inProcess.fetch("http://e.test/", {
          signal: controller.signal,
        });
        controller.abort(new Error("stop"));
        await assert.rejects(pending, /stop/);
      },
    );
  });
});

Deno.test("emulator: works in-process as a fetch, with no server", async () => {
  const emulator = createEmulator({ exportDelayMs: 0 });
  const headers = {
    authorization: `Bearer ${emulator.apiKey}`,
    "content-type": "application/json",
  };
  const { fetch: detached } = emulator;
  const created = await detached("http://api.test/audit_logs/exports", {
    method: "POST",
    headers,
    body: JSON.stringify({
      organization_id: emulator.organizations[1],
      range_start: daysAgo(90),
      range_end: new Date().toISOString(),
    }),
  });
  const e = await created.json();
  const ready = await (await emulator.fetch(
    new Request(`http://api.test/audit_logs/exports/${e.id}`, { headers }),
  )).json();
  const csv = await (await emulator.fetch(ready.url)).text();
  const rows = parse(csv, { columns: true });
  assert.equal(
    rows.length,
    emulator.listEvents(emulator.organizations[1]).length,
  );
  assert.equal(rows.length, 400);
  emulator.inject({ drop: true });
  await assert.rejects(emulator.fetch("http://api.test/"), TypeError);
  assert.equal(emulator.requests.length, 4);
  assert.deepEqual(emulator.requests.map((r) => r.method), [
    "POST",
    "GET",
    "GET",
    "GET",
  ]);
});

Deno.test("emulator: with deduplicateExports, concurrent requests with one Idempotency-Key create one export", async () => {
  await withEmulator(
    { exportDelayMs: 0, deduplicateExports: true },
    async ({ url, emulator }) => {
      const body = {
        organization_id: emulator.organizations[0],
        range_start: daysAgo(3),
        range_end: daysAgo(1),
      };
      const answers = await Promise.all(
        Array.from(
          { length: 5 },
          () =>
            call(url, emulator, "POST", "/audit_logs/exports", body, {
              "idempotency-key": "same",
            }),
        ),
      );
      assert.deepEqual(answers.map((a) => a.status), [201, 201, 201, 201, 201]);
      assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
      assert.equal(emulator.listExports().length, 1);
    },
  );
});

Deno.test("emulator: the retention window counts calendar months, clamped at month ends", async () => {
  const now = Date.UTC(2026, 4, 31, 12); // May 31, 12:00 UTC: the window opens Feb 28, 12:00
  assert.equal(
    new Date(monthsBefore(now, 3)).toISOString(),
    "2026-02-28T12:00:00.000Z",
  );
  assert.equal(
    new Date(monthsBefore(Date.UTC(2028, 4, 31), 3)).toISOString(),
    "2028-02-29T00:00:00.000Z",
  );
  assert.equal(
    new Date(monthsBefore(Date.UTC(2026, 0, 15), 3)).toISOString(),
    "2025-10-15T00:00:00.000Z",
  );
  await withEmulator({ now: () => now }, async ({ url, emulator }) => {
    const post = (start: string) =>
      call(url, emulator, "POST", "/audit_logs/exports", {
        organization_id: emulator.organizations[0],
        range_start: start,
        range_end: new Date(now).toISOString(),
      });
    assert.equal((await post("2026-02-28T13:00:00Z")).status, 201);
    assert.equal((await post("2026-02-28T11:00:00Z")).status, 400);
  });
});

Deno.test("emulator: the default sample lies inside the retention window on any day", () => {
  for (
    const now of [
      Date.UTC(2026, 4, 1, 9),
      Date.UTC(2026, 2, 1),
      Date.UTC(2026, 11, 31, 23),
    ]
  ) {
    const emulator = createEmulator({ now: () => now });
    const oldest = Math.min(
      ...emulator.listEvents().map((e) => Date.parse(e.occurredAt)),
    );
    assert.ok(oldest >= monthsBefore(now, 3), new Date(oldest).toISOString());
    assert.ok(oldest < now - 80 * DAY, "and still spans about three months");
  }
});

/** Sends raw bytes to the server and returns the status line of its answer. */
async function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(bytes));
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0)).split(
      "\r\n",
    )[0];
  } finally {
    conn.close();
  }
}

Deno.test("emulator: malformed requests are answered, and the server lives on", async () => {
  await withEmulator({ maxBodyBytes: 1_024 }, async ({ url, emulator }) => {
    assert.match(
      await raw(
        url,
        "TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      ),
      /^HTTP\/1.1 4\d\d/,
    );
    assert.match(
      await raw(
        url,
        "GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      ),
      /^HTTP\/1.1 4\d\d/,
    );
    // A chunked body far over the cap: the 400 comes back and the rest is ignored.
    const chunk = "x".repeat(4_000);
    const chunked =
      `POST /audit_logs/exports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${emulator.apiKey}\r\n` +
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      `${(4_000).toString(16)}\r\n${chunk}\r\n`.repeat(20) + "0\r\n\r\n";
    assert.match(await raw(url, chunked), /^HTTP\/1.1 400/);
    // A target that looks like another host stays a path on this one.
    const other = await call(
      url,
      emulator,
      "GET",
      "//evil.example/audit_logs/exports/x",
    );
    assert.equal(other.status, 404);
    assert.match(other.body.message, /^Not found/);
    assert.equal(
      (await call(url, emulator, "GET", "/audit_logs/exports/x")).status,
      404,
    );
  });
});

Deno.test("emulator: HEAD reads an export's status without a body; fault patterns may carry flags", async () => {
  await withEmulator({ exportDelayMs: 0 }, async ({ url, emulator }) => {
    const created = await call(url, emulator, "POST", "/audit_logs/exports", {
      organization_id: emulator.organizations[0],
      range_start: daysAgo(2),
      range_end: daysAgo(1),
    });
    const head = await fetch(`${url}/audit_logs/exports/${created.body.id}`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${emulator.apiKey}` },
    });
    assert.equal(head.status, 200);
    assert.ok(head.headers.get("x-request-id"));
    assert.equal(await head.text(), "");
    emulator.inject({ path: /exports/g, status: 503, times: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(
        (await call(url, emulator, "GET", "/audit_logs/exports/x")).status,
      );
    }
    assert.deepEqual(statuses, [503, 503, 503, 404]);
  });
});

Deno.test("serveEmulator: accepts a request target in absolute form, as a proxy sends it", async () => {
  await withEmulator({}, async ({ url, emulator }) => {
    const { port } = new URL(url);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: +port });
    const request = [
      `GET ${url}/audit_logs/exports/audit_log_export_x HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      `Authorization: Bearer ${emulator.apiKey}`,
      "Connection: close",
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(request));
    const answer = new TextDecoder().decode(
      await new Response(conn.readable).arrayBuffer(),
    );
    assert.match(answer, /^HTTP\/1\.1 404 /);
    assert.match(
      answer,
      /"Audit Log Export not found: 'audit_log_export_x'"/,
    );
    assert.equal(
      emulator.requests.at(-1)!.path,
      "/audit_logs/exports/audit_log_export_x",
    );
  });
});

Deno.test("emulator: a download says its Content-Length, exact for any text", async () => {
  const org = "org_lengths";
  const names = [
    "ascii",
    "é",
    "€",
    "😀",
    "\ud800",
    "a\udc00b",
    "\ud83d",
    "日本語",
  ];
  const emulator = createEmulator({
    organizations: [org],
    events: names.map((name, i) => ({
      organizationId: org,
      action: "user.signed_in",
      occurredAt: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
      actor: { id: `u${i}`, type: "user", name },
      targets: [{ id: "t", type: "team", name: `${name}${name}` }],
      context: { location: "203.0.113.7" },
    })),
    exportDelayMs: 0,
  });
  const created = await emulator.fetch("http://localhost/audit_logs/exports", {
    method: "POST",
    headers: {
      authorization: `Bearer ${emulator.apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      organization_id: org,
      range_start: new Date(Date.now() - DAY).toISOString(),
      range_end: new Date().toISOString(),
    }),
  }).then((r) => r.json());
  const file = await emulator.fetch(created.url);
  const bytes = new Uint8Array(await file.arrayBuffer());
  assert.equal(Number(file.headers.get("content-length")), bytes.byteLength);
  const head = await emulator.fetch(created.url, { method: "HEAD" });
  assert.equal(head.headers.get("content-length"), String(bytes.byteLength));
});

// The emulator reads the wire names from the client's table, so they agree
// by construction; what is left to test is that each filter, sent under each
// of the client's spellings, selects what it should.
Deno.test("emulator: every filter of the client's table selects events, under every spelling", async () => {
  const { FILTERS } = await import("../src/filters.ts");
  const { createExport, NoEventsError } = await import("../mod.ts");
  const org = "org_filters";
  const event = {
    organizationId: org,
    action: "user.signed_in",
    occurredAt: daysAgo(1),
    actor: { id: "user_ada", type: "user", name: "Ada" },
    targets: [{ id: "team_1", type: "team" }],
    context: { location: "203.0.113.7" },
  };
  // Keyed by option: a filter added to the table needs a value here.
  const matching: Record<FilterOption, string> = {
    actions: event.action,
    actorIds: event.actor.id,
    actorNames: event.actor.name,
    targets: event.targets[0].type,
  };
  await withEmulator(
    { organizations: [org], events: [event], exportDelayMs: 0 },
    async ({ url, emulator }) => {
      const config = { apiKey: emulator.apiKey, baseUrl: url, maxRetries: 0 };
      const range = {
        organizationId: org,
        rangeStart: daysAgo(2),
        rangeEnd: daysAgo(0),
      };
      for (const filter of FILTERS) {
        for (const name of [filter.option, ...filter.aliases]) {
          // A filter the emulator ignored would export the event anyway.
          await assert.rejects(
            createExport({ ...range, [name]: ["no-such-value"] }, config),
            NoEventsError,
            name,
          );
          const created = await createExport(
            { ...range, [name]: [matching[filter.option]] },
            config,
          );
          assert.equal(created.object, "audit_log_export", name);
          const sent = JSON.parse(emulator.requests.at(-1)!.body!);
          assert.deepEqual(sent[filter.wire], [matching[filter.option]]);
        }
        // And the emulator checks the type of each wire name.
        const wrong = await call(url, emulator, "POST", "/audit_logs/exports", {
          organization_id: org,
          range_start: range.rangeStart,
          range_end: range.rangeEnd,
          [filter.wire]: "not a list",
        });
        assert.equal(wrong.status, 422, filter.wire);
        assert.deepEqual(wrong.body.errors, [{
          field: filter.wire,
          code: "invalid_type",
        }]);
      }
    },
  );
});
