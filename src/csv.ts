/**
 * A streaming RFC 4180 CSV parser built on web streams only, so it runs in
 * Deno, Node, Bun, browsers and edge runtimes alike.
 *
 * The parser holds at most one record, the undecoded rest of the current
 * chunk and one decoded slice of it: memory does not grow with the size of
 * the file.
 *
 * Dialect, where RFC 4180 leaves room or is stricter than real files:
 *
 * - Records end with CRLF, LF or a lone CR, freely mixed; the last record
 *   needs no terminator.
 * - Empty lines (no characters at all) are skipped wherever they appear,
 *   including before the header. In a one-column file an empty value must
 *   therefore be written quoted (`""`), as a CSV writer that quotes does.
 * - A quote inside an unquoted field (`ab"c`) is kept as a literal character,
 *   as most real-world writers intend.
 * - Anything but a comma or a line break after a closing quote (`"ab"c`) is
 *   an error, as is a quote still open at the end of the input.
 * - A leading UTF-8 byte order mark is dropped; invalid UTF-8 decodes to
 *   U+FFFD rather than failing.
 *
 * @module
 */

import { CsvParseError } from "./errors.ts";

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const BOM = 0xfeff;

const STREAM_DECODE: TextDecodeOptions = { stream: true };

/**
 * The record just read, beyond its fields.
 *
 * @internal
 */
export interface CsvRecordText {
  /**
   * Field `i` as it is written between its quotes, doubled quotes and all,
   * if it has any and was read in one piece; otherwise `undefined`. It is
   * one slice of the decoded text, which a `Map` hashes without first
   * copying it together as it must the unescaped value. Valid only until the
   * next record is read.
   */
  written(i: number): string | undefined;
}

/** What reading a field led to. */
type Step = typeof FIELD_DONE | typeof RECORD_DONE | typeof NEED_TEXT;
/** A comma followed the field: the record has another one. */
const FIELD_DONE = 0;
/** A line break or the end of the input followed the field. */
const RECORD_DONE = 1;
/** The text ran out inside the field; what was read of it is kept. */
const NEED_TEXT = 2;

/** Where the tokenizer stands in the open record. */
type Place = typeof FIELD_START | typeof IN_UNQUOTED | typeof IN_QUOTED;
/** Before a field's first character, which tells whether it is quoted. */
const FIELD_START = 0;
/** Inside an unquoted field begun in an earlier chunk. */
const IN_UNQUOTED = 1;
/** Inside a quoted field, after its opening quote. */
const IN_QUOTED = 2;

/**
 * An incremental, pull-based CSV tokenizer over decoded text. Text goes in
 * with {@link CsvTokenizer.push}, records come out of
 * {@link CsvTokenizer.next} one at a time, so the caller decides how much is
 * buffered.
 *
 * A record is read in a few steps: skip empty lines (`#skipEmptyLines`);
 * take the whole line at once if it holds no quote (`#readPlainLine`);
 * otherwise read it field by field (`#readField`, then `#readUnquoted` or
 * `#readQuoted`) until a line break ends it (`#takeRecord`). When the text
 * runs out inside a record, the fields read so far and the open field's text
 * are kept, and reading resumes there with the next chunk.
 *
 * Unquoted text is searched with `indexOf`, and the position of the next
 * comma, LF, CR and quote is cached: without that, a file with no CR (or no
 * quote) would rescan the rest of the chunk for every field, which is
 * quadratic in the chunk size. Quoted fields are read character by
 * character, which also counts the line breaks inside them, and where one
 * with doubled quotes is written is noted for {@link CsvTokenizer.written}.
 */
class CsvTokenizer implements CsvRecordText {
  /** Decoded text; everything before `#pos` is consumed. */
  #text = "";
  #pos = 0;
  /** No more text will come. */
  #final = false;
  /** Physical line of `#pos`, 1-based. */
  #line = 1;
  #recordLine = 1;

