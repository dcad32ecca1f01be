/**
 * `exportEvents`: export files read back as typed events, from the
 * emulator's exports and from CSV text written by hand in the layout of
 * real WorkOS exports.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ApiError,
  type AuditLogEvent,
  BadRequestError,
  createClient,
  createExport,
  CsvParseError,
  exportEvents,
  NoEventsError,
  ValidationError,
} from "../mod.ts";
import { DAY, withEmulator } from "./helpers.ts";

const encoder = new TextEncoder();

/** Hand-written CSV text as a byte stream. */
const csv = (text: string): ReadableStream<Uint8Array> =>
  new Response(encoder.encode(text)).body!;

const read = (text: string): Promise<AuditLogEvent[]> =>
  Array.fromAsync(exportEvents(csv(text)));

Deno.test("exportEvents reads the layout of real exports, targets numbered from 1", async () => {
  const events = await read(
    "action,occurred_at,actor_id,actor_type,actor_name,actor_metadata," +
      "context_location,context_user_agent,metadata," +
      "target_id_1,target_type_1,target_name_1,target_metadata_1," +
      "target_id_2,target_type_2,target_name_2,target_metadata_2\r\n" +
      'user.signed_in,2026-10-01T09:30:00.000Z,user_1,user,"Lovelace, Ada",' +
      '"{""email"":""ada@example.com""}",203.0.113.7,Mozilla/5.0,' +
      '"{""seats"":12,""mfa"":true,""plan"":""pro""}",' +
      'team_1,team,Engineering,"{""size"":""40""}",doc_9,document,,\r\n' +
      "user.signed_out,2026-10-01T10:00:00+02:00,user_2,user,,,198.51.100.1,,,,,,,,,,\r\n",
  );
  assert.deepEqual(events, [
    {
      action: "user.signed_in",
      occurredAt: new Date("2026-10-01T09:30:00.000Z"),
      actor: {
        id: "user_1",
        type: "user",
        name: "Lovelace, Ada",
        metadata: { email: "ada@example.com" },
      },
      targets: [
        {
          id: "team_1",
          type: "team",
          name: "Engineering",
          metadata: { size: "40" },
        },
        { id: "doc_9", type: "document" },
      ],
      context: { location: "203.0.113.7", userAgent: "Mozilla/5.0" },
      metadata: { seats: 12, mfa: true, plan: "pro" },
      raw: {},
    },
    {
      action: "user.signed_out",
      occurredAt: new Date("2026-10-01T08:00:00.000Z"),
      actor: { id: "user_2", type: "user" },
      targets: [],
      context: { location: "198.51.100.1" },
      raw: {},
    },
  ]);
  assert.ok(events[0].occurredAt instanceof Date);
});

Deno.test("exportEvents gathers targets in the order of N, whatever N starts at and whatever the column order", async () => {
  // Numbered from 0, columns shuffled, N=10 after N=2 (numeric, not text, order).
  const events = await read(
    "target_type_10,metadata,target_id_0,occurred_at,target_id_10," +
      "actor_type,target_type_0,action,actor_id,target_id_2,target_type_2\n" +
      "team,,user_0,2026-10-02T00:00:00Z,team_10,user,user,member.added,u_1,doc_2,document\n",
  );
  assert.deepEqual(events.map((e) => e.targets), [[
    { id: "user_0", type: "user" },
    { id: "doc_2", type: "document" },
    { id: "team_10", type: "team" },
  ]]);
  assert.deepEqual(events[0].actor, { id: "u_1", type: "user" });
  assert.equal(events[0].action, "member.added");
  assert.deepEqual(events[0].context, {});
});

