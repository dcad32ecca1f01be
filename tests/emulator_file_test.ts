/**
 * The emulator's download URLs as an object store serves them: a strong
 * ETag and Last-Modified, byte ranges, `If-Range`, and a file that a test
 * replaces under its URL.
 *
 * @module
 */

import assert from "node:assert/strict";
import { exportRows } from "../mod.ts";
import {
  createEmulator,
  type Emulator,
  type EmulatorEvent,
} from "../testing.ts";
import { clock, DAY, withEmulator } from "./helpers.ts";

const ORG = "org_files";

/** Events with text of every UTF-8 width, so byte offsets differ from characters. */
const events = (n: number, from: number): EmulatorEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    organizationId: ORG,
    action: "document.updated",
    occurredAt: new Date(from - (i + 1) * 60_000).toISOString(),
    actor: {
      id: `user_${i}`,
      type: "user",
      name: ["Zoë", "李小龍", "😀"][i % 3],
    },
    targets: [{ id: `doc_${i}`, type: "document", name: 'Q3, "draft"' }],
    context: { location: "203.0.113.7" },
  }));

/** An in-process emulator on a fake clock, and one ready export of it. */
async function setup(time = clock()) {
  const emulator = createEmulator({
    organizations: [ORG],
    events: events(40, time.now()),
    exportDelayMs: 0,
    now: time.now,
  });
  const created = await create(emulator, time.now());
  return { emulator, time, created };
}

async function create(
  emulator: Emulator,
  now: number,
  fetch: Emulator["fetch"] = emulator.fetch,
  base = "http://localhost",
): Promise<{ id: string; url: string }> {
  const response = await fetch(`${base}/audit_logs/exports`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${emulator.apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      organization_id: ORG,
      range_start: new Date(now - DAY).toISOString(),
      range_end: new Date(now).toISOString(),
    }),
  });
  assert.equal(response.status, 201);
  return await response.json();
}

const bytes = async (response: Response) =>
  new Uint8Array(await response.arrayBuffer());

Deno.test("emulator file: 200, HEAD and 206 carry a strong ETag, Last-Modified and exact lengths", async () => {
  const { emulator, time, created } = await setup();
  const get = (headers: Record<string, string> = {}, method = "GET") =>
    emulator.fetch(created.url, { method, headers });
  const whole = await get();
  assert.equal(whole.status, 200);
  const etag = whole.headers.get("etag")!;
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const lastModified = whole.headers.get("last-modified");
  assert.equal(lastModified, new Date(time.now()).toUTCString());
  const file = await bytes(whole);
  const size = file.byteLength;
  assert.equal(whole.headers.get("content-length"), String(size));
  assert.ok(size > new TextDecoder().decode(file).length, "multi-byte text");

  const head = await get({}, "HEAD");
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("etag"), etag);
  assert.equal(head.headers.get("last-modified"), lastModified);
  assert.equal(head.headers.get("content-length"), String(size));
  assert.equal(head.body, null);

  const cases: [string, number, number][] = [
    ["bytes=10-", 10, size - 1],
    ["bytes=10-19", 10, 19],
    [`bytes=${size - 1}-`, size - 1, size - 1],
    ["bytes=0-0", 0, 0],
    [`bytes=5-${size * 10}`, 5, size - 1],
    [" bytes=7- ", 7, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const part = await get({ range });
    assert.equal(part.status, 206, range);
    assert.equal(
      part.headers.get("content-range"),
      `bytes ${start}-${end}/${size}`,
      range,
    );
    assert.equal(part.headers.get("content-length"), String(end - start + 1));
    assert.equal(part.headers.get("etag"), etag);
    assert.equal(part.headers.get("last-modified"), lastModified);
    assert.deepEqual(await bytes(part), file.slice(start, end + 1), range);
  }

  for (const range of [`bytes=${size}-`, `bytes=${size * 2}-${size * 3}`]) {
    const refused = await get({ range });
    assert.equal(refused.status, 416, range);
    assert.equal(refused.headers.get("content-range"), `bytes */${size}`);
    assert.match(await refused.text(), /InvalidRange/);
  }
  // Not a range this host serves: ignored, the whole file in a 200.
  for (const range of ["bytes=9-3", "bytes=-5", "bytes=1-2,4-5", "items=0-"]) {
    const ignored = await get({ range });
    assert.equal(ignored.status, 200, range);
    assert.equal(ignored.headers.get("content-length"), String(size));
    assert.deepEqual(await bytes(ignored), file, range);
  }
});

