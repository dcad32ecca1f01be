/**
 * What a person sees: the real CLI in a tmux pseudo-terminal of 40, 80 and
 * 200 columns against the emulator on loopback. A download that stalls
 * half-way (and is resumed) is seen mid-way and at its end; one whose size
 * is unknown shows bytes and rate; `TERM=dumb` gets plain lines; `summary`
 * draws its sparkline. Off a terminal, the progress is a few plain lines.
 *
 * Without tmux these tests are skipped, saying so: the screen is tmux's.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ptyDrivers, type PtyResult, runInPty } from "./pty_helpers.ts";
import { CLI, CONFIG, DOWNLOADS, inProcess } from "./cli_helpers.ts";
import { DAY, storedEvent, TEST_KEY, withEmulator } from "./helpers.ts";
import type { EmulatorEvent } from "../testing.ts";
import { displayWidth } from "../src/cli/text.ts";
import { SAMPLE_CSV } from "./cli_summary_sample.ts";

const tmux = (await ptyDrivers()).includes("tmux");
if (!tmux) {
  console.warn(
    "cli_screen_test: tmux is not installed; the screen tests are skipped",
  );
}

const ORG = "org_01EHZNVPK3SFK441A1RGBFSHRT";
const ACTIONS = ["user.signed_in", "user.signed_out", "document.updated"];

/** 6,000 events over the last 20 days: a file of about half a MiB. */
function manyEvents(): EmulatorEvent[] {
  const start = Date.now() - 20 * DAY;
  return Array.from({ length: 6000 }, (_, i) =>
    storedEvent(ORG, {
      action: ACTIONS[i % ACTIONS.length],
      occurredAt: new Date(start + i * 250_000).toISOString(),
      actor: { id: `user_${i % 7}`, type: "user", name: "Ada Lovelace" },
    }));
}

/** The environment of a terminal that shows UTF-8 and no colour. */
const TERMINAL = {
  WORKOS_API_KEY: TEST_KEY,
  WORKOS_BASE_URL: "",
  AUDIT_LOG_EXPORT_DEBUG: "",
  LANG: "C.UTF-8",
  LC_ALL: "",
  TERM: "xterm-256color",
  NO_COLOR: "1",
  COLUMNS: "",
};

/** The CLI as the pseudo-terminal runs it. */
const command = (args: string[]) => [
  Deno.execPath(),
  "run",
  "--config",
  CONFIG,
  "--allow-net=127.0.0.1,localhost",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  CLI,
  ...args,
];

/** A redrawn download line with its percent somewhere short of 100. */
const MIDWAY = /^Downloading \S+ .*\b([1-9]\d?)% /;

/** Runs `export --out` of the many events, stalled half-way, in a terminal `width` wide. */
function stalledExport(
  width: number,
  env: Record<string, string> = {},
): Promise<PtyResult & { dir: string }> {
  return withEmulator(
    { exportDelayMs: 0, organizations: [ORG], events: manyEvents() },
    async ({ url, emulator }) => {
      // Half the file, then silence until --timeout resumes it from there.
      emulator.inject({ path: DOWNLOADS, stallAfter: 300_000 });
      const dir = await Deno.makeTempDir({ prefix: "cli_screen_" });
      const result = await runInPty(
        command([
          "export",
          "--org",
          ORG,
          "--from",
          "30d",
          "--out",
          `${dir}/audit.csv`,
          "--timeout",
          "2s",
          "--base-url",
          url,
        ]),
        {
          width,
          height: 12,
          env: { ...TERMINAL, ...env },
          driver: "tmux",
          timeout: 60_000,
          watch: (lines) => MIDWAY.test(lines.at(-1) ?? ""),
        },
      );
      await Deno.remove(dir, { recursive: true });
      return { ...result, dir };
    },
  );
}

for (const width of [40, 80, 200]) {
  Deno.test({
    name:
      `screen ${width} columns: the download's bar is seen mid-way, one line a column short of the width, then its totals`,
    ignore: !tmux,
    async fn() {
      const run = await stalledExport(width);
      assert.equal(run.code, 0, run.lines.join("\n"));
      const seen = run.seen ?? [];
      const bar = seen.at(-1) ?? "";
      assert.match(bar, MIDWAY, seen.join("\n"));
      assert.ok(displayWidth(bar) <= width - 1, bar);
      if (width >= 80) {
        // Room for every figure: bar, bytes of the known size, rate, time left.
        assert.match(
          bar,
          /█+░+ +\d+% [\d.]+ KiB \/ [\d.]+ KiB [\d.]+ (KiB|MiB)\/s \d+:\d\d left$/,
        );
      } else assert.match(bar, /█+░+ +\d+%/);
      // The final screen: the bar replaced by the totals, on one line.
      const done = run.lines.find((l) => l.startsWith("Downloading"));
      assert.ok(done, run.lines.join("\n"));
      assert.ok(displayWidth(done) <= width - 1, done);
      // At 40 columns even the shortest label leaves the figures cut.
      assert.match(
        done,
        width >= 80
          ? /: [\d.]+ KiB in \d:\d\d, [\d.]+ (KiB|MiB)\/s, 1 resume$/
          : /^Downloading…: [\d.]+ KiB in \d:\d\d, /,
      );
      assert.ok(!run.lines.some((l) => /%/.test(l)), run.lines.join("\n"));
      assert.match(run.lines.join(""), /Saved 6000 rows, \d+ bytes/);
    },
  });
}

