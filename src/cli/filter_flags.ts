/**
 * The command-line flag of every export filter, keyed by the filter's option
 * name: a filter added to `src/filters.ts` without a flag here does not
 * compile.
 *
 * @module
 */

import { type Filter, type FilterOption, FILTERS } from "../filters.ts";

/** How one filter appears on the command line. */
export interface FilterFlag {
  /** The flag, without dashes. */
  readonly flag: string;
  /** The flag's placeholder in help. */
  readonly arg: string;
  /** Whether a flag value with commas is several values: names of things that have none. */
  readonly split: boolean;
  /** One line of help for the flag. */
  readonly help: string;
}

const FLAGS = {
  actions: {
    flag: "action",
    arg: "<action>",
    split: true,
    help:
      "Only this action, e.g. user.signed_in. Repeatable; a,b gives two actions.",
  },
  actorNames: {
    flag: "actor-name",
    arg: "<name>",
    split: false,
    help:
      "Only events by an actor with this name. Repeatable; never split on commas.",
  },
  actorIds: {
    flag: "actor-id",
    arg: "<id>",
    split: true,
    help: "Only events by this actor id. Repeatable; a,b gives two ids.",
  },
  targets: {
    flag: "target",
    arg: "<type>",
    split: true,
    help:
      "Only events with a target of this type, e.g. team. Repeatable; a,b gives two types.",
  },
} as const satisfies Record<FilterOption, FilterFlag>;

/**
 * A filter that has its flag above: every filter, once the table is whole.
 * The types below are read from the table rather than from `FILTERS`, so
 * that a filter without a flag is an error here and nowhere else.
 */
type FlaggedOption = keyof typeof FLAGS;

/** The flag of a filter, without dashes, e.g. `"actor-id"`. */
export type FilterFlagName = typeof FLAGS[FlaggedOption]["flag"];

/** Every filter with its flag, in the order of the request body. */
export const FILTER_FLAGS: readonly (
  & Filter
  & FilterFlag
  & { readonly option: FlaggedOption; readonly flag: FilterFlagName }
)[] = FILTERS.map((f) => ({ ...f, ...FLAGS[f.option] }));