Deno.test("exportEvents: two columns naming one field are an error naming both and the header's line, never a dropped value", async (t) => {
  const row = (header: string) =>
    header.split(",").map((name, i) =>
      name === "occurred_at" ? "2026-10-02T00:00:00Z" : `v${i}`
    ).join(",");
  const cases: [string, string, string[]][] = [
    [
      "target_id_1 and target_id_01",
      "action,occurred_at,target_id_1,target_type_1,target_id_01",
      ["target_id_1", "target_id_01"],
    ],
    [
      "N written with leading zeros both times",
      "action,occurred_at,target_type_007,target_type_7,target_id_7",
      ["target_type_007", "target_type_7"],
    ],
    [
      "a target metadata column for N=0 twice",
      "action,occurred_at,target_metadata_0,target_metadata_00",
      ["target_metadata_0", "target_metadata_00"],
    ],
    ["target_type_2 twice", "action,occurred_at,target_type_2,target_type_2", [
      "target_type_2",
    ]],
    ["action twice", "action,occurred_at,action", ["action"]],
  ];
  for (const [name, header, columns] of cases) {
    await t.step(name, async () => {
      // Blank lines first: the error names the header's own line, not line 1.
      const text = `\n\n${header}\n${row(header)}\n`;
      await assert.rejects(read(text), (error) => {
        assert.ok(error instanceof CsvParseError, String(error));
        assert.equal(error.line, 3);
        for (const column of columns) {
          assert.ok(error.message.includes(`"${column}"`), error.message);
        }
        return true;
      });
    });
  }
  await t.step(
    "distinct numbers and fields are still read, in the order of N",
    async () => {
      const [event] = await read(
        "action,occurred_at,target_id_01,target_type_01,target_id_2,target_type_2\n" +
          "a.b,2026-10-02T00:00:00Z,t1,team,t2,doc\n",
      );
      assert.deepEqual(event.targets, [
        { id: "t1", type: "team" },
        { id: "t2", type: "doc" },
      ]);
    },
  );
});

Deno.test("exportEvents keeps unknown columns, as text, in raw", async () => {
  const [event] = await read(
    "id,action,occurred_at,version,target_id_x,__proto__,constructor\n" +
      'event_01,user.signed_in,2026-10-03T00:00:00Z,2,t,"{""polluted"":true}",c\n',
  );
  assert.deepEqual(Object.keys(event.raw), [
    "id",
    "version",
    "target_id_x",
    "__proto__",
    "constructor",
  ]);
  assert.equal(event.raw.id, "event_01");
  assert.equal(event.raw.version, "2");
  assert.equal(event.raw["__proto__"], '{"polluted":true}');
  assert.equal(Object.getPrototypeOf(event.raw), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(event.targets, []);
});

Deno.test("exportEvents reads targets from a single JSON targets column", async () => {
  const [event] = await read(
    "action,occurred_at,actor_id,actor_type,targets\n" +
      'a.b,2026-10-04T00:00:00Z,u,user,"[{""id"":""t1"",""type"":""team"",""name"":""T""},' +
      '{""id"":""t2"",""type"":""doc"",""metadata"":{""k"":""v""}}]"\n',
  );
  assert.deepEqual(event.targets, [
    { id: "t1", type: "team", name: "T" },
    { id: "t2", type: "doc", metadata: { k: "v" } },
  ]);
});

Deno.test("exportEvents: a row without an action or a parsable time is an error naming its line", async (t) => {
  const header = "action,occurred_at,actor_id\n";
  // The quoted line break makes the bad row's physical line differ from its record number.
  const good = 'a.b,2026-10-01T00:00:00Z,"two\nlines"\n';
  const cases: [string, string, number, RegExp][] = [
    ["an empty action", ",2026-10-01T00:00:00Z,u\n", 4, /no action/],
    ["an empty time", "a.b,,u\n", 4, /occurred_at ""/],
    ["a time with no zone", "a.b,2026-10-01T00:00:00,u\n", 4, /time zone/],
    ["a date that does not exist", "a.b,2026-02-30T00:00:00Z,u\n", 4, /02-30/],
    ["a hostile time", 'a.b,"<script>\r\n",u\n', 4, /<script>/],
  ];
  for (const [name, row, line, message] of cases) {
    await t.step(name, async () => {
      await assert.rejects(read(header + good + row), (error) => {
        assert.ok(error instanceof CsvParseError, String(error));
        assert.equal(error.line, line);
        assert.match(error.message, message);
        assert.match(error.message, new RegExp(`line ${line}\\)$`));
        return true;
      });
    });
  }
  await t.step(
    "a header without action or occurred_at fails on line 1",
    async () => {
      for (
        const text of ["occurred_at,x\n2026-10-01T00:00:00Z,1\n", "action\na\n"]
      ) {
        await assert.rejects(read(text), (error) => {
          assert.ok(error instanceof CsvParseError);
          assert.equal(error.line, 1);
          assert.match(error.message, /has no (action|occurred_at) column/);
          return true;
        });
      }
    },
  );
});

Deno.test("exportEvents: a JSON cell that does not parse is an error naming line and column", async (t) => {
  const header =
    "action,occurred_at,metadata,actor_metadata,target_metadata_1,targets\n";
  const cases: [string, string, string][] = [
    ["metadata that is not JSON", "{oops,,,", "metadata"],
    ["metadata that is an array", '"[1,2]",,,', "metadata"],
    ["metadata that is null", "null,,,", "metadata"],
    ["actor metadata that is a string", ',"""x""",,', "actor_metadata"],
    ["target metadata that is a number", ",,7,", "target_metadata_1"],
    ["targets that are not an array", ',,,"{}"', "targets"],
    ["a target without an id", ',,,"[{""type"":""t""}]"', "targets"],
    ["a target that is null", ',,,"[null]"', "targets"],
  ];
  for (const [name, cells, column] of cases) {
    await t.step(name, async () => {
      await assert.rejects(
        read(`${header}a.b,2026-10-01T00:00:00Z,${cells}\n`),
        (error) => {
          assert.ok(error instanceof CsvParseError, String(error));
          assert.equal(error.line, 2);
          assert.ok(error.message.includes(`"${column}"`), error.message);
          return true;
        },
      );
    });
  }
});

Deno.test("exportEvents: empty, header-only and huge inputs", async (t) => {
  await t.step(
    "an empty file and a header-only file hold no events",
    async () => {
      assert.deepEqual(await read(""), []);
      assert.deepEqual(await read("action,occurred_at\r\n"), []);
    },
  );
  await t.step(
    "a megabyte name and 50 metadata keys come back whole",
    async () => {
      const name = 'ä,"\n'.repeat(250_000);
      const metadata = Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [`k${i}`, "v".repeat(500)]),
      );
      const cell = (s: string) => `"${s.replaceAll('"', '""')}"`;
      const [event] = await read(
        "action,occurred_at,actor_id,actor_type,actor_name,metadata\n" +
          `a,2026-10-01T00:00:00Z,u,user,${cell(name)},${
            cell(JSON.stringify(metadata))
          }\n`,
      );
      assert.equal(event.actor.name, name);
      assert.deepEqual(event.metadata, metadata);
    },
  );
  await t.step("a row with too few fields names its line", async () => {
    await assert.rejects(
      read("action,occurred_at\na,2026-10-01T00:00:00Z\nb\n"),
      (error) => error instanceof CsvParseError && error.line === 3,
    );
  });
});

