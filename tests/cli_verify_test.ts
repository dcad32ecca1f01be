/**
 * `audit-log-export verify` end to end: a real subprocess over an archive
 * that `archive` made from a served emulator, then changed the way an
 * attacker or a failing disk would.
 *
 * @module
 */

import assert from "node:assert/strict";
import { sampleEvents } from "../testing.ts";
import { assertUsage, cli, withEmulatorAndDir } from "./cli_helpers.ts";
import { readTree } from "./helpers.ts";

const ORGS = ["org_verify_1", "org_verify_2"];

/** A key file's secret, recognisable wherever it would leak. */
const HMAC_SECRET =
  "c2VjcmV0LWhtYWMta2V5LWJ5dGVzLWZvci12ZXJpZnktdGVzdHMtMDEyMw";

/** An archive of the last 3 whole days of two organizations, made by the CLI. */
function withArchive(
  fn: (s: { dir: string; archive: string }) => Promise<void>,
  extra: string[] = [],
): Promise<void> {
  const events = sampleEvents({
    organizations: ORGS,
    perOrganization: 20,
    days: 6,
  });
  return withEmulatorAndDir(
    { organizations: ORGS, events, exportDelayMs: 0, rateLimit: false },
    async ({ url, dir }) => {
      const archive = `${dir}/archive`;
      const run = await cli([
        "archive",
        "--org",
        ORGS.join(","),
        "--dir",
        archive,
        "--from",
        "3d",
        ...extra,
      ], { server: { url } });
      assert.equal(run.code, 0, run.stderr);
      await fn({ dir, archive });
    },
  );
}

/** The first window file of the archive (not a digest, not a ledger). */
async function firstWindow(archive: string): Promise<string> {
  const keys = [...(await readTree(archive)).keys()].sort();
  const key = keys.find((k) =>
    /\/\d{8}T\d{6}Z_\d{8}T\d{6}Z\.csv(\.gz)?$/.test(k)
  );
  assert.ok(key, keys.join("\n"));
  return key;
}

/** Changes one byte in the middle of a file. */
async function flipByte(path: string): Promise<void> {
  const bytes = await Deno.readFile(path);
  bytes[bytes.length >> 1] ^= 0x01;
  await Deno.writeFile(path, bytes);
}

async function writeJwk(path: string, jwk: JsonWebKey): Promise<void> {
  await Deno.writeTextFile(path, JSON.stringify(jwk));
}

Deno.test("verify: a fresh archive is clean (exit 0); one byte changed exits 4 and names the file", async () => {
  await withArchive(async ({ archive }) => {
    const clean = await cli(["verify", "--dir", archive]);
    assert.equal(clean.code, 0, clean.stderr);
    for (const org of ORGS) {
      assert.match(clean.stderr, new RegExp(`^${org}: ok: \\d+ windows`, "m"));
    }
    assert.equal(clean.stdout, "");

    const key = await firstWindow(archive);
    await flipByte(`${archive}/${key}`);
    const tampered = await cli(["verify", "--dir", archive]);
    assert.equal(tampered.code, 4, tampered.stderr);
    assert.match(
      tampered.stderr,
      new RegExp(
        `^modified: ${
          key.replaceAll(".", "\\.")
        }: \\d+ bytes of SHA-256 [0-9a-f]{64}; its digest says`,
        "m",
      ),
    );
    const org = key.split("/")[0];
    assert.match(
      tampered.stderr,
      new RegExp(`^${org}: FAILED: 1 modified;`, "m"),
    );
    const other = ORGS.find((o) => o !== org)!;
    assert.match(tampered.stderr, new RegExp(`^${other}: ok:`, "m"));

    const json = await cli(["verify", "--dir", archive, "--json"]);
    assert.equal(json.code, 4, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, false);
    const bad = report.organizations.find((o: { organizationId: string }) =>
      o.organizationId === org
    );
    assert.deepEqual(bad.modified.map((m: { key: string }) => m.key), [key]);
    // The problem line is on stderr even with --json; the summary is not.
    assert.match(json.stderr, /^modified: /m);
    assert.doesNotMatch(json.stderr, /: ok:/);
  });
});

Deno.test("verify: a window file deleted, or a digest deleted, is reported by kind", async () => {
  await withArchive(async ({ archive }) => {
    const key = await firstWindow(archive);
    await Deno.remove(`${archive}/${key}`);
    const gone = await cli([
      "verify",
      "--dir",
      archive,
      "--org",
      key.split("/")[0],
    ]);
    assert.equal(gone.code, 4, gone.stderr);
    assert.match(
      gone.stderr,
      new RegExp(
        `^digest without file: ${key.replaceAll(".", "\\.")}\\.digest\\.json$`,
        "m",
      ),
    );
    assert.match(
      gone.stderr,
      new RegExp(`^missing window: ${key.replaceAll(".", "\\.")}: `, "m"),
    );
  });
  await withArchive(async ({ archive }) => {
    const key = await firstWindow(archive);
    await Deno.remove(`${archive}/${key}.digest.json`);
    const run = await cli(["verify", "--dir", archive]);
    assert.equal(run.code, 4, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`^without digest: ${key.replaceAll(".", "\\.")}$`, "m"),
    );
    assert.match(run.stderr, /^chain break: /m);
  });
});

