/**
 * The CLI's commands and flags as data: the parser, the help text, the
 * error messages and the type of every flag read are all derived from this
 * one table, so they cannot drift. A runner reads its command's flags
 * through `ParsedArgs` (`args.ts`), which accepts only the names its
 * command declares here, each with the method of its kind: a misspelt
 * flag, or one the command does not declare, does not compile.
 *
 * To add a flag:
 *
 * 1. Write its {@link FlagSpec} here (`as const satisfies FlagSpec`) and put
 *    it in the `flags` of every command that takes it, where it should
 *    appear in that command's help; its parsing and help follow.
 * 2. Read it where it is used, `ctx.args.string("name")` (or `list`,
 *    `bool`), through a context whose flag table names it: a runner's
 *    `CommandContext<"command">` has every flag of its command; a helper
 *    shared by several commands states the flags it reads in its own
 *    table, e.g. `Context<{ timeout: "string" }>`, and every command that
 *    calls it must then declare them.
 * 3. Say what it does in the command's `details` or examples when the
 *    help line is not enough, and in the README's CLI section; test it in
 *    `tests/cli_<command>_test.ts`.
 *
 * (The flag of a new export filter is added with its filter, in
 * `filter_flags.ts`; `--org`, `--from`, `--to` and those flags form
 * `SELECTION_FLAGS` below.)
 *
 * @module
 */

import { FILTER_FLAGS } from "./filter_flags.ts";

/** How a flag takes its value. */
export type FlagKind = "string" | "list" | "boolean";

/**
 * One flag of a command. Declared `as const satisfies FlagSpec`, so that
 * its name and kind are literal types the flag tables below are made of.
 */
export interface FlagSpec {
  /** Long name without dashes, e.g. `"actor-id"`. */
  readonly name: string;
  /** `string`: one value; `list`: repeatable, each use adds one value; `boolean`: no value. */
  readonly kind: FlagKind;
  /** One-letter alias without the dash, e.g. `"h"`. */
  readonly short?: string;
  /** Placeholder of the value in help, e.g. `"<id>"`. */
  readonly arg?: string;
  /** One line of help. */
  readonly help: string;
}

/** One command of the CLI. */
export interface CommandSpec {
  /** The word that selects it, e.g. `"create"`. */
  readonly name: string;
  /** One line shown in the command list. */
  readonly summary: string;
  /** The usage line after the program name. */
  readonly usage: string;
  /** Names of the positional arguments it requires, in order. */
  readonly positionals: readonly string[];
  /** Every flag it accepts. */
  readonly flags: readonly FlagSpec[];
  /** Paragraphs after the flag list: output format, notes. */
  readonly details: readonly string[];
  /** Example invocations (without the program name). */
  readonly examples: readonly string[];
}

/**
 * Flags as code reads them: flag name (without dashes) → kind. A piece of
 * code states the flags it reads in such a table, e.g. `{ timeout:
 * "string"; verbose: "boolean" }`; a command's parsed arguments are
 * accepted there only if the command declares each of them, of that kind.
 */
export type FlagTable = { readonly [name: string]: FlagKind };

/** The table of a union of flag specs: each flag's name → its kind. */
export type FlagTableOf<F extends FlagSpec> = {
  readonly [S in F as S["name"]]: S["kind"];
};

/** The program name, as installed. */
export const PROGRAM = "audit-log-export";

/** The values of `--format`. */
export const FORMATS = ["csv", "ndjson"] as const;

/** What `download` and `export` write: the CSV as exported, or one JSON event per line. */
export type OutputFormat = typeof FORMATS[number];

const HELP = {
  name: "help",
  kind: "boolean",
  short: "h",
  help: "Show this help and exit.",
} as const satisfies FlagSpec;

const JSON_FLAG = {
  name: "json",
  kind: "boolean",
  help: "Print machine-readable JSON on stdout; no progress on stderr.",
} as const satisfies FlagSpec;

/**
 * Named for what it does to the output, and off by default: the signature
 * of a presigned URL is a credential to the file, and the JSON of these
 * commands ends up in cron mail and CI logs.
 */
const SHOW_URL = {
  name: "show-url",
  kind: "boolean",
  help:
    "Print the export's download URL whole, with its signature (anyone who has it can download the file until it expires). Default: without its query.",
} as const satisfies FlagSpec;

const QUIET = {
  name: "quiet",
  kind: "boolean",
  short: "q",
  help:
    "No progress on stderr (errors, and --verbose lines, are still printed).",
} as const satisfies FlagSpec;

