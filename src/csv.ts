/**
 * A streaming RFC 4180 CSV parser built on web streams only, so it runs in
 * Deno, Node, Bun, browsers and edge runtimes alike.
 *
 * The parser holds at most one record plus the unread rest of the current
 * chunk: memory does not grow with the size of the file.
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
 * Counts the physical line breaks in `text`, where CRLF is one break and a
 * lone CR or LF is one break each.
 */
function countLineBreaks(text: string): number {
  let breaks = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
    breaks++;
  }
  for (let i = text.indexOf("\r"); i !== -1; i = text.indexOf("\r", i + 1)) {
    if (text.charCodeAt(i + 1) !== LF) breaks++;
  }
  return breaks;
}

/**
 * An incremental, pull-based CSV tokenizer over decoded text. Text goes in
 * with {@link CsvTokenizer.push}, records come out of
 * {@link CsvTokenizer.next} one at a time, so the caller decides how much is
 * buffered.
 *
 * Scanning uses `indexOf` on the buffered text and slices whole fields out
 * of it. The position of the next comma, LF, CR and quote is cached: without
 * that, a file with no CR (or no quote) would rescan the rest of the chunk for
 * every record, which is quadratic in the chunk size.
 */
class CsvTokenizer {
  #text = "";
  #pos = 0;
  #final = false;
  /** Physical line of `#pos`, 1-based. */
  #line = 1;
  #recordLine = 1;
  /** A CR ended the buffer, so an LF opening the next chunk belongs to it. */
  #afterCr = false;

  /** True once a record has fields that were parsed before running out of text. */
  #inRecord = false;
  #fields: string[] = [];
  /** True while inside a quoted field whose closing quote is not yet seen. */
  #inQuote = false;
  /** True while inside an unquoted field that reached the end of the text. */
  #inUnquoted = false;
  /** Raw text of the open field that came from earlier chunks. */
  #partial = "";
  #doubled = false;

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
    this.#nextLf -= pos;
    this.#nextCr -= pos;
    this.#nextQuote -= pos;
    this.#nextComma -= pos;
  }

  /** Marks the end of the input: what is left is parsed as final. */
  end(): void {
    this.#final = true;
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

  /**
   * Consumes the line break at `at` (or nothing at the end of the text) and
   * returns the position after it.
   */
  #consumeBreak(at: number): number {
    const text = this.#text;
    if (at >= text.length) return at;
    this.#line++;
    if (text.charCodeAt(at) === CR) {
      if (at + 1 < text.length) {
        return text.charCodeAt(at + 1) === LF ? at + 2 : at + 1;
      }
      this.#afterCr = true;
    }
    return at + 1;
  }

  /**
   * Returns the next record, or `undefined` when more text is needed (or,
   * after {@link CsvTokenizer.end}, when the input is exhausted).
   *
   * @throws {CsvParseError} On an unterminated quote or text after a closing
   * quote.
   */
  next(): string[] | undefined {
    const text = this.#text;
    const len = text.length;
    const final = this.#final;
    let pos = this.#pos;

    if (this.#afterCr) {
      if (pos < len) {
        this.#afterCr = false;
        if (text.charCodeAt(pos) === LF) pos++;
      } else if (!final) {
        return undefined;
      }
    }

    if (!this.#inRecord) {
      for (;;) {
        if (pos >= len) {
          this.#pos = pos;
          return undefined;
        }
        const lf = this.#findLf(pos);
        const cr = this.#findCr(pos);
        const end = lf < cr ? lf : cr;
        if (end === pos) {
          pos = this.#consumeBreak(pos);
          continue;
        }
        // Fast path: a whole line without quotes is split on commas in one
        // go. A line cut off by the end of the chunk takes the slow path,
        // which keeps its fields instead of rescanning them on every chunk.
        if (this.#findQuote(pos) >= end && (end < len || final)) {
          const fields = text.slice(pos, end).split(",");
          this.#recordLine = this.#line;
          this.#pos = this.#consumeBreak(end);
          return fields;
        }
        break;
      }
      this.#inRecord = true;
      this.#recordLine = this.#line;
    }

    const fields = this.#fields;
    for (;;) {
      if (this.#inQuote) {
        let scan = pos;
        let q: number;
        for (;;) {
          q = this.#findQuote(scan);
          if (q >= len) {
            if (final) {
              throw new CsvParseError(
                "Quoted field is not closed before the end of the file",
                this.#recordLine,
              );
            }
            this.#partial += text.slice(pos, len);
            this.#pos = len;
            return undefined;
          }
          if (q + 1 === len && !final) {
            // A quote at the very end may be the first of a doubled pair:
            // keep it for the next chunk to decide.
            this.#partial += text.slice(pos, q);
            this.#pos = q;
            return undefined;
          }
          if (text.charCodeAt(q + 1) !== QUOTE) break;
          this.#doubled = true;
          scan = q + 2;
        }

        let value: string;
        if (this.#partial !== "") {
          value = this.#partial + text.slice(pos, q);
          this.#partial = "";
          this.#line += countLineBreaks(value);
        } else {
          value = text.slice(pos, q);
          if (this.#findLf(pos) < q || this.#findCr(pos) < q) {
            this.#line += countLineBreaks(value);
          }
        }
        if (this.#doubled) {
          value = value.replaceAll('""', '"');
          this.#doubled = false;
        }
        this.#inQuote = false;
        fields.push(value);

        const after = q + 1;
        if (after < len) {
          const code = text.charCodeAt(after);
          if (code === COMMA) {
            pos = after + 1;
            continue;
          }
          if (code !== LF && code !== CR) {
            throw new CsvParseError(
              `Unexpected ${
                JSON.stringify(text[after])
              } after the closing quote of field ${fields.length}`,
              this.#recordLine,
            );
          }
        }
        return this.#emit(this.#consumeBreak(after));
      }

      // At the start of a field, or inside an unquoted one.
      if (pos >= len && !this.#inUnquoted) {
        if (!final) {
          this.#pos = pos;
          return undefined;
        }
        // The record ended with a comma at the end of the input.
        fields.push("");
        return this.#emit(pos);
      }
      if (!this.#inUnquoted && text.charCodeAt(pos) === QUOTE) {
        this.#inQuote = true;
        pos++;
        continue;
      }
      const comma = this.#findComma(pos);
      const lf = this.#findLf(pos);
      const cr = this.#findCr(pos);
      let end = lf < cr ? lf : cr;
      if (comma < end) {
        fields.push(this.#unquoted(pos, comma));
        pos = comma + 1;
        continue;
      }
      if (end === len && !final) {
        this.#partial += text.slice(pos, len);
        this.#inUnquoted = true;
        this.#pos = len;
        return undefined;
      }
      fields.push(this.#unquoted(pos, end));
      end = this.#consumeBreak(end);
      return this.#emit(end);
    }
  }

  /** Ends the unquoted field that runs up to `end`. */
  #unquoted(start: number, end: number): string {
    const value = this.#text.slice(start, end);
    if (!this.#inUnquoted) return value;
    this.#inUnquoted = false;
    const whole = this.#partial + value;
    this.#partial = "";
    return whole;
  }

  #emit(pos: number): string[] {
    const fields = this.#fields;
    this.#fields = [];
    this.#inRecord = false;
    this.#pos = pos;
    return fields;
  }
}

