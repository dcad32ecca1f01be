/**
 * Requests to the bucket, signed with Signature V4 by aws4fetch, retried
 * when the service is briefly unavailable, and turned into an
 * `S3StoreError` when refused, with every secret taken out.
 *
 * The only module of the `./s3` entry that imports the signing library, and
 * none of its types leaves it.
 *
 * @module
 */

import { AwsClient } from "aws4fetch";
import { REDACTED, redactor } from "../errors.ts";
import { S3StoreError } from "./errors.ts";
import { element } from "./xml.ts";
import { encodeSegment, type ResolvedS3Options } from "./options.ts";

/**
 * One request to the bucket.
 *
 * @internal
 */
export interface S3Call {
  /** The operation's name, for messages: `"PUT"`, `"UploadPart"`, … */
  operation: string;
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE";
  /** The store's key (the store's prefix is added), or `undefined` for the bucket. */
  key?: string;
  query?: readonly (readonly [string, string])[];
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Sends `x-amz-checksum-sha256` of the body, which the service checks and keeps. */
  checksum?: boolean;
  /** Statuses besides 2xx answered as they are rather than thrown. */
  accept?: readonly number[];
  /**
   * A request whose repetition changes its meaning (a conditional write,
   * which after a lost answer would find its own result): retried only
   * when the service says it did nothing (429, 503).
   */
  conditional?: boolean;
}

/**
 * Sends {@link S3Call}s.
 *
 * @internal
 */
export interface S3Requester {
  /** The answer: 2xx or an accepted status; otherwise rejects with an `S3StoreError`. */
  send(call: S3Call): Promise<Response>;
  /** The error for an answer that was not expected (the body is read and closed). */
  refused(call: S3Call, response: Response): Promise<S3StoreError>;
}

/** Tries of one request: one and three retries. */
const ATTEMPTS = 4;
/** Statuses that say the service did nothing and asks to come back. */
const THROTTLED = new Set([429, 503]);
/** Statuses worth another try of a request that may be repeated. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);
/** The most of an error body read: S3's are a few hundred bytes. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** A Signature V4 signature, as a server may echo it. */
const SIGNATURE = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/gi;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0"))
    .join("");

