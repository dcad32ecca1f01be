/**
 * An archive store in a bucket of any S3-compatible service.
 *
 * @module
 */

import type { ArchiveStore } from "../archive_store.ts";
import {
  checkKey,
  checkLockKey,
  checkObjectKey,
  checkPrefix,
  isLockKey,
  isStream,
  type StoreLock,
} from "../archive_store.ts";
import { resolveS3Options, type S3StoreOptions } from "./options.ts";
import { S3StoreError } from "./errors.ts";
import { takeS3Lock } from "./lock.ts";
import { getObject, type S3Call, s3Requester } from "./signed.ts";
import { writeStream } from "./write.ts";
import { element, elements, unescapeXml } from "./xml.ts";

/**
 * The store {@link s3Store} returns: an archive store whose objects live in
 * a bucket, with streaming reads and writes, a listing, and locks.
 *
 * @example
 * ```ts
 * import { s3Store, type S3Store } from "@audit-log/export/s3";
 * const store: S3Store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
 * for await (const key of store.keys("org_1/")) console.log(key);
 * ```
 */
export interface S3Store {
  /**
   * The text of the object at `key`, or `null` when there is none. The
   * store remembers the version it read, for the next `put` of that key.
   *
   * @example
   * ```ts
   * import { s3Store } from "@audit-log/export/s3";
   * const store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
   * const checkpoint = await store.get("org_1/checkpoint.json");
   * ```
   */
  get(key: string): Promise<string | null>;
  /**
   * Replaces a small object (a checkpoint, a ledger), only if it is still
   * the version this store last read or wrote (`If-Match`), or creates it
   * only if it is absent (`If-None-Match: *`) when this store saw it absent
   * or never looked. Two writers can so never silently overwrite each
   * other: the slower one's put rejects with an {@link S3StoreError} of
   * status 412. Read the key with `get` first to replace an object this
   * store has not seen.
   *
   * @example
   * ```ts
   * import { s3Store } from "@audit-log/export/s3";
   * const store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
   * await store.get("notes/readme.txt");
   * await store.put("notes/readme.txt", new TextEncoder().encode("kept by the archive\n"));
   * ```
   */
  put(key: string, body: Uint8Array): Promise<void>;
  /**
   * The bytes of the object at `key` as a stream, or `null` when there is
   * none.
   *
   * @example
   * ```ts
   * import { s3Store } from "@audit-log/export/s3";
   * const store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
   * const stream = await store.read("org_1/2026/11/01/20261101T000000Z_20261102T000000Z.csv");
   * if (stream) for await (const chunk of stream) console.log(chunk.byteLength);
   * ```
   */
  read(key: string): Promise<ReadableStream<Uint8Array> | null>;
  /**
   * Writes `body` to `key` as its chunks arrive, all of it or nothing: one
   * PUT when it fits in a part, else a multipart upload of `partSize`
   * parts (two in memory at most), aborted when the stream or a request
   * fails, so no partial object is ever visible and an object already at
   * `key` stays unchanged. Every request carries the SHA-256 of its bytes.
   * Resolves to the bytes written.
   *
   * @example
   * ```ts
   * import { s3Store } from "@audit-log/export/s3";
   * const store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
   * const response = await fetch("https://example.com/events.ndjson");
   * const bytes = await store.write("imports/events.ndjson", response.body!);
   * ```
   */
  write(key: string, body: ReadableStream<Uint8Array>): Promise<number>;
  /**
   * Every key that starts with `prefix` (default: all), a page of the
   * listing at a time, in the service's order (by UTF-8 bytes, which for
   * the archive's ASCII keys is sorted order). Locks and objects whose
   * names are not store keys (a console's `folder/` markers) are left out.
   *
   * @example
   * ```ts
   * import { s3Store } from "@audit-log/export/s3";
   * const store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
   * for await (const key of store.keys("org_1/2026/")) console.log(key);
   * ```
   */
  keys(prefix?: string): AsyncIterable<string>;
  /**
   * Takes the lock `key` (ending in `.lock`) for `holder`: an object
   * created only if absent (`If-None-Match: *`), taken over once stale
   * (not renewed for the store's `lease`) only while it is the stale
   * version read (`If-Match`), renewed only while still ours, and deleted
   * on release only if still ours. Rejects with a `LockHeldError` when a
   * live holder has it. On a service that ignores conditional writes, a
   * live holder is still never displaced (the lock is read before each
   * write and read back after), but two runs taking the same free lock at
   * the same moment could both hold it.
   *
   * @example
   * ```ts
   * import { s3Store } from "@audit-log/export/s3";
   * const store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
   * const lock = await store.lock("org_1/archive.lock", "org_1, nightly run");
   * try {
   *   await lock.refresh();
   * } finally {
   *   await lock.release();
   * }
   * ```
   */
  lock(key: string, holder: string): Promise<StoreLock>;
}

