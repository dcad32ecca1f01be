/**
 * CSV records with the bytes they were written in: for keeping an export's
 * own bytes while its rows are read.
 *
 * The dialect is that of `src/csv.ts` (see its module doc): each record's
 * fields are what its parser gives, its line is the parser's, and a syntax
 * error is the parser's `CsvParseError`, at the same line with the same
 * message.
 *
 * Records are found in the bytes, before any decoding: a quote, a comma, a
 * CR and an LF are ASCII, and in UTF-8 an ASCII byte never occurs inside the
 * encoding of another character. Only the text of each record is decoded,
 * once, when the record is complete. For the same reason a record decodes
 * to the same characters on its own as inside the whole file: the decoder
 * ends any broken sequence at the next ASCII byte, so invalid UTF-8 turns
 * into the same U+FFFD either way.
 *
 * The fields are split here, from the record's text, rather than by the
 * tokenizer of `src/csv.ts`: that one is not exported, reads decoded text
 * of a whole stream rather than bytes, and could not say where a record's
 * bytes end. The splitting is small because the byte scan has already
 * checked the record: in its text, a field that opens with a quote holds
 * only doubled quotes up to its closing one, and every other comma
 * separates fields. The tests hold both to the same answers on generated
 * input.
 *
 * @module
 */

import { concatBytes } from "./bytes.ts";
import { CsvParseError } from "./errors.ts";

/**
 * One record of a CSV byte stream, with its bytes as received.
 *
 * @internal
 */
export interface RawRecord {
  /**
   * The record's bytes exactly as received: any empty lines before it (and,
   * in the first record, a UTF-8 byte order mark), its fields, and its line
   * terminator (CRLF, LF or a lone CR; none when the input ends without
   * one). The `bytes` of all records, in order, make up the input byte for
   * byte. Often a view into a chunk read from the stream: copy it before
   * changing it.
   *
   * After the last record, whatever is left (empty lines, or a byte order
   * mark alone) comes as one more record whose `fields` is empty; the
   * parser has no such record, as every record it reads has a field.
   */
  readonly bytes: Uint8Array;
  /** The fields, decoded, unquoted and unescaped, as the parser of `src/csv.ts` gives them. */
  readonly fields: string[];
  /**
   * The 1-based physical line on which the record's first field starts
   * (line breaks inside quoted fields count, as in an editor), as in the
   * parser's `CsvParseError`. For the trailing record with no fields, the
   * line on which its bytes start.
   */
  readonly line: number;
}

/**
 * The records of a CSV byte stream, each with its exact bytes, its decoded
 * fields and its line. Concatenated, the `bytes` of the records are the
 * input; the `fields` of every record but a trailing one with none are the
 * records the parser of `src/csv.ts` reads from the same input.
 *
 * Memory holds the chunk being read and the record being assembled, however
 * long the file; a record split across chunks is copied together once.
 * Leaving early (break, `return()`, or an error) cancels the stream; errors
 * from the stream propagate unchanged.
 *
 * @internal
 * @param stream UTF-8 CSV bytes. Chunks may be any `ArrayBuffer` or view.
 * @returns The records, in input order.
 * @throws {TypeError} At once, if `stream` is not a readable stream; when
 * read, if a chunk is not bytes.
 * @throws {CsvParseError} When read, on an unterminated quote or text after
 * a closing quote, at the line where that record starts, as the parser
 * would.
 *
 * @example
 * ```ts ignore
 * for await (const { bytes, fields, line } of csvRawRecords(response.body!)) {
 *   console.log(line, fields, bytes.length);
 * }
 * ```
 */