function base64(bytes: ArrayBuffer): string {
  let binary = "";
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The first bytes of a body, as text, and the rest cancelled. */
async function headText(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // What arrived is enough to say what went wrong.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) all.set(c, (at += c.byteLength) - c.byteLength);
  return new TextDecoder().decode(all.subarray(0, ERROR_BODY_LIMIT));
}

/**
 * The object at `key` (its answer, body unread), or `null` when there is
 * none; any other refusal rejects.
 *
 * @internal
 */
export async function getObject(
  s3: S3Requester,
  key: string,
): Promise<Response | null> {
  const response = await s3.send({
    operation: "GET",
    method: "GET",
    key,
    accept: [404],
  });
  if (response.status !== 404) return response;
  await response.body?.cancel();
  return null;
}

/**
 * The requester of a store: signs with the credentials it keeps in this
 * closure only, so nothing reachable from the store holds them.
 *
 * @internal
 */
export function s3Requester(options: ResolvedS3Options): S3Requester {
  const { credentials, region, bucketUrl, prefix } = options;
  const doFetch = options.fetch;
  const client = new AwsClient({
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    service: "s3",
    region,
    retries: 0,
  });
  const secrets = redactor(
    [credentials.secretAccessKey, credentials.sessionToken],
    { bearer: false },
  );
  const clean = (text: string) =>
    secrets.text(text).replace(SIGNATURE, REDACTED);

  const where = (call: S3Call) =>
    call.key === undefined
      ? `the bucket ${options.bucket}`
      : JSON.stringify(call.key);

  const urlOf = (call: S3Call) => {
    const path = call.key === undefined
      ? "/"
      : `/${(prefix + call.key).split("/").map(encodeSegment).join("/")}`;
    const query = (call.query ?? []).map(([k, v]) =>
      v === "" ? encodeSegment(k) : `${encodeSegment(k)}=${encodeSegment(v)}`
    ).join("&");
    return `${bucketUrl}${path}${query ? `?${query}` : ""}`;
  };

  const refused = async (call: S3Call, response: Response) => {
    const text = await headText(response);
    const code = element(text, "Code");
    const said = element(text, "Message");
    const message = `${call.operation} ${
      where(call)
    } failed: ${response.status}${code ? ` ${code}` : ""}${
      said ? `: ${said}` : ""
    }`;
    return new S3StoreError({
      message: clean(message),
      operation: call.operation,
      key: call.key,
      status: response.status,
      code: code === undefined ? undefined : clean(code),
    });
  };

  async function signed(call: S3Call): Promise<[string, RequestInit]> {
    const headers: Record<string, string> = { ...call.headers };
    const body = call.body && plainBytes(call.body);
    if (body) {
      // The payload's hash is signed, and its checksum kept by the
      // service: a body changed on the way is refused, and Object Lock
      // buckets accept nothing without one.
      const digest = await crypto.subtle.digest("SHA-256", body);
      headers["x-amz-content-sha256"] = hex(digest);
      if (call.checksum) {
        headers["x-amz-checksum-sha256"] = base64(digest);
        headers["x-amz-sdk-checksum-algorithm"] = "SHA256";
      }
    }
    const url = urlOf(call);
    // Signed without the body (its hash is in a header): a Request made
    // with the body would copy every part once more.
    const request = await client.sign(url, { method: call.method, headers });
    return [url, {
      method: call.method,
      headers: request.headers,
      ...(body ? { body } : {}),
    }];
  }

  async function send(call: S3Call): Promise<Response> {
    for (let attempt = 1;; attempt++) {
      const last = attempt === ATTEMPTS;
      let response: Response;
      try {
        const [url, init] = await signed(call);
        response = await doFetch(url, init);
      } catch (error) {
        const aborted = (error as { name?: unknown })?.name === "AbortError";
        if (!last && !call.conditional && !aborted) {
          await sleep(backoff(attempt));
          continue;
        }
        const cause = cleanError(error, clean);
        throw new S3StoreError({
          message: clean(
            `${call.operation} ${
              where(call)
            } failed: no answer from the service (${
              error instanceof Error ? error.message : String(error)
            })`,
          ),
          operation: call.operation,
          key: call.key,
          status: undefined,
          code: undefined,
          cause,
        });
      }
      const { status } = response;
      if (
        (status >= 200 && status < 300) || call.accept?.includes(status)
      ) {
        return response;
      }
      const again = call.conditional ? THROTTLED : TRANSIENT;
      if (!last && again.has(status)) {
        await response.body?.cancel().catch(() => {});
        await sleep(backoff(attempt));
        continue;
      }
      throw await refused(call, response);
    }
  }

  return { send, refused };
}

/**
 * A copy of a network error and its causes with `clean` applied to each
 * message: a runtime may name the request's headers, signature and all. The
 * copy is a plain `Error` with the original's name.
 */
function cleanError(
  error: unknown,
  clean: (text: string) => string,
  depth = 0,
): Error {
  const e = error as { name?: unknown; message?: unknown; cause?: unknown };
  const copy = new Error(
    clean(typeof e?.message === "string" ? e.message : String(error)),
    e?.cause !== undefined && depth < 4
      ? { cause: cleanError(e.cause, clean, depth + 1) }
      : undefined,
  );
  if (typeof e?.name === "string") copy.name = clean(e.name);
  return copy;
}

/** Bytes over an `ArrayBuffer`, as `fetch` and `crypto.subtle` take them: copied only when shared. */
function plainBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
}

/** A random wait before try `attempt + 1`: 100 ms, then doubling. */
function backoff(attempt: number): number {
  return 100 * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
}
