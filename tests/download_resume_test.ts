/**
 * Resumable downloads: a body cut off or stalled mid-file is continued with
 * `Range` from the byte it stopped at, so the bytes come out exactly once,
 * from a fresh URL once the old one has expired; a host that cannot resume
 * is a `ConnectionError`, and an abort ends the download at once, served or
 * in-process.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type AttemptInfo,
  ConnectionError,
  createExport,
  downloadExport,
  exportRows,
  type FetchLike,
} from "../mod.ts";
import { createEmulator, sampleEvents } from "../testing.ts";
import { DAY, withEmulator } from "./helpers.ts";

const DOWNLOADS = /^\/_emulator\/downloads\//;

const bytesOf = async (stream: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(stream).arrayBuffer());

/** A served emulator holding an export of about `megabytes` MB, and its bytes. */
async function withBigExport(
  megabytes: number,
  fn: (ctx: {
    url: string;
    apiKey: string;
    emulator: ReturnType<typeof createEmulator>;
    created: Awaited<ReturnType<typeof createExport>>;
    whole: Uint8Array;
  }) => Promise<void>,
  clock?: () => number,
): Promise<void> {
  const now = clock ?? Date.now;
  const organization = "org_big";
  await withEmulator({
    organizations: [organization],
    // About 250 bytes a row.
    events: sampleEvents({
      organizations: [organization],
      perOrganization: Math.ceil(megabytes * 1e6 / 240),
      now: now(),
      days: 60,
    }),
    exportDelayMs: 0,
    rateLimit: false,
    now,
  }, async (server) => {
    const config = { apiKey: server.emulator.apiKey, baseUrl: server.url };
    const created = await createExport({
      organizationId: organization,
      rangeStart: new Date(now() - 80 * DAY),
      rangeEnd: new Date(now()),
    }, config);
    const whole = await bytesOf(await downloadExport(created, config));
    await fn({
      ...config,
      url: server.url,
      emulator: server.emulator,
      created,
      whole,
    });
  });
}

Deno.test("downloadExport: a download cut at any byte of a 5 MB file resumes to the same bytes", async () => {
  await withBigExport(5, async ({ url, apiKey, emulator, created, whole }) => {
    assert.ok(whole.byteLength > 5e6, String(whole.byteLength));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
          minLength: 1,
          maxLength: 3,
        }),
        async (fractions) => {
          // Each cut falls inside what is left of the file, so each one
          // leads to exactly one more request, resumed or (at byte 0) anew.
          let done = 0;
          const statuses = [200];
          for (const f of fractions) {
            const at = Math.floor(f * (whole.byteLength - done - 1));
            emulator.inject({ path: DOWNLOADS, truncate: at });
            done += at;
            statuses.push(done > 0 ? 206 : 200);
          }
          const attempts: AttemptInfo[] = [];
          const got = await bytesOf(
            await downloadExport(created, {
              apiKey,
              baseUrl: url,
              onAttempt: (a) => attempts.push(a),
            }),
          );
          assert.equal(got.byteLength, whole.byteLength);
          assert.ok(got.every((b, i) => b === whole[i]), "bytes differ");
          assert.deepEqual(attempts.map((a) => a.status), statuses);
        },
      ),
      { numRuns: 25 },
    );
  });
});

Deno.test("exportRows: rows come out exactly once when the file is cut mid-row", async () => {
  await withBigExport(1, async ({ url, apiKey, emulator, created, whole }) => {
    const config = { apiKey, baseUrl: url };
    const expected = await Array.fromAsync(
      exportRows(new Response(whole.slice()), config),
    );
    emulator.inject({
      path: DOWNLOADS,
      truncate: Math.floor(whole.byteLength / 3) + 7,
    });
    emulator.inject({ path: DOWNLOADS, stallAfter: 1_000 });
    const rows = await Array.fromAsync(
      exportRows(created, { ...config, timeout: 300 }),
    );
    assert.equal(rows.length, expected.length);
    assert.deepEqual(rows, expected);
  });
});

