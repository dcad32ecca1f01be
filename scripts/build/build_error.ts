/**
 * The failure of a build step or check: a problem of the sources or of the
 * targets, explained by its message, as opposed to a bug of the scripts.
 *
 * @module
 */

/** A build problem the message explains; the entry scripts print it alone, without a stack. */
export class BuildError extends Error {}

/** Stops the build with {@link BuildError}. */
export function fail(message: string): never {
  throw new BuildError(message);
}