Deno.test("emulator file: If-Range gives the range only while it names the file", async () => {
  const { emulator, time, created } = await setup();
  const first = await emulator.fetch(created.url);
  const etag = first.headers.get("etag")!;
  const lastModified = first.headers.get("last-modified")!;
  const file = await bytes(first);
  const size = file.byteLength;
  time.advance(5_000);
  const get = (headers: Record<string, string>) =>
    emulator.fetch(created.url, { headers });

  for (const ifRange of [etag, ` ${etag} `, lastModified]) {
    const part = await get({ range: "bytes=100-", "if-range": ifRange });
    assert.equal(part.status, 206, ifRange);
    assert.deepEqual(await bytes(part), file.slice(100), ifRange);
  }
  const second = new Date(Date.parse(lastModified) + 1_000).toUTCString();
  for (
    const ifRange of [
      `W/${etag}`, // a weak tag never passes the strong comparison
      '"0000000000000000"',
      etag.slice(1, -1), // unquoted: not an entity tag, and not a date
      second,
      new Date(Date.parse(lastModified)).toISOString(), // not an HTTP date
      "",
    ]
  ) {
    const whole = await get({ range: "bytes=100-", "if-range": ifRange });
    assert.equal(whole.status, 200, ifRange);
    assert.equal(whole.headers.get("content-length"), String(size));
    assert.deepEqual(await bytes(whole), file, ifRange);
  }
  // A stale If-Range answers the whole file even where the range could
  // not be satisfied; a current one keeps the 416.
  const stale = await get({ range: `bytes=${size}-`, "if-range": '"old"' });
  assert.equal(stale.status, 200);
  await stale.body?.cancel();
  const past = await get({ range: `bytes=${size}-`, "if-range": etag });
  assert.equal(past.status, 416);
  await past.body?.cancel();
  // Without Range, If-Range means nothing.
  const plain = await get({ "if-range": etag });
  assert.equal(plain.status, 200);
  assert.deepEqual(await bytes(plain), file);
});

Deno.test("emulator file: the ETag is a hash of the bytes, the same for the same file", async () => {
  const { emulator, time, created } = await setup();
  const again = await create(emulator, time.now());
  const tag = async (url: string) => {
    const response = await emulator.fetch(url, { method: "HEAD" });
    return response.headers.get("etag");
  };
  assert.equal(await tag(again.url), await tag(created.url));
  const other = createEmulator({
    organizations: [ORG],
    events: events(41, time.now()),
    exportDelayMs: 0,
    now: time.now,
  });
  const wider = await create(other, time.now());
  assert.notEqual(await tag(wider.url), await tag(created.url));
});