  /** Some fields of a record have been read, but not its end. */
  #inRecord = false;
  /** The record read last, or being read, has a quoted field. */
  #hadQuote = false;
  #fields: string[] = [];
  #place: Place = FIELD_START;
  /**
   * The open field's value so far, unescaped: its text from earlier chunks
   * and, in a quoted field, its text up to the last doubled quote.
   */
  #value = "";
  /**
   * The quoted fields with doubled quotes that were read in one piece, in
   * the record read last: index, start and end in `#text`, three numbers
   * each, `#writtenCount` numbers in all. Forgotten when a record starts,
   * and when text is pushed, which moves the text they point into.
   */
  #written: number[] = [];
  #writtenCount = 0;

  /*
   * Each cache holds an index `i` such that the character does not occur
   * between the position it was searched from and `i`; `i` is either an
   * occurrence or the end of the text as it was then. Searches start from
   * positions that never decrease, which is what keeps this sound.
   */
  #nextLf = 0;
  #nextCr = 0;
  #nextQuote = 0;
  #nextComma = 0;

  /** The 1-based physical line on which the last returned record starts. */
  get recordLine(): number {
    return this.#recordLine;
  }

  /** Appends decoded text. */
  push(chunk: string): void {
    if (chunk === "") return;
    const pos = this.#pos;
    // Shifting keeps each cache's meaning: both the cached index and the
    // start of its search move left by the same amount.
    this.#text = pos === this.#text.length
      ? chunk
      : this.#text.slice(pos) + chunk;
    this.#pos = 0;
    this.#writtenCount = 0;
    this.#nextLf -= pos;
    this.#nextCr -= pos;
    this.#nextQuote -= pos;
    this.#nextComma -= pos;
  }

  /** Marks the end of the input: what is left is parsed as final. */
  end(): void {
    this.#final = true;
  }

  /**
   * Returns the next record, or `undefined` when more text is needed (or,
   * after {@link CsvTokenizer.end}, when the input is exhausted).
   *
   * @throws {CsvParseError} On an unterminated quote or text after a closing
   * quote.
   */
  next(): string[] | undefined {
    if (!this.#inRecord) {
      if (!this.#skipEmptyLines()) return undefined;
      this.#recordLine = this.#line;
      this.#writtenCount = 0;
      // Lines with quotes tend to follow lines with quotes (a file's JSON
      // columns), so the whole-line attempt is spared after one.
      if (!this.#hadQuote) {
        const plain = this.#readPlainLine();
        if (plain !== undefined) return plain;
      }
      this.#hadQuote = false;
      this.#inRecord = true;
    }
    for (;;) {
      const step = this.#readField();
      if (step === RECORD_DONE) return this.#takeRecord();
      if (step === NEED_TEXT) return undefined;
    }
  }

  /** See {@link CsvRecordText.written}. */
  written(i: number): string | undefined {
    const written = this.#written;
    for (let k = 0; k < this.#writtenCount; k += 3) {
      if (written[k] === i) {
        return this.#text.slice(written[k + 1], written[k + 2]);
      }
    }
    return undefined;
  }

  /**
   * Moves to the first character of the next record, past any empty lines.
   * False when the text runs out first.
   */
  #skipEmptyLines(): boolean {
    const text = this.#text;
    for (;;) {
      const pos = this.#pos;
      if (pos >= text.length) return false;
      const code = text.charCodeAt(pos);
      if (code !== LF && code !== CR) return true;
      const after = this.#passBreak(pos);
      if (after === pos) return false;
      this.#pos = after;
    }
  }

  /**
   * Reads a whole line that holds no quote by splitting it on commas in one
   * go. Returns `undefined`, having read nothing, when the line has a quote
   * or may go on in the next chunk: read field by field, a long line cut by
   * chunk ends keeps its fields instead of being rescanned on every chunk.
   */
  #readPlainLine(): string[] | undefined {
    const pos = this.#pos;
    const end = this.#lineEnd(pos);
    if (
      this.#findQuote(pos) < end ||
      (end === this.#text.length && !this.#final)
    ) {
      return undefined;
    }
    const fields = this.#text.slice(pos, end).split(",");
    this.#pos = this.#passBreak(end);
    return fields;
  }

