/**
 * Digests, the chain, signatures, verification, reading back and gzip:
 * an untouched archive verifies clean and reads back every event once;
 * each kind of tampering is reported by kind and key; a crash between a
 * file and its digest is repaired by the next run.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ArchiveError,
  archiveExports,
  ArchiveIntegrityError,
  type ArchiveStore,
  readArchive,
  ValidationError,
  verifyArchive,
} from "../mod.ts";
import { directoryStore } from "../fs.ts";
import { sampleEvents } from "../testing.ts";
import {
  DAY,
  decoder,
  event,
  files,
  hookedStore,
  HOUR,
  postEvent,
  QUICK_API,
  union,
  withDir,
} from "./archive_helpers.ts";
import { type Api, withEmulator } from "./helpers.ts";

const ORG = "org_digest";
const D10 = Date.UTC(2026, 10, 10);
const D11 = D10 + DAY;
const D12 = D11 + DAY;
const D13 = D12 + DAY;
const NOW = D13 + 2 * HOUR;
const key = (day: number, ext = "csv") => {
  const c = (ms: number) =>
    new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
  return `${ORG}/${
    new Date(day).toISOString().slice(0, 10).replaceAll("-", "/")
  }/${c(day)}_${c(day + DAY)}.${ext}`;
};

const EVENTS = [
  event(ORG, "a.one", D10 + HOUR),
  event(ORG, "a.two", D10 + 5 * HOUR, {
    actor: { id: "user_2", type: "user", name: "Grace" },
  }),
  event(ORG, "b.one", D11 + 3 * HOUR, {
    targets: [{ id: "doc_1", type: "document" }],
  }),
  event(ORG, "c.one", D12 + 7 * HOUR),
  event(ORG, "c.two", D12 + 9 * HOUR, {
    actor: { id: "user_2", type: "user", name: "Grace" },
    targets: [{ id: "doc_2", type: "document" }],
  }),
];

type Options = Parameters<typeof archiveExports>[0];

/** Archives Nov 10–12 of {@link EVENTS} into `dir` (or `store`). */
function archive(
  api: Api,
  dir: string,
  extra: Partial<Options> = {},
) {
  return archiveExports({
    organizationId: ORG,
    store: directoryStore(dir),
    from: new Date(D10),
    now: () => NOW,
    ...extra,
  }, api.config);
}

const withArchive = (
  fn: (api: Api, dir: string) => Promise<void>,
  events = EVENTS,
) =>
  withEmulator(
    { ...QUICK_API, organizations: [ORG], events, now: () => NOW },
    (api) => withDir((dir) => fn(api, dir)),
  );

const verify = (dir: string, extra: Record<string, unknown> = {}) =>
  verifyArchive({ store: directoryStore(dir), organizationId: ORG, ...extra });

async function readAll(
  options: Partial<Parameters<typeof readArchive>[0]> & { store: ArchiveStore },
) {
  const out = [];
  for await (
    const e of readArchive({
      organizationId: ORG,
      from: new Date(D10),
      to: new Date(D13),
      ...options,
    })
  ) out.push(e);
  return out;
}

const json = (bytes: Uint8Array | undefined) =>
  JSON.parse(decoder.decode(bytes));

