/**
 * Screen tests: runs a command in a pseudo-terminal of a given size and
 * returns what a person would see at the end, as lines.
 *
 * Two drivers:
 * - `tmux` (the default where it is installed): a real terminal emulator;
 *   the screen is read back with `capture-pane -p`, so wrapping, erasing
 *   and redrawing are tmux's, not ours. Each run gets its own server
 *   socket in a temporary directory, so it touches no tmux of the user.
 * - `python`: a small `pty` driver in python3 that sets the window size,
 *   runs the command and hands back its raw output, which {@link screenOf}
 *   turns into a screen.
 *
 * Needs `--allow-run` (and `--allow-read --allow-write` for tmux's
 * temporary directory).
 *
 * @module
 */

import { displayWidth } from "../src/cli/text.ts";

/** How a command is run in a pseudo-terminal. */
export type PtyDriver = "tmux" | "python";

/** Options of {@link runInPty}. */
export interface PtyOptions {
  /** Columns of the terminal. */
  width: number;
  /** Rows of the terminal; default 24. */
  height?: number;
  /** Variables set for the command on top of this process's environment. */
  env?: Record<string, string>;
  /** The driver; default the first of tmux, python that is installed. */
  driver?: PtyDriver;
  /** Longest the command may run, ms; default 20 s. */
  timeout?: number;
  /**
   * Looks at the screen while the command runs (tmux only: about every
   * 50 ms); the first screen it accepts is returned as `seen`, to check
   * what a redrawn line shows mid-way.
   */
  watch?: (lines: string[]) => boolean;
}

/** What a run in a pseudo-terminal ended with. */
export interface PtyResult {
  /** The screen at the end, trailing spaces and trailing empty lines removed. */
  lines: string[];
  /** The command's exit code. */
  code: number;
  /** The driver that ran it. */
  driver: PtyDriver;
  /** The first screen `watch` accepted while the command ran, if any. */
  seen?: string[];
}

