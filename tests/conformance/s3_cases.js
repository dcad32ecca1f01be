/**
 * `s3Store` (`audit-log-export/s3`) on the installed package against moto,
 * a real S3 implementation: a small object round-trips with its checksum
 * kept, a multipart write reads back byte for byte, a failing stream leaves
 * nothing, the lock excludes a second holder, and the archive written into
 * a bucket verifies clean.
 *
 * Shared by every runtime: `s3_runner.mjs` runs the cases in Node, Bun and
 * Deno, `s3_workerd_runner.mjs` inside a worker. So this file imports
 * nothing and uses only what workerd has (`fetch`, streams); the matrix
 * counts {@link s3Cases} from here.
 *
 * @module
 */

const MiB = 1024 * 1024;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Keys moto takes (it checks no signature); the secret is recognisable in a leak. */
export const S3_CREDENTIALS = {
  accessKeyId: "AKIACONFORMANCE00001",
  secretAccessKey: "conformance/S3+secret=h0stile",
};

/**
 * The archive of the last case: what the runner's emulator serves (at a
 * fixed clock, so every runtime archives the same windows) and what the
 * bucket must then hold.
 */
const ARCHIVE_FROM = Date.UTC(2026, 10, 10);
const ARCHIVE_DAYS = 3;
const ARCHIVE_ORG = "org_s3_conformance";
export const S3_ARCHIVE = {
  organizationId: ARCHIVE_ORG,
  from: ARCHIVE_FROM,
  days: ARCHIVE_DAYS,
  /** Past the settle hour after the last day: every window is closed. */
  now: ARCHIVE_FROM + ARCHIVE_DAYS * DAY + 2 * HOUR,
  /** Each day's first and last millisecond and one between, so the edges are exercised. */
  events: Array.from(
    { length: ARCHIVE_DAYS },
    (_, d) =>
      [0, 7 * HOUR, DAY - 1].map((offset) => {
        const at = ARCHIVE_FROM + d * DAY + offset;
        return {
          organizationId: ARCHIVE_ORG,
          action: `s3.conformance.${d}.${offset}`,
          occurredAt: new Date(at).toISOString(),
          actor: { id: "user_s3", type: "user", name: "Ada" },
          targets: [{ id: "bucket_1", type: "bucket" }],
          context: { location: "203.0.113.7" },
        };
      }),
  ).flat(),
};

class CheckFailed extends Error {
  constructor(message) {
    super(message);
    this.name = "CheckFailed";
  }
}

function check(value, message) {
  if (!value) throw new CheckFailed(message);
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: ${a}, expected ${e}`);
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise, what) {
  let caught;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  check(caught !== undefined, `${what}: resolved, expected a rejection`);
  return caught;
}

/**
 * A request to moto outside the store, to look at what the store left. Moto
 * checks no signature, so a well-formed but unsigned Authorization header
 * stands in for one (an anonymous request is refused object reads).
 */
async function raw(endpoint, method, path, headers = {}) {
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${S3_CREDENTIALS.accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${
      "0".repeat(64)
    }`;
  return await fetch(`${endpoint}${path}`, {
    method,
    headers: { authorization, ...headers },
  });
}

let buckets = 0;

/** A new bucket, named for the runtime so runs sharing a server never meet. */
async function createBucket({ endpoint, runtime }) {
  const name = `conf-${runtime}-${++buckets}`.toLowerCase().replace(
    /[^a-z0-9-]/g,
    "-",
  );
  const response = await raw(endpoint, "PUT", `/${name}`);
  await response.body?.cancel();
  check(response.ok, `PUT /${name}: ${response.status}`);
  return name;
}

/** The multipart uploads still open in `bucket`. */
async function openUploads(endpoint, bucket) {
  const response = await raw(endpoint, "GET", `/${bucket}?uploads`);
  const text = await response.text();
  check(response.ok, `ListMultipartUploads: ${response.status} ${text}`);
  return [...text.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
}

/**
 * `size` bytes of a pattern, made as they are pulled in chunks of `chunk`
 * bytes; errors after `failAt` bytes when given.
 */
function patterned(size, chunk, failAt) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAt !== undefined && sent >= failAt) {
        controller.error(new Error("the download broke"));
        return;
      }
      if (sent >= size) return controller.close();
      const n = Math.min(chunk, size - sent);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = (sent + i) * 7 % 251;
      sent += n;
      controller.enqueue(bytes);
    },
  });
}