Deno.test("every window gets a digest chained to the one before, the checkpoint names the head, and the archive verifies clean", async () => {
  await withArchive(async (api, dir) => {
    await archive(api, dir);
    const stored = await files(dir);
    const digests = [D10, D11, D12].map((d) =>
      json(stored.get(`${key(d)}.digest.json`))
    );
    assert.equal(digests[0].previous, null);
    assert.equal(digests[0].previousKey, null);
    for (const [i, d] of digests.entries()) {
      const data = stored.get(d.key)!;
      const sha = new Uint8Array(
        await crypto.subtle.digest("SHA-256", data.slice()),
      );
      assert.equal(
        d.sha256,
        Array.from(sha, (b) => b.toString(16).padStart(2, "0")).join(""),
      );
      assert.equal(d.bytes, data.byteLength);
      assert.equal(d.kind, "window");
      assert.equal(d.start, new Date([D10, D11, D12][i]).toISOString());
      assert.equal(d.rows, [2, 1, 2][i]);
      assert.match(d.exportId, /^audit_log_export_/);
      assert.equal(d.archivedAt, new Date(NOW).toISOString());
      if (i > 0) {
        const prev = stored.get(`${key([D10, D11, D12][i - 1])}.digest.json`)!;
        const h = new Uint8Array(
          await crypto.subtle.digest("SHA-256", prev.slice()),
        );
        assert.equal(
          d.previous,
          Array.from(h, (b) => b.toString(16).padStart(2, "0")).join(""),
        );
      }
    }
    const checkpoint = json(stored.get(`${ORG}/checkpoint.json`));
    assert.equal(checkpoint.head.key, `${key(D12)}.digest.json`);
    const report = await verify(dir);
    assert.equal(report.ok, true, JSON.stringify(report));
    const [o] = report.organizations;
    assert.equal(o.windowsChecked, 3);
    assert.equal(o.filesChecked, 3);
    assert.deepEqual(
      [o.missingWindows, o.modified, o.withoutDigest, o.chainBreaks],
      [[], [], [], []],
    );
  });
});

/** Each tampering, and what verify must say: kind → keys. */
const TAMPERING: [
  string,
  (dir: string) => Promise<void>,
  Record<string, string[]>,
][] = [
  ["one byte flipped", async (dir) => {
    const path = `${dir}/${key(D11)}`;
    const bytes = await Deno.readFile(path);
    bytes[bytes.length - 3] ^= 1;
    await Deno.writeFile(path, bytes);
  }, { modified: [key(D11)] }],
  ["a file truncated", async (dir) => {
    const path = `${dir}/${key(D12)}`;
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 10));
  }, { modified: [key(D12)] }],
  ["a window deleted", async (dir) => {
    await Deno.remove(`${dir}/${key(D11)}`);
  }, {
    missingWindows: [key(D11)],
    digestsWithoutFile: [`${key(D11)}.digest.json`],
  }],
  ["a digest deleted", async (dir) => {
    await Deno.remove(`${dir}/${key(D11)}.digest.json`);
  }, {
    withoutDigest: [key(D11)],
    chainBreaks: [`${key(D12)}.digest.json`],
  }],
  ["two days' files swapped", async (dir) => {
    const a = await Deno.readFile(`${dir}/${key(D10)}`);
    const b = await Deno.readFile(`${dir}/${key(D12)}`);
    await Deno.writeFile(`${dir}/${key(D10)}`, b);
    await Deno.writeFile(`${dir}/${key(D12)}`, a);
  }, { modified: [key(D10), key(D12)] }],
  ["the checkpoint's head edited", async (dir) => {
    const path = `${dir}/${ORG}/checkpoint.json`;
    const c = JSON.parse(await Deno.readTextFile(path));
    c.head.sha256 = "0".repeat(64);
    await Deno.writeTextFile(path, JSON.stringify(c));
  }, { chainBreaks: [`${ORG}/checkpoint.json`] }],
  ["the checkpoint's end moved on", async (dir) => {
    const path = `${dir}/${ORG}/checkpoint.json`;
    const c = JSON.parse(await Deno.readTextFile(path));
    c.end = new Date(D13 + DAY).toISOString();
    await Deno.writeTextFile(path, JSON.stringify(c));
  }, { missingWindows: [key(D13)] }],
  ["a digest edited to match a changed file", async (dir) => {
    // The file and its digest agree again, but the next digest's link breaks.
    const path = `${dir}/${key(D10)}`;
    const bytes = await Deno.readFile(path);
    bytes[bytes.length - 3] ^= 1;
    await Deno.writeFile(path, bytes);
    const dpath = `${path}.digest.json`;
    const d = JSON.parse(await Deno.readTextFile(dpath));
    const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    d.sha256 = Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
    await Deno.writeTextFile(dpath, JSON.stringify(d) + "\n");
  }, { chainBreaks: [`${key(D11)}.digest.json`] }],
];

