/**
 * An organization's digest chain during a run: the head it starts from
 * (the checkpoint's), each new digest written after it, and the rules for a
 * file found already stored (a run that stopped between a file, its digest
 * and the checkpoint): a digest already there must match the file and sit
 * on the chain; a file without one is digested only once the caller has
 * verified it against what it must contain.
 *
 * @module
 */

import {
  type ChainHead,
  type DigestFacts,
  digestKey,
  readDigest,
  type StoredDigest,
  writeDigest,
} from "./archive_digest.ts";
import type { Signer } from "./archive_sign.ts";
import type { StoreAccess } from "./archive_store.ts";
import { AuditLogError } from "./errors.ts";

/** The chain of one organization, as a run extends it. */
export class DigestChain {
  /** The latest digest, or `undefined` before the first. */
  head: ChainHead | undefined;
  readonly #store: StoreAccess;
  readonly #signer: Signer | undefined;

  constructor(
    store: StoreAccess,
    head: ChainHead | undefined,
    signer: Signer | undefined,
  ) {
    this.#store = store;
    this.head = head;
    this.#signer = signer;
  }

  /** Writes the digest of a newly stored file after the head, and moves the head to it. */
  async append(facts: DigestFacts): Promise<void> {
    this.head = await writeDigest(this.#store, facts, this.head, this.#signer);
  }

  /**
   * The digest of a file found already stored, checked against what the
   * file holds now (`bytes`, `sha256`) and against the chain, or
   * `undefined` when it has none. A digest that does not match its file,
   * or that is on no chain the checkpoint knows, is an error: the file is
   * kept as it is, and nothing moves past it.
   */
  async existing(
    key: string,
    stored: { bytes: number; sha256: string },
  ): Promise<StoredDigest | undefined> {
    const digest = await readDigest(this.#store, digestKey(key));
    if (!digest) return undefined;
    const r = digest.record;
    if (
      r.key !== key || r.bytes !== stored.bytes || r.sha256 !== stored.sha256
    ) {
      throw new AuditLogError({
        message:
          `The stored file ${key} does not match its digest ${digest.key} (${stored.bytes} bytes, SHA-256 ${stored.sha256}; the digest says ${r.bytes} bytes, ${r.sha256}${
            r.key === key ? "" : `, of ${r.key}`
          }). Both are kept as they are and the archive does not go past them: restore the file from a backup, or inspect it with verifyArchive`,
      });
    }
    if (this.head === undefined || digest.sha256 === this.head.sha256) {
      // No head on record (a checkpoint removed, or written before
      // digests): the chain goes on from the digest found.
      this.head = { key: digest.key, sha256: digest.sha256 };
      return digest;
    }
    if (r.previous === this.head.sha256) {
      // Written by a run that stopped before its checkpoint moved.
      this.head = { key: digest.key, sha256: digest.sha256 };
      return digest;
    }
    if (await this.#behindHead(digest.sha256)) return digest;
    throw new AuditLogError({
      message:
        `The digest ${digest.key} is not on the digest chain the checkpoint names (head ${this.head.key}). The archive does not go past it: inspect it with verifyArchive, and restore the checkpoint or the digests from a backup`,
    });
  }

  /** Whether the digest of SHA-256 `sha` is the head or one of its predecessors. */
  async #behindHead(sha: string): Promise<boolean> {
    const seen = new Set<string>();
    for (let at = this.head; at && !seen.has(at.key);) {
      if (at.sha256 === sha) return true;
      seen.add(at.key);
      const d = await readDigest(this.#store, at.key);
      if (!d?.record.previousKey || !d.record.previous) return false;
      at = { key: d.record.previousKey, sha256: d.record.previous };
    }
    return false;
  }
}
