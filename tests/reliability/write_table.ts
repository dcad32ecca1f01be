/**
 * Writes the fault matrix table of RELIABILITY.md from `FAULTS` in
 * matrix.js, so the page says what the matrix checks; matrix_test.ts fails
 * when the two differ.
 *
 * ```sh
 * deno run --allow-read=RELIABILITY.md --allow-write=RELIABILITY.md tests/reliability/write_table.ts
 * ```
 *
 * @module
 */

import { matrixTable } from "./matrix.js";

/** RELIABILITY.md. */
export const DOC: URL = new URL("../../RELIABILITY.md", import.meta.url);

const BEGIN =
  "<!-- The table is written by tests/reliability/write_table.ts from matrix.js. -->";
const END = "<!-- End of the written table. -->";

/** The page with its table rewritten from the matrix. */
export function withTable(page: string): string {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start) {
    throw new Error(`RELIABILITY.md has no "${BEGIN}" … "${END}" block`);
  }
  return `${page.slice(0, start)}${BEGIN}\n\n${matrixTable()}\n\n${
    page.slice(end)
  }`;
}

if (import.meta.main) {
  const page = await Deno.readTextFile(DOC);
  await Deno.writeTextFile(DOC, withTable(page));
}
