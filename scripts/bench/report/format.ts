/**
 * How numbers and tables are written in `BENCHMARKS.md`, shared by every
 * row's section so that the same quantity reads the same everywhere.
 *
 * @module
 */

/** A number with `digits` decimals and thousands separators. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A ratio such as `1.03×`. */
export const times = (ratio: number, digits = 2): string =>
  `${ratio.toFixed(digits)}×`;

/** Bytes as `12.3 KB` (1 KB = 1,000 bytes) or `12.3 MB`. */
export function bytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} KB`;
  return `${n} B`;
}

/** `✅ met` or `❌ missed`. */
export const verdict = (met: boolean): string => met ? "✅ met" : "❌ missed";

/** A Markdown table. */
export const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

/** A share as a percentage, e.g. `12%`. */
export const pct = (x: number, digits = 0): string =>
  `${(x * 100).toFixed(digits)}%`;

/** A change as a signed percentage with one decimal, e.g. `+3.1%`. */
export const signedPct = (x: number): string =>
  `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

/** Milliseconds, e.g. `12.3 ms`. */
export const ms = (x: number, digits = 1): string => `${x.toFixed(digits)} ms`;

/** Microseconds with thousands separators, e.g. `1,234 µs`. */
export const us = (x: number, digits = 0): string => `${fmt(x, digits)} µs`;

/** A count and its noun, e.g. `1 poll`, `3 polls`. */
export const plural = (n: number, word: string): string =>
  `${n} ${word}${n === 1 ? "" : "s"}`;

/** Milliseconds as seconds: one decimal below 10 s, none from there. */
export const sec = (x: number): string =>
  `${(x / 1000).toFixed(x < 10_000 ? 1 : 0)} s`;

/**
 * A section's notes (missed targets and why) as a block set off by blank
 * lines, or nothing when every target is met.
 */
export const notesBlock = (notes: string[]): string =>
  notes.length ? `\n${notes.join("\n")}\n` : "";
