/**
 * `audit-log-export read` end to end: a real subprocess over an archive
 * that `archive` made from a served emulator.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportEvents } from "../mod.ts";
import { type EmulatorEvent, sampleEvents } from "../testing.ts";
import {
  asExported,
  assertUsage,
  cli,
  ndjsonLines,
  withEmulatorAndDir,
} from "./cli_helpers.ts";
import { readTree } from "./helpers.ts";

const ORG = "org_read_1";
const DAY = 86_400_000;

/** The whole days an archive `--from 3d` holds: [from, to). */
function archivedSpan(): { from: string; to: string } {
  const now = Date.now();
  const midnight = now - (now % DAY);
  const to = now - midnight >= 3_600_000 ? midnight : midnight - DAY;
  return {
    from: new Date(midnight - 3 * DAY).toISOString(),
    to: new Date(to).toISOString(),
  };
}

/** An archive of the last 3 whole days of one organization, made by the CLI. */
function withArchive(
  fn: (
    s: { dir: string; archive: string; events: EmulatorEvent[] },
  ) => Promise<void>,
): Promise<void> {
  const events = sampleEvents({
    organizations: [ORG],
    perOrganization: 60,
    days: 6,
  });
  return withEmulatorAndDir(
    { organizations: [ORG], events, exportDelayMs: 0, rateLimit: false },
    async ({ url, dir }) => {
      const archive = `${dir}/archive`;
      const run = await cli(
        ["archive", "--org", ORG, "--dir", archive, "--from", "3d"],
        { server: { url } },
      );
      assert.equal(run.code, 0, run.stderr);
      await fn({ dir, archive, events });
    },
  );
}

/** The events of `[from, to)` that `keep` takes, as NDJSON lines parse, in time order. */
function expected(
  events: EmulatorEvent[],
  span: { from: string; to: string },
  keep: (e: EmulatorEvent) => boolean,
): unknown[] {
  const [from, to] = [Date.parse(span.from), Date.parse(span.to)];
  return events.filter((e) => {
    const t = Date.parse(e.occurredAt);
    return t >= from && t < to && keep(e);
  }).sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt))
    .map(asExported);
}

/** JSON with every object's keys sorted: the same event, whatever the order of its members. */
const canonical = (x: unknown): string =>
  JSON.stringify(
    x,
    (_, v) =>
      typeof v === "object" && v !== null && !Array.isArray(v)
        ? Object.fromEntries(
          Object.entries(v).sort(([a], [b]) => a < b ? -1 : 1),
        )
        : v,
  );

const byJson = (list: unknown[]) => list.map(canonical).sort();