  /** Reads the next field of the open record, or more of an open field. */
  #readField(): Step {
    if (this.#place === FIELD_START) {
      const pos = this.#pos;
      if (pos >= this.#text.length) {
        if (!this.#final) return NEED_TEXT;
        // A comma ended the input, so an empty field ends the record.
        this.#fields.push("");
        return RECORD_DONE;
      }
      if (this.#text.charCodeAt(pos) === QUOTE) {
        this.#pos = pos + 1;
        this.#place = IN_QUOTED;
        this.#hadQuote = true;
      }
    }
    return this.#place === IN_QUOTED
      ? this.#readQuoted()
      : this.#readUnquoted();
  }

  /** Reads an unquoted field up to the next comma or line break. */
  #readUnquoted(): Step {
    const start = this.#pos;
    const comma = this.#findComma(start);
    const end = this.#lineEnd(start);
    if (comma < end) {
      this.#endField(start, comma);
      this.#pos = comma + 1;
      return FIELD_DONE;
    }
    if (end === this.#text.length && !this.#final) {
      this.#value += this.#text.slice(start, end);
      this.#place = IN_UNQUOTED;
      this.#pos = end;
      return NEED_TEXT;
    }
    this.#endField(start, end);
    this.#pos = end;
    return RECORD_DONE;
  }

  /**
   * Reads a quoted field up to its closing quote. A doubled quote is
   * unescaped where it is found, by moving the text up to and including its
   * first quote into `#value`, which spares a second pass over the field.
   */
  #readQuoted(): Step {
    const text = this.#text;
    const len = text.length;
    const entry = this.#pos;
    // Nothing of the field was kept before: all its text is from `entry` on.
    const startsHere = this.#value === "";
    let start = entry;
    let quote = this.#scanQuoted(start);
    while (quote + 1 < len && text.charCodeAt(quote + 1) === QUOTE) {
      this.#value += text.slice(start, quote + 1);
      start = quote + 2;
      quote = this.#scanQuoted(start);
    }
    if (quote + 1 >= len && !this.#final) {
      // What ends the text (a quote that may be the first of a doubled pair,
      // or a CR that may be the first half of a CRLF) stays unread until the
      // next chunk tells what it is.
      this.#value += text.slice(start, quote);
      this.#pos = quote;
      return NEED_TEXT;
    }
    if (quote === len) {
      throw new CsvParseError({
        message: "Quoted field is not closed before the end of the file",
        line: this.#recordLine,
      });
    }
    if (startsHere && start !== entry) this.#noteWritten(entry, quote);
    this.#endField(start, quote);
    return this.#afterClosingQuote(quote + 1);
  }

  /**
   * Returns the position of the next quote from `from`, counting the line
   * breaks before it, or the end of the text if there is none. A CR that
   * ends the text so far is returned like the end, and not yet counted: the
   * next chunk may open with its LF. Quotes sit a few characters apart in
   * JSON cells, where a loop over the characters beats an `indexOf` call per
   * quote, and counts line breaks in the same pass.
   */
  #scanQuoted(from: number): number {
    const text = this.#text;
    const len = text.length;
    for (let at = from; at < len; at++) {
      const code = text.charCodeAt(at);
      // Quote, CR and LF all sort below most characters.
      if (code > QUOTE) continue;
      if (code === QUOTE) return at;
      if (code === LF) {
        this.#line++;
      } else if (code === CR) {
        if (at + 1 === len && !this.#final) return at;
        if (text.charCodeAt(at + 1) !== LF) this.#line++;
      }
    }
    return len;
  }

  /** Checks that a comma, a line break or the end of the input follows a closing quote. */
  #afterClosingQuote(at: number): Step {
    const text = this.#text;
    // A quote that ends the text is read only at the end of the input.
    const code = at < text.length ? text.charCodeAt(at) : LF;
    if (code === COMMA) {
      this.#pos = at + 1;
      return FIELD_DONE;
    }
    if (code !== LF && code !== CR) {
      throw new CsvParseError({
        message: `Unexpected ${
          JSON.stringify(text[at])
        } after the closing quote of field ${this.#fields.length}`,
        line: this.#recordLine,
      });
    }
    this.#pos = at;
    return RECORD_DONE;
  }

  /**
   * Notes that the quoted field about to end, read in one piece and with
   * doubled quotes, is written from `from` to `to` (see `written`).
   */
  #noteWritten(from: number, to: number): void {
    const written = this.#written;
    const k = this.#writtenCount;
    written[k] = this.#fields.length;
    written[k + 1] = from;
    written[k + 2] = to;
    this.#writtenCount = k + 3;
  }

  /** Ends the open field with its text from `start` to `end`. */
  #endField(start: number, end: number): void {
    const rest = this.#text.slice(start, end);
    const fields = this.#fields;
    // An indexed store, not `push`, which Deno's V8 left as a call here.
    fields[fields.length] = this.#value === "" ? rest : this.#value + rest;
    this.#value = "";
    this.#place = FIELD_START;
  }

  /** Ends the open record at the line break (or end of input) at `#pos`. */
  #takeRecord(): string[] {
    const fields = this.#fields;
    this.#fields = [];
    this.#inRecord = false;
    this.#pos = this.#passBreak(this.#pos);
    return fields;
  }

  /**
   * Returns the position after the line break at `at`, counting the line.
   * Returns `at` at the end of the text, and for a CR that ends the text so
   * far: an LF opening the next chunk would belong to it, so the CR stays
   * unread until that is known.
   */
  #passBreak(at: number): number {
    const text = this.#text;
    const len = text.length;
    if (at >= len) return at;
    if (text.charCodeAt(at) === CR) {
      if (at + 1 < len) {
        this.#line++;
        return text.charCodeAt(at + 1) === LF ? at + 2 : at + 1;
      }
      if (!this.#final) return at;
    }
    this.#line++;
    return at + 1;
  }

  /** The position of the next line break from `from`, or the end of the text. */
  #lineEnd(from: number): number {
    const lf = this.#findLf(from);
    const cr = this.#findCr(from);
    return lf < cr ? lf : cr;
  }

  #find(cached: number, from: number, char: string, code: number): number {
    const text = this.#text;
    let i = cached;
    if (i >= from) {
      if (i >= text.length || text.charCodeAt(i) === code) return i;
    } else {
      i = from;
    }
    i = text.indexOf(char, i);
    return i === -1 ? text.length : i;
  }

  #findLf(from: number): number {
    return this.#nextLf = this.#find(this.#nextLf, from, "\n", LF);
  }

  #findCr(from: number): number {
    return this.#nextCr = this.#find(this.#nextCr, from, "\r", CR);
  }

  #findQuote(from: number): number {
    return this.#nextQuote = this.#find(this.#nextQuote, from, '"', QUOTE);
  }

  #findComma(from: number): number {
    return this.#nextComma = this.#find(this.#nextComma, from, ",", COMMA);
  }
}

