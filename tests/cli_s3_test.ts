/**
 * `--s3` of `archive`, `verify` and `read`: the real CLI against
 * `moto_server`, configured the way a user does it, through the AWS
 * environment variables; and the secrets of those variables kept out of
 * every output, whatever the endpoint answers.
 *
 * @module
 */

import assert from "node:assert/strict";
import { sampleEvents } from "../testing.ts";
import { cli, ndjsonLines, withEmulatorAndDir } from "./cli_helpers.ts";
import {
  createBucket,
  CREDENTIALS,
  type Moto,
  objectsOf,
  raw,
  startMoto,
} from "./s3_helpers.ts";

const ORG = "org_s3_cli";

/** The AWS environment of a run against `endpoint`. */
function awsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "",
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ENDPOINT_URL: "",
  };
}

/** What must never be printed. */
const SECRETS = [CREDENTIALS.secretAccessKey, CREDENTIALS.sessionToken];

async function withMoto(fn: (moto: Moto) => Promise<void>): Promise<void> {
  const moto = await startMoto();
  try {
    await fn(moto);
  } finally {
    await moto.close();
  }
}

Deno.test("--s3: archive, verify and read against moto; a changed object fails verification", async () => {
  await withMoto(async (moto) => {
    const bucket = await createBucket(moto);
    const url = `s3://${bucket}/audit/workos/`;
    const env = awsEnv(moto.endpoint);
    const events = sampleEvents({
      organizations: [ORG],
      perOrganization: 30,
      days: 5,
    });
    await withEmulatorAndDir(
      { organizations: [ORG], events, exportDelayMs: 0, rateLimit: false },
      async ({ url: api, dir }) => {
        const archived = await cli(
          ["archive", "--org", ORG, "--s3", url, "--from", "3d", "--json"],
          { server: { url: api }, env, secrets: SECRETS },
        );
        assert.equal(archived.code, 0, archived.stderr);
        const summary = JSON.parse(archived.stdout);
        assert.equal(summary.s3, `s3://${bucket}/audit/workos`);
        assert.ok(summary.windows >= 3);
        const objects = await objectsOf(moto, bucket);
        const windowKey = [...objects.keys()].sort().find((k) =>
          /Z\.csv$/.test(k)
        )!;
        assert.ok(windowKey.startsWith(`audit/workos/${ORG}/`), windowKey);

        const clean = await cli(["verify", "--s3", url], {
          env,
          secrets: SECRETS,
        });
        assert.equal(clean.code, 0, clean.stderr);
        assert.match(clean.stderr, new RegExp(`^${ORG}: ok: `, "m"));

        const action = events[0].action;
        const read = await cli([
          "read",
          "--s3",
          url,
          "--org",
          ORG,
          "--from",
          "10d",
          "--action",
          action,
        ], { env, secrets: SECRETS });
        assert.equal(read.code, 0, read.stderr);
        const got = ndjsonLines(read.stdout) as { action: string }[];
        assert.ok(got.length > 0);
        assert.ok(got.every((e) => e.action === action));
        const local = await cli(
          [
            "read",
            "--s3",
            url,
            "--org",
            ORG,
            "--from",
            "10d",
            "--format",
            "csv",
            "--out",
            `${dir}/all.csv`,
          ],
          { env, secrets: SECRETS },
        );
        assert.equal(local.code, 0, local.stderr);

        // One byte changed behind the archive's back.
        const body = objects.get(windowKey)!.slice();
        body[body.length >> 1] ^= 1;
        const put = await raw(moto, "PUT", `/${bucket}/${windowKey}`, {}, body);
        await put.body?.cancel();
        const tampered = await cli(["verify", "--s3", url], {
          env,
          secrets: SECRETS,
        });
        assert.equal(tampered.code, 4, tampered.stderr);
        const key = windowKey.slice("audit/workos/".length);
        assert.match(
          tampered.stderr,
          new RegExp(`^modified: ${key.replaceAll(".", "\\.")}: `, "m"),
        );
        const failedRead = await cli(
          [
            "read",
            "--s3",
            url,
            "--org",
            ORG,
            "--from",
            "10d",
            "--out",
            `${dir}/x.ndjson`,
          ],
          { env, secrets: SECRETS },
        );
        assert.equal(failedRead.code, 4, failedRead.stderr);
        await assert.rejects(Deno.stat(`${dir}/x.ndjson`));
      },
    );
  });
});

Deno.test("--s3 --object-lock: every object archived into a locked bucket carries its retention", async () => {
  await withMoto(async (moto) => {
    const bucket = await createBucket(moto, true);
    const env = awsEnv(moto.endpoint);
    const events = sampleEvents({
      organizations: [ORG],
      perOrganization: 6,
      days: 3,
    });
    await withEmulatorAndDir(
      { organizations: [ORG], events, exportDelayMs: 0, rateLimit: false },
      async ({ url: api }) => {
        const run = await cli([
          "archive",
          "--org",
          ORG,
          "--s3",
          `s3://${bucket}`,
          "--from",
          "1d",
          "--object-lock",
          "governance:2",
        ], { server: { url: api }, env, secrets: SECRETS });
        assert.equal(run.code, 0, run.stderr);
        const key = [...(await objectsOf(moto, bucket)).keys()].find((k) =>
          k.endsWith(".digest.json")
        )!;
        const head = await raw(moto, "HEAD", `/${bucket}/${key}`);
        assert.equal(head.headers.get("x-amz-object-lock-mode"), "GOVERNANCE");
        assert.ok(head.headers.get("x-amz-object-lock-retain-until-date"));
      },
    );
  });
});

Deno.test("--s3: a failing or hostile endpoint exits 1 and never prints a secret", async () => {
  // An endpoint that answers every request with the request itself, its
  // signature and security token included, as a hostile proxy might.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) =>
      new Response(
        `<Error><Code>AccessDenied</Code><Message>\u001b[2J${
          [...request.headers].map(([k, v]) => `${k}: ${v}`).join("\n")
        } ${CREDENTIALS.secretAccessKey}</Message></Error>`,
        { status: 403, headers: { "content-type": "application/xml" } },
      ),
  );
  const hostile = `http://127.0.0.1:${server.addr.port}`;
  const refused = (() => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    return `http://127.0.0.1:${port}`;
  })();
  try {
    for (const endpoint of [hostile, refused]) {
      const env = awsEnv(endpoint);
      for (
        const args of [
          ["verify", "--s3", "s3://bucket-x/p"],
          ["verify", "--s3", "s3://bucket-x/p", "--org", ORG],
          ["read", "--s3", "s3://bucket-x/p", "--org", ORG, "--from", "1d"],
          ["archive", "--s3", "s3://bucket-x/p", "--org", ORG, "--from", "1d"],
        ]
      ) {
        const run = await cli(args, {
          env,
          secrets: SECRETS,
          ...(args[0] === "archive"
            ? { server: { url: "http://127.0.0.1:9" } }
            : {}),
          killAfterMs: 60_000,
        });
        assert.equal(
          run.code,
          1,
          `${endpoint} ${args.join(" ")}\n${run.stderr}`,
        );
        // `cli` checks SECRETS; the signature is a secret of its own.
        const output = run.stdout + run.stderr;
        assert.doesNotMatch(output, /Signature=(?!\[redacted\])/);
        // What the endpoint said reaches the terminal without its control characters.
        assert.ok(!run.stderr.includes("\u001b"), run.stderr);
      }
    }
  } finally {
    await server.shutdown();
  }
});
