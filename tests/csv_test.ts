import assert from "node:assert/strict";
import fc from "fast-check";
import { type CsvRecord, parseCsvRecords } from "./_csv_records.ts";
import { parseCsvRows, scan } from "../src/csv.ts";
import { CsvParseError } from "../src/errors.ts";

const encoder = new TextEncoder();

function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? encoder.encode(input) : input;
}

/** A stream that hands out `chunks` one per pull, so nothing is read ahead. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  }, { highWaterMark: 0 });
}

/** Cuts `input` into chunks of `size` bytes (the last may be shorter). */
function chunked(input: string | Uint8Array, size: number): Uint8Array[] {
  const bytes = toBytes(input);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    chunks.push(bytes.subarray(i, i + size));
  }
  return chunks;
}

/** Cuts `input` at the given byte offsets. */
function cutAt(input: string | Uint8Array, offsets: number[]): Uint8Array[] {
  const bytes = toBytes(input);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, offset));
    start = offset;
  }
  return chunks;
}

/**
 * Every way of delivering `input` worth trying: whole, in 1-byte chunks, and
 * cut in two and in three at every pair of byte offsets.
 */
function* everySplit(input: string | Uint8Array): Generator<Uint8Array[]> {
  const bytes = toBytes(input);
  yield [bytes];
  yield chunked(bytes, 1);
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j++) yield cutAt(bytes, [i, j]);
  }
}

async function rows(chunks: Uint8Array[]): Promise<Record<string, string>[]> {
  return await Array.fromAsync(parseCsvRows(streamOf(chunks)));
}

async function records(chunks: Uint8Array[]): Promise<CsvRecord[]> {
  return await Array.fromAsync(parseCsvRecords(streamOf(chunks)));
}

/** Asserts that `input`, however it is split, parses to `expected` rows. */
async function assertRows(
  input: string | Uint8Array,
  expected: Record<string, string>[],
): Promise<void> {
  for (const chunks of everySplit(input)) {
    assert.deepStrictEqual(
      await rows(chunks),
      expected,
      `split at ${chunks.map((c) => c.length).join("+")} bytes`,
    );
  }
}

/** Asserts that `input`, however it is split, parses to `expected` records. */
async function assertRecords(
  input: string | Uint8Array,
  expected: CsvRecord[],
): Promise<void> {
  for (const chunks of everySplit(input)) {
    assert.deepStrictEqual(
      await records(chunks),
      expected,
      `split at ${chunks.map((c) => c.length).join("+")} bytes`,
    );
  }
}

/**
 * Asserts that `input`, however it is split, fails with a `CsvParseError` on
 * `line` whose message matches `message`.
 */
async function assertRowsFail(
  input: string,
  line: number,
  message: RegExp,
): Promise<void> {
  for (const chunks of everySplit(input)) {
    const split = `split at ${chunks.map((c) => c.length).join("+")} bytes`;
    await assert.rejects(rows(chunks), (error) => {
      assert.ok(error instanceof CsvParseError, split);
      assert.equal(error.line, line, split);
      assert.match(error.message, message, split);
      return true;
    });
  }
}

/** A minimal RFC 4180 writer: every field quoted, records joined by CRLF. */
function writeCsv(table: string[][]): string {
  return table
    .map((record) =>
      record.map((field) => `"${field.replaceAll('"', '""')}"`).join(",")
    )
    .join("\r\n");
}

Deno.test("parseCsvRows reads a simple file into rows keyed by the header", async () => {
  await assertRows("id,action\n1,user.signed_in\n2,user.signed_out\n", [
    { id: "1", action: "user.signed_in" },
    { id: "2", action: "user.signed_out" },
  ]);
});

Deno.test("parseCsvRecords yields each record with the line it starts on", async () => {
  await assertRecords('a,b\n"x\ny",z\nlast,"one"\n', [
    { fields: ["a", "b"], line: 1 },
    { fields: ["x\ny", "z"], line: 2 },
    { fields: ["last", "one"], line: 4 },
  ]);
});

