/**
 * The check of a window file found stored without a digest: a run stopped
 * between writing the file and its digest. The file is whole (every write
 * is), but before a digest vouches for it, a new export of its window must
 * hold every record it holds, so that the digest never seals something put
 * there since.
 *
 * @module
 */

import type { Compression } from "./archive_codec.ts";
import { countStored } from "./archive_recheck.ts";
import type { StoreAccess } from "./archive_store.ts";
import {
  eventLine,
  exportSpan,
  fingerprint,
  placedRecords,
  recordIdentity,
} from "./archive_window.ts";
import type { ResolvedConfig } from "./config.ts";
import { parseCsvEvents } from "./events.ts";

/** What the check found of a stored file. */
export interface Rechecked {
  rows: number;
  bytes: number;
  sha256: string;
  /** The export it was compared with; `undefined` when the API found no event. */
  exportId: string | undefined;
  /** Records of the file the export does not hold. */
  unexported: number;
}

/**
 * Compares the stored window file `key` of `[start, end)` with a new export
 * of that span; `undefined` when the file is gone.
 */
export async function recheckStored(
  config: ResolvedConfig,
  store: StoreAccess,
  organizationId: string,
  key: string,
  start: number,
  end: number,
  format: "csv" | "ndjson",
  compress: Compression,
): Promise<Rechecked | undefined> {
  const counts = new Map<string, number>();
  const found = await countStored(store, key, format, counts, compress);
  if (!found) return undefined;
  const take = (id: string) => {
    const left = counts.get(id) ?? 0;
    if (left > 1) counts.set(id, left - 1);
    else counts.delete(id);
  };
  const span = await exportSpan(config, organizationId, start, end);
  const stream = await span.open();
  if (format === "csv") {
    let header: string[] = [];
    for await (const r of placedRecords(stream, (h) => header = h)) {
      if (r.time >= start && r.time < end) {
        take(recordIdentity(header, r.fields));
      }
    }
  } else {
    for await (const event of parseCsvEvents(stream)) {
      const time = event.occurredAt.getTime();
      if (time >= start && time < end) take(fingerprint(eventLine(event)));
    }
  }
  let unexported = 0;
  for (const n of counts.values()) unexported += n;
  return { ...found, exportId: span.exportId, unexported };
}
