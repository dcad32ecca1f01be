import assert from "node:assert/strict";
import {
  esmFace,
  flavour,
  moduleDocOf,
  npmNameInDocs,
} from "../../scripts/build/declaration_flavour.ts";

const TEXT = [
  '/** ```ts\n * import { x } from "./not-code.ts";\n * ``` */',
  'import { a } from "./a.ts";',
  'export * from "../b/c.ts";',
  'export type D = import("./d.ts").D;',
  'import type { V } from "valibot";',
  "",
].join("\n");

Deno.test("flavour: the ESM flavour points relative imports at .js declarations", () => {
  const out = flavour("x.d.ts", TEXT, ".js");
  assert.match(out, /from "\.\/a\.js"/);
  assert.match(out, /from "\.\.\/b\/c\.js"/);
  assert.match(out, /import\("\.\/d\.js"\)/);
  assert.match(out, /from "valibot"/);
  // Doc comments are text, not imports.
  assert.match(out, /"\.\/not-code\.ts"/);
});

Deno.test("flavour: the CommonJS flavour points them at .cjs", () => {
  const out = flavour("x.d.ts", TEXT, ".cjs");
  assert.match(out, /from "\.\/a\.cjs"/);
  assert.match(out, /import\("\.\/d\.cjs"\)/);
  assert.ok(!/\.\/a\.ts"/.test(out));
});

Deno.test("flavour: the extension can depend on the specifier (an ES module declaration importing CommonJS ones)", () => {
  const out = flavour("x.d.ts", TEXT, (s) => s === "./a.ts" ? ".cjs" : ".js");
  assert.match(out, /from "\.\/a\.cjs"/);
  assert.match(out, /from "\.\.\/b\/c\.js"/);
});

Deno.test("esmFace: re-exports the CommonJS declaration, after the entry's module doc", () => {
  assert.equal(esmFace("mod.d.cts"), 'export * from "./mod.cjs";\n');
  assert.equal(
    esmFace("mod.d.cts", "/**\n * The client.\n * @module\n */"),
    '/**\n * The client.\n * @module\n */\nexport * from "./mod.cjs";\n',
  );
});

Deno.test("moduleDocOf: only a leading @module comment", () => {
  const doc = "/**\n * The client.\n *\n * @module\n */";
  assert.equal(moduleDocOf(`${doc}\nexport {};\n`), doc);
  assert.equal(moduleDocOf("/** A function. */\nexport {};\n"), "");
  assert.equal(moduleDocOf('export * from "./a.js";\n'), "");
});

Deno.test("npmNameInDocs: the JSR name and its subpaths become the npm name, quoted either way", () => {
  const text =
    `import { a } from "@audit-log/export";\nimport { b } from '@audit-log/export/testing';\n` +
    `"@audit-log/exports" stays; so does @audit-log/export unquoted`;
  assert.equal(
    npmNameInDocs(text, "@audit-log/export"),
    `import { a } from "audit-log-export";\nimport { b } from 'audit-log-export/testing';\n` +
      `"@audit-log/exports" stays; so does @audit-log/export unquoted`,
  );
});
