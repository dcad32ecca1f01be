/**
 * `s3Store`'s options: every problem listed at once in a `ValidationError`,
 * wrong types, empty, huge and hostile values refused, and no message
 * repeating a value given.
 *
 * @module
 */

import assert from "node:assert/strict";
import { s3Store, ValidationError } from "../s3.ts";

const CREDENTIALS = { accessKeyId: "AKIA1", secretAccessKey: "s3cr3t-h0stile" };

function issuesOf(options: unknown): string[] {
  try {
    s3Store(options as never);
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    assert.ok(!error.message.includes("h0stile"), error.message);
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a ValidationError");
}

Deno.test("s3Store lists every problem of its options at once", () => {
  const issues = issuesOf({
    bucket: "Not A Bucket/../x",
    prefix: "../up",
    region: "US EAST",
    endpoint: "ftp://h0stile@example.com",
    credentials: { accessKeyId: "", secretAccessKey: 42, extra: "h0stile" },
    objectLock: { mode: "FOREVER", days: 0.5 },
    fetch: "fetch",
    partSize: 1024,
    lease: -1,
    now: 5,
    unknown: true,
  });
  const paths = issues.map((i) => i.split(":")[0]);
  assert.deepEqual(paths.sort(), [
    "bucket",
    "credentials.accessKeyId",
    "credentials.extra",
    "credentials.secretAccessKey",
    "endpoint",
    "fetch",
    "lease",
    "now",
    "objectLock.days",
    "objectLock.mode",
    "partSize",
    "prefix",
    "region",
    "unknown",
  ]);
});

Deno.test("s3Store requires a bucket and credentials, and reads no environment", () => {
  assert.deepEqual(issuesOf({}).map((i) => i.split(":")[0]).sort(), [
    "bucket",
    "credentials",
  ]);
  assert.match(issuesOf({ bucket: "b-1" }).join(), /reads no environment/);
  assert.deepEqual(
    issuesOf(null),
    ["s3Store's options must be an object"].map((m) => `: ${m}`),
  );
  assert.deepEqual(
    issuesOf({ bucket: "b-1", credentials: { accessKeyId: "a" } }),
    ["credentials.secretAccessKey: is required"],
  );
});

Deno.test("s3Store refuses bucket names that are not bucket names", () => {
  for (
    const bucket of [
      "",
      "ab",
      "a".repeat(64),
      "x".repeat(100_000),
      "UPPER",
      "-start",
      "end-",
      "a..b",
      "192.168.1.1",
      "a/b",
      "a\u0000b",
      "a\nb",
      "bücket",
      42,
      ["b"],
    ]
  ) {
    const issues = issuesOf({ bucket, credentials: CREDENTIALS });
    assert.equal(issues.length, 1, `${JSON.stringify(bucket)}: ${issues}`);
    assert.match(issues[0], /^bucket: /);
  }
  for (const bucket of ["abc", "my-bucket.logs", "a_b-c", "x".repeat(63)]) {
    s3Store({ bucket, credentials: CREDENTIALS });
  }
});

Deno.test("s3Store refuses prefixes that climb, are empty names or hold control characters", () => {
  for (
    const prefix of [
      "/abs",
      "a//b",
      "..",
      "a/../b",
      "./a",
      "a\\b",
      "a\u0001",
      "a\u007f",
      "x".repeat(600),
      7,
    ]
  ) {
    const issues = issuesOf({
      bucket: "abc",
      prefix,
      credentials: CREDENTIALS,
    });
    assert.equal(issues.length, 1, `${JSON.stringify(prefix)}: ${issues}`);
    assert.match(issues[0], /^prefix: /);
  }
  for (const prefix of ["", "a", "a/", "a/b.c/d-e"]) {
    s3Store({ bucket: "abc", prefix, credentials: CREDENTIALS });
  }
});

Deno.test("s3Store refuses empty, huge and odd credentials and endpoints without repeating them", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { credentials: { accessKeyId: "a", secretAccessKey: "" } },
      /credentials.secretAccessKey: must not be empty/,
    ],
    [{
      credentials: {
        accessKeyId: "a",
        secretAccessKey: "h0stile".repeat(1000),
      },
    }, /at most 1024/],
    [
      { credentials: { accessKeyId: "a b", secretAccessKey: "h0stile" } },
      /white space/,
    ],
    [
      { credentials: { ...CREDENTIALS, sessionToken: "h0stile\r\nx: y" } },
      /control characters/,
    ],
    [{ credentials: "h0stile" }, /credentials must be an object/],
    [
      { endpoint: "https://user:h0stile@s3.example.com" },
      /user name or password/,
    ],
    [{ endpoint: "not a url h0stile" }, /absolute URL/],
    [{ endpoint: "https://s3.example.com/?x=h0stile" }, /query/],
    [{ endpoint: "https://" + "h".repeat(3000) }, /2048/],
    [{ partSize: 5 * 1024 * 1024 - 1 }, /5 MiB/],
    [{ partSize: 6 * 1024 ** 3 }, /5 GiB/],
    [{ objectLock: { mode: "COMPLIANCE" } }, /objectLock.days: is required/],
    [{ objectLock: { mode: "GOVERNANCE", days: 40_000 } }, /36500/],
  ];
  for (const [extra, expected] of cases) {
    const issues = issuesOf({
      bucket: "abc",
      credentials: CREDENTIALS,
      ...extra,
    });
    assert.match(
      issues.join("; "),
      expected,
      JSON.stringify(extra).slice(0, 80),
    );
  }
});
