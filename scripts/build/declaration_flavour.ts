/**
 * Turning a published declaration into the file npm users get: the npm name
 * in doc examples, and relative specifiers that resolve to the ESM (`.js`)
 * or CommonJS (`.cjs`) declarations. tsc keeps `./x.ts` specifiers inside
 * `.d.ts`, which breaks CommonJS type resolution unless rewritten.
 *
 * @module
 */

import ts from "typescript";
import { specifiersOf, splice } from "./declaration_specifiers.ts";
import { NPM_NAME } from "./targets.mjs";

/** Doc examples import the JSR name; npm users import the npm name. */
export function npmNameInDocs(
  text: string,
  jsrName: string,
  npmName: string = NPM_NAME,
): string {
  const quoted = new RegExp(
    `(["'])${jsrName.replace(/[/.]/g, "\\$&")}(/[\\w-]+)?\\1`,
    "g",
  );
  return text.replace(quoted, `$1${npmName}$2$1`);
}

/** The `.d.ts` (ESM, `./x.js`) or `.d.cts` (CJS, `./x.cjs`) flavour of a declaration. */
export function flavour(
  file: string,
  text: string,
  ext: ".js" | ".cjs",
): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits = specifiersOf(source)
    .filter((s) => s.text.startsWith("."))
    .map((s) => ({
      start: s.start,
      end: s.end,
      text: s.text.replace(/\.(ts|mts|cts|tsx)$/, ext),
    }));
  return splice(text, edits);
}
