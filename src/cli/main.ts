/**
 * The entry point of the `audit-log-export` command: picks the command,
 * parses its flags, runs it, and maps the outcome to an exit code. Runs in
 * Deno, Node and Bun alike (only `node:` modules and web APIs).
 *
 * @module
 */

import process from "node:process";
import { VERSION } from "../../mod.ts";
import { redactor } from "../errors.ts";
import { parseArgs, type ParsedArgs, suggest } from "./args.ts";
import { runArchive } from "./archive.ts";
import {
  runCreate,
  runDownload,
  runExport,
  runGet,
  runWait,
} from "./commands.ts";
import type { Context } from "./context.ts";
import { runDemo } from "./demo.ts";
import { runRead } from "./read.ts";
import { runSummary } from "./summary.ts";
import { runVerify } from "./verify.ts";
import { Interrupted, StdoutClosed, UsageError } from "./errors.ts";
import { commandHelp, mainHelp } from "./help.ts";
import { type CliIO, processIO } from "./io.ts";
import { Progress } from "./progress.ts";
import { terminalOf } from "./terminal.ts";
import { report } from "./report.ts";
import {
  type CommandFlags,
  type CommandName,
  COMMANDS,
  type CommandSpec,
  commandSpec,
  findCommand,
  PROGRAM,
} from "./spec.ts";

export type { CliIO } from "./io.ts";

/** What a command runs with besides its flags. */
interface Launch {
  readonly io: CliIO;
  readonly spec: CommandSpec;
  readonly signal: AbortSignal;
}

/**
 * The flags read here, before a command's runner: every command must
 * declare them, or its line in {@link RUNNERS} does not compile.
 */
type CommonFlags = { help: "boolean"; json: "boolean"; quiet: "boolean" };

/** Prints the command's help, or builds its context and runs it. */
async function start<F extends CommonFlags>(
  args: ParsedArgs<F>,
  { io, spec, signal }: Launch,
  run: (ctx: Context<F>) => Promise<number>,
): Promise<number> {
  const common: ParsedArgs<CommonFlags> = args;
  if (common.bool("help")) {
    await io.stdout(commandHelp(spec));
    return 0;
  }
  const json = common.bool("json");
  const terminal = terminalOf({
    isTTY: io.isTTY,
    env: io.env,
    columns: io.columns,
  });
  const progress = new Progress(io.stderr, {
    tty: terminal.tty,
    quiet: json || common.bool("quiet"),
    now: io.now,
    style: terminal,
  });
  try {
    return await run({ io, args, spec, signal, progress, terminal, json });
  } finally {
    progress.close();
  }
}

/** Each command's runner, given the arguments parsed by its own spec. */
const RUNNERS: {
  readonly [C in CommandName]: (
    args: ParsedArgs<CommandFlags<C>>,
    launch: Launch,
  ) => Promise<number>;
} = {
  create: (args, launch) => start(args, launch, runCreate),
  get: (args, launch) => start(args, launch, runGet),
  wait: (args, launch) => start(args, launch, runWait),
  download: (args, launch) => start(args, launch, runDownload),
  export: (args, launch) => start(args, launch, runExport),
  archive: (args, launch) => start(args, launch, runArchive),
  verify: (args, launch) => start(args, launch, runVerify),
  read: (args, launch) => start(args, launch, runRead),
  summary: (args, launch) => start(args, launch, runSummary),
  demo: (args, launch) => start(args, launch, runDemo),
};

/** Parses the arguments of the command `name` and runs it. */
function runCommand<C extends CommandName>(
  name: C,
  args: readonly string[],
  launch: Launch,
): Promise<number> {
  return RUNNERS[name](parseArgs(args, commandSpec(name)), launch);
}

/**
 * Routes SIGINT and SIGTERM to `controller`, so a running download stops
 * and removes its temporary file instead of dying mid-write. A second
 * signal exits at once. Returns the function that removes the handlers.
 */
