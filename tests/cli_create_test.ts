/**
 * `create`, and the flags that select what an export holds, which `export`
 * shares: `--org`, `--from`/`--to` (times, ages, the three months WorkOS
 * keeps) and the filters, with their comma splitting.
 *
 * @module
 */

import assert from "node:assert/strict";
import { monthsBefore } from "../src/retention.ts";
import type { Emulator } from "../testing.ts";
import {
  asExported,
  assertUsage,
  cli,
  DAY,
  daysAgo,
  eventsIn,
  inProcess,
  ndjsonLines,
  READY,
} from "./cli_helpers.ts";
import { TEST_KEY, withEmulator } from "./helpers.ts";

/** The JSON body of the last `POST /audit_logs/exports` the emulator received. */
function lastExportBody(emulator: Emulator): Record<string, unknown> {
  const posts = emulator.requests.filter((r) =>
    r.method === "POST" && r.path === "/audit_logs/exports"
  );
  assert.ok(posts.length > 0, "an export was requested");
  return JSON.parse(posts.at(-1)!.body!);
}

Deno.test("create, get and wait print the export as JSON on stdout, progress on stderr", async () => {
  await withEmulator({ exportDelayMs: 2000 }, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[1];
    const created = await cli([
      "create",
      "--org",
      org,
      "--from",
      "10d",
      "--json",
    ], { server });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stderr, "");
    assert.equal(
      created.stdout.trim().split("\n").length,
      1,
      "--json is one line",
    );
    const e = JSON.parse(created.stdout);
    assert.equal(e.object, "audit_log_export");
    assert.equal(e.state, "pending");
    assert.match(e.id, /^audit_log_export_/);
    assert.ok(!("url" in e));

    const got = await cli(["get", e.id], { server });
    assert.equal(got.code, 0, got.stderr);
    assert.equal(JSON.parse(got.stdout).id, e.id, "indented JSON parses too");
    assert.match(got.stdout, /\n {2}"state"/);

    const waited = await cli(["wait", e.id, "--max-wait", "20s"], { server });
    assert.equal(waited.code, 0, waited.stderr);
    const ready = JSON.parse(waited.stdout);
    assert.equal(ready.state, "ready");
    assert.match(ready.url, /\/_emulator\/downloads\//);
    assert.match(
      waited.stderr,
      new RegExp(`Waiting for ${e.id}: pending \\(\\d+s\\)\\n`),
    );
    assert.match(waited.stderr, /: ready \(\d+s\)\n/);
    assert.ok(
      !waited.stderr.includes("\r"),
      "no in-place redraw off a terminal",
    );

    const quiet = await cli(["wait", e.id, "--json"], { server });
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, "");
    assert.equal(JSON.parse(quiet.stdout).state, "ready");

    // The range sent is the one asked for: 10 days back from about now.
    const [record] = emulator.listExports();
    assert.equal(record.organizationId, org);
  });
});

Deno.test("--from/--to accept ISO date-times with a zone, plain dates, now and ages", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const date = (days: number) => daysAgo(days).slice(0, 10);
    const [day, next] = [date(10), date(9)];
    const cases: [string[], (start: number, end: number) => void][] = [
      [["--from", day, "--to", next], (start, end) => {
        assert.equal(start, Date.parse(`${day}T00:00:00Z`));
        assert.equal(end, Date.parse(`${next}T00:00:00Z`));
      }],
      [["--from", `${day}T02:30:00+02:00`, "--to", `${next}t00:00:00z`], (
        start,
        end,
      ) => {
        assert.equal(start, Date.parse(`${day}T00:30:00Z`));
        assert.equal(end, Date.parse(`${next}T00:00:00Z`));
      }],
      [["--from", "36h", "--to", "NOW"], (start, end) => {
        assert.equal(end - start, 36 * 3_600_000);
      }],
      [["--from", " 2w "], (start, end) => {
        assert.equal(end - start, 14 * DAY, "--to defaults to now");
      }],
      [["--from", `${day}T00:00:00.123456789Z`, "--to", next], (start) => {
        assert.equal(start, Date.parse(`${day}T00:00:00.123Z`));
      }],
    ];
    for (const [flags, check] of cases) {
      const run = await cli(["create", "--org", org, ...flags, "--json"], {
        server,
      });
      // A quiet stretch of the sample refuses the export; the range was sent all the same.
      assert.ok(
        run.code === 0 || /No audit log events found/.test(run.stderr),
        run.stderr,
      );
      const body = lastExportBody(emulator);
      for (const key of ["range_start", "range_end"]) {
        const value = body[key] as string;
        assert.equal(new Date(value).toISOString(), value, "sent as ISO");
      }
      check(
        Date.parse(body.range_start as string),
        Date.parse(body.range_end as string),
      );
    }
  });
});

