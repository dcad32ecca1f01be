/**
 * `summarizeEvents`: counts against a brute-force count on generated
 * events, the space-saving bounds past the capacity, memory that does not
 * grow with distinct keys, day buckets; and `summary_render.ts`: the
 * sparkline in blocks and ASCII, and the summary at 40, 80 and 200 columns.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { AuditLogEvent } from "../mod.ts";
import {
  EventSummarizer,
  type EventSummary,
  SpaceSaving,
  summarizeCsv,
  summarizeEvents,
} from "../src/summary.ts";
import { parseCsvEvents } from "../src/events.ts";
import { csvRecord } from "../src/csv_record.ts";
import { CsvParseError } from "../src/errors.ts";
import {
  dayColumns,
  renderSummary,
  sparkline,
} from "../src/cli/summary_render.ts";
import { displayWidth } from "../src/cli/text.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2026-08-01T00:00:00Z");

/** An event with just what the summary reads. */
function event(
  action: string,
  actor: string,
  at: number,
  targetTypes: string[] = [],
): AuditLogEvent {
  return {
    action,
    occurredAt: new Date(at),
    actor: { id: actor, type: "user" },
    targets: targetTypes.map((type, i) => ({ id: `t_${i}`, type })),
    context: {},
    raw: {},
  };
}

/** The events as an async iterable, as `exportEvents` hands them. */
async function* stream(events: Iterable<AuditLogEvent>) {
  for (const e of events) yield e;
}

/** Counts keys exactly; top `n` by count, ties by key. */
function bruteTop(keys: string[], n: number): [string, number][] {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].sort((a, b) =>
    b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
  ).slice(0, n);
}

const arbEvent = fc.record({
  action: fc.constantFrom(
    "user.signed_in",
    "user.signed_out",
    "team.created",
    "doc.viewed",
    "",
  ),
  actor: fc.oneof(
    fc.constantFrom("user_1", "user_2", "user_3"),
    fc.string({ maxLength: 3 }),
  ),
  at: fc.integer({ min: T0 - 40 * DAY, max: T0 + 40 * DAY }),
  targets: fc.array(fc.constantFrom("team", "doc", "user", "org"), {
    maxLength: 3,
  }),
}).map((e) => event(e.action, e.actor, e.at, e.targets));

Deno.test("summarizeEvents: every figure equals a brute-force count (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(arbEvent, { maxLength: 300, size: "max" }),
      fc.integer({ min: 1, max: 12 }),
      async (events, top) => {
        const summary = await summarizeEvents(stream(events), { top });
        assert.equal(summary.events, events.length);
        assert.deepEqual(
          summary.actions,
          bruteTop(events.map((e) => e.action), top),
        );
        assert.deepEqual(
          summary.actors,
          bruteTop(events.map((e) => e.actor.id), top),
        );
        assert.deepEqual(
          summary.targetTypes,
          bruteTop(events.flatMap((e) => e.targets.map((t) => t.type)), top),
        );
        const days = bruteTop(
          events.map((e) => e.occurredAt.toISOString().slice(0, 10)),
          Infinity,
        ).sort((a, b) => a[0] < b[0] ? -1 : 1);
        assert.deepEqual(summary.perDay, days);
        assert.equal(summary.daysPerEntry, 1);
        const times = events.map((e) => e.occurredAt.getTime());
        assert.deepEqual(
          summary.first,
          events.length ? new Date(Math.min(...times)) : null,
        );
        assert.deepEqual(
          summary.last,
          events.length ? new Date(Math.max(...times)) : null,
        );
        assert.deepEqual(summary.exact, {
          actions: true,
          actors: true,
          targetTypes: true,
        });
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("SpaceSaving past its capacity: counts too high by at most N/capacity, no heavy key missed (property)", () => {
  let evicted = 0;
  fc.assert(
    fc.property(
      // Skewed keys: a few heavy ones among many light ones.
      fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom("a", "b", "c") },
          {
            weight: 2,
            arbitrary: fc.integer({ min: 0, max: 500 }).map(String),
          },
        ),
        { minLength: 1, maxLength: 2000, size: "max" },
      ),
      fc.integer({ min: 1, max: 40 }),
      (keys, capacity) => {
        const tally = new SpaceSaving(capacity);
        for (const k of keys) tally.add(k);
        assert.ok(tally.size <= capacity);
        const truth = new Map(bruteTop(keys, Infinity));
        const held = new Map(tally.top(capacity));
        const bound = keys.length / capacity;
        for (const [key, count] of held) {
          const real = truth.get(key) ?? 0;
          assert.ok(count >= real, `${key}: ${count} < ${real}`);
          assert.ok(count - real <= bound, `${key}: ${count} vs ${real}`);
        }
        for (const [key, real] of truth) {
          if (real > bound) {
            assert.ok(held.has(key), `${key} (${real}) missing`);
          }
        }
        assert.equal(tally.exact, truth.size <= capacity);
        if (!tally.exact) evicted++;
        if (tally.exact) assert.deepEqual([...held], bruteTop(keys, capacity));
      },
    ),
    { numRuns: 200 },
  );
  assert.ok(evicted > 100, `only ${evicted} runs went past the capacity`);
});

