/**
 * Progress lines as pure functions of a state and a width: a download's bar,
 * percent, bytes, rate and time left, or an archive's windows done. Each
 * render fits in the width it is given (counted in columns, so it never
 * wraps), and labels are sanitized so they cannot move the cursor.
 *
 * The clock is always passed in: the rate's smoothing lives in a
 * {@link RateMeter} value the caller keeps, and {@link lineThrottle} keeps
 * its own last time, so nothing here reads the time or holds module state.
 *
 * @module
 */

import {
  cutToWidth,
  displayWidth,
  ellipsisFor,
  formatCount,
  sanitizeText,
} from "./text.ts";
import type { Terminal } from "./terminal.ts";

/** How a line is drawn: its width, whether blocks may be used, whether colour may. */
export type LineStyle = Pick<Terminal, "width" | "unicode"> & {
  /** Colour the filled part of the bar; off unless asked for. */
  color?: boolean;
};

/** A download at one instant. */
export interface TransferState {
  /** What is downloaded, e.g. `Downloading audit_log_export_…`. */
  label: string;
  /** Bytes received so far. */
  done: number;
  /** The size, when the file host told it. */
  total?: number;
  /** When the download started, epoch ms. */
  startedAt: number;
  /** Now, epoch ms. */
  now: number;
  /** How often the download was resumed after a cut. */
  resumes?: number;
  /**
   * Bytes per second from a {@link RateMeter}; without it, the average since
   * `startedAt` is shown.
   */
  rate?: number;
}

/** An archive run's progress for one organization. */
export interface WindowsState {
  /** The organization (or any label). */
  label: string;
  /** Windows archived so far. */
  done: number;
  /** Windows to archive in this run. */
  total: number;
  /** Windows that failed so far; shown when more than 0. */
  failed?: number;
  /** What is counted. Default `"windows"`; `verify` counts `"files"`. */
  unit?: string;
}

// The smallest bar worth drawing, and the largest: past 40 cells a bar
// tells no more, and a shorter line is easier to read on a wide screen.
const BAR_MIN = 10;
const BAR_MAX = 40;
// A label is cut before a figure is dropped, but not below this; an
// organization id less far than a download's label, since its windows count
// says more than the rest of the id.
const LABEL_MIN = 12;
const ORG_MIN = 8;

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/** A count that may come from anywhere as a number: NaN, negative and infinite become 0. */
function amount(n: number | undefined): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}

/** A size, when it is one: a finite number not below 0. */
function knownTotal(total: number | undefined): number | undefined {
  return typeof total === "number" && Number.isFinite(total) && total >= 0
    ? total
    : undefined;
}

/** `512 B`, `12.3 MiB`: binary units, one decimal past bytes. */
export function formatSize(bytes: number): string {
  const n = amount(bytes);
  if (n < 1024) return `${Math.floor(n)} B`;
  let size = n / 1024;
  let unit = 0;
  // 1023.96 would print as "1024.0": move up a unit before it rounds to it.
  while (size >= 1023.95 && unit < UNITS.length - 1) {
    size /= 1024;
    unit++;
  }
  if (size >= 1023.95) return `1024+ ${UNITS[unit]}`;
  return `${size.toFixed(1)} ${UNITS[unit]}`;
}

/** `4.1 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatSize(bytesPerSecond)}/s`;
}

/**
 * `0:42`, `1:05:10`: seconds rounded up, as a clock would count them down;
 * `undefined` for a negative, non-finite or over-100-hour time, which is no
 * estimate worth showing.
 */
