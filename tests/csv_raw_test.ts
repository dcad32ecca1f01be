import assert from "node:assert/strict";
import fc from "fast-check";
import { csvRawRecords, type RawRecord } from "../src/csv_raw.ts";
import { parseCsvRows, scan } from "../src/csv.ts";
import { csvRecord } from "../src/csv_record.ts";
import { CsvParseError } from "../src/errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? encoder.encode(input) : input;
}

/** A stream that hands out `chunks` one per pull, so nothing is read ahead. */
function streamOf(
  chunks: Uint8Array[],
  state = { pulled: 0, cancelled: false },
): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled++;
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
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

/** Cuts `input` at the given byte offsets (sorted, possibly repeated: empty chunks). */
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

/** Every way of delivering `input` worth trying: whole, in 1-byte chunks, cut once anywhere. */
function* everySplit(input: string | Uint8Array): Generator<Uint8Array[]> {
  const bytes = toBytes(input);
  yield [bytes];
  yield chunked(bytes, 1);
  for (let i = 0; i <= bytes.length; i++) yield cutAt(bytes, [i]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

interface Seen {
  fields: string[];
  line: number;
}

/** What reading `chunks` led to: the records read, then the error if there was one. */
interface Outcome {
  records: Seen[];
  error?: { message: string; line: number };
}

/** The raw records of `chunks`, split into what the parser would give and the bytes. */
async function raw(
  chunks: Uint8Array[],
): Promise<Outcome & { raws: RawRecord[] }> {
  const raws: RawRecord[] = [];
  try {
    for await (const record of csvRawRecords(streamOf(chunks))) {
      raws.push(record);
    }
  } catch (error) {
    assert.ok(error instanceof CsvParseError, String(error));
    return {
      raws,
      records: raws.map(({ fields, line }) => ({ fields, line })),
      error: { message: error.message, line: error.line },
    };
  }
  return { raws, records: raws.map(({ fields, line }) => ({ fields, line })) };
}

/** What the project's parser reads from `chunks`. */
async function parsed(chunks: Uint8Array[]): Promise<Outcome> {
  const records: Seen[] = [];
  try {
    for await (
      const record of scan(streamOf(chunks), (fields, line) => ({
        fields,
        line,
      }))
    ) {
      records.push(record);
    }
  } catch (error) {
    assert.ok(error instanceof CsvParseError, String(error));
    return { records, error: { message: error.message, line: error.line } };
  }
  return { records };
}

/**
 * Checks `chunks` against the parser: the same records with the same lines
 * and the same error, plus a trailing record with no fields only for what
 * follows the last record; and the bytes add up to the input (to the part
 * before the failing record, on an error).
 */
async function assertLikeParser(
  chunks: Uint8Array[],
  why = `split at ${chunks.map((c) => c.length).join("+")} bytes`,
): Promise<RawRecord[]> {
  const input = concat(chunks);
  const expected = await parsed(chunks);
  const got = await raw(chunks);
  const last = got.raws.at(-1);
  let records = got.records;
  if (last !== undefined && last.fields.length === 0) {
    assert.equal(got.error, undefined, why);
    // Nothing but line breaks, and the file's BOM, is left over.
    const rest = decoder.decode(last.bytes).replace(/^\uFEFF/, "");
    assert.match(rest, /^[\r\n]*$/, why);
    // Its line is the one its bytes start on.
    const before = decoder.decode(
      input.subarray(0, input.length - last.bytes.length),
    );
    assert.equal(
      last.line,
      1 + (before.match(/\r\n|\r|\n/g)?.length ?? 0),
      why,
    );
    records = records.slice(0, -1);
  }
  for (const record of records) assert.ok(record.fields.length > 0, why);
  assert.deepStrictEqual(
    { records, error: got.error },
    { records: expected.records, error: expected.error },
    why,
  );
  const bytes = concat(got.raws.map((r) => r.bytes));
  if (got.error === undefined) {
    assert.deepStrictEqual(bytes, input, why);
  } else {
    assert.deepStrictEqual(bytes, input.subarray(0, bytes.length), why);
  }
  return got.raws;
}

const text = (record: RawRecord) => decoder.decode(record.bytes);

Deno.test("csvRawRecords refuses what is not a stream of bytes", async (t) => {
  await t.step("at once, for a value that is not a stream", () => {
    for (
      const value of [
        undefined,
        null,
        42,
        "a,b\n",
        encoder.encode("a,b\n"),
        {},
        { getReader: 1 },
        [],
      ]
    ) {
      assert.throws(
        () => csvRawRecords(value as unknown as ReadableStream<Uint8Array>),
        TypeError,
        String(value),
      );
    }
  });

  await t.step(
    "when read, for a chunk that is not bytes, and the stream is cancelled",
    async () => {
      for (const chunk of ["a,b\n", 7, null, { length: 3 }, [97, 10]]) {
        let cancelled = false;
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(chunk);
          },
          cancel() {
            cancelled = true;
          },
        });
        await assert.rejects(
          Array.fromAsync(
            csvRawRecords(stream as unknown as ReadableStream<Uint8Array>),
          ),
          TypeError,
        );
        assert.equal(cancelled, true);
        assert.equal(stream.locked, false);
      }
    },
  );
});