Deno.test("bounded memory: a million distinct keys and 20,000 days hold no more than the caps", async () => {
  const summarizer = new EventSummarizer({ capacity: 50, maxDays: 100 });
  let peak = 0;
  for (let i = 0; i < 1_000_000; i++) {
    summarizer.add(
      event(`action_${i}`, `user_${i}`, T0 + (i % 20_000) * DAY, [`type_${i}`]),
    );
    if (i % 1000 === 0) peak = Math.max(peak, summarizer.held);
  }
  assert.ok(peak <= 3 * 50 + 100, `held ${peak}`);
  const summary = summarizer.result();
  assert.equal(summary.events, 1_000_000);
  assert.equal(summary.actions.length, 10);
  assert.deepEqual(summary.exact, {
    actions: false,
    actors: false,
    targetTypes: false,
  });
  assert.ok(summary.perDay.length <= 100);
  assert.ok(summary.daysPerEntry > 1);
  // Merged days lose resolution, never events.
  assert.equal(summary.perDay.reduce((n, [, c]) => n + c, 0), 1_000_000);
  // And summarizeEvents on the same kind of stream resolves the same way.
  const streamed = await summarizeEvents(
    (function* () {
      for (let i = 0; i < 10_000; i++) yield event(`a${i}`, `u${i}`, T0);
    })(),
    { capacity: 20, top: 5 },
  );
  assert.equal(streamed.events, 10_000);
  assert.equal(streamed.actions.length, 5);
});

Deno.test("day buckets: past maxDays, days merge into buckets of 2, 4… with every event kept", async () => {
  const events = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((d) =>
    event("a", "u", T0 + d * DAY)
  );
  const summary = await summarizeEvents(stream(events), { maxDays: 4 });
  assert.equal(summary.daysPerEntry, 4);
  assert.deepEqual(summary.perDay, [
    // Buckets start at whole multiples of 4 days since the epoch.
    ["2026-07-30", 2],
    ["2026-08-03", 4],
    ["2026-08-07", 3],
  ]);
});

Deno.test("summarizeEvents: an event without a valid time counts, but in no day", async () => {
  const summary = await summarizeEvents([
    event("a", "u", NaN),
    event("a", "u", T0),
  ]);
  assert.equal(summary.events, 2);
  assert.deepEqual(summary.perDay, [["2026-08-01", 1]]);
  assert.deepEqual(summary.first, new Date(T0));
  const none = await summarizeEvents([event("a", "u", NaN)]);
  assert.equal(none.first, null);
  assert.deepEqual(none.perDay, []);
});

