/**
 * The argument parser: `--flag value`, `--flag=value`, repeatable list flags,
 * `-h`, and `--` to end the flags. Every mistake is a {@link UsageError}
 * naming the flag, so the user learns what to fix, not just that it failed.
 *
 * @module
 */

import type {
  CommandSpec,
  FlagKind,
  FlagSpec,
  FlagTable,
  FlagTableOf,
} from "./spec.ts";
import { UsageError } from "./errors.ts";

/** The names of the flags of `F` that are of kind `K`. */
export type FlagOfKind<F extends FlagTable, K extends FlagKind> =
  & { [N in keyof F]: F[N] extends K ? N : never }[keyof F]
  & string;

/**
 * The flags and positionals of one command line, after parsing. `F` is the
 * command's flag table: `string`, `list` and `bool` accept only the names
 * it declares of their kind, so a misspelt or undeclared flag is a compile
 * error rather than a silent `undefined`.
 */
export class ParsedArgs<F extends FlagTable> {
  /**
   * Never set: it carries `F`, so that the arguments of a command pass
   * where code asks for `ParsedArgs<{ timeout: "string" }>` only when the
   * command declares `--timeout`, with one value. The methods read `F`
   * through their `this` rather than from the class: in a parameter, the
   * compiler would compare two tables the other way round, and refuse a
   * command's arguments wherever a helper asks for fewer flags.
   */
  declare readonly flags?: F;
  readonly #values: Map<string, string | string[] | true>;
  /** Positional arguments, in order. */
  readonly positionals: readonly string[];

  /**
   * @param values Flag values by long name.
   * @param positionals Positional arguments.
   */
  constructor(
    values: Map<string, string | string[] | true>,
    positionals: string[],
  ) {
    this.#values = values;
    this.positionals = positionals;
  }

  /** The value of a single-value flag, or `undefined` when absent. */
  string<T extends FlagTable>(
    this: ParsedArgs<T>,
    name: FlagOfKind<T, "string">,
  ): string | undefined {
    const v = this.#values.get(name);
    return typeof v === "string" ? v : undefined;
  }

  /** Every value of a repeatable flag, in order (empty when absent). */
  list<T extends FlagTable>(
    this: ParsedArgs<T>,
    name: FlagOfKind<T, "list">,
  ): string[] {
    const v = this.#values.get(name);
    return Array.isArray(v) ? v : [];
  }

  /** Whether a boolean flag was given. */
  bool<T extends FlagTable>(
    this: ParsedArgs<T>,
    name: FlagOfKind<T, "boolean">,
  ): boolean {
    return this.#values.get(name) === true;
  }
}

/** Edit distance, to suggest the flag a typo meant. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j] + 1,
        row[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length];
}

/** `" (did you mean X?)"` for the closest candidate, or `""` when none is close. */
export function suggest(
  word: string,
  candidates: readonly string[],
): string {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestScore) [best, bestScore] = [c, d];
  }
  return best !== undefined && bestScore <= Math.max(1, word.length / 3)
    ? ` (did you mean ${best}?)`
    : "";
}

/**
 * Parses the arguments after the command name. Single-value flags may be
 * given once; list flags collect every use. A value that starts with `-`
 * must be attached with `=` (`--actor-name=-bot-`), so `--org --from x`
 * reports the missing `--org` value instead of taking `--from` as an
 * organization id.
 */
export function parseArgs<S extends CommandSpec>(
  args: readonly string[],
  spec: S,
): ParsedArgs<FlagTableOf<S["flags"][number]>> {
  const values = new Map<string, string | string[] | true>();
  const positionals: string[] = [];
  const flags: readonly FlagSpec[] = spec.flags;
  const byLong = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(
    flags.filter((f) => f.short).map((f) => [f.short!, f]),
  );
  const known = flags.map((f) => `--${f.name}`);
  const fail = (message: string): never => {
    throw new UsageError({ message, command: spec });
  };

  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (token === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!token.startsWith("-") || token === "-") {
      positionals.push(token);
      continue;
    }
    let flag: FlagSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const name = eq < 0 ? token.slice(2) : token.slice(2, eq);
      if (eq >= 0) inline = token.slice(eq + 1);
      shown = `--${name}`;
      flag = byLong.get(name);
    } else {
      shown = token.slice(0, 2);
      flag = token.length === 2 ? byShort.get(token[1]) : undefined;
      if (!flag && token.length > 2 && byShort.has(token[1])) {
        // `-ofile` style: a short flag with its value glued on.
        flag = byShort.get(token[1]);
        inline = token.slice(2);
      }
      if (!flag) shown = token;
    }
    if (!flag) {
      fail(
        `unknown flag ${shown} for '${spec.name}'${suggest(shown, known)}`,
      );
    }
    const f = flag!;
    const label = `--${f.name}`;
    if (f.kind === "boolean") {
      if (inline !== undefined) fail(`${label} takes no value`);
      values.set(f.name, true);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-")) {
        fail(`${label} needs a value${f.arg ? ` ${f.arg}` : ""}`);
      }
      value = next;
      i++;
    }
    if (f.kind === "list") {
      const list = values.get(f.name);
      values.set(f.name, Array.isArray(list) ? [...list, value!] : [value!]);
    } else {
      if (values.has(f.name)) {
        // A second value silently winning could widen an export; refuse instead.
        fail(`${label} was given more than once`);
      }
      values.set(f.name, value!);
    }
  }

  if (!values.has("help")) {
    const want = spec.positionals;
    if (positionals.length < want.length) {
      fail(`missing <${want[positionals.length]}>`);
    }
    if (positionals.length > want.length) {
      fail(`unexpected argument '${positionals[want.length]}'`);
    }
  }
  return new ParsedArgs(values, positionals);
}
