/**
 * `--verbose`: one line on stderr per HTTP attempt, from the library's
 * `onAttempt`.
 *
 * @module
 */

import type { AttemptInfo } from "../config.ts";
import { printable } from "./values.ts";

/**
 * `[http] POST https://api.workos.com/audit_logs/exports attempt 1: 503
 * InternalServerError in 41 ms (request id req_…); retry in 612 ms`. The
 * library leaves the key out and a download URL's query off (its signature
 * is a credential), so the URL is shown as given; the line is still made
 * printable, as the request id is whatever the server sent.
 */
export function attemptLine(info: AttemptInfo): string {
  const outcome = [info.status, info.error]
    .filter((part) => part !== undefined)
    .join(" ") || "no response";
  const id = info.requestId ? ` (request id ${info.requestId})` : "";
  const retry = info.retryInMs === undefined
    ? ""
    : `; retry in ${Math.round(info.retryInMs)} ms`;
  return printable(
    `[http] ${info.method} ${info.url} attempt ${info.attempt}: ${outcome} ` +
      `in ${Math.round(info.durationMs)} ms${id}${retry}`,
  );
}
