/**
 * What the archive needs of its store, whatever store the user gave: a
 * directory (`directoryStore`, which brings its own streaming, listing and
 * locking), a Cloudflare R2 bucket binding passed as it is (recognised by
 * its `createMultipartUpload` and `list`), or any object with `get` and
 * `put`. {@link accessStore} turns each into one {@link StoreAccess}.
 *
 * Only web APIs here: this module is in the main entry's graph, which runs
 * on workerd and other edge runtimes.
 *
 * @internal
 * @module
 */

import { concatBytes } from "./bytes.ts";
import { randomBytes } from "./random.ts";

/**
 * Where the archive keeps its files, checkpoints, gaps ledgers and locks:
 * anything with `get` and `put`, such as a Cloudflare R2 bucket binding as
 * it is, or `directoryStore` from `audit-log-export/fs`. `put` must replace
 * the whole object at once (a reader never sees half of it) and resolve
 * only once it is stored.
 *
 * The optional members let a store do better than `get`/`put` alone; an
 * R2 binding needs none of them (its multipart uploads, `list` and
 * conditional puts are used as they are), and `directoryStore` has all of
 * them. Without `write`, a window is held in memory before it is put;
 * without `keys`, late events are not re-checked; without `lock`, a lock
 * object is written with `put` (best effort: two runs starting in the same
 * instant may both take it).
 *
 * @example
 * ```ts
 * import type { ArchiveStore } from "@audit-log/export";
 * const objects = new Map<string, Uint8Array>();
 * const memory: ArchiveStore = {
 *   get: (key) => Promise.resolve(objects.has(key) ? new TextDecoder().decode(objects.get(key)) : null),
 *   put: (key, body) => Promise.resolve(void objects.set(key, body)),
 * };
 * ```
 */
export interface ArchiveStore {
  /** The object at `key` (its text, or anything with `text()`), or `null`/`undefined` when there is none. */
  get(
    key: string,
  ): Promise<string | { text(): Promise<string> } | null | undefined>;
  /** Stores `body` at `key`, replacing any object there. */
  put(key: string, body: Uint8Array): Promise<unknown>;
  /** Optional: the object at `key` as a stream, for reading large files back. */
  read?(key: string): Promise<ReadableStream<Uint8Array> | null | undefined>;
  /** Optional: stores a stream as one object, all or nothing, without holding it whole. */
  write?(key: string, body: ReadableStream<Uint8Array>): Promise<unknown>;
  /** Optional: every key that starts with `prefix`; the re-check of late events needs it. */
  keys?(prefix: string): AsyncIterable<string>;
  /** Optional: takes an exclusive lock for `holder`, rejecting while another live holder has it. */
  lock?(key: string, holder: string): Promise<StoreLock>;
}

/**
 * What the archive needs of a store, whatever the store is.
 *
 * @internal
 */