/** How many bytes `stream` has, and whether each is the pattern's. */
async function matchesPattern(stream) {
  let at = 0;
  let firstBad;
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    for (let i = 0; i < value.byteLength && firstBad === undefined; i++) {
      if (value[i] !== (at + i) * 7 % 251) firstBad = at + i;
    }
    at += value.byteLength;
  }
  return { bytes: at, firstBad };
}

async function collect(keys) {
  const out = [];
  for await (const key of keys) out.push(key);
  return out;
}

const encode = (text) => new TextEncoder().encode(text);

/**
 * What the cases get from the runner.
 *
 * @typedef {object} S3Context
 * @property {any} pkg  `audit-log-export`
 * @property {any} s3  `audit-log-export/s3`
 * @property {string} endpoint  moto, on loopback
 * @property {string} runtime  e.g. "node22", "workerd": names the buckets
 * @property {(bytes: Uint8Array) => Promise<string>} sha256Base64
 *   the SHA-256 of bytes in base64, computed by the runner (not the store)
 * @property {{ baseUrl: string, apiKey: string }} api  the emulator serving {@link S3_ARCHIVE}
 */

/** A store on a new bucket of moto. */
async function newStore(ctx, extra = {}) {
  const bucket = await createBucket(ctx);
  const options = {
    bucket,
    endpoint: ctx.endpoint,
    region: "us-east-1",
    credentials: { ...S3_CREDENTIALS },
    ...extra,
  };
  return { bucket, options, store: ctx.s3.s3Store(options) };
}

