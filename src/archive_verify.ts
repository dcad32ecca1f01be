/**
 * `verifyArchive`: reads an archive back and reports, per organization,
 * everything that is not as the archive wrote it: windows missing from its
 * span, files whose bytes do not match their digest, files without a
 * digest, digests without a file, breaks in the digest chain, bad
 * signatures, and the gaps on its ledger. Each file is hashed as a stream,
 * so memory stays flat whatever its size; what is held per organization is
 * one small entry per digest.
 *
 * @module
 */

import type { ArchiveGap, ArchiveStore } from "./archive.ts";
import { drain, hashed } from "./archive_codec.ts";
import {
  DIGEST_SUFFIX,
  parseDigest,
  signedBytes,
  type StoredDigest,
} from "./archive_digest.ts";
import { inventory } from "./archive_inventory.ts";
import {
  checkpointKey,
  gapsKey,
  readGaps,
  windowKey,
} from "./archive_ledger.ts";
import {
  archiveTarget,
  type EveryOptionAllowed,
  type ReadSpanOptions,
} from "./archive_options.ts";
import {
  type Verifier,
  verifierOf,
  type VerifyingKey,
} from "./archive_sign.ts";
import type { StoreAccess } from "./archive_store.ts";
import { ValidationError } from "./errors.ts";
import type { Issue } from "./rules.ts";

/**
 * Options of {@link verifyArchive}.
 *
 * @example
 * ```ts
 * import type { VerifyArchiveOptions } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * const options: VerifyArchiveOptions = {
 *   store: directoryStore("./audit-archive"),
 *   organizationIds: ["org_01EHZNVPK3SFK441A1RGBFSHRT"],
 *   from: "2026-01-01T00:00:00Z",
 * };
 * ```
 */
export interface VerifyArchiveOptions extends ReadSpanOptions {
  /** The archive's store, as given to `archiveExports`. */
  store: ArchiveStore;
  /** The organization to verify. Give this or `organizationIds`. */
  organizationId?: string;
  /** Several organizations. */
  organizationIds?: readonly string[];
  /**
   * Checks every digest's signature with this key: the Ed25519 public key
   * (a `CryptoKey` or a JWK), or the HMAC secret. Default: signatures are
   * not checked (and `signaturesChecked` is `false`).
   */
  publicKey?: VerifyingKey;
  /**
   * Called after each file is hashed, for a progress bar: the organization,
   * the files hashed of those to hash, and the file's key.
   */
  onFile?: (progress: VerifyProgress) => void;
}

/**
 * How far `verifyArchive` has got with one organization, as `onFile` is told.
 *
 * @example
 * ```ts
 * import type { VerifyProgress } from "@audit-log/export";
 * const line = (p: VerifyProgress) => `${p.organizationId} ${p.done}/${p.total} files`;
 * ```
 */
export interface VerifyProgress {
  /** The organization. */
  organizationId: string;
  /** Files hashed so far. */
  done: number;
  /** Files with a digest in the span, to hash in all. */
  total: number;
  /** The file just hashed. */
  key: string;
}

/** A window of the archive's span that has no file. */
export interface MissingWindow {
  /** First instant of the window (inclusive). */
  start: Date;
  /** End of the window (exclusive). */
  end: Date;
  /** The key its file would have. */
  key: string;
}

/** One thing wrong with a stored object. */
export interface VerifyProblem {
  /** The object. */
  key: string;
  /** What is wrong with it. */
  reason: string;
}

/**
 * What {@link verifyArchive} found of one organization.
 *
 * @example
 * ```ts
 * import type { OrganizationVerification } from "@audit-log/export";
 * const summary = (v: OrganizationVerification) =>
 *   `${v.organizationId}: ${v.ok ? "ok" : "NOT ok"}, ${v.filesChecked} files, ${v.missingWindows.length} missing`;
 * ```
 */
