/**
 * `summary <file|->` on CSV, NDJSON, gzip and stdin with exact counts;
 * malformed NDJSON lines named by number, a CSV the reader refuses by its
 * error and line; `--summary` on `export` from the same pass, leaving
 * stdout's bytes as they were.
 *
 * @module
 */

import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { readNdjsonEvents } from "../src/cli/ndjson.ts";
import { exportEvents } from "../mod.ts";
import { cli, inProcess, READY, withEmulatorAndDir } from "./cli_helpers.ts";
import { SAMPLE_CSV, SAMPLE_SUMMARY } from "./cli_summary_sample.ts";

/** The sample as `export --format ndjson` writes it. */
async function sampleNdjson(): Promise<string> {
  let text = "";
  for await (const e of exportEvents(new Blob([SAMPLE_CSV]).stream())) {
    text += `${JSON.stringify(e)}\n`;
  }
  return text;
}

Deno.test("summary: exact figures of a CSV, the same of its NDJSON, gzipped or from stdin", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_summary_" });
  try {
    const ndjson = await sampleNdjson();
    await Deno.writeTextFile(`${dir}/audit.csv`, SAMPLE_CSV);
    await Deno.writeTextFile(`${dir}/audit.ndjson`, ndjson);
    await Deno.writeFile(`${dir}/audit.ndjson.gz`, gzipSync(ndjson));
    // No extension: the format is sniffed from the first bytes.
    await Deno.writeTextFile(`${dir}/events`, `\n${ndjson}`);
    await Deno.writeTextFile(`${dir}/rows`, SAMPLE_CSV);
    for (
      const name of [
        "audit.csv",
        "audit.ndjson",
        "audit.ndjson.gz",
        "events",
        "rows",
      ]
    ) {
      const run = await cli(["summary", `${dir}/${name}`, "--json"], {
        key: "",
      });
      assert.equal(run.code, 0, `${name}: ${run.stderr}`);
      assert.deepEqual(JSON.parse(run.stdout), SAMPLE_SUMMARY, name);
      assert.equal(run.stderr, "", name);
    }
    const piped = await inProcess(["summary", "-", "--json"], {
      stdin: () => new Blob([SAMPLE_CSV]).stream(),
    });
    assert.equal(piped.code, 0, piped.stderr);
    assert.deepEqual(JSON.parse(piped.stdout), SAMPLE_SUMMARY);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary: the text on stderr, ASCII off a UTF-8 locale, nothing on stdout", async () => {
  const run = await inProcess(["summary", "-"], {
    stdin: () => new Blob([SAMPLE_CSV]).stream(),
    env: { COLUMNS: "60" },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.equal(
    run.stderr,
    [
      "Summary of stdin:",
      "12 events, 2026-08-01 08:00:00Z to 2026-08-04 23:59:59Z",
      "per day  *:_#",
      "         2026-08-01 to 2026-08-04, 1 day a column, peak 6",
      "actions",
      "  user.signed_in     6",
      "  document.updated   4",
      "  team.member_added  2",
      "actors",
      "  user_ada           7",
      "  user_lin           3",
      "  user_zoe           2",
      "target types",
      "  team               8",
      "  document           4",
      "",
    ].join("\n"),
  );
});

Deno.test("summary: a malformed NDJSON line fails with exit 1 naming the line; a missing file names the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_summary_" });
  try {
    const good = (await sampleNdjson()).split("\n")[0];
    const cases: [string, RegExp][] = [
      [`${good}\n{not json\n`, /line 2 is not JSON/],
      [`${good}\n\n[1,2]\n`, /line 3 is not an event: it is not a JSON object/],
      [
        `${good}\n{"action":"a","occurredAt":"yesterday"}\n`,
        /line 2 is not an event: it has no "occurredAt"/,
      ],
      [
        `{"action":"a","occurredAt":"2026-08-01T00:00:00Z","actor":{"id":1}}\n`,
        /line 1 is not an event: "actor" has no string "id"/,
      ],
      [
        `{"action":"a","occurredAt":"2026-08-01T00:00:00Z","actor":{"id":"u","type":"user"},"targets":{}}\n`,
        /line 1 is not an event: "targets" is not an array/,
      ],
    ];
    for (const [text, pattern] of cases) {
      await Deno.writeTextFile(`${dir}/bad.ndjson`, text);
      const run = await inProcess(["summary", `${dir}/bad.ndjson`]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, pattern);
      assert.match(run.stderr, /bad\.ndjson: line/);
    }
    const missing = await inProcess(["summary", `${dir}/nope.csv`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.csv: ENOENT/);
    const usage = await inProcess(["summary"]);
    assert.equal(usage.code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("summary: a CSV that exportEvents refuses gets no summary, only its error and line", async () => {
  const cases: [string, RegExp][] = [
    [
      "action,occurred_at,actor_id\na,2026-08-01T00:00:00.000Z,u\nb,2026-02-30T00:00:00Z,u\n",
      /occurred_at "2026-02-30T00:00:00Z" is not an ISO-8601 date-time with a time zone \(line 3\)/,
    ],
    [
      'action,occurred_at,actor_id,metadata\na,2026-08-01T00:00:00.000Z,u,"[1]"\n',
      /Column "metadata" is not a JSON object \(line 2\)/,
    ],
    [
      "action,occurred_at,target_id_1,target_id_01\n",
      /Columns "target_id_1" and "target_id_01" name the same field \(line 1\)/,
    ],
  ];
  for (const [csv, pattern] of cases) {
    const run = await inProcess(["summary", "-", "--json"], {
      stdin: () => new Blob([csv]).stream(),
    });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, pattern);
  }
});

Deno.test("readNdjsonEvents: events as written, blank and CRLF lines, occurredAt a Date again", async () => {
  const ndjson = await sampleNdjson();
  const crlf = `\r\n${ndjson.replaceAll("\n", "\r\n")}\r\n`;
  const events = await Array.fromAsync(
    readNdjsonEvents(new Blob([crlf]).stream(), "x"),
  );
  assert.equal(events.length, 12);
  assert.ok(events[0].occurredAt instanceof Date);
  assert.equal(
    events.map((e) => `${JSON.stringify(e)}\n`).join(""),
    ndjson,
  );
});

Deno.test("--summary: stdout's bytes are the same with and without it; the summary goes to stderr, or into --json", async () => {
  await withEmulatorAndDir(READY, async ({ url, emulator, dir }) => {
    const server = { url };
    const org = emulator.organizations[0];
    const range = [
      "--org",
      org,
      "--from",
      "2026-10-01T00:00:00Z",
      "--to",
      new Date().toISOString(),
    ];
    let rows = 0;
    for (const format of ["ndjson", "csv"]) {
      const [plain, summarized] = await Promise.all([
        cli(["export", ...range, "--format", format], { server }),
        cli(["export", ...range, "--format", format, "--summary"], { server }),
      ]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(summarized.code, 0, summarized.stderr);
      assert.ok(plain.stdout.length > 1000);
      assert.equal(summarized.stdout, plain.stdout, format);
      // One event per NDJSON line; a CSV cell may hold a newline.
      if (format === "ndjson") rows = plain.stdout.trim().split("\n").length;
      assert.match(summarized.stderr, new RegExp(`\\n${rows} events, `));
      assert.match(summarized.stderr, /\nactions\n {2}\S+ +\d+\n/);
      assert.doesNotMatch(plain.stderr, /events, /);
    }
    const saved = await cli([
      "export",
      ...range,
      "--out",
      `${dir}/a.csv`,
      "--summary",
      "--json",
    ], { server });
    assert.equal(saved.code, 0, saved.stderr);
    const json = JSON.parse(saved.stdout);
    assert.equal(json.summary.events, json.rows);
    assert.match(json.summary.first, /^\d{4}-\d\d-\d\dT/);
    const again = await cli(["summary", `${dir}/a.csv`, "--json"], {
      key: "",
    });
    assert.deepEqual(JSON.parse(again.stdout), json.summary);
  });
});