Deno.test("parseCsvRows handles quoted fields", async (t) => {
  await t.step("unquotes quoted fields", async () => {
    await assertRows('a,b\n"1","two"\n', [{ a: "1", b: "two" }]);
  });

  await t.step("turns doubled quotes into one", async () => {
    await assertRows('a,b\n"say ""hi""","""",""""""\n'.replace(',""""""', ""), [
      { a: 'say "hi"', b: '"' },
    ]);
    await assertRows('j\n"{""k"":""v""}"\n', [{ j: '{"k":"v"}' }]);
  });

  await t.step("keeps commas and CRLF inside quotes", async () => {
    await assertRows('a,b\r\n"x,y","line1\r\nline2"\r\n', [
      { a: "x,y", b: "line1\r\nline2" },
    ]);
  });

  await t.step("keeps lone CR and LF inside quotes exactly", async () => {
    await assertRows('a,b\n"1\r2","3\n4"\n"\r\n\r","\n\n"\n', [
      { a: "1\r2", b: "3\n4" },
      { a: "\r\n\r", b: "\n\n" },
    ]);
  });

  await t.step("reads empty quoted fields as empty strings", async () => {
    await assertRows('a,b,c\n"","",""\n', [{ a: "", b: "", c: "" }]);
  });

  await t.step("reads a quoted empty value in a one-column file", async () => {
    await assertRows('a\n""\nx\n', [{ a: "" }, { a: "x" }]);
  });

  await t.step("quotes the header too", async () => {
    await assertRows('"a,1","b""2"\nx,y\n', [{ "a,1": "x", 'b"2': "y" }]);
  });
});

Deno.test("parseCsvRows keeps a quote inside an unquoted field literally", async () => {
  await assertRows('a,b\nab"c,d"\n5" screen,x\n', [
    { a: 'ab"c', b: 'd"' },
    { a: '5" screen', b: "x" },
  ]);
});

Deno.test("parseCsvRows keeps empty unquoted fields", async () => {
  await assertRows("a,b,c\n,,\n1,,\n,,3\n", [
    { a: "", b: "", c: "" },
    { a: "1", b: "", c: "" },
    { a: "", b: "", c: "3" },
  ]);
  await assertRows("a,b\n1,", [{ a: "1", b: "" }]);
  await assertRows('a,b\n"1",', [{ a: "1", b: "" }]);
});

Deno.test("parseCsvRows accepts LF, CR and CRLF record separators", async (t) => {
  const expected = [{ a: "1", b: "2" }, { a: "3", b: "4" }];
  for (const [name, eol] of [["LF", "\n"], ["CR", "\r"], ["CRLF", "\r\n"]]) {
    await t.step(name, async () => {
      await assertRows(`a,b${eol}1,2${eol}3,4${eol}`, expected);
      await assertRows(`a,b${eol}"1","2"${eol}"3","4"${eol}`, expected);
    });
  }
  await t.step("mixed in one file", async () => {
    await assertRows('a,b\r\n1,2\r"3",4\nx,"y"\r\nz,w\r', [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
      { a: "x", b: "y" },
      { a: "z", b: "w" },
    ]);
  });
});

Deno.test("parseCsvRows does not need a final line terminator", async () => {
  await assertRows("a,b\n1,2", [{ a: "1", b: "2" }]);
  await assertRows('a,b\n1,"2"', [{ a: "1", b: "2" }]);
  await assertRows('a,b\n1,"2\n"', [{ a: "1", b: "2\n" }]);
});

Deno.test("parseCsvRows skips empty lines", async (t) => {
  await t.step("at the end", async () => {
    await assertRows("a,b\n1,2\n\n", [{ a: "1", b: "2" }]);
    await assertRows("a,b\r\n1,2\r\n\r\n\r\n", [{ a: "1", b: "2" }]);
  });

  await t.step("in the middle and before the header", async () => {
    await assertRows("\n\r\na,b\n\n1,2\r\r\n3,4\n", [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ]);
  });

  await t.step("in a one-column file, too", async () => {
    await assertRows("a\n1\n\n2\n", [{ a: "1" }, { a: "2" }]);
  });

  await t.step("but counts them as lines", async () => {
    await assertRecords("\na\r\n\r\nb\r\rc", [
      { fields: ["a"], line: 2 },
      { fields: ["b"], line: 4 },
      { fields: ["c"], line: 6 },
    ]);
  });

  await t.step("but not lines holding only spaces", async () => {
    await assertRows("a\n \n", [{ a: " " }]);
  });
});