/**
 * Drives a {@link CsvTokenizer} from a byte stream, passing each record and
 * its line to `map`; records for which `map` returns `undefined` are dropped.
 * Leaving early (break, `return()`, or an error thrown by `map` or the
 * parser) cancels the stream.
 *
 * @internal
 */
export async function* scan<T>(
  stream: ReadableStream<Uint8Array>,
  map: (fields: string[], line: number) => T | undefined,
): AsyncGenerator<T, void, undefined> {
  const reader = stream.getReader();
  // The BOM is dropped by hand: Deno's streaming decoder (2.x) also drops a
  // U+FEFF that merely starts a later chunk, which would corrupt data.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const tokenizer = new CsvTokenizer();
  let exhausted = false;
  let atStart = true;
  try {
    for (;;) {
      const fields = tokenizer.next();
      if (fields !== undefined) {
        const out = map(fields, tokenizer.recordLine);
        if (out !== undefined) yield out;
        continue;
      }
      if (exhausted) return;
      const result = await reader.read();
      if (result.done) {
        exhausted = true;
        tokenizer.push(decoder.decode());
        tokenizer.end();
      } else {
        let text = decoder.decode(result.value, STREAM_DECODE);
        // The decoder emits whole characters only, so the first non-empty
        // text starts with the first character of the file.
        if (atStart && text !== "") {
          atStart = false;
          if (text.charCodeAt(0) === BOM) text = text.slice(1);
        }
        tokenizer.push(text);
      }
    }
  } finally {
    if (!exhausted) {
      // A stream that already failed rejects `cancel()` with its own error;
      // that error is already on its way out, so this one is dropped.
      await reader.cancel().catch(() => {});
    }
    reader.releaseLock();
  }
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
    // Assigning `row.__proto__ = x` would set the prototype instead of a
    // property; only that name needs the slower, define-based path.
    if (header.includes("__proto__")) {
      return (fields) =>
        Object.fromEntries(header.map((name, i) => [name, fields[i]]));
    }
    return (fields) => {
      const row: Record<string, string> = {};
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
 * @param plan Called once with the header and its line.
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
  ) => (fields: string[], line: number) => T,
): AsyncGenerator<T, void, undefined> {
  let columns = -1;
  let build: (fields: string[], line: number) => T;
  return scan(stream, (fields, line) => {
    if (columns < 0) {
      const seen = new Set<string>();
      for (const name of fields) {
        if (seen.has(name)) {
          throw new CsvParseError(
            `Duplicate column ${JSON.stringify(name)} in the header`,
            line,
          );
        }
        seen.add(name);
      }
      build = plan(fields, line);
      columns = fields.length;
      return undefined;
    }
    if (fields.length !== columns) {
      throw new CsvParseError(
        `Expected ${columns} field${
          columns === 1 ? "" : "s"
        } but found ${fields.length}`,
        line,
      );
    }
    return build(fields, line);
  });
}
