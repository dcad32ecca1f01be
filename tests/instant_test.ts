import assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseEventTime,
  parseInstant,
  parseInstantDate,
} from "../src/instant.ts";

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  assert.ok(!Number.isNaN(ms), iso);
  return ms;
};

Deno.test("parseEventTime reads every spelling of one instant", () => {
  const instant = at("2026-11-28T11:00:00.000Z");
  for (
    const spelling of [
      "2026-11-28T11:00:00.000Z",
      "2026-11-28T11:00:00Z",
      "2026-11-28T11:00Z",
      "2026-11-28t11:00:00z",
      "2026-11-28 11:00:00Z",
      "2026-11-28 11:00:00.000000+00:00",
      "2026-11-28T11:00:00,000Z",
      "2026-11-28T11:00:00.0Z",
      "2026-11-28T11:00:00.000000000000Z",
      "2026-11-28T11:00:00+00",
      "2026-11-28T11:00:00+0000",
      "2026-11-28T11:00:00+00:00",
      "2026-11-28T11:00:00-00:00",
      "2026-11-28T12:00:00+01",
      "2026-11-28T12:30:00+0130",
      "2026-11-28T16:30:00+05:30",
      "2026-11-28T06:00:00-05:00",
      "2026-11-28T01:00-10",
      // Offsets that cross midnight move the date too.
      "2026-11-29T10:59:00+23:59",
      "2026-11-27T11:01:00-23:59",
    ]
  ) {
    assert.equal(parseEventTime(spelling), instant, spelling);
  }
});

Deno.test("parseEventTime reads the fraction of a second to the millisecond, cutting off the rest", () => {
  const second = at("2026-11-28T10:00:00Z");
  const cases: [string, number][] = [
    ["2026-11-28T10:00:00.5Z", 500],
    ["2026-11-28T10:00:00.05Z", 50],
    ["2026-11-28T10:00:00.123Z", 123],
    ["2026-11-28T10:00:00,123Z", 123],
    ["2026-11-28T10:00:00.1239Z", 123],
    ["2026-11-28T10:00:00.999999Z", 999],
    ["2026-11-28T10:00:00.9999Z", 999],
    ["2026-11-28T10:00:00.999999999999Z", 999],
    ["2026-11-28T10:00:00.000999Z", 0],
  ];
  for (const [spelling, ms] of cases) {
    assert.equal(parseEventTime(spelling), second + ms, spelling);
  }
  // Cut off, never rounded: a time written inside a half-open window
  // `[…, 10:00:01)` stays inside it.
  assert.ok(
    parseEventTime("2026-11-28T10:00:00.9999Z")! <
      parseEventTime("2026-11-28T10:00:01Z")!,
  );
  // Toward the past before 1970 too, as Date.parse does.
  assert.equal(parseEventTime("1969-12-31T23:59:59.9999Z"), -1);
  assert.equal(Date.parse("1969-12-31T23:59:59.9999Z"), -1);
  // Any number of digits: they are read in one pass.
  const long = `2026-11-28T10:00:00.${"9".repeat(1_000_000)}Z`;
  assert.equal(parseEventTime(long), second + 999);
});

