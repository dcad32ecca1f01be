/**
 * A resumed download is the same file or no file: against a hostile file
 * host (a raw HTTP server on loopback that writes its answers byte by
 * byte), a resume answered by another version of the file, by a range that
 * does not fit, or by more bytes than announced fails with a
 * `ConnectionError` and never joins two files; the CLI starts such a
 * download over once, from byte 0, into the same temporary file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ApiError, ConnectionError, downloadExport } from "../mod.ts";
import { cli } from "./cli_helpers.ts";
import { TEST_KEY } from "./helpers.ts";

const encoder = new TextEncoder();

/** A CSV of `rows` rows whose every value names `version`, so two versions never share a row. */
function csvFile(version: string, rows = 40): Uint8Array {
  const lines = ["action,occurred_at,actor_id,actor_type,actor_name"];
  for (let i = 0; i < rows; i++) {
    lines.push(
      `user.signed_in,2026-11-0${
        1 + (i % 9)
      }T10:00:00.000Z,user_${version}_${i},user,${version} ${i}`,
    );
  }
  return encoder.encode(lines.join("\n") + "\n");
}

/** What the host received in one request. */
interface Received {
  /** Lower-case header names. */
  headers: Record<string, string>;
  path: string;
}

/** One answer: the raw bytes to write, then close (a body short of its length is a cut). */
type Answer = Uint8Array | string;

/** Joins a status line, headers and a body into raw response bytes. */
function raw(
  status: string,
  headers: Record<string, string | number>,
  body: Uint8Array = new Uint8Array(),
): Uint8Array {
  const head = [
    `HTTP/1.1 ${status}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "connection: close",
    "",
    "",
  ].join("\r\n");
  const out = new Uint8Array(head.length + body.byteLength);
  out.set(encoder.encode(head));
  out.set(body, head.length);
  return out;
}

/**
 * A raw HTTP/1.1 server on loopback that answers request number `n` with
 * `answer(n, request)` and closes the connection: it can say anything,
 * including bodies longer or shorter than its own headers.
 */
async function hostileHost<T>(
  answer: (n: number, request: Received) => Answer,
  fn: (url: string, received: Received[]) => Promise<T>,
): Promise<T> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: Received[] = [];
  const serve = async (conn: Deno.Conn) => {
    try {
      let text = "";
      const buffer = new Uint8Array(16384);
      while (!text.includes("\r\n\r\n")) {
        const n = await conn.read(buffer);
        if (n === null) return;
        text += new TextDecoder().decode(buffer.subarray(0, n));
      }
      const [line, ...fields] = text.split("\r\n\r\n")[0].split("\r\n");
      const request: Received = {
        path: line.split(" ")[1],
        headers: Object.fromEntries(fields.map((f) => {
          const at = f.indexOf(":");
          return [f.slice(0, at).trim().toLowerCase(), f.slice(at + 1).trim()];
        })),
      };
      received.push(request);
      const out = answer(received.length - 1, request);
      await conn.write(typeof out === "string" ? encoder.encode(out) : out)
        .catch(() => {});
    } finally {
      try {
        conn.close();
      } catch { /* closed by the client */ }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) serve(conn);
  })();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    return await fn(
      `http://127.0.0.1:${port}/file.csv?X-Amz-Signature=s3cr3t`,
      received,
    );
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
}

const V1 = csvFile("v1");
const V2 = csvFile("v2");
const CUT = 700;

/** The first answer: v1 announced whole, cut after {@link CUT} bytes. */
const cutV1 = (headers: Record<string, string> = { etag: '"v1"' }) =>
  raw("200 OK", {
    "content-type": "text/csv",
    "content-length": V1.byteLength,
    ...headers,
  }, V1.subarray(0, CUT));

/** A ready export whose URL is the hostile host's. */
const readyExport = (url: string) => ({
  object: "audit_log_export" as const,
  id: "audit_log_export_01HOSTILE",
  state: "ready" as const,
  url,
  createdAt: "2026-11-30T00:00:00.000Z",
  updatedAt: "2026-11-30T00:00:00.000Z",
});