export function formatDuration(seconds: number): string | undefined {
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  const s = Math.ceil(seconds);
  if (s >= 100 * 3600) return undefined;
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const secs = String(s % 60).padStart(2, "0");
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}`
    : `${minutes}:${secs}`;
}

/**
 * Whole percent done, 0–100, rounded down so 100 means all of it; a zero
 * total is 100 (nothing to do); `undefined` without a usable total.
 */
export function percentOf(done: number, total?: number): number | undefined {
  const size = knownTotal(total);
  if (size === undefined) return undefined;
  if (size === 0) return 100;
  return Math.min(100, Math.floor((amount(done) / size) * 100));
}

/** Seconds left at `rate` bytes per second; `undefined` when it cannot be told. */
export function etaSeconds(
  done: number,
  total: number | undefined,
  rate: number | undefined,
): number | undefined {
  const size = knownTotal(total);
  if (size === undefined || rate === undefined || !(rate > 0)) return undefined;
  if (!Number.isFinite(rate)) return 0;
  return Math.max(0, size - amount(done)) / rate;
}

/**
 * A rate smoothed over a few seconds. For the first window it is the plain
 * average since the start (a single early chunk says little); after that an
 * exponential moving average whose weight follows the time between samples,
 * so the result does not depend on how often it is sampled.
 */
export interface RateMeter {
  /** When the averaging started, epoch ms. */
  readonly since: number;
  /** Bytes at `since`. */
  readonly from: number;
  /** The last sample's time, epoch ms. */
  readonly at: number;
  /** The last sample's bytes. */
  readonly done: number;
  /** Bytes per second; `undefined` until time has passed. */
  readonly rate: number | undefined;
}

/** A meter starting at `done` bytes at `now`. */
export function startRate(done: number, now: number): RateMeter {
  return {
    since: now,
    from: amount(done),
    at: now,
    done: amount(done),
    rate: undefined,
  };
}

/**
 * The meter after a sample of `done` bytes at `now`. Fewer bytes than before
 * (a download started over) or a clock that went back start a new meter;
 * a sample at the same instant, or not a number, changes nothing.
 *
 * @param windowMs The smoothing time: older samples weigh `e^(-age/windowMs)`.
 */
export function nextRate(
  meter: RateMeter,
  done: number,
  now: number,
  windowMs = 3000,
): RateMeter {
  if (!Number.isFinite(done) || !Number.isFinite(now)) return meter;
  if (done < meter.done || now < meter.at) return startRate(done, now);
  const dt = now - meter.at;
  if (dt === 0) return meter;
  let rate: number;
  if (now - meter.since <= windowMs || meter.rate === undefined) {
    rate = ((done - meter.from) / (now - meter.since)) * 1000;
  } else {
    const instant = ((done - meter.done) / dt) * 1000;
    rate = meter.rate + (1 - Math.exp(-dt / windowMs)) * (instant - meter.rate);
  }
  return { since: meter.since, from: meter.from, at: now, done, rate };
}

/**
 * A bar of `cells` columns filled to `fraction`: `███░░░` with blocks,
 * `[###---]` in ASCII (the brackets count in `cells`).
 */
export function renderBar(
  fraction: number,
  cells: number,
  unicode: boolean,
  color = false,
): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const inner = Math.max(0, Math.floor(cells) - (unicode ? 0 : 2));
  const filled = Math.floor(f * inner);
  const [full, empty] = unicode ? ["█", "░"] : ["#", "-"];
  const on = full.repeat(filled);
  const painted = color && filled > 0 ? `\x1b[36m${on}\x1b[39m` : on;
  const bar = painted + empty.repeat(inner - filled);
  return unicode ? bar : `[${bar}]`;
}

/** A figure of a line; when the line is short of room, lower ranks go first. */
interface Part {
  text: string;
  rank: number;
}

/**
 * Lays out `label [before…] [bar] [after…]` in `style.width` columns. Room
 * is made by cutting the label (down to `labelFloor` columns), then dropping
 * figures by rank, then dropping the bar; if even the label and the top
 * figure do not fit, the plain line is cut to the width.
 */
