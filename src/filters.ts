/**
 * The filters of an export, in one table: their option names, the names on
 * the wire and the other spellings accepted. The option schema and the
 * request body are derived from it; the CLI's flags are keyed by its option
 * names (`src/cli/filter_flags.ts`), so the compiler asks for a flag when a
 * filter is added. The flags live apart because their help text has no place
 * in a bundle that only creates exports. (The emulator keeps its own list, as
 * the API does; a test checks that the two agree.)
 *
 * @module
 */

/** The option name of a filter, camelCase. */
export type FilterOption = "actions" | "actorIds" | "actorNames" | "targets";

/** One filter of `createExport`. */
export interface Filter {
  /** The option name, camelCase. */
  readonly option: FilterOption;
  /** The body member on the wire. */
  readonly wire: "actions" | "actor_ids" | "actor_names" | "targets";
  /** Other spellings of the option, accepted as the same filter. */
  readonly aliases: readonly ("actor_ids" | "actor_names" | "actors")[];
}

/** Every filter, in the order of the request body. */
export const FILTERS: readonly Filter[] = [
  { option: "actions", wire: "actions", aliases: [] },
  {
    option: "actorNames",
    wire: "actor_names",
    aliases: ["actor_names", "actors"],
  },
  { option: "actorIds", wire: "actor_ids", aliases: ["actor_ids"] },
  { option: "targets", wire: "targets", aliases: [] },
];
