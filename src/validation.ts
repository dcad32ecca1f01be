/**
 * Runs a valibot schema and turns every issue into one {@link ValidationError}
 * with dotted paths.
 *
 * @module
 */

import * as v from "valibot";
import { ValidationError, type ValidationIssue } from "./errors.ts";
import type { Rule } from "./rules.ts";

// deno-lint-ignore no-explicit-any
type AnySchema = v.GenericSchema<any, any>;

function toIssue(issue: v.BaseIssue<unknown>, prefix: string): ValidationIssue {
  const keys = issue.path?.map((item) => String(item.key)) ?? [];
  const path = [prefix, ...keys].filter(Boolean).join(".");
  // A strict object reports an unknown key as "expected never" and a missing
  // one with the object's own message: say both plainly.
  if (issue.type === "strict_object" && keys.length > 0) {
    return {
      path,
      message: issue.expected === "never"
        ? "is not a known option"
        : "is required",
    };
  }
  return { path, message: issue.message };
}

/**
 * A rule that runs a valibot schema over one value, so valibot's checks join
 * the one way options are checked: every issue is added at its path below
 * the option's.
 */
export function schemaRule(schema: AnySchema): Rule {
  return (value, path, issues) => {
    const result = v.safeParse(schema, value);
    if (!result.success) {
      for (const issue of result.issues) issues.push(toIssue(issue, path));
    }
    return undefined;
  };
}

/** Characters that must never reach a header or a URL: C0 controls and DEL. */
// deno-lint-ignore no-control-regex
export const CONTROL_CHARS: RegExp = /[\u0000-\u001f\u007f]/;

/** What is wrong with a text option: not a string, empty, too long, or holding control characters. */
export function textProblem(
  what: string,
  value: unknown,
  max: number,
): string | undefined {
  if (typeof value !== "string") return `${what} must be a string`;
  if (value.trim().length === 0) {
    return `${what} must not be empty or only spaces`;
  }
  if (value.length > max) return `${what} must be at most ${max} characters`;
  if (CONTROL_CHARS.test(value)) {
    return `${what} must not contain control characters`;
  }
  return undefined;
}

/** A valibot schema for {@link textProblem}'s rules, with its precise message. */
export function safeString(
  what: string,
  max: number,
): v.GenericSchema<unknown, string> {
  return v.custom<string>(
    (x) => textProblem(what, x, max) === undefined,
    (issue) => textProblem(what, issue.input, max)!,
  );
}

/** Throws one `ValidationError` listing every issue, when there is any. */
export function throwIfAny(issues: readonly ValidationIssue[]): void {
  if (issues.length) throw new ValidationError({ issues });
}