export interface OrganizationVerification {
  /** The organization. */
  organizationId: string;
  /** Nothing below is wrong, and no gap is open. */
  ok: boolean;
  /** Windows of the span checked for a file. */
  windowsChecked: number;
  /** Data files (windows and addenda) hashed. */
  filesChecked: number;
  /** Holes in the span from the first window to the checkpoint's end that the gaps ledger does not explain. */
  missingWindows: MissingWindow[];
  /** Files whose bytes do not match their digest (or digests that name another file). */
  modified: VerifyProblem[];
  /** Data files with no digest beside them, before the checkpoint's end. */
  withoutDigest: string[];
  /** Digests whose file is gone. */
  digestsWithoutFile: string[];
  /** Breaks of the digest chain, and a checkpoint that does not fit it. */
  chainBreaks: VerifyProblem[];
  /** Digests whose signature is missing or wrong (only with `publicKey`). */
  badSignatures: VerifyProblem[];
  /** Whether signatures were checked. */
  signaturesChecked: boolean;
  /**
   * Files past the checkpoint, from a run that stopped before its
   * checkpoint moved: not wrong, and the next run takes them up.
   */
  pending: string[];
  /** Every gap of the gaps ledger, acknowledged or not. */
  gaps: ArchiveGap[];
  /** Addenda of late events found. */
  addenda: string[];
}

/**
 * What {@link verifyArchive} found.
 *
 * @example
 * ```ts
 * import type { ArchiveVerification } from "@audit-log/export";
 * const failed = (v: ArchiveVerification) => v.organizations.filter((o) => !o.ok).map((o) => o.organizationId);
 * ```
 */
export interface ArchiveVerification {
  /** Every organization verified clean. */
  ok: boolean;
  /** Per organization, in the order given. */
  organizations: OrganizationVerification[];
}

/** Every option of {@link verifyArchive}. */
const VERIFY_OPTIONS = [
  "store",
  "organizationId",
  "organizationIds",
  "from",
  "to",
  "publicKey",
  "onFile",
] as const;
const everyVerifyOptionAllowed: EveryOptionAllowed<
  VerifyArchiveOptions,
  typeof VERIFY_OPTIONS[number]
> = true;
void everyVerifyOptionAllowed;

/**
 * Verifies an archive made by `archiveExports`: hashes every window file
 * and addendum of the span as a stream and compares it with its digest,
 * follows the digest chain from the first digest to the checkpoint's head,
 * checks signatures when `publicKey` is given, and looks for windows
 * missing from the span that the gaps ledger does not explain. It changes
 * nothing in the store. Problems are reported, not thrown; options that
 * cannot be right throw a `ValidationError`.
 *
 * An archive made before digests existed has its older files reported in
 * `withoutDigest` (so `ok` is `false`) until each run's re-check digests
 * the ones it can verify against a new export.
 *
 * @example
 * ```ts
 * import { verifyArchive } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * const report = await verifyArchive({
 *   store: directoryStore("./audit-archive"),
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 * });
 * if (!report.ok) console.error(JSON.stringify(report.organizations, null, 2));
 * ```
 */
export async function verifyArchive(
  options: VerifyArchiveOptions,
): Promise<ArchiveVerification> {
  const issues: Issue[] = [];
  const target = archiveTarget(options, issues, true, VERIFY_OPTIONS);
  if (!target) throw new ValidationError({ issues });
  const verifier = options.publicKey === undefined
    ? undefined
    : await verifierOf(options.publicKey).catch((error) => {
      throw new ValidationError({
        issues: [{
          path: "publicKey",
          message: error instanceof Error ? error.message : "cannot verify",
        }],
      });
    });
  const organizations: OrganizationVerification[] = [];
  for (const org of target.organizations) {
    organizations.push(
      await verifyOne(
        target.store,
        org,
        target.from,
        target.to,
        verifier,
        options.onFile,
      ),
    );
  }
  return { ok: organizations.every((o) => o.ok), organizations };
}

