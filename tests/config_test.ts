/**
 * The client's configuration: every option checked before any request,
 * the key from the environment, headers in any form.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createClient, createExport, ValidationError } from "../mod.ts";
import { failure, seedCall, SEEDED } from "./api_helpers.ts";
import { TEST_KEY, withEmulator } from "./helpers.ts";

Deno.test("config: every option is validated before any request", async (t) => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const options = seedCall(emulator.organizations[0]);
    const expectPath = async (c: Record<string, unknown>, path: string) => {
      const error = await failure(createExport(options, c));
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(error.issues.map((i) => i.path), [path]);
      assert.equal(emulator.requests.length, 0);
    };
    await t.step("a missing API key", async () => {
      const saved = Deno.env.get("WORKOS_API_KEY");
      Deno.env.delete("WORKOS_API_KEY");
      try {
        await expectPath({ baseUrl: config.baseUrl }, "apiKey");
        await expectPath({ ...config, apiKey: "" }, "apiKey");
      } finally {
        if (saved !== undefined) Deno.env.set("WORKOS_API_KEY", saved);
      }
    });
    await t.step("a key with spaces or control characters", async () => {
      await expectPath({ ...config, apiKey: "sk_test bad" }, "apiKey");
      await expectPath(
        { ...config, apiKey: "sk_test\r\nx-injected: 1" },
        "apiKey",
      );
    });
    await t.step("base URLs that are not https, except loopback", async () => {
      for (
        const baseUrl of [
          "http://api.workos.com",
          "ftp://127.0.0.1",
          "not a url",
          "https://user:pw@api.workos.com",
          "https://api.workos.com/?x=1",
        ]
      ) {
        await expectPath({ ...config, baseUrl }, "baseUrl");
      }
    });
    await t.step("options of the wrong type or out of range", async () => {
      await expectPath({ ...config, timeout: -1 }, "timeout");
      await expectPath({ ...config, timeout: "10s" }, "timeout");
      await expectPath({ ...config, maxRetries: 1.5 }, "maxRetries");
      await expectPath({ ...config, maxRetries: 1e9 }, "maxRetries");
      await expectPath({ ...config, fetch: "fetch" }, "fetch");
      await expectPath({ ...config, signal: {} }, "signal");
      await expectPath({ ...config, retries: 3 }, "retries");
      await expectPath(
        { ...config, headers: { "x-a": "1\r\nx-b: 2" } },
        "headers.x-a",
      );
      await expectPath(
        { ...config, headers: { "bad name": "1" } },
        "headers.bad name",
      );
      await expectPath({ ...config, idempotencyKey: "k\n" }, "idempotencyKey");
      await expectPath({ ...config, onProgress: "log" }, "onProgress");
      await expectPath({ ...config, onProgress: null }, "onProgress");
    });
    await t.step("createClient throws at construction", () => {
      assert.throws(
        () => createClient({ baseUrl: "http://example.com" }),
        ValidationError,
      );
      assert.throws(() => createClient({ timeout: 0 }), ValidationError);
    });
  });
});

Deno.test("config: the API key comes from WORKOS_API_KEY when not given", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const saved = Deno.env.get("WORKOS_API_KEY");
    Deno.env.set("WORKOS_API_KEY", TEST_KEY);
    try {
      await createExport(seedCall(emulator.organizations[0]), {
        baseUrl: config.baseUrl,
      });
      assert.equal(
        emulator.requests[0].headers.authorization,
        "Bearer [emulator key]",
      );
    } finally {
      if (saved === undefined) Deno.env.delete("WORKOS_API_KEY");
      else Deno.env.set("WORKOS_API_KEY", saved);
    }
  });
});

Deno.test("config: headers may be given as a Headers object", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      headers: new Headers({ "X-Trace": "t-1" }) as never,
    });
    assert.equal(emulator.requests[0].headers["x-trace"], "t-1");
  });
});

Deno.test("config: only a headers object's own keys are sent, as only they are checked", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const inherited = Object.create({ "x-inherited": "line1\nline2" });
    inherited["x-own"] = "own";
    const client = createClient(config);
    await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      headers: inherited,
    });
    await client.createExport(
      seedCall(emulator.organizations[0]),
      { headers: inherited } as never,
    );
    assert.equal(emulator.requests.length, 2);
    for (const request of emulator.requests) {
      assert.equal(request.headers["x-own"], "own");
      assert.equal(request.headers["x-inherited"], undefined);
    }
  });
});

Deno.test("config: a bad config and bad options are reported together", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const error = await failure(
      createExport({
        organizationId: "",
        rangeStart: "x",
        rangeEnd: new Date(),
      }, {
        ...config,
        timeout: -1,
        maxRetry: 2,
      } as never),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.issues.map((i) => i.path), [
      "timeout",
      "maxRetry",
      "organizationId",
      "rangeStart",
    ]);
    assert.equal(emulator.requests.length, 0);
  });
});

Deno.test("config: every problem is reported at once, with the options'", async () => {
  await withEmulator(SEEDED, async ({ emulator }) => {
    const error = await failure(
      createExport(seedCall(emulator.organizations[0]), {
        apiKey: "",
        baseUrl: "ftp://x",
        timeout: 0,
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.issues.map((i) => i.path), [
      "apiKey",
      "baseUrl",
      "timeout",
    ]);
    assert.equal(emulator.requests.length, 0);
  });
});

Deno.test("config: header values must be bytes: other characters are a ValidationError, not a retried failure", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const error = await failure(
      createExport(seedCall(emulator.organizations[0]), {
        ...config,
        headers: { "x-token": "sécret€" },
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.equal(error.issues[0].path, "headers.x-token");
    assert.equal(emulator.requests.length, 0);
    await createExport(seedCall(emulator.organizations[0]), {
      ...config,
      headers: { "x-latin": "café" },
    });
    assert.equal(emulator.requests.length, 1);
  });
});

Deno.test("config: WORKOS_BASE_URL is the default baseUrl, checked by the same rules, and baseUrl wins", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const saved = Deno.env.get("WORKOS_BASE_URL");
    const options = seedCall(emulator.organizations[0]);
    try {
      Deno.env.set("WORKOS_BASE_URL", `${config.baseUrl}/`);
      const created = await createExport(options, { apiKey: TEST_KEY });
      assert.equal(emulator.requests.length, 1);
      assert.ok(created.id);
      // The client reads it once, when it is made.
      const client = createClient({ apiKey: TEST_KEY });
      await client.getExport(created.id);
      assert.equal(emulator.requests.length, 2);

      for (
        const [value, message] of [
          ["http://api.example.com", /https:.*WORKOS_BASE_URL/],
          ["not a url", /absolute URL.*WORKOS_BASE_URL/],
          [`${config.baseUrl}/?x=1`, /query.*WORKOS_BASE_URL/],
          ["https://user:pass@api.example.com", /credentials.*WORKOS_BASE_URL/],
        ] as const
      ) {
        Deno.env.set("WORKOS_BASE_URL", value);
        const error = await failure(
          createExport(options, { apiKey: TEST_KEY }),
        );
        assert.ok(error instanceof ValidationError, String(error));
        assert.deepEqual(error.issues.map((i) => i.path), ["baseUrl"]);
        assert.match(error.issues[0].message, message);
        // An explicit baseUrl wins over a bad variable.
        await createExport(options, config);
      }
      assert.equal(emulator.requests.length, 6);
      // Empty means unset: the default host, refused here only by the test's
      // missing network, is not what is asserted; the URL shown is.
      Deno.env.set("WORKOS_BASE_URL", "");
      const unreachable = await failure(
        createExport(options, {
          apiKey: TEST_KEY,
          maxRetries: 0,
          fetch: () => Promise.reject(new TypeError("offline")),
        }),
      );
      assert.match(
        unreachable.message,
        /https:\/\/api\.workos\.com\/audit_logs\/exports/,
      );
    } finally {
      if (saved === undefined) Deno.env.delete("WORKOS_BASE_URL");
      else Deno.env.set("WORKOS_BASE_URL", saved);
    }
  });
});