Deno.test("summarizeEvents: wrong options reject before reading, and an abort stops it", async () => {
  let read = false;
  const watched = (async function* () {
    read = true;
    yield event("a", "u", T0);
  })();
  for (
    const options of [
      { top: -1 },
      { top: 1.5 },
      { capacity: 0 },
      { top: 20, capacity: 10 },
      { maxDays: 1 },
      { capacity: NaN },
    ]
  ) {
    await assert.rejects(summarizeEvents(watched, options), RangeError);
  }
  assert.equal(read, false);
  assert.throws(() => new SpaceSaving(0), RangeError);
  const controller = new AbortController();
  const endless = (async function* () {
    for (let i = 0;; i++) {
      if (i === 100) controller.abort(new Error("enough"));
      yield event("a", "u", T0);
    }
  })();
  await assert.rejects(
    summarizeEvents(endless, { signal: controller.signal }),
    /enough/,
  );
  assert.deepEqual(
    (await summarizeEvents([event("a", "u", T0)], { top: 0 })).actions,
    [],
  );
});

Deno.test("summarizeEvents over parsed CSV: the library's events, counted", async () => {
  const csv = [
    "occurred_at,action,actor_id,actor_type,target_id_1,target_type_1",
    "2026-08-01T10:00:00.000Z,user.signed_in,user_1,user,team_1,team",
    "2026-08-01T11:00:00.000Z,user.signed_in,user_2,user,team_1,team",
    "2026-08-03T09:30:00.000Z,team.deleted,user_1,user,team_2,team",
  ].join("\n");
  const summary = await summarizeEvents(
    parseCsvEvents(new Response(csv).body!),
  );
  assert.deepEqual(
    summary,
    {
      events: 3,
      first: new Date("2026-08-01T10:00:00.000Z"),
      last: new Date("2026-08-03T09:30:00.000Z"),
      actions: [["user.signed_in", 2], ["team.deleted", 1]],
      actors: [["user_1", 2], ["user_2", 1]],
      targetTypes: [["team", 3]],
      perDay: [["2026-08-01", 2], ["2026-08-03", 1]],
      daysPerEntry: 1,
      exact: { actions: true, actors: true, targetTypes: true },
    } satisfies EventSummary,
  );
});

/** The bytes of `text` in chunks cut at `cuts` (fractions of its length). */
function chunked(text: string, cuts: number[]): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))]
    .sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to > from) pieces.push(bytes.subarray(from, to));
    from = Math.max(from, to);
  }
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

/** A summary, or the CsvParseError's message and line, or another failure. */
async function outcome(run: () => Promise<EventSummary>): Promise<unknown> {
  try {
    return { summary: await run() };
  } catch (error) {
    if (error instanceof CsvParseError) {
      return { error: error.message, line: error.line };
    }
    return { other: String(error) };
  }
}

/**
 * A cell that is good, or, in a file that has bad cells, sometimes bad:
 * `pick` below the file's `badPerMille` takes the bad one.
 */
const cellOf = (good: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) =>
  fc.record({ good, bad, pick: fc.integer({ min: 0, max: 999 }) });

/** `occurred_at`: the exports' own spelling, every other one the reader takes, and some it refuses. */
const arbTime = cellOf(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.integer({ min: -2e12, max: 4e12 }).map((ms) =>
        new Date(ms).toISOString()
      ),
    },
    {
      weight: 2,
      arbitrary: fc.integer({ min: 0, max: 10 * 86_400_000 }).map((ms) =>
        new Date(T0 + ms).toISOString()
      ),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "2026-08-01T10:00:00.000Z",
        "2026-08-01T23:59:59.999Z",
        "2026-08-02T00:00:00.000Z",
        "2026-08-01t10:00:00z",
        "2026-08-01 10:00Z",
        "2026-08-01T10:00:00+02:00",
        "2026-08-01T01:00:00-0530",
        "2026-08-01T10:00:00,123456789+01",
        "2026-08-01T10:00:00.1Z",
        "2026-06-30T23:59:60.000Z",
        "2026-06-30T23:59:60Z",
        "2024-02-29T12:00:00.000Z",
        "0999-12-31T23:59:59.999Z",
        "0000-01-01T00:00:00.000Z",
        "9999-12-31T23:59:59.999Z",
      ),
    },
  ),
  fc.constantFrom(
    "",
    "2026-02-30T10:00:00.000Z",
    "2025-02-29T10:00:00.000Z",
    "2026-08-01T24:00:00.000Z",
    "2026-08-01T10:60:00.000Z",
    "2026-08-01T10:00:61.000Z",
    "2026-13-01T10:00:00.000Z",
    "2026-08-01T10:00:00.000",
    "2026-08-01T1a:00:00.000Z",
    "-2026-08-01T10:00:00Z",
    "2026-08-01",
    "yesterday",
  ),
);

