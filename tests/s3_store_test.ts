/**
 * `s3Store` against a real S3 implementation (moto, started here as a
 * child process): objects round-trip, listings page, small objects are
 * written only over the version last seen, big writes go in checksummed
 * parts with flat memory and leave nothing when they fail, Object Lock
 * retention holds, locks exclude each other, and the archive stores every
 * event exactly once in a bucket.
 *
 * @module
 */

import assert from "node:assert/strict";
import { archiveExports } from "../mod.ts";
import { s3Store, S3StoreError } from "../s3.ts";
import { accessStore, LockHeldError } from "../src/archive_store.ts";
import {
  DAY,
  event,
  expectedUnion,
  HOUR,
  QUICK_API,
  union,
} from "./archive_helpers.ts";
import { withEmulator } from "./helpers.ts";
import {
  createBucket,
  generated,
  type Moto,
  objectsOf,
  raw,
  recordingFetch,
  sha256Base64,
  startMoto,
  streamDigest,
  uploadsOf,
} from "./s3_helpers.ts";

const MIB = 1024 * 1024;
const bytes = (text: string) => new TextEncoder().encode(text);
const text = async (s: ReadableStream<Uint8Array> | null) =>
  s === null ? null : await new Response(s).text();

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

Deno.test({
  name: "s3Store against moto",
  // moto answers slowly the first time; the child is killed at the end.
  async fn(t) {
    const moto = await startMoto();
    try {
      await steps(t, moto);
    } finally {
      await moto.close();
    }
  },
});