const VERBOSE = {
  name: "verbose",
  kind: "boolean",
  short: "v",
  help:
    "One line on stderr per HTTP attempt: method, URL, attempt, status or error, time, request id, retry wait.",
} as const satisfies FlagSpec;

const CONNECTION = [
  {
    name: "base-url",
    kind: "string",
    arg: "<url>",
    help: "API origin. Default: $WORKOS_BASE_URL, else https://api.workos.com.",
  },
  {
    name: "max-retries",
    kind: "string",
    arg: "<n>",
    help:
      "Retries of a failed request, and resumes of a download that broke off or stalled (0-100). Default 3.",
  },
  {
    name: "timeout",
    kind: "string",
    arg: "<duration>",
    help:
      "Time budget of one request attempt, and the longest a download may go without data before it is resumed (or fails). Default 60s.",
  },
] as const satisfies readonly FlagSpec[];

/** A flag per filter of `src/filters.ts` (from `filter_flags.ts`). */
const FILTER_SELECTION = FILTER_FLAGS.map((f) => ({
  name: f.flag,
  kind: "list" as const,
  arg: f.arg,
  help: f.help,
}));

/**
 * The flags that select what an export holds: the organization, the range
 * and a flag per filter of `src/filters.ts` (from `filter_flags.ts`).
 */
const SELECTION_FLAGS = [
  {
    name: "org",
    kind: "string",
    arg: "<id>",
    help:
      "Organization to export, e.g. org_01EHZNVPK3SFK441A1RGBFSHRT. Required.",
  },
  {
    name: "from",
    kind: "string",
    arg: "<time>",
    help: "Start of the range (inclusive), at most three months ago. Required.",
  },
  {
    name: "to",
    kind: "string",
    arg: "<time>",
    help: "End of the range (inclusive). Default: now.",
  },
  ...FILTER_SELECTION,
] as const satisfies readonly FlagSpec[];

const MAX_WAIT = {
  name: "max-wait",
  kind: "string",
  arg: "<duration>",
  help: "Give up waiting for the export after this long. Default 10m.",
} as const satisfies FlagSpec;

const POLL_INTERVAL = {
  name: "poll-interval",
  kind: "string",
  arg: "<duration>",
  help:
    "First delay between two polls of a pending export; later ones grow up to 10s (or this). Default 1s. At most --max-wait.",
} as const satisfies FlagSpec;

const OUT = {
  name: "out",
  kind: "string",
  short: "o",
  arg: "<file>",
  help:
    "Write the output to this file (atomically) instead of stdout; a FIFO or a device such as /dev/null is written in place. Use - for stdout.",
} as const satisfies FlagSpec;

const FORMAT = {
  name: "format",
  kind: "string",
  arg: `<${FORMATS.join("|")}>`,
  help:
    "csv: the export's bytes as WorkOS made them (default). ndjson: one JSON event per line.",
} as const satisfies FlagSpec;

const TIME_NOTE =
  "A <time> is an ISO-8601 date-time with a zone (2026-10-01T00:00:00Z, " +
  "2026-10-01T02:00:00+02:00), a plain date (2026-10-01 = midnight UTC), " +
  "'now', or an age relative to now: a number and a unit s, m, h, d or w " +
  "(30d = 30 days ago, 12h, 2w). WorkOS keeps three calendar months of " +
  "events: an earlier --from is refused before any request.";

const DURATION_NOTE =
  "A <duration> is a number of milliseconds, or a number and a unit ms, s, " +
  "m, h or d (90s, 10m, 1h).";

const FILTER_NOTE =
  "Filters of different kinds are combined with AND; repeating a flag gives " +
  "a list, combined with OR (--action a --action b). --action, --actor-id " +
  "and --target also split a value on commas (--action a,b is the same as " +
  "--action a --action b; spaces around a value are dropped, an empty value " +
  "is an error); --actor-name never does, since names can contain commas.";

const EXPORT_JSON =
  'Output: stdout carries the export as JSON: {"object":"audit_log_export",' +
  '"id":"audit_log_export_…","state":"pending|ready|error|expired",' +
  '"url":"…" (only when ready; without its query unless --show-url),' +
  '"createdAt":"…","updatedAt":"…"}, indented, or on one line with --json.';