Deno.test("--from/--to: wrong, empty, huge and hostile values exit 2 naming the accepted forms, before any request", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const forms =
      /is not a time; use an ISO-8601 date-time with a zone \(2026-11-01T09:30:00Z, [^\n]*\), a plain date \(2026-11-01, midnight UTC\), 'now', or an age: a number and s, m, h, d or w \(30d, 12h\)/;
    const bad: [string, string, RegExp?][] = [
      ["from", "yesterday"],
      ["from", "2026-02-30", /'2026-02-30'/],
      ["from", "2026-11-01T10:00", /'2026-11-01T10:00'/],
      ["from", "2026-11-01T25:00:00Z"],
      ["from", "2026-13-45T00:00:00Z"],
      ["from", "30 d"],
      ["from", "1e3d"],
      ["from", "-5d"],
      ["from", ""],
      ["from", "   "],
      ["from", "9".repeat(400) + "d", /'9{60}… \(401 characters\)'/],
      ["from", "1".repeat(100_000), /\(100000 characters\)/],
      ["from", "\x1b[2J\x1b[H", /'\\u001b\[2J\\u001b\[H'/],
      ["from", "2026-11-01\u202e", /'2026-11-01\\u202e'/],
      ["from", "$(reboot)", /'\$\(reboot\)'/],
      ["to", "tomorrow", /--to: 'tomorrow'/],
      ["to", "2026-11-01 00:00:00Z"],
    ];
    const runs = await Promise.all(bad.map(([flag, value]) =>
      cli([
        "export",
        "--org",
        org,
        ...(flag === "from" ? [] : ["--from", "7d"]),
        `--${flag}=${value}`,
      ], { server })
    ));
    for (const [i, run] of runs.entries()) {
      const [flag, value, extra] = bad[i];
      const what = `--${flag} ${JSON.stringify(value.slice(0, 80))}`;
      assertUsage(run, new RegExp(`--${flag}: `), what);
      assert.match(run.stderr, forms, what);
      if (extra) assert.match(run.stderr, extra, what);
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");
  });
});

Deno.test("a --from older than the three months WorkOS keeps is a usage error before any request", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const old = daysAgo(120).slice(0, 10);
    const runs = await Promise.all([
      cli(["export", "--org", org, "--from", "100d"], { server }),
      cli(["create", "--org", org, "--from", old], { server }),
      cli(["create", "--org", org, "--from", "2020-01-01T00:00:00Z"], {
        server,
      }),
    ]);
    const expected = monthsBefore(Date.now(), 3);
    for (const [i, shown] of ["100d", old, "2020-01-01T00:00:00Z"].entries()) {
      const run = runs[i];
      assertUsage(
        run,
        new RegExp(
          `--from ${shown}( \\([^)]+\\))? is older than the three months WorkOS keeps \\(earliest: ([^)]+)\\)`,
        ),
        shown,
      );
      const earliest = Date.parse(
        /\(earliest: ([^)]+)\)/.exec(run.stderr)![1],
      );
      // The same calendar arithmetic as the API's, give or take the clock.
      assert.ok(Math.abs(earliest - expected) < 60_000, run.stderr);
    }
    assert.match(runs[0].stderr, /--from 100d \(\d{4}-\d\d-\d\dT[^)]+Z\) is/);
    assert.equal(emulator.requests.length, 0, "no request was sent");

    const recent = await cli(["create", "--org", org, "--from", "85d"], {
      server,
    });
    assert.equal(recent.code, 0, recent.stderr);
  });
});

Deno.test("the retention check counts calendar months like the API, to the millisecond", async () => {
  // May 31 minus three months is February 28 (2026 is no leap year).
  const now = () => Date.UTC(2026, 4, 31, 12);
  const org = "org_01EHZNVPK3SFK441A1RGBFSHRT";
  const tooOld = await inProcess([
    "create",
    "--org",
    org,
    "--from",
    "2026-02-28T11:59:59.999Z",
  ], { now, env: { WORKOS_API_KEY: TEST_KEY } });
  assertUsage(
    tooOld,
    /--from 2026-02-28T11:59:59.999Z is older than the three months WorkOS keeps \(earliest: 2026-02-28T12:00:00.000Z\)/,
    "one ms too old",
  );
  const ageTooOld = await inProcess(
    ["export", "--org", org, "--from", "93d"],
    { now, env: { WORKOS_API_KEY: TEST_KEY } },
  );
  assertUsage(
    ageTooOld,
    /--from 93d \(2026-02-27T12:00:00.000Z\) is older than the three months WorkOS keeps \(earliest: 2026-02-28T12:00:00.000Z\)/,
    "an age one day too old",
  );
  // At the boundary the check passes; the missing key then stops the run,
  // still before any request.
  for (const from of ["2026-02-28T12:00:00Z", "92d"]) {
    const boundary = await inProcess(
      ["export", "--org", org, "--from", from, "--to", "2026-03-01"],
      { now },
    );
    assertUsage(boundary, /WORKOS_API_KEY is not set/, `--from ${from}`);
  }
});