Deno.test("parseEventTime knows the calendar", () => {
  const cases: [string, number | undefined][] = [
    ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
    ["2000-02-29T00:00:00Z", Date.UTC(2000, 1, 29)],
    ["2026-02-29T00:00:00Z", undefined],
    ["1900-02-29T00:00:00Z", undefined],
    ["2026-02-30T00:00:00Z", undefined],
    ["2026-04-31T00:00:00Z", undefined],
    ["2026-12-31T23:59:59.999Z", Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ["2026-13-01T00:00:00Z", undefined],
    ["2026-00-01T00:00:00Z", undefined],
    ["2026-01-00T00:00:00Z", undefined],
    ["2026-01-32T00:00:00Z", undefined],
    ["0000-01-01T00:00:00Z", at("0000-01-01T00:00:00Z")],
    // Year 0 is a leap year in the proleptic Gregorian calendar.
    ["0000-02-29T00:00:00Z", at("0000-02-29T00:00:00Z")],
    // Date.UTC would read these years as 1900 and 1999.
    ["0000-03-01T00:00:00Z", at("0000-03-01T00:00:00Z")],
    ["0099-12-31T23:59:59Z", at("0099-12-31T23:59:59Z")],
    ["9999-12-31T23:59:59.999-23:59", at("9999-12-31T23:59:59.999-23:59")],
    ["10000-01-01T00:00:00Z", undefined],
    ["+002026-11-28T11:00:00Z", undefined],
    ["-000001-01-01T00:00:00Z", undefined],
  ];
  for (const [spelling, expected] of cases) {
    assert.equal(parseEventTime(spelling), expected, spelling);
  }
});

Deno.test("parseEventTime reads a leap second as the last millisecond of its minute", () => {
  const last = at("2016-12-31T23:59:59.999Z");
  assert.equal(parseEventTime("2016-12-31T23:59:60Z"), last);
  assert.equal(parseEventTime("2016-12-31T23:59:60.5Z"), last);
  assert.equal(parseEventTime("2017-01-01T00:59:60+01:00"), last);
  // It stays before the next day's window.
  assert.ok(last < at("2017-01-01T00:00:00Z"));
  assert.equal(parseEventTime("2016-12-31T23:59:61Z"), undefined);
});

Deno.test("parseEventTime refuses what is not an instant", () => {
  for (
    const value of [
      "",
      " ",
      "\t\n",
      "garbage",
      "2026-11-28",
      "2026-11-28T11",
      "2026-11-28T11:00",
      "2026-11-28T11:00:00",
      "2026-11-28T11:00:00.000",
      "2026-11-28 11:00:00",
      // A zone is needed: a local time cannot be placed.
      "2026-11-28T11:00:00 +00:00",
      "2026-11-28T11:00:00 UTC",
      "2026-11-28T11:00:00GMT",
      " 2026-11-28T11:00:00Z",
      "2026-11-28T11:00:00Z ",
      "2026-11-28T11:00:00Z\n",
      "2026-11-28  11:00:00Z",
      "2026-11-28_11:00:00Z",
      "2026-11-28T24:00:00Z",
      "2026-11-28T23:60:00Z",
      "2026-11-28T1:00:00Z",
      "2026-11-28T11:0:00Z",
      "2026-11-28T11:00:0Z",
      "2026-11-28T11:00:00.Z",
      "2026-11-28T11:00:00,Z",
      "2026-11-28T11:00.5Z",
      "2026-11-28T11:00:00.5.5Z",
      "2026-11-28T11:00:00+24:00",
      "2026-11-28T11:00:00+01:60",
      "2026-11-28T11:00:00+1",
      "2026-11-28T11:00:00+010",
      "2026-11-28T11:00:00+01:0",
      "2026-11-28T11:00:00+01:00:00",
      "2026-11-28T11:00:00+01:00Z",
      "2026-11-28T11:00:00ZZ",
      "2026-11-28T11:00:00\u221201:00",
      "20261128T110000Z",
      "2026/11/28T11:00:00Z",
      "2x26-11-28T11:00:00Z",
      "20x6-11-28T11:00:00Z",
      "2026-1x-28T11:00:00Z",
      // Digits of other scripts are not digits here.
      "\u0662\u0660\u0662\u0666-11-28T11:00:00Z",
      "\uff12\uff10\uff12\uff16-11-28T11:00:00Z",
      "Sat, 28 Nov 2026 11:00:00 GMT",
      "1795863600000",
    ]
  ) {
    assert.equal(parseEventTime(value), undefined, JSON.stringify(value));
  }
  for (const value of [undefined, null, 0, {}, new Date(0)]) {
    assert.equal(parseEventTime(value as unknown as string), undefined);
  }
});

Deno.test("parseEventTime answers huge inputs at once", () => {
  const mb = 1_000_000;
  for (
    const value of [
      "2".repeat(mb),
      " ".repeat(mb),
      "2026-11-28T11:00:00Z" + " ".repeat(mb),
      "2026-11-28T11:00:00." + "1".repeat(mb) + "x",
      "2026-11-28T11:00:00." + "1".repeat(mb) + "+01:00:00",
      "2026-11-28T11:00:00+" + "0".repeat(mb),
      "9999-99-99T99:99:99." + "9".repeat(mb),
      ("2026-11-28T11:00:00Z,").repeat(mb / 21),
    ]
  ) {
    assert.equal(parseEventTime(value), undefined);
  }
});

/** The parts of a date-time, each in or just out of its range. */
interface Parts {
  year: number;
  month: number;
  day: number;
  separator: string;
  hour: number;
  minute: number;
  second: number | undefined;
  fraction: string | undefined;
  mark: string;
  zone: string | { sign: string; hours: number; minutes: number; form: string };
}

const digits = (n: number, width: number) => String(n).padStart(width, "0");

const partsArbitrary: fc.Arbitrary<Parts> = fc.record({
  year: fc.oneof(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 1969, max: 2100 }),
    fc.constantFrom(0, 4, 99, 100, 400, 1900, 2000, 9999),
  ),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.oneof(
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 27, max: 31 }),
  ),
  separator: fc.constantFrom("T", "t", " "),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 60 }),
  second: fc.option(fc.integer({ min: 0, max: 61 }), { nil: undefined }),
  fraction: fc.option(
    fc.string({
      unit: fc.constantFrom(..."0123456789"),
      minLength: 1,
      maxLength: 14,
    }),
    { nil: undefined },
  ),
  mark: fc.constantFrom(".", ","),
  zone: fc.oneof(
    fc.constantFrom("Z", "z"),
    fc.record({
      sign: fc.constantFrom("+", "-"),
      hours: fc.integer({ min: 0, max: 25 }),
      minutes: fc.integer({ min: 0, max: 60 }),
      form: fc.constantFrom("hh", "hhmm", "hh:mm"),
    }),
  ),
});