Deno.test("exportEvents refuses a source of the wrong type before any request", async () => {
  const requests: string[] = [];
  const config = {
    apiKey: "sk_test_x",
    fetch: (url: string) => {
      requests.push(url);
      return Promise.reject(new Error("no request expected"));
    },
  };
  for (const source of [42, null, true, undefined, Symbol("s")]) {
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      Array.fromAsync(exportEvents(source as any, config)),
      ValidationError,
    );
  }
  // Any other object is export options, so a typo in a filter is caught.
  const typo = {
    organizationId: "org_1",
    rangeStart: "2026-10-01",
    rangeEnd: "",
    actionz: ["user.signed_in"],
  };
  await assert.rejects(
    Array.fromAsync(exportEvents(typo, config)),
    (error) => {
      assert.ok(error instanceof ValidationError);
      assert.deepEqual(error.issues.map((i) => i.path).sort(), [
        "actionz",
        "rangeEnd",
        "rangeStart",
      ]);
      return true;
    },
  );
  assert.deepEqual(requests, []);
});

Deno.test("exportEvents streams: it reads no further ahead than the event it yields", async () => {
  const total = 3_000;
  let pulled = 0;
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      if (i === 0) {
        controller.enqueue(
          encoder.encode("action,occurred_at,target_id_1,target_type_1\n"),
        );
      }
      if (i >= total) return controller.close();
      i++;
      controller.enqueue(
        encoder.encode(`a.${i},2026-10-01T00:00:00Z,t${i},team\n`),
      );
    },
  }, { highWaterMark: 0 });
  let count = 0;
  for await (const event of exportEvents(stream)) {
    count++;
    assert.equal(event.action, `a.${count}`);
    assert.deepEqual(event.targets, [{ id: `t${count}`, type: "team" }]);
    assert.ok(pulled <= count + 2, `event ${count}: pulled ${pulled}`);
  }
  assert.equal(count, total);
});

