/**
 * Digests: for every stored window file and late-event addendum, a record
 * of what was stored, kept beside it, chaining each organization's files
 * in the order they were archived.
 *
 * Key layout, beside the data (the data key plus `.digest.json`):
 *
 * ```
 * <org>/<YYYY>/<MM>/<DD>/<start>_<end>.csv[.gz].digest.json
 * <org>/<YYYY>/<MM>/<DD>/<start>_<end>.late-<run time>.csv[.gz].digest.json
 * <org>/checkpoint.json   "head": {"key", "sha256"} of the latest digest
 * ```
 *
 * A record is one line of canonical JSON (keys sorted, no spaces), then a
 * line feed:
 *
 * ```json
 * {"archivedAt":"…","bytes":1234,"end":"…","exportId":"audit_log_export_…",
 *  "key":"org/2026/11/01/…csv","kind":"window","organizationId":"org",
 *  "previous":"<sha-256 hex of the previous record's bytes>"|null,
 *  "previousKey":"<its key>"|null,"rows":5,"sha256":"<hex of the stored
 *  bytes>","signature":{"alg":"Ed25519","value":"<base64url>"},
 *  "start":"…","version":1}
 * ```
 *
 * `previous` is the SHA-256 of the previous record's stored bytes (the
 * whole line, signature included), `null` for the first: the records form
 * one chain per organization, from its first digested file on, in the order
 * they were written. The checkpoint names the head, so the next record
 * knows its predecessor without a listing. `signature`, present when the
 * archive is signed, is over the record's canonical JSON without it.
 * `exportId` is `null` for an empty window (the API refuses to export one).
 *
 * @module
 */

import { AuditLogError } from "./errors.ts";
import type { StoreAccess } from "./archive_store.ts";
import { sha256Hex } from "./archive_sha256.ts";
import type { Signature, Signer } from "./archive_sign.ts";

/** The suffix of a digest's key after its data file's key. */
export const DIGEST_SUFFIX = ".digest.json";

/** The key of the digest of the data file `key`. */
export const digestKey = (key: string): string => `${key}${DIGEST_SUFFIX}`;

/** The latest digest of an organization: where it is and the SHA-256 of its bytes. */
export interface ChainHead {
  /** The digest's key. */
  key: string;
  /** SHA-256 of its stored bytes, hex. */
  sha256: string;
}

/** A digest record, as stored. */
export interface DigestRecord {
  /** The record's layout: 1. */
  version: 1;
  /** The organization. */
  organizationId: string;
  /** The data file. */
  key: string;
  /** A window's file, or an addendum of late events. */
  kind: "window" | "addendum";
  /** Bytes stored (compressed, when the archive is). */
  bytes: number;
  /** SHA-256 of the stored bytes, hex. */
  sha256: string;
  /** Records (events) in the file. */
  rows: number;
  /** The window's first instant, ISO-8601 (inclusive). */
  start: string;
  /** The window's end, ISO-8601 (exclusive). */
  end: string;
  /** The export the file was read from; `null` for a window with no event. */
  exportId: string | null;
  /** When it was archived, ISO-8601. */
  archivedAt: string;
  /** SHA-256 of the previous record's bytes; `null` for the first. */
  previous: string | null;
  /** The previous record's key; `null` for the first. */
  previousKey: string | null;
  /** Present when the archive is signed. */
  signature?: Signature;
}

const encoder = /* @__PURE__ */ new TextEncoder();

/** JSON with the keys of every object sorted: one spelling per record. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const o = value as Record<string, unknown>;
    return `{${
      Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) =>
        `${JSON.stringify(k)}:${canonicalJson(o[k])}`
      ).join(",")
    }}`;
  }
  return JSON.stringify(value);
}

/** The bytes a signature covers: the record's canonical JSON without it. */
export function signedBytes(record: DigestRecord): Uint8Array {
  const { signature: _, ...rest } = record;
  return encoder.encode(canonicalJson(rest));
}

