/**
 * Creating, reading and waiting for exports.
 *
 * @module
 */

import {
  apiKeyOf,
  type ClientConfig,
  type RequestOptions,
  resolveConfig,
  type ResolvedConfig,
  type WaitOptions,
} from "./config.ts";
import {
  ExportFailedError,
  InvalidResponseError,
  TimeoutError,
  ValidationError,
} from "./errors.ts";
import {
  checkCreateExportOptions,
  checkExportId,
  type CreateExportOptions,
  fromWire,
  toCreateExportBody,
} from "./schemas.ts";
import type { Issue } from "./rules.ts";
import { linkSignal, sleep } from "./signals.ts";
import { throwIfAny } from "./validation.ts";
import { send, type TransportResponse } from "./transport.ts";
import type { AuditLogExport } from "./types.ts";

function toExport(answer: TransportResponse): AuditLogExport {
  const parsed = fromWire(answer.data);
  if (!parsed.ok) {
    throw new InvalidResponseError({
      message: `The response is not an audit_log_export (bad ${
        parsed.issues.join(", ")
      })`,
      status: answer.response.status,
      request: answer.request,
      requestId: answer.requestId,
    });
  }
  return parsed.value;
}

/**
 * `createExport` on a resolved config. `issues` holds the config's own
 * problems, if any, reported together with the options' in one
 * `ValidationError` before anything is sent.
 */
export async function postExport(
  config: ResolvedConfig,
  options: CreateExportOptions,
  issues: Issue[] = [],
): Promise<AuditLogExport> {
  const apiKey = issues.length ? "" : apiKeyOf(config, issues);
  const valid = checkCreateExportOptions(options, issues);
  throwIfAny(issues);
  const answer = await send(config, {
    method: "POST",
    url: `${config.baseUrl}/audit_logs/exports`,
    body: toCreateExportBody(valid),
    apiKey,
  });
  return toExport(answer);
}

/** The API key of a config whose options were valid, or a `ValidationError`. */
function requireApiKey(config: ResolvedConfig): string {
  const issues: Issue[] = [];
  const key = apiKeyOf(config, issues);
  throwIfAny(issues);
  return key;
}

/** `getExport` on a resolved config; `issues` as for {@link postExport}. */
export async function fetchExport(
  config: ResolvedConfig,
  id: string,
  issues: readonly Issue[] = [],
): Promise<AuditLogExport> {
  throwIfAny(issues);
  const valid = checkExportId(id);
  const answer = await send(config, {
    method: "GET",
    url: `${config.baseUrl}/audit_logs/exports/${encodeURIComponent(valid)}`,
    apiKey: requireApiKey(config),
  });
  return toExport(answer);
}

/** Validates an export-or-id argument and returns the id (and the object, if given). */
export function exportRef(
  exportOrId: AuditLogExport | string,
): { id: string; known?: AuditLogExport } {
  if (typeof exportOrId === "string") return { id: checkExportId(exportOrId) };
  if (typeof exportOrId !== "object" || exportOrId === null) {
    throw new ValidationError({
      issues: [{
        path: "",
        message: "expected an export object or an export id",
      }],
    });
  }
  return { id: checkExportId(exportOrId.id), known: exportOrId };
}

