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
 * The bytes of an export's CSV can be summarized without typed events
 * ({@link summarizeCsv}): only the cells the summary needs are read, and
 * the summary is the same.
 *
 * Web APIs only: runs wherever the library does.
 *
 * @module
 */

import { type CsvRecordText, parseCsvTable } from "./csv.ts";
import { CsvParseError } from "./errors.ts";
import {
  listedTargets,
  objectCells,
  occurredAtReader,
  planEvents,
} from "./event_cells.ts";
import { type AuditLogEvent, unplacedRow } from "./events.ts";

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

/**
 * A few characters of a key and its length, mixed: where the key stands in
 * a table of recent keys. Keys read from a file are new strings every
 * time, which a `Map` must hash whole before it can look one up; keys that
 * repeat are found in front of it by this and one `===`. Keys that share
 * the sampled characters share a slot, which only sends more of them on to
 * the map.
 */
function fingerprint(key: string): number {
  const n = key.length;
  if (n === 0) return 0;
  return n * 961 + key.charCodeAt(n - 1) * 31 + key.charCodeAt(n >> 1) +
    key.charCodeAt(n >> 2) * 7;
}

/** Slots of a table of recent keys: a power of two. */
const RECENT_SLOTS = 256;

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
  /** Entries by the fingerprint of their key, which may have changed since. */
  readonly #recent: (Entry | undefined)[] = new Array(RECENT_SLOTS).fill(
    undefined,
  );
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
    const slot = fingerprint(key) & (RECENT_SLOTS - 1);
    let known = this.#recent[slot];
    if (known === undefined || known.key !== key) {
      known = this.#entries.get(key);
      if (known) this.#recent[slot] = known;
    }
    if (known) {
      known.count++;
      if (!this.#exact) this.#down(known.at);
      return;
    }
    if (this.#heap.length < this.#capacity) {
      const entry = { key, count: 1, error: 0, at: this.#heap.length };
      this.#heap.push(entry);
      this.#entries.set(key, entry);
      this.#recent[slot] = entry;
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
    this.#recent[slot] = least;
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
  /** The last event's bucket, as epoch ms from its start to its end. */
  #lastStart = NaN;
  #lastEnd = NaN;
  #last: { n: number } = { n: 0 };

  constructor(maxDays: number) {
    this.#maxDays = maxDays;
  }

  /** Buckets held now; never more than `maxDays`. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Counts an event at `time`, epoch ms. */
  add(time: number): void {
    // Events come in time order, so most fall in the last one's bucket:
    // two comparisons spare the division and the map.
    if (!(time >= this.#lastStart && time < this.#lastEnd)) {
      const span = this.#size * DAY_MS;
      const bucket = Math.floor(time / span) * this.#size;
      let counter = this.#buckets.get(bucket);
      if (!counter) {
        counter = { n: 0 };
        this.#buckets.set(bucket, counter);
      }
      this.#lastStart = bucket * DAY_MS;
      this.#lastEnd = this.#lastStart + span;
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
    this.#lastStart = this.#lastEnd = NaN;
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
 * The tallies both ways in share: typed events, and the cells of CSV rows
 * read where they stand, which must come to the same summary.
 */
class Tally {
  readonly top: number;
  readonly actions: SpaceSaving;
  readonly actors: SpaceSaving;
  readonly targetTypes: SpaceSaving;
  readonly days: DayCounts;
  events = 0;
  first = Infinity;
  last = -Infinity;

  constructor(options: Omit<SummaryOptions, "signal">) {
    this.top = wholeOption("top", options.top, DEFAULT_TOP, 0);
    const capacity = wholeOption(
      "capacity",
      options.capacity,
      Math.max(DEFAULT_CAPACITY, this.top),
      Math.max(1, this.top),
    );
    this.actions = new SpaceSaving(capacity);
    this.actors = new SpaceSaving(capacity);
    this.targetTypes = new SpaceSaving(capacity);
    this.days = new DayCounts(
      wholeOption("maxDays", options.maxDays, DEFAULT_MAX_DAYS, 2),
    );
  }

  get held(): number {
    return this.actions.size + this.actors.size + this.targetTypes.size +
      this.days.size;
  }

  /**
   * Counts one event but its targets, which the caller adds to
   * `targetTypes`. A time that is NaN is counted in no day.
   */
  count(action: string, actor: string, time: number): void {
    this.events++;
    this.actions.add(action);
    this.actors.add(actor);
    if (Number.isNaN(time)) return;
    if (time < this.first) this.first = time;
    if (time > this.last) this.last = time;
    this.days.add(time);
  }

  result(): EventSummary {
    const dated = this.first <= this.last;
    return {
      events: this.events,
      first: dated ? new Date(this.first) : null,
      last: dated ? new Date(this.last) : null,
      actions: this.actions.top(this.top),
      actors: this.actors.top(this.top),
      targetTypes: this.targetTypes.top(this.top),
      ...this.days.entries(),
      exact: {
        actions: this.actions.exact,
        actors: this.actors.exact,
        targetTypes: this.targetTypes.exact,
      },
    };
  }
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
  readonly #tally: Tally;

  /**
   * Creates an empty summary.
   *
   * @param options `top`, `capacity` and `maxDays`, as for `summarizeEvents`.
   * @throws RangeError for options that are not whole numbers in range.
   */
  constructor(options: Omit<SummaryOptions, "signal"> = {}) {
    this.#tally = new Tally(options);
  }

  /** Keys and day buckets held now: bounded by the options, not by the events. */
  get held(): number {
    return this.#tally.held;
  }

  /** Counts one event. An event without a valid time is counted, but in no day. */
  add(event: AuditLogEvent): void {
    const tally = this.#tally;
    tally.count(event.action, event.actor.id, event.occurredAt.getTime());
    const targets = event.targets;
    for (let i = 0; i < targets.length; i++) {
      tally.targetTypes.add(targets[i].type);
    }
  }

  /** The summary of the events added so far. */
  result(): EventSummary {
    return this.#tally.result();
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
 * for something else too. For the bytes of an export's CSV,
 * {@link summarizeCsv} comes to the same summary faster.
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

/** What the row counter hands on now and then, to let pending promises run. */
const PAUSE = true;
/**
 * Rows counted between two pauses. A source's next read may wait on
 * promise steps of its own before it asks for the bytes (a Node file
 * handle's does): parsed through without a pause, a chunk would be used up
 * before its successor was asked for, and every read waited for in full.
 * One pause per few hundred bytes' rows keeps the next read under way
 * while this one is parsed, for the cost of a settled promise.
 */
const PAUSE_ROWS = 64;

/**
 * The builder `parseCsvTable` calls per record: it counts the row into
 * `tally` and hands on nothing but a pause every {@link PAUSE_ROWS} rows,
 * so the parser runs through the bytes it has without settling a promise
 * per row. Every cell `exportEvents` would refuse is checked, in its
 * order, before the row is counted.
 */
function rowCounter(tally: Tally, signal: AbortSignal | undefined) {
  return (
    header: string[],
    headerLine: number,
  ): (
    fields: string[],
    line: number,
    record: CsvRecordText,
  ) => typeof PAUSE | undefined => {
    // The header and every cell are checked as `exportEvents` checks them,
    // by the same code: a file without events must not get a summary.
    const plan = planEvents(header, headerLine);
    const { action: actionAt, occurredAt: timeAt, actorId, targets } = plan;
    const objectCell = objectCells(header, false);
    const occurredAt = occurredAtReader();
    const targetTypes = tally.targetTypes;
    return (fields, line, record) => {
      if (signal?.aborted) signal.throwIfAborted();
      const action = fields[actionAt];
      if (action === "") {
        throw new CsvParseError({ message: "The row has no action", line });
      }
      const when = fields[timeAt];
      const time = occurredAt(when);
      if (time === undefined) throw unplacedRow(when, line);
      for (let k = 0; k < targets.length; k++) {
        const at = targets[k].metadata;
        if (at >= 0) objectCell(fields, at, line, record);
      }
      const listed = plan.targetsJson < 0
        ? undefined
        : listedTargets(fields, plan.targetsJson, header, line);
      if (plan.actorMetadata >= 0) {
        objectCell(fields, plan.actorMetadata, line, record);
      }
      if (plan.metadata >= 0) objectCell(fields, plan.metadata, line, record);

      tally.count(action, actorId < 0 ? "" : fields[actorId], time);
      for (let k = 0; k < targets.length; k++) {
        const t = targets[k];
        const type = t.type < 0 ? "" : fields[t.type];
        // Events narrower than the file leave their extra target cells empty.
        if (
          type !== "" || (t.id >= 0 && fields[t.id] !== "") ||
          (t.name >= 0 && fields[t.name] !== "") ||
          (t.metadata >= 0 && fields[t.metadata] !== "")
        ) {
          targetTypes.add(type);
        }
      }
      if (listed) {
        for (const t of listed) targetTypes.add(t.type);
      }
      return tally.events % PAUSE_ROWS === 0 ? PAUSE : undefined;
    };
  };
}

/**
 * Summarizes the bytes of an export's CSV: the summary
 * `summarizeEvents(exportEvents(stream))` gives, without building an event
 * per row. Only the cells the summary counts are read (`action`,
 * `occurred_at`, `actor_id`, the target columns), and the ones
 * `exportEvents` would refuse are checked, so a file it rejects is rejected
 * here too, with the same `CsvParseError` and line: an export that does not
 * parse gets no summary. Memory is bounded as for {@link summarizeEvents}.
 *
 * Rejects with a RangeError for options that are not whole numbers in
 * range, and with the signal's reason if it is already aborted, before
 * anything is read. Once reading, a failure or an abort cancels the
 * stream.
 *
 * @param stream UTF-8 CSV bytes in the layout of an export.
 * @param options `top`, `capacity`, `maxDays` and `signal`.
 * @returns The summary of the file's events.
 * @throws {CsvParseError} Where `exportEvents` would throw it.
 *
 * @example
 * ```ts
 * import { summarizeCsv } from "@audit-log/export";
 * const csv = "action,occurred_at,actor_id,target_id_1,target_type_1\n" +
 *   "user.signed_in,2026-11-01T09:30:00Z,user_1,team_1,team\n" +
 *   "user.signed_out,2026-11-02T17:00:00Z,user_1,,\n";
 * const summary = await summarizeCsv(new Blob([csv]).stream());
 * console.log(summary.events, summary.actors); // 2 [["user_1", 2]]
 * console.log(summary.targetTypes, summary.perDay.length); // [["team", 1]] 2
 * ```
 */
export async function summarizeCsv(
  stream: ReadableStream<Uint8Array>,
  options: SummaryOptions = {},
): Promise<EventSummary> {
  const tally = new Tally(options);
  const { signal } = options;
  signal?.throwIfAborted();
  for await (const _ of parseCsvTable(stream, rowCounter(tally, signal))) {
    // Only pauses come: the rows were counted as they were parsed.
  }
  return tally.result();
}
