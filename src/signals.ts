/**
 * Abort-aware timing helpers. Every timer and listener they create is
 * removed when its work settles, so nothing outlives a call.
 *
 * @module
 */

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A signal that aborts when any source aborts or after `ms`; `dispose` releases its timer and listeners. */
export interface LinkedSignal {
  signal: AbortSignal;
  /** True when it aborted because `ms` ran out. */
  readonly timedOut: boolean;
  /** Stops the time budget but keeps following the source signal. */
  stopTimer(): void;
  /** Stops the time budget and stops following the source signal. */
  dispose(): void;
  /**
   * Settles as `promise` does, or rejects with the signal's reason as soon
   * as it aborts: work that ignores the signal (a `fetch` wrapper that
   * rebuilds `init`, a body that does not follow it) still cannot hold a
   * call past its time-out or its caller's abort. What `promise` gives
   * after that goes to `discard`.
   */
  race<T>(promise: Promise<T>, discard?: (value: T) => void): Promise<T>;
}

const ignore = () => {};

/** Links the caller's signal with a time budget (no budget when `ms` is `Infinity`). */
export function linkSignal(
  source: AbortSignal | undefined,
  ms: number,
): LinkedSignal {
  const controller = new AbortController();
  const { signal } = controller;
  // The pending race's rejection, called directly: an abort listener per
  // race costs more than the rest of a call's bookkeeping.
  let lost: ((reason: unknown) => void) | undefined;
  const abort = (reason: unknown) => {
    controller.abort(reason);
    lost?.(reason);
  };
  const follow = () => abort(source!.reason);
  if (source?.aborted) abort(source.reason);
  else source?.addEventListener("abort", follow, { once: true });
  const timer = Number.isFinite(ms)
    ? setTimeout(() => {
      link.timedOut = true;
      abort(new DOMException("The operation timed out.", "TimeoutError"));
    }, ms)
    : undefined;
  const link = {
    signal,
    timedOut: false,
    stopTimer: () => clearTimeout(timer),
    dispose() {
      clearTimeout(timer);
      source?.removeEventListener("abort", follow);
      lost = undefined;
    },
    race: <T>(promise: Promise<T>, discard: (value: T) => void = ignore) =>
      new Promise<T>((resolve, reject) => {
        const fail = (reason: unknown) => {
          promise.then(discard, ignore);
          reject(reason);
        };
        if (signal.aborted) return fail(signal.reason);
        lost = fail;
        promise.then(resolve, reject).finally(() => {
          if (lost === fail) lost = undefined;
        });
      }),
  };
  return link;
}