Deno.test("csvRawRecords reads chunks that are ArrayBuffers or other views of bytes", async () => {
  const input = encoder.encode(`a,b\n"${"é".repeat(3000)}",x\n1,2\n`);
  for (const size of [1, 7, 2048, 5000, input.length]) {
    const chunks = chunked(input, size).map((chunk, i) => {
      const { buffer } = chunk.slice();
      if (i % 3 === 0) return buffer;
      if (i % 3 === 1) return new DataView(buffer);
      return chunk.length % 2 ? chunk : new Uint16Array(buffer);
    });
    const records = await Array.fromAsync(
      csvRawRecords(streamOf(chunks as unknown as Uint8Array[])),
    );
    assert.deepStrictEqual(records.map((r) => r.fields), [
      ["a", "b"],
      ["é".repeat(3000), "x"],
      ["1", "2"],
    ]);
    assert.deepStrictEqual(concat(records.map((r) => r.bytes)), input);
  }
});

Deno.test("csvRawRecords yields nothing for an empty input", async () => {
  for (
    const chunks of [[], [new Uint8Array(0)], [
      new Uint8Array(0),
      new Uint8Array(0),
    ]]
  ) {
    assert.deepStrictEqual(
      await Array.fromAsync(csvRawRecords(streamOf(chunks))),
      [],
    );
  }
});

Deno.test("csvRawRecords reads a header-only file as one record", async () => {
  for (const input of ["action,occurred_at\r\n", "action,occurred_at"]) {
    for (const chunks of everySplit(input)) {
      const raws = await assertLikeParser(chunks);
      assert.equal(raws.length, 1);
      assert.deepStrictEqual(raws[0].fields, ["action", "occurred_at"]);
      assert.equal(text(raws[0]), input);
      assert.equal(raws[0].line, 1);
    }
  }
});

Deno.test("csvRawRecords keeps each record's line terminator", async () => {
  const input = 'a,b\r\n1,2\n3,4\r"5\r\n6",7\n\r8,9';
  for (const chunks of everySplit(input)) {
    const raws = await assertLikeParser(chunks);
    assert.deepStrictEqual(
      raws.map((r) => [text(r), r.fields, r.line]),
      [
        ["a,b\r\n", ["a", "b"], 1],
        ["1,2\n", ["1", "2"], 2],
        ["3,4\r", ["3", "4"], 3],
        ['"5\r\n6",7\n', ["5\r\n6", "7"], 4],
        // An LF then a CR: an empty line, which goes with the next record.
        ["\r8,9", ["8", "9"], 7],
      ],
    );
  }
});

Deno.test("csvRawRecords gives a BOM and empty lines to the record after them, and what trails the last record as a record of no fields", async () => {
  const input = "\uFEFF\r\n\na,b\n\n\r\n1,2\r\n\n\r\r\n";
  for (const chunks of everySplit(input)) {
    const raws = await assertLikeParser(chunks);
    assert.deepStrictEqual(
      raws.map((r) => [text(r), r.fields, r.line]),
      [
        ["\uFEFF\r\n\na,b\n", ["a", "b"], 3],
        ["\n\r\n1,2\r\n", ["1", "2"], 6],
        ["\n\r\r\n", [], 7],
      ],
    );
  }
  for (const alone of ["\uFEFF", "\n", "\r\n\r", "\uFEFF\r\n"]) {
    for (const chunks of everySplit(alone)) {
      const raws = await assertLikeParser(chunks);
      assert.deepStrictEqual(
        raws.map((r) => [text(r), r.fields, r.line]),
        [[alone, [], 1]],
      );
    }
  }
  // A BOM that is not the file's first character is data.
  const later = await assertLikeParser([encoder.encode("a\n\uFEFFb,\uFEFF\n")]);
  assert.deepStrictEqual(later.map((r) => r.fields), [["a"], [
    "\uFEFFb",
    "\uFEFF",
  ]]);
});

