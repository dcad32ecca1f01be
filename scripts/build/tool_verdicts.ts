/**
 * Reading the verdict of each checking tool from its exit code and output.
 * A tool that exits 0 without its all-clear line has not passed: some print
 * problems and still exit 0.
 *
 * @module
 */

import type { Outcome } from "./check_outcome.ts";
import type { Output } from "./exec.ts";

/** `publint --strict`: clean only when it says "All good!". */
export function publintVerdict(out: Output): Outcome {
  const clean = out.code === 0 && /All good!/.test(out.text);
  return {
    ok: clean,
    summary: clean ? "publint --strict: all good" : "publint reported issues",
    details: clean ? undefined : out.text,
  };
}

/** `attw --pack`: clean only when it says "No problems found". */
export function attwVerdict(out: Output): Outcome {
  const clean = out.code === 0 && /No problems found/.test(out.text);
  return {
    ok: clean,
    summary: clean
      ? "attw --pack: no problems (node10, node16-cjs, node16-esm, bundler)"
      : "attw reported problems",
    details: clean ? undefined : out.text,
  };
}

/** `deno publish --dry-run`: passed only when the dry run completed. */
export function jsrPublishVerdict(out: Output): Outcome {
  const ok = out.code === 0 && /Dry run complete/.test(out.text);
  return {
    ok,
    summary: ok
      ? "deno publish --dry-run: no slow types, publishable"
      : "deno publish --dry-run failed",
    details: ok ? undefined : out.text,
  };
}

/** `deno doc --lint <entries>`: passed only when nothing mentions an error. */
export function docLintVerdict(
  out: Output,
  entries: readonly string[],
): Outcome {
  const ok = out.code === 0 && !/error/i.test(out.text);
  return {
    ok,
    summary: ok
      ? `deno doc --lint ${entries.join(" ")}: nothing reported`
      : "deno doc --lint reported problems",
    details: ok ? undefined : out.text,
  };
}
