/**
 * The pseudo-terminal harness of `pty_helpers.ts`: the screen interpreter,
 * each driver this machine has on trivial commands, and a progress line
 * redrawn in place by a real Deno process in a 40-column terminal.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ptyDrivers, runInPty, screenOf } from "./pty_helpers.ts";

const drivers = await ptyDrivers();

Deno.test("screenOf: carriage return, erase to end of line, newline", () => {
  assert.deepEqual(screenOf("a\rb\x1b[Kc\n", 40), ["bc"]);
  assert.deepEqual(screenOf("one\ntwo\r\nthree", 40), ["one", "two", "three"]);
  assert.deepEqual(screenOf("abcdef\rxy", 40), ["xycdef"]);
  assert.deepEqual(screenOf("\x1b[36mblue\x1b[39m\x1b]0;title\x07!", 40), [
    "blue!",
  ]);
  assert.deepEqual(screenOf("abc\bX\x1b[2DY", 40), ["aYX"]);
});

Deno.test("screenOf: text wraps at the width, but only at the next character", () => {
  assert.deepEqual(screenOf("0123456789AB", 10), ["0123456789", "AB"]);
  // Exactly the width, then a redraw: no wrap, as on a VT terminal.
  assert.deepEqual(screenOf("0123456789\rxy\x1b[K", 10), ["xy"]);
  assert.deepEqual(screenOf("0123456789\x1b[K\n", 10), ["0123456789"]);
  assert.deepEqual(screenOf("日本語です", 6), ["日本語", "です"]);
});

for (const driver of ["tmux", "python"] as const) {
  const ignore = !drivers.includes(driver);

  Deno.test({
    name: `${driver}: printf 'a\\rb\\x1b[Kc\\n' shows bc`,
    ignore,
    async fn() {
      const result = await runInPty(["printf", "a\\rb\\033[Kc\\n"], {
        width: 40,
        driver,
      });
      assert.deepEqual(result, { lines: ["bc"], code: 0, driver });
    },
  });

  Deno.test({
    name: `${driver}: the terminal has the width asked for, and wraps at it`,
    ignore,
    async fn() {
      const size = await runInPty(["stty", "size"], {
        width: 40,
        height: 12,
        driver,
      });
      assert.deepEqual(size.lines, ["12 40"]);
      const wrapped = await runInPty(
        ["sh", "-c", "printf '%050d\\n' 0; exit 3"],
        { width: 40, driver },
      );
      assert.deepEqual(wrapped.lines, ["0".repeat(40), "0".repeat(10)]);
      assert.equal(wrapped.code, 3);
    },
  });

  Deno.test({
    name:
      `${driver}: a download line redrawn in place by Deno stays one line in 40 columns`,
    ignore,
    async fn() {
      const bar = import.meta.resolve("../src/cli/bar.ts");
      const terminal = import.meta.resolve("../src/cli/terminal.ts");
      const script = `
        import { renderTransferLine } from ${JSON.stringify(bar)};
        import { terminalOf } from ${JSON.stringify(terminal)};
        const t = terminalOf({
          isTTY: Deno.stderr.isTerminal(),
          env: (name) => Deno.env.get(name),
          columns: Deno.consoleSize().columns,
        });
        const encoder = new TextEncoder();
        const MiB = 1024 * 1024;
        for (let i = 0; i <= 47; i++) {
          const line = renderTransferLine({
            label: "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22180V",
            done: i * MiB, total: 47 * MiB, startedAt: 0, now: (i + 1) * 250,
          }, t);
          Deno.stderr.writeSync(encoder.encode(t.tty ? "\\r" + line + "\\x1b[K" : line + "\\n"));
        }
        Deno.stderr.writeSync(encoder.encode("\\n" + Object.values(t).join(" ") + "\\n"));
      `;
      const env = { LANG: "C.UTF-8", TERM: "xterm-256color", NO_COLOR: "1" };
      const result = await runInPty(
        [Deno.execPath(), "eval", "--no-check", script],
        { width: 40, driver, env },
      );
      assert.deepEqual(result.lines, [
        "Downloading audit_log_e… ██████████ 100%",
        "true false true 40",
      ]);
    },
  });
}
