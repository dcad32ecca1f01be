/**
 * What the terminal on stderr can show, from facts the caller gathers
 * (is it a terminal, the environment, its size), so the decision itself
 * is a pure function that tests can drive with any environment.
 *
 * @module
 */

/** What {@link terminalOf} decides from. */
export interface TerminalProbe {
  /** Whether the stream is a terminal (`Deno.stderr.isTerminal()`, `process.stderr.isTTY`). */
  isTTY: boolean;
  /** Reads an environment variable; `undefined` when it is not set. */
  env: (name: string) => string | undefined;
  /** Columns the terminal reported (`Deno.consoleSize().columns`), when it did. */
  columns?: number;
}

/** What may be drawn on the stream. */
export interface Terminal {
  /** Redraw a line in place (`\r`, erase to end of line); when false, print plain lines. */
  tty: boolean;
  /** SGR colour codes may be used. */
  color: boolean;
  /** Characters beyond ASCII (blocks, `…`) are shown as such. */
  unicode: boolean;
  /** Columns a line may take; a longer one would wrap. */
  width: number;
}

/** The width assumed when neither `COLUMNS` nor the terminal tells one. */
export const DEFAULT_WIDTH = 80;

// A terminal wider than this is almost certainly a bad COLUMNS value; a
// line that long is no easier to read anyway.
const MAX_WIDTH = 1000;

/** A positive whole number of columns from `value`, or `undefined`. */
function columnsFrom(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === "number"
    ? value
    : /^\s*\d+\s*$/.test(value)
    ? Number(value)
    : NaN;
  if (!Number.isFinite(n) || n < 1) return undefined;
  return Math.min(MAX_WIDTH, Math.floor(n));
}

/**
 * The locale in force for characters: POSIX gives `LC_ALL` precedence over
 * `LC_CTYPE` over `LANG`, and an empty value counts as unset.
 */
function localeOf(env: TerminalProbe["env"]): string | undefined {
  for (const name of ["LC_ALL", "LC_CTYPE", "LANG"]) {
    const value = env(name);
    if (value) return value;
  }
  return undefined;
}

/**
 * Decides what stderr can show.
 *
 * - `TERM=dumb` means no cursor movement, so no redraw in place, no colour
 *   and no unicode, even on a terminal.
 * - `NO_COLOR` set to anything but the empty string turns colour off
 *   (no-color.org); colour is only ever used on a terminal.
 * - Unicode needs a UTF-8 locale (`LC_ALL`, else `LC_CTYPE`, else `LANG`);
 *   with none set the C locale applies, which is ASCII. Windows Terminal
 *   sets no locale but `WT_SESSION`, and shows UTF-8.
 * - The width is `COLUMNS` when it is a positive number (so a user or a
 *   test can force one), else the terminal's own, else 80.
 */
export function terminalOf(probe: TerminalProbe): Terminal {
  const { env } = probe;
  const dumb = (env("TERM") ?? "").trim().toLowerCase() === "dumb";
  const tty = probe.isTTY === true && !dumb;
  const noColor = (env("NO_COLOR") ?? "") !== "";
  const locale = localeOf(env);
  const utf8 = locale !== undefined
    ? /utf-?8/i.test(locale)
    : (env("WT_SESSION") ?? "") !== "";
  return {
    tty,
    color: tty && !noColor,
    unicode: utf8 && !dumb,
    width: columnsFrom(env("COLUMNS")) ?? columnsFrom(probe.columns) ??
      DEFAULT_WIDTH,
  };
}