Deno.test("csvRawRecords decodes fields as the parser does", async () => {
  const input = 'q,"a ""quoted"" word","x,y","line\nbreak",ab"c,,"",' +
    '"\r\n","é😀日本",\r\n' +
    '"{""k"":[1,""v""]}","""","""""",a""b,"",""\r\n';
  for (const chunks of everySplit(input)) {
    const raws = await assertLikeParser(chunks);
    assert.deepStrictEqual(raws.map((r) => r.fields), [
      [
        "q",
        'a "quoted" word',
        "x,y",
        "line\nbreak",
        'ab"c',
        "",
        "",
        "\r\n",
        "é😀日本",
        "",
      ],
      ['{"k":[1,"v"]}', '"', '""', 'a""b', "", ""],
    ]);
    assert.deepStrictEqual(raws.map((r) => r.line), [1, 4]);
  }
});

Deno.test("csvRawRecords decodes invalid UTF-8 to U+FFFD, as the parser does", async () => {
  const bytes = (...parts: (string | number[])[]) =>
    concat(
      parts.map((p) =>
        typeof p === "string" ? encoder.encode(p) : new Uint8Array(p)
      ),
    );
  const input = bytes(
    "a,",
    [0xff],
    ",b",
    [0xe6, 0x97],
    ',"',
    [0xf0, 0x9f, 0x98],
    '",',
    [0xc3],
    "\n",
    [0xed, 0xa0, 0x80],
    ",",
    [0x80, 0x80],
    ",x",
    [0xf0],
  );
  for (const chunks of everySplit(input)) {
    const raws = await assertLikeParser(chunks);
    assert.deepStrictEqual(raws.map((r) => r.fields), [
      ["a", "\uFFFD", "b\uFFFD", "\uFFFD", "\uFFFD"],
      ["\uFFFD\uFFFD\uFFFD", "\uFFFD\uFFFD", "x\uFFFD"],
    ]);
  }
});

Deno.test("csvRawRecords fails as the parser does, on the line the record starts", async (t) => {
  const cases: [string, number, RegExp][] = [
    ['a,b\n1,"2\n3', 2, /not closed/],
    ['a\n"x\r\ny"\n"open\r\n\r\n', 4, /not closed/],
    ['"', 1, /not closed/],
    ['a\n"x"y\n', 2, /Unexpected "y" after the closing quote of field 1/],
    ['a,"b"c', 1, /Unexpected "c" after the closing quote of field 2/],
    [
      '"a\nb",c\n"d" ,e',
      3,
      /Unexpected " " after the closing quote of field 1/,
    ],
    [
      'a,"b""",c\n1,"2"😀',
      2,
      /Unexpected "\\ud83d" after the closing quote of field 2/,
    ],
    ['"x"é', 1, /Unexpected "é" after the closing quote of field 1/],
    ['"x"\u00a0,', 1, /Unexpected "\u00a0" after the closing quote of field 1/],
  ];
  for (const [input, line, message] of cases) {
    await t.step(JSON.stringify(input), async () => {
      for (const chunks of everySplit(input)) {
        await assertLikeParser(chunks);
        const { error } = await raw(chunks);
        assert.equal(error?.line, line);
        assert.match(error!.message, message);
      }
    });
  }
  await t.step("a broken character after a closing quote", async () => {
    for (
      const tail of [[0xf0, 0x9f], [0xf0, 0x9f, 0x98], [0xe6], [0x80], [
        0xf0,
        0x41,
      ]]
    ) {
      const input = concat([encoder.encode('a\n"x"'), new Uint8Array(tail)]);
      for (const chunks of everySplit(input)) await assertLikeParser(chunks);
    }
  });
});