async function verifyOne(
  store: StoreAccess,
  organizationId: string,
  from: number,
  to: number,
  verifier: Verifier | undefined,
  onFile: ((progress: VerifyProgress) => void) | undefined,
): Promise<OrganizationVerification> {
  const v: OrganizationVerification = {
    organizationId,
    ok: false,
    windowsChecked: 0,
    filesChecked: 0,
    missingWindows: [],
    modified: [],
    withoutDigest: [],
    digestsWithoutFile: [],
    chainBreaks: [],
    badSignatures: [],
    signaturesChecked: verifier !== undefined,
    pending: [],
    gaps: [],
    addenda: [],
  };
  const inv = await inventory(store, organizationId);
  const checkpoint = inv.checkpoint;
  if (inv.checkpointProblem) {
    v.chainBreaks.push({
      key: checkpointKey(organizationId),
      reason: `the checkpoint ${inv.checkpointProblem}`,
    });
  }
  let ledgerOpen = false;
  let ledger: { from: number; to: number }[] = [];
  try {
    const gaps = await readGaps(store, organizationId);
    ledger = gaps;
    for (const g of gaps) {
      if (g.acceptedAt === undefined) ledgerOpen = true;
      v.gaps.push({
        organizationId,
        from: new Date(g.from),
        to: new Date(g.to),
        detectedAt: new Date(g.detectedAt),
        ...(g.acceptedAt === undefined
          ? {}
          : { acceptedAt: new Date(g.acceptedAt) }),
      });
    }
  } catch (error) {
    v.chainBreaks.push({
      key: gapsKey(organizationId),
      reason: error instanceof Error ? error.message : String(error),
    });
  }
  const end = checkpoint?.end ?? -Infinity;
  const inSpan = (f: { start: number; end: number }) =>
    f.end > from && f.start < to;

  // Digests: parsed, signatures checked, indexed by the SHA-256 of their bytes.
  const digests = new Map<string, StoredDigest>();
  const bySha = new Map<string, StoredDigest>();
  for (const key of inv.digests.sort()) {
    const text = await store.readText(key);
    if (text === undefined) continue;
    const parsed = parseDigest(key, text);
    if (typeof parsed === "string") {
      v.chainBreaks.push({ key, reason: `the digest ${parsed}` });
      continue;
    }
    digests.set(key, parsed);
    bySha.set(parsed.sha256, parsed);
    if (parsed.record.key !== key.slice(0, -DIGEST_SUFFIX.length)) {
      v.modified.push({
        key,
        reason:
          `the digest is of ${parsed.record.key}, not of the file beside it`,
      });
    }
    if (verifier) {
      const bad = await verifier(
        signedBytes(parsed.record),
        parsed.record.signature,
      );
      if (bad) v.badSignatures.push({ key, reason: bad });
    }
  }

  // Files: each hashed as a stream and compared with its digest.
  const files = new Set(inv.data.map((f) => f.key));
  const total =
    inv.data.filter((f) => inSpan(f) && digests.has(`${f.key}${DIGEST_SUFFIX}`))
      .length;
  for (const file of inv.data.sort((a, b) => a.key < b.key ? -1 : 1)) {
    if (file.addendum) v.addenda.push(file.key);
    if (!inSpan(file)) continue;
    const digest = digests.get(`${file.key}${DIGEST_SUFFIX}`);
    const pending = file.end > end;
    if (!digest) {
      if (pending) v.pending.push(file.key);
      else v.withoutDigest.push(file.key);
      continue;
    }
    if (pending) v.pending.push(file.key);
    const body = await store.read(file.key);
    if (!body) continue;
    const { stream, hash } = hashed(body);
    await drain(stream);
    v.filesChecked++;
    onFile?.({ organizationId, done: v.filesChecked, total, key: file.key });
    const got = hash();
    const r = digest.record;
    if (got.bytes !== r.bytes || got.sha256 !== r.sha256) {
      v.modified.push({
        key: file.key,
        reason:
          `${got.bytes} bytes of SHA-256 ${got.sha256}; its digest says ${r.bytes} bytes of ${r.sha256}`,
      });
    }
  }
  for (const [key, digest] of digests) {
    const data = key.slice(0, -DIGEST_SUFFIX.length);
    const start = Date.parse(digest.record.start);
    const stop = Date.parse(digest.record.end);
    if (!files.has(data) && inSpan({ start, end: stop })) {
      v.digestsWithoutFile.push(key);
    }
  }

  checkChain(v, organizationId, digests, bySha, checkpoint?.head);

  // Missing windows: the grid from the first window to the checkpoint's end.
  const window = checkpoint?.window;
  const format = checkpoint?.format;
  if (checkpoint && window && format) {
    let first = Infinity;
    for (const f of inv.data) first = Math.min(first, f.start);
    for (const d of digests.values()) {
      first = Math.min(first, Date.parse(d.record.start));
    }
    if (Number.isFinite(first)) {
      first = end - Math.ceil((end - first) / window) * window;
    }
    for (let start = first; start + window <= end; start += window) {
      const stop = start + window;
      if (!inSpan({ start, end: stop })) continue;
      v.windowsChecked++;
      const key = windowKey(
        organizationId,
        start,
        stop,
        format,
        checkpoint.compress,
      );
      if (files.has(key)) continue;
      if (ledger.some((g) => g.from <= start && stop <= g.to)) continue;
      v.missingWindows.push({
        start: new Date(start),
        end: new Date(stop),
        key,
      });
    }
  }
  v.ok = !ledgerOpen && v.missingWindows.length === 0 &&
    v.modified.length === 0 && v.withoutDigest.length === 0 &&
    v.digestsWithoutFile.length === 0 && v.chainBreaks.length === 0 &&
    v.badSignatures.length === 0;
  return v;
}