/** @type {Array<{ name: string, run: (ctx: S3Context) => Promise<void> }>} */
export const s3Cases = [
  {
    name:
      "s3Store: put and get round-trip a small object, the service keeps the SHA-256 sent with it, and a writer that has not read it is refused",
    async run(ctx) {
      const { bucket, options, store } = await newStore(ctx);
      const key = "org_1/checkpoint.json";
      equal(await store.get(key), null, "an absent key");
      const body = encode('{"end":"2026-11-10T00:00:00.000Z","ü":1}');
      await store.put(key, body);
      equal(
        await store.get(key),
        '{"end":"2026-11-10T00:00:00.000Z","ü":1}',
        "read back",
      );
      const stored = await raw(ctx.endpoint, "GET", `/${bucket}/${key}`, {
        "x-amz-checksum-mode": "ENABLED",
      });
      await stored.body?.cancel();
      equal(
        stored.headers.get("x-amz-checksum-sha256"),
        await ctx.sha256Base64(body),
        "the stored checksum",
      );
      // Read, so replaced over the version seen.
      await store.put(key, encode("{}"));
      equal(await store.get(key), "{}", "replaced");
      const other = ctx.s3.s3Store(options);
      const refused = await rejection(
        other.put(key, encode('{"other":true}')),
        "a put by a store that never read the key",
      );
      check(
        refused instanceof ctx.s3.S3StoreError && refused.status === 412,
        `${refused?.name} ${refused?.status}: ${refused?.message}`,
      );
      check(
        !String(refused.message).includes(S3_CREDENTIALS.secretAccessKey),
        "the secret is in the message",
      );
      equal(await store.get(key), "{}", "unchanged by the refused put");
      equal(await collect(store.keys()), [key], "keys");
    },
  },
  {
    name:
      "s3Store: a write of ~11 MiB goes up in two parts and reads back byte-identical, with no upload left open",
    async run(ctx) {
      const { bucket, store } = await newStore(ctx);
      const size = 11 * MiB + 4_321;
      // Odd chunks, so parts are cut across them.
      equal(
        await store.write("big/w.csv", patterned(size, 100_003)),
        size,
        "bytes written",
      );
      const head = await raw(ctx.endpoint, "HEAD", `/${bucket}/big/w.csv`);
      equal(Number(head.headers.get("content-length")), size, "stored size");
      // A multipart object's ETag ends in its number of parts.
      check(
        /-2"?$/.test(head.headers.get("etag") ?? ""),
        `ETag ${head.headers.get("etag")} is not of two parts`,
      );
      const read = await store.read("big/w.csv");
      equal(await matchesPattern(read), { bytes: size }, "read back");
      equal(await openUploads(ctx.endpoint, bucket), [], "open uploads");
    },
  },
  {
    name:
      "s3Store: a stream that fails, before or after its first part, leaves no object, no open upload and the old object unchanged",
    async run(ctx) {
      const { bucket, store } = await newStore(ctx);
      for (const failAt of [100_000, 9 * MiB]) {
        const error = await rejection(
          store.write(
            `fail/new-${failAt}.csv`,
            patterned(11 * MiB, MiB, failAt),
          ),
          `a write failing at ${failAt}`,
        );
        check(
          /the download broke/.test(String(error?.message)),
          `failing at ${failAt}: ${error?.message}`,
        );
        equal(await store.get(`fail/new-${failAt}.csv`), null, "no object");
      }
      await store.put("fail/old.csv", encode("old"));
      await rejection(
        store.write("fail/old.csv", patterned(11 * MiB, MiB, 9 * MiB)),
        "a failing write over an object",
      );
      equal(await store.get("fail/old.csv"), "old", "the old object");
      equal(await collect(store.keys("fail/")), ["fail/old.csv"], "keys");
      equal(await openUploads(ctx.endpoint, bucket), [], "open uploads");
    },
  },
  {
    name:
      "s3Store: the lock has one holder; a second is refused with LockHeldError naming the first, and takes it once released",
    async run(ctx) {
      const { bucket, options, store } = await newStore(ctx);
      const other = ctx.s3.s3Store(options);
      const lock = await store.lock("org_1/archive.lock", "org_1, run A");
      const held = await rejection(
        other.lock("org_1/archive.lock", "org_1, run B"),
        "a second holder",
      );
      equal(held?.name, "LockHeldError", "the error");
      for (const part of ["another archive run holds", "org_1, run A"]) {
        check(
          String(held.message).includes(part),
          `${part} in ${held.message}`,
        );
      }
      await lock.refresh();
      await lock.release();
      const gone = await raw(
        ctx.endpoint,
        "HEAD",
        `/${bucket}/org_1/archive.lock`,
      );
      equal(gone.status, 404, "the released lock");
      const taken = await other.lock("org_1/archive.lock", "org_1, run B");
      await rejection(lock.refresh(), "a refresh by the old holder");
      await taken.release();
      equal(await collect(store.keys()), [], "locks are not keys");
    },
  },
  {
    name:
      "archiveExports into an s3Store archives every event exactly once, a rerun adds nothing, and verifyArchive finds it clean",
    async run(ctx) {
      const { store } = await newStore(ctx, { prefix: "audit" });
      const { organizationId, from, now, days, events } = S3_ARCHIVE;
      const run = () =>
        ctx.pkg.archiveExports({
          organizationId,
          store,
          from: new Date(from),
          now: () => now,
        }, { ...ctx.api, maxRetries: 1 });
      const first = await run();
      equal(first.windows.length, days, "windows of the first run");
      equal(first.gaps, [], "gaps");
      const stored = [];
      for await (const key of store.keys(`${organizationId}/`)) {
        if (!/\.(csv|ndjson)$/.test(key)) continue;
        const body = await store.read(key);
        for await (const row of ctx.pkg.exportRows(new Response(body))) {
          stored.push(row.action);
        }
      }
      equal(
        stored.sort(),
        events.map((e) => e.action).sort(),
        "the actions stored",
      );
      const second = await run();
      equal([second.windows, second.late], [[], []], "a rerun");
      const report = await ctx.pkg.verifyArchive({ store, organizationId });
      const org = report.organizations[0];
      check(report.ok, `verifyArchive: ${JSON.stringify(report)}`);
      equal(org.windowsChecked, days, "windows verified");
      equal(org.missingWindows, [], "missing windows");
    },
  },
];

/**
 * Runs every case in order, without a test framework (so the same loop
 * serves a worker), and returns the outcomes as the conformance runners
 * record them.
 *
 * @param {S3Context} ctx
 * @param {(line: string) => void} [log]
 */
export async function runS3Cases(ctx, log = () => {}) {
  const results = [];
  for (const c of s3Cases) {
    const started = Date.now();
    try {
      await c.run(ctx);
      results.push({ name: c.name, ok: true, ms: Date.now() - started });
      log(`ok ${c.name}`);
    } catch (error) {
      const text = error instanceof Error
        ? `${error.name}: ${error.message}\n${error.stack ?? ""}`
        : String(error);
      results.push({
        name: c.name,
        ok: false,
        ms: Date.now() - started,
        error: text,
      });
      log(`FAILED ${c.name}\n  ${text}`);
    }
  }
  return results;
}