const FILE_JSON =
  "Output: without --out the data goes to stdout (--json then is a usage " +
  "error). With --out the file is written to a temporary .<name>.<random>.part " +
  "file in the same directory and renamed onto <file> only once the whole " +
  "download succeeded and parsed as CSV; on failure or Ctrl-C it is removed " +
  "and an existing <file> is left untouched. A <file> that exists and is " +
  "not a regular file (a FIFO, a terminal, /dev/null) is written in place " +
  "as the data arrives, as shell redirection does: no temporary file, and " +
  "a failure can leave part of the data in it. A read-only <file> (no " +
  "write permission bit, even for root), or one in a read-only directory, " +
  "is refused with exit 2 before any request, and left as it is. " +
  "A summary goes to stderr; with " +
  '--json stdout gets {"export": {…}, "file": "/absolute/path.csv", "bytes": N, ' +
  '"rows": N} (the export as get prints it, its url without the query unless ' +
  "--show-url; bytes = bytes written, rows = events, the CSV header excluded).";

const FORMAT_NOTE =
  "--format ndjson writes one event per line, parsed from the CSV as it " +
  'downloads: {"action", "occurredAt" (ISO-8601 UTC), "actor": {"id", ' +
  '"type", "name"?, "metadata"?}, "targets": [{…}], "context": ' +
  '{"location"?, "userAgent"?}, "metadata"?, "raw": {unknown columns}}. ' +
  "A file that does not parse is a failure.";

const EMPTY_NOTE =
  "A period in which no event matches the filters is not a failure: WorkOS " +
  "creates no export for it, so nothing is written to stdout (with --out, " +
  "an empty file replaces <file>, atomically, or a FIFO is closed with " +
  "no data), stderr says 0 rows, and the " +
  'exit code is 0. With --json the summary is {"export": null, "file": "…", ' +
  '"bytes": 0, "rows": 0}.';

const AUTH_NOTE =
  "The API key is read from $WORKOS_API_KEY (there is no flag, so it never " +
  "lands in shell history) and is never printed. Under Deno, reading it " +
  "needs --allow-env (or --allow-env=WORKOS_API_KEY,WORKOS_BASE_URL); " +
  "without the permission the command says so and exits 2.";

const VERBOSE_NOTE =
  "--verbose prints one line per HTTP attempt, retries and download " +
  "resumes included, e.g. '[http] POST https://api.workos.com/" +
  "audit_logs/exports attempt 1: 503 InternalServerError in 41 ms " +
  "(request id req_…); retry in 612 ms'. The API key and the query of a " +
  "download URL (its signature) are never shown. With --quiet, progress " +
  "is silenced and these lines still appear; with --json they go to " +
  "stderr and stdout stays JSON. Without --verbose, " +
  "AUDIT_LOG_EXPORT_DEBUG=1 in the environment makes the library print " +
  "its own line per attempt.";

const URL_NOTE =
  "The download URL of a ready export is presigned: its query holds a " +
  "signature that lets anyone download the file, without a key, until it " +
  "expires 10 minutes after it was issued. So that it does not land in " +
  "logs, the URL is printed without its query, which leaves it useless " +
  "for downloading, unless --show-url is given. To fetch the file, " +
  "download and export " +
  "need no URL; to hand it to another tool, ask for it: curl " +
  '"$(audit-log-export wait <id> --json --show-url | jq -r .url)".';

const STALL_NOTE =
  "A download that stops sending for --timeout is resumed from the byte it " +
  "stopped at, as is one that breaks off, up to --max-retries times; after " +
  "that it fails (exit 1) saying it stalled, and --out is left as it was.";

const DIR = {
  name: "dir",
  kind: "string",
  arg: "<path>",
  help: "The archive's directory. This or --s3.",
} as const satisfies FlagSpec;

const S3 = {
  name: "s3",
  kind: "string",
  arg: "s3://<bucket>/<prefix>",
  help:
    "The archive in an S3 bucket instead of a directory; credentials and endpoint from the AWS_* environment variables (below).",
} as const satisfies FlagSpec;

const PUBLIC_KEY = {
  name: "public-key",
  kind: "string",
  arg: "<file>",
  help:
    "Also check the signature of every digest record with the key in this JWK file: the Ed25519 public key, or the HMAC key that signed them. Never printed.",
} as const satisfies FlagSpec;

const SPAN_FLAGS = [
  {
    name: "from",
    kind: "string",
    arg: "<time>",
    help: "First instant (inclusive). Default: the archive's start.",
  },
  {
    name: "to",
    kind: "string",
    arg: "<time>",
    help: "End (exclusive). Default: the archive's end.",
  },
] as const satisfies readonly FlagSpec[];