Deno.test({
  name: "screen: TERM=dumb gets plain lines, never a redraw or a bar",
  ignore: !tmux,
  async fn() {
    const run = await stalledExport(80, { TERM: "dumb" });
    assert.equal(run.code, 0, run.lines.join("\n"));
    // Plain lines longer than the terminal wrap: read them joined.
    const text = run.lines.join("");
    const downloading = text.split("Downloading ").slice(1);
    assert.ok(downloading.length >= 2 && downloading.length <= 3, text);
    assert.match(downloading[0], /: 0 B \/ [\d.]+ KiB \(0%\)/);
    assert.match(downloading.at(-1)!, /: [\d.]+ KiB in \d:\d\d, .*1 resume/);
    assert.ok(!/[█░]/.test(text));
  },
});

Deno.test({
  name:
    "screen: a download of unknown size shows bytes and rate, no bar; the line resumes in place",
  ignore: !tmux,
  async fn() {
    await withEmulator({ exportDelayMs: 0 }, async ({ url, emulator }) => {
      // The drip sends no Content-Length: the size is unknown.
      emulator.inject({ path: DOWNLOADS, dripMs: 150 });
      const unknown = /^Downloading \S+ [\d.]+ (B|KiB) [\d.]+ (B|KiB)\/s$/;
      const run = await runInPty(
        command([
          "export",
          "--org",
          emulator.organizations[0],
          "--from",
          "30d",
          "--base-url",
          url,
          "--out",
          "/dev/null",
        ]),
        {
          width: 80,
          env: TERMINAL,
          driver: "tmux",
          timeout: 60_000,
          watch: (lines) =>
            /[1-9]/.test(lines.at(-1)?.split(" ")[2] ?? "") &&
            unknown.test(lines.at(-1) ?? ""),
        },
      );
      assert.equal(run.code, 0, run.lines.join("\n"));
      assert.match(run.seen?.at(-1) ?? "", unknown);
      assert.match(
        run.lines.find((l) => l.startsWith("Downloading")) ?? "",
        /^Downloading audit_log_export_\S+: [\d.]+ KiB in \d:\d\d, [\d.]+ KiB\/s$/,
      );
    });
  },
});

