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
}

/** Links the caller's signal with a time budget (no budget when `ms` is `Infinity`). */
export function linkSignal(
  source: AbortSignal | undefined,
  ms: number,
): LinkedSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(source!.reason);
  if (source?.aborted) controller.abort(source.reason);
  else source?.addEventListener("abort", onAbort, { once: true });
  const timer = Number.isFinite(ms)
    ? setTimeout(() => {
      timedOut = true;
      controller.abort(
        new DOMException("The operation timed out.", "TimeoutError"),
      );
    }, ms)
    : undefined;
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    stopTimer() {
      clearTimeout(timer);
    },
    dispose() {
      clearTimeout(timer);
      source?.removeEventListener("abort", onAbort);
    },
  };
}
