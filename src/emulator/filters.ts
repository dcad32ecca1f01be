/**
 * The filters of an export as the emulator reads and applies them. Their
 * names on the wire come from the client's table (`src/filters.ts`), so a
 * filter added there is read here with no edit; how an event matches each
 * one is the API's business, and lives here, keyed by the wire name.
 *
 * @module
 */

import { FILTERS, type FilterWire } from "../filters.ts";
import type { EmulatorEvent } from "./types.ts";

/** The values of the filters of one export, by wire name. */
export type FilterValues = { [W in FilterWire]?: string[] };

/** Whether an event passes a filter with these values (a non-empty list). */
type Matcher = (event: EmulatorEvent, values: readonly string[]) => boolean;

/**
 * How an event matches each filter. A `Record` over every wire name, so a
 * filter added to the client's table does not compile until the emulator
 * knows how to apply it.
 */
const MATCHERS: Record<FilterWire, Matcher> = {
  actions: (event, values) => values.includes(event.action),
  actor_names: (event, values) =>
    event.actor.name !== undefined && values.includes(event.actor.name),
  actor_ids: (event, values) => values.includes(event.actor.id),
  targets: (event, values) =>
    event.targets.some((t) => values.includes(t.type)),
};

/**
 * Spellings the API still reads for a filter under another name: `actors`
 * is its deprecated name for `actor_names`, and both lists filter together.
 * The client sends each filter under its one wire name (its table's aliases
 * are spellings of options, not of body members), so these live here.
 */
const DEPRECATED: Readonly<Record<string, FilterWire>> = {
  actors: "actor_names",
};

/**
 * Every body member that holds a filter, with the filter it feeds. In the
 * order of the names, not of the client's table: the order of a 422's
 * errors is part of the answer, and must not change when the client's table
 * is reordered.
 */
export const FILTER_MEMBERS: readonly (readonly [string, FilterWire])[] = [
  ...FILTERS.map((f) => [f.wire, f.wire] as const),
  ...Object.entries(DEPRECATED),
].sort(([a], [b]) => (a < b ? -1 : 1));

/**
 * The test an export's filters make of an event: every filter with a
 * non-empty list must match (an empty or absent list selects everything).
 */
export function filterTest(
  filters: FilterValues,
): (event: EmulatorEvent) => boolean {
  // Compiled once per export, not once per event: an export reads every
  // stored event.
  const tests: ((event: EmulatorEvent) => boolean)[] = [];
  for (const f of FILTERS) {
    const values = filters[f.wire];
    if (values?.length) tests.push((e) => MATCHERS[f.wire](e, values));
  }
  return (event) => tests.every((test) => test(event));
}
