/**
 * The CLI's help: `--help`, `-h`, `help <command>` and `--version`, each
 * rendered from the command table, on stdout with exit code 0.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cli } from "./cli_helpers.ts";

Deno.test("--help, -h, help <command> and --version exit 0 with usage on stdout", async () => {
  const commands = ["create", "get", "wait", "download", "export", "demo"];
  const runs = await Promise.all([
    cli(["--help"]),
    cli(["-h"]),
    cli(["help", "export"]),
    cli(["--version"]),
    ...commands.map((c) => cli([c, "--help"])),
    cli(["get", "-h"]),
  ]);
  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
  }
  const [long, short, helpExport, version, ...perCommand] = runs;
  assert.match(long.stdout, /Usage: audit-log-export <command>/);
  for (const c of commands) assert.match(long.stdout, new RegExp(`\\n  ${c} `));
  assert.match(long.stdout, /Exit codes:/);
  assert.equal(short.stdout, long.stdout);
  assert.match(helpExport.stdout, /^Usage: audit-log-export export /);
  assert.match(version.stdout, /^audit-log-export \d+\.\d+\.\d+/);
  for (const [i, c] of commands.entries()) {
    assert.match(
      perCommand[i].stdout,
      new RegExp(`^Usage: audit-log-export ${c}`),
    );
    assert.match(perCommand[i].stdout, /--help/);
  }
  assert.match(perCommand[0].stdout, /--actor-name <name>/);
  assert.match(perCommand[4].stdout, /"file":/, "export help documents --json");
  for (const i of [3, 4]) {
    assert.match(perCommand[i].stdout, /--format <csv\|ndjson>/);
    assert.match(perCommand[i].stdout, /--poll-interval <duration>/);
  }
  assert.match(
    perCommand[4].stdout,
    /plain date\s+\(2026-10-01\s+=\s+midnight\s+UTC\)/,
  );
  assert.match(perCommand[4].stdout, /--action\s+a,b\s+is\s+the\s+same\s+as/);
  assert.match(perCommand[4].stdout, /--actor-name\s+never\s+does/);
  assert.match(perCommand[2].stdout, /--poll-interval <duration>/);
  for (const [i, c] of commands.entries()) {
    assert.match(
      perCommand[i].stdout,
      /-v, --verbose\s+One line on stderr per HTTP attempt/,
      c,
    );
  }
  for (const i of [3, 4]) {
    assert.match(
      perCommand[i].stdout,
      /a FIFO or a device such as\s+\/dev\/null is written in place/,
    );
    assert.match(
      perCommand[i].stdout,
      /A read-only <file> \(no\s+write permission bit, even for root\)/,
    );
    assert.match(
      perCommand[i].stdout,
      /A download that stops sending for --timeout is resumed/,
    );
    assert.match(
      perCommand[i].stdout,
      /With\s+--quiet, progress is silenced and these lines still appear/,
    );
  }
  assert.match(long.stdout, /AUDIT_LOG_EXPORT_DEBUG/);
  assert.match(long.stdout, /not readable \(Deno\s+without --allow-env\)/);
  assert.match(
    perCommand[1].stdout,
    /needs --allow-env\s+\(or\s+--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL\)/,
  );
});
