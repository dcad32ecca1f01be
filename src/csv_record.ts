/**
 * Writing CSV: one RFC 4180 record at a time.
 *
 * @module
 */

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One RFC 4180 record, CRLF-terminated: a field is quoted, with its quotes
 * doubled, only when it holds a quote, a comma or a line break. Values are
 * written as they are, never escaped against spreadsheet formulas: an audit
 * export is evidence.
 */
export function csvRecord(values: readonly string[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) line += ",";
    line += NEEDS_QUOTES.test(value)
      ? `"${value.replaceAll('"', '""')}"`
      : value;
  }
  return line + "\r\n";
}