const ARCHIVE_FLAGS = [
  {
    name: "org",
    kind: "list",
    arg: "<id>",
    help:
      "Organization to archive. Required; repeatable, and a,b gives two organizations.",
  },
  {
    ...DIR,
    help: "The archive's directory (created when missing). This or --s3.",
  },
  S3,
  {
    name: "from",
    kind: "string",
    arg: "<time>",
    help:
      "First instant of the first run; later runs go on from the checkpoint. Default: as far back as WorkOS exports, from the next window boundary.",
  },
  {
    name: "window",
    kind: "string",
    arg: "<duration>",
    help: "Length of a window, one file each. Default 1d.",
  },
  {
    name: "settle",
    kind: "string",
    arg: "<duration>",
    help:
      "How long after its end a window is left alone, for late events. Default 1h.",
  },
  {
    ...FORMAT,
    help:
      "csv (the export's columns, the default) or ndjson (one event per line).",
  },
  {
    name: "recheck",
    kind: "string",
    arg: "<duration>",
    help:
      "How far back each run re-checks archived windows for late (back-dated) events and stores them as addenda; 0 turns it off. Default 7d.",
  },
  {
    name: "accept-gaps",
    kind: "boolean",
    help:
      "Acknowledge every gap in the gaps ledgers: they are kept on record but no longer reported (exit 3) by later runs.",
  },
  {
    name: "concurrency",
    kind: "string",
    arg: "<n>",
    help: "Organizations archived at the same time (1-64). Default 4.",
  },
  {
    name: "compress",
    kind: "string",
    arg: "<gzip>",
    help:
      "gzip: store windows and addenda compressed (.csv.gz, .ndjson.gz); digests are of the stored bytes. Fixed for an archive by its first run. Default: not compressed.",
  },
  {
    name: "signing-key",
    kind: "string",
    arg: "<file>",
    help:
      "Sign every digest record with the key in this JWK file: an Ed25519 private key (verify with its public key) or an HMAC oct key of 32 bytes or more (verify with the same file). Never printed.",
  },
  {
    name: "object-lock",
    kind: "string",
    arg: "<mode>:<days>",
    help:
      "With --s3, on a bucket made with Object Lock: retain every object written for <days> (1-36500) in mode governance or compliance, e.g. compliance:400.",
  },
] as const satisfies readonly FlagSpec[];

const KEY_FILE_NOTE =
  'A key file is a JSON Web Key: an Ed25519 key ({"kty":"OKP",' +
  '"crv":"Ed25519","x":…, "d":… for the private key}) or an HMAC secret ' +
  '({"kty":"oct","k":…}, base64url, 32 bytes or more). Its contents are ' +
  "never printed, not even in an error.";

const S3_NOTE =
  "--s3 s3://<bucket>/<prefix> keeps the archive in an S3 bucket, or in " +
  "any S3-compatible service (R2, MinIO, GCS), under <prefix>. Credentials " +
  "come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and " +
  "AWS_SESSION_TOKEN for temporary ones), the region from AWS_REGION or " +
  "AWS_DEFAULT_REGION (default us-east-1), and the endpoint of a service " +
  "other than AWS from AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL. A missing " +
  "credential is a usage error (exit 2) naming the variable; no secret is " +
  "ever printed. Exactly one of --dir and --s3.";

const SPAN_NOTE =
  "A <time> is an ISO-8601 date-time with a zone (2026-10-01T00:00:00Z), " +
  "a plain date (2026-10-01 = midnight UTC), 'now', or an age relative to " +
  "now (30d, 12h, 2w). The span is half-open, [--from, --to), as the " +
  "archive's windows are; it may reach back further than WorkOS still " +
  "exports: that is what an archive is for.";

const READ_CSV_NOTE =
  "--format csv writes one row per event under a fixed header: action, " +
  "occurred_at (ISO-8601 UTC), actor_id, actor_type, actor_name, " +
  "actor_metadata (JSON), targets (a JSON array of {id, type, name?, " +
  "metadata?}), context_location, context_user_agent, metadata (JSON); " +
  "LF line ends, RFC 4180 quoting. The export's own columns, except that " +
  "the targets are one JSON column instead of target_*_N, so the file " +
  "can be written as the events stream; exportRows and exportEvents read " +
  "it back. Columns of the source the reader does not know are kept only " +
  "by --format ndjson (in raw). --format ndjson (the default) writes one " +
  'event per line, as export --format ndjson does: {"action", ' +
  '"occurredAt", "actor", "targets", "context", "metadata"?, "raw"}.';

