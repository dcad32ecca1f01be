/**
 * `createExport` options and per-call config that must be refused before
 * anything is sent: missing options named as such, dates outside what
 * ISO-8601 strings can say, blank ids, and keys and headers that no `fetch`
 * could send.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createExport, ValidationError } from "../mod.ts";

/** A `fetch` that records calls: none may happen. */
function noRequest() {
  const calls: string[] = [];
  return {
    calls,
    fetch: (url: string) => {
      calls.push(url);
      return Promise.reject(new Error("no request expected"));
    },
  };
}

async function issuesOf(
  options: unknown,
  config: Record<string, unknown> = {},
): Promise<Record<string, string>> {
  const net = noRequest();
  const error = await createExport(
    options as Parameters<typeof createExport>[0],
    { apiKey: "sk_test_x", fetch: net.fetch, ...config },
  ).then(() => undefined, (e) => e);
  assert.ok(error instanceof ValidationError, String(error));
  assert.deepEqual(net.calls, []);
  return Object.fromEntries(error.issues.map((i) => [i.path, i.message]));
}

const RANGE = {
  rangeStart: "2026-10-01T00:00:00Z",
  rangeEnd: "2026-10-02T00:00:00Z",
};

Deno.test("createExport names every missing option as required", async () => {
  assert.deepEqual(await issuesOf(RANGE), { organizationId: "is required" });
  assert.deepEqual(await issuesOf({}), {
    organizationId: "is required",
    rangeStart: "is required",
    rangeEnd: "is required",
  });
  assert.deepEqual(
    await issuesOf({ organizationId: "org_1", rangeEnd: RANGE.rangeEnd }),
    { rangeStart: "is required" },
  );
  // Not an object at all is still said as such.
  for (const options of [null, "org_1", 42, [RANGE]]) {
    assert.deepEqual(await issuesOf(options), {
      "": "options must be an object",
    });
  }
});

Deno.test("createExport refuses a Date that no ISO-8601 date-time can write", async () => {
  const year = (y: number) => {
    const d = new Date(0);
    d.setUTCFullYear(y);
    return d;
  };
  for (const date of [year(10_000), year(-1), year(275_000), new Date(NaN)]) {
    const issues = await issuesOf({
      organizationId: "org_1",
      rangeStart: date,
      rangeEnd: RANGE.rangeEnd,
    });
    assert.match(issues.rangeStart, /years 0000–9999/, String(date.getTime()));
  }
  // The edges of the range are fine as far as the date goes.
  const edges = await issuesOf({
    organizationId: "org_1",
    rangeStart: year(0),
    rangeEnd: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)),
    extra: true,
  });
  assert.deepEqual(Object.keys(edges), ["extra"]);
});

Deno.test("createExport refuses a blank organizationId or filter value", async () => {
  for (const blank of [" ", "\u00a0", "\u3000 ", " ".repeat(999)]) {
    const issues = await issuesOf({
      organizationId: blank,
      ...RANGE,
      actions: [blank],
    });
    assert.match(issues.organizationId, /must not be empty or only spaces/);
    assert.match(issues["actions.0"], /must not be empty or only spaces/);
  }
  // Spaces around a real value are the caller's to keep.
  const padded = await issuesOf({
    organizationId: " org_1 ",
    ...RANGE,
    unknown: 1,
  });
  assert.deepEqual(Object.keys(padded), ["unknown"]);
});

Deno.test("createExport: an idempotencyKey must be sendable as a header", async () => {
  const bad: [unknown, RegExp][] = [
    ["ключ-1", /Latin-1/],
    ["key-\u{1F600}", /Latin-1/],
    ["a\r\nx-injected: 1", /control characters/],
    ["", /must not be empty/],
    [" ", /must not be empty/],
    ["k".repeat(256), /at most 255/],
    [42, /must be a string/],
  ];
  for (const [idempotencyKey, message] of bad) {
    const issues = await issuesOf({ organizationId: "org_1", ...RANGE }, {
      idempotencyKey,
    });
    assert.match(issues.idempotencyKey, message, String(idempotencyKey));
  }
});

Deno.test("createExport: headers that describe the connection are refused, in any case", async () => {
  for (
    const name of [
      "Transfer-Encoding",
      "expect",
      "UPGRADE",
      "keep-alive",
      "connection",
      "content-length",
      "host",
      "te",
      "trailer",
      "proxy-connection",
    ]
  ) {
    const issues = await issuesOf({ organizationId: "org_1", ...RANGE }, {
      headers: { [name]: "x" },
    });
    assert.match(
      issues[`headers.${name}`],
      /header of the connection itself/,
      name,
    );
  }
  // Other headers, even unusual ones, still go through to the check of options.
  const ok = await issuesOf({ organizationId: "org_1", ...RANGE, typo: 1 }, {
    headers: { "x-trace": "1", "accept-language": "de" },
  });
  assert.deepEqual(Object.keys(ok), ["typo"]);
});