/** Does nothing; for promises whose outcome is handled elsewhere. */
const ignore = (): void => {};

/**
 * Bytes are decoded this many at a time. The text of the slice being read
 * is what is alive whenever the garbage collector runs, and V8 sizes its
 * young generation by what survives: decoding whole 64 KiB chunks (up to
 * 128 KiB of text each) made the process grow with the length of the file.
 */
const SLICE_BYTES = 2048;

/**
 * The bytes of a chunk as a `Uint8Array`. A stream of bytes may still hand
 * out an `ArrayBuffer` or another view (Node's `readableWebStream()` of a
 * file does), which the decoder takes as well.
 */
function bytesOf(chunk: ArrayBufferLike | ArrayBufferView): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  return ArrayBuffer.isView(chunk)
    ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    : new Uint8Array(chunk);
}

/**
 * The records of a CSV byte stream, mapped, as an async generator written
 * out by hand. A built-in async generator settles several promises per
 * record, more again under `yield*`: on a file of short rows that was a
 * tenth of the parsing time. Here a record found in the bytes already read
 * costs one settled promise. Calls are queued, as a generator queues them.
 */
class RecordStream<T> implements AsyncGenerator<T, void, undefined> {
  readonly #stream: ReadableStream<Uint8Array>;
  readonly #map: (
    fields: string[],
    line: number,
    record: CsvRecordText,
  ) => T | undefined;
  /** Taken on the first read, as a generator's body starts on its first call. */
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The stream was read to its end or cancelled; either way it is released. */
  #released = false;
  /** The last chunk read, and how far it is decoded. */
  #chunk: Uint8Array | undefined;
  #decoded = 0;
  // The BOM is dropped by hand: Deno's streaming decoder (2.x) also drops a
  // U+FEFF that merely starts a later chunk, which would corrupt data.
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  #atStart = true;
  readonly #tokenizer = new CsvTokenizer();
  /** No value will come any more: the input is used up, a call failed, or the caller left. */
  #done = false;
  /** The latest call still settling; a new call waits for it. */
  #busy: Promise<void> | undefined;

  constructor(
    stream: ReadableStream<Uint8Array>,
    map: (
      fields: string[],
      line: number,
      record: CsvRecordText,
    ) => T | undefined,
  ) {
    this.#stream = stream;
    this.#map = map;
  }

  next(): Promise<IteratorResult<T, void>> {
    if (this.#busy === undefined) {
      let value: T | undefined;
      try {
        value = this.#take();
      } catch (error) {
        return this.#serial(() => this.#fail(error));
      }
      if (value !== undefined) return Promise.resolve({ value, done: false });
    }
    return this.#serial(() => this.#read());
  }

  return(): Promise<IteratorResult<T, void>> {
    return this.#serial(async () => {
      await this.#close();
      return { value: undefined, done: true };
    });
  }

  throw(error: unknown): Promise<IteratorResult<T, void>> {
    return this.#serial(() => this.#fail(error));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** The next mapped record in the bytes read so far, if there is one. */
  #take(): T | undefined {
    const tokenizer = this.#tokenizer;
    while (!this.#done) {
      const fields = tokenizer.next();
      if (fields === undefined) {
        if (!this.#decodeSlice()) return undefined;
      } else {
        const value = this.#map(fields, tokenizer.recordLine, tokenizer);
        if (value !== undefined) return value;
      }
    }
    return undefined;
  }

  /** Reads chunks until a record is complete or the input is used up. */
  async #read(): Promise<IteratorResult<T, void>> {
    try {
      for (;;) {
        const value = this.#take();
        if (value !== undefined) return { value, done: false };
        if (this.#done || this.#released) {
          this.#done = true;
          return { value: undefined, done: true };
        }
        this.#reader ??= this.#stream.getReader();
        const result = await this.#reader.read();
        if (result.done) {
          this.#released = true;
          this.#reader.releaseLock();
          this.#tokenizer.push(this.#decoder.decode());
          this.#tokenizer.end();
        } else {
          this.#chunk = bytesOf(result.value);
          this.#decoded = 0;
        }
      }
    } catch (error) {
      return this.#fail(error);
    }
  }

  /**
   * Hands the tokenizer the next slice of the last chunk read. False when
   * the chunk is used up.
   */
  #decodeSlice(): boolean {
    const chunk = this.#chunk;
    if (chunk === undefined) return false;
    const start = this.#decoded;
    const end = start + SLICE_BYTES;
    if (end < chunk.length) this.#decoded = end;
    else this.#chunk = undefined;
    let text = this.#decoder.decode(
      start === 0 && end >= chunk.length ? chunk : chunk.subarray(start, end),
      STREAM_DECODE,
    );
    // The decoder emits whole characters only, so the first non-empty text
    // starts with the first character of the file.
    if (this.#atStart && text !== "") {
      this.#atStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    this.#tokenizer.push(text);
    return true;
  }

  /** Ends the generator; a stream not read to its end is cancelled. */
  async #close(): Promise<void> {
    this.#done = true;
    this.#chunk = undefined;
    const reader = this.#reader;
    if (reader === undefined || this.#released) return;
    this.#released = true;
    // A stream that already failed rejects `cancel()` with its own error;
    // that error is already on its way out, so this one is dropped.
    await reader.cancel().catch(ignore);
    reader.releaseLock();
  }

  async #fail(error: unknown): Promise<never> {
    await this.#close();
    throw error;
  }

  /** Runs `call` once every earlier call has settled. */
  #serial<R>(call: () => Promise<R>): Promise<R> {
    const before = this.#busy;
    const result = before === undefined ? call() : before.then(call);
    const settle = () => {
      if (this.#busy === settled) this.#busy = undefined;
    };
    const settled: Promise<void> = result.then(settle, settle);
    this.#busy = settled;
    return result;
  }
}

