/**
 * Help text, rendered from the command table in `spec.ts`.
 *
 * @module
 */

import { VERSION } from "../../mod.ts";
import { COMMANDS, type CommandSpec, type FlagSpec, PROGRAM } from "./spec.ts";

const WIDTH = 80;

/** Word-wraps text to the help width, every line indented by `indent` spaces. */
function wrap(text: string, indent: number): string {
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && pad.length + line.length + 1 + word.length > WIDTH) {
      lines.push(pad + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(pad + line);
  return lines.join("\n");
}

/** Two aligned columns: terms on the left, wrapped descriptions on the right. */
function columns(rows: readonly [string, string][], indent = 2): string {
  const left = Math.max(...rows.map(([term]) => term.length)) + indent + 2;
  return rows.map(([term, text]) => {
    const body = wrap(text, left).slice(left);
    const head = " ".repeat(indent) + term;
    return head.length + 2 <= left
      ? head + " ".repeat(left - head.length) + body
      : `${head}\n${" ".repeat(left)}${body}`;
  }).join("\n");
}

function flagTerm(flag: FlagSpec): string {
  const short = flag.short ? `-${flag.short}, ` : "    ";
  const arg = flag.arg ? ` ${flag.arg}` : "";
  return `${short}--${flag.name}${arg}`;
}

/** The tool's help: commands, global flags, environment, exit codes. */
export function mainHelp(): string {
  return [
    `${PROGRAM} ${VERSION} - export WorkOS audit logs: create an export, wait`,
    "until it is ready, download its CSV (or NDJSON).",
    "",
    `Usage: ${PROGRAM} <command> [flags]`,
    "",
    "Commands:",
    columns([
      ...COMMANDS.map((c): [string, string] => [c.name, c.summary]),
      ["help [command]", "Show the help of the tool or of a command."],
    ]),
    "",
    "Flags:",
    columns([
      ["-h, --help", `Show help (also per command: ${PROGRAM} create --help).`],
      ["    --version", "Print the version."],
    ]),
    "",
    "Environment:",
    columns([
      [
        "WORKOS_API_KEY",
        "API key (sk_…), required by every command that calls the API (not demo, verify or read). Never printed, and there is no flag for it so it stays out of shell history. Under Deno it needs --allow-env (or --allow-env=WORKOS_API_KEY,WORKOS_BASE_URL).",
      ],
      ["WORKOS_BASE_URL", "API origin when --base-url is not given."],
      ["AWS_ACCESS_KEY_ID", "Access key id of --s3."],
      ["AWS_SECRET_ACCESS_KEY", "Secret key of --s3. Never printed."],
      [
        "AWS_SESSION_TOKEN",
        "Session token of --s3, for temporary credentials. Never printed.",
      ],
      [
        "AWS_REGION",
        "Region of --s3 (else AWS_DEFAULT_REGION, else us-east-1).",
      ],
      [
        "AWS_ENDPOINT_URL_S3",
        "Endpoint of --s3 for a service other than AWS S3, such as R2 or MinIO (else AWS_ENDPOINT_URL).",
      ],
      [
        "AUDIT_LOG_EXPORT_DEBUG",
        "1: the library prints a line per HTTP attempt on stderr (--verbose prints the CLI's own instead).",
      ],
    ]),
    "",
    "Output:",
    wrap(
      "Data (export JSON, CSV bytes or NDJSON events, --json results) goes to stdout; " +
        "progress and messages go to stderr, redrawn in place on a terminal " +
        "and as plain lines otherwise. --verbose adds a line per HTTP attempt " +
        "on stderr, even with --quiet. An export's download URL is printed " +
        "without its query, the signature that lets anyone download the " +
        "file, unless --show-url asks for it. The API key is never printed.",
      2,
    ),
    "",
    "Exit codes:",
    columns([
      [
        "0",
        "Success, including an export of a period with no events (0 rows).",
      ],
      [
        "1",
        "API or network failure: an HTTP error after retries (the message has the status and request id), a time-out, an export that ended in error or expired, a download that broke off or stalled, a CSV that does not parse, a file that could not be written, a create with no matching event.",
      ],
      [
        "2",
        "Bad usage or invalid input: unknown command or flag, a missing or malformed value, an invalid date or range, a --from older than the three months WorkOS keeps, a --max-wait shorter than --poll-interval, an unwritable --out path (a read-only file or directory, a socket), WORKOS_API_KEY not set or not readable (Deno without --allow-env).",
      ],
      [
        "3",
        "archive, verify: the archive has a gap, a span older than what WorkOS still exports that was never archived (until archive --accept-gaps).",
      ],
      [
        "4",
        "verify, read: the archive failed verification: a file modified, missing or without its digest, a digest without its file, a break in the digest chain, a bad signature.",
      ],
      [
        "130, 143",
        "Interrupted by SIGINT or SIGTERM; a partial --out file is removed.",
      ],
    ]),
    "",
    `Run '${PROGRAM} <command> --help' for the flags of a command.`,
    "",
  ].join("\n");
}

/** The help of one command: usage, flags, output format, examples. */
export function commandHelp(spec: CommandSpec): string {
  return [
    `Usage: ${PROGRAM} ${spec.usage}`,
    "",
    wrap(spec.summary, 0),
    "",
    "Flags:",
    columns(spec.flags.map((f): [string, string] => [flagTerm(f), f.help])),
    "",
    ...spec.details.flatMap((d) => [wrap(d, 0), ""]),
    "Examples:",
    ...spec.examples.map((e) => `  ${PROGRAM} ${e}`),
    "",
  ].join("\n");
}

/** The two lines after a usage error: the usage and where to read more. */
export function usageHint(spec?: CommandSpec): string {
  return spec
    ? `Usage: ${PROGRAM} ${spec.usage}\nRun '${PROGRAM} ${spec.name} --help' for details.\n`
    : `Usage: ${PROGRAM} <command> [flags]\nRun '${PROGRAM} --help' for the list of commands.\n`;
}