Deno.test("csvRawRecords reads a 5 MB record, quoted or not, in any chunk size", async () => {
  const piece = 'say ""hi"", é😀\r\n,\n\r';
  const value = piece.repeat(Math.ceil(5_000_000 / piece.length));
  const quoted = `"${value}"`;
  const plain = "x".repeat(5_000_000);
  const input = `a,b\r\n${quoted},${plain}\r\nlast,"${value}"`;
  const bytes = encoder.encode(input);
  const lines = value.split(/\r\n|\r|\n/).length - 1;
  for (const size of [65_536, 1_000_003, bytes.length]) {
    const raws = await Array.fromAsync(
      csvRawRecords(streamOf(chunked(bytes, size))),
    );
    assert.equal(raws.length, 3);
    assert.deepStrictEqual(raws[1].fields, [
      value.replaceAll('""', '"'),
      plain,
    ]);
    assert.deepStrictEqual(raws[2].fields, [
      "last",
      value.replaceAll('""', '"'),
    ]);
    assert.deepStrictEqual(raws.map((r) => r.line), [1, 2, 3 + lines]);
    assert.deepStrictEqual(concat(raws.map((r) => r.bytes)), bytes);
  }
  const expected = await parsed(chunked(bytes, 65_536));
  assert.deepStrictEqual(
    (await raw(chunked(bytes, 65_536))).records,
    expected.records,
  );
});

Deno.test("csvRawRecords passes hostile values through untouched", async () => {
  const values = [
    "__proto__",
    "constructor",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "\u0000\u0001\u001f",
    "\u202e\u2066rtl",
    "\u2028\u2029",
    '"'.repeat(1000),
    ",".repeat(1000),
    "\r".repeat(500) + "\n".repeat(500),
    "\uFEFF",
    "\uFFFD",
    "😀".repeat(1000),
    "a".repeat(100_000),
    "<script>alert(1)</script>",
    "'; DROP TABLE events; --",
    "%s%n%x",
    "\\u0000",
  ];
  const table = [
    values.map((_, i) => `c${i}`),
    values,
    values.slice().reverse(),
  ];
  const input = table.map(csvRecord).join("");
  for (const size of [1, 3, 4096, input.length]) {
    const raws = await assertLikeParser(chunked(input, size));
    assert.deepStrictEqual(raws.map((r) => r.fields), table);
    assert.deepStrictEqual(raws.map(text), table.map(csvRecord));
  }
  const rows = await Array.fromAsync(
    parseCsvRows(streamOf([encoder.encode(input)])),
  );
  assert.deepStrictEqual(rows.map(Object.values), table.slice(1));
});

Deno.test("csvRawRecords cancels the stream when left early", async (t) => {
  const lazy = (total: number) => {
    const state = { pulled: 0, cancelled: false };
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        state.pulled++;
        if (n < total) controller.enqueue(encoder.encode(`${++n},x\r\n`));
        else controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    }, { highWaterMark: 0 });
    return { stream, state };
  };

  await t.step("by break", async () => {
    const { stream, state } = lazy(1_000_000);
    for await (const record of csvRawRecords(stream)) {
      if (record.fields[0] === "3") break;
    }
    assert.equal(state.cancelled, true);
    assert.ok(state.pulled < 10, `pulled ${state.pulled} chunks`);
    assert.equal(stream.locked, false);
  });

  await t.step("by return()", async () => {
    const { stream, state } = lazy(1_000_000);
    const records = csvRawRecords(stream);
    assert.deepStrictEqual((await records.next()).value?.fields, ["1", "x"]);
    assert.deepStrictEqual(await records.return(), {
      value: undefined,
      done: true,
    });
    assert.equal(state.cancelled, true);
    assert.equal(stream.locked, false);
    assert.deepStrictEqual(await records.next(), {
      value: undefined,
      done: true,
    });
  });

  await t.step("by throw() and by disposal", async () => {
    const { stream, state } = lazy(1_000);
    const records = csvRawRecords(stream);
    await records.next();
    const failure = new Error("stop");
    await assert.rejects(records.throw(failure), (e) => e === failure);
    assert.equal(state.cancelled, true);
    assert.equal(stream.locked, false);
    const second = lazy(1_000);
    {
      await using disposed = csvRawRecords(second.stream);
      await disposed.next();
    }
    assert.equal(second.state.cancelled, true);
    assert.equal(second.stream.locked, false);
  });

  await t.step("by a parse error", async () => {
    const state = { pulled: 0, cancelled: false };
    const stream = streamOf([
      encoder.encode('a\n"b"c\n'),
      encoder.encode("d\n"),
    ], state);
    await assert.rejects(Array.fromAsync(csvRawRecords(stream)), CsvParseError);
    assert.equal(state.cancelled, true);
    assert.equal(stream.locked, false);
  });

  await t.step("but not when read to the end", async () => {
    const { stream, state } = lazy(5);
    assert.equal((await Array.fromAsync(csvRawRecords(stream))).length, 5);
    assert.equal(state.cancelled, false);
    assert.equal(stream.locked, false);
  });

  await t.step("nor when never read", async () => {
    const { stream, state } = lazy(5);
    const records = csvRawRecords(stream);
    assert.deepStrictEqual(await records.return(), {
      value: undefined,
      done: true,
    });
    assert.equal(state.pulled, 0);
    assert.equal(state.cancelled, false);
    assert.equal(stream.locked, false);
  });
});

