/**
 * The one shape of a check's outcome, as valibot's `safeParse` has it: the
 * value when it passed, what is wrong when it did not.
 *
 * @module
 */

/** A checked value, or the issues that refused it. */
export type Result<T, I> = { ok: true; value: T } | { ok: false; issues: I };
