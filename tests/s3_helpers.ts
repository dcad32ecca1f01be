/**
 * An S3 server for tests: `moto_server` started on a free loopback port as
 * a child process, and raw requests to it signed with aws4fetch, to set up
 * buckets and look at what a store left without going through the store.
 *
 * @module
 */

import { AwsClient } from "aws4fetch";
import type { S3StoreOptions } from "../s3.ts";

/** Credentials moto takes (it checks none); the secret is recognisable in any leak. */
export const CREDENTIALS = {
  accessKeyId: "AKIATESTACCESSKEY01",
  secretAccessKey: "s3cr3t/Key+With=Chars_h0stile",
  sessionToken: "sess10nT0ken//Value+h0stile==",
} as const;

/** A running moto server. */
export interface Moto {
  endpoint: string;
  /** Raw signed requests, outside any store. */
  client: AwsClient;
  /** Store options for `bucket` on this server. */
  options(bucket: string, extra?: Partial<S3StoreOptions>): S3StoreOptions;
  close(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts moto and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const port = freePort();
  const child = new Deno.Command("moto_server", {
    args: ["-H", "127.0.0.1", "-p", String(port)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      await response.body?.cancel();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        await child.status;
        throw new Error(`moto_server did not answer on ${endpoint}`, {
          cause: error,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const client = new AwsClient({
    ...CREDENTIALS,
    service: "s3",
    region: "us-east-1",
    retries: 0,
  });
  return {
    endpoint,
    client,
    options: (bucket, extra = {}) => ({
      bucket,
      endpoint,
      credentials: { ...CREDENTIALS },
      ...extra,
    }),
    async close() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** A raw signed request; rejects unless the answer is 2xx. */
export async function raw(
  moto: Moto,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Uint8Array<ArrayBuffer>,
): Promise<Response> {
  const response = await moto.client.fetch(`${moto.endpoint}${path}`, {
    method,
    headers,
    ...(body ? { body } : {}),
  });
  if (!response.ok) {
    throw new Error(
      `${method} ${path}: ${response.status} ${await response.text()}`,
    );
  }
  return response;
}

let buckets = 0;

/** Creates a bucket of a new name, with Object Lock when asked. */
export async function createBucket(
  moto: Moto,
  objectLock = false,
): Promise<string> {
  const name = `bucket-${++buckets}-${objectLock ? "locked" : "plain"}`;
  const response = await raw(
    moto,
    "PUT",
    `/${name}`,
    objectLock ? { "x-amz-bucket-object-lock-enabled": "true" } : {},
  );
  await response.body?.cancel();
  return name;
}

/** Every object in `bucket` (full keys, prefix and all), read raw. */
export async function objectsOf(
  moto: Moto,
  bucket: string,
): Promise<Map<string, Uint8Array>> {
  const listing = await (await raw(moto, "GET", `/${bucket}?list-type=2`))
    .text();
  const out = new Map<string, Uint8Array>();
  for (const m of listing.matchAll(/<Key>([^<]*)<\/Key>/g)) {
    const key = m[1].replaceAll("&amp;", "&");
    const body = await raw(
      moto,
      "GET",
      `/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
    );
    out.set(key, new Uint8Array(await body.arrayBuffer()));
  }
  return out;
}

/** The multipart uploads in progress in `bucket`. */
export async function uploadsOf(moto: Moto, bucket: string): Promise<number> {
  const text = await (await raw(moto, "GET", `/${bucket}?uploads`)).text();
  return [...text.matchAll(/<UploadId>/g)].length;
}

/** One request a store sent, as a recording fetch saw it. */
export interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  body: Uint8Array | undefined;
  status: number;
}

/**
 * A `fetch` that records what passes, and lets a test change a request
 * (`alter`) or answer it itself (`answer`).
 */
export function recordingFetch(hooks: {
  alter?: (url: URL, init: RequestInit) => [URL, RequestInit];
  answer?: (url: URL, init: RequestInit) => Response | undefined;
} = {}): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const recording: typeof fetch = async (input, init = {}) => {
    let url = new URL(String(input));
    [url, init] = hooks.alter?.(url, init) ?? [url, init];
    const body = init.body instanceof Uint8Array ? init.body : undefined;
    const record = {
      method: init.method ?? "GET",
      url,
      headers: new Headers(init.headers),
      body,
      status: 0,
    };
    sent.push(record);
    const response = hooks.answer?.(url, init) ?? await fetch(url, init);
    record.status = response.status;
    return response;
  };
  return { fetch: recording, sent };
}

/** The SHA-256 of `bytes` in base64, as `x-amz-checksum-sha256` carries it. */
export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)),
  );
  return btoa(String.fromCharCode(...digest));
}

/** A stream of `size` pseudo-random bytes in chunks of 64 KiB, made as it is read. */
export function generated(
  size: number,
  seed = 1,
  fail?: Error,
): ReadableStream<Uint8Array> {
  let sent = 0;
  let x = seed;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) {
        if (fail) controller.error(fail);
        else controller.close();
        return;
      }
      const n = Math.min(65_536, size - sent);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        x = (x * 1_103_515_245 + 12_345) >>> 0;
        chunk[i] = x & 255;
        chunk[i + 1] = (x >>> 8) & 255;
        chunk[i + 2] = (x >>> 16) & 255;
        chunk[i + 3] = x >>> 24;
      }
      sent += n;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

/**
 * A digest of a stream's bytes that does not depend on how they are
 * chunked, with memory flat: the SHA-256 chain of its 1 MiB blocks.
 */
export async function streamDigest(
  stream: ReadableStream<Uint8Array>,
): Promise<{ bytes: number; sha256: string }> {
  const BLOCK = 1024 * 1024;
  let acc = new Uint8Array(32);
  let block = new Uint8Array(32 + BLOCK);
  let filled = 0;
  let bytes = 0;
  const flush = async () => {
    block.set(acc);
    acc = new Uint8Array(
      await crypto.subtle.digest("SHA-256", block.subarray(0, 32 + filled)),
    );
    block = new Uint8Array(32 + BLOCK);
    filled = 0;
  };
  for await (const chunk of stream) {
    bytes += chunk.byteLength;
    for (let at = 0; at < chunk.byteLength;) {
      const take = Math.min(BLOCK - filled, chunk.byteLength - at);
      block.set(chunk.subarray(at, at + take), 32 + filled);
      filled += take;
      at += take;
      if (filled === BLOCK) await flush();
    }
  }
  if (filled > 0) await flush();
  return {
    bytes,
    sha256: Array.from(acc, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}
