import assert from "node:assert/strict";
import ts from "typescript";
import {
  SPECIFIER_TS,
  specifiersOf,
  splice,
} from "../../scripts/build/declaration_specifiers.ts";

const parse = (text: string) =>
  ts.createSourceFile("x.d.ts", text, ts.ScriptTarget.Latest, true);

Deno.test("specifiersOf: imports, re-exports, import types and module declarations, with positions", () => {
  const text = [
    '/** import { x } from "./doc.ts" is only a comment */',
    'import { a } from "./a.ts";',
    'export * from "./b.ts";',
    'export type C = import("./c.ts").C;',
    'declare module "d" {}',
  ].join("\n");
  const found = specifiersOf(parse(text));
  assert.deepEqual(found.map((s) => s.text), [
    "./a.ts",
    "./b.ts",
    "./c.ts",
    "d",
  ]);
  for (const s of found) assert.equal(text.slice(s.start, s.end), s.text);
});

Deno.test("splice: applies edits from the end, so offsets stay valid", () => {
  assert.equal(
    splice("abcdef", [
      { start: 0, end: 1, text: "AA" },
      { start: 4, end: 6, text: "" },
    ]),
    "AAbcd",
  );
});

Deno.test("SPECIFIER_TS: only relative paths with a TypeScript extension", () => {
  for (const s of ["./a.ts", "../b/c.mts", "./d.cts"]) {
    assert.ok(SPECIFIER_TS.test(s), s);
  }
  for (const s of ["./a.js", "a.ts", "./a", "valibot"]) {
    assert.ok(!SPECIFIER_TS.test(s), s);
  }
});