/** `parts` written out; the fraction only where there are seconds. */
function spell(p: Parts): string {
  let text =
    `${digits(p.year, 4)}-${digits(p.month, 2)}-${
      digits(p.day, 2)
    }${p.separator}` +
    `${digits(p.hour, 2)}:${digits(p.minute, 2)}`;
  if (p.second !== undefined) {
    text += `:${digits(p.second, 2)}`;
    if (p.fraction !== undefined) text += p.mark + p.fraction;
  }
  if (typeof p.zone === "string") return text + p.zone;
  const { sign, hours, minutes, form } = p.zone;
  if (form === "hh") return text + sign + digits(hours, 2);
  return text + sign + digits(hours, 2) + (form === "hh:mm" ? ":" : "") +
    digits(minutes, 2);
}

/**
 * What `parseEventTime` should make of `parts`, by another road: the same
 * instant in the strictest spelling, read by `parseInstant` (Date.parse
 * and a calendar check). The range checks that spelling cannot carry are
 * made here: `hh` zones have no minutes, and a leap second is the last
 * millisecond of its minute.
 */
function expected(p: Parts): number | undefined {
  if (p.hour > 23 || p.minute > 59) return undefined;
  let second = p.second ?? 0;
  let ms = p.second === undefined || p.fraction === undefined
    ? "000"
    : p.fraction.slice(0, 3).padEnd(3, "0");
  if (second > 60) return undefined;
  if (second === 60) {
    second = 59;
    ms = "999";
  }
  let zone = "Z";
  if (typeof p.zone !== "string") {
    const minutes = p.zone.form === "hh" ? 0 : p.zone.minutes;
    if (p.zone.hours > 23 || minutes > 59) return undefined;
    zone = `${p.zone.sign}${digits(p.zone.hours, 2)}:${digits(minutes, 2)}`;
  }
  return parseInstant(
    `${digits(p.year, 4)}-${digits(p.month, 2)}-${digits(p.day, 2)}T` +
      `${digits(p.hour, 2)}:${digits(p.minute, 2)}:${
        digits(second, 2)
      }.${ms}${zone}`,
  );
}

Deno.test("parseEventTime agrees with Date.parse on everything parseInstant accepts", () => {
  fc.assert(
    fc.property(partsArbitrary, (parts) => {
      const text = spell(parts);
      if (parseInstant(text) !== undefined) {
        assert.equal(parseEventTime(text), Date.parse(text), text);
      }
    }),
    { numRuns: 5_000 },
  );
  fc.assert(
    fc.property(
      fc.date({
        min: new Date("0000-01-01T00:00:00.000Z"),
        max: new Date("9999-12-31T23:59:59.999Z"),
        noInvalidDate: true,
      }),
      (date) => {
        const text = date.toISOString();
        assert.equal(parseInstant(text), date.getTime());
        assert.equal(parseEventTime(text), date.getTime(), text);
      },
    ),
    { numRuns: 5_000 },
  );
});

Deno.test("parseEventTime reads each part by the rules, checked against the strict spelling", () => {
  fc.assert(
    fc.property(partsArbitrary, (parts) => {
      const text = spell(parts);
      assert.equal(parseEventTime(text), expected(parts), text);
    }),
    { numRuns: 20_000 },
  );
});

Deno.test("parseEventTime never throws, and accepts only the documented forms", () => {
  const form =
    /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:[Zz]|[+-]\d\d(?::?\d\d)?)$/;
  const near = partsArbitrary.chain((parts) =>
    fc.tuple(
      fc.constant(spell(parts)),
      fc.nat(),
      fc.string({ maxLength: 3 }),
      fc.nat({ max: 3 }),
    ).map(([text, at, insert, remove]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + remove);
    })
  );
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.string({ unit: "binary" }), near),
      (text) => {
        const ms = parseEventTime(text);
        if (ms !== undefined) {
          assert.ok(Number.isSafeInteger(ms), text);
          assert.match(text, form);
        }
      },
    ),
    { numRuns: 20_000 },
  );
});

Deno.test("parseInstant and parseInstantDate stay strict for what a user types", () => {
  for (
    const value of [
      "2026-11-28 11:00:00Z",
      "2026-11-28T11:00:00,5Z",
      "2026-11-28T11:00:00+01",
      "2026-11-28T11:00:60Z",
      "2026-11-28T11:00:00.1234567891Z",
      "2026-02-30T00:00:00Z",
      "2026-11-28T11:00:00",
    ]
  ) {
    assert.equal(parseInstant(value), undefined, value);
    assert.equal(parseInstantDate(value), undefined, value);
  }
  for (
    const value of [
      "2026-11-28T11:00:00.000Z",
      "2026-11-28t11:00z",
      "2026-11-28T12:00:00.123456789+0100",
    ]
  ) {
    assert.equal(parseInstant(value), Date.parse(value), value);
    assert.equal(parseInstantDate(value)?.getTime(), Date.parse(value), value);
    assert.equal(parseEventTime(value), Date.parse(value), value);
  }
});
