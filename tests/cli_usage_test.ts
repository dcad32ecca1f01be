/**
 * The CLI's usage errors: a misspelt or unknown flag, a missing value or
 * argument, an unreadable environment. Each exits 2, names what to fix and
 * sends no request. (The values of particular flags are tested with the
 * command they belong to.) And the same mistakes in the CLI's own code: a
 * flag read by a name or kind its command does not declare does not
 * compile.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseArgs } from "../src/cli/args.ts";
import {
  clientConfig,
  type CommandContext,
  outputFormat,
  showUrl,
  waitBudget,
} from "../src/cli/context.ts";
import { processIO } from "../src/cli/io.ts";
import { Progress } from "../src/cli/progress.ts";
import {
  type CommandName,
  COMMANDS,
  commandSpec,
  type FlagName,
} from "../src/cli/spec.ts";
import { parseCount } from "../src/cli/values.ts";
import {
  assertUsage,
  cli,
  createdId,
  daysAgo,
  literal,
  READY,
  type RunOptions,
} from "./cli_helpers.ts";
import { withEmulator } from "./helpers.ts";

Deno.test("bad usage and invalid input exit 2, name the flag, and send no request", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const cases: [string[], RegExp, RunOptions?][] = [
      [
        ["create", "--org", org, "--from", "1d", "--orgg", "x"],
        /unknown flag --orgg.*did you mean --org\?/,
      ],
      [["create", "--from", "1d"], /--org is required/],
      [["create", "--org"], /--org needs a value/],
      [
        ["create", "--org", org, "--from", "2026-13-45T00:00:00Z"],
        /--from: '2026-13-45T00:00:00Z' is not a time; use an ISO-8601/,
      ],
      [["create", "--org", org, "--from", "yesterday"], /--from/],
      [
        ["create", "--org", org, "--from", daysAgo(1), "--to", daysAgo(2)],
        /--to: must be after --from/,
      ],
      [
        ["create", "--org", org, "--org", org, "--from", "1d"],
        /--org was given more than once/,
      ],
      [
        ["export", "--org", org, "--from", "1d", "--max-wait", "soon"],
        /--max-wait: 'soon' is not a duration/,
      ],
      [
        ["create", "--org", org, "--from", "1d", "--max-retries", "-1"],
        /--max-retries needs a value/,
      ],
      [
        ["create", "--org", org, "--from", "1d", "--max-retries=500"],
        /--max-retries: '500' is not a whole number/,
      ],
      [["download", "some_id", "--json"], /--json needs --out/],
      [["get"], /missing <id>/],
      [["get", "a", "b"], /unexpected argument 'b'/],
      [["crate"], /unknown command 'crate' \(did you mean create\?\)/],
      [
        ["create", "--json=yes", "--org", org, "--from", "1d"],
        /--json takes no value/,
      ],
      [["get", "audit_log_export_1"], /WORKOS_API_KEY is not set/, { key: "" }],
      [
        ["get", "audit_log_export_1", "--verbose=1"],
        /--verbose takes no value/,
      ],
      [["get", "audit_log_export_1", "--verbose="], /--verbose takes no value/],
      [["get", "audit_log_export_1", "-vv"], /--verbose takes no value/],
      [["get", "audit_log_export_1", "--verbos"], /did you mean --verbose\?/],
      [[
        "export",
        "--org",
        org,
        "--from",
        "1d",
        "--out",
        "/nonexistent-dir/x.csv",
      ], /--out: cannot write/],
    ];
    const runs = await Promise.all(
      cases.map(([args, , extra]) => cli(args, { server, ...extra })),
    );
    for (const [i, run] of runs.entries()) {
      const [args, pattern] = cases[i];
      assert.equal(run.code, 2, `${args.join(" ")}\n${run.stderr}`);
      assert.match(run.stderr, pattern, args.join(" "));
      assert.match(run.stderr, /Usage: audit-log-export/);
      assert.equal(run.stdout, "");
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");
  });
});

Deno.test("without --allow-env, the CLI says it cannot read WORKOS_API_KEY, not that it is unset", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const net = "--allow-net=127.0.0.1,localhost";
    const denied = new RegExp(
      literal(
        "audit-log-export: cannot read WORKOS_API_KEY: Deno was not allowed " +
          "to read the environment; run with --allow-env (or " +
          "--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL)\n",
      ),
    );
    const cases: [string[], string[]][] = [
      [["get", "audit_log_export_1"], [net, "--allow-read"]],
      [
        ["export", "--org", org, "--from", "7d"],
        [net, "--allow-read", "--allow-write"],
      ],
      [["download", "audit_log_export_1"], [
        net,
        "--allow-env=WORKOS_BASE_URL",
      ]],
      [["create", "--org", org, "--from", "7d"], [net, "--deny-env"]],
    ];
    const runs = await Promise.all(
      cases.map(([args, allow]) => cli(args, { server, allow })),
    );
    for (const [i, run] of runs.entries()) {
      const what = cases[i].flat().join(" ");
      assertUsage(run, denied, what);
      assert.doesNotMatch(run.stderr, /is not set/, what);
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");

    // The narrow permission the message offers is enough.
    const id = await createdId(server, org, "7d");
    const narrow = await cli(["get", id, "--json"], {
      server,
      allow: [net, "--allow-env=WORKOS_API_KEY,WORKOS_BASE_URL"],
    });
    assert.equal(narrow.code, 0, narrow.stderr);
    assert.equal(JSON.parse(narrow.stdout).id, id);
  });
});

/** A command's context as `main` builds it, with `argv` parsed by its spec. */
function contextOf<C extends CommandName>(
  name: C,
  argv: string[],
): CommandContext<C> {
  const spec = commandSpec(name);
  return {
    io: processIO({
      stdout: () => Promise.resolve(),
      stderr: () => {},
      env: () => undefined,
    }),
    args: parseArgs(argv, spec),
    spec,
    signal: new AbortController().signal,
    progress: new Progress(() => {}, {
      tty: false,
      quiet: true,
      now: Date.now,
    }),
    terminal: { tty: false, color: false, unicode: false, width: 80 },
    json: false,
  };
}

