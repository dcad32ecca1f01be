/**
 * A summary of an export's events in one pass and bounded memory: how many,
 * their time span, the most frequent actions, actors and target types, and
 * how many fell on each day.
 *
 * Memory does not grow with the file. Each of the three tallies keeps at
 * most `capacity` keys (default {@link DEFAULT_CAPACITY}): while a file has
 * no more distinct keys than that, every count is exact. Past it, the tally
 * becomes a space-saving top-k (Metwally, Agrawal and El Abbadi, 2005): a
 * new key takes the place of the least counted one and inherits its count.
 * Then
 *
 * - every key counted more than `events / capacity` times is in the tally,
 *   so a top entry is never missed for lack of room;
 * - a count may be too high, never too low, and by at most the count it
 *   inherited, itself at most `events / capacity` (per target, for target
 *   types); `exact` says which tallies had to do this.
 *
 * Days are counted exactly as long as the events fall on at most `maxDays`
 * distinct days (default {@link DEFAULT_MAX_DAYS}, ten years); past that,
 * neighbouring days are merged into buckets of 2, 4, 8… days, so counts stay
 * exact and only the resolution drops (`daysPerEntry`).
 *
 * Web APIs only: runs wherever the library does.
 *
 * @module
 */

import type { AuditLogEvent } from "./events.ts";

/** Keys a tally holds at most unless told otherwise. */
export const DEFAULT_CAPACITY = 1000;
/** Distinct days counted one by one unless told otherwise: ten years. */
export const DEFAULT_MAX_DAYS = 3660;
/** Entries in each top list unless told otherwise. */
export const DEFAULT_TOP = 10;

const DAY_MS = 86_400_000;

/**
 * Options of {@link summarizeEvents} and {@link EventSummarizer}.
 *
 * @example
 * ```ts
 * import { type SummaryOptions, summarizeEvents } from "@audit-log/export";
 * const options: SummaryOptions = { top: 5, capacity: 10_000 };
 * const summary = await summarizeEvents([], options);
 * console.log(summary.events); // 0
 * ```
 */
export interface SummaryOptions {
  /** Entries in each top list; default 10. */
  top?: number;
  /** Keys each tally holds at most (at least `top`); default 1000. */
  capacity?: number;
  /** Distinct days counted one by one before days are merged; default 3660. */
  maxDays?: number;
  /** Stops the summary, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * What a stream of events amounts to.
 *
 * @example
 * ```ts
 * import { type EventSummary, summarizeEvents } from "@audit-log/export";
 * const summary: EventSummary = await summarizeEvents([]);
 * console.log(summary.first, summary.perDay); // null []
 * ```
 */
export interface EventSummary {
  /** Events read. */
  events: number;
  /** The earliest `occurredAt`; `null` without events. */
  first: Date | null;
  /** The latest `occurredAt`; `null` without events. */
  last: Date | null;
  /** The most frequent actions, most frequent first (ties by name). */
  actions: [name: string, count: number][];
  /** The most frequent actors by id. */
  actors: [id: string, count: number][];
  /** The most frequent target types, each target counted once. */
  targetTypes: [type: string, count: number][];
  /**
   * Events per UTC day (`YYYY-MM-DD`), oldest first; only days with events.
   * With `daysPerEntry` above 1, each entry is the first day of a bucket of
   * that many days.
   */
  perDay: [day: string, count: number][];
  /** Days in each `perDay` entry: 1 unless the events spread over more than `maxDays` days. */
  daysPerEntry: number;
  /** Which top lists are exact counts (false once more keys came than the capacity). */
  exact: { actions: boolean; actors: boolean; targetTypes: boolean };
}

/** A tallied key: its count, the count it inherited, and where it is in the heap. */
interface Entry {
  key: string;
  count: number;
  error: number;
  at: number;
}

/**
 * Counts keys in at most `capacity` entries: exactly until a key more than
 * that arrives, then as a space-saving top-k. The least counted entry is
 * found through a min-heap on count, built only when the first key has to
 * be evicted (an exact count needs no order); frequent keys sink to the
 * leaves, where a further count costs no moves.
 */
export class SpaceSaving {
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();
  readonly #heap: Entry[] = [];
  #exact = true;

