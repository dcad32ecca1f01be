/**
 * The filters of an export, in one table: their option names, the names on
 * the wire and the other spellings accepted. Everything else is derived from
 * it: the option rules and the request body (`src/schemas.ts`), the
 * emulator's reading of a request (`src/emulator/validate.ts`), and the
 * CLI's flags, which are keyed by the option names
 * (`src/cli/filter_flags.ts`). A new row makes the compiler ask for the
 * rest, first in `src/schemas.ts` (the option's field and its doc). The
 * flags live apart because their help text has no place in a bundle that
 * only creates exports.
 *
 * @module
 */

/** What a row of {@link FILTERS} holds. */
interface FilterRow {
  /** The option name, camelCase. */
  readonly option: string;
  /** The body member on the wire, snake_case. */
  readonly wire: string;
  /** Other spellings of the option, accepted as the same filter. */
  readonly aliases: readonly string[];
}

/** Every filter, in the order of the request body. */
export const FILTERS = [
  { option: "actions", wire: "actions", aliases: [] },
  {
    option: "actorNames",
    wire: "actor_names",
    aliases: ["actor_names", "actors"],
  },
  { option: "actorIds", wire: "actor_ids", aliases: ["actor_ids"] },
  { option: "targets", wire: "targets", aliases: [] },
] as const satisfies readonly FilterRow[];

/** One filter of `createExport`. */
export type Filter = (typeof FILTERS)[number];

/** The option name of a filter, camelCase. */
export type FilterOption = Filter["option"];

/** The body member of a filter on the wire. */
export type FilterWire = Filter["wire"];

/** Every spelling `createExport` accepts for a filter: option names and aliases. */
export type FilterSpelling = FilterOption | Filter["aliases"][number];

/** Every spelling of a filter: its option name, then its aliases. */
export const spellings = (f: Filter): readonly FilterSpelling[] => [
  f.option,
  ...f.aliases,
];