/**
 * The chain: one first record, every `previous` naming a record that is
 * there, no record named by two, and the checkpoint's head on it. Records
 * after the head are a run's that stopped before its checkpoint moved.
 */
function checkChain(
  v: OrganizationVerification,
  organizationId: string,
  digests: Map<string, StoredDigest>,
  bySha: Map<string, StoredDigest>,
  head: { key: string; sha256: string } | undefined,
): void {
  const named = new Map<string, string>();
  let firsts = 0;
  for (const [key, d] of digests) {
    const r = d.record;
    if (r.previous === null) {
      if (++firsts > 1) {
        v.chainBreaks.push({ key, reason: "a second start of the chain" });
      }
      continue;
    }
    const previous = bySha.get(r.previous);
    if (!previous || previous.key !== r.previousKey) {
      v.chainBreaks.push({
        key,
        reason: `its previous digest ${r.previousKey} (SHA-256 ${
          r.previous.slice(0, 12)
        }…) is ${digests.has(r.previousKey!) ? "not as it was" : "missing"}`,
      });
    }
    const other = named.get(r.previous);
    if (other) {
      v.chainBreaks.push({
        key,
        reason: `it follows the same digest as ${other}: the chain forks`,
      });
    }
    named.set(r.previous, key);
  }
  const checkpoint = checkpointKey(organizationId);
  if (!head) {
    if (digests.size > 0) {
      v.chainBreaks.push({
        key: checkpoint,
        reason: "the checkpoint names no chain head, and there are digests",
      });
    }
    return;
  }
  const tip = bySha.get(head.sha256);
  if (!tip || tip.key !== head.key) {
    v.chainBreaks.push({
      key: checkpoint,
      reason: `the checkpoint's head ${head.key} is ${
        digests.has(head.key) ? "not the digest stored there" : "missing"
      }`,
    });
    return;
  }
  // Records after the head: each one's successor, from the head on.
  const after = new Set<string>();
  for (let at = named.get(head.sha256); at && !after.has(at);) {
    after.add(at);
    at = named.get(digests.get(at)!.sha256);
  }
  const behind = new Set<string>();
  let last: StoredDigest | undefined;
  for (
    let at: StoredDigest | undefined = tip;
    at && !behind.has(at.key);
    at = at.record.previous === null ? undefined : bySha.get(at.record.previous)
  ) {
    behind.add(at.key);
    last = at;
  }
  // A chain broken on the way back leaves the records before the break
  // off it: the break is what is reported, once.
  if (last?.record.previous !== null) return;
  for (const key of digests.keys()) {
    if (behind.has(key) || after.has(key)) continue;
    if (v.chainBreaks.some((b) => b.key === key)) continue;
    v.chainBreaks.push({
      key,
      reason: "it is not on the chain that ends at the checkpoint's head",
    });
  }
  for (const key of after) {
    const data = key.slice(0, -DIGEST_SUFFIX.length);
    if (!v.pending.includes(data)) v.pending.push(data);
  }
}