/**
 * Drives a {@link CsvTokenizer} from a byte stream, passing each record, its
 * line and its {@link CsvRecordText} to `map`; records for which `map`
 * returns `undefined` are dropped. The stream is read only when the bytes
 * read so far hold no complete record. Leaving early (break, `return()`, or
 * an error thrown by `map` or the parser) cancels the stream.
 *
 * @internal
 */
export function scan<T>(
  stream: ReadableStream<Uint8Array>,
  map: (fields: string[], line: number, record: CsvRecordText) => T | undefined,
): AsyncGenerator<T, void, undefined> {
  return new RecordStream(stream, map);
}

/**
 * Parses CSV bytes into rows keyed by the header (the first record). An empty
 * or header-only file yields nothing.
 *
 * Each row is a plain object whose own properties are the header names, even
 * for names such as `__proto__`, so a hostile header cannot pollute
 * prototypes.
 *
 * Empty lines are skipped, so a one-column file must quote an empty value
 * (`""`). Breaking out of the loop early cancels the stream; errors from the
 * stream propagate unchanged.
 *
 * @param stream UTF-8 CSV bytes.
 * @returns The rows, in file order.
 * @throws {CsvParseError} On duplicate header names, a row whose field count
 * differs from the header's, an unterminated quote or text after a closing
 * quote. `line` is where the offending record starts.
 *
 * @example
 * ```ts ignore
 * for await (const row of parseCsvRows(response.body!)) {
 *   console.log(row.action);
 * }
 * ```
 */
