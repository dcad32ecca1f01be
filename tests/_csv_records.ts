/**
 * The CSV tokenizer's records with their lines, for the tests that check the
 * parser below the level of rows. Not part of any entry point.
 *
 * @module
 */

import { scan } from "../src/csv.ts";

/**
 * One CSV record as returned by {@link parseCsvRecords}.
 *
 * @internal
 */
export interface CsvRecord {
  /** The fields of the record, unquoted and unescaped. */
  fields: string[];
  /**
   * The 1-based physical line on which the record starts. Line breaks inside
   * quoted fields count, so this matches what an editor shows.
   */
  line: number;
}

/**
 * Parses CSV bytes into records, one at a time, each with the physical line
 * it starts on. Empty lines are skipped.
 *
 * Breaking out of the loop early cancels the stream; errors from the stream
 * propagate unchanged.
 *
 * @internal
 * @param stream UTF-8 CSV bytes.
 * @returns The records, in file order.
 * @throws {CsvParseError} On an unterminated quote or text after a closing
 * quote.
 *
 * @example
 * ```ts ignore
 * for await (const { fields, line } of parseCsvRecords(response.body!)) {
 *   console.log(line, fields);
 * }
 * ```
 */
export function parseCsvRecords(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<CsvRecord, void, undefined> {
  return scan(stream, (fields, line) => ({ fields, line }));
}
