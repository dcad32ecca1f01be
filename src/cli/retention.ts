/**
 * WorkOS exports only the events of the past three calendar months. A range
 * that starts earlier is refused by the API with a bare "Invalid date
 * range"; the CLI says why before sending anything.
 *
 * @module
 */

import type { CommandSpec, FlagName } from "./spec.ts";
import { monthsBefore, RETENTION_MONTHS } from "../retention.ts";
import { UsageError } from "./errors.ts";

/**
 * Throws a {@link UsageError} when the instant `iso`, typed as `text` for
 * `--flag`, is older than what the API still keeps at `now`.
 */
export function checkRetention(
  flag: FlagName,
  text: string,
  iso: string,
  now: number,
  command?: CommandSpec,
): void {
  const earliest = monthsBefore(now, RETENTION_MONTHS);
  if (Date.parse(iso) >= earliest) return;
  const typed = text.trim();
  // An age or a plain date is shown with the instant it stands for.
  const meaning = typed === iso ? "" : ` (${iso})`;
  throw new UsageError({
    message: `--${flag} ${typed}${meaning} is older than the three months ` +
      `WorkOS keeps (earliest: ${new Date(earliest).toISOString()})`,
    command,
  });
}
