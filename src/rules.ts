/**
 * The one way options are checked, in the client, the archive and the
 * emulator: a table of rules, one per option, run over an input; every
 * problem is collected with its path, and the caller turns the list into its
 * own error (the client's `ValidationError`, the emulator's `TypeError` or
 * HTTP answer). This module imports nothing, so the emulator's bundle does
 * not carry the client's error classes.
 *
 * Adding an option to an API is then one interface field, one rule and one
 * default.
 *
 * @module
 */

/**
 * One problem with an input: where (a dotted path, `""` for the whole input)
 * and what.
 */
export interface Issue {
  /** Dotted path, e.g. `"actions.0"`; `""` for the whole input. */
  readonly path: string;
  /** What is wrong, e.g. `"must be a string"`. */
  readonly message: string;
}

/**
 * A rule for one value: the problem as a message, or several problems at
 * deeper paths (pushed by the rule itself), or `undefined` when it is fine.
 */
export type Rule = (
  value: unknown,
  path: string,
  issues: Issue[],
) => string | undefined;

/** A rule for every option of `T`, so an option without a rule does not compile. */
export type Rules<T> = { readonly [K in keyof T]-?: Rule };

/** Joins a path prefix and a key. */
export const at = (prefix: string, key: string | number): string =>
  prefix ? `${prefix}.${key}` : String(key);

/** Whether a value is a plain (non-array, non-null) object. */
export const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/**
 * Checks an options object against its rules, pushing every problem into
 * `issues`: the input must be an object, every own key must have a rule
 * (`"is not a known option"`), and every value that is not `undefined` must
 * pass its rule. Returns whether nothing was found.
 */
export function checkOptions<T>(
  input: unknown,
  rules: Rules<T>,
  issues: Issue[],
  what = "options",
  prefix = "",
): input is T {
  const before = issues.length;
  if (!isRecord(input)) {
    issues.push({ path: prefix, message: `${what} must be an object` });
    return false;
  }
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    const value = input[key];
    const path = at(prefix, key);
    const rule = Object.hasOwn(rules, key)
      ? (rules as Record<string, Rule>)[key]
      : undefined;
    if (rule === undefined) {
      if (value !== undefined) {
        issues.push({ path, message: "is not a known option" });
      }
      continue;
    }
    if (value === undefined) continue;
    const message = rule(value, path, issues);
    if (message !== undefined) issues.push({ path, message });
  }
  return issues.length === before;
}

/** The issues as one line: `path: message; path: message`. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
    .join("; ");
}
