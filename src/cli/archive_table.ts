/**
 * The closing table of an archive run: one row per organization, counts
 * right-aligned, fitted to the terminal's width. `table.ts` lays out
 * left-aligned cells of any width, which suits ids and names but neither
 * lines up numbers nor stays within 40 columns, hence this one.
 *
 * @module
 */

import {
  cutToWidth,
  displayWidth,
  ellipsisFor,
  formatCount,
  sanitizeText,
} from "./text.ts";
import type { LineStyle } from "./bar.ts";

/** One organization's outcome. */
export interface ArchiveTableRow {
  /** The organization id. */
  organization: string;
  /** Windows archived (or checked, for verify and read). */
  windows: number;
  /** Events written. */
  rows: number;
  /** Late events found by a recheck and written as addenda. */
  lateEvents: number;
  /** Periods left unarchived (accepted or not). */
  gaps: number;
  /** Windows that failed. */
  failures: number;
}

type Count = Exclude<keyof ArchiveTableRow, "organization">;

// Each counted column with its header and the shorter one used when the
// full headers do not fit.
const COLUMNS: readonly { key: Count; header: string; short: string }[] = [
  { key: "windows", header: "windows", short: "win" },
  { key: "rows", header: "rows", short: "rows" },
  { key: "lateEvents", header: "late events", short: "late" },
  { key: "gaps", header: "gaps", short: "gaps" },
  { key: "failures", header: "failures", short: "fail" },
];

const GAP = "  ";
// The organization column is cut, but not below this; ids are told apart
// by their ends, which a cut loses anyway.
const ORG_MIN = 8;

/**
 * The table as lines of at most `style.width` columns: a header, a row per
 * organization and, for more than one, a `total` row. Full headers when they
 * fit, short ones (`win`, `late`, `fail`) when not, the organization cut to
 * make room; if even that is too wide, each line is cut to the width.
 */
export function renderArchiveTable(
  rows: readonly ArchiveTableRow[],
  style: LineStyle,
): string[] {
  const width = Math.max(0, Math.floor(Number(style.width) || 0));
  const ellipsis = ellipsisFor(style.unicode);
  const count = (n: number) =>
    formatCount(Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
  const body = rows.map((r) => ({
    organization: sanitizeText(r.organization),
    cells: COLUMNS.map((c) => count(r[c.key])),
  }));
  if (rows.length > 1) {
    body.push({
      organization: "total",
      cells: COLUMNS.map((c) =>
        count(rows.reduce((sum, r) => sum + (Number(r[c.key]) || 0), 0))
      ),
    });
  }
  for (const short of [false, true]) {
    const orgHeader = short ? "org" : "organization";
    const orgWidest = Math.max(
      displayWidth(orgHeader),
      ...body.map((r) => displayWidth(r.organization)),
    );
    const headers = COLUMNS.map((c) => short ? c.short : c.header);
    const widths = headers.map((h, i) =>
      Math.max(displayWidth(h), ...body.map((r) => r.cells[i].length))
    );
    const numbers = widths.reduce((w, c) => w + c + GAP.length, 0);
    const orgWidth = Math.min(orgWidest, width - numbers);
    if (orgWidth < Math.min(ORG_MIN, orgWidest) && !short) continue;
    const org = Math.max(0, orgWidth);
    const line = (name: string, cells: string[]) => {
      const left = cutToWidth(name, org, ellipsis);
      const padded = left + " ".repeat(Math.max(0, org - displayWidth(left)));
      const right = cells.map((c, i) => c.padStart(widths[i])).join(GAP);
      return cutToWidth(`${padded}${GAP}${right}`, width, ellipsis);
    };
    return [
      line(orgHeader, headers),
      ...body.map((r) => line(r.organization, r.cells)),
    ];
  }
  return []; // unreachable: the short headers always return
}
