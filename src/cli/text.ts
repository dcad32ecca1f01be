/**
 * Text that is safe to put on one terminal line: escape sequences and
 * control characters taken out, and a width counted in columns.
 *
 * Labels, organization ids, actions and actor ids come from the command
 * line or from export files, so they are untrusted: an ESC, a carriage
 * return or a bidi override in them could move the cursor, erase the
 * screen or reorder what is shown.
 *
 * @module
 */

import { displayWidth } from "./table.ts";

export { displayWidth };

// CSI (ESC [ … final), OSC (ESC ] … BEL or ST), and two-byte ESC sequences,
// plus their 8-bit forms (U+009B CSI, U+009D OSC).
const ESCAPE_SEQUENCE =
  // deno-lint-ignore no-control-regex
  /(?:\x1b\[|\u009b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?|(?:\x1b\]|\u009d)[^\x07\x1b\u009c]*(?:\x07|\x1b\\|\u009c)?|\x1b[\x20-\x7e]?/g;

// What is left after the sequences: C0, DEL, C1, line and paragraph
// separators, and the bidi embeddings, overrides and isolates.
const CONTROL =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text as one line that cannot move the cursor: escape sequences are
 * removed, tabs and newlines become spaces, and any other control
 * character becomes `?`, so it is seen rather than obeyed.
 */
export function sanitizeText(text: string): string {
  return String(text)
    .replace(ESCAPE_SEQUENCE, "")
    .replace(/[\t\n\r]+/g, " ")
    .replace(CONTROL, "?");
}

/**
 * The longest start of `text` that fits in `width` columns; when anything
 * is cut, the end is marked with `ellipsis` (which counts in the width).
 * `text` must already be sanitized.
 */
export function cutToWidth(
  text: string,
  width: number,
  ellipsis = "…",
): string {
  const max = Math.max(0, Math.floor(width));
  if (displayWidth(text) <= max) return text;
  const mark = displayWidth(ellipsis) <= max ? ellipsis : "";
  const room = max - displayWidth(mark);
  let out = "";
  let used = 0;
  for (const ch of text) {
    const w = displayWidth(ch);
    if (used + w > room) break;
    out += ch;
    used += w;
  }
  return out + mark;
}

/** The ellipsis to cut with: one column on a unicode terminal, a `~` elsewhere. */
export function ellipsisFor(unicode: boolean): string {
  return unicode ? "…" : "~";
}

/** `n` as an integer with thousands separators (`12,345`), whatever the locale. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return "?";
  const whole = Math.round(n);
  const digits = String(Math.abs(whole));
  // Past 1e21 String() switches to exponent form; leave that as it is.
  const grouped = /e/.test(digits)
    ? digits
    : digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return whole < 0 ? `-${grouped}` : grouped;
}