Deno.test("read with a filter writes exactly the matching events as NDJSON", async () => {
  await withArchive(async ({ archive, events }) => {
    const span = archivedSpan();
    const action = events[0].action;
    const actor = events[1].actor.id;
    const run = await cli([
      "read",
      "--dir",
      archive,
      "--org",
      ORG,
      "--from",
      span.from,
      "--to",
      span.to,
      "--action",
      action,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const got = ndjsonLines(run.stdout);
    const want = expected(events, span, (e) => e.action === action);
    assert.ok(want.length > 0);
    assert.deepEqual(byJson(got), byJson(want));
    // In time order.
    const times = got.map((e) =>
      Date.parse((e as { occurredAt: string }).occurredAt)
    );
    assert.deepEqual(times, [...times].sort((a, b) => a - b));

    // Two filters are combined with AND.
    const both = await cli([
      "read",
      "--dir",
      archive,
      "--org",
      ORG,
      "--from",
      span.from,
      "--to",
      span.to,
      "--action",
      `${action},${events[1].action}`,
      "--actor-id",
      actor,
    ]);
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual(
      byJson(ndjsonLines(both.stdout)),
      byJson(expected(
        events,
        span,
        (e) =>
          (e.action === action || e.action === events[1].action) &&
          e.actor.id === actor,
      )),
    );

    // The whole span, unfiltered, is every archived event.
    const all = await cli(
      [
        "read",
        "--dir",
        archive,
        "--org",
        ORG,
        "--from",
        span.from,
        "--to",
        span.to,
      ],
    );
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      byJson(ndjsonLines(all.stdout)),
      byJson(expected(events, span, () => true)),
    );
  });
});

Deno.test("read --format csv --out writes one row per event that the library reads back", async () => {
  await withArchive(async ({ dir, archive, events }) => {
    const span = archivedSpan();
    const out = `${dir}/events.csv`;
    const run = await cli([
      "read",
      "--dir",
      archive,
      "--org",
      ORG,
      "--from",
      span.from,
      "--to",
      span.to,
      "--format",
      "csv",
      "--out",
      out,
      "--json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    const want = expected(events, span, () => true);
    assert.equal(summary.rows, want.length);
    assert.equal(summary.file, out);
    const text = await Deno.readTextFile(out);
    assert.equal(summary.bytes, new TextEncoder().encode(text).byteLength);
    assert.ok(
      text.startsWith(
        "action,occurred_at,actor_id,actor_type,actor_name,actor_metadata,targets,context_location,context_user_agent,metadata\n",
      ),
    );
    const back = [];
    for await (const e of exportEvents(new Response(text))) back.push(e);
    assert.deepEqual(byJson(JSON.parse(JSON.stringify(back))), byJson(want));
  });
});

Deno.test("read: a file changed in the archive exits 4, names it, and leaves no --out file", async () => {
  await withArchive(async ({ dir, archive }) => {
    const span = archivedSpan();
    const keys = [...(await readTree(archive)).keys()].sort();
    const key = keys.find((k) => /Z\.csv$/.test(k))!;
    const bytes = await Deno.readFile(`${archive}/${key}`);
    bytes[bytes.length >> 1] ^= 1;
    await Deno.writeFile(`${archive}/${key}`, bytes);
    const out = `${dir}/kept.ndjson`;
    await Deno.writeTextFile(out, "old\n");
    const args = [
      "read",
      "--dir",
      archive,
      "--org",
      ORG,
      "--from",
      span.from,
      "--to",
      span.to,
    ];
    const run = await cli([...args, "--out", out]);
    assert.equal(run.code, 4, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `verification failed: The archive's ${
          key.replaceAll(".", "\\.")
        } does not match its digest`,
      ),
    );
    assert.match(run.stderr, /Run 'audit-log-export verify'/);
    assert.equal(await Deno.readTextFile(out), "old\n");
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(),
      ["archive", "kept.ndjson"],
    );
    const fresh = `${dir}/fresh.csv`;
    const csv = await cli([...args, "--format", "csv", "--out", fresh]);
    assert.equal(csv.code, 4, csv.stderr);
    await assert.rejects(Deno.stat(fresh));
    const stdout = await cli(args);
    assert.equal(stdout.code, 4, stdout.stderr);
  });
});

Deno.test("read: wrong, empty, huge and hostile values exit 2 and name the flag", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_read_usage_" });
  const base = ["--dir", dir, "--org", ORG];
  try {
    const cases: [string[], RegExp][] = [
      [["--dir", dir, "--from", "1d"], /--org is required/],
      [["--dir", dir, "--org", ORG], /--from is required/],
      [["--org", ORG, "--from", "1d"], /--dir <path> or --s3/],
      [
        [...base, "--from", "2026-02-01", "--to", "2026-01-01"],
        /--from .* is not before --to/,
      ],
      [[...base, "--from", "1d", "--to", "2d"], /is not before --to/],
      [[...base, "--from", "soon"], /--from: 'soon' is not a time/],
      [
        [...base, "--from", "1d", "--format", "xml"],
        /--format: 'xml' is not one of csv, ndjson/,
      ],
      [[...base, "--from", "1d", "--json"], /--json needs --out <file>/],
      [[...base, "--from", "1d", "--out", ""], /--out needs a file name/],
      [
        [...base, "--from", "1d", "--out", `${dir}/no/such/dir/x`],
        /--out: cannot write/,
      ],
      [
        [...base, "--from", "1d", "--action", ""],
        /--action: '' has an empty value/,
      ],
      [
        [...base, "--from", "1d", "--action", "a,,b"],
        /--action: 'a,,b' has an empty value/,
      ],
      [[...base, "--from", "1d", "--target", "x".repeat(5000)], /--target/],
      [
        ["--dir", dir, "--org", "../etc", "--from", "1d"],
        /--org.*letters, digits/,
      ],
      [["--dir", dir, "--org", "org_\u202eevil", "--from", "1d"], /--org/],
      [
        [...base, "--from", "1d", "--org", ORG],
        /--org was given more than once/,
      ],
      [
        [...base, "--from", "1d", "--public-key", dir],
        /--public-key: .* is not a regular file/,
      ],
      [
        [...base, "--from", "1d", "--window", "1d"],
        /unknown flag --window for 'read'/,
      ],
    ];
    for (const [args, pattern] of cases) {
      assertUsage(await cli(["read", ...args]), pattern, JSON.stringify(args));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