/** `waitForExport` on a resolved config; `issues` as for {@link postExport}. */
export async function pollExport(
  config: ResolvedConfig,
  exportOrId: AuditLogExport | string,
  issues: readonly Issue[] = [],
): Promise<AuditLogExport> {
  throwIfAny(issues);
  const { id, known } = exportRef(exportOrId);
  if (known?.state === "ready" && known.url) return known;
  requireApiKey(config);
  const started = Date.now();
  const deadline = started + config.maxWait;
  // Room kept before the deadline for the last poll to come back: twice the
  // last poll's round trip, at least 100 ms, so the budget is used nearly to
  // its end and the last answer still arrives within it.
  let reserve = 100;
  const timedOut = () =>
    new TimeoutError({
      message: `Export ${id} was not ready after ${
        Date.now() - started
      } ms (maxWait ${config.maxWait} ms)`,
      timeout: config.maxWait,
    });
  const budget = linkSignal(config.signal, config.maxWait);
  const polling = { ...config, signal: budget.signal };
  try {
    // A freshly created export is pending: give it the first interval before asking.
    if (known) {
      await sleep(
        Math.min(config.pollInterval, config.maxWait - reserve),
        budget.signal,
      );
    }
    for (;;) {
      const asked = Date.now();
      const current = await fetchExport(polling, id);
      reserve = Math.max(100, 2 * (Date.now() - asked));
      config.onPoll?.(current);
      if (current.state === "ready") return current;
      if (current.state === "error" || current.state === "expired") {
        throw new ExportFailedError({ export: current });
      }
      const remaining = deadline - Date.now();
      if (remaining <= reserve) throw timedOut();
      // Polling a quarter of the time already waited keeps the detection delay
      // near 25% of the time-to-ready with far fewer requests than a fixed poll.
      const waited = Date.now() - started;
      const interval = Math.min(
        config.maxPollInterval,
        Math.max(config.pollInterval, waited / 4),
      );
      await sleep(Math.min(interval, remaining - reserve), budget.signal);
    }
  } catch (error) {
    if (budget.timedOut && !config.signal?.aborted) throw timedOut();
    throw error;
  } finally {
    budget.dispose();
  }
}

/**
 * Creates an audit log export: validates the options (every problem at once,
 * no request sent when any), then `POST /audit_logs/exports`. The export
 * starts `pending`; see {@link waitForExport}.
 *
 * @example
 * ```ts
 * import { createExport } from "@audit-log/export";
 * const auditLogExport = await createExport({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: new Date("2026-09-02T18:09:06.996Z"),
 *   rangeEnd: new Date("2026-11-02T18:09:06.996Z"),
 *   actions: ["user.signed_in"],
 *   actor_ids: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
 *   targets: ["team"],
 * });
 * console.log(auditLogExport.id, auditLogExport.state); // "audit_log_export_…" "pending"
 * ```
 */
export function createExport(
  options: CreateExportOptions,
  config?: ClientConfig & RequestOptions,
): Promise<AuditLogExport> {
  const issues: Issue[] = [];
  return postExport(resolveConfig(config, issues), options, issues);
}

/**
 * Reads an export by id (`GET /audit_logs/exports/{id}`). A ready export has
 * a fresh `url`, valid for 10 minutes.
 *
 * @example
 * ```ts
 * import { getExport } from "@audit-log/export";
 * const auditLogExport = await getExport("audit_log_export_01GBZK5MP7TD1YCFQHFR22180V");
 * if (auditLogExport.state === "ready") console.log(auditLogExport.url);
 * ```
 */
export function getExport(
  id: string,
  config?: ClientConfig & RequestOptions,
): Promise<AuditLogExport> {
  const issues: Issue[] = [];
  return fetchExport(resolveConfig(config, issues), id, issues);
}

/**
 * Polls an export until it is `ready` and returns it. Rejects with
 * `ExportFailedError` if it ends in `error` or `expired`, and with
 * `TimeoutError` when `maxWait` (default 10 min) passes. An export object
 * that is already ready is returned without a request.
 *
 * @example
 * ```ts
 * import { createExport, waitForExport } from "@audit-log/export";
 * const created = await createExport({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: "2026-09-01T00:00:00Z",
 *   rangeEnd: "2026-10-01T00:00:00Z",
 * });
 * const ready = await waitForExport(created, {
 *   maxWait: 120_000,
 *   onPoll: (e) => console.error(`export is ${e.state}`),
 * });
 * console.log(ready.url);
 * ```
 */
export function waitForExport(
  exportOrId: AuditLogExport | string,
  config?: ClientConfig & WaitOptions,
): Promise<AuditLogExport> {
  const issues: Issue[] = [];
  return pollExport(resolveConfig(config, issues), exportOrId, issues);
}
