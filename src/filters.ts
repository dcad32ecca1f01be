/**
 * The filters of an export, in one table: their option names, the names on
 * the wire and the other spellings accepted, and their command-line flags.
 * The option schema, the request body, the CLI's flags, its parsing and its
 * error messages are all derived from it, so adding a filter is one row.
 * (The emulator keeps its own list, as the API does; a test checks that the
 * two agree.)
 *
 * @module
 */

/** One filter of `createExport`. */
export interface Filter {
  /** The option name, camelCase. */
  readonly option: "actions" | "actorIds" | "actorNames" | "targets";
  /** The body member on the wire. */
  readonly wire: "actions" | "actor_ids" | "actor_names" | "targets";
  /** Other spellings of the option, accepted as the same filter. */
  readonly aliases: readonly ("actor_ids" | "actor_names" | "actors")[];
  /** The CLI flag, without dashes. */
  readonly flag: string;
  /** The flag's placeholder in help. */
  readonly arg: string;
  /** Whether a flag value with commas is several values: names of things that have none. */
  readonly split: boolean;
  /** One line of help for the flag. */
  readonly help: string;
}

/** Every filter, in the order of the request body. */
export const FILTERS: readonly Filter[] = [
  {
    option: "actions",
    wire: "actions",
    aliases: [],
    flag: "action",
    arg: "<action>",
    split: true,
    help:
      "Only this action, e.g. user.signed_in. Repeatable; a,b gives two actions.",
  },
  {
    option: "actorNames",
    wire: "actor_names",
    aliases: ["actor_names", "actors"],
    flag: "actor-name",
    arg: "<name>",
    split: false,
    help:
      "Only events by an actor with this name. Repeatable; never split on commas.",
  },
  {
    option: "actorIds",
    wire: "actor_ids",
    aliases: ["actor_ids"],
    flag: "actor-id",
    arg: "<id>",
    split: true,
    help: "Only events by this actor id. Repeatable; a,b gives two ids.",
  },
  {
    option: "targets",
    wire: "targets",
    aliases: [],
    flag: "target",
    arg: "<type>",
    split: true,
    help:
      "Only events with a target of this type, e.g. team. Repeatable; a,b gives two types.",
  },
];