Deno.test("parseCsvRows drops a leading byte order mark", async (t) => {
  await t.step("whole or split across chunks", async () => {
    // everySplit cuts the three BOM bytes at every offset.
    await assertRows("\uFEFFid,name\n1,x\n", [{ id: "1", name: "x" }]);
    await assertRows('\uFEFF"id",name\n1,x\n', [{ id: "1", name: "x" }]);
  });

  await t.step("in a file holding nothing else", async () => {
    await assertRows("\uFEFF", []);
  });

  await t.step("but keeps one that is not at the start", async () => {
    await assertRows("a\n\uFEFFx\n", [{ a: "\uFEFFx" }]);
  });
});

Deno.test("parseCsvRows decodes multi-byte characters split at any byte", async () => {
  const values = ["😀", "日本語", "e\u0301", "👩‍👩‍👧", "Ω,ß"];
  const input = `name,value\n${
    values.map((v, i) => `${v.includes(",") ? `"${v}"` : v},${i}`).join("\n")
  }\n"🎉""🎉",x\n`;
  await assertRows(input, [
    ...values.map((v, i) => ({ name: v, value: String(i) })),
    { name: '🎉"🎉', value: "x" },
  ]);
});

Deno.test("parseCsvRows replaces invalid UTF-8 rather than failing", async () => {
  const input = new Uint8Array([
    ...encoder.encode("a\n"),
    0xff,
    0x41,
    ...encoder.encode("\n"),
    0xe6, // a truncated three-byte sequence at the end
  ]);
  await assertRows(input, [{ a: "\uFFFDA" }, { a: "\uFFFD" }]);
});

Deno.test("parseCsvRows yields nothing for an empty file", async () => {
  await assertRows("", []);
  assert.deepStrictEqual(await rows([]), []);
  assert.deepStrictEqual(await records([]), []);
  await assertRows("\n\r\n\r", []);
});

Deno.test("parseCsvRows yields nothing for a header-only file", async () => {
  await assertRows("a,b", []);
  await assertRows("a,b\n", []);
  await assertRows("a,b\r\n", []);
  await assertRows('"a","b"\r\n\r\n', []);
});

Deno.test("parseCsvRows rejects a row with too few fields, naming its line", async () => {
  await assertRowsFail(
    "a,b,c\n1,2,3\n4,5\n",
    3,
    /Expected 3 fields but found 2/,
  );
  await assertRowsFail("a,b\n1,2\n3", 3, /Expected 2 fields but found 1/);
});

Deno.test("parseCsvRows rejects a row with too many fields, naming its line", async () => {
  await assertRowsFail("a,b\n1,2\n3,4,5\n", 3, /Expected 2 fields but found 3/);
  await assertRowsFail("a\n1\n2,\n", 3, /Expected 1 field but found 2/);
});

Deno.test("parseCsvRows counts line breaks inside quotes in error lines", async () => {
  await assertRowsFail('a,b\n"1\n2","3\r\n4\r5"\n6\n', 6, /found 1/);
  await assertRowsFail('a,b\r\n"\r\n",""\r\n\r\n"x\n\n"\r\n', 5, /found 1/);
  await assertRowsFail('a,b\n"""\n""",x\n1,2,3\n', 4, /found 3/);
});

Deno.test("parseCsvRows rejects an unterminated quote, naming the line the record starts on", async () => {
  await assertRowsFail('a,b\n1,2\n3,"4\n5\n', 3, /not closed/);
  await assertRowsFail('a,b\n"1\n2",3\n"4', 4, /not closed/);
  await assertRowsFail('a\n"x""', 2, /not closed/);
  await assertRowsFail('"', 1, /not closed/);
});

