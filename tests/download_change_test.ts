/**
 * A download resumed after its file changed on the host, against the
 * emulator's object-store behaviour (`If-Range`, `replaceExportFile`): the
 * bytes handed out are always of one file, never two joined.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ConnectionError,
  createExport,
  downloadExport,
  getExport,
} from "../mod.ts";
import { createEmulator, DOWNLOAD_PREFIX } from "../testing.ts";
import { seedCall, seedEvents } from "./api_helpers.ts";

/** Reads a stream to its end or its error, keeping the bytes that came. */
async function drain(
  stream: ReadableStream<Uint8Array>,
): Promise<{ bytes: Uint8Array; error?: unknown }> {
  const chunks: Uint8Array[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (e) {
    error = e;
  }
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) bytes.set(c, (at += c.byteLength) - c.byteLength);
  return { bytes, error };
}

async function setup() {
  const emulator = createEmulator({
    events: [
      ...seedEvents,
      ...seedEvents.map((e, i) => ({ ...e, action: `more.events_${i}` })),
    ],
    exportDelayMs: 0,
    rateLimit: false,
  });
  const config = {
    apiKey: emulator.apiKey,
    baseUrl: "http://localhost",
    fetch: emulator.fetch,
    maxRetries: 2,
  };
  const org = emulator.organizations[0];
  const created = await createExport(
    { ...seedCall(org), actions: undefined, actor_ids: undefined },
    config,
  );
  const ready = await getExport(created.id, config);
  const whole = new Uint8Array(
    await (await emulator.fetch(ready.url!)).arrayBuffer(),
  );
  const downloads = () =>
    emulator.requests.filter((r) => r.path.startsWith(DOWNLOAD_PREFIX));
  return { emulator, config, org, ready, whole, downloads };
}

Deno.test("a download cut, then resumed after its file changed, fails rather than join two files", async () => {
  const { emulator, config, org, ready, whole, downloads } = await setup();
  const etag = (await emulator.fetch(ready.url!, { method: "HEAD" })).headers
    .get("etag");
  emulator.inject({ path: new RegExp(`^${DOWNLOAD_PREFIX}`), truncate: 40 });
  const stream = await downloadExport(ready, config);
  const before = downloads().length;
  const newTag = emulator.replaceExportFile(
    ready.id,
    emulator.listEvents(org).slice(0, 1),
  );
  assert.notEqual(newTag, etag);
  const { bytes, error } = await drain(stream);
  assert.ok(error instanceof ConnectionError, String(error));
  // What came is the start of the old file, and nothing of the new one.
  assert.ok(bytes.byteLength < whole.byteLength);
  assert.deepEqual(bytes, whole.slice(0, bytes.byteLength));
  const [resume] = downloads().slice(before);
  assert.equal(resume.headers.range, `bytes=${bytes.byteLength}-`);
  assert.equal(resume.headers["if-range"], etag);
});

Deno.test("a download resumed after its file was written again with the same bytes continues it", async () => {
  const { emulator, config, ready, whole, downloads } = await setup();
  emulator.inject({ path: new RegExp(`^${DOWNLOAD_PREFIX}`), truncate: 40 });
  const stream = await downloadExport(ready, config);
  const before = downloads().length;
  // Run again over the same events: the same bytes, so the same ETag.
  emulator.replaceExportFile(ready.id);
  const { bytes, error } = await drain(stream);
  assert.equal(error, undefined);
  assert.deepEqual(bytes, whole);
  assert.equal(downloads().length, before + 1, "one resume, by range");
});