const KINDS = [
  "missingWindows",
  "modified",
  "withoutDigest",
  "digestsWithoutFile",
  "chainBreaks",
  "badSignatures",
] as const;

Deno.test("verifyArchive reports each kind of tampering by kind and key, and readArchive refuses a file that does not match", async () => {
  for (const [name, tamper, expected] of TAMPERING) {
    await withArchive(async (api, dir) => {
      await archive(api, dir);
      await tamper(dir);
      const report = await verify(dir);
      assert.equal(report.ok, false, name);
      const [o] = report.organizations;
      for (const kind of KINDS) {
        const found = o[kind].map((x) => typeof x === "string" ? x : x.key)
          .sort();
        assert.deepEqual(
          found,
          (expected[kind] ?? []).sort(),
          `${name}: ${kind}`,
        );
      }
      if (o.modified.length) {
        await assert.rejects(
          () => readAll({ store: directoryStore(dir) }),
          (e) =>
            e instanceof ArchiveIntegrityError && e.key === o.modified[0].key,
          name,
        );
      }
    });
  }
});

Deno.test("readArchive streams every event once in time order, with createExport's filters", async () => {
  await withArchive(async (api, dir) => {
    await archive(api, dir);
    const store = directoryStore(dir);
    const all = await readAll({ store });
    assert.deepEqual(all.map((e) => e.action), [
      "a.one",
      "a.two",
      "b.one",
      "c.one",
      "c.two",
    ]);
    assert.ok(all[0].occurredAt instanceof Date);
    const actions = (o: Record<string, unknown>) =>
      readAll({ store, ...o }).then((es) => es.map((e) => e.action));
    assert.deepEqual(await actions({ actions: ["a.one", "c.two"] }), [
      "a.one",
      "c.two",
    ]);
    assert.deepEqual(await actions({ actorIds: ["user_2"] }), [
      "a.two",
      "c.two",
    ]);
    assert.deepEqual(await actions({ actorNames: ["Grace"] }), [
      "a.two",
      "c.two",
    ]);
    assert.deepEqual(await actions({ targets: ["document"] }), [
      "b.one",
      "c.two",
    ]);
    // AND between kinds, OR within one.
    assert.deepEqual(
      await actions({ targets: ["document"], actorIds: ["user_2"] }),
      ["c.two"],
    );
    // The span is half-open, and cuts inside windows.
    assert.deepEqual(
      await actions({
        from: new Date(D10 + 2 * HOUR),
        to: new Date(D12 + 7 * HOUR),
      }),
      ["a.two", "b.one"],
    );
  });
});

Deno.test("NDJSON archives read back the same events, and a window with its addenda merges in time order", async () => {
  const late = event(ORG, "late.one", D11 + HOUR);
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events: [...EVENTS], now: () => NOW },
    (api) =>
      withDir(async (dir) => {
        await archive(api, dir, { format: "ndjson" });
        await postEvent(api, late);
        await archive(api, dir, { format: "ndjson", now: () => NOW + HOUR });
        const all = await readAll({ store: directoryStore(dir) });
        assert.deepEqual(all.map((e) => e.action), [
          "a.one",
          "a.two",
          "late.one",
          "b.one",
          "c.one",
          "c.two",
        ]);
        const report = await verify(dir);
        assert.equal(report.ok, true, JSON.stringify(report));
        assert.equal(report.organizations[0].addenda.length, 1);
      }),
  );
});