Deno.test("parseCsvRows rejects text after a closing quote", async () => {
  await assertRowsFail(
    'a,b\n"ab"c,d\n',
    2,
    /Unexpected "c" after the closing quote of field 1/,
  );
  await assertRowsFail(
    'a,b\nx,"y\n" z\n',
    2,
    /Unexpected " " after the closing quote of field 2/,
  );
  await assertRowsFail('"a" ,b\n1,2\n', 1, /Unexpected " "/);
});

Deno.test("parseCsvRows rejects duplicate header names", async () => {
  await assertRowsFail("id,name,id\n1,x,2\n", 1, /Duplicate column "id"/);
  await assertRowsFail("\n\na,a\n", 3, /Duplicate column "a"/);
  await assertRowsFail(',""\n', 1, /Duplicate column ""/);
});

Deno.test("parseCsvRows makes hostile header names ordinary own properties", async () => {
  const input = "__proto__,constructor,prototype,polluted\n" +
    '{"polluted":1},x,y,z\n';
  for (const chunks of everySplit(input)) {
    const [row, ...rest] = await rows(chunks);
    assert.deepStrictEqual(rest, []);
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.deepStrictEqual(Object.keys(row), [
      "__proto__",
      "constructor",
      "prototype",
      "polluted",
    ]);
    assert.ok(Object.hasOwn(row, "__proto__"));
    assert.equal(
      Object.getOwnPropertyDescriptor(row, "__proto__")?.value,
      '{"polluted":1}',
    );
    assert.equal(row.constructor, "x");
    assert.equal(row.prototype, "y");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
  const [row] = await rows([encoder.encode("constructor,prototype\n1,2\n")]);
  assert.deepStrictEqual(row, { constructor: "1", prototype: "2" });
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
});

/**
 * A stream that makes `total` chunks of one row each on demand and records
 * how many it made and whether it was cancelled.
 */
function lazyRows(total: number) {
  const state = { pulled: 0, cancelled: false, reason: undefined as unknown };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === 0) {
        state.pulled++;
        controller.enqueue(encoder.encode("n,square\n"));
      } else if (state.pulled <= total) {
        const n = state.pulled++;
        controller.enqueue(encoder.encode(`${n},"${n * n}"\r\n`));
      } else {
        controller.close();
      }
    },
    cancel(reason) {
      state.cancelled = true;
      state.reason = reason;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

Deno.test("parseCsvRows cancels the source stream when left early", async (t) => {
  await t.step("by break", async () => {
    const { stream, state } = lazyRows(1_000_000);
    for await (const row of parseCsvRows(stream)) {
      if (row.n === "3") break;
    }
    assert.equal(state.cancelled, true);
    assert.ok(state.pulled < 10, `pulled ${state.pulled} chunks`);
    assert.equal(stream.locked, false);
  });

  await t.step("by return()", async () => {
    const { stream, state } = lazyRows(1_000_000);
    const rows = parseCsvRows(stream);
    assert.deepStrictEqual((await rows.next()).value, { n: "1", square: "1" });
    await rows.return();
    assert.equal(state.cancelled, true);
    assert.equal(stream.locked, false);
  });

  await t.step("by a parse error", async () => {
    const state = { cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("a,b\n1\n"));
      },
      cancel() {
        state.cancelled = true;
      },
    });
    await assert.rejects(Array.fromAsync(parseCsvRows(stream)), CsvParseError);
    assert.equal(state.cancelled, true);
    assert.equal(stream.locked, false);
  });

  await t.step("but not when read to the end", async () => {
    const { stream, state } = lazyRows(5);
    assert.equal((await Array.fromAsync(parseCsvRows(stream))).length, 5);
    assert.equal(state.cancelled, false);
    assert.equal(stream.locked, false);
  });
});