/** The flags of the commands that wait for an export: `wait`, and those below. */
const WAITING = [
  MAX_WAIT,
  POLL_INTERVAL,
  JSON_FLAG,
  SHOW_URL,
  QUIET,
  VERBOSE,
  ...CONNECTION,
  HELP,
] as const satisfies readonly FlagSpec[];

/**
 * `--summary`: what was written, tallied as it went by, so the data is
 * never read twice (stdout may be a pipe that cannot be read back).
 */
const SUMMARY = {
  name: "summary",
  kind: "boolean",
  help:
    'After the data, print a summary of its events on stderr (count, span, events per day, top actions, actors and target types); with --json, as "summary" in the JSON.',
} as const satisfies FlagSpec;

const SUMMARY_NOTE =
  "--summary tallies the events as they are written, in the same pass " +
  "(the data on stdout or in --out is byte for byte what it would be " +
  "without it), and prints the summary on stderr even with --quiet.";

const PROGRESS_NOTE =
  "Progress on stderr: on a terminal one line redrawn in place (bar, " +
  "percent, bytes, rate, time left, resumes), a column short of the " +
  "width; elsewhere (a file, CI, TERM=dumb) a plain line at most every 5 " +
  "seconds and one at the end. NO_COLOR turns colour off.";

/** The flags of the commands that deliver a file: `download` and `export`. */
const DELIVERY = [
  OUT,
  FORMAT,
  SUMMARY,
  ...WAITING,
] as const satisfies readonly FlagSpec[];

/**
 * Every command, in the order of the help text. Declared `as const` so that
 * each command's flag table ({@link CommandFlags}) is known to the compiler.
 */