Deno.test("downloadExport: a resume after the URL expired reads the export again for a fresh one", async () => {
  let now = Date.now();
  await withBigExport(
    1,
    async ({ url, apiKey, emulator, created, whole }) => {
      // The file host cuts the download, and the 10 minutes pass meanwhile.
      let cutSeen = false;
      const fetchAndAge: FetchLike = async (input, init) => {
        const response = await fetch(input, init);
        if (DOWNLOADS.test(new URL(input).pathname) && !cutSeen) {
          cutSeen = true;
          now += 11 * 60_000;
        }
        return response;
      };
      emulator.inject({ path: DOWNLOADS, truncate: 100_000 });
      const attempts: AttemptInfo[] = [];
      const got = await bytesOf(
        await downloadExport(created, {
          apiKey,
          baseUrl: url,
          fetch: fetchAndAge,
          onAttempt: (a) => attempts.push(a),
        }),
      );
      assert.ok(got.every((b, i) => b === whole[i]));
      assert.equal(got.byteLength, whole.byteLength);
      assert.deepEqual(
        attempts.map((a) => [a.method, a.status]),
        [["GET", 200], ["GET", 403], ["GET", 200], ["GET", 206]],
      );
      assert.match(attempts[2].url, /\/audit_logs\/exports\//);
    },
    () => now,
  );
});

Deno.test("downloadExport: a host that answers a resume with the whole file cannot be resumed: ConnectionError", async () => {
  await withBigExport(1, async ({ url, apiKey, emulator, created }) => {
    // A proxy that drops Range makes the host send the file from its start.
    const rangeDropping: FetchLike = (input, init) => {
      const headers = new Headers(init.headers);
      headers.delete("range");
      return fetch(input, { ...init, headers });
    };
    emulator.inject({ path: DOWNLOADS, truncate: 5_000 });
    const stream = await downloadExport(created, {
      apiKey,
      baseUrl: url,
      fetch: rangeDropping,
    });
    const error = await bytesOf(stream).then(() => undefined, (e) => e);
    assert.ok(error instanceof ConnectionError, String(error));
    assert.ok(!error.message.includes("?"), error.message);
  });
});

Deno.test("downloadExport: a file cut after its last byte is complete, with no request more", async () => {
  await withBigExport(1, async ({ url, apiKey, emulator, created, whole }) => {
    emulator.inject({ path: DOWNLOADS, truncate: whole.byteLength });
    const attempts: AttemptInfo[] = [];
    const got = await bytesOf(
      await downloadExport(created, {
        apiKey,
        baseUrl: url,
        onAttempt: (a) => attempts.push(a),
      }),
    );
    assert.deepEqual(got, whole);
    assert.equal(attempts.length, 1);
  });
});

Deno.test("downloadExport: resumes are bounded by maxRetries", async () => {
  await withBigExport(1, async ({ url, apiKey, emulator, created }) => {
    emulator.inject({ path: DOWNLOADS, truncate: 1_000, times: 3 });
    const stream = await downloadExport(created, {
      apiKey,
      baseUrl: url,
      maxRetries: 2,
    });
    const error = await bytesOf(stream).then(() => undefined, (e) => e);
    assert.ok(error instanceof ConnectionError, String(error));
    assert.match(error.message, /after the response started|mid|broke|lost/i);
  });
});

Deno.test("downloadExport: aborting mid-download ends it at once, in-process as served", async (t) => {
  const organization = "org_abort";
  const options = {
    organizations: [organization],
    events: sampleEvents({
      organizations: [organization],
      perOrganization: 200,
    }),
    exportDelayMs: 0,
    rateLimit: false as const,
  };
  const run = async (
    config: { apiKey: string; baseUrl: string; fetch?: FetchLike },
    emulator: ReturnType<typeof createEmulator>,
  ) => {
    const created = await createExport({
      organizationId: organization,
      rangeStart: new Date(Date.now() - 85 * DAY),
      rangeEnd: new Date(),
    }, config);
    // A slow file: one small chunk every 50 ms, 16 chunks in all.
    emulator.inject({ path: DOWNLOADS, dripMs: 50 });
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const stream = await downloadExport(created, {
      ...config,
      signal: controller.signal,
    });
    const reader = stream.getReader();
    const first = await reader.read();
    assert.equal(first.done, false);
    controller.abort(reason);
    await assert.rejects(
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })(),
      (e) => e === reason,
    );
  };
  await t.step("in-process", async () => {
    const emulator = createEmulator(options);
    await run({
      apiKey: emulator.apiKey,
      baseUrl: "http://localhost",
      fetch: emulator.fetch,
    }, emulator);
  });
  await t.step("served", async () => {
    await withEmulator(options, async (server) => {
      await run(
        { apiKey: server.emulator.apiKey, baseUrl: server.url },
        server.emulator,
      );
    });
  });
});

