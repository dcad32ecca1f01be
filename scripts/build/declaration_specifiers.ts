/**
 * Finding and rewriting the module specifiers of a declaration file, by its
 * syntax tree rather than by pattern, so that text inside doc comments is
 * never taken for an import.
 *
 * @module
 */

import ts from "typescript";

/** A relative specifier with a TypeScript extension, as tsc leaves it in a `.d.ts`. */
export const SPECIFIER_TS = /^\.\.?\/.*\.(ts|mts|cts|tsx)$/;

/** A module specifier and where its text sits in the file (quotes excluded). */
export interface Specifier {
  start: number;
  end: number;
  text: string;
}

/** Every module specifier of a declaration file, with its position (quotes excluded). */
export function specifiersOf(source: ts.SourceFile): Specifier[] {
  const found: Specifier[] = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteral(node)) {
      found.push({
        start: node.getStart(source) + 1,
        end: node.getEnd() - 1,
        text: node.text,
      });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
    ) {
      add(node.argument.literal);
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      add(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Applies non-overlapping edits (offsets into the original `text`). */
export function splice(
  text: string,
  edits: { start: number; end: number; text: string }[],
): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  }
  return out;
}