/** A JSON object column's cell. */
const arbObjectCell = cellOf(
  fc.constantFrom(
    "",
    "",
    '{"plan":"pro"}',
    '{"a":1,"b":"x\\"y"}',
    "{}",
    '{"n":{"deep":[1]}}',
  ),
  fc.constantFrom("[]", "null", "nope", '"s"', "{", "1"),
);

/** A `targets` column's cell. */
const arbTargetsCell = cellOf(
  fc.constantFrom(
    "",
    "[]",
    '[{"id":"t1","type":"team"}]',
    '[{"id":"t1","type":"team"},{"id":"u","type":"user","name":"Ada","metadata":{}}]',
  ),
  fc.constantFrom(
    "{}",
    "[1]",
    '[{"id":"t1"}]',
    '[{"id":"t","type":"x","name":3}]',
    '[{"id":"t","type":"x","metadata":null}]',
    "[",
  ),
);

/** A generated export: its header (shuffled, with or without optional columns) and rows. */
const arbCsv = fc.record({
  order: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
  drop: fc.record({
    action: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    actorId: fc.boolean(),
    actorMetadata: fc.boolean(),
    metadata: fc.boolean(),
    targets: fc.boolean(),
  }),
  // Target numbers, some with a leading zero: two spellings of one N clash.
  targetNumbers: fc.uniqueArray(
    fc.constantFrom("0", "1", "2", "3", "1", "10", "7", "01"),
    { maxLength: 4 },
  ),
  targetFields: fc.constantFrom(
    ["id", "type", "name", "metadata"],
    ["id", "type"],
    ["type"],
    ["id", "name", "metadata"],
  ),
  extra: fc.boolean(),
  badPerMille: fc.constantFrom(0, 0, 0, 5, 30, 300),
  rows: fc.array(
    fc.record({
      action: cellOf(
        fc.constantFrom(
          "user.signed_in",
          "team.deleted",
          "a",
          "b,c",
          'q"uote',
          "é",
        ),
        fc.constant(""),
      ),
      time: arbTime,
      actor: fc.constantFrom("user_1", "user_2", "", "user,3", "日本"),
      actorMetadata: arbObjectCell,
      metadata: arbObjectCell,
      targets: arbTargetsCell,
      cells: fc.array(
        fc.constantFrom("", "", "", "team", "user", "t_1", 'Ada "A"', "x\ny"),
        { minLength: 28, maxLength: 28 },
      ),
      metadataCells: fc.array(arbObjectCell, { minLength: 7, maxLength: 7 }),
    }),
    { maxLength: 40 },
  ),
  capacity: fc.integer({ min: 1, max: 6 }),
  maxDays: fc.integer({ min: 2, max: 12 }),
  top: fc.integer({ min: 0, max: 6 }),
  crlf: fc.boolean(),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
});

type GeneratedCsv = typeof arbCsv extends fc.Arbitrary<infer T> ? T : never;
type GeneratedRow = GeneratedCsv["rows"][number];

