/**
 * The options that reading an archive back shares between `verifyArchive`
 * and `readArchive` (the store, the organizations, the span), and the
 * export filters of `readArchive`, checked with the package's rules: every
 * problem at once, with its path.
 *
 * @module
 */

import { parseInstant } from "./instant.ts";
import { keyProblem } from "./archive_sign.ts";
import {
  accessStore,
  type ArchiveStore,
  type StoreAccess,
} from "./archive_store.ts";
import { at, checkOptions, isRecord, type Issue, type Rules } from "./rules.ts";
import { textProblem } from "./validation.ts";
import { type FilterOption, FILTERS } from "./filters.ts";

/** Organization ids become key prefixes: nothing that could leave one. */
const ORGANIZATION_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

/** Epoch ms of a `Date` or an ISO-8601 date-time with a zone, or `undefined`. */
export function instantOf(x: unknown): number | undefined {
  if (x instanceof Date) return x.getTime();
  return typeof x === "string" ? parseInstant(x) : undefined;
}

/** Why `id` cannot name an organization of the archive, or `undefined`. */
export const organizationIdProblem = (id: unknown): string | undefined =>
  textProblem("organization id", id, 255) ??
    (ORGANIZATION_ID.test(id as string) && id !== "." && id !== ".."
      ? undefined
      : "organization id must be letters, digits, _, - and . only (it names the store's folders)");

/** The span of a read, shared by `verifyArchive` and `readArchive`. */
export interface ReadSpanOptions {
  /** The first instant (a `Date` or an ISO-8601 date-time with a zone). Default: the archive's start. */
  from?: Date | string;
  /** The end, exclusive. Default: the archive's end. */
  to?: Date | string;
}

/** What a read of an archive is about, checked. */
export interface ArchiveTarget {
  store: StoreAccess;
  organizations: string[];
  from: number;
  to: number;
}

/** The most values a filter list may hold, as many as an export takes in practice. */
export const MAX_FILTER_VALUES = 1_000;
/** The longest filter value. */
const MAX_FILTER_TEXT = 1_000;

const storeRule = (store: unknown) =>
  typeof store === "object" && store !== null &&
    typeof (store as ArchiveStore).get === "function" &&
    typeof (store as ArchiveStore).put === "function"
    ? undefined
    : "must be a store with get(key) and put(key, body)";

const instantRule = (x: unknown) =>
  instantOf(x) === undefined
    ? "must be a valid Date or an ISO-8601 date-time with a time zone"
    : undefined;

const filterRule = (list: unknown, path: string, issues: Issue[]) => {
  if (!Array.isArray(list)) return "must be an array of strings";
  if (list.length === 0) {
    return "must not be empty (leave it out to take every value)";
  }
  if (list.length > MAX_FILTER_VALUES) {
    return `must hold at most ${MAX_FILTER_VALUES} values`;
  }
  list.forEach((value, i) => {
    const message = textProblem("each value", value, MAX_FILTER_TEXT);
    if (message) issues.push({ path: at(path, i), message });
  });
  return undefined;
};

/** Rules of the options shared by every read of an archive. */
export const TARGET_RULES = {
  store: storeRule,
  organizationId: organizationIdProblem,
  organizationIds: (ids: unknown, path: string, issues: Issue[]) => {
    if (!Array.isArray(ids)) return "must be an array of organization ids";
    if (new Set(ids).size !== ids.length) {
      issues.push({ path, message: "must not name an organization twice" });
    }
    ids.forEach((id, i) => {
      const message = organizationIdProblem(id);
      if (message) issues.push({ path: at(path, i), message });
    });
    return undefined;
  },
  from: instantRule,
  to: instantRule,
  publicKey: (k: unknown) => keyProblem(k, true),
  onFile: (f: unknown) =>
    typeof f === "function" ? undefined : "must be a function",
  // Every filter of the table, by its option name, read as createExport
  // reads it.
  ...Object.fromEntries(FILTERS.map((f) => [f.option, filterRule])) as Record<
    FilterOption,
    typeof filterRule
  >,
};

/** The options any read may carry, each with its rule. */
/**
 * Compiles only when every option of `Options` is in `Allowed`: an option
 * added to a read's interface without its name in the read's list (and so
 * without a rule) stops the compiler where the list is.
 */
export type EveryOptionAllowed<Options, Allowed> =
  [Exclude<keyof Options, Allowed>] extends [never] ? true : never;

type AnyReadOptions = { [K in keyof typeof TARGET_RULES]?: unknown };

/**
 * Checks the options of a read (`many`: several organizations allowed),
 * adding every problem to `issues`; the target, or `undefined` when there
 * is any problem. `allowed` lists the option names of this read: each
 * caller states every option of its API there, checked by `everyOptionAllowed`.
 */
export function archiveTarget(
  options: unknown,
  issues: Issue[],
  many: boolean,
  allowed: readonly (keyof typeof TARGET_RULES)[],
): ArchiveTarget | undefined {
  const rules = Object.fromEntries(
    allowed.map((name) => [name, TARGET_RULES[name]]),
  ) as Rules<AnyReadOptions>;
  if (isRecord(options) && options.store === undefined) {
    issues.push({ path: "store", message: storeRule(undefined)! });
  }
  checkOptions(options, rules, issues);
  if (!isRecord(options)) return undefined;
  const one = options.organizationId;
  const list = options.organizationIds;
  if (one === undefined && (!many || list === undefined)) {
    issues.push({
      path: "organizationId",
      message: many ? "is required (or organizationIds)" : "is required",
    });
  } else if (many && Array.isArray(list)) {
    if (one === undefined && list.length === 0) {
      issues.push({ path: "organizationIds", message: "must not be empty" });
    } else if (one !== undefined && list.includes(one)) {
      issues.push({
        path: "organizationIds",
        message: "must not name an organization twice",
      });
    }
  }
  const from = options.from === undefined ? -Infinity : instantOf(options.from);
  const to = options.to === undefined ? Infinity : instantOf(options.to);
  if (from !== undefined && to !== undefined && from >= to) {
    issues.push({ path: "to", message: "must be later than from" });
  }
  if (issues.length) return undefined;
  return {
    store: accessStore(options.store as ArchiveStore),
    organizations: [
      ...(one === undefined ? [] : [one as string]),
      ...((list as string[] | undefined) ?? []),
    ],
    from: from!,
    to: to!,
  };
}