function trapSignals(controller: AbortController): () => void {
  const installed: [string, () => void][] = [];
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => {
      const code = new Interrupted({ signal: name }).exitCode;
      if (controller.signal.aborted) process.exit(code);
      controller.abort(new Interrupted({ signal: name }));
    };
    try {
      process.on(name, handler);
      installed.push([name, handler]);
    } catch {
      // Some platforms (Deno on Windows) cannot listen for SIGTERM.
    }
  }
  return () => {
    for (const [name, handler] of installed) process.off(name, handler);
  };
}

/**
 * Text written through `io` with the API key scrubbed, as a last line of
 * defence behind the library's own redaction; data bytes (CSV, NDJSON)
 * pass untouched. Messages on stderr also lose any `Bearer` credential;
 * stdout, which carries data, only the key.
 */
function scrubbed(io: CliIO): CliIO {
  const key = io.env("WORKOS_API_KEY");
  const data = redactor([key], { bearer: false });
  const messages = redactor([key]);
  return {
    ...io,
    stdout: (chunk) =>
      io.stdout(typeof chunk === "string" ? data.text(chunk) : chunk),
    stderr: (text) => io.stderr(messages.text(text)),
  };
}

async function dispatch(
  args: readonly string[],
  io: CliIO,
  signal: AbortSignal,
  current: { spec?: CommandSpec },
): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined) {
    // The demo is the embedded default: a first run shows the whole job.
    io.stderr(
      `No command given: running the demo against the built-in emulator (see ${PROGRAM} --help).\n`,
    );
    return dispatch(["demo"], io, signal, current);
  }
  if (first === "--help" || first === "-h") {
    await io.stdout(mainHelp());
    return 0;
  }
  if (first === "--version") {
    await io.stdout(`${PROGRAM} ${VERSION}\n`);
    return 0;
  }
  if (first === "help") {
    const topic = rest[0] === undefined ? undefined : findCommand(rest[0]);
    // `help help` asks about help itself: the main help is the answer.
    if (rest[0] !== undefined && rest[0] !== "help" && !topic) {
      throw new UsageError({
        message: `no help for unknown command '${rest[0]}'`,
      });
    }
    await io.stdout(topic ? commandHelp(topic) : mainHelp());
    return 0;
  }
  const spec = findCommand(first);
  if (!spec) {
    const names = COMMANDS.map((c) => c.name);
    throw new UsageError({
      message: first.startsWith("-")
        ? `expected a command before ${first}`
        : `unknown command '${first}'${suggest(first, names)}`,
    });
  }
  current.spec = spec;
  return await runCommand(spec.name, rest, { io, spec, signal });
}

/**
 * Runs the CLI with `args` (the arguments after the program name) and
 * resolves with the exit code: 0 success, 1 API/network/file failure,
 * 2 bad usage or invalid input, 3 an archive with a gap, 4 an archive
 * that failed verification, 130/143 interrupted. Never rejects and
 * never exits the process itself, so it can run in-process in tests.
 *
 * @param args The command line, e.g. `["export", "--org", "org_1", "--from", "30d"]`.
 * @param io Overrides of the process's stdout, stderr, environment, TTY flag, cwd, clock and cancel signal.
 *
 * @example
 * ```ts
 * import { main } from "@audit-log/export/cli";
 * const code = await main(["get", "audit_log_export_123", "--json"]);
 * console.error("exit code", code);
 * ```
 */
export async function main(
  args: string[],
  io: Partial<CliIO> = {},
): Promise<number> {
  const full = scrubbed(processIO(io));
  const controller = new AbortController();
  const release = io.signal ? undefined : trapSignals(controller);
  const signal = io.signal ?? controller.signal;
  const current: { spec?: CommandSpec } = {};
  try {
    return await dispatch(args, full, signal, current);
  } catch (error) {
    if (error instanceof StdoutClosed) return 0;
    if (signal.aborted && !(error instanceof Interrupted)) {
      // Whatever broke on the way out, the cause is the interruption.
      const reason = signal.reason;
      return report(
        reason instanceof Interrupted ? reason : new Interrupted(),
        full.stderr,
      );
    }
    return report(error, full.stderr, current.spec);
  } finally {
    release?.();
  }
}

/** Runs `main` with the real process's arguments and exits with its code. */
export function runAsProcess(): void {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