/** Reads a download to its end, returning its bytes or the error it failed with. */
async function download(url: string): Promise<Uint8Array | unknown> {
  try {
    const stream = await downloadExport(readyExport(url), {
      apiKey: "sk_test_unused",
      maxRetries: 2,
    });
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    return error;
  }
}

/** Asserts a failed download: a ConnectionError whose message matches, and no signature shown. */
function assertRefused(result: unknown, reason: RegExp): void {
  assert.ok(result instanceof ConnectionError, String(result));
  assert.ok(!(result instanceof ApiError));
  assert.match(result.message, reason);
  assert.ok(!result.message.includes("s3cr3t"), result.message);
}

/** v1 sent chunked, so without its length, and cut after {@link CUT} bytes. */
function cutChunked(): Uint8Array {
  const head = raw("200 OK", { etag: '"v1"', "transfer-encoding": "chunked" });
  const size = encoder.encode(`${CUT.toString(16)}\r\n`);
  const out = new Uint8Array(head.byteLength + size.byteLength + CUT);
  out.set(head);
  out.set(size, head.byteLength);
  out.set(V1.subarray(0, CUT), head.byteLength + size.byteLength);
  return out;
}

const rest = (
  headers: Record<string, string | number>,
  body = V1.subarray(CUT),
) => raw("206 Partial Content", headers, body);

Deno.test("a resume sends If-Range with the first answer's strong ETag and continues the same file", async () => {
  await hostileHost(
    (n) =>
      n === 0 ? cutV1() : rest({
        "content-range": `bytes ${CUT}-${V1.byteLength - 1}/${V1.byteLength}`,
        "content-length": V1.byteLength - CUT,
        etag: '"v1"',
      }),
    async (url, received) => {
      assert.deepEqual(await download(url), V1);
      assert.equal(received.length, 2);
      assert.equal(received[1].headers.range, `bytes=${CUT}-`);
      assert.equal(received[1].headers["if-range"], '"v1"');
    },
  );
});

Deno.test("without a strong ETag the resume's If-Range is the Last-Modified date", async () => {
  const date = "Mon, 30 Nov 2026 10:00:00 GMT";
  await hostileHost(
    (n) =>
      n === 0 ? cutV1({ etag: 'W/"weak"', "last-modified": date }) : rest({
        "content-range": `bytes ${CUT}-${V1.byteLength - 1}/${V1.byteLength}`,
        "last-modified": date,
      }),
    async (url, received) => {
      assert.deepEqual(await download(url), V1);
      assert.equal(received[1].headers["if-range"], date);
    },
  );
});

Deno.test("a file that changed between the first answer and the resume is never spliced", async (t) => {
  const whole = (etag: string, body = V2) =>
    raw("200 OK", { "content-length": body.byteLength, etag }, body);
  const cases: [string, (n: number, r: Received) => Answer][] = [
    // An object store honouring If-Range: the new file, whole.
    ["a 200 with another ETag", () => whole('"v2"')],
    // A host that ignores If-Range.
    ["a 206 with another ETag", () =>
      rest({
        "content-range": `bytes ${CUT}-${V2.byteLength - 1}/${V2.byteLength}`,
        etag: '"v2"',
      }, V2.subarray(CUT))],
    ["a 206 whose total differs from the first length", () =>
      rest({
        "content-range": `bytes ${CUT}-${V1.byteLength + 9}/${
          V1.byteLength + 10
        }`,
        etag: '"v1"',
      }, new Uint8Array(V1.byteLength + 10 - CUT).fill(65))],
    [
      "a 200 of another length and no validator",
      () => raw("200 OK", { "content-length": V2.byteLength + 1 }, V2),
    ],
    [
      "a 416 for a byte inside the first file",
      () =>
        raw("416 Range Not Satisfiable", {
          "content-range": `bytes */${CUT - 1}`,
          "content-length": 0,
        }),
    ],
  ];
  for (const [name, answer] of cases) {
    await t.step(name, async () => {
      await hostileHost(
        (n, r) => n === 0 ? cutV1() : answer(n, r),
        async (url) => {
          assertRefused(
            await download(url),
            /file changed on its host mid-download/,
          );
        },
      );
    });
  }
});