/** The CSV text of a generated export. */
function csvText(g: GeneratedCsv): string {
  const pick = (c: { good: string; bad: string; pick: number }) =>
    c.pick < g.badPerMille ? c.bad : c.good;
  const columns: { name: string; cell: (row: GeneratedRow) => string }[] = [];
  if (!g.drop.action) {
    columns.push({ name: "action", cell: (r) => pick(r.action) });
  }
  columns.push({ name: "occurred_at", cell: (r) => pick(r.time) });
  if (!g.drop.actorId) columns.push({ name: "actor_id", cell: (r) => r.actor });
  columns.push({ name: "actor_type", cell: () => "user" });
  if (!g.drop.actorMetadata) {
    columns.push({
      name: "actor_metadata",
      cell: (r) => pick(r.actorMetadata),
    });
  }
  if (!g.drop.metadata) {
    columns.push({ name: "metadata", cell: (r) => pick(r.metadata) });
  }
  if (!g.drop.targets) {
    columns.push({ name: "targets", cell: (r) => pick(r.targets) });
  }
  if (g.extra) columns.push({ name: "__proto__", cell: () => "x" });
  g.targetNumbers.forEach((n, t) => {
    g.targetFields.forEach((field: string, f) => {
      const k = t * 4 + f;
      columns.push({
        name: `target_${field}_${n}`,
        cell: field === "metadata"
          ? (r) => pick(r.metadataCells[t])
          : (r) => r.cells[k],
      });
    });
  });
  // A stable shuffle by the generated keys.
  const shuffled = columns.map((c, i) => ({
    c,
    key: g.order[i % 20] * 100 + i,
  }))
    .sort((a, b) => a.key - b.key).map(({ c }) => c);
  const lines = [
    csvRecord(shuffled.map((c) => c.name)),
    ...g.rows.map((r) => csvRecord(shuffled.map((c) => c.cell(r)))),
  ];
  const text = lines.join("");
  return g.crlf ? text : text.replaceAll("\r\n", "\n");
}

Deno.test("summarizeCsv: the summary of summarizeEvents over exportEvents, or its CsvParseError and line (property)", async () => {
  let summarized = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(arbCsv, async (g) => {
      const text = csvText(g);
      const options = {
        capacity: Math.max(g.capacity, g.top),
        maxDays: g.maxDays,
        top: g.top,
      };
      const viaEvents = await outcome(() =>
        summarizeEvents(parseCsvEvents(chunked(text, [])), options)
      );
      const viaCells = await outcome(() =>
        summarizeCsv(chunked(text, g.cuts), options)
      );
      assert.deepEqual(viaCells, viaEvents, text);
      if ("summary" in (viaEvents as object)) summarized++;
      else refused++;
    }),
    { numRuns: 600 },
  );
  // Both kinds of file were tried, in numbers.
  assert.ok(summarized > 200 && refused > 100, `${summarized} / ${refused}`);
});

Deno.test("summarizeCsv: the bench's layout, chunk by chunk, as summarizeEvents counts it", async () => {
  const { sampleEvents } = await import("../testing.ts");
  const { csvHeader, eventCells } = await import(
    "../src/emulator/csv_writer.ts"
  );
  const events = sampleEvents({ seed: 7, perOrganization: 300, now: T0 });
  const text = [csvHeader(2), ...events.map((e) => eventCells(e, 2))]
    .map((cells) => csvRecord(cells)).join("");
  const expected = await summarizeEvents(parseCsvEvents(chunked(text, [])));
  assert.ok(expected.events > 500);
  for (
    const cuts of [
      [],
      [0.1, 0.5, 0.51],
      Array.from({ length: 50 }, (_, i) => i / 50),
    ]
  ) {
    assert.deepEqual(await summarizeCsv(chunked(text, cuts)), expected);
  }
});

