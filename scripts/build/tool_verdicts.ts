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

/** The resolutions under which an ES-module-only entry cannot be loaded, by design. */
export const COMMONJS_RESOLUTIONS = ["node10", "node16-cjs"];

/**
 * The problems `attw --format json` found outside `ignored` resolutions,
 * one line each; a line saying so when its output is not attw's JSON.
 */
export function attwJsonProblems(
  out: Output,
  ignored: readonly string[] = COMMONJS_RESOLUTIONS,
): string[] {
  let parsed: { problems?: Record<string, unknown[]> };
  try {
    parsed = JSON.parse(out.stdout);
  } catch {
    return [`attw printed no JSON (exit code ${out.code}): ${out.text}`];
  }
  return Object.values(parsed.problems ?? {}).flat().flatMap((p) => {
    const { kind, entrypoint, resolutionKind } = p as Record<string, string>;
    return ignored.includes(resolutionKind) ? [] : [
      `${entrypoint}: ${kind} under ${resolutionKind ?? "every resolution"}`,
    ];
  });
}

/**
 * `attw --pack`: clean only when it says "No problems found". `esmOnly` is
 * a second run, `--format json`, over the ES-module-only entries: clean
 * when its only problems are under the CommonJS resolutions, where such an
 * entry cannot be required by design. Both must be clean.
 */
export function attwVerdict(
  out: Output,
  esmOnly?: { output: Output; entrypoints: readonly string[] },
): Outcome {
  const allClean = out.code === 0 && /No problems found/.test(out.text);
  const esmProblems = esmOnly ? attwJsonProblems(esmOnly.output) : [];
  if (esmOnly && esmOnly.output.code !== 0 && esmProblems.length === 0) {
    esmProblems.push(
      `attw exited ${esmOnly.output.code} on ${
        esmOnly.entrypoints.join(", ")
      }: ${esmOnly.output.text}`,
    );
  }
  const ok = allClean && esmProblems.length === 0;
  const only = esmOnly
    ? `; ${
      esmOnly.entrypoints.join(", ")
    } (ES module only): node16-esm, bundler`
    : "";
  return {
    ok,
    summary: ok
      ? `attw --pack: no problems (node10, node16-cjs, node16-esm, bundler${only})`
      : "attw reported problems",
    details: ok
      ? undefined
      : [allClean ? "" : out.text, ...esmProblems].filter(Boolean).join("\n"),
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
