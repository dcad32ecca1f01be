/**
 * The emulator's log of the requests it received, for assertions in tests:
 * the most recent ones, with their API key redacted.
 *
 * @module
 */

import type { RecordedRequest } from "./types.ts";

/** Requests kept in `Emulator.requests`; older ones are dropped. */
const MAX_RECORDED = 10_000;

/** The requests of one emulator, oldest first, and each request's own entry. */
export class RequestLog {
  /** The entries, oldest first; trimmed in place, so a reference stays current. */
  readonly requests: RecordedRequest[] = [];
  // A request's entry, for the route that reads its body into it.
  readonly #entries = new WeakMap<Request, RecordedRequest>();
  readonly #apiKey: string;
  readonly #now: () => number;

  /**
   * @param apiKey The emulator's key: the log says whether it was sent, never what was.
   * @param now The emulator's clock, for each entry's time.
   */
  constructor(apiKey: string, now: () => number) {
    this.#apiKey = apiKey;
    this.#now = now;
  }

  /** Adds the entry of `request`, whose URL has the path `path`. */
  record(request: Request, path: string): void {
    const headers: Record<string, string> = {};
    // The log is for assertions, not a second copy of a key: it says only
    // whether the emulator's own key was sent.
    request.headers.forEach((v, k) =>
      headers[k] = k !== "authorization"
        ? v
        : v === `Bearer ${this.#apiKey}`
        ? "Bearer [emulator key]"
        : `${/^([A-Za-z]+) +\S/.exec(v)?.[1] ?? ""} [redacted]`.trim()
    );
    const entry = { method: request.method, path, headers, time: this.#now() };
    this.requests.push(entry);
    this.#entries.set(request, entry);
    // A long-lived emulator keeps its most recent requests, not all of them.
    if (this.requests.length > MAX_RECORDED + MAX_RECORDED / 10) {
      this.requests.splice(0, this.requests.length - MAX_RECORDED);
    }
  }

  /** The entry recorded for `request`. */
  entryOf(request: Request): RecordedRequest | undefined {
    return this.#entries.get(request);
  }
}