Deno.test("a crash between a window file and its digest is repaired by the next run, after a new export vouches for the file", async () => {
  await withArchive(async (api, dir) => {
    let digestsLeft = 1;
    const crashing = hookedStore(dir, (_op, k) => {
      if (k.endsWith(".digest.json") && digestsLeft-- <= 0) {
        throw new Error("killed before the digest");
      }
    });
    const error = await archive(api, dir, { store: crashing }).catch((e) => e);
    assert.ok(error instanceof ArchiveError, String(error));
    let stored = await files(dir);
    assert.ok(stored.has(key(D11)), "the file of Nov 11 is stored");
    assert.ok(!stored.has(`${key(D11)}.digest.json`));
    // Not broken: the file past the checkpoint is pending.
    const between = await verify(dir);
    assert.equal(between.ok, true, JSON.stringify(between));
    assert.deepEqual(between.organizations[0].pending, [key(D11)]);

    const before = stored.get(key(D11));
    await archive(api, dir);
    stored = await files(dir);
    assert.deepEqual(stored.get(key(D11)), before, "never rewritten");
    assert.ok(stored.has(`${key(D11)}.digest.json`));
    const report = await verify(dir);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(
      await union(stored),
      EVENTS.map((e) => `${ORG}|${e.action}`).sort(),
    );
  });
});

Deno.test("a crash between a digest and the checkpoint leaves a pending digest that the next run takes up", async () => {
  await withArchive(async (api, dir) => {
    let checkpoints = 0;
    const crashing = hookedStore(dir, (_op, k) => {
      // The settings, Nov 10's checkpoint, then Nov 11's: killed there.
      if (k.endsWith("checkpoint.json") && ++checkpoints === 3) {
        throw new Error("killed before the checkpoint");
      }
    });
    await archive(api, dir, { store: crashing }).catch(() => {});
    const between = await verify(dir);
    assert.equal(between.ok, true, JSON.stringify(between));
    assert.deepEqual(between.organizations[0].pending, [key(D11)]);
    await archive(api, dir);
    const report = await verify(dir);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.deepEqual(report.organizations[0].pending, []);
  });
});

Deno.test("a stored file that no longer matches its digest stops the run instead of being chained over", async () => {
  await withArchive(async (api, dir) => {
    let checkpoints = 0;
    const crashing = hookedStore(dir, (_op, k) => {
      if (k.endsWith("checkpoint.json") && ++checkpoints === 3) {
        throw new Error("killed before the checkpoint");
      }
    });
    await archive(api, dir, { store: crashing }).catch(() => {});
    const path = `${dir}/${key(D11)}`;
    const bytes = await Deno.readFile(path);
    bytes[decoder.decode(bytes).lastIndexOf("Ada")] ^= 2; // still parses
    await Deno.writeFile(path, bytes);
    const error = await archive(api, dir).catch((e) => e);
    assert.ok(error instanceof ArchiveError);
    assert.match(error.message, /does not match its digest/);
    assert.deepEqual(await Deno.readFile(path), bytes, "kept as it is");
  });
});