Deno.test("summarizeCsv: empty and header-only files, wrong options, an abort", async () => {
  const empty = await summarizeEvents([]);
  assert.deepEqual(await summarizeCsv(chunked("", [])), empty);
  assert.deepEqual(
    await summarizeCsv(chunked("action,occurred_at\r\n", [])),
    empty,
  );
  let pulled = false;
  const watched = new ReadableStream<Uint8Array>({
    pull() {
      pulled = true;
    },
  }, { highWaterMark: 0 });
  await assert.rejects(summarizeCsv(watched, { top: -1 }), RangeError);
  await assert.rejects(summarizeCsv(watched, { capacity: 0.5 }), RangeError);
  const aborted = AbortSignal.abort(new Error("stopped"));
  await assert.rejects(summarizeCsv(watched, { signal: aborted }), /stopped/);
  assert.equal(pulled, false);
  // An abort midway cancels the stream.
  const controller = new AbortController();
  let cancelled = false;
  const row = new TextEncoder().encode("a,2026-08-01T00:00:00.000Z\n");
  const endless = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode("action,occurred_at\n"));
    },
    pull(c) {
      c.enqueue(row);
      controller.abort(new Error("enough"));
    },
    cancel() {
      cancelled = true;
    },
  });
  await assert.rejects(
    summarizeCsv(endless, { signal: controller.signal }),
    /enough/,
  );
  assert.ok(cancelled);
});

Deno.test("sparkline: blocks and ASCII, zero kept apart from a quiet day", () => {
  const values = [0, 1, 2, 3, 4, 5, 6, 7, 14, 0];
  assert.equal(sparkline(values, true), "▁▂▂▃▃▄▄▅█▁");
  assert.equal(sparkline(values, false), "_..::--=#_");
  assert.equal(sparkline([0, 0], true), "▁▁");
  assert.equal(sparkline([1], true), "█");
  assert.equal(sparkline([1, 1000000], true), "▂█");
  assert.equal(sparkline([NaN, -1, Infinity, 3], false), "___#");
  assert.equal(sparkline([], true), "");
  for (const ch of sparkline([0, 1, 2, 3, 4, 5, 6, 7], false)) {
    assert.ok(ch.charCodeAt(0) < 128);
  }
});

Deno.test("dayColumns: gaps filled with zeros, long spans summed into columns", () => {
  assert.deepEqual(
    dayColumns([["2026-08-01", 2], ["2026-08-04", 5]], 1, 80),
    {
      values: [2, 0, 0, 5],
      daysPerColumn: 1,
      from: "2026-08-01",
      to: "2026-08-04",
    },
  );
  assert.deepEqual(
    dayColumns([["2026-08-01", 2], ["2026-08-02", 1], ["2026-08-05", 5]], 1, 2),
    { values: [3, 5], daysPerColumn: 3, from: "2026-08-01", to: "2026-08-06" },
  );
  assert.deepEqual(
    dayColumns([["2026-08-01", 2], ["2026-08-05", 5]], 4, 80),
    { values: [2, 5], daysPerColumn: 4, from: "2026-08-01", to: "2026-08-08" },
  );
  assert.equal(dayColumns([], 1, 80), undefined);
});

/** A month of events: heavy days mid-month, a quiet weekend, one idle day. */
function month(): EventSummary {
  const perDay: [string, number][] = [];
  for (let d = 0; d < 31; d++) {
    if (d === 9) continue;
    const count = d % 7 === 5 || d % 7 === 6
      ? 40
      : 300 + 40 * (15 - Math.abs(15 - d));
    perDay.push([new Date(T0 + d * DAY).toISOString().slice(0, 10), count]);
  }
  return {
    events: perDay.reduce((n, [, c]) => n + c, 0),
    first: new Date("2026-08-01T00:02:11.120Z"),
    last: new Date("2026-08-31T23:58:40.000Z"),
    actions: [["user.signed_in", 8000], ["user.signed_out", 3100], [
      "document.permissions.updated_by_administrator",
      12,
    ]],
    actors: [["user_01GBNJC3MX9ZZJW1FSTF4C5938", 5000], ["", 3]],
    targetTypes: [["team", 9000], ["document", 42]],
    perDay,
    daysPerEntry: 1,
    exact: { actions: true, actors: false, targetTypes: true },
  };
}

