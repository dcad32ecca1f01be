/**
 * `wait`: progress while an export is pending, failures of an export that
 * ends badly or never gets ready, and `--max-wait` against
 * `--poll-interval`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  assertUsage,
  cli,
  createdId,
  HEADER,
  inProcess,
  READY,
} from "./cli_helpers.ts";
import { TEST_KEY, withEmulator } from "./helpers.ts";

Deno.test("an export that fails or never gets ready exits 1", async () => {
  await withEmulator({ exportDelayMs: 60_000 }, async ({ url, emulator }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "1d");
    const slow = await cli([
      "wait",
      id,
      "--max-wait",
      "300ms",
      "--poll-interval",
      "100ms",
      "-q",
    ], { server });
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /was not ready after \d+ ms \(maxWait 300 ms\)/);
    emulator.setExportState(id, "error");
    const failed = await cli(["wait", id], { server });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /ended in state "error"/);
  });
});

Deno.test("wait and download of an export that is already ready print no Waiting line", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const id = await createdId(server, emulator.organizations[0], "7d");
    const [waited, downloaded] = await Promise.all([
      cli(["wait", id], { server }),
      cli(["download", id], { server }),
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(JSON.parse(waited.stdout).state, "ready");
    assert.equal(waited.stderr, "");
    assert.equal(downloaded.code, 0, downloaded.stderr);
    assert.ok(downloaded.stdout.startsWith(HEADER));
    assert.doesNotMatch(downloaded.stderr, /Waiting/);
    assert.match(downloaded.stderr, /^Downloading /);

    // On a terminal neither a line nor a ticking counter starts.
    const tty = await inProcess(["wait", id, "--base-url", url], {
      env: { WORKOS_API_KEY: TEST_KEY },
      isTTY: true,
    });
    assert.equal(tty.code, 0, tty.stderr);
    assert.equal(tty.stderr, "");
  });
});

Deno.test("--max-wait shorter than one poll interval is a usage error naming both", async () => {
  await withEmulator(READY, async ({ url, emulator }) => {
    const server = { url };
    const id = "audit_log_export_01GBZK5MP7TD1YCFQHFR22180V";
    const range = ["--org", emulator.organizations[0], "--from", "7d"];
    const cases: [string[], RegExp][] = [
      [
        ["wait", id, "--max-wait", "300ms"],
        /--max-wait 300ms is shorter than one poll interval, --poll-interval 1s \(the default\): the wait would end before the export is polled a second time/,
      ],
      [
        ["download", id, "--max-wait", "2s", "--poll-interval", "5s"],
        /--max-wait 2s is shorter than one poll interval, --poll-interval 5s:/,
      ],
      [
        ["export", ...range, "--poll-interval", "20m"],
        /--max-wait 10m \(the default\) is shorter than one poll interval, --poll-interval 20m:/,
      ],
      [
        ["wait", id, "--poll-interval", "0"],
        /--poll-interval: '0' is not a duration/,
      ],
      [
        ["wait", id, "--poll-interval", ""],
        /--poll-interval: '' is not a duration/,
      ],
      [
        ["wait", id, "--poll-interval", "9".repeat(5_000)],
        /--poll-interval: '9{60}… \(5000 characters\)' is not a duration/,
      ],
    ];
    const runs = await Promise.all(
      cases.map(([args]) => cli(args, { server })),
    );
    for (const [i, run] of runs.entries()) {
      assertUsage(run, cases[i][1], cases[i][0].join(" ").slice(0, 200));
    }
    assert.equal(emulator.requests.length, 0, "no request was sent");
  });
});