Deno.test("emulator file: replaceExportFile changes the file under its URLs, with a new ETag and Last-Modified", async (t) => {
  const { emulator, time, created } = await setup();
  const first = await emulator.fetch(created.url);
  const oldTag = first.headers.get("etag")!;
  const oldDate = first.headers.get("last-modified")!;
  const oldFile = await bytes(first);

  await t.step("with events: exactly these, in this order", async () => {
    time.advance(5_000);
    const chosen = emulator.listEvents(ORG).slice(0, 3).reverse();
    const newTag = emulator.replaceExportFile(created.id, chosen);
    assert.notEqual(newTag, oldTag);
    // A test's later change to its events does not reach the file.
    chosen[0].action = "changed.afterwards";
    const now = await emulator.fetch(created.url);
    assert.equal(now.status, 200);
    assert.equal(now.headers.get("etag"), newTag);
    assert.equal(
      now.headers.get("last-modified"),
      new Date(time.now()).toUTCString(),
    );
    const rows = await Array.fromAsync(exportRows(now));
    assert.deepEqual(
      rows.map((r) => r.actor_id),
      emulator.listEvents(ORG).slice(0, 3).reverse().map((e) => e.actor.id),
    );
    assert.ok(rows.every((r) => r.action === "document.updated"));
    assert.equal(emulator.listExports()[0].rowCount, 3);
  });

  await t.step(
    "a resume naming the old file gets the whole new one",
    async () => {
      const current = await bytes(await emulator.fetch(created.url));
      assert.notDeepEqual(current, oldFile);
      for (const ifRange of [oldTag, oldDate]) {
        const resumed = await emulator.fetch(created.url, {
          headers: { range: "bytes=100-", "if-range": ifRange },
        });
        assert.equal(resumed.status, 200, ifRange);
        assert.deepEqual(await bytes(resumed), current);
      }
      const head = await emulator.fetch(created.url, { method: "HEAD" });
      const part = await emulator.fetch(created.url, {
        headers: { range: "bytes=100-", "if-range": head.headers.get("etag")! },
      });
      assert.equal(part.status, 206);
      assert.deepEqual(await bytes(part), current.slice(100));
    },
  );

  await t.step(
    "without events: the export run again over the events stored now",
    async () => {
      time.advance(5_000);
      const late = await emulator.fetch("http://localhost/audit_logs/events", {
        method: "POST",
        headers: {
          authorization: `Bearer ${emulator.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          organization_id: ORG,
          event: {
            action: "late.arrival",
            occurred_at: new Date(time.now() - 6 * 3_600_000).toISOString(),
            actor: { id: "user_late", type: "user" },
            targets: [],
            context: { location: "203.0.113.9" },
          },
        }),
      });
      assert.equal(late.status, 200);
      const tag = emulator.replaceExportFile(created.id);
      const rows = await Array.fromAsync(
        exportRows(await emulator.fetch(created.url)),
      );
      assert.equal(rows.length, 41);
      assert.equal(rows.filter((r) => r.action === "late.arrival").length, 1);
      // The same bytes again keep their tag; their date moves on.
      time.advance(5_000);
      assert.equal(emulator.replaceExportFile(created.id), tag);
      const head = await emulator.fetch(created.url, { method: "HEAD" });
      assert.equal(head.headers.get("etag"), tag);
      assert.equal(
        head.headers.get("last-modified"),
        new Date(time.now()).toUTCString(),
      );
    },
  );

  await t.step("an unknown export is a TypeError", () => {
    assert.throws(() => emulator.replaceExportFile("nope"), TypeError);
  });
});

Deno.test("emulator file: a date validates no range once two versions share its second", async () => {
  // Ready on a whole second; replaced 300 ms later, within that second.
  const { emulator, time, created } = await setup(clock(Date.UTC(2026, 10, 1)));
  const first = await emulator.fetch(created.url);
  const date = first.headers.get("last-modified")!;
  await first.body?.cancel();
  time.advance(300);
  const tag = emulator.replaceExportFile(
    created.id,
    emulator.listEvents(ORG).slice(0, 5),
  );
  const get = (ifRange: string) =>
    emulator.fetch(created.url, {
      headers: { range: "bytes=10-", "if-range": ifRange },
    });
  const head = await emulator.fetch(created.url, { method: "HEAD" });
  assert.equal(head.headers.get("last-modified"), date, "the same second");
  const byDate = await get(date);
  assert.equal(byDate.status, 200, "the date cannot tell the versions apart");
  await byDate.body?.cancel();
  const byTag = await get(tag);
  assert.equal(byTag.status, 206);
  await byTag.body?.cancel();
  // A later version, in a second of its own, is validated by its date again.
  time.advance(2_000);
  emulator.replaceExportFile(created.id, emulator.listEvents(ORG).slice(0, 6));
  const later = (await emulator.fetch(created.url, { method: "HEAD" }))
    .headers.get("last-modified")!;
  const byLater = await get(later);
  assert.equal(byLater.status, 206);
  await byLater.body?.cancel();
});

Deno.test("emulator file: a file replaced while pending is dated when it turns ready", async () => {
  const time = clock();
  const emulator = createEmulator({
    organizations: [ORG],
    events: events(10, time.now()),
    exportDelayMs: 60_000,
    now: time.now,
  });
  const created = await create(emulator, time.now());
  time.advance(10_000);
  emulator.replaceExportFile(created.id, emulator.listEvents(ORG).slice(0, 2));
  time.advance(50_000);
  const read = await emulator.fetch(
    `http://localhost/audit_logs/exports/${created.id}`,
    { headers: { authorization: `Bearer ${emulator.apiKey}` } },
  ).then((r) => r.json());
  assert.equal(read.state, "ready");
  const file = await emulator.fetch(read.url);
  assert.equal(
    file.headers.get("last-modified"),
    new Date(time.now()).toUTCString(),
  );
  assert.equal((await Array.fromAsync(exportRows(file))).length, 2);
});

Deno.test("emulator file: over loopback a 206 and a 416 say their lengths on the wire", async () => {
  const time = clock(Date.now());
  await withEmulator({
    organizations: [ORG],
    events: events(40, time.now()),
    exportDelayMs: 0,
    now: time.now,
  }, async ({ url, emulator }) => {
    const created = await create(emulator, time.now(), fetch, url);
    const whole = await fetch(created.url);
    const etag = whole.headers.get("etag")!;
    const file = await bytes(whole);
    const part = await fetch(created.url, {
      headers: { range: "bytes=50-", "if-range": etag },
    });
    assert.equal(part.status, 206);
    assert.equal(
      part.headers.get("content-range"),
      `bytes 50-${file.byteLength - 1}/${file.byteLength}`,
    );
    assert.equal(
      part.headers.get("content-length"),
      String(file.byteLength - 50),
    );
    assert.equal(part.headers.get("etag"), etag);
    assert.deepEqual(await bytes(part), file.slice(50));
    const refused = await fetch(created.url, {
      headers: { range: `bytes=${file.byteLength}-` },
    });
    assert.equal(refused.status, 416);
    assert.equal(
      refused.headers.get("content-range"),
      `bytes */${file.byteLength}`,
    );
    await refused.body?.cancel();
  });
});