Deno.test("--action, --actor-id and --target split on commas; --actor-name never does", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const [from, to] = [daysAgo(60), daysAgo(0)];
    const sample = emulator.listEvents(org);
    const [idA, idB] = [...new Set(sample.map((e) => e.actor.id))];
    const run = await cli([
      "export",
      "--org",
      org,
      "--from",
      from,
      "--to",
      to,
      "--action",
      "user.signed_in, user.signed_out",
      "--action=document.created",
      "--actor-id",
      `${idA},${idB}`,
      "--target",
      "user,document",
      "--format",
      "ndjson",
    ], { server });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(lastExportBody(emulator), {
      organization_id: org,
      range_start: from,
      range_end: to,
      actions: ["user.signed_in", "user.signed_out", "document.created"],
      actor_ids: [idA, idB],
      targets: ["user", "document"],
    });
    const expected = eventsIn(
      emulator,
      org,
      from,
      to,
      (e) =>
        ["user.signed_in", "user.signed_out", "document.created"].includes(
          e.action,
        ) && [idA, idB].includes(e.actor.id) &&
        e.targets.some((t) => t.type === "user" || t.type === "document"),
    );
    assert.ok(expected.length > 0);
    assert.deepEqual(ndjsonLines(run.stdout), expected.map(asExported));

    const names = await cli([
      "create",
      "--org",
      org,
      "--from",
      "30d",
      "--actor-name",
      "Lovelace, Ada",
      "--actor-name=O'Brien, Zoë",
    ], { server });
    assert.deepEqual(lastExportBody(emulator).actor_names, [
      "Lovelace, Ada",
      "O'Brien, Zoë",
    ]);
    assert.equal(names.code, 1, "nobody has those names");
  });
});

Deno.test("comma-split filters: wrong, empty, huge and hostile values", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const base = ["export", "--org", org, "--from", "7d"];
    const cases: [string[], RegExp][] = [
      [
        ["--action", ""],
        /--action: '' has an empty value; separate values with single commas/,
      ],
      [
        ["--action", "user.signed_in,,user.signed_out"],
        /--action: 'user.signed_in,,user.signed_out' has an empty value/,
      ],
      [["--target", ","], /--target: ',' has an empty value/],
      [["--actor-id", "user_1,"], /--actor-id: 'user_1,' has an empty value/],
      [["--action", " , "], /--action: ' , ' has an empty value/],
      [
        ["--actor-name", ""],
        /--actor-name \(value 1\): each value must not be empty/,
      ],
      [
        ["--action", `ok,${"a".repeat(2_000)}`],
        /--action \(value 2\): each value must be at most 1000 characters/,
      ],
      [
        ["--target", "team,\x1b[31mred"],
        /--target \(value 2\): each value must not contain control characters/,
      ],
      [
        ["--actor-name", "Ada\nLovelace"],
        /--actor-name \(value 1\): each value must not contain control characters/,
      ],
      [
        ["--action", ",\x1b]0;pwned\x07"],
        /--action: ',\\u001b\]0;pwned\\u0007' has an empty value/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([flags]) => cli([...base, ...flags], { server })),
    );
    for (const [i, run] of runs.entries()) {
      assertUsage(run, cases[i][1], JSON.stringify(cases[i][0]).slice(0, 200));
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");

    // Thousands of values in one flag, and values hostile only to a careless
    // consumer, are sent exactly as given.
    const many = Array.from({ length: 10_000 }, (_, i) => `a${i}.b`);
    const huge = await cli([...base, "--action", many.join(",")], { server });
    assert.equal(huge.code, 0, huge.stderr);
    assert.equal(huge.stdout, "");
    assert.deepEqual(lastExportBody(emulator).actions, many);
    const hostile = ['"; DROP TABLE audit; --', '=HYPERLINK("x")', "${PATH}"];
    const odd = await cli([
      ...base,
      "--target",
      hostile.join(","),
      "--actor-name",
      "@SUM(1), -2",
    ], { server });
    assert.equal(odd.code, 0, odd.stderr);
    const body = lastExportBody(emulator);
    assert.deepEqual(body.targets, hostile);
    assert.deepEqual(body.actor_names, ["@SUM(1), -2"]);
  });
});