Deno.test("csvRawRecords passes a stream error through unchanged", async () => {
  const failure = new Error("connection reset");
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) controller.error(failure);
      else controller.enqueue(encoder.encode("a\n1\n2"));
      sent = true;
    },
  }, { highWaterMark: 0 });
  const seen: string[][] = [];
  await assert.rejects(
    (async () => {
      for await (const record of csvRawRecords(stream)) {
        seen.push(record.fields);
      }
    })(),
    (error) => error === failure,
  );
  // "2" may go on in the next chunk, so it was never complete.
  assert.deepStrictEqual(seen, [["a"], ["1"]]);
  assert.equal(stream.locked, false);
});

Deno.test("csvRawRecords answers calls that overlap in order, as a generator does", async () => {
  const records = csvRawRecords(
    streamOf(chunked("a\n1\n2\n", 1)),
  );
  const results = await Promise.all(
    Array.from({ length: 5 }, () => records.next()),
  );
  assert.deepStrictEqual(
    results.map((r) => r.done ? "done" : r.value.fields[0]),
    ["a", "1", "2", "done", "done"],
  );
});

Deno.test("csvRawRecords hands out each record as soon as it is complete, and reads no further", async () => {
  const total = 2_000;
  const chunks = Array.from(
    { length: total },
    (_, i) => encoder.encode(`${i},"${i}\n${i}"\n`),
  );
  const state = { pulled: 0, cancelled: false };
  let count = 0;
  for await (const record of csvRawRecords(streamOf(chunks, state))) {
    assert.deepStrictEqual(record.fields, [`${count}`, `${count}\n${count}`]);
    assert.equal(record.line, 2 * count + 1);
    count++;
    assert.equal(state.pulled, count, `record ${count}`);
  }
  assert.equal(count, total);
  // A CR that ends a chunk is held until the next chunk says whether an LF follows.
  const held = { pulled: 0, cancelled: false };
  const records = csvRawRecords(
    streamOf([
      encoder.encode("a\r"),
      encoder.encode("\nb\r"),
      encoder.encode("c"),
    ], held),
  );
  const first = await records.next();
  assert.equal(held.pulled, 2);
  assert.equal(text(first.value as RawRecord), "a\r\n");
  const second = await records.next();
  assert.equal(text(second.value as RawRecord), "b\r");
  await records.return();
});

Deno.test("csvRawRecords keeps a record within one chunk as a view of it, and copies a split one once", async () => {
  const chunk = encoder.encode("a,b\r\n1,2\r\n3,");
  const next = encoder.encode("4\r\n");
  const raws = await Array.fromAsync(csvRawRecords(streamOf([chunk, next])));
  assert.equal(raws[0].bytes.buffer, chunk.buffer);
  assert.equal(raws[1].bytes.buffer, chunk.buffer);
  assert.notEqual(raws[2].bytes.buffer, chunk.buffer);
  assert.equal(text(raws[2]), "3,4\r\n");
});