Deno.test("parseCsvRows passes a stream error through unchanged", async (t) => {
  await t.step("after some rows", async () => {
    const failure = new Error("connection reset");
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(failure);
        else controller.enqueue(encoder.encode("a\n1\n2"));
        sent = true;
      },
    }, { highWaterMark: 0 });
    const seen: Record<string, string>[] = [];
    await assert.rejects(
      (async () => {
        for await (const row of parseCsvRows(stream)) seen.push(row);
      })(),
      (error) => error === failure,
    );
    // "2" may continue on the next chunk, so it was never complete.
    assert.deepStrictEqual(seen, [{ a: "1" }]);
    assert.equal(stream.locked, false);
  });

  await t.step("thrown by the source", async () => {
    const failure = new TypeError("boom");
    const stream = new ReadableStream<Uint8Array>({
      pull() {
        throw failure;
      },
    });
    await assert.rejects(
      Array.fromAsync(parseCsvRecords(stream)),
      (error) => error === failure,
    );
  });
});

Deno.test("parseCsvRows streams thousands of rows without reading ahead", async () => {
  const total = 5_000;
  const { stream, state } = lazyRows(total);
  let count = 0;
  for await (const row of parseCsvRows(stream)) {
    count++;
    assert.deepStrictEqual(row, {
      n: String(count),
      square: String(count ** 2),
    });
    // The last row is only known to be complete once the next chunk arrives.
    assert.ok(
      state.pulled <= count + 2,
      `row ${count}: pulled ${state.pulled}`,
    );
  }
  assert.equal(count, total);
});

Deno.test("parseCsvRows reads a large quoted field spread over many chunks", async () => {
  const value = 'say ""hi""\r\n,'.repeat(50_000);
  const input = `a,b\n"${value}",x\n1,2,3\n`;
  await assert.rejects(rows(chunked(input, 1000)), (error) => {
    assert.ok(error instanceof CsvParseError);
    assert.equal(error.line, 50_003);
    return true;
  });
  const [row] = await rows(chunked(`a,b\n"${value}",x\n`, 777));
  assert.equal(row.a, value.replaceAll('""', '"'));
  assert.equal(row.b, "x");
});

Deno.test("parseCsvRows gives back whatever an RFC 4180 writer wrote", () => {
  const field = fc.string({
    unit: fc.oneof(
      fc.constantFrom('"', ",", "\r", "\n", "\r\n", '""', "\uFEFF"),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    ),
    maxLength: 12,
  });
  const table = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), {
    minLength: 1,
    maxLength: 6,
  }).chain((header) =>
    fc.tuple(
      fc.constant(header),
      fc.array(
        fc.array(field, { minLength: header.length, maxLength: header.length }),
        {
          maxLength: 8,
        },
      ),
      fc.integer({ min: 1, max: 64 }),
      fc.boolean(),
    )
  );
  return fc.assert(
    fc.asyncProperty(table, async ([header, body, chunkSize, finalEol]) => {
      const text = writeCsv([header, ...body]) + (finalEol ? "\r\n" : "");
      const got = await rows(chunked(text, chunkSize));
      const expected = body.map((values) =>
        Object.fromEntries(header.map((name, i) => [name, values[i]]))
      );
      assert.deepStrictEqual(got, expected);
    }),
    { numRuns: 300 },
  );
});

type Outcome =
  | { records: CsvRecord[] }
  | { error: "unclosed quote" | "text after quote"; line: number };

/**
 * The dialect of `src/csv.ts`, spelled out one character at a time: slow and
 * obviously right, for the parser to be checked against.
 */
function referenceParse(input: string): Outcome {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const lineBreak = () => {
    line++;
    i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
  };
  while (i < text.length) {
    if (text[i] === "\n" || text[i] === "\r") {
      lineBreak();
      continue;
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) return { error: "unclosed quote", line: start };
          if (text[i] === '"') {
            i++;
            if (text[i] !== '"') break;
          } else if (
            text[i] === "\n" || (text[i] === "\r" && text[i + 1] !== "\n")
          ) {
            line++;
          }
          value += text[i++];
        }
        if (i < text.length && !",\r\n".includes(text[i])) {
          return { error: "text after quote", line: start };
        }
      } else {
        while (i < text.length && !",\r\n".includes(text[i])) {
          value += text[i++];
        }
      }
      fields.push(value);
      if (text[i] !== ",") break;
      i++;
    }
    if (i < text.length) lineBreak();
    records.push({ fields, line: start });
  }
  return { records };
}

