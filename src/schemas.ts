/**
 * What `createExport` accepts and what the API returns, as valibot schemas.
 *
 * @module
 */

import * as v from "valibot";
import { parseInstant } from "./instant.ts";
import type { Result } from "./result.ts";
import type { AuditLogExport } from "./types.ts";
import { ValidationError } from "./errors.ts";
import {
  FILTERS,
  type FilterSpelling,
  type FilterWire,
  spellings,
} from "./filters.ts";
import { checkOptions, isRecord, type Issue, type Rules } from "./rules.ts";
import {
  safeString,
  schemaRule,
  textProblem,
  throwIfAny,
} from "./validation.ts";

/**
 * A `Date` or an ISO-8601 date-time string with a zone.
 *
 * @example
 * ```ts
 * import { createExport, type Instant } from "@audit-log/export";
 * const rangeStart: Instant = "2026-10-01T00:00:00+02:00"; // a string needs a zone
 * const rangeEnd: Instant = new Date();
 * await createExport({ organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT", rangeStart, rangeEnd });
 * ```
 */
export type Instant = Date | string;

/**
 * Options of `createExport`. Filters are combined with AND between kinds and
 * OR within one list; an empty list filters nothing and is left out.
 *
 * @example
 * ```ts
 * import { createExport, type CreateExportOptions } from "@audit-log/export";
 * const options: CreateExportOptions = {
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: new Date(Date.now() - 30 * 86_400_000),
 *   rangeEnd: new Date(),
 *   actions: ["user.signed_in", "user.signed_out"], // either action
 * };
 * const created = await createExport(options);
 * ```
 */
export interface CreateExportOptions {
  /** The organization whose events to export, e.g. `"org_01EHZNVPK3SFK441A1RGBFSHRT"`. */
  organizationId: string;
  /** Start of the range (inclusive): a `Date` or an ISO-8601 date-time with a zone. */
  rangeStart: Instant;
  /** End of the range (inclusive), after `rangeStart`. */
  rangeEnd: Instant;
  /** Only these actions, e.g. `["user.signed_in"]`. */
  actions?: readonly string[];
  /** Only events by these actor ids. */
  actorIds?: readonly string[];
  /** Only events by actors with these names. */
  actorNames?: readonly string[];
  /** Only events with a target of these types, e.g. `["team"]`. */
  targets?: readonly string[];
  /** The spelling of the official JS reference for `actorIds`. */
  actor_ids?: readonly string[];
  /** The spelling of the official JS reference for `actorNames`. */
  actor_names?: readonly string[];
  /** @deprecated The API's old name for `actorNames`. */
  actors?: readonly string[];
}

// Every filter of `src/filters.ts` is a field above, and every field above
// not named here is a filter: a filter added to the table without its field
// (or the reverse) stops the compiler on one of these two lines.
const everyFilterIsAField: Pick<CreateExportOptions, FilterSpelling> = {};
const everyFieldIsAFilter: Exclude<
  keyof CreateExportOptions,
  "organizationId" | "rangeStart" | "rangeEnd"
> extends FilterSpelling ? true : never = true;
void everyFilterIsAField, everyFieldIsAFilter;

/** The body of `POST /audit_logs/exports`, exactly as sent. */
export type CreateExportBody =
  & {
    organization_id: string;
    range_start: string;
    range_end: string;
  }
  & { [W in FilterWire]?: string[] };

const MAX_STRING = 1_000;

const stringList = v.array(
  safeString("each value", MAX_STRING),
  "must be an array of strings",
);

const instant = v.custom<Instant>(
  (x) => instantMs(x) !== undefined,
  "must be a valid Date (years 0000–9999) or an ISO-8601 date-time with a time zone, e.g. 2026-01-31T00:00:00Z",
);

/** Epoch ms of a valid instant, `undefined` for anything else. */
function instantMs(x: unknown): number | undefined {
  if (x instanceof Date) {
    // The same years as a string instant: toISOString writes others as
    // `+010000-…`, which is no ISO-8601 date-time the API reads.
    const year = x.getUTCFullYear();
    return year >= 0 && year <= 9999 ? x.getTime() : undefined;
  }
  return typeof x === "string" ? parseInstant(x) : undefined;
}

const filterRule = schemaRule(stringList);

/**
 * The rule of every option of `createExport`: valibot checks each value,
 * and the checks across fields follow in {@link checkCreateExportOptions}.
 */