/** Whether `command` runs and exits 0 with these arguments. */
async function works(command: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

/** The drivers this machine has, best first. */
export async function ptyDrivers(): Promise<PtyDriver[]> {
  const found: PtyDriver[] = [];
  if (await works("tmux", ["-V"])) found.push("tmux");
  if (await works("python3", ["-c", "import pty, fcntl, termios"])) {
    found.push("python");
  }
  return found;
}

/** Quotes a word for `sh`. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Removes trailing spaces of each line and the empty lines at the end. */
function trimScreen(lines: string[]): string[] {
  const out = lines.map((l) => l.replace(/ +$/, ""));
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/**
 * Runs `command` in a pseudo-terminal `width` columns wide and returns the
 * screen it leaves. Throws when no driver is installed or the command
 * outlives the timeout.
 */
export async function runInPty(
  command: readonly string[],
  options: PtyOptions,
): Promise<PtyResult> {
  const driver = options.driver ?? (await ptyDrivers())[0];
  if (driver === undefined) {
    throw new Error("no pseudo-terminal driver: install tmux or python3");
  }
  return driver === "tmux"
    ? await runInTmux(command, options)
    : await runInPython(command, options);
}

/** Runs a command and fails with its stderr when it fails. */
async function run(
  command: string,
  args: string[],
  env?: Record<string, string>,
): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed: ${decoder.decode(out.stderr)}`,
    );
  }
  return decoder.decode(out.stdout);
}

async function runInTmux(
  command: readonly string[],
  options: PtyOptions,
): Promise<PtyResult> {
  const dir = await Deno.makeTempDir({ prefix: "pty-" });
  const socket = `${dir}/tmux.sock`;
  const status = `${dir}/status`;
  const config = `${dir}/tmux.conf`;
  // No status bar, so the pane has all the rows.
  await Deno.writeTextFile(config, "set -g status off\n");
  const tmux = (...args: string[]) =>
    // A TMUX variable would make tmux think it is nested; the socket is ours.
    run("tmux", ["-S", socket, "-f", config, ...args], { TMUX: "" });
  const vars = Object.entries(options.env ?? {}).map(([k, v]) =>
    shellQuote(`${k}=${v}`)
  );
  // The pane is kept alive after the command (a dead pane gets tmux's
  // "Pane is dead" line written over it), and the exit code goes to a file
  // that says the command is over.
  const script = `env ${vars.join(" ")} ${
    command.map(shellQuote).join(" ")
  }; echo $? > ${shellQuote(status)}; exec sleep 3600`;
  try {
    await tmux(
      "new-session",
      "-d",
      "-x",
      String(options.width),
      "-y",
      String(options.height ?? 24),
      "-s",
      "pty",
      "sh",
      "-c",
      script,
    );
    const deadline = Date.now() + (options.timeout ?? 20_000);
    let code: number | undefined;
    let seen: string[] | undefined;
    while (code === undefined) {
      if (options.watch && seen === undefined) {
        const now = trimScreen(
          (await tmux("capture-pane", "-p", "-t", "pty")).split("\n"),
        );
        if (options.watch(now)) seen = now;
      }
      try {
        const text = await Deno.readTextFile(status);
        if (text.endsWith("\n")) code = Number(text.trim());
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      if (code === undefined) {
        if (Date.now() > deadline) {
          throw new Error(
            `${command.join(" ")} still running after the timeout`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const screen = await tmux("capture-pane", "-p", "-t", "pty");
    const lines = trimScreen(screen.split("\n"));
    return { lines, code, driver: "tmux", ...(seen ? { seen } : {}) };
  } finally {
    await tmux("kill-server").catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

// Forks the command on a pty of the given size and copies what it prints,
// byte for byte, to stdout; exits with the command's exit code.
const PYTHON_DRIVER = `
import fcntl, os, pty, struct, sys, termios
width, height = int(sys.argv[1]), int(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    os.execvp(sys.argv[3], sys.argv[3:])
out = bytearray()
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(bytes(out))
sys.exit(os.waitstatus_to_exitcode(status))
`;

async function runInPython(
  command: readonly string[],
  options: PtyOptions,
): Promise<PtyResult> {
  const child = new Deno.Command("python3", {
    args: [
      "-c",
      PYTHON_DRIVER,
      String(options.width),
      String(options.height ?? 24),
      ...command,
    ],
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(
    () => child.kill("SIGKILL"),
    options.timeout ?? 20_000,
  );
  try {
    const out = await child.output();
    const raw = new TextDecoder().decode(out.stdout);
    return {
      lines: screenOf(raw, options.width),
      code: out.code,
      driver: "python",
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The screen a terminal `width` columns wide shows after `output`: text
 * wraps at the width (deferred, as VT terminals and tmux do: the wrap
 * happens at the next character, so a line of exactly `width` columns
 * followed by `\r` does not wrap), `\r` returns, `\n` starts a new line at
 * column 0 (as a pty's ONLCR makes it), `\b` and tab move, `ESC[K` and
 * `ESC[2K` erase, `ESC[nA/B/C/D/G` move the cursor, and every other escape
 * sequence (colours, titles) is skipped. Nothing scrolls off: every line
 * written is returned. Wide characters take two columns.
 */
export function screenOf(output: string, width: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let pendingWrap = false;
  const line = () => (rows[row] ??= []);
  const moveTo = (r: number) => {
    row = Math.max(0, r);
    while (rows.length <= row) rows.push([]);
  };
  const chars = [...output];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === "\x1b") {
      const next = chars[i + 1];
      if (next === "[") {
        let j = i + 2;
        let params = "";
        while (j < chars.length && /[0-9;?]/.test(chars[j])) {
          params += chars[j++];
        }
        const final = chars[j] ?? "";
        i = j;
        const n = Number(params.split(";")[0]) || 0;
        // tmux keeps the last column's character when erasing right after
        // it (some terminals erase it): render lines a column short of the
        // width to be safe on both.
        const from = pendingWrap ? width : col;
        pendingWrap = false;
        if (final === "K") {
          const cells = line();
          if (n === 0) cells.length = Math.min(cells.length, from);
          else if (n === 1) { for (let c = 0; c <= col; c++) cells[c] = " "; }
          else cells.length = 0;
        } else if (final === "A") moveTo(row - Math.max(1, n));
        else if (final === "B") moveTo(row + Math.max(1, n));
        else if (final === "C") col = Math.min(width - 1, col + Math.max(1, n));
        else if (final === "D") col = Math.max(0, col - Math.max(1, n));
        else if (final === "G") col = Math.min(width - 1, Math.max(1, n) - 1);
      } else if (next === "]") {
        // OSC: up to BEL or ESC \.
        let j = i + 2;
        while (j < chars.length && chars[j] !== "\x07" && chars[j] !== "\x1b") {
          j++;
        }
        i = chars[j] === "\x1b" ? j + 1 : j;
      } else i++;
      continue;
    }
    if (ch === "\r") {
      col = 0;
      pendingWrap = false;
    } else if (ch === "\n") {
      moveTo(row + 1);
      col = 0;
      pendingWrap = false;
    } else if (ch === "\b") {
      col = Math.max(0, col - 1);
      pendingWrap = false;
    } else if (ch === "\t") {
      col = Math.min(width - 1, (Math.floor(col / 8) + 1) * 8);
    } else if (ch >= " " && ch !== "\x7f") {
      const w = displayWidth(ch);
      if (pendingWrap || col + w > width) {
        moveTo(row + 1);
        col = 0;
        pendingWrap = false;
      }
      const cells = line();
      while (cells.length < col) cells.push(" ");
      cells[col] = ch;
      // The right half of a wide character is an empty cell.
      if (w === 2) cells[col + 1] = "";
      col += w;
      if (col >= width) {
        col = width - 1;
        pendingWrap = true;
      }
    }
  }
  return trimScreen(rows.map((cells) => cells.join("")));
}
