/**
 * Runs a valibot schema and turns every issue into one {@link ValidationError}
 * with dotted paths.
 *
 * @module
 */

import * as v from "valibot";
import { ValidationError, type ValidationIssue } from "./errors.ts";

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

/** The parsed value, or a `ValidationError` listing every issue (paths prefixed by `prefix`). */
export function validate<S extends AnySchema>(
  schema: S,
  input: unknown,
  prefix = "",
  extra: readonly ValidationIssue[] = [],
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success && extra.length === 0) return result.output;
  const issues = result.success
    ? []
    : result.issues.map((i) => toIssue(i, prefix));
  throw new ValidationError([...issues, ...extra]);
}

/** Throws a whole-input `ValidationError` unless `input` is a plain (non-array) object. */
export function requireObject(input: unknown, what: string): void {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ValidationError([{
      path: "",
      message: `${what} must be an object`,
    }]);
  }
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

/**
 * Runs two validations and reports the problems of both in one
 * `ValidationError`, so a bad config never hides a bad option.
 */
export function together<A, B>(a: () => A, b: () => B): [A, B] {
  const issues: ValidationIssue[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const first = attempt(a);
  const second = attempt(b);
  if (issues.length) throw new ValidationError(issues);
  return [first as A, second as B];
}