/** The summary's screen at `width`, with a locale. */
async function summaryScreen(width: number, lang: string): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "cli_screen_" });
  try {
    await Deno.writeTextFile(`${dir}/audit.csv`, SAMPLE_CSV);
    const run = await runInPty(command(["summary", `${dir}/audit.csv`]), {
      width,
      env: { ...TERMINAL, LANG: lang },
      driver: "tmux",
    });
    assert.equal(run.code, 0, run.lines.join("\n"));
    // The first line names the temporary file, and wraps at 40 columns.
    return run.lines.slice(run.lines.findIndex((l) => l.startsWith("12 ")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "screen: summary of a known file at 40, 80 and 200 columns, blocks on UTF-8 and ASCII in the C locale",
  ignore: !tmux,
  async fn() {
    const tail = [
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
    ];
    const wide = [
      "12 events, 2026-08-01 08:00:00Z to 2026-08-04 23:59:59Z",
      "per day  ▇▃▁█",
      "         2026-08-01 to 2026-08-04, 1 day a column, peak 6",
      ...tail,
    ];
    assert.deepEqual(await summaryScreen(80, "C.UTF-8"), wide);
    assert.deepEqual(await summaryScreen(200, "C.UTF-8"), wide);
    assert.deepEqual(await summaryScreen(40, "C.UTF-8"), [
      "12 events",
      "from 2026-08-01 08:00:00Z",
      "to   2026-08-04 23:59:59Z",
      "per day  ▇▃▁█",
      "         2026-08-01 to 2026-08-04",
      ...tail,
    ]);
    const ascii = await summaryScreen(80, "C");
    assert.equal(ascii[1], "per day  *:_#");
  },
});

Deno.test("off a terminal: a few plain lines for a large download, no carriage return, no escape sequence", async () => {
  await withEmulator(
    { exportDelayMs: 0, organizations: [ORG], events: manyEvents() },
    async ({ url, emulator }) => {
      emulator.inject({ path: DOWNLOADS, stallAfter: 300_000 });
      const child = await new Deno.Command(Deno.execPath(), {
        args: command([
          "export",
          "--org",
          ORG,
          "--from",
          "30d",
          "--timeout",
          "2s",
          "--base-url",
          url,
        ]).slice(1),
        env: { ...TERMINAL, NO_COLOR: "" },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(child.stderr);
      assert.equal(child.code, 0, stderr);
      assert.ok(!stderr.includes("\r"), JSON.stringify(stderr));
      assert.ok(!stderr.includes("\x1b"), JSON.stringify(stderr));
      const lines = stderr.trimEnd().split("\n");
      const downloading = lines.filter((l) => l.startsWith("Downloading"));
      assert.ok(downloading.length <= 3, stderr);
      assert.match(downloading[0], /: 0 B \/ [\d.]+ KiB \(0%\)/);
      assert.match(downloading.at(-1)!, /in \d:\d\d, .*, 1 resume$/);
    },
  );
});

Deno.test("colour on a terminal unless NO_COLOR: only the bar's filled part is painted", async () => {
  await withEmulator(
    { exportDelayMs: 0, organizations: [ORG], events: manyEvents() },
    async ({ url, emulator }) => {
      const run = async (env: Record<string, string>) => {
        emulator.inject({ path: DOWNLOADS, stallAfter: 300_000 });
        return await inProcess(
          [
            "export",
            "--org",
            ORG,
            "--from",
            "30d",
            "--timeout",
            "1s",
            "--base-url",
            url,
            "--out",
            "/dev/null",
          ],
          {
            env: {
              WORKOS_API_KEY: TEST_KEY,
              TERM: "xterm",
              LANG: "C.UTF-8",
              ...env,
            },
            isTTY: true,
          },
        );
      };
      const coloured = await run({});
      assert.equal(coloured.code, 0, coloured.stderr);
      // deno-lint-ignore no-control-regex
      assert.match(coloured.stderr, /\x1b\[36m█+\x1b\[39m░+/);
      const plain = await run({ NO_COLOR: "1" });
      assert.equal(plain.code, 0, plain.stderr);
      assert.match(plain.stderr, /\r[^\r]*█+░+/);
      assert.ok(!plain.stderr.includes("\x1b[36m"));
    },
  );
});

Deno.test({
  name:
    "screen: archive draws each organization's windows done of those planned under the stored lines, then the table",
  ignore: !tmux,
  async fn() {
    const orgs = ["org_screen_a", "org_screen_b"];
    const events = orgs.map((org) =>
      storedEvent(org, {
        occurredAt: new Date(Date.now() - 2 * DAY).toISOString(),
      })
    );
    await withEmulator(
      { exportDelayMs: 0, rateLimit: false, organizations: orgs, events },
      async ({ url }) => {
        const dir = await Deno.makeTempDir({ prefix: "cli_screen_archive_" });
        try {
          const run = await runInPty(
            command([
              "archive",
              "--org",
              orgs.join(","),
              "--dir",
              dir,
              "--from",
              "4d",
              "--concurrency",
              "1",
              "--base-url",
              url,
            ]),
            { width: 80, env: TERMINAL, driver: "tmux", timeout: 60_000 },
          );
          assert.equal(run.code, 0, run.lines.join("\n"));
          for (const line of run.lines) assert.ok(displayWidth(line) <= 80);
          // The last organization's bar is left full where it was drawn.
          const bars = run.lines.filter((l) => /\d+\/\d+ windows/.test(l));
          assert.equal(bars.length, 1, run.lines.join("\n"));
          assert.match(bars[0], /^org_screen_b (\d+)\/\1 windows █+ 100%$/);
          const stored = run.lines.filter((l) => / → org_screen_/.test(l));
          assert.ok(stored.length >= 6, run.lines.join("\n"));
          assert.ok(
            run.lines.some((l) => /^organization\s+windows\s+rows/.test(l)),
            run.lines.join("\n"),
          );
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );
  },
});

Deno.test({
  name:
    "screen: verify draws the files hashed of each organization on a terminal, then its lines",
  ignore: !tmux,
  async fn() {
    const org = "org_screen_verify";
    const events = [
      storedEvent(org, {
        occurredAt: new Date(Date.now() - 2 * DAY).toISOString(),
      }),
    ];
    await withEmulator(
      { exportDelayMs: 0, rateLimit: false, organizations: [org], events },
      async ({ url }) => {
        const dir = await Deno.makeTempDir({ prefix: "cli_screen_verify_" });
        try {
          const archived = await inProcess([
            "archive",
            "--org",
            org,
            "--dir",
            dir,
            "--from",
            "4d",
            "--base-url",
            url,
            "-q",
          ], { env: { WORKOS_API_KEY: TEST_KEY } });
          assert.equal(archived.code, 0, archived.stderr);
          const run = await runInPty(command(["verify", "--dir", dir]), {
            width: 80,
            env: TERMINAL,
            driver: "tmux",
            timeout: 60_000,
          });
          assert.equal(run.code, 0, run.lines.join("\n"));
          const bar = run.lines.find((l) => / files /.test(l)) ?? "";
          assert.match(bar, /^org_screen_verify (\d+)\/\1 files █+ 100%$/);
          assert.ok(
            run.lines.some((l) => l.startsWith(`${org}: ok:`)),
            run.lines.join("\n"),
          );
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );
  },
});
