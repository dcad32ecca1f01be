/**
 * `--verbose`: one line on stderr per HTTP attempt, from the library's
 * `onAttempt`.
 *
 * @module
 */

import type { AttemptInfo } from "../../mod.ts";
import { describeAttempt } from "../config.ts";
import { printable } from "./values.ts";

/**
 * `[http] POST https://api.workos.com/audit_logs/exports attempt 1: 503
 * InternalServerError in 41 ms (request id req_…); retry in 612 ms`, the
 * library's own description of the attempt, made printable: the request id
 * is whatever the server sent.
 */
export function attemptLine(info: AttemptInfo): string {
  return printable(`[http] ${describeAttempt(info)}`);
}