export interface StoreAccess {
  /** The text of a small object (checkpoint, ledgers), or undefined when absent. */
  readText(key: string): Promise<string | undefined>;
  /** An object's bytes as a stream (window files can be hundreds of MB), or undefined when absent. */
  read(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Replaces a small object whole. */
  put(key: string, body: Uint8Array): Promise<void>;
  /**
   * Stores a stream as one object, all of it or nothing: a stream that
   * fails leaves no object, no partial object, and an object already at
   * `key` unchanged. Memory stays flat in the stream's size where the store
   * allows it (a directory, R2, a store with a `write` of its own); a store
   * with only `get` and `put` gets the whole body in one `put`. Resolves to
   * the bytes stored.
   */
  write(key: string, body: ReadableStream<Uint8Array>): Promise<number>;
  /**
   * Every key that starts with `prefix`, sorted, without locks (keys ending
   * in `.lock`); `undefined` when the store cannot list.
   */
  list: ((prefix: string) => AsyncIterable<string>) | undefined;
  /**
   * Takes the exclusive lock `key` (which must end in `.lock`) for `holder`,
   * a description such as the organization and the run. Resolves to the
   * lock, or rejects with a {@link LockHeldError} when another live holder
   * has it.
   */
  lock(key: string, holder: string): Promise<StoreLock>;
}

/**
 * A lock taken on an archive store: refresh it while the work goes on, and
 * release it at the end. A lock that is not refreshed within its lease
 * (one hour by default) is stale, and the next run takes it over.
 *
 * @example
 * ```ts
 * import type { StoreLock } from "@audit-log/export/fs";
 * import { directoryStore } from "@audit-log/export/fs";
 * const lock: StoreLock = await directoryStore("./archive").lock("org_1/archive.lock", "org_1, nightly run");
 * try {
 *   // … work, calling `await lock.refresh()` now and then …
 * } finally {
 *   await lock.release();
 * }
 * ```
 */
export interface StoreLock {
  /**
   * Renews the lease. Rejects when the lock is no longer ours (released, or
   * taken over after it went stale): whatever it protects must stop.
   */
  refresh(): Promise<void>;
  /** Releases it, only if it is still ours; does nothing otherwise. */
  release(): Promise<void>;
}

/**
 * Options of {@link accessStore}.
 *
 * @internal
 */
export interface AccessOptions {
  /**
   * The clock of leases, in epoch ms. Default `Date.now`. Not the archive's
   * `now`, which may stand still (a Cron Trigger's scheduled time).
   */
  now?: () => number;
  /** How long a lock of R2 or of a plain store stays held without a refresh, in ms. Default {@link DEFAULT_LEASE_MS}. */
  lease?: number;
}

/**
 * How long a lock stays held without a refresh: one hour. The archive
 * refreshes after each window, and a single window (export, wait,
 * download) takes minutes; an hour leaves a wide margin yet lets a daily
 * run take over what a crashed run left.
 *
 * @internal
 */
export const DEFAULT_LEASE_MS = 3_600_000;

/**
 * Another holder has the lock. Its message names the lock, the holder and
 * since when, and says when the lock goes away by itself.
 *
 * Not an `AuditLogError`: the directory store throws it too, and the
 * `./fs` entry must not bundle its own copy of the error classes.
 * {@link accessStore} hands the archive this module's class whatever
 * bundle the store's error came from.
 *
 * @internal
 */
export class LockHeldError extends Error {
  /** Always `"LockHeldError"`, minified or not. */
  override readonly name: string = "LockHeldError";
  /** The lock: a file path, or a key in a bucket. */
  readonly lock: string;
  /** The holder, as it described itself, or `undefined` when the lock could not be read. */
  readonly holder: string | undefined;

  constructor(init: {
    message: string;
    lock: string;
    holder: string | undefined;
    cause?: unknown;
  }) {
    super(init.message, "cause" in init ? { cause: init.cause } : undefined);
    this.lock = init.lock;
    this.holder = init.holder;
  }
}

/**
 * The contents of a lock object, as JSON: who holds it (`holder`, `id`
 * unique to one taking), where it runs (`pid` and `host`, the first 8 hex
 * digits of the SHA-256 of its host name, only for a directory), since when
 * (`since`) and when it was last renewed (`renewedAt`), both ISO-8601.
 * `releasedAt` marks a lock released where it cannot be deleted.
 *
 * @internal
 */
export interface LockRecord {
  holder: string;
  id: string;
  pid?: number;
  host?: string | null;
  since: string;
  renewedAt: string;
  releasedAt?: string;
}

/** A store's possible capabilities beyond `get` and `put`. */
type StoreWithExtras = ArchiveStore & {
  read?(key: string): Promise<ReadableStream<Uint8Array> | null | undefined>;
  write?(key: string, body: ReadableStream<Uint8Array>): Promise<unknown>;
  keys?(prefix: string): AsyncIterable<string>;
  lock?(key: string, holder: string): Promise<StoreLock>;
};

/** The parts of an R2 bucket binding used here. */
interface R2BucketLike {
  get(key: string): Promise<R2ObjectBodyLike | null>;
  put(
    key: string,
    body: Uint8Array | string,
    options?: { onlyIf?: { etagMatches?: string; etagDoesNotMatch?: string } },
  ): Promise<{ etag: string } | null>;
  delete(key: string): Promise<unknown>;
  list(options: { prefix?: string; cursor?: string }): Promise<{
    objects: { key: string }[];
    truncated: boolean;
    cursor?: string;
  }>;
  createMultipartUpload(key: string): Promise<R2UploadLike>;
}

interface R2ObjectBodyLike {
  etag: string;
  uploaded: Date;
  body: ReadableStream<Uint8Array>;
  text(): Promise<string>;
}

interface R2UploadedPart {
  partNumber: number;
  etag: string;
}

interface R2UploadLike {
  uploadPart(partNumber: number, body: Uint8Array): Promise<R2UploadedPart>;
  complete(parts: R2UploadedPart[]): Promise<unknown>;
  abort(): Promise<void>;
}

/**
 * The size of every part of an R2 multipart upload but the last. R2 wants
 * them all equal and at least 5 MiB; 8 MiB keeps a window in a handful of
 * parts while one part in memory (two while one uploads) stays small next
 * to a worker's 128 MB.
 *
 * @internal
 */
export const R2_PART_SIZE = 8 * 1024 * 1024;

/** Why `key` is not a store key, or `undefined` when it is one. */
function keyProblem(key: unknown): string | undefined {
  if (typeof key !== "string") return "a key must be a string";
  if (key === "") return "a key must not be empty";
  if (key.includes("\\") || key.includes("\0")) {
    return "a key must not hold a backslash or NUL";
  }
  const segments = key.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    return "a key is /-separated names, none empty, . or ..";
  }
  if (key.endsWith(".part")) {
    return "a key must not end in .part (the names of temporary files)";
  }
  return undefined;
}

