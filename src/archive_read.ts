/**
 * `readArchive`: the events of an organization's archive, back from its
 * window files and addenda, in time order, with the filters of an export.
 * Every file is checked against its digest before any of its events is
 * handed out (one streamed pass to hash it, then one to read it), so
 * memory stays flat: one pending event per file of the window being read.
 *
 * @module
 */

import type { ArchiveStore } from "./archive_store.ts";
import { decoded, drain, hashed } from "./archive_codec.ts";
import { readDigest, signedBytes } from "./archive_digest.ts";
import { inventory } from "./archive_inventory.ts";
import type { DataFile } from "./archive_ledger.ts";
import {
  archiveTarget,
  type EveryOptionAllowed,
  type ReadSpanOptions,
} from "./archive_options.ts";
import { verifierOf, type VerifyingKey } from "./archive_sign.ts";
import type { StoreAccess } from "./archive_store.ts";
import { AuditLogError, ValidationError } from "./errors.ts";
import { type AuditLogEvent, parseCsvEvents } from "./events.ts";
import type { Issue } from "./rules.ts";
import { type FilterOption, FILTERS } from "./filters.ts";

/**
 * Options of {@link readArchive}. The filters mean what they mean to
 * `createExport`: every filter given must match (AND), any value of a
 * list may (OR); `targets` matches target types.
 *
 * @example
 * ```ts
 * import type { ReadArchiveOptions } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * const options: ReadArchiveOptions = {
 *   store: directoryStore("./audit-archive"),
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   from: "2026-01-01T00:00:00Z",
 *   to: "2026-02-01T00:00:00Z",
 *   actions: ["user.signed_in"],
 * };
 * ```
 */
export interface ReadArchiveOptions extends ReadSpanOptions {
  /** The archive's store, as given to `archiveExports`. */
  store: ArchiveStore;
  /** The organization. */
  organizationId: string;
  /** Only these actions. */
  actions?: readonly string[];
  /** Only events of these actor ids. */
  actorIds?: readonly string[];
  /** Only events of these actor names. */
  actorNames?: readonly string[];
  /** Only events with a target of one of these types. */
  targets?: readonly string[];
  /** Also checks each digest's signature with this key (see `verifyArchive`). */
  publicKey?: VerifyingKey;
}

/**
 * A stored file does not match its digest, has none, or its digest's
 * signature is bad: nothing of that file was handed out. `key` names the
 * file.
 *
 * @example
 * ```ts
 * import { ArchiveIntegrityError, readArchive, type ArchiveStore } from "@audit-log/export";
 * declare const store: ArchiveStore;
 * try {
 *   for await (const e of readArchive({ store, organizationId: "org_1", from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" })) console.log(e.action);
 * } catch (error) {
 *   if (error instanceof ArchiveIntegrityError) console.error("tampered:", error.key);
 * }
 * ```
 */
export class ArchiveIntegrityError extends AuditLogError {
  /** Always `"ArchiveIntegrityError"`, minified or not: the class's own name too. */
  static override readonly name: string = "ArchiveIntegrityError";
  /** Always `"ArchiveIntegrityError"`, minified or not. */
  override readonly name: string = "ArchiveIntegrityError";
  /** The file that failed its check. */
  readonly key: string;

  /**
   * Creates the error.
   *
   * @param init The file and what is wrong with it.
   */
  constructor(init: { key: string; message: string }) {
    super({ message: init.message });
    this.key = init.key;
  }
}

const READ_OPTIONS = [
  "store",
  "organizationId",
  "from",
  "to",
  "publicKey",
  ...FILTERS.map((f) => f.option),
] as const;
const everyReadOptionAllowed: EveryOptionAllowed<
  ReadArchiveOptions,
  typeof READ_OPTIONS[number]
> = true;
void everyReadOptionAllowed;

// Every filter of `src/filters.ts` is an option above: a filter added to the
// table without its field (and its doc) stops the compiler here.
const everyFilterIsAnOption: Pick<ReadArchiveOptions, FilterOption> = {};
void everyFilterIsAnOption;

/**
 * How an archived event matches each filter, keyed by the filter's option
 * name: a filter added to the table does not compile until it has its test.
 */
const EVENT_TESTS: Record<
  FilterOption,
  (event: AuditLogEvent, values: ReadonlySet<string>) => boolean
> = {
  actions: (e, values) => values.has(e.action),
  actorNames: (e, values) =>
    e.actor.name !== undefined && values.has(e.actor.name),
  actorIds: (e, values) => values.has(e.actor.id),
  targets: (e, values) => e.targets.some((t) => values.has(t.type)),
};

/**
 * The events of `organizationId` in `[from, to)`, from its window files and
 * addenda, in time order (each file keeps the export's order, oldest
 * first; a window and its addenda are merged by time), filtered as
 * `createExport` filters. Each file is checked against its digest before
 * its events are read; a file that does not match, or has no digest,
 * throws an {@link ArchiveIntegrityError}. Options that cannot be right
 * throw a `ValidationError`, before anything is read.
 *
 * @example
 * ```ts
 * import { readArchive } from "@audit-log/export";
 * import { directoryStore } from "@audit-log/export/fs";
 * for await (const event of readArchive({
 *   store: directoryStore("./audit-archive"),
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   from: "2026-01-01T00:00:00Z",
 *   to: "2026-02-01T00:00:00Z",
 *   actions: ["user.signed_in"],
 * })) {
 *   console.log(event.occurredAt.toISOString(), event.actor.name);
 * }
 * ```
 */