/**
 * An archive store in an S3 bucket, or a bucket of any service with S3's
 * API (Cloudflare R2, Google Cloud Storage, MinIO, Backblaze B2): requests
 * signed with Signature V4, a checksum on every write, optional Object
 * Lock retention on every object written, streaming multipart writes with
 * flat memory, and conditional writes for the lock and for checkpoints and
 * ledgers. Web APIs only (`fetch`, `crypto.subtle`, streams): it runs on
 * Deno, Node 18+, Bun, and Cloudflare Workers.
 *
 * Credentials are never read from the environment here; they are kept
 * inside the store and appear in no error, property or printout of it.
 * Throws a `ValidationError` listing every problem of `options`.
 *
 * @example
 * ```ts
 * import { archiveExports } from "@audit-log/export";
 * import { s3Store } from "@audit-log/export/s3";
 * await archiveExports({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   store: s3Store({
 *     bucket: "audit-archive",
 *     region: "eu-west-1",
 *     credentials: { accessKeyId: "AKIA…", secretAccessKey: "…" },
 *     objectLock: { mode: "COMPLIANCE", days: 400 },
 *   }),
 * });
 * ```
 */
export function s3Store(options: S3StoreOptions): S3Store {
  // Signing and checksums need Web Crypto: said here, once, rather than as a
  // failure of every request. Node 18 has it only with a flag.
  if (typeof globalThis.crypto?.subtle?.digest !== "function") {
    throw new TypeError(
      "s3Store needs Web Crypto (globalThis.crypto.subtle): on Node 18 start node with --experimental-global-webcrypto, or use Node 20 or later",
    );
  }
  const o = resolveS3Options(options);
  const s3 = s3Requester(o);
  const clock = { now: o.now, lease: o.lease };
  /**
   * The ETag of each small object as this store last saw it, `null` for
   * one seen absent: the condition of its next `put`.
   */
  const seen = new Map<string, string | null>();

  const objectHeaders = (): Record<string, string> => {
    if (!o.objectLock) return {};
    const until = Date.now() + o.objectLock.days * 86_400_000;
    return {
      "x-amz-object-lock-mode": o.objectLock.mode,
      "x-amz-object-lock-retain-until-date": new Date(until).toISOString(),
    };
  };

  /** The object at `key`, or `null`; its ETag remembered. */
  const fetchObject = async (key: string): Promise<Response | null> => {
    const response = await getObject(s3, key);
    seen.set(key, response && response.headers.get("etag"));
    return response;
  };

  const store: S3Store = {
    async get(key) {
      checkKey(key);
      const response = await fetchObject(key);
      return response && await response.text();
    },
    async put(key, body) {
      checkObjectKey(key);
      if (!(body instanceof Uint8Array)) {
        throw new TypeError("A store object's body must be a Uint8Array");
      }
      const known = seen.get(key);
      const call: S3Call = {
        operation: "PUT",
        method: "PUT",
        key,
        headers: {
          ...objectHeaders(),
          ...(known ? { "if-match": known } : { "if-none-match": "*" }),
        },
        body,
        checksum: true,
        accept: [409, 412],
        conditional: true,
      };
      const response = await s3.send(call);
      if (!response.ok) {
        const refused = await s3.refused(call, response);
        throw new S3StoreError({
          message: `${key} was not written: ${
            known
              ? "it changed since this store read it (another writer?)"
              : known === null
              ? "it was created since this store found it absent (another writer?)"
              : "it exists, and this store has not read it (get it first to replace it)"
          }. ${refused.message}`,
          operation: "PUT",
          key,
          status: response.status,
          code: refused.code,
        });
      }
      await response.body?.cancel();
      seen.set(key, response.headers.get("etag"));
    },
    async read(key) {
      checkKey(key);
      return (await fetchObject(key))?.body ?? null;
    },
    async write(key, body) {
      checkObjectKey(key);
      if (!isStream(body)) {
        throw new TypeError("write needs a ReadableStream of bytes");
      }
      seen.delete(key);
      const written = await writeStream(
        s3,
        { key, partSize: o.partSize, objectHeaders },
        body,
      );
      if (written.etag) seen.set(key, written.etag);
      if (written.multipart && o.objectLock) {
        await ensureRetention(key, written.versionId);
      }
      return written.bytes;
    },
    keys(prefix = "") {
      return listKeys(prefix);
    },
    async lock(key, holder) {
      checkLockKey(key, holder);
      const lock = await takeS3Lock(s3, key, holder, clock);
      try {
        await abortAbandonedUploads(folderOf(key));
      } catch (error) {
        await lock.release().catch(() => {});
        throw error;
      }
      return lock;
    },
  };

  /**
   * Aborts every multipart upload under `folder`: with the folder's lock
   * held, no live writer has one open, so each is what a killed run left.
   * Its parts would stay billed, and invisible to any listing of objects,
   * until a lifecycle rule removed them. An upload of a run whose lease
   * lapsed while it still ran fails here, loudly, as its lock is gone.
   */
  async function abortAbandonedUploads(folder: string): Promise<void> {
    let marker: readonly (readonly [string, string])[] = [];
    for (;;) {
      const response = await s3.send({
        operation: "ListMultipartUploads",
        method: "GET",
        query: [["uploads", ""], ["prefix", o.prefix + folder], ...marker],
      });
      const page = await response.text();
      for (const upload of elements(page, "Upload")) {
        const full = unescapeXml(element(upload, "Key") ?? "");
        const uploadId = unescapeXml(element(upload, "UploadId") ?? "");
        if (!full.startsWith(o.prefix + folder) || !uploadId) continue;
        const answer = await s3.send({
          operation: "AbortMultipartUpload",
          method: "DELETE",
          key: full.slice(o.prefix.length),
          query: [["uploadId", uploadId]],
          accept: [404],
        });
        await answer.body?.cancel();
      }
      if (element(page, "IsTruncated") !== "true") return;
      marker = [
        ["key-marker", unescapeXml(element(page, "NextKeyMarker") ?? "")],
        [
          "upload-id-marker",
          unescapeXml(element(page, "NextUploadIdMarker") ?? ""),
        ],
      ];
    }
  }

  /**
   * Makes sure an object from a multipart upload is retained: some
   * services (moto among them) drop the retention asked for when the
   * upload began. Set afterwards only where missing, so a service that
   * kept it needs no permission to change retention.
   */
  async function ensureRetention(
    key: string,
    versionId: string | undefined,
  ): Promise<void> {
    const version: [string, string][] = versionId
      ? [["versionId", versionId]]
      : [];
    const head = await s3.send({
      operation: "HEAD",
      method: "HEAD",
      key,
      query: version,
    });
    if (head.headers.get("x-amz-object-lock-mode")) return;
    const wanted = objectHeaders();
    const xml =
      `<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>${
        wanted["x-amz-object-lock-mode"]
      }</Mode><RetainUntilDate>${
        wanted["x-amz-object-lock-retain-until-date"]
      }</RetainUntilDate></Retention>`;
    try {
      const set = await s3.send({
        operation: "PutObjectRetention",
        method: "PUT",
        key,
        query: [["retention", ""], ...version],
        headers: { "content-type": "application/xml" },
        body: new TextEncoder().encode(xml),
        checksum: true,
      });
      await set.body?.cancel();
    } catch (error) {
      throw new S3StoreError({
        message: `${key} was stored, but without the retention asked for: ${
          (error as Error).message
        }`,
        operation: "PutObjectRetention",
        key,
        status: (error as S3StoreError).status,
        code: (error as S3StoreError).code,
        cause: error,
      });
    }
  }

  async function* listKeys(prefix: string): AsyncGenerator<string> {
    checkPrefix(prefix);
    let token: string | undefined;
    do {
      const response = await s3.send({
        operation: "ListObjectsV2",
        method: "GET",
        query: [
          ["list-type", "2"],
          ["prefix", o.prefix + prefix],
          ["encoding-type", "url"],
          ...(token ? [["continuation-token", token] as const] : []),
        ],
      });
      const page = await response.text();
      const encoded = element(page, "EncodingType") === "url";
      for (const contents of elements(page, "Contents")) {
        const raw = unescapeXml(elements(contents, "Key")[0] ?? "");
        const full = encoded
          ? decodeURIComponent(raw.replace(/\+/g, " "))
          : raw;
        if (!full.startsWith(o.prefix)) continue;
        const key = full.slice(o.prefix.length);
        if (isLockKey(key) || !isStoreKey(key)) continue;
        yield key;
      }
      token = element(page, "IsTruncated") === "true"
        ? element(page, "NextContinuationToken")
        : undefined;
    } while (token);
  }

  // Whatever members ArchiveStore gains, this store must still be one.
  return store satisfies ArchiveStore;
}

/** The folder of a key, with its slash: `org_1/` of `org_1/archive.lock`. */
const folderOf = (key: string): string =>
  key.slice(0, key.lastIndexOf("/") + 1);

function isStoreKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}