Deno.test("a resume answer that does not fit the file is refused, not joined", async (t) => {
  const total = V1.byteLength;
  const cases: [string, Answer, RegExp][] = [
    [
      "a nonsense Content-Range",
      rest({ "content-range": "bytes 700-5/zzz", etag: '"v1"' }),
      /not the rest of the file/,
    ],
    [
      "a range that ends before it starts",
      rest({ "content-range": `bytes ${CUT}-5/${total}`, etag: '"v1"' }),
      /ends before it starts/,
    ],
    [
      "a range from another byte",
      rest(
        { "content-range": `bytes 0-${total - 1}/${total}`, etag: '"v1"' },
        V1,
      ),
      /starts at byte 0, not 700/,
    ],
    [
      "a range past the end of the file",
      rest({ "content-range": `bytes ${CUT}-${total}/${total}`, etag: '"v1"' }),
      /past the end/,
    ],
    [
      "a Content-Length other than the range's",
      rest({
        "content-range": `bytes ${CUT}-${total - 1}/${total}`,
        "content-length": total - CUT - 1,
        etag: '"v1"',
      }),
      /Content-Length says/,
    ],
    [
      "a body longer than its Content-Range",
      rest({
        "content-range": `bytes ${CUT}-${CUT + 99}/${total}`,
        etag: '"v1"',
      }),
      /more bytes than/,
    ],
    [
      "the same file whole again (Range ignored)",
      raw("200 OK", { "content-length": total, etag: '"v1"' }, V1),
      /with the whole file/,
    ],
    [
      "a 416 when the first answer gave no length",
      raw("416 Range Not Satisfiable", { "content-length": 0 }),
      /refused the resume at byte 700 \(416\)/,
    ],
    [
      // Without any length, the end of this range could be taken for the
      // end of the file: a short file would pass as whole.
      "a range of unknown total when the first answer gave no length",
      rest({
        "content-range": `bytes ${CUT}-${CUT + 399}/*`,
        "content-length": 400,
        etag: '"v1"',
      }, V1.subarray(CUT, CUT + 400)),
      /does not say how long the file is/,
    ],
  ];
  for (const [name, answer, reason] of cases) {
    await t.step(name, async () => {
      await hostileHost(
        (n) =>
          n === 0
            ? (name.includes("no length") ? cutChunked() : cutV1())
            : answer,
        async (url) => assertRefused(await download(url), reason),
      );
    });
  }
});

Deno.test("a first answer with no ETag or Last-Modified cannot be resumed safely", async () => {
  await hostileHost(
    (n) =>
      n === 0 ? cutV1({}) : rest({
        "content-range": `bytes ${CUT}-${V1.byteLength - 1}/${V1.byteLength}`,
      }),
    async (url, received) => {
      assertRefused(await download(url), /no ETag or Last-Modified/);
      assert.equal(received.length, 1, "no resume was even tried");
    },
  );
});

Deno.test("a first body longer than its Content-Length is refused", async () => {
  await hostileHost(
    () => raw("200 OK", { "content-length": 10, etag: '"v1"' }, V1),
    async (url) => {
      const result = await download(url);
      // The runtime may stop at the announced length itself; either way
      // no byte past it comes out.
      if (result instanceof Uint8Array) {
        assert.deepEqual(result, V1.subarray(0, 10));
      } else assertRefused(result, /more bytes than/);
    },
  );
});

/** The names in a directory. */
const names = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);

/** A one-route API: `GET /audit_logs/exports/<id>` answers a ready export on `fileUrl`. */
async function withOneRouteApi<T>(
  fileUrl: string,
  fn: (api: { url: string }) => Promise<T>,
): Promise<T> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      if (request.headers.get("authorization") !== `Bearer ${TEST_KEY}`) {
        return Response.json({ message: "Unauthorized" }, { status: 401 });
      }
      return Response.json({
        object: "audit_log_export",
        id: "audit_log_export_01HOSTILE",
        state: "ready",
        url: fileUrl,
        created_at: "2026-11-30T00:00:00.000Z",
        updated_at: "2026-11-30T00:00:00.000Z",
      });
    },
  );
  try {
    return await fn({ url: `http://127.0.0.1:${server.addr.port}` });
  } finally {
    await server.shutdown();
  }
}