export function csvRawRecords(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<RawRecord, void, undefined> {
  if (
    typeof stream !== "object" || stream === null ||
    typeof (stream as { getReader?: unknown }).getReader !== "function"
  ) {
    throw new TypeError("csvRawRecords expects a ReadableStream of bytes");
  }
  return new RawRecordStream(stream);
}

/** Does nothing; for promises whose outcome is handled elsewhere. */
const ignore = (): void => {};

const DONE: IteratorReturnResult<void> = Object.freeze({
  value: undefined,
  done: true,
});

/**
 * The records of a byte stream as an async generator written out by hand:
 * a built-in one settles several promises per record, which on a file of
 * short rows cost a tenth of the time. Here a record found in the bytes
 * already read costs one settled promise. Calls are queued, as a generator
 * queues them; the stream is taken on the first read, as a generator's body
 * starts on its first call.
 */
class RawRecordStream implements AsyncGenerator<RawRecord, void, undefined> {
  readonly #stream: ReadableStream<Uint8Array>;
  readonly #splitter = new RawSplitter();
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** The stream was read to its end or cancelled; either way it is released. */
  #released = false;
  /** No value will come any more: the input is used up, a call failed, or the caller left. */
  #done = false;
  /** The latest call still settling; a new call waits for it. */
  #busy: Promise<void> | undefined;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#stream = stream;
  }

  next(): Promise<IteratorResult<RawRecord, void>> {
    if (this.#busy === undefined && !this.#done) {
      let record: RawRecord | undefined;
      try {
        record = this.#splitter.next();
      } catch (error) {
        return this.#serial(() => this.#fail(error));
      }
      if (record !== undefined) {
        return Promise.resolve({ value: record, done: false });
      }
    }
    return this.#serial(() => this.#read());
  }

  return(): Promise<IteratorResult<RawRecord, void>> {
    return this.#serial(async () => {
      await this.#close();
      return DONE;
    });
  }

  throw(error: unknown): Promise<IteratorResult<RawRecord, void>> {
    return this.#serial(() => this.#fail(error));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** Reads chunks until a record is complete or the input is used up. */
  async #read(): Promise<IteratorResult<RawRecord, void>> {
    try {
      for (;;) {
        if (this.#done) return DONE;
        const record = this.#splitter.next();
        if (record !== undefined) return { value: record, done: false };
        if (this.#released) {
          this.#done = true;
          return DONE;
        }
        this.#reader ??= this.#stream.getReader();
        const result = await this.#reader.read();
        if (result.done) {
          this.#released = true;
          this.#reader.releaseLock();
          this.#splitter.end();
        } else {
          this.#splitter.push(bytesOf(result.value));
        }
      }
    } catch (error) {
      return this.#fail(error);
    }
  }

  /** Ends the generator; a stream not read to its end is cancelled. */
  async #close(): Promise<void> {
    this.#done = true;
    const reader = this.#reader;
    if (reader === undefined || this.#released) return;
    this.#released = true;
    // A stream that already failed rejects `cancel()` with its own error,
    // which is already on its way out.
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
 * The bytes of a chunk as a `Uint8Array`: a stream of bytes may still hand
 * out an `ArrayBuffer` or another view (Node's `readableWebStream()` of a
 * file does). Anything else is refused rather than read as no bytes, which
 * `new Uint8Array("text")` would silently do.
 */
function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (
    chunk instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === "function" &&
      chunk instanceof SharedArrayBuffer)
  ) {
    return new Uint8Array(chunk);
  }
  throw new TypeError(
    `csvRawRecords expects chunks of bytes, got ${
      chunk === null ? "null" : typeof chunk
    }`,
  );
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

/** Where the splitter stands. */
type State =
  | typeof BETWEEN
  | typeof FIELD_START
  | typeof UNQUOTED
  | typeof QUOTED
  | typeof AFTER_QUOTE
  | typeof AFTER_CR
  | typeof BAD;
/** Before a record's first field, skipping empty lines. */
const BETWEEN = 0;
/** Before a field's first byte, which tells whether it is quoted. */
const FIELD_START = 1;
/** Inside an unquoted field. */
const UNQUOTED = 2;
/** Inside a quoted field, after its opening quote. */
const QUOTED = 3;
/** Just after a quote inside a quoted field: a doubled quote, or the closing one. */
const AFTER_QUOTE = 4;
/** A CR ended the record at the end of a chunk; an LF may yet follow it. */
const AFTER_CR = 5;
/** Text follows a closing quote; the bytes of its first character are being gathered for the message. */
const BAD = 6;

/**
 * Splits CSV bytes into records, pull-based: bytes go in with
 * {@link RawSplitter.push}, records come out of {@link RawSplitter.next}
 * one at a time, `undefined` when more bytes are needed.
 *
 * The bytes are read in one loop per state that skips, with one comparison,
 * every byte above a comma: that is all of the letters and digits, and a
 * quote, a comma, CR and LF all sort below. Measured on export-like files,
 * this beat jumping with `Uint8Array.prototype.indexOf`, which needs a
 * search each for LF, CR and the quote (three passes over a CRLF row), and
 * it counts the line breaks inside quoted fields in the same pass.
 *
 * A record that ends inside the chunk is a view into it; one that spans
 * chunks is kept as a list of views until it ends, then copied together
 * once, so a long record costs no more than its length.
 */
class RawSplitter {
  // Not `fatal`: invalid UTF-8 becomes U+FFFD, as in the parser. The BOM is
  // kept here; the file's own is skipped by position, and a U+FEFF that
  // opens a later field is data.
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  #chunk: Uint8Array = new Uint8Array(0);
  /** Scan position in `#chunk`. */
  #pos = 0;
  /** The last byte of the chunk before this one was a CR. */
  #prevCr = false;
  /** The first bytes of the input, until there are enough to tell whether they open with a BOM. */
  #head: Uint8Array | undefined = new Uint8Array(0);
  #final = false;
  #state: State = BETWEEN;

  /** Where the open record's bytes start in `#chunk`. */
  #recordStart = 0;
  /** The open record's bytes from earlier chunks. */
  #pieces: Uint8Array[] = [];
  #piecesLength = 0;
  /** Offset in the open record's bytes of its first field, past empty lines and a BOM. */
  #contentStart = 0;
  /** The open record has a quoted field. */
  #hadQuote = false;

  /** Physical line at `#pos`, 1-based. */
  #line = 1;
  /** Line of the open record's first field. */
  #recordLine = 1;
  /** Line of the open record's first byte. */
  #bytesLine = 1;

  /** The open record up to the text after a closing quote, and the bytes of that text's first character. */
  #badRecord: Uint8Array = new Uint8Array(0);
  #badChar: number[] = [];

  /** Adds the next chunk of input; the previous one must be used up. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let bytes = chunk;
    let start = 0;
    const head = this.#head;
    if (head !== undefined) {
      if (head.length > 0) {
        bytes = concatBytes([head, chunk], head.length + chunk.length);
      }
      if (bytes.length < 3) {
        this.#head = bytes;
        return;
      }
      this.#head = undefined;
      start = hasBom(bytes) ? 3 : 0;
    }
    const old = this.#chunk;
    if (old.length > 0) this.#prevCr = old[old.length - 1] === CR;
    this.#chunk = bytes;
    this.#pos = start;
    this.#recordStart = 0;
  }

  /** Marks the end of the input. */
  end(): void {
    const head = this.#head;
    if (head !== undefined) {
      // Fewer than three bytes in all: too short for a BOM.
      this.#head = undefined;
      if (head.length > 0) this.push(head);
    }
    this.#final = true;
  }

  /**
   * The next record, or `undefined` when more input is needed (or, after
   * {@link RawSplitter.end}, when there is none left).
   *
   * @throws {CsvParseError} On an unterminated quote or text after a
   * closing quote.
   */
  next(): RawRecord | undefined {
    const chunk = this.#chunk;
    const length = chunk.length;
    let state = this.#state;
    let at = this.#pos;
    while (at < length) {
      if (state === BETWEEN) {
        const byte = chunk[at];
        if (byte === LF) {
          if (!(at > 0 ? chunk[at - 1] === CR : this.#prevCr)) this.#line++;
          at++;
          continue;
        }
        if (byte === CR) {
          this.#line++;
          at++;
          continue;
        }
        this.#recordLine = this.#line;
        this.#contentStart = this.#piecesLength + at - this.#recordStart;
        this.#hadQuote = false;
        state = FIELD_START;
      }
      if (state === FIELD_START) {
        if (chunk[at] === QUOTE) {
          this.#hadQuote = true;
          state = QUOTED;
          at++;
          continue;
        }
        state = UNQUOTED;
      }
      if (state === UNQUOTED) {
        // A quote opens a quoted field only at the start of one, after a
        // comma (the record's first field starts in FIELD_START, not here);
        // elsewhere in an unquoted field it is a literal character.
        let i = at;
        let byte = 0;
        for (; i < length; i++) {
          byte = chunk[i];
          if (byte > COMMA) continue;
          if (byte === LF || byte === CR) break;
          if (byte === COMMA && chunk[i + 1] === QUOTE) break;
        }
        if (i === length) {
          // A comma that ends the chunk ends the field, and the next
          // chunk's first byte may open a quoted one.
          if (chunk[length - 1] === COMMA) state = FIELD_START;
          at = length;
          break;
        }
        if (byte === COMMA) {
          this.#hadQuote = true;
          state = QUOTED;
          at = i + 2;
          continue;
        }
        return this.#endAtBreak(i);
      }
      if (state === QUOTED) {
        let i = at;
        for (; i < length; i++) {
          const byte = chunk[i];
          // Quote, CR and LF all sort below most bytes.
          if (byte > QUOTE) continue;
          if (byte === QUOTE) break;
          if (byte === CR) {
            this.#line++;
          } else if (
            byte === LF && !(i > 0 ? chunk[i - 1] === CR : this.#prevCr)
          ) {
            this.#line++;
          }
        }
        if (i === length) {
          at = length;
          break;
        }
        state = AFTER_QUOTE;
        at = i + 1;
        continue;
      }
      if (state === AFTER_QUOTE) {
        const byte = chunk[at];
        if (byte === QUOTE) {
          state = QUOTED;
          at++;
          continue;
        }
        if (byte === COMMA) {
          state = FIELD_START;
          at++;
          continue;
        }
        if (byte === LF || byte === CR) return this.#endAtBreak(at);
        this.#badRecord = this.#recordBytes(at);
        state = BAD;
      }
      if (state === AFTER_CR) {
        // The CR that ended the record was the previous chunk's last byte.
        this.#state = BETWEEN;
        return chunk[at] === LF ? this.#emit(1, 2) : this.#emit(0, 1);
      }
      // BAD: gather the first character after the closing quote, which
      // takes at most four bytes.
      const char = this.#badChar;
      while (at < length && char.length < 4) char.push(chunk[at++]);
      if (char.length === 4 || char[0] < 0x80) this.#throwBad();
      at = length;
    }
    this.#state = state;
    this.#pos = at;
    if (!this.#final) {
      if (this.#recordStart < length) {
        const piece = chunk.subarray(this.#recordStart, length);
        this.#pieces.push(piece);
        this.#piecesLength += piece.length;
        this.#recordStart = length;
      }
      return undefined;
    }
    return this.#finish();
  }

  /** The open record at the end of the input, if there is one. */
  #finish(): RawRecord | undefined {
    const chunk = this.#chunk;
    if (this.#recordStart < chunk.length) {
      this.#pieces.push(chunk.subarray(this.#recordStart));
      this.#piecesLength += chunk.length - this.#recordStart;
      this.#recordStart = chunk.length;
    }
    const state = this.#state;
    const pieces = this.#pieces;
    const total = this.#piecesLength;
    // Whatever happens next, this is the last of the input.
    this.#state = BETWEEN;
    this.#pieces = [];
    this.#piecesLength = 0;
    if (state === QUOTED) {
      throw new CsvParseError({
        message: "Quoted field is not closed before the end of the file",
        line: this.#recordLine,
      });
    }
    if (state === BAD) this.#throwBad();
    if (total === 0) return undefined;
    const bytes = concatBytes(pieces, total);
    if (state === BETWEEN) {
      // Only empty lines, or a BOM, after the last record.
      return { bytes, fields: [], line: this.#bytesLine };
    }
    const content = bytes.subarray(
      this.#contentStart,
      bytes.length - (state === AFTER_CR ? 1 : 0),
    );
    return {
      bytes,
      fields: this.#fields(content),
      line: this.#recordLine,
    };
  }

  /** Ends the open record at the CR or LF at `at` in the chunk. */
  #endAtBreak(at: number): RawRecord | undefined {
    const chunk = this.#chunk;
    this.#line++;
    this.#state = BETWEEN;
    if (chunk[at] === LF) return this.#emit(at + 1, 1);
    if (at + 1 < chunk.length) {
      return chunk[at + 1] === LF
        ? this.#emit(at + 2, 2)
        : this.#emit(at + 1, 1);
    }
    // A CR that ends the chunk: the next chunk may open with its LF.
    this.#state = AFTER_CR;
    this.#pos = chunk.length;
    return this.next();
  }

  /**
   * Hands out the open record, which ends at `end` in the chunk with a line
   * break of `breakLength` bytes, and opens the next one there.
   */
  #emit(end: number, breakLength: number): RawRecord {
    const bytes = this.#recordBytes(end);
    this.#pieces = [];
    this.#piecesLength = 0;
    this.#recordStart = end;
    this.#pos = end;
    this.#bytesLine = this.#line;
    const content = bytes.subarray(
      this.#contentStart,
      bytes.length - breakLength,
    );
    return {
      bytes,
      fields: this.#fields(content),
      line: this.#recordLine,
    };
  }

  /** The open record's bytes up to `end` in the chunk. */
  #recordBytes(end: number): Uint8Array {
    const tail = this.#chunk.subarray(this.#recordStart, end);
    if (this.#piecesLength === 0) return tail;
    return concatBytes(
      [...this.#pieces, tail],
      this.#piecesLength + tail.length,
    );
  }

  /** Decodes a record's fields from its bytes, which the scan found well-formed. */
  #fields(content: Uint8Array): string[] {
    const text = this.#decoder.decode(content);
    return this.#hadQuote ? splitQuoted(text) : text.split(",");
  }

  /** Throws the parser's error for text after a closing quote. */
  #throwBad(): never {
    const record = this.#badRecord;
    const char = this.#decoder.decode(new Uint8Array(this.#badChar));
    // The record up to the bad text ends with the closed field; the parser
    // names it by the count of fields read so far, that one included.
    const fields = splitQuoted(
      this.#decoder.decode(record.subarray(this.#contentStart)),
    ).length;
    throw new CsvParseError({
      message: `Unexpected ${
        JSON.stringify(char[0])
      } after the closing quote of field ${fields}`,
      line: this.#recordLine,
    });
  }
}

/** Whether `bytes` opens with the UTF-8 encoding of U+FEFF. */
const hasBom = (bytes: Uint8Array): boolean =>
  bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;

/**
 * The fields of the text of a well-formed record with quoted fields: in
 * one, quotes come only doubled, or last. A doubled quote is unescaped
 * where it is found, by taking the text up to and including its first
 * quote, as the parser does: cheaper than a second pass with `replaceAll`.
 */
function splitQuoted(text: string): string[] {
  const fields: string[] = [];
  const length = text.length;
  let at = 0;
  for (;;) {
    if (text.charCodeAt(at) === QUOTE) {
      let start = at + 1;
      let value = "";
      let quote = start;
      for (;;) {
        quote = text.indexOf('"', quote);
        // Never so for a record the scan let through; but should it be,
        // the field runs to the end rather than the loop forever.
        if (quote === -1) quote = length;
        if (text.charCodeAt(quote + 1) !== QUOTE) break;
        value += text.slice(start, quote + 1);
        quote += 2;
        start = quote;
      }
      fields.push(value + text.slice(start, quote));
      // A comma or the end follows the closing quote.
      at = quote + 2;
      if (at > length) return fields;
      continue;
    }
    const comma = text.indexOf(",", at);
    if (comma === -1) {
      fields.push(text.slice(at));
      return fields;
    }
    fields.push(text.slice(at, comma));
    at = comma + 1;
  }
}
