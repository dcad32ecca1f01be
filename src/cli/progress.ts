/**
 * Progress on stderr. On a terminal one status line is redrawn in place
 * (`\r` and erase-to-end-of-line); anywhere else (a log file, CI) each
 * update is a plain line, throttled so a fast download does not flood it.
 *
 * @module
 */

import type { AuditLogExport, DownloadProgress } from "../../mod.ts";
import {
  lineThrottle,
  nextRate,
  renderTransferDone,
  renderTransferLine,
  renderTransferPlain,
  renderWindowsBar,
  startRate,
  type TransferState,
  type WindowsState,
} from "./bar.ts";
import { DEFAULT_WIDTH, type Terminal } from "./terminal.ts";
import { cutToWidth, displayWidth, ellipsisFor, sanitizeText } from "./text.ts";

/** Options of a {@link Progress}. */
export interface ProgressOptions {
  /** Redraw in place (a terminal) or print lines. */
  tty: boolean;
  /** Print no progress (`--json`, `--quiet`); {@link Progress.line} still prints. */
  quiet: boolean;
  /** The clock, epoch ms. */
  now: () => number;
  /** The width, characters and colour lines may use; default 80 ASCII columns, no colour. */
  style?: Omit<Terminal, "tty">;
}

/** How a download is reported: fed by the library's `onProgress`, ended once. */
export interface TransferReport {
  /** The library's `onProgress`: redraws (at most every 100 ms on a terminal). */
  onProgress(progress: DownloadProgress): void;
  /** Ends with what the download amounted to. */
  finish(): void;
  /** Ends without a closing line: the download failed, and its error says how far it got. */
  stop(): void;
}

// A redraw per chunk would cost more than the download on a fast link.
const REDRAW_MS = 100;
// Off a terminal a line is kept forever: one every few seconds says enough.
const PLAIN_EVERY_MS = 5_000;
// Rate and time left move during a stall, when no chunk comes to redraw.
const TICK_MS = 1_000;
// A closing line cuts its label to make room for its figures, but not below this.
const LABEL_MIN = 12;

/** The status line of a running command. */
export class Progress {
  readonly #write: (text: string) => void;
  readonly #options: ProgressOptions;
  #drawn = false;
  /** The status line drawn last on a terminal, to redraw after a {@link line}. */
  #status = "";
  /** Tickers running, so {@link close} can end any a failure left. */
  readonly #timers = new Set<ReturnType<typeof setInterval>>();

  /**
   * @param write Where the text goes (stderr).
   * @param options Terminal or not, quiet or not, and the clock.
   */
  constructor(write: (text: string) => void, options: ProgressOptions) {
    this.#write = write;
    this.#options = options;
  }

  /** What lines may use: width, characters and colour. */
  get style(): Omit<Terminal, "tty"> {
    return this.#options.style ??
      { width: DEFAULT_WIDTH, unicode: false, color: false };
  }

