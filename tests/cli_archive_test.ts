/**
 * `audit-log-export archive` end to end: a real subprocess against a served
 * emulator, into a real directory — including runs killed with SIGKILL at
 * random points and rerun until the archive is complete.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportRows } from "../mod.ts";
import { type EmulatorEvent, sampleEvents } from "../testing.ts";
import { checked, cli, spawn, withEmulatorAndDir } from "./cli_helpers.ts";
import { type Api, readTree, TEST_KEY } from "./helpers.ts";

const DAY = 86_400_000;
const ORGS = ["org_arch_1", "org_arch_2"];

/** {@link withEmulatorAndDir}, with `days` days of sample events for two organizations. */
function withSampleDays(
  days: number,
  fn: (
    s: Api & { server: Api; events: EmulatorEvent[]; dir: string },
  ) => Promise<void>,
): Promise<void> {
  const events = sampleEvents({
    organizations: ORGS,
    perOrganization: days * 3,
    days: days + 2,
  });
  return withEmulatorAndDir(
    { organizations: ORGS, events, exportDelayMs: 0, rateLimit: false },
    (s) => fn({ ...s, server: s, events }),
  );
}

/** `org|occurred_at|action|actor_id` of every row of every CSV file, sorted. */
async function archived(dir: string): Promise<string[]> {
  const seen: string[] = [];
  for (const [key, body] of await readTree(dir)) {
    if (!key.endsWith(".csv")) continue;
    for await (const row of exportRows(new Response(body.slice()))) {
      seen.push(
        `${key.split("/")[0]}|${row.occurred_at}|${row.action}|${row.actor_id}`,
      );
    }
  }
  return seen.sort();
}

const expected = (events: EmulatorEvent[], from: number, to: number) =>
  events.filter((e) => {
    const t = Date.parse(e.occurredAt);
    return t >= from && t < to;
  }).map((e) => `${e.organizationId}|${e.occurredAt}|${e.action}|${e.actor.id}`)
    .sort();

/** The first whole UTC day `days` ago, and the end of the last archivable day. */
function span(days: number): { from: number; to: number } {
  const now = Date.now();
  const midnight = now - (now % DAY);
  // A window is archived once it ended an hour ago.
  const to = now - midnight >= 3_600_000 ? midnight : midnight - DAY;
  return { from: midnight - days * DAY, to };
}

Deno.test("archive stores every whole day once; a second run archives nothing", async () => {
  await withSampleDays(6, async ({ server, events, dir }) => {
    const { from, to } = span(5);
    const first = await cli([
      "archive",
      "--org",
      ORGS.join(","),
      "--dir",
      dir,
      "--from",
      "5d",
    ], { server });
    assert.equal(first.code, 0, first.stderr);
    const windows = (to - from) / DAY * ORGS.length;
    assert.equal(
      first.stderr.split("\n").filter((l) => / rows? → org_arch_/.test(l))
        .length,
      windows,
      first.stderr,
    );
    assert.match(first.stderr, new RegExp(`Archived ${windows} windows`));
    assert.deepEqual(await archived(dir), expected(events, from, to));
    const files = await readTree(dir);
    const day = new Date(from).toISOString().slice(0, 10);
    const compact = day.replaceAll("-", "");
    assert.ok(
      files.has(
        `org_arch_1/${day.replaceAll("-", "/")}/${compact}T000000Z_${
          new Date(from + DAY).toISOString().slice(0, 10).replaceAll("-", "")
        }T000000Z.csv`,
      ),
      [...files.keys()].join("\n"),
    );
    const checkpoint = JSON.parse(
      new TextDecoder().decode(files.get("org_arch_2/checkpoint.json")),
    );
    assert.equal(checkpoint.end, new Date(to).toISOString());

    const again = await cli(
      ["archive", "--org", ORGS.join(","), "--dir", dir, "--json"],
      { server },
    );
    assert.equal(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout);
    assert.equal(summary.windows, 0);
    assert.equal(summary.rows, 0);
    assert.deepEqual(summary.gaps, []);
    assert.deepEqual(
      [...(await readTree(dir)).keys()].sort(),
      [...files.keys()].sort(),
    );
  });
});

Deno.test("archive --format ndjson writes one event per line", async () => {
  await withSampleDays(3, async ({ server, events, dir }) => {
    const { from, to } = span(2);
    const run = await cli([
      "archive",
      "--org",
      "org_arch_1",
      "--dir",
      dir,
      "--from",
      new Date(from).toISOString(),
      "--format",
      "ndjson",
      "--json",
    ], { server });
    assert.equal(run.code, 0, run.stderr);
    const lines: { action: string; occurredAt: string }[] = [];
    for (const [key, body] of await readTree(dir)) {
      if (!key.endsWith(".ndjson")) continue;
      for (const line of new TextDecoder().decode(body).split("\n")) {
        if (line) lines.push(JSON.parse(line));
      }
    }
    const mine = events.filter((e) => e.organizationId === "org_arch_1");
    assert.deepEqual(
      lines.map((e) => `${e.occurredAt}|${e.action}`).sort(),
      expected(mine, from, to).map((k) => k.split("|").slice(1, 3).join("|")),
    );
    assert.equal(JSON.parse(run.stdout).rows, lines.length);
  });
});