/** Text with everything CSV must quote, and unicode beyond the BMP. */
const text = (minLength: number, maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
      },
      fc.constantFrom(
        '"',
        ",",
        "\n",
        "\r",
        "\r\n",
        " ",
        "=",
        "\ufeff",
        "😀",
        "\u0000",
      ),
    ),
    minLength,
    maxLength,
  });

const metadataValue = fc.oneof(
  text(0, 20),
  fc.constant("x".repeat(500)),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);

const entity = fc.record({
  id: text(1, 12),
  type: text(1, 12),
  name: fc.option(text(0, 12), { nil: undefined }),
  metadata: fc.option(fc.dictionary(text(0, 8), text(0, 12), { maxKeys: 5 }), {
    nil: undefined,
  }),
}, { requiredKeys: ["id", "type"] });

/** The wire event of `POST /audit_logs/events`, in snake_case. */
const wireEvent = fc.record({
  action: text(1, 20),
  actor: entity,
  targets: fc.array(entity, { maxLength: 10 }),
  context: fc.record({
    location: text(0, 16),
    user_agent: fc.option(text(0, 16), { nil: undefined }),
  }, { requiredKeys: ["location"] }),
  metadata: fc.option(
    fc.dictionary(text(0, 10), metadataValue, { maxKeys: 50 }),
    { nil: undefined },
  ),
}, { requiredKeys: ["action", "actor", "targets", "context"] });

type Wire = typeof wireEvent extends fc.Arbitrary<infer T> ? T : never;
type WireEntity = Wire["actor"];

/**
 * What reading an event back must give. A CSV cell cannot tell an empty
 * string from a missing one, so empty optional strings read back absent;
 * everything else is as sent (after the JSON of the request).
 */
function expected(wire: Wire, occurredAt: string): AuditLogEvent {
  const sent = JSON.parse(JSON.stringify(wire)) as Wire;
  const ent = (e: WireEntity) => ({
    id: e.id,
    type: e.type,
    ...(e.name ? { name: e.name } : {}),
    ...(e.metadata ? { metadata: e.metadata } : {}),
  });
  return {
    action: sent.action,
    occurredAt: new Date(occurredAt),
    actor: ent(sent.actor),
    targets: sent.targets.map(ent),
    context: {
      ...(sent.context.location ? { location: sent.context.location } : {}),
      ...(sent.context.user_agent
        ? { userAgent: sent.context.user_agent }
        : {}),
    },
    ...(sent.metadata ? { metadata: sent.metadata } : {}),
    raw: {},
  };
}

