/**
 * Progress on stderr. On a terminal one status line is redrawn in place
 * (`\r` and erase-to-end-of-line); anywhere else (a log file, CI) each
 * update is a plain line, throttled so a fast download does not flood it.
 *
 * @module
 */

import type { AuditLogExport } from "../../mod.ts";

/** Options of a {@link Progress}. */
export interface ProgressOptions {
  /** Redraw in place (a terminal) or print lines. */
  tty: boolean;
  /** Print no progress (`--json`, `--quiet`); {@link Progress.line} still prints. */
  quiet: boolean;
  /** The clock, epoch ms. */
  now: () => number;
}

/** The status line of a running command. */
export class Progress {
  readonly #write: (text: string) => void;
  readonly #options: ProgressOptions;
  #drawn = false;
  /** The status line drawn last on a terminal, to redraw after a {@link line}. */
  #status = "";

  /**
   * @param write Where the text goes (stderr).
   * @param options Terminal or not, quiet or not, and the clock.
   */
  constructor(write: (text: string) => void, options: ProgressOptions) {
    this.#write = write;
    this.#options = options;
  }

  /** Shows the current status: replaces the line on a terminal, adds one elsewhere. */
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
      this.update(
        `Waiting for ${id}: ${state} (${
          Math.floor((this.#options.now() - started) / 1000)
        }s)`,
      );
    show();
    const ticker = this.#options.tty && !this.#options.quiet
      ? setInterval(show, 1000)
      : undefined;
    return {
      onPoll: (e) => {
        state = e.state;
        show();
      },
      stop: () => {
        clearInterval(ticker);
        this.done();
      },
    };
  }

  /**
   * Reports bytes received. Redraws at most every 100 ms on a terminal and
   * prints at most one line a second elsewhere; `finish` prints the total.
   */
  bytes(label: string): { add(n: number): void; finish(): number } {
    let total = 0;
    let shown = -1;
    let last = -Infinity;
    const every = this.#options.tty ? 100 : 1000;
    const show = () => {
      shown = total;
      this.update(`${label}: ${formatBytes(total)}`);
    };
    return {
      add: (n) => {
        total += n;
        const t = this.#options.now();
        if (t - last >= every) {
          last = t;
          show();
        }
      },
      finish: () => {
        // The total is always shown once, but never twice in a row.
        if (shown !== total) show();
        this.done();
        return total;
      },
    };
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