Deno.test("archive exits 3 with a warning when the archive has a gap, and archives the rest", async () => {
  await withSampleDays(3, async ({ server, dir }) => {
    const run = await cli([
      "archive",
      "--org",
      "org_arch_1",
      "--dir",
      dir,
      "--from",
      "2026-01-01",
      "--json",
    ], { server });
    assert.equal(run.code, 3, run.stderr);
    assert.match(
      run.stderr,
      /warning: org_arch_1 has a gap from 2026-01-01T00:00:00\.000Z to .*: WorkOS no longer exports those events/,
    );
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.gaps.length, 1);
    assert.ok(summary.windows > 80, String(summary.windows));
  });
});

Deno.test("archive: a failing organization exits 1, the others are archived", async () => {
  await withSampleDays(3, async ({ server, dir }) => {
    const run = await cli([
      "archive",
      "--org",
      "org_arch_1,org_unknown",
      "--dir",
      dir,
      "--from",
      "2d",
      "--json",
    ], { server });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /org_unknown.*Organization not found/);
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(
      summary.failures.map((f: { organizationId: string }) => f.organizationId),
      [
        "org_unknown",
      ],
    );
    assert.ok(summary.windows >= 1);
    assert.ok((await readTree(dir)).has("org_arch_1/checkpoint.json"));
  });
});

Deno.test("archive: wrong, empty, huge and hostile values exit 2 before any request", async () => {
  await withSampleDays(1, async ({ server, emulator, dir }) => {
    const cases: [string[], RegExp][] = [
      [["--dir", dir], /--org is required/],
      [
        ["--org", "org_arch_1"],
        /--dir <path> or --s3 s3:\/\/<bucket>\/<prefix> is required/,
      ],
      [["--org", "org_arch_1", "--dir", ""], /--dir is required/],
      [["--org", "", "--dir", dir], /--org/],
      [["--org", "org_arch_1,", "--dir", dir], /--org/],
      [["--org", "../etc", "--dir", dir], /--org.*letters, digits/],
      [["--org", "a/b", "--dir", dir], /--org.*letters, digits/],
      [["--org", "x".repeat(300), "--dir", dir], /--org/],
      [["--org", "org_\u202eevil", "--dir", dir], /--org/],
      [["--org", "org_arch_1", "--dir", dir, "--window", "30s"], /--window/],
      [["--org", "org_arch_1", "--dir", dir, "--window", "soon"], /--window/],
      [["--org", "org_arch_1", "--dir", dir, "--window", "99999d"], /--window/],
      [["--org", "org_arch_1", "--dir", dir, "--settle", "-1h"], /--settle/],
      [["--org", "org_arch_1", "--dir", dir, "--format", "xml"], /--format/],
      [["--org", "org_arch_1", "--dir", dir, "--from", "yesterday"], /--from/],
      [
        ["--org", "org_arch_1", "--dir", dir, "--concurrency", "0"],
        /--concurrency/,
      ],
      [["--org", "org_arch_1,org_arch_1", "--dir", dir], /--org.*twice/],
      [["--org", "org_arch_1", "--dir", dir, "--s3", "s3://b/p"], /not both/],
      [
        ["--org", "org_arch_1", "--dir", dir, "--object-lock", "compliance:9"],
        /--object-lock needs --s3/,
      ],
      [
        ["--org", "org_arch_1", "--dir", dir, "--compress", "zip"],
        /--compress/,
      ],
      [["--org", "org_arch_1", "--dir", dir, "--compress", ""], /--compress/],
      [
        ["--org", "org_arch_1", "--dir", dir, "--signing-key", `${dir}/no.jwk`],
        /--signing-key: .* cannot be read: no such file/,
      ],
      [
        ["--org", "org_arch_1", "--dir", dir, "--signing-key", ""],
        /--signing-key/,
      ],
      [
        ["--org", "org_arch_1", "--dir", dir, "--signing-key", dir],
        /not a regular file/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await cli(["archive", ...args], { server });
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(" "));
    }
    assert.deepEqual(emulator.requests, []);
    assert.deepEqual([...(await readTree(dir)).keys()], []);
  });
});

