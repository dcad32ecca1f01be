/**
 * The archive into an `s3Store` survives being killed: child processes
 * archiving into a bucket of moto are SIGKILLed at moments drawn from fixed
 * seeds, some in the middle of a multipart upload, while the API's clock
 * moves a day a round and late events arrive. A last run then completes
 * the archive, and the bucket must hold every event exactly once across
 * window files and addenda, no multipart upload left open, and an archive
 * `verifyArchive` finds clean.
 *
 * @module
 */

import assert from "node:assert/strict";
import { verifyArchive } from "../mod.ts";
import { archiveExports } from "../mod.ts";
import { s3Store } from "../s3.ts";
import type { EmulatorEvent } from "../testing.ts";
import {
  childOutput,
  DAY,
  event,
  expectedUnion,
  HOUR,
  postEvent,
  prng,
  QUICK_API,
  union,
} from "./archive_helpers.ts";
import { withEmulator } from "./helpers.ts";
import {
  createBucket,
  type Moto,
  objectsOf,
  raw,
  startMoto,
} from "./s3_helpers.ts";

const MIB = 1024 * 1024;
const MOD_URL = new URL("../mod.ts", import.meta.url).href;
const S3_URL = new URL("../s3.ts", import.meta.url).href;
const ORGS = ["org_s3_crash_a", "org_s3_crash_b"];
const PREFIX = "crash";
/** The smallest part S3 takes, so the big windows go up in several. */
const PART_SIZE = 5 * MIB;
/**
 * Short, so that a killed child's lock is stale a moment later instead of
 * an hour later: S3 has no process to ask whether its holder is alive.
 */
const LEASE_MS = 3_000;
/** Fixed: a failure is replayed by running the test again. */
const SEED = 20_261_110;
const ROUNDS = 9;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Job {
  endpoint: string;
  bucket: string;
  credentials: Record<string, string>;
  baseUrl: string;
  apiKey: string;
  organizationIds: string[];
  from: number;
  now: number;
}

