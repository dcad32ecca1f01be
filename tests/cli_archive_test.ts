/**
 * `audit-log-export archive` end to end: a real subprocess against a served
 * emulator, into a real directory — including runs killed with SIGKILL at
 * random points and rerun until the archive is complete.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportRows } from "../mod.ts";
import { type EmulatorEvent, sampleEvents, serveEmulator } from "../testing.ts";
import { checked, cli, KEY, spawn } from "./cli_helpers.ts";
import { readTree } from "./helpers.ts";

const DAY = 86_400_000;
const ORGS = ["org_arch_1", "org_arch_2"];

/** A served emulator with `days` days of events for two organizations, and a temp dir. */
async function withArchiveSetup(
  days: number,
  fn: (s: {
    server: { url: string };
    emulator: Awaited<ReturnType<typeof serveEmulator>>["emulator"];
    events: EmulatorEvent[];
    dir: string;
  }) => Promise<void>,
): Promise<void> {
  const events = sampleEvents({
    organizations: ORGS,
    perOrganization: days * 3,
    days: days + 2,
  });
  const server = await serveEmulator({
    apiKey: KEY,
    organizations: ORGS,
    events,
    exportDelayMs: 0,
    rateLimit: false,
  });
  const dir = await Deno.makeTempDir({ prefix: "cli_archive_" });
  try {
    await fn({ server, emulator: server.emulator, events, dir });
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
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
  await withArchiveSetup(6, async ({ server, events, dir }) => {
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
  await withArchiveSetup(3, async ({ server, events, dir }) => {
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
  await withArchiveSetup(3, async ({ server, dir }) => {
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
  await withArchiveSetup(3, async ({ server, dir }) => {
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
  await withArchiveSetup(1, async ({ server, emulator, dir }) => {
    const cases: [string[], RegExp][] = [
      [["--dir", dir], /--org is required/],
      [["--org", "org_arch_1"], /--dir is required/],
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
  await withArchiveSetup(8, async ({ server, emulator, events, dir }) => {
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