Deno.test("archive killed with SIGKILL anywhere, then rerun, holds every event exactly once", async () => {
  await withSampleDays(8, async ({ server, emulator, events, dir }) => {
    const { from, to } = span(7);
    const args = [
      "archive",
      "--org",
      ORGS.join(","),
      "--dir",
      dir,
      "--from",
      "7d",
    ];
    // Faults slow the downloads down and cut some, so kills land everywhere:
    // mid-request, mid-download, mid-write, between file and checkpoint.
    emulator.inject({
      path: /^\/_emulator\/downloads\//,
      dripMs: 5,
      times: 20,
    });
    emulator.inject({
      path: /^\/_emulator\/downloads\//,
      truncate: 300,
      times: 3,
    });
    emulator.inject({ method: "POST", status: 503, times: 2 });
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    let kills = 0;
    // A killed run's temporary files and lock are let go at once only when
    // its process can be seen to be gone: that takes these permissions.
    const allow = [
      "--allow-net=127.0.0.1,localhost",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-sys=hostname",
    ];
    for (let i = 0; i < 12; i++) {
      const child = spawn(args, { server, allow });
      const timer = setTimeout(
        () => child.kill("SIGKILL"),
        30 + random() * 600,
      );
      const out = await child.output();
      clearTimeout(timer);
      if (out.signal === "SIGKILL") kills++;
      else checked(out, {});
    }
    assert.ok(kills >= 3, `only ${kills} runs were killed`);
    // Then runs to the end, as the next cron runs would.
    let done = false;
    for (let i = 0; i < 5 && !done; i++) {
      done = (await cli(args, { server, allow })).code === 0;
    }
    assert.ok(done, "the archive never completed");
    assert.deepEqual(await archived(dir), expected(events, from, to));
  });
});

