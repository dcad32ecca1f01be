/**
 * The type checks of request bodies, as rules tables (`src/rules.ts`): each
 * rule's message is the code of a 422 entry and its path the entry's
 * `field`, so the list of issues is the list of the answer's errors.
 *
 * @module
 */

import { at, isRecord, type Issue, type Rule, type Rules } from "../rules.ts";

/** The code of a 422 entry. */
export type FieldCode = "required" | "invalid_type";

/** A 422 entry. */
export interface FieldError {
  field: string;
  code: FieldCode;
}

const REQUIRED: FieldCode = "required";
const INVALID_TYPE: FieldCode = "invalid_type";

// The API reads a `null` member as an absent one.
const absent = (v: unknown): v is null | undefined =>
  v === undefined || v === null;

/** A field whose value must pass `test`; absent, it is `"required"` or fine. */
const field = (test: (v: unknown) => boolean, required: boolean): Rule => (v) =>
  absent(v)
    ? (required ? REQUIRED : undefined)
    : test(v)
    ? undefined
    : INVALID_TYPE;

const isText = (v: unknown) => typeof v === "string";

/** A string member that must be present. */
export const requiredText: Rule = field(isText, true);
/** A string member that may be left out. */
export const optionalText: Rule = field(isText, false);
/** An object member that must be present. */
export const requiredObject: Rule = field(isRecord, true);
/** An array member that must be present (its items are checked apart). */
export const requiredList: Rule = field(Array.isArray, true);
/** A list of strings that may be left out. */
export const optionalTexts: Rule = field(
  (v) => Array.isArray(v) && v.every(isText),
  false,
);
/**
 * An integer that may be left out; unlike the other members, a `null` is
 * not taken for an absent one.
 */
export const optionalInteger: Rule = (v) =>
  v === undefined || Number.isInteger(v) ? undefined : INVALID_TYPE;

/**
 * Runs `rules` over the members of `body`, pushing an issue per wrong or
 * missing member. Unlike `checkOptions`, it goes by the table, not by the
 * body: members the table does not name are ignored, as the API ignores
 * them; a member the body lacks reaches its rule as `undefined`, so the rule
 * can require it; and the issues come in the table's order, whatever the
 * order of the body's JSON.
 */
export function checkFields<T>(
  body: Record<string, unknown>,
  rules: Rules<T>,
  issues: Issue[],
  prefix = "",
): void {
  for (const [key, rule] of Object.entries<Rule>(rules)) {
    const path = at(prefix, key);
    const message = rule(
      Object.hasOwn(body, key) ? body[key] : undefined,
      path,
      issues,
    );
    if (message !== undefined) issues.push({ path, message });
  }
}

/** The 422 entries of issues pushed by the rules of this module. */
export const fieldErrors = (issues: readonly Issue[]): FieldError[] =>
  issues.map((i) => ({ field: i.path, code: i.message as FieldCode }));
