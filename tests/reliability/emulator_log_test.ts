/**
 * The emulator's request log under load and with secrets: it keeps the most
 * recent requests, not every one a long-lived emulator ever served, and it
 * never holds a key as sent.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createEmulator } from "../../testing.ts";
import { TEST_KEY, withEmulator } from "../helpers.ts";

Deno.test("emulator log: a long-lived emulator keeps its most recent 10,000 requests, not all", async () => {
  const emulator = createEmulator({ rateLimit: false });
  const total = 12_500;
  for (let i = 0; i < total; i++) {
    const response = await emulator.fetch(`http://localhost/nowhere/${i}`);
    await response.body?.cancel();
  }
  const { requests } = emulator;
  assert.ok(
    requests.length >= 10_000 && requests.length <= 11_000,
    `${requests.length} requests kept`,
  );
  // The newest are kept, in order, and the oldest are gone.
  assert.equal(requests.at(-1)?.path, `/nowhere/${total - 1}`);
  const first = Number(requests[0].path.split("/").at(-1));
  assert.equal(first, total - requests.length);
  assert.ok(requests.every((r, i) => r.path === `/nowhere/${first + i}`));
});

Deno.test("emulator log: a served request's key is never recorded as sent", async () => {
  const other = "sk_live_OTHER_8f2c6e0a3d";
  await withEmulator({ exportDelayMs: 0 }, async ({ url, emulator }) => {
    const sent = [
      `Bearer ${TEST_KEY}`,
      `Bearer ${other}`,
      `Basic ${btoa(`user:${other}`)}`,
      // With no scheme, the whole header is the credential.
      other,
      `${other}\tx`,
      `${other} x`,
    ];
    for (const authorization of sent) {
      const response = await fetch(`${url}/audit_logs/exports/x`, {
        headers: { authorization },
      });
      await response.body?.cancel();
    }
    assert.deepEqual(
      emulator.requests.map((r) => r.headers.authorization),
      [
        "Bearer [emulator key]",
        "Bearer [redacted]",
        "Basic [redacted]",
        "[redacted]",
        "[redacted]",
        "[redacted]",
      ],
    );
    const log = JSON.stringify(emulator.requests);
    assert.ok(!log.includes(TEST_KEY) && !log.includes(other));
  });
});
