/**
 * The published declarations must not import the packages the bundles
 * inline (the npm package has no dependencies): what refers to them is cut
 * out of the declaration files.
 *
 * @module
 */

import ts from "typescript";
import { splice } from "./declaration_specifiers.ts";

/** Module specifiers of the bundled code that are not shipped as packages. */
export const BUNDLED_PACKAGES = ["valibot"];

/**
 * Removes what refers to a bundled package from a declaration file: its
 * imports, then every top-level statement that mentions an imported name or
 * a name already removed. Internal helpers typed with valibot go; public
 * interfaces stay. Whatever a published file still needs is checked later
 * by compiling a consumer against the package.
 */
export function pruneBundledPackages(
  file: string,
  text: string,
  packages: readonly string[] = BUNDLED_PACKAGES,
): { text: string; removed: string[] } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const gone = new Set<string>();
  const dropped = new Set<ts.Statement>();
  for (const st of source.statements) {
    if (
      ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) &&
      packages.some((p) =>
        (st.moduleSpecifier as ts.StringLiteral).text === p ||
        (st.moduleSpecifier as ts.StringLiteral).text.startsWith(`${p}/`)
      )
    ) {
      dropped.add(st);
      const clause = st.importClause;
      if (clause?.name) gone.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) {
        gone.add(bindings.name.text);
      } else if (bindings) {
        for (const el of bindings.elements) gone.add(el.name.text);
      }
    }
  }
  if (dropped.size === 0) return { text, removed: [] };
  const mentions = (node: ts.Node): boolean => {
    if (ts.isIdentifier(node) && gone.has(node.text)) return true;
    return ts.forEachChild(node, mentions) ?? false;
  };
  const declared = (st: ts.Statement): string[] => {
    if (ts.isVariableStatement(st)) {
      return st.declarationList.declarations.flatMap((d) =>
        ts.isIdentifier(d.name) ? [d.name.text] : []
      );
    }
    const name = (st as { name?: ts.Node }).name;
    return name && ts.isIdentifier(name) ? [name.text] : [];
  };
  const removed: string[] = [];
  for (let changed = true; changed;) {
    changed = false;
    for (const st of source.statements) {
      if (dropped.has(st) || !mentions(st)) continue;
      dropped.add(st);
      for (const name of declared(st)) {
        gone.add(name);
        removed.push(name);
      }
      changed = true;
    }
  }
  const edits = [...dropped].map((st) => ({
    // Imports keep their leading comments (the file's @module doc sits there);
    // removed declarations take their own JSDoc with them.
    start: ts.isImportDeclaration(st) ? st.getStart(source) : st.getFullStart(),
    end: st.getEnd(),
    text: "",
  }));
  return { text: splice(text, edits), removed };
}
