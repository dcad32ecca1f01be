/**
 * Creating, reading and waiting for exports, through the public API against the served emulator.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ApiError,
  AuditLogError,
  BadRequestError,
  createExport,
  type CreateExportOptions,
  downloadExport,
  ExportFailedError,
  exportRows,
  getExport,
  InvalidResponseError,
  NoEventsError,
  NotFoundError,
  TimeoutError,
  ValidationError,
  VERSION,
  waitForExport,
} from "../mod.ts";
import { DOWNLOAD_PREFIX, SAMPLE_ORGANIZATIONS } from "../testing.ts";
import { failure, seedCall, SEEDED } from "./api_helpers.ts";
import { clock, DAY, daysAgo, storedEvent, withEmulator } from "./helpers.ts";

Deno.test("createExport sends exactly the documented body and headers", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const options = seedCall(emulator.organizations[0]);
    const created = await createExport(options, {
      ...config,
      headers: { "x-trace": "abc" },
    });
    assert.equal(created.object, "audit_log_export");
    assert.equal(created.state, "ready");
    assert.equal(typeof created.url, "string");
    assert.deepEqual(Object.keys(created).sort(), [
      "createdAt",
      "id",
      "object",
      "state",
      "updatedAt",
      "url",
    ]);
    const [request] = emulator.requests;
    assert.equal(request.method, "POST");
    assert.equal(request.path, "/audit_logs/exports");
    assert.equal(
      request.body,
      JSON.stringify({
        organization_id: options.organizationId,
        range_start: options.rangeStart.toISOString(),
        range_end: options.rangeEnd.toISOString(),
        actions: ["user.signed_in"],
        actor_ids: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
        targets: ["team"],
      }),
    );
    assert.equal(request.headers.authorization, "Bearer [emulator key]");
    assert.equal(request.headers["content-type"], "application/json");
    assert.equal(request.headers.accept, "application/json");
    assert.equal(request.headers["user-agent"], `audit-log-export/${VERSION}`);
    assert.equal(request.headers["x-trace"], "abc");
    assert.match(request.headers["idempotency-key"], /^[0-9a-f-]{36}$/);
  });
});

const spellingRange = {
  rangeStart: "2026-11-01T00:00:00+01:00",
  rangeEnd: daysAgo(1),
};

Deno.test("createExport: every spelling maps to the wire names; empty lists are left out", async () => {
  // Each case's filters match one of these, so every call creates an export.
  const inRange = new Date(
    (Date.parse(spellingRange.rangeStart) +
      Date.parse(spellingRange.rangeEnd)) /
      2,
  ).toISOString();
  const org = SAMPLE_ORGANIZATIONS[0];
  const events = [
    storedEvent(org, {
      occurredAt: inRange,
      actor: { id: "a", type: "user", name: "Ann" },
    }),
    storedEvent(org, { occurredAt: inRange, action: "'; DROP TABLE x; --" }),
  ];
  await withEmulator({ ...SEEDED, events }, async ({ emulator, config }) => {
    const base = {
      organizationId: emulator.organizations[0],
      ...spellingRange,
    };
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ actorIds: ["a"], actorNames: ["Ann"] }, {
        actor_names: ["Ann"],
        actor_ids: ["a"],
      }],
      [{ actor_names: ["Ann"] }, { actor_names: ["Ann"] }],
      [{ actors: ["Ann"] }, { actor_names: ["Ann"] }],
      [{ actions: [], targets: [], actorIds: [] }, {}],
      [{ actions: ["'; DROP TABLE x; --", "🧾", "=1+1"] }, {
        actions: ["'; DROP TABLE x; --", "🧾", "=1+1"],
      }],
    ];
    for (const [filters, wire] of cases) {
      const created = await createExport(
        { ...base, ...filters } as CreateExportOptions,
        config,
      );
      assert.equal(created.object, "audit_log_export");
      const sent = JSON.parse(emulator.requests.at(-1)!.body!);
      assert.deepEqual(sent, {
        organization_id: base.organizationId,
        range_start: "2026-10-31T23:00:00.000Z",
        range_end: base.rangeEnd,
        ...wire,
      });
    }
    assert.equal(emulator.listExports().length, cases.length);
  });
});

Deno.test("createExport: bad input is one ValidationError listing every problem, and sends nothing", async (t) => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const good = {
      organizationId: "org_1",
      rangeStart: "2026-10-01T00:00:00Z",
      rangeEnd: "2026-10-02T00:00:00Z",
    };
    const expectIssues = async (input: unknown, paths: string[]) => {
      const error = await failure(
        createExport(input as CreateExportOptions, config),
      );
      assert.ok(error instanceof ValidationError, String(error));
      assert.ok(error instanceof AuditLogError);
      assert.deepEqual(
        error.issues.map((i) => i.path),
        paths,
        JSON.stringify(error.issues),
      );
      for (const issue of error.issues) assert.ok(issue.message.length > 0);
      assert.equal(emulator.requests.length, 0);
    };
    await t.step("non-object options", async () => {
      for (const input of [undefined, null, "org_1", 42, [], true]) {
        await expectIssues(input, [""]);
      }
    });
    await t.step(
      "organizationId: missing, empty, wrong type, huge, control characters",
      async () => {
        const { organizationId: _, ...rest } = good;
        await expectIssues(rest, ["organizationId"]);
        for (
          const organizationId of [
            "",
            7,
            null,
            ["org_1"],
            "x".repeat(1001),
            "org\r\n1",
            "org\u0000",
          ]
        ) {
          await expectIssues({ ...good, organizationId }, ["organizationId"]);
        }
      },
    );
    await t.step(
      "dates: invalid Date, no zone, not ISO, not a calendar day, wrong type",
      async () => {
        const bad = [
          new Date(NaN),
          "2026-10-01T00:00:00",
          "2026-10-01",
          "yesterday",
          "2026-02-30T00:00:00Z",
          "2026-10-01T25:00:00Z",
          1727740800000,
          "",
          "2026-10-01T00:00:00Z".repeat(1000),
        ];
        for (const rangeStart of bad) {
          await expectIssues({ ...good, rangeStart }, ["rangeStart"]);
        }
        await expectIssues({ ...good, rangeStart: null, rangeEnd: "soon" }, [
          "rangeStart",
          "rangeEnd",
        ]);
      },
    );
    await t.step("the range must have start before end", async () => {
      await expectIssues({ ...good, rangeEnd: good.rangeStart }, ["rangeEnd"]);
      await expectIssues({
        ...good,
        rangeStart: new Date("2026-10-03T00:00:00Z"),
      }, ["rangeEnd"]);
      await expectIssues({ ...good, rangeEnd: "2026-10-01T01:00:00+02:00" }, [
        "rangeEnd",
      ]);
    });
    await t.step(
      "filters: not arrays, non-strings, empty strings",
      async () => {
        await expectIssues({ ...good, actions: "user.signed_in" }, ["actions"]);
        await expectIssues({ ...good, targets: [1, "team", null] }, [
          "targets.0",
          "targets.2",
        ]);
        await expectIssues({ ...good, actorNames: [""] }, ["actorNames.0"]);
        await expectIssues({ ...good, actor_ids: ["a\nb"] }, ["actor_ids.0"]);
      },
    );
    await t.step("the same filter under two spellings", async () => {
      await expectIssues({ ...good, actorIds: ["a"], actor_ids: ["b"] }, [
        "actor_ids",
      ]);
      await expectIssues({ ...good, actor_names: ["a"], actors: ["b"] }, [
        "actors",
      ]);
    });
    await t.step("unknown keys, such as a typo in a filter", async () => {
      await expectIssues({ ...good, action: ["user.signed_in"] }, ["action"]);
      await expectIssues({
        ...good,
        __proto__: { polluted: true },
        constructor: 1,
      }, ["constructor"]);
    });
    await t.step("every problem at once", async () => {
      await expectIssues(
        {
          organizationId: "",
          rangeStart: "x",
          rangeEnd: new Date(NaN),
          actions: [2],
          actorIds: [],
          actor_ids: [],
          extra: 1,
        },
        [
          "organizationId",
          "rangeStart",
          "rangeEnd",
          "actions.0",
          "extra",
          "actor_ids",
        ],
      );
    });
  });
});

Deno.test("createExport: an empty period is a NoEventsError: a final 400 with no code, and no export", async (t) => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const org = emulator.organizations[0];
    const expectNoEvents = async (options: CreateExportOptions) => {
      const before = emulator.requests.length;
      const error = await failure(createExport(options, config));
      assert.ok(error instanceof NoEventsError, String(error));
      assert.ok(error instanceof BadRequestError);
      assert.ok(error instanceof ApiError);
      assert.ok(error instanceof AuditLogError);
      assert.equal(error.name, "NoEventsError");
      assert.equal(error.status, 400);
      assert.equal(error.code, undefined);
      assert.equal(error.errors, undefined);
      assert.match(error.requestId!, /^req_/);
      assert.match(error.message, /^no audit log events found/i);
      assert.equal(emulator.requests.length, before + 1, "a 400 is final");
    };
    await t.step("a range with no events", async () => {
      await expectNoEvents({
        organizationId: org,
        rangeStart: new Date(Date.now() - 20 * DAY),
        rangeEnd: new Date(Date.now() - 10 * DAY),
      });
    });
    await t.step(
      "filters that match nothing in a range with events",
      async () => {
        await expectNoEvents({
          ...seedCall(org),
          actions: ["user.signed_out"],
        });
        await expectNoEvents({ ...seedCall(org), actorNames: ["Nobody"] });
      },
    );
    await t.step(
      "the message alone identifies it, in any case, with a final period",
      async () => {
        for (
          const message of [
            "no audit log events found.",
            "NO AUDIT LOG EVENTS FOUND",
          ]
        ) {
          emulator.inject({ method: "POST", status: 400, body: { message } });
          await expectNoEvents(seedCall(org));
        }
      },
    );
    await t.step(
      "another 400, or that message with another status, is not",
      async () => {
        const cases: [number, string, new (...a: never[]) => ApiError][] = [
          [400, "Invalid date range", BadRequestError],
          [
            400,
            "No audit log events found in archive storage",
            BadRequestError,
          ],
          [404, "No audit log events found", NotFoundError],
        ];
        for (const [status, message, Class] of cases) {
          emulator.inject({ method: "POST", status, body: { message } });
          const error = await failure(createExport(seedCall(org), config));
          assert.ok(error instanceof Class, `${status} ${message}: ${error}`);
          assert.equal(error instanceof NoEventsError, false, message);
        }
      },
    );
    assert.deepEqual(emulator.listExports(), []);
  });
});

Deno.test("createExport: a 2xx whose body is not an export is an InvalidResponseError, never retried", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const org = emulator.organizations[0];
    const bodies: unknown[] = [
      "not json",
      { object: "organization", id: "x" },
      {
        object: "audit_log_export",
        id: 5,
        state: "ready",
        created_at: "",
        updated_at: "",
      },
      [],
      null,
    ];
    for (const body of bodies) {
      emulator.inject({
        method: "POST",
        status: 201,
        body: body === null ? "null" : body,
      });
      const error = await failure(createExport(seedCall(org), config));
      assert.ok(error instanceof InvalidResponseError, String(error));
      assert.equal(error.status, 201);
    }
    emulator.inject({ nonJson: true });
    const html = await failure(getExport("x", config));
    assert.ok(
      html instanceof NotFoundError,
      "a non-JSON error body still maps by status",
    );
    assert.equal(emulator.requests.length, bodies.length + 1);
  });
});

Deno.test("getExport: responses pass unknown states through and cannot pollute prototypes", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    emulator.inject({
      status: 200,
      body:
        '{"object":"audit_log_export","id":"e1","state":"archived","url":null,"created_at":"a","updated_at":"b","__proto__":{"polluted":true},"extra":1}',
    });
    const e = await getExport("e1", config);
    assert.deepEqual(e, {
      object: "audit_log_export",
      id: "e1",
      state: "archived",
      createdAt: "a",
      updatedAt: "b",
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal("url" in e, false);
  });
});

Deno.test("getExport encodes the id so it can never change the path", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    for (
      const id of ["a/../b", "x?y=1", "x#frag", "%2e%2e", "..a", "sp ace", "ü"]
    ) {
      const error = await failure(getExport(id, config));
      assert.ok(error instanceof NotFoundError);
      assert.equal(
        error.message.startsWith(`Audit Log Export not found: '${id}'`),
        true,
        error.message,
      );
      assert.equal(
        emulator.requests.at(-1)!.path,
        `/audit_logs/exports/${encodeURIComponent(id)}`,
      );
    }
    for (const id of ["", ".", "..", "a\nb", 5, null]) {
      const error = await failure(getExport(id as string, config));
      assert.ok(error instanceof ValidationError);
      assert.equal(error.issues[0].path, "id");
    }
  });
});

Deno.test("waitForExport polls from pending to ready, reporting progress", async () => {
  await withEmulator(
    { ...SEEDED, exportDelayMs: 300 },
    async ({ emulator, config }) => {
      const created = await createExport(
        seedCall(emulator.organizations[0]),
        config,
      );
      assert.equal(created.state, "pending");
      const seen: string[] = [];
      const ready = await waitForExport(created, {
        ...config,
        pollInterval: 50,
        onPoll: (e) => seen.push(e.state),
      });
      assert.equal(ready.state, "ready");
      assert.match(
        ready.url!,
        /^http:\/\/127\.0\.0\.1:\d+\/_emulator\/downloads\//,
      );
      assert.equal(seen.at(-1), "ready");
      assert.ok(
        seen.length >= 2 && seen.slice(0, -1).every((s) => s === "pending"),
        String(seen),
      );
      const before = emulator.requests.length;
      assert.equal(await waitForExport(ready, config), ready);
      assert.equal(
        emulator.requests.length,
        before,
        "a ready export needs no request",
      );
      const byId = await waitForExport(created.id, config);
      assert.equal(byId.state, "ready");
    },
  );
});

Deno.test("waitForExport fails with ExportFailedError on error or expired", async () => {
  for (const state of ["error", "expired"]) {
    await withEmulator(
      { ...SEEDED, exportDelayMs: 60_000 },
      async ({ emulator, config }) => {
        const created = await createExport(
          seedCall(emulator.organizations[0]),
          config,
        );
        setTimeout(() => emulator.setExportState(created.id, state), 100);
        const error = await failure(
          waitForExport(created, { ...config, pollInterval: 30 }),
        );
        assert.ok(error instanceof ExportFailedError);
        assert.equal(error.export.id, created.id);
        assert.equal(error.export.state, state);
      },
    );
  }
});

Deno.test("an export that expires is an ExportFailedError with the export, from waitForExport, downloadExport and exportRows", async () => {
  const time = clock(Date.now());
  await withEmulator({
    ...SEEDED,
    now: time.now,
    exportDelayMs: 1_000,
    exportExpiryMs: 60_000,
  }, async ({ emulator, config }) => {
    const created = await createExport(
      seedCall(emulator.organizations[0]),
      config,
    );
    assert.equal(created.state, "pending");
    // The emulator's clock moves a second per poll: ready at the second.
    const ready = await waitForExport(created, {
      ...config,
      pollInterval: 1,
      onPoll: () => time.advance(1_000),
    });
    assert.equal(ready.state, "ready");
    // Opened while ready, cut after 100 bytes, resumed once expired: the
    // resume's URL is refused, and the export, read again, is expired.
    emulator.inject({ path: new RegExp(`^${DOWNLOAD_PREFIX}`), truncate: 100 });
    const cut = await downloadExport(ready, config);
    time.advance(5 * 60_000);
    const expectExpired = (error: Error) => {
      assert.ok(error instanceof ExportFailedError, String(error));
      assert.equal(error.export.id, created.id);
      assert.equal(error.export.state, "expired");
      assert.equal(error.export.url, undefined);
      assert.equal("url" in error.export, false);
      assert.match(error.message, /expired/);
    };
    expectExpired(await failure(new Response(cut).arrayBuffer()));
    expectExpired(await failure(waitForExport(created.id, config)));
    expectExpired(await failure(waitForExport(created, config)));
    // A ready export object still holds its URL; the file host refuses it,
    // and the export read again says why.
    const downloads = () =>
      emulator.requests.filter((r) => r.path.startsWith(DOWNLOAD_PREFIX))
        .length;
    const before = downloads();
    expectExpired(await failure(downloadExport(ready, config)));
    assert.equal(downloads(), before + 1, "the stale URL was tried once");
    expectExpired(await failure(downloadExport(created.id, config)));
    expectExpired(await failure(Array.fromAsync(exportRows(ready, config))));
  });
});

Deno.test("waitForExport gives up with a TimeoutError after maxWait, and stops on abort", async () => {
  await withEmulator(
    { ...SEEDED, exportDelayMs: 600_000 },
    async ({ emulator, config }) => {
      const created = await createExport(
        seedCall(emulator.organizations[0]),
        config,
      );
      const error = await failure(
        waitForExport(created, { ...config, pollInterval: 20, maxWait: 150 }),
      );
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.timeout, 150);
      const reason = new Error("stop");
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 80);
      assert.equal(
        await failure(
          waitForExport(created.id, {
            ...config,
            pollInterval: 20,
            signal: controller.signal,
          }),
        ),
        reason,
      );
      const wrong = await failure(
        waitForExport({ state: "ready" } as never, config),
      );
      assert.ok(wrong instanceof ValidationError);
    },
  );
});

Deno.test("waitForExport polls once more just before maxWait instead of sleeping past it", async () => {
  await withEmulator(
    { ...SEEDED, exportDelayMs: 5_500 },
    async ({ emulator, config }) => {
      const created = await createExport(
        seedCall(emulator.organizations[0]),
        config,
      );
      // Polls at 4 s (pending), then just before maxWait (6 s): ready since 5.5 s.
      const ready = await waitForExport(created, {
        ...config,
        pollInterval: 4_000,
        maxPollInterval: 4_000,
        maxWait: 6_000,
      });
      assert.equal(ready.state, "ready");
    },
  );
});