function layout(
  rawLabel: string,
  before: Part[],
  bar: ((cells: number) => string) | undefined,
  after: Part[],
  style: LineStyle,
  labelFloor = LABEL_MIN,
): string {
  const width = Math.max(0, Math.floor(amount(style.width)));
  const ellipsis = ellipsisFor(style.unicode);
  const label = sanitizeText(rawLabel);
  const labelWidth = displayWidth(label);
  const labelMin = Math.min(labelWidth, labelFloor);
  const parts = [...before, ...after];
  // Indices in the order they are dropped: lowest rank first.
  const dropOrder = parts.map((_, i) => i).sort((a, b) =>
    parts[a].rank - parts[b].rank
  );
  for (const withBar of bar ? [true, false] : [false]) {
    for (let dropped = 0; dropped <= parts.length; dropped++) {
      const gone = new Set(dropOrder.slice(0, dropped));
      const kept = (list: Part[], offset: number) =>
        list.filter((_, i) => !gone.has(offset + i)).map((p) => p.text);
      const head = kept(before, 0);
      const tail = kept(after, before.length);
      const figures = [...head, ...tail];
      const figuresWidth = figures.reduce((w, t) => w + displayWidth(t), 0) +
        figures.length; // each figure has a space before it
      const barNeed = withBar ? BAR_MIN + 1 : 0;
      const room = width - figuresWidth - barNeed;
      if (room < labelMin) continue;
      const labelCols = Math.min(labelWidth, room);
      const shown = cutToWidth(label, labelCols, ellipsis);
      const pieces = [shown, ...head];
      if (withBar) {
        const spare = room - displayWidth(shown);
        pieces.push(bar!(Math.min(BAR_MAX, BAR_MIN + spare)));
      }
      pieces.push(...tail);
      // An empty label leaves no leading space.
      return pieces.filter((p) => p !== "").join(" ");
    }
  }
  const plain = [label, ...parts.map((p) => p.text)].filter((p) => p !== "");
  return cutToWidth(plain.join(" "), width, ellipsis);
}

/** `1 resume`, `3 resumes`. */
function resumesText(resumes: number | undefined): string | undefined {
  const n = Math.floor(amount(resumes));
  return n === 0
    ? undefined
    : `${formatCount(n)} ${n === 1 ? "resume" : "resumes"}`;
}

/** The rate to show: the meter's, else the average since the start. */
function rateOf(state: TransferState): number | undefined {
  if (state.rate !== undefined) {
    return Number.isFinite(state.rate) && state.rate >= 0
      ? state.rate
      : undefined;
  }
  const elapsed = state.now - state.startedAt;
  return Number.isFinite(elapsed) && elapsed > 0
    ? (amount(state.done) / elapsed) * 1000
    : undefined;
}

/** The figures of a download, each with how long it stays when room is short. */
function transferParts(state: TransferState): Part[] {
  const done = amount(state.done);
  const total = knownTotal(state.total);
  const rate = rateOf(state);
  const resumes = resumesText(state.resumes);
  const parts: Part[] = [];
  if (total !== undefined) {
    parts.push({
      text: `${String(percentOf(done, total)).padStart(3)}%`,
      rank: 5,
    });
    parts.push({ text: `${formatSize(done)} / ${formatSize(total)}`, rank: 2 });
    if (rate !== undefined) parts.push({ text: formatRate(rate), rank: 1 });
    const eta = done < total
      ? formatDuration(etaSeconds(done, total, rate) ?? NaN)
      : undefined;
    if (eta !== undefined) parts.push({ text: `${eta} left`, rank: 4 });
  } else {
    parts.push({ text: formatSize(done), rank: 5 });
    if (rate !== undefined) parts.push({ text: formatRate(rate), rank: 4 });
  }
  if (resumes) parts.push({ text: resumes, rank: 3 });
  return parts;
}

/**
 * One terminal line for a download, at most `style.width` columns:
 * `label ███░░ 26% 12.3 MiB / 47.0 MiB 4.1 MiB/s 0:08 left 1 resume` when the
 * size is known, `label 12.3 MiB 4.1 MiB/s` when it is not. When room is
 * short the label is cut first, then the rate, the bytes, the resumes and
 * the time left are dropped, then the bar; the percent stays longest.
 */