/**
 * Rejects a key that is not relative paths of plain names: no empty name,
 * `.`, `..`, backslash or NUL, so a key never climbs out of a directory
 * store's root and an archive copies between a directory and a bucket as
 * it is. A key must not end in `.part` either: such names are the
 * temporary files of a directory store.
 *
 * @internal
 */
export function checkKey(key: unknown): asserts key is string {
  const problem = keyProblem(key);
  if (problem) {
    throw new TypeError(`Not a store key: ${JSON.stringify(key)}: ${problem}`);
  }
}

/**
 * Whether `key` names a lock. Locks end in `.lock`, so that a listing can
 * leave them out whatever the store.
 *
 * @internal
 */
export function isLockKey(key: string): boolean {
  return /(?:^|\/)[^/]+\.lock$/.test(key);
}

/**
 * Rejects a key that may not be written as an object: a lock's, which only
 * `lock` writes.
 *
 * @internal
 */
export function checkObjectKey(key: unknown): asserts key is string {
  checkKey(key);
  if (isLockKey(key)) {
    throw new TypeError(
      `Not an object key: ${
        JSON.stringify(key)
      } ends in .lock, which names a lock`,
    );
  }
}

/**
 * Rejects a lock key that does not end in `.lock`, or a holder that is not a string.
 *
 * @internal
 */
export function checkLockKey(
  key: unknown,
  holder: unknown,
): asserts key is string {
  checkKey(key);
  if (!isLockKey(key)) {
    throw new TypeError(
      `Not a lock key: ${JSON.stringify(key)}: a lock's key ends in .lock`,
    );
  }
  if (typeof holder !== "string" || holder.trim() === "") {
    throw new TypeError("A lock's holder must be a non-empty string");
  }
}

/**
 * Rejects a prefix that could not start a key: `""` (everything), or the
 * start of a key, ending with `/` or in the middle of a name.
 *
 * @internal
 */
export function checkPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== "string") {
    throw new TypeError("A key prefix must be a string");
  }
  if (prefix === "") return;
  const segments = prefix.split("/");
  const last = segments.pop()!;
  if (
    prefix.includes("\\") || prefix.includes("\0") || last === ".." ||
    segments.some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new TypeError(`Not a key prefix: ${JSON.stringify(prefix)}`);
  }
}

/** Rejects a body that is not bytes. */
function checkBody(body: unknown): asserts body is Uint8Array {
  if (!(body instanceof Uint8Array)) {
    throw new TypeError("A store object's body must be a Uint8Array");
  }
}

/**
 * The `lease` option: a whole, positive number of ms.
 *
 * @internal
 */
export function checkLease(lease: unknown, what = "lease"): number {
  if (lease === undefined) return DEFAULT_LEASE_MS;
  if (typeof lease !== "number" || !Number.isSafeInteger(lease) || lease <= 0) {
    throw new TypeError(`${what} must be a whole, positive number of ms`);
  }
  return lease;
}