export function parseCsvRows(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Record<string, string>, void, undefined> {
  return parseCsvTable(stream, (header) => {
    const columns = header.length;
    // Each row starts as a copy of a template that has every column, so it
    // is allocated at its full size at once rather than grown a property at
    // a time. JSON.parse makes the template: unlike an object built by
    // assignment, what it returns still copies fast with dozens of
    // properties, and it defines `__proto__` as an own property, which the
    // assignments below then overwrite like any other.
    const template: Record<string, string> = JSON.parse(
      JSON.stringify(Object.fromEntries(header.map((name) => [name, ""]))),
    );
    return (fields) => {
      const row = { ...template };
      for (let i = 0; i < columns; i++) row[header[i]] = fields[i];
      return row;
    };
  });
}

/**
 * Parses CSV bytes as a table: the first record is the header, checked for
 * duplicate names and handed to `plan`, which returns the builder of one
 * output value per data record. Every data record is checked to have as
 * many fields as the header before it is built.
 *
 * @internal
 * @param stream UTF-8 CSV bytes.
 * @param plan Called once with the header and its line; the builder it
 * returns gets each record's fields, line and {@link CsvRecordText}.
 * @returns The built values, in file order.
 * @throws {CsvParseError} On duplicate header names, a record whose field
 * count differs from the header's, or a syntax error; and whatever the
 * builder throws.
 */
export function parseCsvTable<T>(
  stream: ReadableStream<Uint8Array>,
  plan: (
    header: string[],
    line: number,
  ) => (fields: string[], line: number, record: CsvRecordText) => T,
): AsyncGenerator<T, void, undefined> {
  let columns = -1;
  let build: (fields: string[], line: number, record: CsvRecordText) => T;
  return scan(stream, (fields, line, record) => {
    if (columns < 0) {
      checkHeader(fields, line);
      build = plan(fields, line);
      columns = fields.length;
      return undefined;
    }
    checkWidth(fields, columns, line);
    return build(fields, line, record);
  });
}

/**
 * Fails with a `CsvParseError` when a header names a column twice: a row
 * keyed by it would lose one of the two values.
 *
 * @internal
 */
export function checkHeader(header: readonly string[], line: number): void {
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) {
      throw new CsvParseError({
        message: `Duplicate column ${JSON.stringify(name)} in the header`,
        line,
      });
    }
    seen.add(name);
  }
}

/**
 * Fails with a `CsvParseError` when a record has another number of fields
 * than the header's `columns`.
 *
 * @internal
 */
export function checkWidth(
  fields: readonly string[],
  columns: number,
  line: number,
): void {
  if (fields.length !== columns) {
    throw new CsvParseError({
      message: `Expected ${columns} field${
        columns === 1 ? "" : "s"
      } but found ${fields.length}`,
      line,
    });
  }
}