/** A record's bytes as stored. */
export const recordBytes = (record: DigestRecord): Uint8Array =>
  encoder.encode(canonicalJson(record) + "\n");

/** What a new record says of its file. */
export interface DigestFacts {
  organizationId: string;
  key: string;
  kind: "window" | "addendum";
  bytes: number;
  sha256: string;
  rows: number;
  start: number;
  end: number;
  exportId: string | undefined;
  archivedAt: number;
}

/**
 * Writes the digest of a stored file after `head`, signed when `signer`
 * is given, and resolves to the new head.
 */
export async function writeDigest(
  store: StoreAccess,
  facts: DigestFacts,
  head: ChainHead | undefined,
  signer: Signer | undefined,
): Promise<ChainHead> {
  const record: DigestRecord = {
    version: 1,
    organizationId: facts.organizationId,
    key: facts.key,
    kind: facts.kind,
    bytes: facts.bytes,
    sha256: facts.sha256,
    rows: facts.rows,
    start: new Date(facts.start).toISOString(),
    end: new Date(facts.end).toISOString(),
    exportId: facts.exportId ?? null,
    archivedAt: new Date(facts.archivedAt).toISOString(),
    previous: head?.sha256 ?? null,
    previousKey: head?.key ?? null,
  };
  if (signer) record.signature = await signer.sign(signedBytes(record));
  const bytes = recordBytes(record);
  const key = digestKey(facts.key);
  await store.put(key, bytes);
  return { key, sha256: sha256Hex(bytes) };
}

/** A digest as read: its record, the SHA-256 of its bytes, and those bytes' text. */
export interface StoredDigest {
  key: string;
  record: DigestRecord;
  sha256: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const isIso = (x: unknown) =>
  typeof x === "string" && !Number.isNaN(Date.parse(x));

/** Why `o` is not a digest record, or `undefined` when it is one. */
function recordProblem(o: Record<string, unknown>): string | undefined {
  if (o.version !== 1) return 'has no "version": 1';
  for (const name of ["organizationId", "key"]) {
    if (typeof o[name] !== "string") return `has no "${name}"`;
  }
  if (o.kind !== "window" && o.kind !== "addendum") return 'has no "kind"';
  for (const name of ["bytes", "rows"]) {
    const n = o[name];
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      return `has no whole "${name}"`;
    }
  }
  if (typeof o.sha256 !== "string" || !HEX64.test(o.sha256)) {
    return 'has no "sha256"';
  }
  for (const name of ["start", "end", "archivedAt"]) {
    if (!isIso(o[name])) return `has no "${name}" date-time`;
  }
  if (o.exportId !== null && typeof o.exportId !== "string") {
    return 'has no "exportId"';
  }
  const chained = o.previous === null && o.previousKey === null ||
    typeof o.previous === "string" && HEX64.test(o.previous) &&
      typeof o.previousKey === "string";
  return chained ? undefined : 'has no "previous" and "previousKey"';
}

/**
 * The digest at `key`, or `undefined` when there is none. A digest that is
 * not a record is an error naming it: it is evidence, never overwritten.
 */
export async function readDigest(
  store: StoreAccess,
  key: string,
): Promise<StoredDigest | undefined> {
  const text = await store.readText(key);
  if (text === undefined) return undefined;
  const parsed = parseDigest(key, text);
  if (typeof parsed === "string") {
    throw new AuditLogError({
      message:
        `The digest ${key} ${parsed}; it is kept as it is. Restore it from a backup, or compare the archive with verifyArchive`,
    });
  }
  return parsed;
}

/** The digest in `text`, or why it is not one. */
export function parseDigest(key: string, text: string): StoredDigest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "is not JSON";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "is not a JSON object";
  }
  const problem = recordProblem(value as Record<string, unknown>);
  if (problem) return `is not a digest record: it ${problem}`;
  return {
    key,
    record: value as DigestRecord,
    sha256: sha256Hex(encoder.encode(text)),
  };
}