Deno.test("demo --archive archives the sample organizations' last week, and a second run has nothing to do", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_demo_archive_" });
  try {
    const first = await cli(["demo", "--archive", dir, "--json"], { key: "" });
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    // Seven days of three organizations; six when run before 01:00 UTC.
    assert.ok([18, 21].includes(summary.windows), String(summary.windows));
    assert.ok(summary.rows > 0);
    const files = [...(await readTree(dir)).keys()];
    assert.equal(
      files.filter((f) => f.endsWith(".csv")).length,
      summary.windows,
    );
    assert.equal(files.filter((f) => f.endsWith("checkpoint.json")).length, 3);
    const second = await cli(["demo", "--archive", dir], { key: "" });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Nothing new to archive/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("archive: --window, --settle and --recheck take what the library allows", async () => {
  await withSampleDays(1, async ({ server, emulator, dir }) => {
    const base = ["archive", "--org", "org_arch_1", "--dir", dir, "--json"];
    for (
      const flags of [
        ["--window", "25d"],
        ["--window", "31d"],
        ["--window", "2w"],
        ["--settle", "0"],
        ["--recheck", "0"],
        ["--recheck", "30d"],
      ]
    ) {
      const run = await cli([...base, ...flags, "--from", "1d"], { server });
      // Another --window than the archive's first is refused (exit 1) by
      // design; each case therefore runs in a directory of its own.
      assert.ok([0, 1].includes(run.code), `${flags.join(" ")}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /is not a duration/, flags.join(" "));
      await Deno.remove(dir, { recursive: true });
      await Deno.mkdir(dir);
    }
    const before = emulator.requests.length;
    const refused: [string[], RegExp][] = [
      [
        ["--window", "32d"],
        /--window: '32d' is not a duration above 0 up to 31d/,
      ],
      [["--window", "0"], /--window: '0' is not a duration above 0/],
      [
        ["--settle", "32d"],
        /--settle: '32d' is not a duration from 0 up to 31d/,
      ],
      [["--recheck=-1d"], /--recheck: '-1d' is not a duration/],
      [["--recheck", "soon"], /--recheck/],
      // The library's own words, with only its option names turned into flags.
      [
        ["--window", "30s"],
        /--window: must be a whole number of ms from 60000 to/,
      ],
    ];
    for (const [flags, message] of refused) {
      const run = await cli([...base, ...flags], { server });
      assert.equal(run.code, 2, `${flags.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message, flags.join(" "));
    }
    assert.equal(emulator.requests.length, before);
  });
});

Deno.test("archive: a gap is reported by every run, a failing one too, until --accept-gaps", async () => {
  await withSampleDays(3, async ({ server, dir }) => {
    const args = ["archive", "--dir", dir, "--recheck", "0"];
    const gapLine =
      /warning: org_arch_1 has a gap from 2026-01-01T00:00:00\.000Z to \S+ \(found \S+\): WorkOS no longer exports those events/;
    const first = await cli([
      ...args,
      "--org",
      "org_arch_1",
      "--from",
      "2026-01-01",
    ], {
      server,
    });
    assert.equal(first.code, 3, first.stderr);
    assert.match(first.stderr, gapLine);
    // The checkpoint has moved past the gap; the ledger has not forgotten it.
    const ledger = JSON.parse(
      await Deno.readTextFile(`${dir}/org_arch_1/gaps.json`),
    );
    assert.equal(ledger.gaps.length, 1);
    assert.equal(ledger.gaps[0].from, "2026-01-01T00:00:00.000Z");

    // Another organization fails in the same run: exit 1, and the gap is
    // still said, on stderr and in the JSON.
    const failing = await cli([
      ...args,
      "--org",
      "org_arch_1,org_unknown",
      "--json",
    ], {
      server,
    });
    assert.equal(failing.code, 1, failing.stderr);
    assert.match(failing.stderr, gapLine);
    assert.match(failing.stderr, /org_unknown/);
    assert.equal(JSON.parse(failing.stdout).gaps.length, 1);

    const again = await cli([...args, "--org", "org_arch_1"], { server });
    assert.equal(again.code, 3, again.stderr);
    assert.match(again.stderr, gapLine);

    const accepted = await cli([
      ...args,
      "--org",
      "org_arch_1",
      "--accept-gaps",
    ], {
      server,
    });
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(
      accepted.stderr,
      /note: the gap of org_arch_1 .* is acknowledged/,
    );
    const after = await cli([...args, "--org", "org_arch_1"], { server });
    assert.equal(after.code, 0, after.stderr);
    // No warning or note; the closing table's "gaps" column says 0.
    assert.doesNotMatch(after.stderr, /\bgap\b/);
    assert.match(
      after.stderr,
      /^organization {2}windows {2}rows {2}late events {2}gaps {2}failures$/m,
    );
    assert.match(after.stderr, /^org_arch_1 +0 +0 +0 +0 +0$/m);
    const kept = JSON.parse(
      await Deno.readTextFile(`${dir}/org_arch_1/gaps.json`),
    );
    assert.equal(kept.gaps.length, 1);
    assert.ok(kept.gaps[0].acceptedAt);
  });
});

Deno.test("archive: back-dated events are found by the next run, stored once beside their window, and reported", async () => {
  await withSampleDays(4, async ({ server, emulator, events, dir }) => {
    const args = [
      "archive",
      "--org",
      "org_arch_1",
      "--dir",
      dir,
      "--from",
      "3d",
    ];
    const first = await cli(args, { server });
    assert.equal(first.code, 0, first.stderr);
    const { from, to } = span(3);
    // An application writes an event dated inside an archived day.
    const late = new Date(from + DAY + 12 * 3_600_000).toISOString();
    const posted = await fetch(`${server.url}/audit_logs/events`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${TEST_KEY}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        organization_id: "org_arch_1",
        event: {
          action: "late.arrival",
          occurred_at: late,
          actor: { id: "user_late", type: "user" },
          targets: [{ id: "doc_late", type: "document" }],
          context: { location: "203.0.113.5" },
        },
      }),
    });
    assert.equal(posted.status, 200, await posted.text());
    const before = await readTree(dir);
    const posts = () =>
      emulator.requests.filter((r) =>
        r.method === "POST" && r.path === "/audit_logs/exports"
      ).length;
    const exportsBefore = posts();
    const second = await cli([...args, "--json"], { server });
    assert.equal(second.code, 0, second.stderr);
    const summary = JSON.parse(second.stdout);
    assert.equal(summary.late, 1);
    assert.equal(summary.addenda.length, 1);
    assert.match(summary.addenda[0].key, /\.late-\d{8}T\d{6}Z\.csv$/);
    assert.match(
      second.stderr,
      /note: 1 late event for org_arch_1\/.* → .*\.late-/,
    );
    // One extra export for the re-check, none for the windows (none new).
    assert.equal(posts() - exportsBefore, summary.windows + 1);
    // Nothing archived before was rewritten.
    const after = await readTree(dir);
    for (const [key, body] of before) {
      if (key.endsWith(".csv")) assert.deepEqual(after.get(key), body, key);
    }
    const withLate = [
      ...events,
      {
        organizationId: "org_arch_1",
        occurredAt: late,
        action: "late.arrival",
        actor: { id: "user_late", type: "user" },
      } as EmulatorEvent,
    ];
    const only1 = (e: EmulatorEvent) => e.organizationId === "org_arch_1";
    const archivedTo = to + (summary.windows as number) * DAY;
    assert.deepEqual(
      await archived(dir),
      expected(withLate.filter(only1), from, archivedTo),
    );
    // A rerun finds nothing new.
    const third = await cli([...args, "--json"], { server });
    assert.equal(third.code, 0, third.stderr);
    assert.equal(JSON.parse(third.stdout).late, 0);
    assert.deepEqual(
      await archived(dir),
      expected(withLate.filter(only1), from, archivedTo),
    );
  });
});
