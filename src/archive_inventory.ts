/**
 * What an organization's archive holds, for reading it back and verifying
 * it: its checkpoint (read leniently: a verifier reports what is wrong
 * instead of stopping), its data files and its digests. A store that can
 * list gives every key; one that cannot is walked along the digest chain
 * from the checkpoint's head, and its windows are looked for on their grid.
 *
 * @module
 */

import {
  type ChainHead,
  DIGEST_SUFFIX,
  digestKey,
  readDigest,
} from "./archive_digest.ts";
import {
  checkpointKey,
  type DataFile,
  dataFileOf,
  windowKey,
} from "./archive_ledger.ts";
import type { StoreAccess } from "./archive_store.ts";
import { parseInstant } from "./instant.ts";

/** A checkpoint as a reader sees it. */
export interface CheckpointView {
  end: number;
  window?: number;
  format?: "csv" | "ndjson";
  compress?: "gzip";
  head?: ChainHead;
}

/** An organization's archive, as listed. */
export interface Inventory {
  /** The checkpoint, or `undefined` when there is none (or it cannot be read: see `checkpointProblem`). */
  checkpoint: CheckpointView | undefined;
  /** Why the checkpoint cannot be read, when it cannot. */
  checkpointProblem?: string;
  /** Window files and addenda, by key. */
  data: DataFile[];
  /** Digest keys. */
  digests: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads a checkpoint without judging it against a run's settings. */
export async function viewCheckpoint(
  store: StoreAccess,
  organizationId: string,
): Promise<{ checkpoint?: CheckpointView; problem?: string }> {
  const text = await store.readText(checkpointKey(organizationId));
  if (text === undefined) return {};
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch {
    return { problem: "is not JSON" };
  }
  const end = typeof o?.end === "string" ? parseInstant(o.end) : undefined;
  if (end === undefined) return { problem: 'has no "end" date-time' };
  if (o.organizationId !== undefined && o.organizationId !== organizationId) {
    return { problem: `belongs to ${JSON.stringify(o.organizationId)}` };
  }
  const checkpoint: CheckpointView = { end };
  if (typeof o.window === "number" && o.window > 0) {
    checkpoint.window = o.window;
  }
  if (o.format === "csv" || o.format === "ndjson") checkpoint.format = o.format;
  if (o.compress === "gzip") checkpoint.compress = "gzip";
  const head = o.head as Partial<ChainHead> | undefined;
  if (head !== undefined) {
    if (
      typeof head?.key !== "string" || typeof head.sha256 !== "string" ||
      !HEX64.test(head.sha256)
    ) {
      return { checkpoint, problem: "names a chain head that is not one" };
    }
    checkpoint.head = { key: head.key, sha256: head.sha256 };
  }
  return { checkpoint };
}

/**
 * Every data file and digest of `organizationId`. Without a listing: the
 * digests along the chain from the checkpoint's head, their files, and the
 * window files on the grid of `[from, to)` (the first digested window's
 * start and the checkpoint's end by default).
 */
export async function inventory(
  store: StoreAccess,
  organizationId: string,
  span: { from?: number; to?: number } = {},
): Promise<Inventory> {
  const { checkpoint, problem } = await viewCheckpoint(store, organizationId);
  const out: Inventory = {
    checkpoint,
    ...(problem ? { checkpointProblem: problem } : {}),
    data: [],
    digests: [],
  };
  if (store.list) {
    for await (const key of store.list(`${organizationId}/`)) {
      if (key.endsWith(DIGEST_SUFFIX)) out.digests.push(key);
      else {
        const file = dataFileOf(organizationId, key);
        if (file) out.data.push(file);
      }
    }
    return out;
  }
  const data = new Map<string, DataFile>();
  let first = Infinity;
  const seen = new Set<string>();
  for (let at = checkpoint?.head?.key; at && !seen.has(at);) {
    seen.add(at);
    let digest;
    try {
      digest = await readDigest(store, at);
    } catch {
      digest = undefined;
    }
    if (!digest) {
      if (await exists(store, at)) out.digests.push(at);
      break;
    }
    out.digests.push(at);
    const file = dataFileOf(organizationId, digest.record.key);
    if (file && await exists(store, file.key)) data.set(file.key, file);
    if (file) first = Math.min(first, file.start);
    at = digest.record.previousKey ?? undefined;
  }
  const window = checkpoint?.window;
  const format = checkpoint?.format;
  if (checkpoint && window && format) {
    const to = Math.min(span.to ?? checkpoint.end, checkpoint.end);
    let start = span.from ?? first;
    if (Number.isFinite(start)) {
      // Windows lie on the grid through the checkpoint's end.
      start = checkpoint.end -
        Math.ceil((checkpoint.end - start) / window) * window;
      for (; start + window <= to; start += window) {
        const key = windowKey(
          organizationId,
          start,
          start + window,
          format,
          checkpoint.compress,
        );
        if (data.has(key)) continue;
        if (await exists(store, key)) {
          data.set(key, dataFileOf(organizationId, key)!);
        }
        if (
          !seen.has(digestKey(key)) && await exists(store, digestKey(key))
        ) out.digests.push(digestKey(key));
      }
    }
  }
  out.data = [...data.values()];
  return out;
}

/** Whether an object is at `key`. */
async function exists(store: StoreAccess, key: string): Promise<boolean> {
  const found = await store.read(key);
  if (!found) return false;
  await found.cancel().catch(() => {});
  return true;
}