/**
 * The `now` option: a clock function.
 *
 * @internal
 */
export function checkClock(now: unknown, what = "now"): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== "function") {
    throw new TypeError(`${what} must be a function returning epoch ms`);
  }
  return now as () => number;
}

/** The hex digits of `n` random bytes: a lock's id. */
function randomHex(n: number): string {
  return Array.from(randomBytes(n), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * A new lock record for `holder`, taken at `at` (epoch ms).
 *
 * @internal
 */
export function newLockRecord(
  holder: string,
  at: number,
  where: { pid?: number; host?: string | null } = {},
): LockRecord {
  const time = new Date(at).toISOString();
  return {
    holder,
    id: randomHex(8),
    ...where,
    since: time,
    renewedAt: time,
  };
}

/**
 * The lock record in `text`, or `undefined` when it is not one.
 *
 * @internal
 */
export function parseLockRecord(text: string): LockRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (
    typeof r.holder !== "string" || typeof r.id !== "string" ||
    typeof r.since !== "string" || typeof r.renewedAt !== "string" ||
    !Number.isFinite(Date.parse(r.renewedAt))
  ) {
    return undefined;
  }
  return r as unknown as LockRecord;
}

/**
 * The JSON of a lock record, as stored.
 *
 * @internal
 */
export function lockBytes(record: LockRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record) + "\n");
}

