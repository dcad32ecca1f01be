/**
 * A small aligned text table for terminals: cells are clipped, control
 * characters flattened, and wide (CJK) characters counted as two columns so
 * the columns still line up.
 *
 * @module
 */

/** Columns a character takes in a terminal: 2 for East Asian wide and fullwidth ranges, else 1. */
function charWidth(cp: number): number {
  const wide = (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd);
  return wide ? 2 : 1;
}

/** Display width of a string in terminal columns. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/** The text, flattened to one line and clipped to `max` columns with an ellipsis. */
export function clip(text: string, max: number): string {
  // deno-lint-ignore no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ");
  if (displayWidth(flat) <= max) return flat;
  let out = "";
  let width = 0;
  for (const ch of flat) {
    const w = charWidth(ch.codePointAt(0)!);
    if (width + w > max - 1) break;
    out += ch;
    width += w;
  }
  return `${out}…`;
}

/** Renders a header and rows as left-aligned columns two spaces apart, each cell at most `maxWidth` columns. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidth = 28,
): string {
  const cells = [header, ...rows].map((r) => r.map((c) => clip(c, maxWidth)));
  const widths = header.map((_, i) =>
    Math.max(...cells.map((r) => displayWidth(r[i] ?? "")))
  );
  return cells.map((r) =>
    r.map((c, i) =>
      i === r.length - 1 ? c : c + " ".repeat(widths[i] - displayWidth(c))
    ).join("  ")
  ).join("\n") + "\n";
}
