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
  // A strict object reports an unknown key as "expected never": say it plainly.
  if (issue.type === "strict_object" && issue.expected === "never") {
    return { path, message: "is not a known option" };
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

/** A non-empty string of at most `max` characters with no control characters. */
export function safeString(
  what: string,
  max: number,
): v.SchemaWithPipe<
  readonly [
    v.StringSchema<string>,
    v.NonEmptyAction<string, string>,
    v.MaxLengthAction<string, number, string>,
    v.CheckAction<string, string>,
  ]
> {
  return v.pipe(
    v.string(`${what} must be a string`),
    v.nonEmpty(`${what} must not be empty`),
    v.maxLength(max, `${what} must be at most ${max} characters`),
    v.check(
      (s) => !CONTROL_CHARS.test(s),
      `${what} must not contain control characters`,
    ),
  );
}