Deno.test("exportEvents gives back every event the API accepted, through a real export", async () => {
  const organizationId = "org_round_trip";
  await withEmulator({
    organizations: [organizationId],
    events: [],
    exportDelayMs: 0,
    rateLimit: false,
  }, async (server) => {
    const workos = createClient({
      apiKey: server.emulator.apiKey,
      baseUrl: server.url,
      maxRetries: 0,
    });
    // Each run writes into a minute of its own, so runs never see each other.
    const first = Date.now() - 80 * DAY;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(wireEvent, { minLength: 1, maxLength: 3 }),
        async (wires) => {
          const start = first + run++ * 60_000;
          const times = wires.map((_, i) =>
            new Date(start + 1_000 * (i + 1)).toISOString()
          );
          for (const [i, event] of wires.entries()) {
            const response = await fetch(`${server.url}/audit_logs/events`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${server.emulator.apiKey}`,
                "content-type": "application/json",
              },
              body: JSON.stringify({
                organization_id: organizationId,
                event: { ...event, occurred_at: times[i] },
              }),
            });
            assert.equal(response.status, 200, await response.text());
          }
          const read = await Array.fromAsync(workos.exportEvents({
            organizationId,
            rangeStart: new Date(start),
            rangeEnd: new Date(start + 59_999),
          }));
          assert.deepStrictEqual(
            read,
            wires.map((wire, i) => expected(wire, times[i])),
          );
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

Deno.test("exportEvents of an empty period yields nothing; createExport says NoEventsError", async () => {
  await withEmulator({ exportDelayMs: 0, rateLimit: false }, async (server) => {
    const config = { apiKey: server.emulator.apiKey, baseUrl: server.url };
    const quiet = {
      organizationId: server.emulator.organizations[0],
      rangeStart: new Date(Date.now() - 2 * DAY),
      rangeEnd: new Date(Date.now() - 2 * DAY + 1),
      actions: ["no.such.action"],
    };
    assert.deepEqual(await Array.fromAsync(exportEvents(quiet, config)), []);
    const created = server.emulator.requests.filter((r) =>
      r.method === "POST" && r.path === "/audit_logs/exports"
    );
    // One refused create call, and nothing waited for or downloaded.
    assert.equal(created.length, 1);
    assert.equal(server.emulator.requests.length, 1);
  });
});

Deno.test("createExport: NoEventsError is a BadRequestError recognised by its message only", async () => {
  await withEmulator({ exportDelayMs: 0, rateLimit: false }, async (server) => {
    const config = {
      apiKey: server.emulator.apiKey,
      baseUrl: server.url,
      maxRetries: 0,
    };
    const options = {
      organizationId: server.emulator.organizations[0],
      rangeStart: new Date(Date.now() - DAY),
      rangeEnd: new Date(),
    };
    const cases: [number, unknown, boolean][] = [
      [400, { message: "No audit log events found" }, true],
      [400, { message: "no audit log events found." }, true],
      [400, { message: "No audit log events found for org_1" }, false],
      [400, { message: "Invalid date range", code: "x" }, false],
      [404, { message: "No audit log events found" }, false],
    ];
    for (const [status, body, noEvents] of cases) {
      server.emulator.inject({ method: "POST", status, body });
      const error = await createExport(options, config).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof ApiError, String(error));
      assert.equal(error.status, status);
      assert.equal(
        error instanceof NoEventsError,
        noEvents,
        JSON.stringify(body),
      );
      if (noEvents) {
        assert.ok(error instanceof BadRequestError);
        assert.equal(error.name, "NoEventsError");
        assert.equal(error.code, undefined);
      }
    }
  });
});

Deno.test("exportEvents reads toISOString's form exactly as the same instant written +00:00", async () => {
  // The common form has a faster check; it must agree with the general one,
  // including days rolled over, hour 24, month 0 and 13, and leap years.
  const values: string[] = [];
  for (const year of ["0000", "1900", "2000", "2024", "2026", "2100", "9999"]) {
    for (const month of ["00", "01", "02", "04", "12", "13"]) {
      for (const day of ["00", "01", "28", "29", "30", "31", "32"]) {
        for (const time of ["00:00:00.000", "23:59:59.999", "24:00:00.000"]) {
          values.push(`${year}-${month}-${day}T${time}Z`);
        }
      }
    }
  }
  const readTime = async (value: string) => {
    try {
      const [event] = await read(`action,occurred_at\na,${value}\n`);
      return event.occurredAt.getTime();
    } catch (error) {
      assert.ok(error instanceof CsvParseError);
      return "refused";
    }
  };
  let accepted = 0;
  for (const value of values) {
    const fast = await readTime(value);
    assert.equal(fast, await readTime(value.replace(/Z$/, "+00:00")), value);
    if (fast !== "refused") accepted++;
  }
  // Both kinds occur: valid days are read, impossible ones refused.
  assert.ok(accepted > 100 && accepted < values.length, String(accepted));
});

Deno.test("exportEvents gives every event its own metadata objects, however often a cell repeats", async () => {
  const rows: string[] = [];
  // Unique cells first (the reader stops remembering them), then repeats.
  for (let i = 0; i < 3_000; i++) {
    rows.push(`a,2026-10-01T00:00:00Z,"{""n"":${i}}","{""k"":""v${i}""}"`);
  }
  for (let i = 0; i < 3_000; i++) {
    rows.push(`a,2026-10-01T00:00:00Z,"{""n"":1}","{""deep"":{""x"":1}}"`);
  }
  const events = await read(
    `action,occurred_at,metadata,actor_metadata\n${rows.join("\n")}\n`,
  );
  assert.equal(events.length, 6_000);
  events.forEach((e, i) => {
    assert.deepEqual(e.metadata, { n: i < 3_000 ? i : 1 });
    assert.deepEqual(
      e.actor.metadata,
      i < 3_000 ? { k: `v${i}` } : { deep: { x: 1 } },
    );
  });
  const [a, b] = events.slice(-2);
  assert.notEqual(a.metadata, b.metadata);
  assert.notEqual(a.actor.metadata, b.actor.metadata);
  a.metadata!.n = 99;
  (a.actor.metadata!.deep as unknown as { x: number }).x = 99;
  assert.deepEqual(b.metadata, { n: 1 });
  assert.deepEqual(b.actor.metadata, { deep: { x: 1 } });
});