  /** @param capacity Keys held at most; at least 1. */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `capacity must be a whole number from 1, not ${capacity}`,
      );
    }
    this.#capacity = capacity;
  }

  /** Keys held now; never more than the capacity. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether every count is exact: no key was ever evicted. */
  get exact(): boolean {
    return this.#exact;
  }

  /** Counts one more of `key`. */
  add(key: string): void {
    const known = this.#entries.get(key);
    if (known) {
      known.count++;
      if (!this.#exact) this.#down(known.at);
      return;
    }
    if (this.#heap.length < this.#capacity) {
      const entry = { key, count: 1, error: 0, at: this.#heap.length };
      this.#heap.push(entry);
      this.#entries.set(key, entry);
      return;
    }
    if (this.#exact) {
      // The first eviction: put the entries in heap order once.
      this.#exact = false;
      for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#down(i);
    }
    // Full: the least counted key gives its place, and its count, to this one.
    const least = this.#heap[0];
    this.#entries.delete(least.key);
    least.key = key;
    least.error = least.count;
    least.count++;
    this.#entries.set(key, least);
    this.#down(0);
  }

  /** The `n` highest counts, highest first, ties by key. */
  top(n: number): [string, number][] {
    return [...this.#entries.values()]
      .sort((a, b) =>
        b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
      )
      .slice(0, n)
      .map((e) => [e.key, e.count]);
  }

  #swap(i: number, j: number): void {
    const heap = this.#heap;
    [heap[i], heap[j]] = [heap[j], heap[i]];
    heap[i].at = i;
    heap[j].at = j;
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const child = right < heap.length && heap[right].count < heap[left].count
        ? right
        : left;
      if (heap[i].count <= heap[child].count) return;
      this.#swap(i, child);
      i = child;
    }
  }
}

/**
 * Events per day in at most `maxDays` entries: day numbers since the epoch,
 * merged into buckets of twice the size whenever there are more.
 */
class DayCounts {
  readonly #maxDays: number;
  #buckets = new Map<number, { n: number }>();
  #size = 1;
  // Events come in time order, so most fall in the bucket of the last one.
  #lastBucket = NaN;
  #last: { n: number } = { n: 0 };

  constructor(maxDays: number) {
    this.#maxDays = maxDays;
  }

  /** Buckets held now; never more than `maxDays`. */
  get size(): number {
    return this.#buckets.size;
  }

  add(day: number): void {
    const bucket = Math.floor(day / this.#size) * this.#size;
    if (bucket !== this.#lastBucket) {
      let counter = this.#buckets.get(bucket);
      if (!counter) {
        counter = { n: 0 };
        this.#buckets.set(bucket, counter);
      }
      this.#lastBucket = bucket;
      this.#last = counter;
    }
    this.#last.n++;
    while (this.#buckets.size > this.#maxDays) this.#merge();
  }

  #merge(): void {
    const size = this.#size * 2;
    const merged = new Map<number, { n: number }>();
    for (const [day, { n }] of this.#buckets) {
      const bucket = Math.floor(day / size) * size;
      const counter = merged.get(bucket);
      if (counter) counter.n += n;
      else merged.set(bucket, { n });
    }
    this.#buckets = merged;
    this.#size = size;
    this.#lastBucket = NaN;
  }

  entries(): { perDay: [string, number][]; daysPerEntry: number } {
    const perDay = [...this.#buckets].sort((a, b) => a[0] - b[0]).map((
      [day, { n }],
    ): [string, number] => [
      new Date(day * DAY_MS).toISOString().split("T")[0],
      n,
    ]);
    return { perDay, daysPerEntry: this.#size };
  }
}

/** `n` when it is a whole number at least `min`; a RangeError naming `name` otherwise. */
function wholeOption(
  name: string,
  n: number | undefined,
  fallback: number,
  min: number,
): number {
  const value = n ?? fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `${name} must be a whole number from ${min}, not ${value}`,
    );
  }
  return value;
}

