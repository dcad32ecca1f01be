/**
 * The archive on Cloudflare (`node --test`, via miniflare): the worker of
 * the README's recipe (`archive_worker.js`), bundled with the package by its
 * name and workerd's export conditions, with a real R2 bucket binding and
 * no `nodejs_compat`. Its Cron Trigger is fired with `scheduled()`; it
 * archives from the emulator this Node process serves on loopback, reached
 * through `WORKOS_BASE_URL`, with the key in `WORKOS_API_KEY`, as bindings.
 * The checks (`archive_cron_cases.js`) then read the bucket from outside.
 *
 * @module
 */

import { test } from "node:test";
import * as pkg from "audit-log-export";
import * as testing from "audit-log-export/testing";
import { CRON, runCronChecks } from "./archive_cron_cases.js";
import { bundleEntry, COMPATIBILITY_DATE, importTool } from "./bundle.mjs";
import { saveResults } from "./results.js";
import { EMULATOR_OPTIONS } from "./suite.js";

const { Miniflare } = await importTool("miniflare");

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Events on the edges of the span, stored as an app would: its first
 * instant (archived), a midnight between two days (archived once, in the
 * later day), and its end (left for the next day's run).
 */
async function postEdgeEvents(server, organization, instants) {
  for (const [i, at] of instants.entries()) {
    const response = await fetch(`${server.url}/audit_logs/events`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${server.emulator.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        organization_id: organization,
        event: {
          action: "archive.edge",
          occurred_at: new Date(at).toISOString(),
          actor: { id: `user_edge_${i}`, type: "user" },
          targets: [{ id: `doc_edge_${i}`, type: "document" }],
          context: { location: "203.0.113.9" },
        },
      }),
    });
    if (!response.ok) {
      throw new Error(`POST /audit_logs/events: ${await response.text()}`);
    }
  }
}

test("the archive as a Cron Trigger into R2 on Cloudflare workerd", async (t) => {
  const script = await bundleEntry("archive_worker.js", {
    format: "esm",
    conditions: ["workerd", "worker", "browser"],
  });
  const server = await testing.serveEmulator(EMULATOR_OPTIONS);
  const organizations = server.emulator.organizations;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const from = today - 4 * DAY;
  for (const organization of organizations) {
    await postEdgeEvents(server, organization, [from, from + DAY, today]);
  }
  let mf;
  const results = [];
  try {
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: COMPATIBILITY_DATE,
      r2Buckets: ["BUCKET"],
      bindings: {
        WORKOS_API_KEY: server.emulator.apiKey,
        WORKOS_BASE_URL: server.url,
        ORGANIZATION_IDS: organizations.join(","),
        ARCHIVE_FROM: new Date(from).toISOString(),
      },
    });
    const worker = await mf.getWorker();
    await runCronChecks({
      test: (name, fn) => t.test(name, fn),
      context: {
        pkg,
        scheduled: (time) =>
          worker.scheduled({ cron: CRON, scheduledTime: new Date(time) }),
        bucket: await mf.getR2Bucket("BUCKET"),
        organizations,
        events: (organization) => server.emulator.listEvents(organization),
        from,
        // 03:00 UTC, as the cron fires: the settle hour is long past midnight.
        time: today + 3 * HOUR,
        state: {},
      },
      results,
    });
  } finally {
    await mf?.dispose();
    await server.close();
    saveResults("workerd-r2-cron", results);
  }
});