export function renderTransferLine(
  state: TransferState,
  style: LineStyle,
): string {
  const total = knownTotal(state.total);
  const bar = total === undefined ? undefined : (cells: number) =>
    renderBar(
      total === 0 ? 1 : amount(state.done) / total,
      cells,
      style.unicode,
      style.color,
    );
  return layout(state.label, [], bar, transferParts(state), style);
}

/**
 * The same figures as a plain log line, for where nothing is redrawn (a
 * file, CI): `label: 12.3 MiB / 47.0 MiB (26%), 4.1 MiB/s, 0:08 left`.
 * Not cut to a width: a log line may be long, but it is one line.
 */
export function renderTransferPlain(state: TransferState): string {
  const parts = transferParts(state).map((p) => p.text.trim());
  const total = knownTotal(state.total);
  if (total !== undefined) {
    // "26%" reads as an aside to the bytes in a sentence.
    const [percent, bytes, ...rest] = parts;
    parts.splice(0, parts.length, `${bytes} (${percent})`, ...rest);
  }
  return `${sanitizeText(state.label)}: ${parts.join(", ")}`;
}

/**
 * What a finished download amounts to, for its last line on and off a
 * terminal: `label: 47.0 MiB in 0:12, 3.9 MiB/s, 1 resume`.
 */
export function renderTransferDone(state: TransferState): string {
  const done = amount(state.done);
  const seconds = (state.now - state.startedAt) / 1000;
  const took = formatDuration(seconds);
  const average = Number.isFinite(seconds) && seconds > 0
    ? formatRate(done / seconds)
    : undefined;
  const resumes = resumesText(state.resumes);
  const figures = [
    took === undefined ? formatSize(done) : `${formatSize(done)} in ${took}`,
    average,
    resumes,
  ].filter((f) => f !== undefined);
  return `${sanitizeText(state.label)}: ${figures.join(", ")}`;
}

/**
 * One terminal line for an organization of an archive run, at most
 * `style.width` columns: `org_… 3/10 windows ███░░░░░░░  30%`, with
 * `1 failed` after it when a window failed. When room is short the label is
 * cut, then the failures, the count and the bar are dropped in that order.
 */
export function renderWindowsBar(
  state: WindowsState,
  style: LineStyle,
): string {
  const total = Math.floor(amount(state.total));
  const done = Math.min(Math.floor(amount(state.done)), total);
  const failed = Math.floor(amount(state.failed));
  const percent = percentOf(done, total) ?? 0;
  const before: Part[] = [{
    text: `${formatCount(done)}/${formatCount(total)} ${
      sanitizeText(state.unit ?? "windows")
    }`,
    rank: 3,
  }];
  const after: Part[] = [{ text: `${String(percent).padStart(3)}%`, rank: 5 }];
  if (failed > 0) {
    after.push({ text: `${formatCount(failed)} failed`, rank: 4 });
  }
  const bar = (cells: number) =>
    renderBar(
      total === 0 ? 1 : done / total,
      cells,
      style.unicode,
      style.color,
    );
  return layout(state.label, before, bar, after, style, ORG_MIN);
}

/**
 * A throttle for plain progress lines: answers whether to print one now.
 * The first call prints (so a log shows the start), then at most one every
 * `everyMs`; a `final` call always prints, once, and nothing prints after
 * it. A clock that went back prints and counts from there.
 */
export function lineThrottle(
  everyMs: number,
): (now: number, final?: boolean) => boolean {
  let last: number | undefined;
  let ended = false;
  return (now, final = false) => {
    if (ended) return false;
    if (final) {
      ended = true;
      return true;
    }
    if (last === undefined || now - last >= everyMs || now < last) {
      last = now;
      return true;
    }
    return false;
  };
}