/** A duration for people: "1 hour", "90 seconds". */
function durationText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1_000, "second"],
  ];
  for (const [size, name] of units) {
    if (ms % size === 0) {
      const n = ms / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${ms} ms`;
}

/**
 * The error for a lock held by `record` (or by a holder whose record cannot
 * be read), at `where`. `process` says where its process runs, for locks
 * that know it, and whether its end frees the lock at once.
 *
 * @internal
 */
export function lockHeld(
  where: string,
  record: LockRecord | undefined,
  lease: number,
  process?: string,
): LockHeldError {
  const who = record
    ? [
      record.holder,
      ...(process ? [process] : []),
      `since ${record.since}`,
      `last renewed ${record.renewedAt}`,
    ].join(", ")
    : "a holder whose lock cannot be read";
  const frees = process
    ? `${
      durationText(lease)
    } after its last renewal, or at once when its process has ended on this host`
    : `${durationText(lease)} after its last renewal`;
  return new LockHeldError({
    message:
      `another archive run holds ${where} (${who}); it is removed automatically once stale (${frees}). Try again when it ends.`,
    lock: where,
    holder: record?.holder,
  });
}

/**
 * The error of a refresh whose lock is no longer ours.
 *
 * @internal
 */
export function lockLost(
  where: string,
  record: LockRecord | undefined,
): Error {
  const why = record === undefined
    ? "it is gone (released, or removed)"
    : record.releasedAt !== undefined
    ? "it was released"
    : `it is now held by ${record.holder}, since ${record.since}, having gone stale before it was renewed`;
  return new Error(`the lock ${where} is no longer ours: ${why}`);
}

/** Whether `record`, last renewed at its `renewedAt`, has outlived `lease` at `now`. */
function expired(record: LockRecord, now: number, lease: number): boolean {
  return now - Date.parse(record.renewedAt) > lease;
}

/**
 * Reads a whole stream into one array: for stores that can only `put`.
 * Rejects a chunk that is not bytes.
 */
async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      checkChunk(value);
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
  return concat(chunks, size);
}

/**
 * Refuses a chunk that is not bytes: what a store writes must be the bytes
 * given, never a text or an object turned into some. Every store's `write`
 * checks each chunk with it.
 *
 * @internal
 */
export function checkChunk(chunk: unknown): asserts chunk is Uint8Array {
  if (!(chunk instanceof Uint8Array)) {
    throw new TypeError("A stream written to a store must yield Uint8Arrays");
  }
}

/**
 * The chunks as one array that is all of its buffer: a store may send or
 * keep `body.buffer`, which for a view would hold more than the object.
 */
function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const [only] = chunks;
  if (
    chunks.length === 1 && only.byteOffset === 0 &&
    only.byteLength === only.buffer.byteLength
  ) {
    return only;
  }
  return concatBytes(chunks, size);
}

/**
 * Whether `value` is a readable stream: by its `getReader`, so that a
 * stream of another realm or a polyfill counts too.
 *
 * @internal
 */
export function isStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as { getReader?: unknown } | null)?.getReader ===
    "function";
}

/** A stream of `bytes` in one chunk. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** What `get` resolved to, as text: a string, or anything with `text()`. */
async function textOf(
  found: unknown,
  key: string,
): Promise<string | undefined> {
  if (found === null || found === undefined) return undefined;
  if (typeof found === "string") return found;
  if (typeof (found as { text?: unknown }).text === "function") {
    const text = await (found as { text(): Promise<unknown> }).text();
    if (typeof text === "string") return text;
  }
  throw new TypeError(
    `store.get(${
      JSON.stringify(key)
    }) must resolve to a string, an object with text(), null or undefined`,
  );
}

/**
 * A held lock reported by a store's own `lock` as this module's
 * {@link LockHeldError}: in the npm build the directory store's entry
 * carries its own copy of the class, which `instanceof` would not know.
 */
function ownLockHeld(error: unknown): unknown {
  if (
    error instanceof LockHeldError ||
    (error as { name?: unknown } | null)?.name !== "LockHeldError"
  ) {
    return error;
  }
  const e = error as Partial<LockHeldError> & { message: string };
  return new LockHeldError({
    message: e.message,
    lock: String(e.lock),
    holder: e.holder,
    cause: error,
  });
}

/** Whether `store` is an R2 bucket binding (or has its shape). */
function isR2Bucket(store: object): store is R2BucketLike {
  const s = store as Record<string, unknown>;
  return typeof s.createMultipartUpload === "function" &&
    typeof s.list === "function";
}

/** Counts the bytes that pass, for stores whose `write` reports nothing. */
function counted(
  body: ReadableStream<Uint8Array>,
): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  let bytes = 0;
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        checkChunk(chunk);
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }),
  );
  return { stream, bytes: () => bytes };
}

/** The store's own capabilities, or what the access layer puts in their place. */
interface Ops {
  readText(key: string): Promise<string | undefined>;
  read(key: string): Promise<ReadableStream<Uint8Array> | undefined>;
  write(key: string, body: ReadableStream<Uint8Array>): Promise<number>;
  list: ((prefix: string) => AsyncIterable<string>) | undefined;
  lock(key: string, holder: string): Promise<StoreLock>;
}

/**
 * A store as the archive uses it. A store's own `read`, `write`, `keys`
 * and `lock` are used when it has them (as `directoryStore`'s do); an R2
 * binding gets streaming reads, multipart writes, listing and a lock by
 * conditional puts; any other store gets reads through `get`, writes
 * buffered into one `put`, no listing, and a best-effort lease lock.
 *
 * @internal
 */
export function accessStore(
  store: ArchiveStore,
  options: AccessOptions = {},
): StoreAccess {
  if (typeof store !== "object" || store === null) {
    throw new TypeError(
      "An archive store must be an object with get(key) and put(key, body)",
    );
  }
  const s = store as StoreWithExtras;
  for (const name of ["get", "put"] as const) {
    if (typeof s[name] !== "function") {
      throw new TypeError(`An archive store must have a ${name} method`);
    }
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError("accessStore's options must be an object");
  }
  const clock = {
    now: checkClock(options.now),
    lease: checkLease(options.lease),
  };
  const base = isR2Bucket(s) ? r2Ops(s, clock) : plainOps(s, clock);
  const ops: Ops = {
    readText: base.readText,
    read: typeof s.read === "function"
      ? async (key) => (await s.read!(key)) ?? undefined
      : base.read,
    write: typeof s.write === "function"
      ? async (key, body) => {
        const { stream, bytes } = counted(body);
        await s.write!(key, stream);
        return bytes();
      }
      : base.write,
    list: typeof s.keys === "function"
      ? (prefix) => s.keys!(prefix)
      : base.list,
    lock: typeof s.lock === "function"
      ? async (key, holder) => {
        try {
          return await s.lock!(key, holder);
        } catch (error) {
          throw ownLockHeld(error);
        }
      }
      : base.lock,
  };
  const list = ops.list;
  return {
    async readText(key) {
      checkKey(key);
      return await ops.readText(key);
    },
    async read(key) {
      checkKey(key);
      return await ops.read(key);
    },
    async put(key, body) {
      checkObjectKey(key);
      checkBody(body);
      await s.put(key, body);
    },
    async write(key, body) {
      checkObjectKey(key);
      if (!isStream(body)) {
        throw new TypeError("write needs a ReadableStream of bytes");
      }
      return await ops.write(key, body);
    },
    list: list && async function* (prefix) {
      checkPrefix(prefix);
      for await (const key of list(prefix)) {
        if (!isLockKey(key)) yield key;
      }
    },
    async lock(key, holder) {
      checkLockKey(key, holder);
      return await ops.lock(key, holder);
    },
  };
}

interface Clock {
  now: () => number;
  lease: number;
}

/** A store with only `get` and `put`. */
function plainOps(store: ArchiveStore, clock: Clock): Ops {
  const readText = async (key: string) => textOf(await store.get(key), key);
  return {
    readText,
    async read(key) {
      const found: unknown = await store.get(key);
      const body = (found as { body?: unknown } | null | undefined)?.body;
      // An object with a body (an R2 object, a Response) streams it.
      if (isStream(body)) return body;
      const text = await textOf(found, key);
      return text === undefined
        ? undefined
        : streamOf(new TextEncoder().encode(text));
    },
    async write(key, body) {
      // All of it in memory: `put` takes a whole body. A store that has
      // its own `write` is spared this.
      const bytes = await readAll(body);
      await store.put(key, bytes);
      return bytes.byteLength;
    },
    list: undefined,
    lock: (key, holder) => leaseLock(store, key, holder, clock, readText),
  };
}

/**
 * A lock kept as a lease object with only `get` and `put`: read it, write
 * ours when there is none (or it is stale), read it back. Two runs that
 * interleave exactly can both see their own; a store that can do better
 * brings its own `lock`.
 */
async function leaseLock(
  store: ArchiveStore,
  key: string,
  holder: string,
  clock: Clock,
  readText: (key: string) => Promise<string | undefined>,
): Promise<StoreLock> {
  const where = `the store's ${key}`;
  const current = async () => {
    const text = await readText(key);
    return text === undefined ? undefined : parseLockRecord(text);
  };
  const found = await current();
  if (
    found && found.releasedAt === undefined &&
    !expired(found, clock.now(), clock.lease)
  ) {
    throw lockHeld(where, found, clock.lease);
  }
  let mine = newLockRecord(holder, clock.now());
  await store.put(key, lockBytes(mine));
  const check = await current();
  if (check?.id !== mine.id) throw lockHeld(where, check, clock.lease);
  return {
    async refresh() {
      const now = await current();
      if (now?.id !== mine.id || now.releasedAt !== undefined) {
        throw lockLost(where, now);
      }
      mine = { ...mine, renewedAt: new Date(clock.now()).toISOString() };
      await store.put(key, lockBytes(mine));
    },
    async release() {
      const now = await current();
      if (now?.id !== mine.id || now.releasedAt !== undefined) return;
      // No delete in the contract: a released record frees the lock.
      await store.put(
        key,
        lockBytes({ ...mine, releasedAt: new Date(clock.now()).toISOString() }),
      );
    },
  };
}

/** An R2 bucket binding. */
function r2Ops(bucket: R2BucketLike, clock: Clock): Ops {
  return {
    async readText(key) {
      const found = await bucket.get(key);
      return found ? await found.text() : undefined;
    },
    async read(key) {
      return (await bucket.get(key))?.body ?? undefined;
    },
    write: (key, body) => r2Write(bucket, key, body),
    async *list(prefix) {
      let cursor: string | undefined;
      do {
        const page = await bucket.list(
          prefix === "" ? { cursor } : { prefix, cursor },
        );
        for (const object of page.objects) yield object.key;
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor !== undefined);
    },
    lock: (key, holder) => r2Lock(bucket, key, holder, clock),
  };
}

/**
 * Writes `body` to R2 in parts of {@link R2_PART_SIZE}, so memory holds at
 * most two parts (one uploading while the next fills) whatever the size. A
 * body smaller than a part is one plain `put`. Until `complete` nothing is
 * visible at `key`; on failure the upload is aborted, and the old object,
 * if any, stays.
 */
async function r2Write(
  bucket: R2BucketLike,
  key: string,
  body: ReadableStream<Uint8Array>,
): Promise<number> {
  const reader = body.getReader();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let total = 0;
  let upload: R2UploadLike | undefined;
  const parts: R2UploadedPart[] = [];
  let inflight: Promise<R2UploadedPart> | undefined;
  const send = async (part: Uint8Array) => {
    upload ??= await bucket.createMultipartUpload(key);
    if (inflight) parts.push(await inflight);
    inflight = upload.uploadPart(parts.length + 1, part);
    // Awaited before the next part or the end; until then a failure must
    // not count as unhandled.
    inflight.catch(() => {});
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      checkChunk(value);
      total += value.byteLength;
      let chunk = value;
      while (chunk.byteLength > 0) {
        const take = Math.min(R2_PART_SIZE - pendingBytes, chunk.byteLength);
        pending.push(chunk.subarray(0, take));
        pendingBytes += take;
        chunk = chunk.subarray(take);
        if (pendingBytes === R2_PART_SIZE) {
          const part = concat(pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
          await send(part);
        }
      }
    }
    if (upload === undefined) {
      await bucket.put(key, concat(pending, pendingBytes));
      return total;
    }
    if (pendingBytes > 0) await send(concat(pending, pendingBytes));
    parts.push(await inflight!);
    inflight = undefined;
    await upload.complete(parts);
    return total;
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    await inflight?.catch(() => {});
    await upload?.abort().catch(() => {});
    throw error;
  }
}

/**
 * A lock kept as an R2 object, taken with a conditional put: created only
 * when absent (`etagDoesNotMatch: "*"`), taken over only while it is still
 * the stale object that was read (`etagMatches`), refreshed only while it
 * is still ours. Two takers of a stale lock cannot both win.
 */
async function r2Lock(
  bucket: R2BucketLike,
  key: string,
  holder: string,
  clock: Clock,
): Promise<StoreLock> {
  const where = `the bucket's ${key}`;
  const read = async () => {
    const found = await bucket.get(key);
    if (!found) return undefined;
    const record = parseLockRecord(await found.text());
    return { etag: found.etag, uploaded: found.uploaded.getTime(), record };
  };
  let mine: LockRecord;
  let etag: string;
  for (let attempt = 0;; attempt++) {
    mine = newLockRecord(holder, clock.now());
    const created = await bucket.put(key, lockBytes(mine), {
      onlyIf: { etagDoesNotMatch: "*" },
    });
    if (created) {
      etag = created.etag;
      break;
    }
    const found = await read();
    if (!found) {
      // Released in between: the next round creates it, unless others
      // keep taking and releasing it.
      if (attempt >= 5) throw lockHeld(where, undefined, clock.lease);
      continue;
    }
    const { record } = found;
    // A lock that cannot be read is judged by when it was written.
    const renewed = record ? Date.parse(record.renewedAt) : found.uploaded;
    const free = record?.releasedAt !== undefined ||
      clock.now() - renewed > clock.lease;
    // A few rounds that each find the lock changed mean others are taking
    // it at the same time: leave it to them.
    if (!free || attempt >= 5) throw lockHeld(where, record, clock.lease);
    const taken = await bucket.put(key, lockBytes(mine), {
      onlyIf: { etagMatches: found.etag },
    });
    if (taken) {
      etag = taken.etag;
      break;
    }
  }
  let held = true;
  return {
    async refresh() {
      const renewed = {
        ...mine,
        renewedAt: new Date(clock.now()).toISOString(),
      };
      const stored = held
        ? await bucket.put(key, lockBytes(renewed), {
          onlyIf: { etagMatches: etag },
        })
        : null;
      if (!stored) {
        held = false;
        throw lockLost(where, (await read())?.record);
      }
      mine = renewed;
      etag = stored.etag;
    },
    async release() {
      if (!held) return;
      held = false;
      // R2 deletes unconditionally: check first. Only a lock that went
      // stale can change hands in between.
      const found = await read();
      if (found?.etag === etag) await bucket.delete(key);
    },
  };
}