/** A Deno process archiving into the bucket with the store's options of this test. */
function spawnArchiver(job: Job): Deno.ChildProcess {
  const code = `
    import { archiveExports } from ${JSON.stringify(MOD_URL)};
    import { s3Store } from ${JSON.stringify(S3_URL)};
    const job = JSON.parse(Deno.env.get("ARCHIVE_JOB"));
    const store = s3Store({
      bucket: job.bucket,
      endpoint: job.endpoint,
      credentials: job.credentials,
      prefix: ${JSON.stringify(PREFIX)},
      partSize: ${PART_SIZE},
      lease: ${LEASE_MS},
    });
    try {
      const result = await archiveExports({
        organizationIds: job.organizationIds,
        store,
        from: new Date(job.from),
        now: () => job.now,
      }, { apiKey: job.apiKey, baseUrl: job.baseUrl, maxRetries: 1 });
      console.log("ok " + JSON.stringify({ windows: result.windows.length, late: result.late.length }));
    } catch (error) {
      console.log("error " + (error && error.message));
      Deno.exit(3);
    }
  `;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", "--no-check", code],
    env: { ARCHIVE_JOB: JSON.stringify(job), NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The keys of the multipart uploads open in `bucket`. */
async function openUploads(moto: Moto, bucket: string): Promise<string[]> {
  const text = await (await raw(moto, "GET", `/${bucket}?uploads`)).text();
  return [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
}

/**
 * A day of `org` with enough events that its window file is above one part
 * (about 77 bytes a row), so a kill can land inside a multipart upload.
 */
function bigDay(org: string, start: number, n: number): EmulatorEvent[] {
  return Array.from(
    { length: n },
    (_, i) => event(org, `big.${i}`, start + Math.floor(i * (DAY / n))),
  );
}

Deno.test({
  name:
    "archiver processes SIGKILLed at seeded moments while writing to S3: the last run leaves every event exactly once, no open upload, a clean archive",
  async fn() {
    const moto = await startMoto();
    try {
      await crashRounds(moto);
    } finally {
      await moto.close();
    }
  },
});

async function crashRounds(moto: Moto): Promise<void> {
  const bucket = await createBucket(moto);
  const from = Date.UTC(2026, 10, 1);
  const events = ORGS.flatMap((org, o) => [
    ...Array.from(
      { length: ROUNDS },
      (_, d) =>
        [0, 5 * HOUR, 13 * HOUR, DAY - 1].map((offset) =>
          event(org, `k.${d}.${offset}`, from + d * DAY + offset)
        ),
    ).flat(),
    // Each organization's big day comes up in a different round.
    ...bigDay(org, from + (2 + 3 * o) * DAY + HOUR, 75_000),
  ]);
  const random = prng(SEED);
  const late: EmulatorEvent[] = [];
  let now = from + DAY + 2 * HOUR;
  const log: string[] = [];
  let kills = 0;
  await withEmulator(
    { ...QUICK_API, organizations: ORGS, events, now: () => now },
    async (api) => {
      // Slower downloads and creations, so a run lasts long enough to be
      // killed in its middle.
      api.emulator.inject({
        path: /^\/_emulator\/downloads\//,
        delayMs: 100,
        times: 100_000,
      });
      api.emulator.inject({ method: "POST", delayMs: 30, times: 100_000 });
      const job = (organizationIds: string[]): Job => ({
        endpoint: moto.endpoint,
        bucket,
        credentials: moto.options(bucket).credentials as unknown as Record<
          string,
          string
        >,
        baseUrl: api.url,
        apiKey: api.config.apiKey,
        organizationIds,
        from,
        now,
      });
      for (let round = 0; round < ROUNDS; round++) {
        now += DAY;
        // Late events into days archived or not yet, but no further back
        // than the last run re-checks (seven days, the default): a killed
        // run's re-check is only finished by a later one.
        const lateFloor = from + (ROUNDS + 1 - 7) * DAY;
        if (now - DAY > lateFloor && random() < 0.7) {
          const org = ORGS[Math.floor(random() * ORGS.length)];
          const at = lateFloor + Math.floor(random() * (now - DAY - lateFloor));
          const e = event(org, `late.${round}`, at);
          await postEvent(api, e);
          late.push(e);
        }
        const order = random() < 0.5 ? ORGS : [...ORGS].reverse();
        // Uploads killed children left open stay open: only a new one counts.
        const before = await openUploads(moto, bucket);
        const child = spawnArchiver(job(order));
        const output = childOutput(child);
        // At a moment drawn at random, or as soon as one of the child's
        // multipart uploads is open (a kill at random rarely lands inside
        // one, and what it leaves is checked last), else a little later.
        const mode = random() < 0.35 ? "upload" : "time";
        const killAt = 150 + Math.floor(random() * 900);
        const ended = output.then(() => true);
        const started = Date.now();
        let killed: string | undefined;
        while (!killed) {
          if (await Promise.race([ended, sleep(20).then(() => false)])) break;
          if (Date.now() - started >= killAt * (mode === "time" ? 1 : 2)) {
            killed = `at ${Date.now() - started} ms`;
          } else if (
            mode === "upload" &&
            (await openUploads(moto, bucket)).length > before.length
          ) {
            killed = `with an upload open, at ${Date.now() - started} ms`;
          }
          if (killed) {
            try {
              child.kill("SIGKILL");
            } catch { /* already ended */ }
          }
        }
        const o = await output;
        const uploads = await openUploads(moto, bucket);
        const what =
          `seed ${SEED}, round ${round}, ${mode}, killed ${killed}, ended at ${
            Date.now() - started
          } ms: ${o.signal ?? o.code} ${
            o.out.trim().slice(0, 200)
          }; open uploads ${uploads.length}`;
        log.push(what);
        assert.doesNotMatch(o.out, /Uncaught|NotFound/, what);
        if (o.signal === "SIGKILL") {
          kills++;
          // Its lock, if it held one, is stale after the lease.
          await sleep(LEASE_MS + 200);
          continue;
        }
        if (o.code === 0) continue;
        // A run may only fail on the lock of one killed a moment ago.
        assert.match(o.out, /another archive run holds/, what);
      }
      assert.ok(kills >= 6, `only ${kills} kills\n${log.join("\n")}`);
      // The next cron run, uninterrupted.
      const store = s3Store(
        moto.options(bucket, {
          prefix: PREFIX,
          partSize: PART_SIZE,
          lease: LEASE_MS,
        }),
      );
      const last = await archiveExports({
        organizationIds: ORGS,
        store,
        from: new Date(from),
        now: () => now,
      }, api.config).catch((error) => {
        throw new Error(`${error.message}\n${log.join("\n")}`);
      });
      assert.deepEqual(last.gaps, []);
      log.push(
        `last run: ${last.windows.length} window(s), ${last.late.length} addend(a)`,
      );
    },
  );

  const objects = new Map(
    [...(await objectsOf(moto, bucket))].map(([k, v]) => [
      k.slice(`${PREFIX}/`.length),
      v,
    ]),
  );
  const all = [...events, ...late];
  assert.deepEqual(
    await union(objects),
    expectedUnion(all, from, now - 2 * HOUR),
    log.join("\n"),
  );
  const addenda = [...objects.keys()].filter((k) => k.includes(".late-"));
  log.push(`${addenda.length} addend(a) stored`);
  assert.ok(
    [...objects.values()].some((body) => body.byteLength > PART_SIZE),
    `no window file went up in parts: the largest is ${
      Math.max(...[...objects.values()].map((b) => b.byteLength))
    } bytes`,
  );
  const report = await verifyArchive({
    store: s3Store(moto.options(bucket, { prefix: PREFIX })),
    organizationIds: ORGS,
  });
  assert.ok(report.ok, JSON.stringify(report.organizations, null, 2));
  assert.deepEqual(
    await openUploads(moto, bucket),
    [],
    `multipart uploads left open\n${log.join("\n")}`,
  );
  console.log(
    `${kills} kills in ${ROUNDS} rounds, ${all.length} events (${late.length} late) stored once each\n${
      log.join("\n")
    }`,
  );
}