Deno.test("signed digests verify with the right key only, and no key appears in a file or an error", async () => {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const other = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const secretText = [
    btoa(String.fromCharCode(...secret)),
    Array.from(secret, (b) => b.toString(16).padStart(2, "0")).join(""),
  ];
  const cases: [string, Options["signingKey"], unknown, unknown, string][] = [
    [
      "Ed25519 CryptoKey",
      pair.privateKey,
      pair.publicKey,
      other.publicKey,
      "Ed25519",
    ],
    [
      "Ed25519 JWK",
      jwk,
      { kty: "OKP", crv: "Ed25519", x: jwk.x },
      other.publicKey,
      "Ed25519",
    ],
    ["HMAC secret", secret, secret, new Uint8Array(32), "HMAC-SHA-256"],
  ];
  for (const [name, signingKey, publicKey, wrong, alg] of cases) {
    await withArchive(async (api, dir) => {
      await archive(api, dir, { signingKey });
      const stored = await files(dir);
      const d = json(stored.get(`${key(D10)}.digest.json`));
      assert.equal(d.signature.alg, alg, name);
      const text = [...stored.values()].map((b) => decoder.decode(b)).join(
        "\n",
      );
      for (const s of [jwk.d!, ...secretText]) {
        assert.ok(!text.includes(s), `${name}: the key is in a file`);
      }
      const good = await verify(dir, { publicKey });
      assert.equal(good.ok, true, `${name}: ${JSON.stringify(good)}`);
      assert.equal(good.organizations[0].signaturesChecked, true);
      const bad = await verify(dir, { publicKey: wrong });
      assert.equal(bad.ok, false, name);
      assert.equal(bad.organizations[0].badSignatures.length, 3, name);
      // Re-signed with another key: its signature no longer checks.
      await assert.rejects(
        () =>
          readAll({
            store: directoryStore(dir),
            publicKey: wrong as Uint8Array,
          }),
        ArchiveIntegrityError,
      );
      assert.equal(
        (await readAll({
          store: directoryStore(dir),
          publicKey: publicKey as Uint8Array,
        })).length,
        5,
      );
    });
  }
  // An unsigned archive checked with a key: every digest is reported.
  await withArchive(async (api, dir) => {
    await archive(api, dir);
    const report = await verify(dir, { publicKey: pair.publicKey });
    assert.deepEqual(
      report.organizations[0].badSignatures.map((b) => b.reason),
      ["it is not signed", "it is not signed", "it is not signed"],
    );
  });
  // Re-signing a record with another key is caught.
  await withArchive(async (api, dir) => {
    await archive(api, dir, { signingKey: pair.privateKey });
    await withDir(async (other_dir) => {
      await archive(api, other_dir, { signingKey: other.privateKey });
      const k = `${key(D11)}.digest.json`;
      await Deno.writeFile(
        `${dir}/${k}`,
        await Deno.readFile(`${other_dir}/${k}`),
      );
    });
    const report = await verify(dir, { publicKey: pair.publicKey });
    assert.deepEqual(
      report.organizations[0].badSignatures.map((b) => b.key),
      [`${key(D11)}.digest.json`],
    );
  });
  // A key that cannot be used is named by its path, never quoted.
  const short = crypto.getRandomValues(new Uint8Array(16));
  // The key is never sent: the signing key fails validation first.
  const error = await archiveExports({
    organizationId: ORG,
    store: directoryStore("/nonexistent"),
    signingKey: short,
  }, { apiKey: "sk_test_x" }).catch((e) => e);
  assert.ok(error instanceof ValidationError);
  assert.deepEqual(error.issues.map((i) => i.path), ["signingKey"]);
  for (const s of [btoa(String.fromCharCode(...short)), String(short[0])]) {
    assert.ok(!error.message.includes(s) || s.length < 3, error.message);
  }
  assert.ok(!JSON.stringify(error).includes(jwk.d!));
  const badJwk = await archiveExports({
    organizationId: ORG,
    store: directoryStore("/nonexistent"),
    signingKey: { ...jwk, d: "AAAA" + jwk.d!.slice(10) },
  }, { apiKey: "sk_test_x", baseUrl: "http://127.0.0.1:9" }).catch((e) => e);
  assert.ok(badJwk instanceof ValidationError, String(badJwk));
  assert.ok(!badJwk.message.includes(jwk.d!.slice(10)), badJwk.message);
});

Deno.test("gzip: windows stored as .csv.gz and .ndjson.gz, digests of the stored bytes, read and verified like the others, fixed once stored", async () => {
  const events = sampleEvents({
    organizations: [ORG],
    perOrganization: 600,
    now: D13,
    days: 3,
  });
  for (const format of ["csv", "ndjson"] as const) {
    await withEmulator(
      { ...QUICK_API, organizations: [ORG], events, now: () => NOW },
      (api) =>
        withDir((plain) =>
          withDir(async (gz) => {
            await archive(api, plain, { format });
            await archive(api, gz, { format, compress: "gzip" });
            const p = await files(plain);
            const z = await files(gz);
            const ext = `${format}.gz`;
            assert.ok(z.has(key(D10, ext)), [...z.keys()].join(" "));
            assert.equal(
              json(z.get(`${key(D10, ext)}.digest.json`)).bytes,
              z.get(key(D10, ext))!.byteLength,
            );
            assert.equal(
              json(z.get(`${ORG}/checkpoint.json`)).compress,
              "gzip",
            );
            const size = (m: Map<string, Uint8Array>, e: string) =>
              [...m].filter(([k]) => k.endsWith(e)).reduce(
                (n, [, b]) => n + b.byteLength,
                0,
              );
            const ratio = size(p, `.${format}`) / size(z, `.${ext}`);
            console.log(
              `${format}: ${size(p, `.${format}`)} → ${
                size(z, `.${ext}`)
              } bytes, ratio ${ratio.toFixed(1)}`,
            );
            assert.ok(ratio > 2, String(ratio));
            assert.equal((await verify(gz)).ok, true);
            const a = await readAll({ store: directoryStore(plain) });
            const b = await readAll({ store: directoryStore(gz) });
            assert.ok(a.length > 0);
            assert.deepEqual(b, a);
            // Fixed for the archive, like format.
            const error = await archive(api, gz, {
              format,
              now: () => NOW + DAY,
            }).catch((e) => e);
            assert.ok(error instanceof ArchiveError);
            assert.match(error.message, /compressed \(gzip\)/);
            const other = await archive(api, plain, {
              format,
              compress: "gzip",
              now: () => NOW + DAY,
            }).catch((e) => e);
            assert.ok(other instanceof ArchiveError);
            assert.match(other.message, /uncompressed/);
          })
        ),
    );
  }
});

