/**
 * The result of one package check, and the report of them all.
 *
 * @module
 */

/** How one check went: a one-line summary, and what went wrong in `details`. */
export interface Outcome {
  ok: boolean;
  summary: string;
  details?: string;
}

/**
 * The report of named outcomes, in order: a ✓ or ✗ line each, the details
 * of a failure indented under it, and a closing count.
 */
export function formatReport(
  outcomes: readonly [string, Outcome][],
  seconds: number,
): { text: string; failed: number } {
  const lines: string[] = [];
  let failed = 0;
  for (const [name, outcome] of outcomes) {
    lines.push(`${outcome.ok ? "✓" : "✗"} ${name}: ${outcome.summary}`);
    if (!outcome.ok) {
      failed++;
      if (outcome.details) {
        lines.push(outcome.details.replace(/^/gm, "    "));
      }
    }
  }
  lines.push(
    `${outcomes.length - failed} package checks passed, ${failed} failed (${
      seconds.toFixed(1)
    } s)`,
  );
  return { text: lines.join("\n"), failed };
}