  /**
   * Shows the current status: replaces the line on a terminal, adds one
   * elsewhere. A line to redraw must fit in the width less one column (see
   * {@link fit}).
   */
  update(text: string): void {
    if (this.#options.quiet) return;
    if (this.#options.tty) {
      this.#write(`\r${text}\x1b[K`);
      this.#drawn = true;
      this.#status = text;
    } else this.#write(`${text}\n`);
  }

  /**
   * Prints a line that is not progress (a `--verbose` attempt), so even when
   * quiet. On a terminal it goes above the status line, which is redrawn
   * below it instead of being run into.
   */
  line(text: string): void {
    if (this.#drawn) {
      this.#write(`\r${text}\x1b[K\n${this.#status}\x1b[K`);
    } else this.#write(`${text}\n`);
  }

  /** Shows a count of things done of those to do (windows, files) as the status line's bar. */
  count(state: WindowsState): void {
    this.update(this.fit(renderWindowsBar(state, this.style)));
  }

  /**
   * Prints a line of progress above the status line, which stays where it
   * is on a terminal (a window stored, below which the bar goes on); silent
   * when quiet.
   */
  note(text: string): void {
    if (this.#options.quiet) return;
    this.line(text);
  }

  /** Ends the status line, leaving its last text visible, and prints `text` as a line if given. */
  done(text?: string): void {
    if (this.#options.quiet) return;
    if (this.#drawn) this.#write("\n");
    this.#drawn = false;
    if (text !== undefined) this.#write(`${text}\n`);
  }

  /**
   * Reports a wait: the state after every poll, and on a terminal a
   * ticking elapsed-seconds counter between polls. Call `stop` when the
   * wait ends, however it ends, so no timer outlives it.
   *
   * @param id The export waited for.
   * @param known Its last known state.
   * @param started When the wait began, epoch ms; default now.
   */
  waiting(
    id: string,
    known: string,
    started = this.#options.now(),
  ): { onPoll(e: AuditLogExport): void; stop(): void } {
    let state = known;
    const show = () =>
      this.update(this.fit(
        `Waiting for ${id}: ${state} (${
          Math.floor((this.#options.now() - started) / 1000)
        }s)`,
      ));
    show();
    const ticker = this.#options.tty && !this.#options.quiet
      ? this.#every(TICK_MS, show)
      : undefined;
    return {
      onPoll: (e) => {
        state = e.state;
        show();
      },
      stop: () => {
        this.#cancel(ticker);
        this.done();
      },
    };
  }

  /**
   * Reports a download. On a terminal: a bar with percent, bytes, rate,
   * time left and resumes (bytes and rate when the size is unknown),
   * redrawn on chunks and every second, so a stall shows; it ends replaced
   * by the totals. Elsewhere: a plain line at the start, at most one every
   * 5 s, and the totals at the end. Call `finish` or `stop` however the
   * download ends, so no timer outlives it.
   */
  transfer(label: string): TransferReport {
    const { now, tty, quiet } = this.#options;
    const startedAt = now();
    let progress: DownloadProgress = { received: 0, resumes: 0 };
    let meter = startRate(0, startedAt);
    let drawnAt = -Infinity;
    const plain = lineThrottle(PLAIN_EVERY_MS);
    const state = (at: number): TransferState => ({
      label,
      done: progress.received,
      total: progress.total,
      startedAt,
      now: at,
      resumes: progress.resumes,
      rate: meter.rate,
    });
    // A chunk inside the redraw interval is drawn when the interval ends,
    // so the last chunk before a stall is shown at once, not at the tick.
    let trailing: ReturnType<typeof setTimeout> | undefined;
    const draw = (force: boolean) => {
      const at = now();
      meter = nextRate(meter, progress.received, at);
      if (!tty) {
        if (plain(at)) this.#write(`${renderTransferPlain(state(at))}\n`);
      } else if (force || at - drawnAt >= REDRAW_MS) {
        clearTimeout(trailing);
        trailing = undefined;
        drawnAt = at;
        const style = this.style;
        this.update(
          renderTransferLine(state(at), { ...style, width: style.width - 1 }),
        );
      } else {
        trailing ??= setTimeout(() => {
          trailing = undefined;
          draw(true);
        }, REDRAW_MS - (at - drawnAt));
      }
    };
    const ticker = quiet ? undefined : this.#every(TICK_MS, () => draw(true));
    let ended = quiet;
    const end = () => {
      this.#cancel(ticker);
      clearTimeout(trailing);
      const was = ended;
      ended = true;
      return !was;
    };
    return {
      onProgress: (next) => {
        if (ended) return;
        progress = next;
        draw(false);
      },
      finish: () => {
        if (!end()) return;
        const closing = state(now());
        if (tty) {
          this.update(this.fit(this.#doneLine(closing)));
          this.done();
        } else this.done(renderTransferDone(closing));
      },
      stop: () => {
        if (end()) this.done();
      },
    };
  }

  /**
   * `text` as a line that can be redrawn on this terminal: sanitized and
   * cut a column short of the width, since a line that fills the last
   * column wraps on some terminals, and the next `\r` would then redraw
   * only its second half. Off a terminal a line is left whole.
   */
  fit(text: string): string {
    if (!this.#options.tty) return text;
    const { width, unicode } = this.style;
    return cutToWidth(sanitizeText(text), width - 1, ellipsisFor(unicode));
  }

  /** The closing line of a download on a terminal: the label cut before any figure. */
  #doneLine(state: TransferState): string {
    const { width, unicode } = this.style;
    const figures = displayWidth(renderTransferDone({ ...state, label: "" }));
    const room = Math.max(LABEL_MIN, width - 1 - figures);
    const label = cutToWidth(
      sanitizeText(state.label),
      room,
      ellipsisFor(unicode),
    );
    return renderTransferDone({ ...state, label });
  }

  /** Stops every ticker still running: the command is over, whatever happened. */
  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
  }

  #every(ms: number, fn: () => void): ReturnType<typeof setInterval> {
    const timer = setInterval(fn, ms);
    this.#timers.add(timer);
    return timer;
  }

  #cancel(timer: ReturnType<typeof setInterval> | undefined): void {
    if (timer === undefined) return;
    clearInterval(timer);
    this.#timers.delete(timer);
  }
}

/** `"1234 bytes"`, or with a binary-unit size when that is easier to read: `"2097152 bytes (2.0 MiB)"`. */
export function formatBytes(n: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (n < 1024) return `${n} bytes`;
  let size = n / 1024;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${n} bytes (${size.toFixed(1)} ${units[unit]})`;
}