async function steps(t: Deno.TestContext, moto: Moto): Promise<void> {
  await t.step(
    "put, get, read and keys round-trip under a prefix; absent keys are null; listings page",
    async () => {
      const bucket = await createBucket(moto);
      // Pages of three keys, to go through the continuation tokens.
      const { fetch, sent } = recordingFetch({
        alter(url, init) {
          if (url.searchParams.get("list-type") === "2") {
            url.searchParams.set("max-keys", "3");
          }
          return [url, init];
        },
      });
      const store = s3Store(
        moto.options(bucket, { prefix: "archive/v1", fetch }),
      );
      assert.equal(await store.get("org_1/checkpoint.json"), null);
      assert.equal(await store.read("org_1/none.csv"), null);
      const keys = [
        "org_1/2026/11/01/a.csv",
        "org_1/2026/11/02/b.csv",
        "org_1/checkpoint.json",
        "org_1/sp ace+plus%&amp;é.csv",
        "org_2/2026/11/01/a.csv",
        "org_10/x.ndjson",
        "org_1/2026/11/03/c.csv",
      ];
      for (const key of keys) {
        await store.get(key);
        await store.put(key, bytes(`body of ${key}`));
      }
      for (const key of keys) {
        assert.equal(await store.get(key), `body of ${key}`);
        assert.equal(await text(await store.read(key)), `body of ${key}`);
      }
      // A lock and a console's folder marker are not keys.
      const lock = await store.lock("org_1/archive.lock", "test");
      await (await raw(moto, "PUT", `/${bucket}/archive/v1/org_1/folder/`))
        .body?.cancel();
      assert.deepEqual(await collect(store.keys()), [...keys].sort());
      assert.deepEqual(
        await collect(store.keys("org_1/")),
        keys.filter((k) => k.startsWith("org_1/")).sort(),
      );
      assert.deepEqual(await collect(store.keys("org_1/2026/11/0")), [
        "org_1/2026/11/01/a.csv",
        "org_1/2026/11/02/b.csv",
        "org_1/2026/11/03/c.csv",
      ]);
      assert.ok(
        sent.filter((s) => s.url.searchParams.has("continuation-token"))
          .length >=
          2,
      );
      await lock.release();
      // Everything is under the prefix, nothing outside it.
      for (const key of (await objectsOf(moto, bucket)).keys()) {
        assert.ok(key.startsWith("archive/v1/"), key);
      }
      // accessStore uses the store's own capabilities.
      const access = accessStore(store);
      assert.equal(
        await access.readText("org_1/checkpoint.json"),
        "body of org_1/checkpoint.json",
      );
      assert.ok(access.list);
    },
  );

  await t.step(
    "put replaces only the version this store saw: two writers never overwrite each other",
    async () => {
      const bucket = await createBucket(moto);
      const a = s3Store(moto.options(bucket));
      const b = s3Store(moto.options(bucket));
      const key = "org_1/checkpoint.json";
      assert.equal(await a.get(key), null);
      assert.equal(await b.get(key), null);
      await a.put(key, bytes("a1"));
      // Put twice in one run: the ETag of its own PUT is the next condition.
      await a.put(key, bytes("a2"));
      const lost = await rejection(b.put(key, bytes("b1")));
      assert.ok(lost instanceof S3StoreError, String(lost));
      assert.equal(lost.status, 412);
      assert.equal(lost.code, "PreconditionFailed");
      assert.match(
        lost.message,
        /was created since this store found it absent/,
      );
      assert.equal(await b.get(key), "a2");
      await b.put(key, bytes("b2"));
      const stale = await rejection(a.put(key, bytes("a3")));
      assert.ok(stale instanceof S3StoreError);
      assert.match(stale.message, /changed since this store read it/);
      // A store that never read the key does not replace it blindly.
      const c = s3Store(moto.options(bucket));
      const blind = await rejection(c.put(key, bytes("c1")));
      assert.ok(blind instanceof S3StoreError);
      assert.match(blind.message, /has not read it \(get it first/);
      assert.equal(await c.get(key), "b2");
      // read() remembers the version too (how the archive finds free names).
      assert.equal(await c.read("org_1/new.csv"), null);
      await c.put("org_1/new.csv", bytes("new"));
    },
  );

  await t.step(
    "a big write goes in checksummed parts, reads back the same, and a small one in one checksummed PUT",
    async () => {
      const bucket = await createBucket(moto);
      const { fetch, sent } = recordingFetch();
      const store = s3Store(moto.options(bucket, { fetch, partSize: 5 * MIB }));
      const size = 12 * MIB + 12_345;
      assert.equal(await store.write("big.csv", generated(size, 7)), size);
      const ops = sent.map((s) =>
        `${s.method} ${[...s.url.searchParams.keys()].join(",")}`
      );
      assert.deepEqual(ops, [
        "POST uploads",
        "PUT partNumber,uploadId",
        "PUT partNumber,uploadId",
        "PUT partNumber,uploadId",
        "POST uploadId",
      ]);
      assert.equal(sent[0].headers.get("x-amz-checksum-algorithm"), "SHA256");
      for (const part of sent.slice(1, 4)) {
        assert.equal(
          part.headers.get("x-amz-checksum-sha256"),
          await sha256Base64(part.body!),
        );
      }
      assert.deepEqual(
        sent.slice(1, 4).map((s) => s.body!.byteLength),
        [5 * MIB, 5 * MIB, 2 * MIB + 12_345],
      );
      assert.deepEqual(
        await streamDigest((await store.read("big.csv"))!),
        await streamDigest(generated(size, 7)),
      );
      sent.length = 0;
      await store.write("small.csv", generated(1000, 3));
      assert.equal(sent.length, 1);
      assert.equal(sent[0].method, "PUT");
      assert.equal(
        sent[0].headers.get("x-amz-checksum-sha256"),
        await sha256Base64(sent[0].body!),
      );
      assert.equal(
        sent[0].headers.get("x-amz-sdk-checksum-algorithm"),
        "SHA256",
      );
      // The service keeps the checksum it was sent, and it is the content's.
      const stored = await raw(moto, "HEAD", `/${bucket}/small.csv`, {
        "x-amz-checksum-mode": "ENABLED",
      });
      assert.equal(
        stored.headers.get("x-amz-checksum-sha256"),
        await sha256Base64(sent[0].body!),
      );
      assert.equal(await uploadsOf(moto, bucket), 0);
    },
  );

  await t.step(
    "a stream that fails leaves no object, no upload, and the old object unchanged",
    async () => {
      const bucket = await createBucket(moto);
      const { fetch, sent } = recordingFetch();
      const store = s3Store(moto.options(bucket, { fetch, partSize: 5 * MIB }));
      await store.write("w.csv", generated(100, 1));
      for (const size of [1000, 11 * MIB]) {
        const error = await rejection(
          store.write(
            "w.csv",
            generated(size, 2, new Error("the download broke")),
          ),
        );
        assert.match(String(error), /the download broke/);
        assert.equal(
          (await streamDigest((await store.read("w.csv"))!)).sha256,
          (await streamDigest(generated(100, 1))).sha256,
        );
        const fresh = await rejection(
          store.write(
            `new-${size}.csv`,
            generated(size, 2, new Error("broke")),
          ),
        );
        assert.match(String(fresh), /broke/);
        assert.equal(await store.read(`new-${size}.csv`), null);
      }
      assert.ok(
        sent.some((s) =>
          s.method === "DELETE" && s.url.searchParams.has("uploadId")
        ),
      );
      assert.equal(await uploadsOf(moto, bucket), 0);
      assert.deepEqual([...(await objectsOf(moto, bucket)).keys()], ["w.csv"]);
    },
  );

  await t.step(
    "a part refused for a bad checksum fails the write and leaves nothing",
    async () => {
      // moto keeps checksums without checking them: this fetch plays a
      // service that does, after a part's bytes were changed on the way.
      const bucket = await createBucket(moto);
      let part = 0;
      const { fetch } = recordingFetch({
        alter(url, init) {
          if (url.searchParams.has("partNumber") && ++part === 2) {
            const body = (init.body as Uint8Array).slice();
            body[17] ^= 1;
            return [url, { ...init, body }];
          }
          return [url, init];
        },
        answer(url, init) {
          const sent = init.body as Uint8Array | undefined;
          const claimed = new Headers(init.headers).get(
            "x-amz-checksum-sha256",
          );
          if (!sent || !claimed || !url.searchParams.has("partNumber")) {
            return undefined;
          }
          // Synchronously unknowable: compare against a digest worked out
          // below by the test before answering.
          return checked.get(sent) === claimed ? undefined : badDigest();
        },
      });
      const checked = new Map<Uint8Array, string>();
      const withDigests: typeof globalThis.fetch = async (input, init) => {
        if (init?.body instanceof Uint8Array) {
          checked.set(init.body, await sha256Base64(init.body));
        }
        return fetch(input, init);
      };
      const store = s3Store(
        moto.options(bucket, { fetch: withDigests, partSize: 5 * MIB }),
      );
      const error = await rejection(
        store.write("c.csv", generated(11 * MIB, 4)),
      );
      assert.ok(error instanceof S3StoreError, String(error));
      assert.equal(error.code, "BadDigest");
      assert.equal(error.operation, "UploadPart");
      assert.equal(await store.read("c.csv"), null);
      assert.equal(await uploadsOf(moto, bucket), 0);
    },
  );

  await t.step(
    "memory stays flat: writing 96 MiB in 5 MiB parts holds a few parts at most",
    async () => {
      const bucket = await createBucket(moto);
      const store = s3Store(moto.options(bucket, { partSize: 5 * MIB }));
      const gc = (globalThis as { gc?: () => void }).gc;
      const peakOf = async (size: number) => {
        gc?.();
        const base = Deno.memoryUsage();
        let peak = 0;
        // Garbage not yet collected counts too: the bound is loose, but a
        // store holding the body would pass it by far.
        const sampler = setInterval(() => {
          const m = Deno.memoryUsage();
          peak = Math.max(
            peak,
            m.heapUsed + m.external - base.heapUsed - base.external,
          );
        }, 10);
        try {
          assert.equal(
            await store.write(`${size}.bin`, generated(size, 9)),
            size,
          );
        } finally {
          clearInterval(sampler);
        }
        return peak;
      };
      const big = await peakOf(96 * MIB);
      console.log(
        `heap+external growth (garbage included) writing 96 MiB: ${
          (big / MIB).toFixed(1)
        } MiB (gc ${gc ? "on" : "off"})`,
      );
      // Two parts live, what fetch holds of the one being sent, and parts
      // not yet collected: far from the body's 96 MiB.
      assert.ok(
        big > 0 && big < 48 * MIB,
        `grew ${(big / MIB).toFixed(1)} MiB`,
      );
    },
  );

  await t.step(
    "with objectLock every object carries retention, and moto refuses to delete it",
    async () => {
      const bucket = await createBucket(moto, true);
      // Without a checksum a retained object is refused: the store sends one.
      const refused = await moto.client.fetch(
        `${moto.endpoint}/${bucket}/bare.txt`,
        {
          method: "PUT",
          headers: {
            "x-amz-object-lock-mode": "COMPLIANCE",
            "x-amz-object-lock-retain-until-date": new Date(Date.now() + DAY)
              .toISOString(),
          },
          body: bytes("bare"),
        },
      );
      assert.equal(refused.status, 400);
      assert.match(
        await refused.text(),
        /MissingUploadObjectWithObjectLockHeaders/,
      );
      const store = s3Store(
        moto.options(bucket, {
          objectLock: { mode: "COMPLIANCE", days: 2 },
          partSize: 5 * MIB,
        }),
      );
      await store.get("org_1/checkpoint.json");
      await store.put("org_1/checkpoint.json", bytes("{}"));
      await store.write("org_1/small.csv", generated(10, 1));
      await store.write("org_1/big.csv", generated(6 * MIB, 1));
      const lock = await store.lock("org_1/archive.lock", "test");
      for (
        const key of [
          "org_1/checkpoint.json",
          "org_1/small.csv",
          "org_1/big.csv",
        ]
      ) {
        const head = await raw(moto, "HEAD", `/${bucket}/${key}`);
        assert.equal(
          head.headers.get("x-amz-object-lock-mode"),
          "COMPLIANCE",
          key,
        );
        const until = Date.parse(
          head.headers.get("x-amz-object-lock-retain-until-date")!,
        );
        assert.ok(Math.abs(until - (Date.now() + 2 * DAY)) < HOUR, key);
        const version = head.headers.get("x-amz-version-id")!;
        const deleted = await moto.client.fetch(
          `${moto.endpoint}/${bucket}/${key}?versionId=${version}`,
          { method: "DELETE" },
        );
        assert.equal(deleted.status, 403, key);
        assert.match(await deleted.text(), /AccessDenied/);
        assert.equal(
          (await raw(moto, "HEAD", `/${bucket}/${key}`)).status,
          200,
        );
      }
      // The lock carries no retention: it is released and taken again.
      const head = await raw(moto, "HEAD", `/${bucket}/org_1/archive.lock`);
      assert.equal(head.headers.get("x-amz-object-lock-mode"), null);
      await lock.release();
      await (await store.lock("org_1/archive.lock", "again")).release();
    },
  );

  await t.step(
    "locks: a live holder excludes others, a stale lock is taken over once, the loser's refresh rejects",
    async () => {
      const bucket = await createBucket(moto);
      let now = Date.UTC(2026, 10, 20);
      const options = moto.options(bucket, { lease: HOUR, now: () => now });
      const a = s3Store(options);
      const b = s3Store(options);
      const first = await a.lock("org_1/archive.lock", "run A");
      const held = await rejection(b.lock("org_1/archive.lock", "run B"));
      assert.ok(held instanceof LockHeldError, String(held));
      assert.equal(held.holder, "run A");
      assert.match(
        held.message,
        /another archive run holds the bucket's org_1\/archive.lock \(run A/,
      );
      await first.refresh();
      // Two takers of a stale lock at once: exactly one wins.
      now += 2 * HOUR;
      const takers = await Promise.allSettled([
        b.lock("org_1/archive.lock", "run B"),
        s3Store(options).lock("org_1/archive.lock", "run C"),
      ]);
      const won = takers.filter((r) => r.status === "fulfilled");
      assert.equal(won.length, 1, JSON.stringify(takers.map((r) => r.status)));
      const lost = takers.find((r) =>
        r.status === "rejected"
      ) as PromiseRejectedResult;
      assert.ok(lost.reason instanceof LockHeldError, String(lost.reason));
      // A's lease ran out and the lock changed hands: A must stop.
      const gone = await rejection(first.refresh());
      assert.match(
        String(gone),
        /is no longer ours: it is now held by run [BC]/,
      );
      // A's release leaves the new holder's lock alone.
      await first.release();
      const winner =
        (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof a.lock>>>)
          .value;
      await winner.refresh();
      await winner.release();
      const next = await a.lock("org_1/archive.lock", "run D");
      await next.release();
      assert.deepEqual([...(await objectsOf(moto, bucket)).keys()], []);
    },
  );

  await t.step(
    "archiveExports into an s3Store: every event archived exactly once across two runs",
    async () => {
      const bucket = await createBucket(moto);
      const ORG = "org_s3";
      const D10 = Date.UTC(2026, 10, 10);
      const events = [];
      for (let day = 0; day < 4; day++) {
        for (const offset of [0, 7 * HOUR, DAY - 1]) {
          const at = D10 + day * DAY + offset;
          events.push(event(ORG, `e.${new Date(at).toISOString()}`, at));
        }
      }
      const runAt = async (now: number, config: Record<string, unknown>) =>
        await archiveExports({
          organizationId: ORG,
          store: s3Store(moto.options(bucket, { prefix: "audit" })),
          from: new Date(D10),
          now: () => now,
        }, config);
      await withEmulator(
        {
          ...QUICK_API,
          organizations: [ORG],
          events,
          now: () => D10 + 4 * DAY + 2 * HOUR,
        },
        async (api) => {
          const first = await runAt(D10 + 2 * DAY + 2 * HOUR, api.config);
          assert.equal(first.windows.length, 2);
          const second = await runAt(D10 + 4 * DAY + 2 * HOUR, api.config);
          assert.equal(second.windows.length, 2);
        },
      );
      const objects = new Map(
        [...(await objectsOf(moto, bucket))].map(([k, v]) => [
          k.slice("audit/".length),
          v,
        ]),
      );
      assert.deepEqual(
        await union(objects),
        expectedUnion(events, D10, D10 + 4 * DAY),
      );
      const checkpoint = JSON.parse(
        new TextDecoder().decode(objects.get(`${ORG}/checkpoint.json`)),
      );
      assert.equal(checkpoint.end, new Date(D10 + 4 * DAY).toISOString());
      assert.ok(![...objects.keys()].some((k) => k.endsWith(".lock")));
    },
  );
}

function badDigest(): Response {
  return new Response(
    '<?xml version="1.0"?><Error><Code>BadDigest</Code><Message>The SHA256 you specified did not match the calculated checksum.</Message></Error>',
    { status: 400, headers: { "content-type": "application/xml" } },
  );
}