const CREATE_EXPORT_RULES: Rules<CreateExportOptions> = {
  organizationId: schemaRule(safeString("organizationId", MAX_STRING)),
  rangeStart: schemaRule(instant),
  rangeEnd: schemaRule(instant),
  ...Object.fromEntries(
    FILTERS.flatMap(spellings).map((name) => [name, filterRule]),
  ) as Record<FilterSpelling, typeof filterRule>,
};

/**
 * Checks `createExport` options, adding every problem to `issues`: each
 * value, unknown keys, a filter given under two spellings, and the range's
 * order (reported even when another field is wrong).
 */
export function checkCreateExportOptions(
  input: unknown,
  issues: Issue[],
): CreateExportOptions {
  checkOptions(input, CREATE_EXPORT_RULES, issues);
  if (!isRecord(input)) return input as CreateExportOptions;
  const o = input;
  for (const name of ["organizationId", "rangeStart", "rangeEnd"] as const) {
    if (o[name] === undefined) {
      issues.push({ path: name, message: "is required" });
    }
  }
  for (const filter of FILTERS) {
    const given = spellings(filter).filter((n) => o[n] !== undefined);
    if (given.length > 1) {
      issues.push({
        path: given[1],
        message: `use only one of ${
          given.join(", ")
        }: they are the same filter`,
      });
    }
  }
  const start = instantMs(o.rangeStart);
  const end = instantMs(o.rangeEnd);
  if (start !== undefined && end !== undefined && start >= end) {
    issues.push({ path: "rangeEnd", message: "must be after rangeStart" });
  }
  return input as unknown as CreateExportOptions;
}

/** The options when they are valid, else a `ValidationError` listing every problem. */
export function requireCreateExportOptions(
  input: unknown,
): CreateExportOptions {
  const issues: Issue[] = [];
  const valid = checkCreateExportOptions(input, issues);
  throwIfAny(issues);
  return valid;
}

const iso = (x: Instant): string =>
  (x instanceof Date ? x : new Date(instantMs(x)!)).toISOString();

const nonEmpty = (list: readonly string[] | undefined): string[] | undefined =>
  list && list.length > 0 ? [...list] : undefined;

/** The wire body for validated options: snake_case, ISO strings, no empty lists. */
export function toCreateExportBody(o: CreateExportOptions): CreateExportBody {
  const body: CreateExportBody = {
    organization_id: o.organizationId,
    range_start: iso(o.rangeStart),
    range_end: iso(o.rangeEnd),
  };
  // Read by spelling as a plain record: a filter just added to the table
  // is then asked for at its field alone (`everyFilterIsAField`), not here.
  const lists = o as unknown as Record<string, readonly string[] | undefined>;
  for (const filter of FILTERS) {
    const name = spellings(filter).find((n) => lists[n] !== undefined);
    const list = nonEmpty(name === undefined ? undefined : lists[name]);
    if (list) body[filter.wire] = list;
  }
  return body;
}

/** Export ids go into a URL path: plain text, and never a dot segment. */
export function checkExportId(id: unknown): string {
  const message = textProblem("export id", id, MAX_STRING) ??
    (id === "." || id === ".."
      ? "export id must not be a dot segment"
      : undefined);
  if (message) throw new ValidationError({ issues: [{ path: "id", message }] });
  return id as string;
}

const isText = (x: unknown, nonEmpty = false): x is string =>
  typeof x === "string" && (!nonEmpty || x.length > 0);

/**
 * The camelCase export of an `audit_log_export` wire object, or the names of
 * the fields that are wrong. Unknown fields are ignored and unknown states
 * kept; `url` is set only when the API sent a string.
 */
export function fromWire(data: unknown): Result<AuditLogExport, string[]> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, issues: ["body"] };
  }
  const w = data as Record<string, unknown>;
  const bad = [
    w.object === "audit_log_export" ? "" : "object",
    isText(w.id, true) ? "" : "id",
    isText(w.state, true) ? "" : "state",
    isText(w.created_at) ? "" : "created_at",
    isText(w.updated_at) ? "" : "updated_at",
  ].filter(Boolean);
  if (bad.length) return { ok: false, issues: bad };
  const out: AuditLogExport = {
    object: "audit_log_export",
    id: w.id as string,
    state: w.state as string,
    createdAt: w.created_at as string,
    updatedAt: w.updated_at as string,
  };
  if (typeof w.url === "string") out.url = w.url;
  return { ok: true, value: out };
}