Deno.test("renderSummary: exact renders at 40, 80 and 200 columns", () => {
  const summary = month();
  assert.deepEqual(renderSummary(summary, { width: 80, unicode: true }), [
    "13,000 events, 2026-08-01 00:02:11Z to 2026-08-31 23:58:40Z",
    "per day  ▄▄▄▅▅▂▂▆▆▁▇▇▂▂█████▂▂▇▆▆▆▅▂▂▄▄▄",
    "         2026-08-01 to 2026-08-31, 1 day a column, peak 900",
    "actions",
    "  user.signed_in                                 8,000",
    "  user.signed_out                                3,100",
    "  document.permissions.updated_by_administrator     12",
    "actors (approximate)",
    "  user_01GBNJC3MX9ZZJW1FSTF4C5938                5,000",
    "  (empty)                                            3",
    "target types",
    "  team                                           9,000",
    "  document                                          42",
  ]);
  // Wider than needed changes nothing; ASCII changes the sparkline only.
  assert.deepEqual(
    renderSummary(summary, { width: 200, unicode: true }),
    renderSummary(summary, { width: 80, unicode: true }),
  );
  assert.equal(
    renderSummary(summary, { width: 200, unicode: false })[1],
    "per day  ---==..++_**..#####..*+++=..---",
  );
  assert.deepEqual(renderSummary(summary, { width: 40, unicode: true }), [
    "13,000 events",
    "from 2026-08-01 00:02:11Z",
    "to   2026-08-31 23:58:40Z",
    "per day  ▄▄▄▅▅▂▂▆▆▁▇▇▂▂█████▂▂▇▆▆▆▅▂▂▄▄▄",
    "         2026-08-01 to 2026-08-31",
    "actions",
    "  user.signed_in                   8,000",
    "  user.signed_out                  3,100",
    "  document.permissions.updated_b…     12",
    "actors (approximate)",
    "  user_01GBNJC3MX9ZZJW1FSTF4C5938  5,000",
    "  (empty)                              3",
    "target types",
    "  team                             9,000",
    "  document                            42",
  ]);
  assert.equal(
    renderSummary(summary, { width: 40, unicode: false })[8],
    "  document.permissions.updated_b~     12",
  );
});

Deno.test("renderSummary: a span longer than the width puts several days in a column", () => {
  const perDay: [string, number][] = [];
  for (let d = 0; d < 90; d++) {
    perDay.push([new Date(T0 + d * DAY).toISOString().slice(0, 10), d + 1]);
  }
  const lines = renderSummary({ ...month(), perDay }, {
    width: 60,
    unicode: true,
  });
  assert.equal(
    lines[1],
    `per day  ${sparkline(dayColumns(perDay, 1, 51)!.values, true)}`,
  );
  assert.equal(displayWidth(lines[1]), 9 + 45);
  assert.equal(
    lines[2],
    "         2026-08-01 to 2026-10-29, 2 days a column, peak 179",
  );
});

Deno.test("renderSummary: no events, hostile names, any width", () => {
  const empty: EventSummary = {
    events: 0,
    first: null,
    last: null,
    actions: [],
    actors: [],
    targetTypes: [],
    perDay: [],
    daysPerEntry: 1,
    exact: { actions: true, actors: true, targetTypes: true },
  };
  assert.deepEqual(renderSummary(empty, { width: 80, unicode: true }), [
    "0 events",
  ]);
  const hostile: EventSummary = {
    ...month(),
    actions: [["\x1b[2J\x1b[Huser.\rsigned_in\n", 5], ["\u202eevil", 1]],
    actors: [["日本語のユーザー".repeat(5), 7]],
  };
  // deno-lint-ignore no-control-regex
  const control = /[\x00-\x1f\x7f-\x9f\u202a-\u202e]/;
  for (let width = 0; width <= 210; width += 3) {
    for (const unicode of [true, false]) {
      for (const line of renderSummary(hostile, { width, unicode })) {
        assert.ok(displayWidth(line) <= width, `${width}: ${line}`);
        assert.ok(!control.test(line), JSON.stringify(line));
      }
    }
  }
  assert.equal(
    renderSummary(hostile, { width: 80, unicode: true })[4],
    `  user. signed_in${" ".repeat(62)}5`,
  );
});