Deno.test("verify --public-key: an HMAC-signed archive verifies with its key, fails with another, and no key is printed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_verify_keys_" });
  const signing = `${dir}/hmac.jwk`;
  const other = `${dir}/other.jwk`;
  await writeJwk(signing, { kty: "oct", k: HMAC_SECRET });
  await writeJwk(other, { kty: "oct", k: HMAC_SECRET.replace("c2", "d3") });
  try {
    await withArchive(async ({ archive }) => {
      const secrets = [HMAC_SECRET, HMAC_SECRET.replace("c2", "d3")];
      const good = await cli(
        ["verify", "--dir", archive, "--public-key", signing],
        { secrets },
      );
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stderr, /signatures checked/);
      const bad = await cli(
        ["verify", "--dir", archive, "--public-key", other, "--json"],
        { secrets },
      );
      assert.equal(bad.code, 4, bad.stderr);
      assert.match(
        bad.stderr,
        /^bad signature: org_verify_1\/.*\.digest\.json: /m,
      );
      assert.ok(
        JSON.parse(bad.stdout).organizations[0].badSignatures.length > 0,
      );
    }, ["--signing-key", signing]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify --public-key: an Ed25519-signed archive verifies with the public key; a gzip archive too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_verify_ed_" });
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const privateJwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const publicJwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  await writeJwk(`${dir}/private.jwk`, privateJwk);
  await writeJwk(`${dir}/public.jwk`, publicJwk);
  try {
    await withArchive(async ({ archive }) => {
      const keys = [...(await readTree(archive)).keys()];
      assert.ok(keys.some((k) => k.endsWith(".csv.gz")), keys.join("\n"));
      const run = await cli(
        ["verify", "--dir", archive, "--public-key", `${dir}/public.jwk`],
        { secrets: [privateJwk.d!] },
      );
      assert.equal(run.code, 0, run.stderr);
      const key = await firstWindow(archive);
      await flipByte(`${archive}/${key}`);
      const tampered = await cli(
        ["verify", "--dir", archive, "--public-key", `${dir}/public.jwk`],
      );
      assert.equal(tampered.code, 4);
      assert.match(
        tampered.stderr,
        new RegExp(`^modified: ${key.replaceAll(".", "\\.")}: `, "m"),
      );
    }, ["--signing-key", `${dir}/private.jwk`, "--compress", "gzip"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify: an --org with nothing archived, and an empty archive, exit 4", async () => {
  await withArchive(async ({ dir, archive }) => {
    const typo = await cli([
      "verify",
      "--dir",
      archive,
      "--org",
      "org_verify_9",
    ]);
    assert.equal(typo.code, 4, typo.stderr);
    assert.match(typo.stderr, /^nothing archived: org_verify_9: /m);
    await Deno.mkdir(`${dir}/empty`);
    const empty = await cli(["verify", "--dir", `${dir}/empty`]);
    assert.equal(empty.code, 4, empty.stderr);
    assert.match(
      empty.stderr,
      /nothing archived: .*empty holds no organization/,
    );
  });
});

Deno.test("verify: --from/--to narrow the span checked", async () => {
  await withArchive(async ({ archive }) => {
    const key = await firstWindow(archive);
    await flipByte(`${archive}/${key}`);
    // The changed file is the first window; a span after it does not see it.
    const start = /\/(\d{4})(\d{2})(\d{2})T\d{6}Z_/.exec(key)!;
    const nextDay = new Date(
      Date.parse(`${start[1]}-${start[2]}-${start[3]}T00:00:00Z`) + 86_400_000,
    ).toISOString();
    const after = await cli(["verify", "--dir", archive, "--from", nextDay]);
    assert.equal(after.code, 0, after.stderr);
    const all = await cli(["verify", "--dir", archive, "--to", "now"]);
    assert.equal(all.code, 4, all.stderr);
  });
});

Deno.test("verify: wrong, empty, huge and hostile values exit 2 and name the flag", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli_verify_usage_" });
  const notJson = `${dir}/secret.txt`;
  await Deno.writeTextFile(notJson, `{"kty": "oct", "k": "${HMAC_SECRET}",,}`);
  const huge = `${dir}/huge.jwk`;
  await Deno.writeTextFile(huge, " ".repeat(100_000) + "{}");
  const noKty = `${dir}/nokty.jwk`;
  await Deno.writeTextFile(noKty, `{"k":"${HMAC_SECRET}"}`);
  const short = `${dir}/short.jwk`;
  await Deno.writeTextFile(short, `{"kty":"oct","k":"c2hvcnQ"}`);
  const aws = {
    AWS_ACCESS_KEY_ID: "AKIAUSAGE",
    AWS_SECRET_ACCESS_KEY: "usage/secret+KEY",
    AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
  };
  try {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [[], /--dir <path> or --s3 s3:\/\/<bucket>\/<prefix> is required/],
      [["--dir", dir, "--s3", "s3://bucket/x"], /not both/],
      [["--dir", `${dir}/none`], /--dir: cannot read .*no such file/],
      [["--dir", notJson], /--dir: .* is not a directory/],
      [["--dir", ""], /--dir is required: the archive.s directory/],
      [
        ["--dir", dir, "--from", "2026-02-01", "--to", "2026-01-01"],
        /--from .* is not before --to/,
      ],
      [["--dir", dir, "--from", "now", "--to", "now"], /is not before --to/],
      [
        ["--dir", dir, "--from", "yesterday"],
        /--from: 'yesterday' is not a time/,
      ],
      [
        ["--dir", dir, "--to", "9".repeat(5000)],
        /--to: '9{60}… \(5000 characters\)' is not a time/,
      ],
      [["--dir", dir, "--org", ""], /--org: '' has an empty value/],
      [["--dir", dir, "--org", "a/b"], /--org.*letters, digits/],
      [["--dir", dir, "--org", "org_\u001b[31mred"], /--org/],
      [
        ["--dir", dir, "--public-key", notJson],
        /--public-key: .* is not a JSON Web Key/,
      ],
      [
        ["--dir", dir, "--public-key", huge],
        /--public-key: .* is larger than a key file/,
      ],
      [["--dir", dir, "--public-key", noKty], /is not a JSON Web Key/],
      [
        ["--dir", dir, "--public-key", short],
        /--public-key: .* holds no usable key: it must hold a "k" of at least 32 bytes/,
      ],
      [
        ["--dir", dir, "--public-key", `${dir}/none.jwk`],
        /--public-key: .* cannot be read: no such file/,
      ],
      [
        ["--dir", dir, "--compress", "gzip"],
        /unknown flag --compress for 'verify'/,
      ],
      [["--s3", "s3://"], /--s3: 's3:\/\/' names no bucket/, aws],
      [["--s3", "s3:///prefix"], /names no bucket/, aws],
      [
        ["--s3", "https://bucket/prefix"],
        /is not an s3:\/\/<bucket>\/<prefix> URL/,
        aws,
      ],
      [["--s3", "s3://bucket/a/../b"], /'\.\.' name in its prefix/, aws],
      [["--s3", "s3://bucket/a//b"], /an empty, '\.' or '\.\.' name/, aws],
      [
        ["--s3", "s3://bucket/\u001b[2Jx"],
        /--s3: 's3:\/\/bucket\/\\u001b\[2Jx' holds control characters/,
        aws,
      ],
      [
        ["--s3", "s3://Bad_Bucket!/x"],
        /--s3 \(its bucket\) must be a bucket name/,
        aws,
      ],
      [["--s3", `s3://${"b".repeat(300)}/x`], /--s3 \(its bucket\)/, aws],
      [["--s3", "s3://bucket/x"], /AWS_ACCESS_KEY_ID is not set/],
      [["--s3", "s3://bucket/x"], /AWS_SECRET_ACCESS_KEY is not set/, {
        AWS_ACCESS_KEY_ID: "AKIAONLY",
      }],
      [
        ["--s3", "s3://bucket/x"],
        /AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL must be an http: or https: URL/,
        { ...aws, AWS_ENDPOINT_URL_S3: "ftp://x" },
      ],
      [
        ["--s3", "s3://bucket/x"],
        /AWS_REGION or AWS_DEFAULT_REGION must be a region name/,
        { ...aws, AWS_REGION: "Not A Region" },
      ],
    ];
    for (const [args, pattern, env] of cases) {
      const what = JSON.stringify(args);
      const run = await cli(["verify", ...args], {
        env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", ...env },
        secrets: [HMAC_SECRET, aws.AWS_SECRET_ACCESS_KEY],
      });
      assertUsage(run, pattern, what);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify --help lists its flags and exit codes", async () => {
  const run = await cli(["verify", "--help"]);
  assert.equal(run.code, 0);
  for (
    const flag of [
      "--org",
      "--dir",
      "--s3",
      "--from",
      "--to",
      "--public-key",
      "--json",
    ]
  ) {
    assert.match(run.stdout, new RegExp(`${flag} `), flag);
  }
  assert.match(run.stdout, /4 when the verification\s+failed/);
  assert.match(run.stdout, /AWS_ACCESS_KEY_ID/);
});