Deno.test("parseCsvRecords agrees with a character-by-character reference, however the input is split", () => {
  const text = fc.string({
    unit: fc.constantFrom('"', ",", "\r", "\n", "a", " ", "é", "😀", "\uFEFF"),
    maxLength: 40,
  });
  const outcome = async (chunks: Uint8Array[]): Promise<Outcome> => {
    try {
      return { records: await records(chunks) };
    } catch (error) {
      assert.ok(error instanceof CsvParseError);
      const kind = /not closed/.test(error.message)
        ? "unclosed quote"
        : "text after quote";
      return { error: kind, line: error.line };
    }
  };
  return fc.assert(
    fc.asyncProperty(
      text,
      fc.array(fc.nat(), { maxLength: 6 }),
      async (input, cuts) => {
        const bytes = encoder.encode(input);
        const offsets = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) =>
          a - b
        );
        const expected = referenceParse(input);
        assert.deepStrictEqual(await outcome([bytes]), expected);
        assert.deepStrictEqual(await outcome(cutAt(bytes, offsets)), expected);
        assert.deepStrictEqual(await outcome(chunked(bytes, 1)), expected);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("parseCsvRows reads a chunk longer than a decoding slice, whatever straddles the slice ends", async () => {
  // Chunks are decoded 2 KiB at a time; each piece of text below is moved
  // across the 2048th byte one byte at a time, inside a quoted field and in
  // an unquoted one.
  const pieces = ['""', "\r\n", "é", "😀", "\uFEFF", '",""', "日本"];
  for (const piece of pieces) {
    const quoted = piece;
    const unquoted = piece.replace(/[",\r\n]/g, "");
    for (let pad = 2030; pad <= 2050; pad++) {
      const a = "x".repeat(pad) + quoted + "y";
      const b = "x".repeat(pad - 4) + unquoted + "y";
      const input = `a,b\n"${a.replaceAll('"', '""')}",${b}\r\n` +
        `"${a.replaceAll('"', '""')}",${b}`;
      const expected = [{ a, b }, { a, b }];
      const split = `${JSON.stringify(piece)} at ${pad}`;
      assert.deepStrictEqual(
        await rows([encoder.encode(input)]),
        expected,
        split,
      );
      assert.deepStrictEqual(await rows(chunked(input, 3000)), expected, split);
    }
  }
  // A record that ends at a slice end, its CR and LF on either side.
  for (let pad = 2036; pad <= 2046; pad++) {
    const x = "x".repeat(pad - 4);
    const input = `a\r\n${x}\r\n"q"\r\n`;
    assert.deepStrictEqual(await records([encoder.encode(input)]), [
      { fields: ["a"], line: 1 },
      { fields: [x], line: 2 },
      { fields: ["q"], line: 3 },
    ]);
  }
});

Deno.test("parseCsvRows reads many columns, numeric names too, in the order a plain object keeps", async () => {
  const header = Array.from({ length: 40 }, (_, i) => i % 3 ? `c${i}` : `${i}`);
  const values = header.map((name) => `v${name}`);
  const [row] = await rows([
    encoder.encode(`${header.join(",")}\n${values.join(",")}\n`),
  ]);
  const expected: Record<string, string> = {};
  header.forEach((name, i) => expected[name] = values[i]);
  assert.deepStrictEqual(Object.entries(row), Object.entries(expected));
});

Deno.test("parseCsvRows answers calls that overlap in order, as a generator does", async () => {
  const { stream } = lazyRows(3);
  const rows = parseCsvRows(stream);
  const results = await Promise.all([
    rows.next(),
    rows.next(),
    rows.next(),
    rows.next(),
    rows.next(),
  ]);
  assert.deepStrictEqual(results, [
    { value: { n: "1", square: "1" }, done: false },
    { value: { n: "2", square: "4" }, done: false },
    { value: { n: "3", square: "9" }, done: false },
    { value: undefined, done: true },
    { value: undefined, done: true },
  ]);
  assert.equal(stream.locked, false);
});

Deno.test("parseCsvRows leaves a stream it never read alone, as a generator does", async (t) => {
  await t.step("on return() before the first row", async () => {
    const { stream, state } = lazyRows(3);
    const rows = parseCsvRows(stream);
    assert.deepStrictEqual(await rows.return(), {
      value: undefined,
      done: true,
    });
    assert.equal(stream.locked, false);
    assert.equal(state.cancelled, false);
    assert.equal(state.pulled, 0);
    assert.deepStrictEqual(await rows.next(), { value: undefined, done: true });
  });

  await t.step("on throw() before the first row", async () => {
    const { stream, state } = lazyRows(3);
    const failure = new Error("stop");
    await assert.rejects(
      parseCsvRows(stream).throw(failure),
      (e) => e === failure,
    );
    assert.equal(stream.locked, false);
    assert.equal(state.cancelled, false);
  });
});

Deno.test("parseCsvRows cancels the stream on throw() and on disposal", async (t) => {
  await t.step("throw()", async () => {
    const { stream, state } = lazyRows(1_000);
    const rows = parseCsvRows(stream);
    await rows.next();
    const failure = new Error("stop");
    await assert.rejects(rows.throw(failure), (e) => e === failure);
    assert.equal(state.cancelled, true);
    assert.equal(stream.locked, false);
    assert.deepStrictEqual(await rows.next(), { value: undefined, done: true });
  });

  await t.step("Symbol.asyncDispose", async () => {
    const { stream, state } = lazyRows(1_000);
    {
      await using rows = parseCsvRows(stream);
      await rows.next();
    }
    assert.equal(state.cancelled, true);
    assert.equal(stream.locked, false);
  });
});

Deno.test("parseCsvRows reads chunks that are ArrayBuffers or other views of bytes", async () => {
  const input = encoder.encode(`a,b\n"${"é".repeat(3000)}",x\n1,2\n`);
  const expected = [{ a: "é".repeat(3000), b: "x" }, { a: "1", b: "2" }];
  for (const size of [1, 7, 2047, 2048, 2049, 5000, input.length]) {
    const chunks = chunked(input, size).map((chunk, i) => {
      const { buffer } = chunk.slice();
      if (i % 3 === 0) return buffer;
      if (i % 3 === 1) return new DataView(buffer);
      // A Uint16Array only when the chunk has a whole number of them.
      return chunk.length % 2 ? chunk : new Uint16Array(buffer);
    });
    assert.deepStrictEqual(
      await rows(chunks as unknown as Uint8Array[]),
      expected,
      `${size}-byte chunks`,
    );
  }
});

Deno.test("scan gives the written form of quoted fields with doubled quotes, read in one piece", async () => {
  const input = 'a,b,c\n"x""y",plain,"z"\n"{""k"":1}","",""""\n';
  const read = (chunks: Uint8Array[]) =>
    Array.fromAsync(
      scan(streamOf(chunks), (fields, _line, record) =>
        fields.map((_, i) => record.written(i))),
    );
  assert.deepStrictEqual(await read([encoder.encode(input)]), [
    [undefined, undefined, undefined],
    ['x""y', undefined, undefined],
    ['{""k"":1}', undefined, '""'],
  ]);
  // Cut anywhere, a field read in pieces has no written form, one read
  // whole has the same as before, and fields without doubled quotes have
  // none.
  const forms = [[1, 0, 'x""y'], [2, 0, '{""k"":1}'], [2, 2, '""']] as const;
  for (const chunks of everySplit(input)) {
    const split = `split at ${chunks.map((c) => c.length).join("+")} bytes`;
    const got = await read(chunks);
    for (const [row, i, form] of forms) {
      const value = got[row][i];
      assert.ok(value === undefined || value === form, split);
      got[row][i] = undefined;
    }
    assert.deepStrictEqual(got, Array(3).fill(Array(3).fill(undefined)), split);
  }
});