// The lines under `@ts-expect-error` are the point of the next tests: each
// must fail to compile, so `deno check` fails if the flags lose their types.
// They run too, and read nothing.

Deno.test("flags are read by a name and kind their command declares; anything else does not compile", () => {
  const create = parseArgs(
    ["--org", "org_1", "--action", "a", "--json"],
    commandSpec("create"),
  );
  assert.equal(create.string("org"), "org_1");
  assert.deepEqual(create.list("action"), ["a"]);
  assert.equal(create.bool("json"), true);
  // @ts-expect-error: a misspelt flag
  assert.equal(create.string("orgg"), undefined);
  // @ts-expect-error: --max-wait is a flag of wait, download and export only
  assert.equal(create.string("max-wait"), undefined);
  // @ts-expect-error: the --org of create takes one value
  assert.deepEqual(create.list("org"), []);
  // @ts-expect-error: --json takes no value
  assert.equal(create.string("json"), undefined);

  const archive = parseArgs(
    ["--org", "a,b", "--dir", "d"],
    commandSpec("archive"),
  );
  assert.deepEqual(archive.list("org"), ["a,b"]);
  assert.equal(archive.string("dir"), "d");
  // @ts-expect-error: the --org of archive is repeatable
  assert.equal(archive.string("org"), undefined);
});

Deno.test("a helper takes the context of a command only if the command declares the flags it reads", () => {
  const get = contextOf("get", ["audit_log_export_1", "--show-url"]);
  assert.equal(showUrl(get), true);
  // @ts-expect-error: get does not wait, so it has no --max-wait
  assert.deepEqual(waitBudget(get), {});
  const demo = contextOf("demo", ["--json"]);
  // @ts-expect-error: archive and demo print URLs without their query, always
  assert.equal(showUrl(demo), false);
  // @ts-expect-error: demo writes CSV only, it has no --format
  assert.equal(outputFormat(demo), "csv");
  // @ts-expect-error: demo has no --base-url, --max-retries or --timeout
  assert.equal(clientConfig(demo).baseUrl, undefined);
  assert.deepEqual(
    waitBudget(contextOf("wait", ["x", "--max-wait", "1m"])),
    { maxWait: 60_000 },
  );
});

Deno.test("a flag named in a message is a flag of some command", () => {
  const named: FlagName[] = ["max-retries", "actor-name", "accept-gaps"];
  const declared = new Set<string>(
    COMMANDS.flatMap((c) => c.flags.map((f) => f.name)),
  );
  for (const name of named) assert.ok(declared.has(name), name);
  // @ts-expect-error: no command has --max-retry
  const misspelt: FlagName = "max-retry";
  assert.ok(!declared.has(misspelt));
  assert.throws(
    // @ts-expect-error: values.ts names the flag it parses, so it takes a FlagName
    () => parseCount("max-retry", "x", 0, 100),
    /--max-retry: 'x' is not a whole number/,
  );
});