Deno.test("CLI: a file that changed mid-download is downloaded again from byte 0, into the same --out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await hostileHost(
      (n) =>
        n === 0 ? cutV1() : raw(
          "200 OK",
          { "content-length": V2.byteLength, etag: '"v2"' },
          V2,
        ),
      (url, received) =>
        withOneRouteApi(url, async (api) => {
          const out = `${dir}/x.csv`;
          const run = await cli(
            ["download", "audit_log_export_01HOSTILE", "--out", out],
            { server: api, secrets: ["s3cr3t"] },
          );
          assert.equal(run.code, 0, run.stderr);
          assert.deepEqual(await Deno.readFile(out), V2);
          assert.match(run.stderr, /changed on its host.*starting over/i);
          assert.match(run.stderr, /Saved 40 rows/);
          // The cut, the changed answer, then the new file from byte 0.
          assert.equal(received.length, 3);
          assert.equal(received[2].headers.range, undefined);
          assert.deepEqual(
            await names(dir),
            ["x.csv"],
          );
        }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: a file that keeps changing fails with exit 1 and keeps what --out held", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/kept.csv`;
    await Deno.writeTextFile(out, "what was there\n");
    await hostileHost(
      // Every answer is cut and every resume finds a new version.
      (n, r) =>
        r.headers.range === undefined
          ? cutV1({ etag: `"v${n}"` })
          : raw("200 OK", {
            "content-length": V2.byteLength,
            etag: `"other${n}"`,
          }, V2),
      (url) =>
        withOneRouteApi(url, async (api) => {
          const run = await cli(
            ["download", "audit_log_export_01HOSTILE", "--out", out],
            { server: api, secrets: ["s3cr3t"] },
          );
          assert.equal(run.code, 1, run.stderr);
          assert.match(run.stderr, /changed on its host mid-download/);
          assert.doesNotMatch(run.stderr, /Saved/);
          assert.equal(await Deno.readTextFile(out), "what was there\n");
          assert.deepEqual(
            await names(dir),
            ["kept.csv"],
          );
        }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: a splice that would parse is refused on stdout too, with exit 1", async () => {
  await hostileHost(
    (n) =>
      n === 0 ? cutV1() : rest({
        "content-range": `bytes ${CUT}-${V2.byteLength - 1}/${V2.byteLength}`,
        etag: '"v2"',
      }, V2.subarray(CUT)),
    (url) =>
      withOneRouteApi(url, async (api) => {
        const run = await cli(
          ["download", "audit_log_export_01HOSTILE"],
          { server: api, secrets: ["s3cr3t"] },
        );
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /changed on its host mid-download/);
        // Only the first version's bytes reached stdout: nothing of v2.
        assert.ok(!run.stdout.includes("v2"), "v2 bytes were written");
      }),
  );
});

Deno.test("a download cancelled while it waits for the host sends no request more", async () => {
  const received: (string | null)[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const range = request.headers.get("range");
      received.push(range);
      const from = Number(/bytes=(\d+)-/.exec(range ?? "")?.[1] ?? 0);
      let timer: ReturnType<typeof setTimeout> | undefined;
      // A slow host: the first 100 bytes at once, the rest much later.
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(V1.subarray(from, from + 100));
          timer = setTimeout(() => {
            timers.delete(timer!);
            controller.enqueue(V1.subarray(from + 100));
            controller.close();
          }, 5_000);
          timers.add(timer!);
        },
        cancel() {
          clearTimeout(timer);
          timers.delete(timer!);
        },
      });
      return new Response(body, {
        status: from ? 206 : 200,
        headers: {
          etag: '"v1"',
          ...(from
            ? {
              "content-range": `bytes ${from}-${
                V1.byteLength - 1
              }/${V1.byteLength}`,
            }
            : { "content-length": String(V1.byteLength) }),
        },
      });
    },
  );
  try {
    const stream = await downloadExport(
      readyExport(`http://127.0.0.1:${server.addr.port}/f.csv`),
      { apiKey: "sk_test_unused", maxRetries: 3 },
    );
    const reader = stream.getReader();
    await reader.read();
    const waiting = reader.read();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await reader.cancel("the reader left");
    assert.deepEqual(await waiting, { done: true, value: undefined });
    // Time for any resume to have been sent, had one been.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(received, [null]);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await server.shutdown();
  }
});
