/**
 * Turning a published declaration into the file npm users get: the npm name
 * in doc examples, and relative specifiers that resolve to the ESM (`.js`)
 * or CommonJS (`.cjs`) declarations. tsc keeps `./x.ts` specifiers inside
 * `.d.ts`, which breaks CommonJS type resolution unless rewritten. Each
 * declaration ships once: the library entries' in the CommonJS flavour,
 * with an ES module face per entry that re-exports it.
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

/**
 * The declaration with its relative specifiers ending in `ext`: `.js` for
 * the ESM (`.d.ts`) declarations, `.cjs` for the CommonJS (`.d.cts`) ones.
 * `ext` may depend on the specifier: an ES module declaration can import a
 * CommonJS one. tsc keeps `./x.ts` specifiers, which no published file has.
 */
export function flavour(
  file: string,
  text: string,
  ext: ".js" | ".cjs" | ((specifier: string) => ".js" | ".cjs"),
): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits = specifiersOf(source)
    .filter((s) => s.text.startsWith("."))
    .map((s) => ({
      start: s.start,
      end: s.end,
      text: s.text.replace(
        /\.(ts|mts|cts|tsx)$/,
        typeof ext === "function" ? ext(s.text) : ext,
      ),
    }));
  return splice(text, edits);
}

/**
 * The ES module face of a CommonJS declaration (`types/mod.d.ts` for
 * `types/mod.d.cts`): it re-exports everything, so each declaration ships
 * once. An ES module may import CommonJS, not the other way round, so the
 * CommonJS flavour is the one written in full. `moduleDoc` is the entry's
 * `@module` comment, kept for editors that show it.
 */
export function esmFace(cjsFile: string, moduleDoc = ""): string {
  const target = `./${cjsFile.split("/").pop()!.replace(/\.d\.cts$/, ".cjs")}`;
  return `${
    moduleDoc ? `${moduleDoc.trim()}\n` : ""
  }export * from "${target}";\n`;
}

/** The leading `@module` doc comment of a declaration file, or `""`. */
export function moduleDocOf(text: string): string {
  const m = /^\s*(\/\*\*[\s\S]*?\*\/)/.exec(text);
  return m && m[1].includes("@module") ? m[1] : "";
}
