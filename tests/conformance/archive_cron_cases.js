/**
 * The archive as a Cloudflare Cron Trigger: `archive_worker.js` runs in
 * workerd (miniflare) with a real R2 binding, and these checks read the
 * bucket it wrote against what the emulator stores.
 * `workerd_archive_runner.mjs` runs them; the matrix counts them from here,
 * so this file imports nothing but `node:assert`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { runRecorded } from "./suite.js";

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The trigger of the README's wrangler.toml: daily at 03:00 UTC. */
export const CRON = "0 3 * * *";

/**
 * What the checks get from the runner.
 *
 * @typedef {object} CronContext
 * @property {typeof import("audit-log-export")} pkg  to read the CSV files back
 * @property {(scheduledTime: number) => Promise<{ outcome: string }>} scheduled  fires the worker's Cron Trigger
 * @property {any} bucket  the R2 bucket the worker wrote, read from outside (`mf.getR2Bucket`)
 * @property {string[]} organizations  what the worker archives (`ORGANIZATION_IDS`)
 * @property {(organization: string) => Array<{ occurredAt: string, action: string, actor: { id: string } }>} events  what the emulator stores
 * @property {number} from  `ARCHIVE_FROM`, a UTC midnight
 * @property {number} time  the trigger's scheduled time: 03:00 UTC of the day the span ends
 * @property {Record<string, unknown>} state  carried from one check to the next
 */

/** The days the first run must archive: `[from, midnight before time)`; the settle hour keeps today's out. */
const windowsOf = ({ from, time }) => {
  const list = [];
  for (let start = from; start + DAY <= time - HOUR; start += DAY) {
    list.push({ start, end: start + DAY });
  }
  return list;
};

const pad = (n) => String(n).padStart(2, "0");

/** `20261101T000000Z`, as the archive writes instants in keys. */
const compact = (ms) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${
    pad(d.getUTCDate())
  }T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
};

/** `<org>/<YYYY>/<MM>/<DD>/<start>_<end>.csv`, the documented layout. */
const windowKey = (org, { start, end }) => {
  const d = new Date(start);
  return `${org}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${
    pad(d.getUTCDate())
  }/${compact(start)}_${compact(end)}.csv`;
};

const eventKey = (occurredAt, action, actorId) =>
  `${new Date(occurredAt).toISOString()} ${action} ${actorId}`;

/** Every object of the bucket, by key: version and etag say whether it was written again. */
async function objects(bucket) {
  const found = new Map();
  let cursor;
  do {
    const page = await bucket.list({ cursor });
    for (const o of page.objects) {
      found.set(o.key, { version: o.version, etag: o.etag, size: o.size });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found;
}

const text = async (bucket, key) => {
  const object = await bucket.get(key);
  assert.ok(object, `${key} is in the bucket`);
  return await object.text();
};

/** @type {Array<{ name: string, run(t: CronContext): Promise<void> }>} */
export const cronChecks = [
  {
    name:
      "a Cron Trigger runs archiveExports with the R2 binding as its store: scheduled() ends ok",
    async run({ scheduled, bucket, time, state }) {
      const { outcome } = await scheduled(time);
      assert.equal(outcome, "ok");
      state.first = await objects(bucket);
    },
  },
  {
    name:
      "the bucket holds a CSV per whole UTC day since ARCHIVE_FROM and a checkpoint per organization, at the documented keys",
    async run(t) {
      const { bucket, organizations, state } = t;
      const windows = windowsOf(t);
      assert.equal(windows.length, 4, "days in the span");
      const expected = organizations.flatMap((org) => [
        ...windows.flatMap((w) => [
          windowKey(org, w),
          `${windowKey(org, w)}.digest.json`,
        ]),
        `${org}/checkpoint.json`,
      ]).sort();
      assert.deepEqual([...(state.first ?? new Map()).keys()].sort(), expected);
      for (const org of organizations) {
        const { head, ...checkpoint } = JSON.parse(
          await text(bucket, `${org}/checkpoint.json`),
        );
        assert.deepEqual(
          checkpoint,
          {
            organizationId: org,
            end: new Date(windows.at(-1).end).toISOString(),
            key: windowKey(org, windows.at(-1)),
            window: 86_400_000,
            format: "csv",
          },
          `${org} checkpoint`,
        );
        // The chain's head is the last window's digest.
        assert.equal(head.key, `${windowKey(org, windows.at(-1))}.digest.json`);
        assert.match(head.sha256, /^[0-9a-f]{64}$/);
      }
    },
  },
  {
    name:
      "every event the emulator holds for the span is in exactly one window file, the one whose day it falls in",
    async run(t) {
      const { pkg, bucket, organizations, events } = t;
      const windows = windowsOf(t);
      const from = windows[0].start;
      const end = windows.at(-1).end;
      for (const org of organizations) {
        const archived = [];
        for (const w of windows) {
          const csv = await text(bucket, windowKey(org, w));
          const rows = [];
          if (csv !== "") {
            for await (const row of pkg.exportRows(new Response(csv))) {
              rows.push(row);
            }
          }
          for (const row of rows) {
            const at = Date.parse(row.occurred_at);
            assert.ok(
              at >= w.start && at < w.end,
              `${windowKey(org, w)} holds ${row.occurred_at}`,
            );
            archived.push(eventKey(row.occurred_at, row.action, row.actor_id));
          }
        }
        const stored = events(org)
          .filter((e) => {
            const at = Date.parse(e.occurredAt);
            return at >= from && at < end;
          })
          .map((e) => eventKey(e.occurredAt, e.action, e.actor.id));
        assert.ok(stored.length > 0, `${org} has events in the span`);
        assert.deepEqual(archived.sort(), stored.sort(), org);
      }
    },
  },
  {
    name:
      "verifyArchive reads the R2 bucket back: every window has its digest, the chain is whole",
    async run({ pkg, bucket, organizations }) {
      const report = await pkg.verifyArchive({
        store: bucket,
        organizationIds: organizations,
      });
      for (const org of report.organizations) {
        assert.equal(org.windowsChecked, 4, `${org.organizationId} windows`);
        assert.deepEqual(
          [
            org.missingWindows,
            org.modified,
            org.withoutDigest,
            org.digestsWithoutFile,
            org.chainBreaks,
          ],
          [[], [], [], [], []],
          org.organizationId,
        );
      }
      assert.equal(report.ok, true);
    },
  },
  {
    name:
      "a second scheduled() for the same time writes nothing: the same objects, the same versions",
    async run({ scheduled, bucket, time, state }) {
      assert.ok(state.first?.size > 0, "the first run stored objects");
      const { outcome } = await scheduled(time);
      assert.equal(outcome, "ok");
      assert.deepEqual(await objects(bucket), state.first);
    },
  },
];

/**
 * Runs every check through the runtime's `test`, in order, recording
 * outcomes.
 *
 * @param {object} options
 * @param {(name: string, fn: () => Promise<void>) => unknown} options.test
 * @param {CronContext} options.context
 * @param {Array<{ name: string, ok: boolean, ms: number, error?: string }>} options.results
 */
export function runCronChecks({ test, context, results }) {
  return runRecorded({ test, cases: cronChecks, context, results });
}