Deno.test("emulator: downloads honour Range as an object store does", async () => {
  await withBigExport(1, async ({ emulator, created, whole }) => {
    const get = (range?: string) =>
      emulator.fetch(created.url!, {
        headers: range === undefined ? {} : { range },
      });
    const tail = await get(`bytes=${whole.byteLength - 10}-`);
    assert.equal(tail.status, 206);
    assert.equal(
      tail.headers.get("content-range"),
      `bytes ${whole.byteLength - 10}-${
        whole.byteLength - 1
      }/${whole.byteLength}`,
    );
    assert.deepEqual(
      new Uint8Array(await tail.arrayBuffer()),
      whole.slice(-10),
    );
    const middle = await get("bytes=5-9");
    assert.equal(middle.status, 206);
    assert.deepEqual(
      new Uint8Array(await middle.arrayBuffer()),
      whole.slice(5, 10),
    );
    const past = await get(`bytes=${whole.byteLength}-`);
    assert.equal(past.status, 416);
    assert.equal(
      past.headers.get("content-range"),
      `bytes */${whole.byteLength}`,
    );
    await past.body?.cancel();
    for (
      const ignored of [
        "bytes=-5",
        "items=0-",
        "bytes=1-2,4-5",
        "x".repeat(5_000),
      ]
    ) {
      const response = await get(ignored);
      assert.equal(response.status, 200, ignored);
      assert.equal((await response.arrayBuffer()).byteLength, whole.byteLength);
    }
    const plain = await get();
    assert.equal(plain.headers.get("accept-ranges"), "bytes");
    await plain.body?.cancel();
  });
});

Deno.test("downloadExport: a body that ends short of its Content-Length without an error is resumed too", async () => {
  await withBigExport(1, async ({ url, apiKey, created, whole }) => {
    // Some runtimes end a body cleanly when the connection closes early:
    // the first download here stops after 10,000 bytes with no error.
    let first = true;
    const quietlyShort: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (!DOWNLOADS.test(new URL(input).pathname) || !first) return response;
      first = false;
      const reader = response.body!.getReader();
      let sent = 0;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done || sent >= 10_000) {
              await reader.cancel();
              return controller.close();
            }
            const part = value.subarray(0, 10_000 - sent);
            sent += part.byteLength;
            controller.enqueue(part);
          },
        }),
        response,
      );
    };
    const attempts: AttemptInfo[] = [];
    const got = await bytesOf(
      await downloadExport(created, {
        apiKey,
        baseUrl: url,
        fetch: quietlyShort,
        onAttempt: (a) => attempts.push(a),
      }),
    );
    assert.equal(got.byteLength, whole.byteLength);
    assert.ok(got.every((b, i) => b === whole[i]), "bytes differ");
    assert.deepEqual(attempts.map((a) => a.status), [200, 206]);
  });
});
