/**
 * `terminalOf`: what stderr can show, decided from a terminal flag, an
 * environment and a size.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DEFAULT_WIDTH, terminalOf } from "../src/cli/terminal.ts";

/** A probe with these variables set and nothing else. */
function probe(
  vars: Record<string, string>,
  isTTY = true,
  columns?: number,
) {
  return {
    isTTY,
    env: (name: string) => Object.hasOwn(vars, name) ? vars[name] : undefined,
    columns,
  };
}

Deno.test("a UTF-8 terminal: redraw, colour, unicode and its own width", () => {
  assert.deepEqual(
    terminalOf(
      probe({ TERM: "xterm-256color", LANG: "en_US.UTF-8" }, true, 132),
    ),
    { tty: true, color: true, unicode: true, width: 132 },
  );
});

Deno.test("not a terminal: no redraw and no colour, whatever TERM says", () => {
  const t = terminalOf(probe({ TERM: "xterm", LANG: "C.UTF-8" }, false));
  assert.equal(t.tty, false);
  assert.equal(t.color, false);
  assert.equal(t.unicode, true, "a UTF-8 log file shows blocks too");
});

Deno.test("NO_COLOR: any non-empty value turns colour off, the empty string does not", () => {
  for (const value of ["1", "0", "false", "yes"]) {
    const t = terminalOf(probe({ NO_COLOR: value, LANG: "en_GB.utf8" }));
    assert.equal(t.color, false, value);
    assert.equal(t.tty, true, "NO_COLOR is about colour only");
  }
  assert.equal(terminalOf(probe({ NO_COLOR: "" })).color, true);
});

Deno.test("TERM=dumb: no redraw, no colour, no unicode, even on a terminal", () => {
  for (const term of ["dumb", "DUMB", " dumb "]) {
    assert.deepEqual(terminalOf(probe({ TERM: term, LANG: "en_US.UTF-8" })), {
      tty: false,
      color: false,
      unicode: false,
      width: DEFAULT_WIDTH,
    });
  }
});

Deno.test("locale: LC_ALL over LC_CTYPE over LANG; empty counts as unset; none is ASCII", () => {
  const unicode = (vars: Record<string, string>) =>
    terminalOf(probe(vars)).unicode;
  assert.equal(unicode({ LANG: "en_US.UTF-8" }), true);
  assert.equal(unicode({ LANG: "de_DE.utf8" }), true);
  assert.equal(unicode({ LANG: "C" }), false);
  assert.equal(unicode({ LANG: "en_US.ISO-8859-1" }), false);
  assert.equal(unicode({ LC_ALL: "C", LANG: "en_US.UTF-8" }), false);
  assert.equal(unicode({ LC_ALL: "POSIX", LC_CTYPE: "C.UTF-8" }), false);
  assert.equal(unicode({ LC_CTYPE: "C.UTF-8", LANG: "C" }), true);
  assert.equal(unicode({ LC_ALL: "", LANG: "C.UTF-8" }), true);
  assert.equal(unicode({}), false, "no locale is the C locale");
  assert.equal(unicode({ WT_SESSION: "1f0c" }), true, "Windows Terminal");
  assert.equal(unicode({ WT_SESSION: "1f0c", LANG: "C" }), false);
});

Deno.test("width: COLUMNS over the terminal's size over 80; nonsense is ignored", () => {
  const width = (vars: Record<string, string>, columns?: number) =>
    terminalOf(probe(vars, true, columns)).width;
  assert.equal(width({}), 80);
  assert.equal(width({}, 40), 40);
  assert.equal(width({ COLUMNS: "200" }, 40), 200);
  assert.equal(width({ COLUMNS: " 120 " }), 120);
  for (const bad of ["", "0", "-5", "abc", "12.5", "1e3", "NaN", "Infinity"]) {
    assert.equal(width({ COLUMNS: bad }, 40), 40, `COLUMNS=${bad}`);
  }
  for (const bad of [0, -1, NaN, Infinity]) {
    assert.equal(width({}, bad), 80, `columns ${bad}`);
  }
  assert.equal(width({}, 99.9), 99);
  assert.equal(width({ COLUMNS: "99999999" }), 1000, "capped");
});