Deno.test("an archive made before digests keeps working: new windows start the chain, the re-check digests what a new export vouches for, older files are reported without a digest", async () => {
  await withArchive(async (api, dir) => {
    await archive(api, dir, { recheck: 0 });
    // As an archive made before digests: no digest, no head.
    for (const d of [D10, D11, D12]) {
      await Deno.remove(`${dir}/${key(d)}.digest.json`);
    }
    const path = `${dir}/${ORG}/checkpoint.json`;
    const { head: _, ...old } = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(path, JSON.stringify(old));
    const legacy = await verify(dir);
    assert.equal(legacy.ok, false);
    assert.deepEqual(legacy.organizations[0].withoutDigest, [
      key(D10),
      key(D11),
      key(D12),
    ]);
    assert.deepEqual(legacy.organizations[0].chainBreaks, []);
    // A day on, with a re-check of two days: Nov 13 starts the chain, and
    // Nov 11 and 12, which a new export vouches for, get digests.
    await archive(api, dir, { now: () => NOW + DAY, recheck: 2 * DAY });
    const report = await verify(dir);
    assert.deepEqual(report.organizations[0].withoutDigest, [key(D10)]);
    assert.deepEqual(report.organizations[0].chainBreaks, []);
    assert.deepEqual(report.organizations[0].modified, []);
  });
});

Deno.test("a store that cannot list is verified and read along its digest chain", async () => {
  const objects = new Map<string, Uint8Array>();
  const memory: ArchiveStore = {
    get: (k) =>
      Promise.resolve(objects.has(k) ? decoder.decode(objects.get(k)) : null),
    put: (k, body) => Promise.resolve(void objects.set(k, body.slice())),
  };
  await withEmulator(
    { ...QUICK_API, organizations: [ORG], events: EVENTS, now: () => NOW },
    async (api) => {
      await archiveExports({
        organizationId: ORG,
        store: memory,
        from: new Date(D10),
        now: () => NOW,
      }, api.config);
      const clean = await verifyArchive({ store: memory, organizationId: ORG });
      assert.equal(clean.ok, true, JSON.stringify(clean));
      assert.equal(clean.organizations[0].filesChecked, 3);
      assert.equal((await readAll({ store: memory })).length, 5);
      objects.delete(key(D11));
      const report = await verifyArchive({
        store: memory,
        organizationId: ORG,
      });
      assert.deepEqual(
        report.organizations[0].missingWindows.map((w) => w.key),
        [key(D11)],
      );
    },
  );
});