Deno.test({
  name: "csvRawRecords reads a long file in memory that does not grow with it",
  ignore: typeof (globalThis as { gc?: unknown }).gc !== "function",
  fn: async () => {
    const gc = (globalThis as unknown as { gc: () => void }).gc;
    const row = encoder.encode(
      'user.signed_in,2026-11-28T11:00:00.000Z,user_1,"{""k"":""é""}",x\r\n',
    );
    const chunk = concat(Array.from({ length: 1000 }, () => row));
    const read = async (chunks: number) => {
      let n = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (n++ < chunks) controller.enqueue(chunk.slice());
          else controller.close();
        },
      }, { highWaterMark: 0 });
      let peak = 0;
      let i = 0;
      for await (const _ of csvRawRecords(stream)) {
        if (++i % 50_000 === 0) {
          gc();
          peak = Math.max(peak, Deno.memoryUsage().heapUsed);
        }
      }
      return peak;
    };
    const small = await read(100);
    const large = await read(1_000);
    assert.ok(
      large < small + 4_000_000,
      `${small} bytes of heap for 6 MB, ${large} for 60 MB`,
    );
  },
});

/**
 * Pieces of CSV that make up the generated inputs: every kind of byte the
 * splitter cares about, alone and in the shapes of whole quoted fields, so
 * that well-formed records with line breaks inside quotes are common.
 */
const piece = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '"',
      ",",
      "\r",
      "\n",
      "\r\n",
      '""',
      "a",
      " ",
      "é",
      "😀",
      "日",
      "\uFEFF",
    ),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '"\r\n"',
      '"\r"',
      '"\n"',
      '"a""b"',
      ',"',
      '",',
      '"\r\n",',
      ',"é\r\n😀"\r\n',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((b) => [b]),
  },
);

const inputArbitrary = fc.tuple(
  fc.boolean(),
  fc.array(piece, { maxLength: 40 }),
).map(([bom, pieces]) =>
  concat([
    bom ? encoder.encode("\uFEFF") : new Uint8Array(0),
    ...pieces.map((p) =>
      typeof p === "string" ? encoder.encode(p) : new Uint8Array(p)
    ),
  ])
);

Deno.test("csvRawRecords agrees with the parser on any input, however it is split", async () => {
  await fc.assert(
    fc.asyncProperty(
      inputArbitrary,
      fc.array(fc.nat(), { maxLength: 8 }),
      async (bytes, cuts) => {
        const offsets = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) =>
          a - b
        );
        await assertLikeParser([bytes]);
        await assertLikeParser(cutAt(bytes, offsets));
        await assertLikeParser(chunked(bytes, 1));
      },
    ),
    { numRuns: 1_500 },
  );
});

Deno.test("csvRawRecords gives back what an RFC 4180 writer wrote, record by record", async () => {
  const field = fc.string({
    unit: fc.oneof(
      fc.constantFrom('"', ",", "\r", "\n", "\r\n", '""', "\uFEFF", "é", "😀"),
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
        fc.tuple(
          fc.array(field, {
            minLength: header.length,
            maxLength: header.length,
          }),
          fc.constantFrom("", "\n", "\r\n", "\r\n\r\n", "\r"),
        ),
        { maxLength: 8 },
      ),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 6 }),
    )
  );
  await fc.assert(
    fc.asyncProperty(table, async ([header, body, bom, cuts]) => {
      // Empty lines before a record; a one-column record whose only value
      // is empty would read as an empty line, which the writer quotes.
      const rows = body.filter(([values]) =>
        values.length > 1 || values[0] !== ""
      );
      const written = [
        (bom ? "\uFEFF" : "") + csvRecord(header),
        ...rows.map(([values, before]) => before + csvRecord(values)),
      ];
      const bytes = encoder.encode(written.join(""));
      const offsets = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) =>
        a - b
      );
      const chunks = cutAt(bytes, offsets);
      const raws = await assertLikeParser(chunks);
      assert.deepStrictEqual(raws.map(text), written);
      assert.deepStrictEqual(raws.map((r) => r.fields), [
        header,
        ...rows.map(([values]) => values),
      ]);
      const parsedRows = await Array.fromAsync(parseCsvRows(streamOf(chunks)));
      assert.deepStrictEqual(
        parsedRows,
        raws.slice(1).map((r) =>
          Object.fromEntries(header.map((name, i) => [name, r.fields[i]]))
        ),
      );
    }),
    { numRuns: 500 },
  );
});
