/**
 * An {@link EventSummary} as text for a terminal: the count and time span,
 * events per day as a sparkline, and the top actions, actors and target
 * types with their counts aligned. Every line fits the width; names from
 * the file are sanitized, since an export's cells are anyone's text.
 *
 * @module
 */

import type { EventSummary } from "../summary.ts";
import type { LineStyle } from "./bar.ts";
import {
  cutToWidth,
  displayWidth,
  ellipsisFor,
  formatCount,
  sanitizeText,
} from "./text.ts";

const UNICODE_LEVELS = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
// Same eight steps in ASCII, rising in ink.
const ASCII_LEVELS = ["_", ".", ":", "-", "=", "+", "*", "#"];

const DAY_MS = 86_400_000;

/**
 * One character per value, scaled to the largest: the lowest level only for
 * 0, so a day without events is told from a quiet one; any other value gets
 * one of the seven levels above it. Blocks `▁…█`, or `_.:-=+*#` in ASCII.
 */
export function sparkline(values: readonly number[], unicode: boolean): string {
  const levels = unicode ? UNICODE_LEVELS : ASCII_LEVELS;
  const clean = values.map((v) => Number.isFinite(v) && v > 0 ? v : 0);
  const max = Math.max(0, ...clean);
  return clean.map((v) =>
    v === 0 ? levels[0] : levels[Math.max(1, Math.ceil((v / max) * 7))]
  ).join("");
}

/** Days since the epoch of a `YYYY-MM-DD` day. */
function dayNumber(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().split("T")[0];
}

/** Events per column of a sparkline, and what the columns span. */
export interface DayColumns {
  /** Events in each column, oldest first; days without events count 0. */
  values: number[];
  /** Days each column covers. */
  daysPerColumn: number;
  /** The first day shown, `YYYY-MM-DD`. */
  from: string;
  /** The last day shown. */
  to: string;
}

/**
 * The summary's days, gaps filled with zeros, in at most `columns` columns:
 * a span longer than that puts several days in a column, summed.
 */
export function dayColumns(
  perDay: EventSummary["perDay"],
  daysPerEntry: number,
  columns: number,
): DayColumns | undefined {
  if (perDay.length === 0) return undefined;
  const step = Math.max(1, Math.floor(daysPerEntry) || 1);
  const first = dayNumber(perDay[0][0]);
  const lastStart = dayNumber(perDay[perDay.length - 1][0]);
  const span = lastStart - first + step;
  const cols = Math.max(1, Math.floor(columns) || 1);
  // Whole multiples of an entry, so no entry is split between two columns.
  const daysPerColumn = Math.ceil(span / step / cols) * step;
  const values = new Array<number>(Math.ceil(span / daysPerColumn)).fill(0);
  for (const [day, count] of perDay) {
    values[Math.floor((dayNumber(day) - first) / daysPerColumn)] += count;
  }
  return {
    values,
    daysPerColumn,
    from: dayText(first),
    to: dayText(first + values.length * daysPerColumn - 1),
  };
}

/** `2026-08-03 02:07:05Z`: to the second, which is what a person compares. */
function instant(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** `31 days`, `1 day`. */
function days(n: number): string {
  return `${formatCount(n)} ${n === 1 ? "day" : "days"}`;
}

/**
 * The summary as lines of at most `style.width` columns, for stderr:
 *
 * ```text
 * 12,345 events, 2026-08-01 02:07:05Z to 2026-08-31 23:59:00Z
 * per day  ▂▃▅▇█▆▃▁▁▂▃▅▇█▆▃▂▂▃▅▇█▆▃▂▃▄▅▆▇
 *          2026-08-01 to 2026-08-31, 1 day a column, peak 1,234
 * actions
 *   user.signed_in    8,000
 * ```
 *
 * A list whose counts are approximate says so in its heading.
 */
export function renderSummary(
  summary: EventSummary,
  style: LineStyle,
): string[] {
  const width = Math.max(0, Math.floor(Number(style.width) || 0));
  const ellipsis = ellipsisFor(style.unicode);
  const fit = (line: string) => cutToWidth(line, width, ellipsis);
  const lines: string[] = [];
  const count = `${formatCount(summary.events)} ${
    summary.events === 1 ? "event" : "events"
  }`;
  if (summary.first && summary.last) {
    const from = instant(summary.first);
    const to = instant(summary.last);
    const one = `${count}, ${from} to ${to}`;
    // On a narrow terminal the span goes on lines of its own rather than be cut.
    if (displayWidth(one) <= width) lines.push(one);
    else lines.push(count, `from ${from}`, `to   ${to}`);
  } else lines.push(count);

  const indent = "per day  ";
  const columns = dayColumns(
    summary.perDay,
    summary.daysPerEntry,
    width - indent.length,
  );
  if (columns) {
    lines.push(indent + sparkline(columns.values, style.unicode));
    const peak = Math.max(...columns.values);
    const per = `${days(columns.daysPerColumn)} a column`;
    const span = `${columns.from} to ${columns.to}`;
    const pad = " ".repeat(indent.length);
    lines.push(firstFitting([
      `${pad}${span}, ${per}, peak ${formatCount(peak)}`,
      `${pad}${span}, peak ${formatCount(peak)}`,
      `${pad}${span}`,
      span,
    ], width));
  }

  const lists: [string, [string, number][], boolean][] = [
    ["actions", summary.actions, summary.exact.actions],
    ["actors", summary.actors, summary.exact.actors],
    ["target types", summary.targetTypes, summary.exact.targetTypes],
  ];
  const countWidth = Math.max(
    0,
    ...lists.flatMap(([, entries]) =>
      entries.map(([, n]) => formatCount(n).length)
    ),
  );
  const names = lists.flatMap(([, entries]) =>
    entries.map(([name]) => displayWidth(nameOf(name)))
  );
  // Names and counts two columns apart, as wide as the longest name allows.
  const nameWidth = Math.max(
    1,
    Math.min(Math.max(0, ...names), width - 2 - 2 - countWidth),
  );
  for (const [heading, entries, exact] of lists) {
    if (entries.length === 0) continue;
    lines.push(exact ? heading : `${heading} (approximate)`);
    for (const [name, n] of entries) {
      const shown = cutToWidth(nameOf(name), nameWidth, ellipsis);
      const pad = " ".repeat(nameWidth - displayWidth(shown));
      lines.push(`  ${shown}${pad}  ${formatCount(n).padStart(countWidth)}`);
    }
  }
  return lines.map(fit);
}

/** The first of `lines` that fits in `width`, else the last one (to be cut). */
function firstFitting(lines: string[], width: number): string {
  return lines.find((l) => displayWidth(l) <= width) ?? lines[lines.length - 1];
}

/** A key as shown: sanitized, and visible when empty. */
function nameOf(name: string): string {
  return name === "" ? "(empty)" : sanitizeText(name);
}
