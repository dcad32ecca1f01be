/**
 * A client with its configuration bound once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createClient, InternalServerError, ValidationError } from "../mod.ts";
import { failure, seedCall, SEEDED } from "./api_helpers.ts";
import { withEmulator } from "./helpers.ts";

Deno.test("createClient binds the config once and merges per-call options", async () => {
  await withEmulator(SEEDED, async ({ emulator, config }) => {
    const client = createClient({
      ...config,
      headers: { "x-app": "audit" },
      maxRetries: 0,
    });
    const created = await client.createExport(
      seedCall(emulator.organizations[0]),
      {
        idempotencyKey: "call-1",
      },
    );
    const read = await client.getExport(created.id);
    assert.equal(read.id, created.id);
    const [post, get] = emulator.requests;
    assert.equal(post.headers["x-app"], "audit");
    assert.equal(post.headers["idempotency-key"], "call-1");
    assert.equal(
      get.headers["idempotency-key"],
      undefined,
      "GET carries no idempotency key",
    );
    emulator.inject({ status: 503 });
    const error = await failure(client.getExport(created.id));
    assert.ok(
      error instanceof InternalServerError,
      "maxRetries 0 from the client config",
    );
    const ready = await client.waitForExport(created, { pollInterval: 10 });
    assert.equal(ready.state, "ready");
  });
});

Deno.test("createClient: an idempotency key belongs to a call, never to a client", () => {
  const error = (() => {
    try {
      createClient({ idempotencyKey: "shared" } as never);
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof ValidationError);
  assert.equal(error.issues[0].path, "idempotencyKey");
});