export function readArchive(
  options: ReadArchiveOptions,
): AsyncGenerator<AuditLogEvent, void, undefined> {
  const issues: Issue[] = [];
  const target = archiveTarget(options, issues, false, READ_OPTIONS);
  // Checked at the call, not at the first `next()`: a mistake shows where it is made.
  if (!target) throw new ValidationError({ issues });
  return read(target.store, target.organizations[0], target.from, target.to, {
    ...options,
  });
}

async function* read(
  store: StoreAccess,
  organizationId: string,
  from: number,
  to: number,
  options: ReadArchiveOptions,
): AsyncGenerator<AuditLogEvent, void, undefined> {
  const verify = options.publicKey === undefined
    ? undefined
    : await verifierOf(options.publicKey);
  const matches = eventFilter(options);
  const inv = await inventory(store, organizationId, { from, to });
  const end = inv.checkpoint?.end ?? -Infinity;
  // Only what the checkpoint vouches for: files past it are a stopped run's.
  const windows = new Map<number, DataFile[]>();
  for (const f of inv.data) {
    if (f.end > end || f.end <= from || f.start >= to) continue;
    const list = windows.get(f.start) ?? [];
    list.push(f);
    windows.set(f.start, list);
  }
  for (const start of [...windows.keys()].sort((a, b) => a - b)) {
    const files = windows.get(start)!.sort((a, b) =>
      a.addendum === b.addendum ? (a.key < b.key ? -1 : 1) : a.addendum ? 1 : -1
    );
    for (const f of files) await checkFile(store, f, verify);
    const sources = files.map((f) => events(store, f));
    for await (const event of merged(sources)) {
      const t = event.occurredAt.getTime();
      if (t >= from && t < to && matches(event)) yield event;
    }
  }
}

/** Hashes a stored file as a stream and compares it with its digest. */
async function checkFile(
  store: StoreAccess,
  file: DataFile,
  verify: Awaited<ReturnType<typeof verifierOf>> | undefined,
): Promise<void> {
  const fail = (why: string) =>
    new ArchiveIntegrityError({
      key: file.key,
      message:
        `The archive's ${file.key} ${why}; none of its events were read. Inspect the archive with verifyArchive`,
    });
  let digest;
  try {
    digest = await readDigest(store, `${file.key}.digest.json`);
  } catch {
    throw fail("has a digest that is not a digest record");
  }
  if (!digest) throw fail("has no digest");
  const r = digest.record;
  if (r.key !== file.key) throw fail(`has the digest of ${r.key}`);
  if (verify) {
    const bad = await verify(signedBytes(r), r.signature);
    if (bad) throw fail(`has a digest whose signature is bad: ${bad}`);
  }
  const body = await store.read(file.key);
  if (!body) throw fail("is gone");
  const { stream, hash } = hashed(body);
  await drain(stream);
  const got = hash();
  if (got.bytes !== r.bytes || got.sha256 !== r.sha256) {
    throw fail(
      `does not match its digest (${got.bytes} bytes of SHA-256 ${got.sha256}; the digest says ${r.bytes} bytes of ${r.sha256})`,
    );
  }
}

/** The events of one stored file, in file order. */
async function* events(
  store: StoreAccess,
  file: DataFile,
): AsyncGenerator<AuditLogEvent, void, undefined> {
  const body = await store.read(file.key);
  if (!body) return;
  const stream = decoded(body, file.compress);
  if (file.format === "csv") {
    yield* parseCsvEvents(stream);
    return;
  }
  const decoder = new TextDecoder();
  let rest = "";
  const parse = (line: string): AuditLogEvent => {
    const o = JSON.parse(line);
    return { ...o, occurredAt: new Date(o.occurredAt) };
  };
  for await (const chunk of stream) {
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line !== "") yield parse(line);
  }
  rest += decoder.decode();
  if (rest !== "") yield parse(rest);
}

/** Merges event sources, each in time order, into one in time order. */
async function* merged(
  sources: AsyncGenerator<AuditLogEvent, void, undefined>[],
): AsyncGenerator<AuditLogEvent, void, undefined> {
  const heads = await Promise.all(sources.map((s) => s.next()));
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h.done) continue;
        if (
          best < 0 ||
          h.value.occurredAt.getTime() <
            (heads[best].value as AuditLogEvent).occurredAt.getTime()
        ) best = i;
      }
      if (best < 0) return;
      yield heads[best].value as AuditLogEvent;
      heads[best] = await sources[best].next();
    }
  } finally {
    await Promise.all(sources.map((s) => s.return()));
  }
}

/** The filters of an export as a test of an event: AND between filters, OR within one. */
function eventFilter(
  o: ReadArchiveOptions,
): (event: AuditLogEvent) => boolean {
  const tests: ((e: AuditLogEvent) => boolean)[] = [];
  // Read as a plain record: a filter just added to the table is then asked
  // for at its field and its test alone, not here.
  const lists = o as unknown as Record<string, readonly string[] | undefined>;
  for (const { option } of FILTERS) {
    const list = lists[option];
    if (!list?.length) continue;
    const values = new Set(list);
    tests.push((e) => EVENT_TESTS[option](e, values));
  }
  return (event) => tests.every((test) => test(event));
}