Deno.test("readArchive and verifyArchive check their options with every problem at once", () => {
  const store = directoryStore("/nonexistent");
  const issues = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      assert.ok(error instanceof ValidationError, String(error));
      return error.issues.map((i) => `${i.path}: ${i.message}`);
    }
    assert.fail("no error");
  };
  const read = (o: unknown) => () =>
    readArchive(o as Parameters<typeof readArchive>[0]);
  assert.deepEqual(
    issues(
      read({
        store,
        organizationId: ORG,
        from: "yesterday",
        to: 5,
        actions: "a",
      }),
    ),
    [
      "from: must be a valid Date or an ISO-8601 date-time with a time zone",
      "to: must be a valid Date or an ISO-8601 date-time with a time zone",
      "actions: must be an array of strings",
    ],
  );
  assert.deepEqual(
    issues(
      read({
        organizationId: "../etc",
        actorIds: [],
        targets: ["ok", "a\u0000b", "x".repeat(1001), 7],
      }),
    ),
    [
      "store: must be a store with get(key) and put(key, body)",
      "organizationId: organization id must be letters, digits, _, - and . only (it names the store's folders)",
      "actorIds: must not be empty (leave it out to take every value)",
      "targets.1: each value must not contain control characters",
      "targets.2: each value must be at most 1000 characters",
      "targets.3: each value must be a string",
    ],
  );
  assert.deepEqual(
    issues(
      read({
        store,
        organizationId: ORG,
        actorNames: Array(1001).fill("a"),
        organizationIds: [ORG],
        from: new Date(D11),
        to: new Date(D10),
      }),
    ),
    [
      "actorNames: must hold at most 1000 values",
      "organizationIds: is not a known option",
      "to: must be later than from",
    ],
  );
  assert.deepEqual(
    issues(read(null)),
    [": options must be an object"],
  );
  return verifyArchive({ store, organizationIds: [], publicKey: "k" } as never)
    .then(
      () => assert.fail("no error"),
      (error) => {
        assert.ok(error instanceof ValidationError);
        assert.deepEqual(error.issues.map((i: { path: string }) => i.path), [
          "publicKey",
          "organizationIds",
        ]);
      },
    );
});

Deno.test("a crash between an addendum and its digest is repaired by the next run's re-check", async () => {
  await withArchive(async (api, dir) => {
    await archive(api, dir);
    await postEvent(api, event(ORG, "late.one", D11 + HOUR));
    const crashing = hookedStore(dir, (_op, k) => {
      if (k.includes(".late-") && k.endsWith(".digest.json")) {
        throw new Error("killed before the addendum's digest");
      }
    });
    const error = await archive(api, dir, {
      store: crashing,
      now: () => NOW + HOUR,
    }).catch((e) => e);
    assert.ok(error instanceof ArchiveError, String(error));
    const between = await verify(dir);
    assert.equal(between.organizations[0].withoutDigest.length, 1);
    assert.deepEqual(between.organizations[0].chainBreaks, []);
    await archive(api, dir, { now: () => NOW + 2 * HOUR });
    const report = await verify(dir);
    assert.equal(report.ok, true, JSON.stringify(report));
    const stored = await files(dir);
    assert.deepEqual(
      await union(stored),
      [...EVENTS.map((e) => `${ORG}|${e.action}`), `${ORG}|late.one`].sort(),
    );
    assert.equal(
      report.organizations[0].addenda.length,
      1,
      "no second addendum",
    );
  });
});

Deno.test("verifyArchive tells onFile each file hashed, of those to hash; a bad onFile is a ValidationError", async () => {
  await withArchive(async (api, dir) => {
    await archive(api, dir);
    const seen: string[] = [];
    const report = await verify(dir, {
      onFile: (p: { organizationId: string; done: number; total: number }) =>
        seen.push(`${p.organizationId} ${p.done}/${p.total}`),
    });
    assert.equal(report.ok, true);
    const checked = report.organizations[0].filesChecked;
    assert.equal(checked, 3);
    assert.deepEqual(
      seen,
      Array.from({ length: checked }, (_, i) => `${ORG} ${i + 1}/${checked}`),
    );
    for (const bad of ["log", 7, null]) {
      await assert.rejects(
        verify(dir, { onFile: bad }),
        (e: unknown) =>
          e instanceof ValidationError &&
          e.issues.some((i) => i.path === "onFile"),
      );
    }
  });
});