export const COMMANDS = [
  {
    name: "create",
    summary: "Create an export (POST /audit_logs/exports) and print it.",
    usage:
      "create --org <id> --from <time> [--to <time>] [--action <a>]… [flags]",
    positionals: [],
    // --quiet is accepted everywhere, so one cron line's flags fit every command.
    flags: [
      ...SELECTION_FLAGS,
      JSON_FLAG,
      SHOW_URL,
      QUIET,
      VERBOSE,
      ...CONNECTION,
      HELP,
    ],
    details: [
      EXPORT_JSON,
      "When no event of the period matches the filters, WorkOS creates no " +
      "export and answers 'No audit log events found': create fails with " +
      "exit 1 (export, instead, writes an empty output and exits 0).",
      VERBOSE_NOTE,
      TIME_NOTE,
      FILTER_NOTE,
      DURATION_NOTE,
      AUTH_NOTE,
    ],
    examples: [
      "create --org org_01EHZNVPK3SFK441A1RGBFSHRT --from 30d",
      "create --org org_123 --from 2026-10-01T00:00:00Z --to 2026-11-01T00:00:00Z --action user.signed_in --action user.signed_out",
    ],
  },
  {
    name: "get",
    summary: "Read an export by id and print it.",
    usage: "get <id> [flags]",
    positionals: ["id"],
    flags: [JSON_FLAG, SHOW_URL, QUIET, VERBOSE, ...CONNECTION, HELP],
    details: [EXPORT_JSON, URL_NOTE, VERBOSE_NOTE, DURATION_NOTE, AUTH_NOTE],
    examples: ["get audit_log_export_01GBZK5MP7TD1YCFQHFR22180V --json"],
  },
  {
    name: "wait",
    summary: "Wait until an export is ready and print it.",
    usage: "wait <id> [--max-wait <duration>] [flags]",
    positionals: ["id"],
    flags: WAITING,
    details: [
      EXPORT_JSON,
      "Progress (state and seconds waited) goes to stderr once a poll finds " +
      "the export not ready yet. An export that ends in error or expired " +
      "is a failure (exit 1).",
      URL_NOTE,
      VERBOSE_NOTE,
      DURATION_NOTE,
      AUTH_NOTE,
    ],
    examples: [
      "wait audit_log_export_01GBZK5MP7TD1YCFQHFR22180V --max-wait 5m",
      "wait audit_log_export_01GBZK5MP7TD1YCFQHFR22180V --json --show-url | jq -r .url",
    ],
  },
  {
    name: "download",
    summary:
      "Download an export as CSV or NDJSON (waiting for it first if pending).",
    usage: "download <id> [--out <file>] [--format csv|ndjson] [flags]",
    positionals: ["id"],
    flags: DELIVERY,
    details: [
      FILE_JSON,
      FORMAT_NOTE,
      PROGRESS_NOTE,
      SUMMARY_NOTE,
      STALL_NOTE,
      URL_NOTE,
      VERBOSE_NOTE,
      DURATION_NOTE,
      AUTH_NOTE,
    ],
    examples: [
      "download audit_log_export_01GBZK5MP7TD1YCFQHFR22180V --out audit.csv",
      "download audit_log_export_01GBZK5MP7TD1YCFQHFR22180V > audit.csv",
      "download audit_log_export_01GBZK5MP7TD1YCFQHFR22180V --format ndjson | jq .action",
    ],
  },
  {
    name: "export",
    summary: "Create, wait for and download an export in one go.",
    usage:
      "export --org <id> --from <time> [--to <time>] [--out <file>] [--format csv|ndjson] [flags]",
    positionals: [],
    flags: [...SELECTION_FLAGS, ...DELIVERY],
    details: [
      FILE_JSON,
      FORMAT_NOTE,
      PROGRESS_NOTE,
      SUMMARY_NOTE,
      EMPTY_NOTE,
      STALL_NOTE,
      URL_NOTE,
      VERBOSE_NOTE,
      TIME_NOTE,
      FILTER_NOTE,
      DURATION_NOTE,
      AUTH_NOTE,
    ],
    examples: [
      "export --org org_01EHZNVPK3SFK441A1RGBFSHRT --from 30d --out audit.csv",
      "export --org org_123 --from 2026-10-01 --to 2026-11-01 --action user.signed_in,user.signed_out",
      "export --org org_123 --from 7d --target team --json --out teams.csv",
      "export --org org_123 --from 7d --format ndjson --out audit.ndjson",
    ],
  },
  {
    name: "archive",
    summary:
      "Archive every whole window not yet archived into a directory or an S3 bucket, for a daily cron job.",
    usage:
      "archive --org <id> [--org <id>]… (--dir <path> | --s3 s3://<bucket>/<prefix>) [--from <time>] [--window 1d] [--settle 1h] [--recheck 7d] [--format csv|ndjson] [--compress gzip] [--signing-key <file>] [--object-lock <mode>:<days>] [--accept-gaps] [flags]",
    positionals: [],
    flags: [...ARCHIVE_FLAGS, JSON_FLAG, QUIET, VERBOSE, ...CONNECTION, HELP],
    details: [
      "Windows are half-open, [start, end), one file each at " +
      "<dir>/<org>/<YYYY>/<MM>/<DD>/<start>_<end>.<csv|ndjson> (UTC times " +
      "such as 20261101T000000Z); each is requested a little wider and " +
      "filtered locally, so an event on a boundary lands in exactly one. A " +
      "CSV window keeps the export's own bytes. <dir>/<org>/checkpoint.json " +
      "records the end of the last archived window and the --window and " +
      "--format it was made with (another --window or --format is refused). " +
      "A window's file is streamed to disk and renamed into place before " +
      "the checkpoint moves, so a crash leaves at most one window to redo. " +
      "An empty window is an empty file. One run at a time per organization: " +
      "<dir>/<org>/archive.lock, removed when its run ends, or when stale.",
      "Late events: each run re-exports the last --recheck of archived " +
      "windows in one export per organization and stores events missing " +
      "from the archive as <window>.late-<time>.<csv|ndjson> beside their " +
      "window; archived files are never rewritten.",
      "Progress: one line per archived window on stderr. Output: a summary " +
      'on stderr, or with --json on stdout: {"dir": "…", "windows": N, ' +
      '"rows": N, "late": N, "gaps": [{"organizationId", "from", "to", ' +
      '"detectedAt"}], "durationMs": N}, with "failures" when some ' +
      "organization failed.",
      "Exit codes: 0 when every whole window up to now is archived; 1 on a " +
      "failure (the windows stored before it stay stored; run again); 2 for " +
      "bad usage; 3 when the archive has a gap: a span older than what " +
      "WorkOS still exports was never archived. A gap is kept in " +
      "<dir>/<org>/gaps.json and reported (on stderr, even with --json or " +
      "a failure) by every run until --accept-gaps.",
      "Evidence: each file gets a <file>.digest.json beside it (its size " +
      "and SHA-256, chained to the previous digest), signed with " +
      "--signing-key when given; 'verify' checks them.",
      S3_NOTE,
      KEY_FILE_NOTE,
      VERBOSE_NOTE,
      TIME_NOTE,
      DURATION_NOTE,
      AUTH_NOTE,
    ],
    examples: [
      "archive --org org_01EHZNVPK3SFK441A1RGBFSHRT --dir /var/lib/audit-archive",
      "archive --org org_1,org_2 --dir ./archive --format ndjson --json",
      "archive --org org_123 --s3 s3://audit-archive/workos --compress gzip --signing-key ./signing.jwk --object-lock compliance:400",
    ],
  },
  {
    name: "verify",
    summary:
      "Check an archive: every window there, every file as archived, the digest chain whole, signatures good.",
    usage:
      "verify (--dir <path> | --s3 s3://<bucket>/<prefix>) [--org <id>]… [--from <time>] [--to <time>] [--public-key <file>] [--json]",
    positionals: [],
    flags: [
      {
        name: "org",
        kind: "list",
        arg: "<id>",
        help:
          "Organization to verify; repeatable, and a,b gives two. Default: every organization in the archive.",
      },
      DIR,
      S3,
      ...SPAN_FLAGS,
      PUBLIC_KEY,
      JSON_FLAG,
      QUIET,
      HELP,
    ],
    details: [
      "Reads the archive and changes nothing in it. Each problem is a line " +
      "on stderr, '<kind>: <key>: <what is wrong>', with <kind> one of: " +
      "missing window (a window of the span with no file, not explained by " +
      "a gap), modified (bytes that do not match the file's digest), " +
      "without digest, digest without file, chain break, bad signature " +
      "(only with --public-key), open gap (a gap not acknowledged with " +
      "archive --accept-gaps), nothing archived (an --org the archive has " +
      "nothing of). Then a summary line per organization. With --json, " +
      'stdout gets the report: {"ok", "organizations": [{"organizationId", ' +
      '"ok", "windowsChecked", "filesChecked", "missingWindows", ' +
      '"modified", "withoutDigest", "digestsWithoutFile", "chainBreaks", ' +
      '"badSignatures", "signaturesChecked", "pending", "gaps", ' +
      '"addenda"}]}.',
      "Exit codes: 0 when the archive is clean; 4 when the verification " +
      "failed (any problem above but an open gap, or an archive with no " +
      "organization in it); 3 when the only problem is an open gap, the " +
      "code archive gives it; 2 for bad usage; 1 when the store cannot be " +
      "read.",
      SPAN_NOTE,
      S3_NOTE,
      KEY_FILE_NOTE,
    ],
    examples: [
      "verify --dir /var/lib/audit-archive",
      "verify --s3 s3://audit-archive/workos --org org_123 --public-key ./signing.pub.jwk --json",
    ],
  },
  {
    name: "read",
    summary:
      "Write an organization's archived events, filtered as an export is, checked against their digests.",
    usage:
      "read (--dir <path> | --s3 s3://<bucket>/<prefix>) --org <id> --from <time> [--to <time>] [--action <a>]… [--format ndjson|csv] [--out <file>] [flags]",
    positionals: [],
    flags: [
      {
        name: "org",
        kind: "string",
        arg: "<id>",
        help: "Organization to read. Required.",
      },
      DIR,
      S3,
      {
        name: "from",
        kind: "string",
        arg: "<time>",
        help: "First instant (inclusive). Required.",
      },
      {
        name: "to",
        kind: "string",
        arg: "<time>",
        help: "End (exclusive). Default: now.",
      },
      ...FILTER_SELECTION,
      {
        ...FORMAT,
        help:
          "ndjson: one JSON event per line (default). csv: one row per event, the layout below.",
      },
      OUT,
      SUMMARY,
      PUBLIC_KEY,
      JSON_FLAG,
      QUIET,
      HELP,
    ],
    details: [
      "Events come in time order, from the window files and their addenda " +
      "of late events, with the filters of export: every filter given " +
      "must match, any value of one may. Every file is checked against its " +
      "digest before any of its events is written.",
      READ_CSV_NOTE,
      "Output: stdout, or with --out a file written atomically (as export " +
      'writes it; --json then prints {"file", "bytes", "rows"} on ' +
      "stdout). A file that does not match its digest, has none, or whose " +
      "digest's signature is bad stops the read with exit 4, naming the " +
      "file on stderr: no --out file is left (on stdout, the events of " +
      "earlier windows are already written). 2 for bad usage, 1 when the " +
      "store cannot be read.",
      SUMMARY_NOTE,
      SPAN_NOTE,
      FILTER_NOTE,
      S3_NOTE,
      KEY_FILE_NOTE,
    ],
    examples: [
      "read --dir /var/lib/audit-archive --org org_123 --from 2026-01-01 --to 2026-02-01 --out january.ndjson",
      "read --s3 s3://audit-archive/workos --org org_123 --from 30d --action user.signed_in --format csv",
    ],
  },
  {
    name: "summary",
    summary:
      "Summarize an export file (CSV or NDJSON, - for stdin): count, span, events per day, top actions, actors and target types.",
    usage: "summary <file.csv|file.ndjson|-> [--json]",
    positionals: ["file"],
    flags: [
      {
        name: "top",
        kind: "string",
        arg: "<n>",
        help: "Entries in each top list (1-1000). Default 10.",
      },
      JSON_FLAG,
      QUIET,
      HELP,
    ],
    details: [
      "Reads the file once, in bounded memory whatever its size: CSV as " +
      "export writes it (or read --format csv), NDJSON as export --format " +
      "ndjson or read write it, either gzipped (.gz). The format comes " +
      "from the name (.csv, .ndjson, .jsonl), else from the first bytes. " +
      "The summary goes to stderr: the count and time span, events per UTC " +
      "day as a sparkline (blocks on a UTF-8 terminal, ASCII otherwise), " +
      "then the most frequent actions, actors and target types; a list " +
      "past 1,000 distinct keys is approximate and says so.",
      'With --json stdout gets the same figures: {"events", "first", ' +
      '"last" (ISO-8601, null without events), "actions": [[name, count]…], ' +
      '"actors", "targetTypes", "perDay": [[YYYY-MM-DD, count]…], ' +
      '"daysPerEntry", "exact": {"actions", "actors", "targetTypes"}}.',
      "Exit codes: 0; 1 when the file cannot be read or does not parse " +
      "(naming the line); 2 for bad usage.",
    ],
    examples: [
      "summary audit.csv",
      "summary january.ndjson --json | jq .actions",
      "export --org org_123 --from 7d | audit-log-export summary -",
    ],
  },
  {
    name: "demo",
    summary:
      "Run the whole job against a built-in emulator on loopback (no key, no network). The default when no command is given.",
    usage: "demo [--out <file> | --archive <dir>] [--json] [--verbose]",
    positionals: [],
    flags: [
      { ...OUT, help: "Where to write the CSV. Default ./audit-log-demo.csv." },
      {
        name: "archive",
        kind: "string",
        arg: "<dir>",
        help:
          "Instead of one export, archive the last 7 days of every sample organization into <dir>, a file a day; run it twice and the second run has nothing to do.",
      },
      JSON_FLAG,
      QUIET,
      VERBOSE,
      HELP,
    ],
    details: [
      "Starts the emulator on 127.0.0.1 with its sample data, exports the " +
      "last 30 days of its first organization, writes the CSV, prints a " +
      "summary (rows, bytes, time, the first 5 rows) and stops the emulator. " +
      "Needs no input, no API key and no network besides loopback.",
      'With --json stdout gets {"export": {…} (its url without the query), ' +
      '"file": "…", "bytes": N, "rows": N, ' +
      '"elapsedMs": N, "organizationId": "…", "from": "…", "to": "…", "preview": ' +
      "[first 5 rows as objects keyed by the CSV header]}.",
      "--verbose prints one line per HTTP attempt to the emulator on stderr, " +
      "as it does for the other commands.",
    ],
    examples: [
      "demo",
      "demo --out /tmp/demo.csv --json",
      "demo --archive ./demo-archive",
    ],
  },
] as const satisfies readonly CommandSpec[];

/** The name of a command, e.g. `"create"`. */
export type CommandName = typeof COMMANDS[number]["name"];

/** The spec of the command named `C`. */
export type CommandOf<C extends CommandName> = Extract<
  typeof COMMANDS[number],
  { readonly name: C }
>;

/** The flags of the command named `C`: all that its runner may read. */
export type CommandFlags<C extends CommandName> = FlagTableOf<
  CommandOf<C>["flags"][number]
>;

/** The name of a flag of any command, without dashes, e.g. `"max-retries"`. */
export type FlagName = keyof FlagTableOf<
  typeof COMMANDS[number]["flags"][number]
>;

/** The command with this name, if any: for a name typed by the user. */
export function findCommand(
  name: string,
): typeof COMMANDS[number] | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The spec of the command named `name`. */
export function commandSpec<C extends CommandName>(name: C): CommandOf<C> {
  return COMMANDS.find((c): c is CommandOf<C> => c.name === name)!;
}
