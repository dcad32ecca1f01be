/**
 * The rules of `--out`, for every command that takes it (`download`,
 * `export`, `demo`): which values name a file, and how the file is opened
 * and closed. What happens to the bytes on disk (atomic replacement, the
 * permissions of the file replaced, FIFOs written in place) is `output.ts`.
 *
 * @module
 */

import type { Context } from "./context.ts";
import { UsageError } from "./errors.ts";
import { fsReason, openOutput, type OutFile } from "./output.ts";
import { shown } from "./values.ts";

/** How a command uses stdout, which decides what `--out -` and no `--out` mean. */
export interface OutUse {
  /** The file written when `--out` is not given. Without one, no `--out` means stdout, as `--out -` does. */
  readonly fallback?: string;
  /**
   * Set when this run's stdout carries something else (a summary, JSON):
   * the usage error for an output that would be stdout.
   */
  readonly stdoutTaken?: string;
  /** The usage error for an empty `--out`. Default: it needs a file name. */
  readonly empty?: string;
}

/**
 * The file `--out` names, or `undefined` for stdout: `-`, or no `--out`
 * when the command has no default file. An output that would be stdout
 * when stdout is taken, and an empty value, are usage errors.
 */
export function outPath(
  ctx: Context<{ out: "string" }>,
  use: OutUse,
): string | undefined {
  const given = ctx.args.string("out") ?? use.fallback;
  if (given === undefined || given === "-") {
    if (use.stdoutTaken !== undefined) {
      throw new UsageError({ message: use.stdoutTaken, command: ctx.spec });
    }
    return undefined;
  }
  if (given === "") {
    throw new UsageError({
      message: use.empty ?? "--out needs a file name",
      command: ctx.spec,
    });
  }
  return given;
}

/**
 * Opens the `--out` file at `path` before any request, runs `write` with
 * it, and then discards whatever `write` did not commit: on failure or
 * Ctrl-C the file it would replace is left as it was, and its temporary
 * file is gone. A path that cannot be written is bad input (exit 2).
 */
export async function withOutFile<T>(
  ctx: Context,
  path: string,
  write: (file: OutFile) => Promise<T>,
): Promise<T> {
  const file = await openOut(ctx, path);
  try {
    return await write(file);
  } finally {
    await file.discard();
  }
}

/**
 * Opens the `--out` file. Opening a FIFO waits for its reader, so Ctrl-C
 * must end the wait too.
 */
async function openOut(ctx: Context, path: string): Promise<OutFile> {
  ctx.signal.throwIfAborted();
  const opening = openOutput(path, ctx.io.cwd);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(ctx.signal.reason);
    ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([opening, aborted]);
  } catch (error) {
    if (ctx.signal.aborted) {
      // The open may still succeed later: close what it opens.
      opening.then((file) => file.discard(), () => {});
      throw ctx.signal.reason;
    }
    throw new UsageError({
      message: `--out: cannot write ${shown(path)}: ${fsReason(error)}`,
      command: ctx.spec,
    });
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
  }
}
