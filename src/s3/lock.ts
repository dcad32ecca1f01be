/**
 * A lock kept as a small object, taken and renewed with the conditional
 * writes of S3 (`If-None-Match: *` creates it only when absent, `If-Match`
 * replaces it only while it is the version read), so two runs cannot both
 * hold it.
 *
 * Each step also reads the lock before it writes and reads it back after
 * taking it, which costs a request or two per run and keeps the lock
 * useful on a service that ignores conditional headers: there a holder
 * that is alive is never displaced by a run that starts later, and only
 * two runs taking the very same free lock within the same moment can both
 * believe they hold it.
 *
 * @module
 */

import {
  lockBytes,
  lockHeld,
  lockLost,
  type LockRecord,
  newLockRecord,
  parseLockRecord,
  type StoreLock,
} from "../archive_store.ts";
import { getObject, type S3Requester } from "./signed.ts";

/** Rounds of taking a lock that keeps changing before giving up. */
const MAX_ROUNDS = 5;

interface Found {
  etag: string;
  record: LockRecord | undefined;
  /** When it was written, in epoch ms: from its record, else from the object's date. */
  renewed: number;
}

/**
 * Takes the lock at `key` for `holder`.
 *
 * @internal
 */
export async function takeS3Lock(
  s3: S3Requester,
  key: string,
  holder: string,
  clock: { now: () => number; lease: number },
): Promise<StoreLock> {
  const where = `the bucket's ${key}`;
  const read = async (): Promise<Found | undefined> => {
    const response = await getObject(s3, key);
    if (!response) return undefined;
    const record = parseLockRecord(await response.text());
    const modified = Date.parse(response.headers.get("last-modified") ?? "");
    return {
      etag: response.headers.get("etag") ?? "",
      record,
      renewed: record ? Date.parse(record.renewedAt) : modified || 0,
    };
  };
  /** Writes `record` under a condition; the new ETag, or `undefined` when the condition failed. */
  const write = async (
    record: LockRecord,
    condition: Record<string, string>,
  ): Promise<string | undefined> => {
    const response = await s3.send({
      operation: "PUT",
      method: "PUT",
      key,
      headers: { "content-type": "application/json", ...condition },
      body: lockBytes(record),
      checksum: true,
      // 409: another conditional write to the key was under way.
      accept: [409, 412],
      conditional: true,
    });
    await response.body?.cancel();
    return response.ok ? response.headers.get("etag") ?? "" : undefined;
  };

  let mine: LockRecord | undefined;
  let etag: string | undefined;
  for (let round = 0; etag === undefined; round++) {
    const found = await read();
    const record = newLockRecord(holder, clock.now());
    if (found === undefined) {
      etag = await write(record, { "if-none-match": "*" });
    } else {
      const free = found.record?.releasedAt !== undefined ||
        clock.now() - found.renewed > clock.lease;
      if (!free || round >= MAX_ROUNDS) {
        throw lockHeld(where, found.record, clock.lease);
      }
      etag = await write(record, { "if-match": found.etag });
    }
    if (etag !== undefined) {
      // Read back: on a service that ignores the condition, a taker that
      // wrote at the same moment shows here.
      const check = await read();
      if (check?.record?.id !== record.id) {
        throw lockHeld(where, check?.record, clock.lease);
      }
      etag = check.etag;
      mine = record;
    } else if (round >= MAX_ROUNDS) {
      throw lockHeld(where, (await read())?.record, clock.lease);
    }
  }

  let held = true;
  return {
    async refresh() {
      const found = held ? await read() : undefined;
      if (!held || found?.record?.id !== mine!.id || found.etag !== etag) {
        held = false;
        throw lockLost(where, found?.record);
      }
      const renewed = {
        ...mine!,
        renewedAt: new Date(clock.now()).toISOString(),
      };
      const stored = await write(renewed, { "if-match": etag! });
      if (stored === undefined) {
        held = false;
        throw lockLost(where, (await read())?.record);
      }
      mine = renewed;
      etag = stored;
    },
    async release() {
      if (!held) return;
      held = false;
      const found = await read();
      if (found?.record?.id !== mine!.id || found.etag !== etag) return;
      // Conditional where the service can: only a lock gone stale can
      // change hands between the read and the delete.
      const response = await s3.send({
        operation: "DELETE",
        method: "DELETE",
        key,
        headers: { "if-match": etag! },
        accept: [400, 404, 412, 501],
        conditional: true,
      });
      await response.body?.cancel();
      if (response.status === 400 || response.status === 501) {
        // A service that refuses a condition on DELETE.
        const plain = await s3.send({
          operation: "DELETE",
          method: "DELETE",
          key,
          accept: [404],
        });
        await plain.body?.cancel();
      }
    },
  };
}