/**
 * The summary built one event at a time, for a caller that already reads
 * the events for something else (and so cannot hand over an iterable).
 *
 * @example
 * ```ts
 * import { EventSummarizer, exportEvents } from "@audit-log/export";
 * const csv = "action,occurred_at,actor_id,actor_type\nuser.signed_in,2026-11-01T09:30:00Z,user_1,user\n";
 * const summarizer = new EventSummarizer({ top: 3 });
 * for await (const event of exportEvents(new Blob([csv]).stream())) {
 *   summarizer.add(event); // … and write the event somewhere
 * }
 * console.log(summarizer.result().actions); // [["user.signed_in", 1]]
 * ```
 */
export class EventSummarizer {
  readonly #top: number;
  readonly #actions: SpaceSaving;
  readonly #actors: SpaceSaving;
  readonly #targetTypes: SpaceSaving;
  readonly #days: DayCounts;
  #events = 0;
  #first = Infinity;
  #last = -Infinity;

  /**
   * Creates an empty summary.
   *
   * @param options `top`, `capacity` and `maxDays`, as for `summarizeEvents`.
   * @throws RangeError for options that are not whole numbers in range.
   */
  constructor(options: Omit<SummaryOptions, "signal"> = {}) {
    this.#top = wholeOption("top", options.top, DEFAULT_TOP, 0);
    const capacity = wholeOption(
      "capacity",
      options.capacity,
      Math.max(DEFAULT_CAPACITY, this.#top),
      Math.max(1, this.#top),
    );
    this.#actions = new SpaceSaving(capacity);
    this.#actors = new SpaceSaving(capacity);
    this.#targetTypes = new SpaceSaving(capacity);
    this.#days = new DayCounts(
      wholeOption("maxDays", options.maxDays, DEFAULT_MAX_DAYS, 2),
    );
  }

  /** Keys and day buckets held now: bounded by the options, not by the events. */
  get held(): number {
    return this.#actions.size + this.#actors.size + this.#targetTypes.size +
      this.#days.size;
  }

  /** Counts one event. An event without a valid time is counted, but in no day. */
  add(event: AuditLogEvent): void {
    this.#events++;
    this.#actions.add(event.action);
    this.#actors.add(event.actor.id);
    for (const target of event.targets) this.#targetTypes.add(target.type);
    const time = event.occurredAt.getTime();
    if (Number.isNaN(time)) return;
    if (time < this.#first) this.#first = time;
    if (time > this.#last) this.#last = time;
    this.#days.add(Math.floor(time / DAY_MS));
  }

  /** The summary of the events added so far. */
  result(): EventSummary {
    const dated = this.#first <= this.#last;
    return {
      events: this.#events,
      first: dated ? new Date(this.#first) : null,
      last: dated ? new Date(this.#last) : null,
      actions: this.#actions.top(this.#top),
      actors: this.#actors.top(this.#top),
      targetTypes: this.#targetTypes.top(this.#top),
      ...this.#days.entries(),
      exact: {
        actions: this.#actions.exact,
        actors: this.#actors.exact,
        targetTypes: this.#targetTypes.exact,
      },
    };
  }
}

/**
 * Summarizes a stream of events (`exportEvents`, `readArchive`, …) in one
 * pass. Memory stays within the options' bounds however long the stream:
 * see the module's notes for when counts are exact and how far off they
 * can be when not.
 *
 * `for await (const e of …) summarizer.add(e)` with an
 * {@link EventSummarizer} does the same for a caller that reads the events
 * for something else too.
 *
 * Rejects with a RangeError for options that are not whole numbers in
 * range, before anything is read.
 *
 * @example
 * ```ts
 * import { exportEvents, summarizeEvents } from "@audit-log/export";
 * const summary = await summarizeEvents(exportEvents({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: "2026-11-01T00:00:00Z",
 *   rangeEnd: "2026-11-08T00:00:00Z",
 * }));
 * console.log(summary.events, summary.actions[0]); // e.g. 1234 ["user.signed_in", 800]
 * ```
 */
export async function summarizeEvents(
  events: AsyncIterable<AuditLogEvent> | Iterable<AuditLogEvent>,
  options: SummaryOptions = {},
): Promise<EventSummary> {
  const summarizer = new EventSummarizer(options);
  const { signal } = options;
  signal?.throwIfAborted();
  for await (const event of events) {
    summarizer.add(event);
    signal?.throwIfAborted();
  }
  return summarizer.result();
}
