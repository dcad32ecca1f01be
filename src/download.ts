/**
 * Downloading an export's CSV and reading its rows.
 *
 * @module
 */

import {
  type ClientConfig,
  isSecureTransport,
  parseUrl,
  resolveConfig,
  type ResolvedConfig,
  type WaitOptions,
} from "./config.ts";
import { parseCsvRows } from "./csv.ts";
import { type AuditLogEvent, parseCsvEvents } from "./events.ts";
import {
  ApiError,
  ConnectionError,
  ExportFailedError,
  InvalidResponseError,
  NoEventsError,
  type RequestInfo,
  TimeoutError,
  ValidationError,
  withoutQuery,
} from "./errors.ts";
import { exportRef, fetchExport, pollExport, postExport } from "./exports.ts";
import type { Issue } from "./rules.ts";
import type { CreateExportOptions } from "./schemas.ts";
import { type Attempts, exchange, USER_AGENT } from "./transport.ts";
import type { LinkedSignal } from "./signals.ts";
import type { AuditLogExport } from "./types.ts";
import { throwIfAny } from "./validation.ts";

/**
 * What `exportRows` and `exportEvents` read: bytes, a response, an export
 * (object or id) to download, or the options of an export to create first.
 *
 * An object with an `id` or an `object` member is an export; any other
 * object is taken as {@link CreateExportOptions} and validated as such.
 *
 * @example
 * ```ts
 * import { exportRows, type RowsSource } from "@audit-log/export";
 * const source: RowsSource = {
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: "2026-11-01T00:00:00Z",
 *   rangeEnd: "2026-11-08T00:00:00Z",
 * };
 * for await (const row of exportRows(source)) console.log(row.action);
 * ```
 */
export type RowsSource =
  | ReadableStream<Uint8Array>
  | Response
  | AuditLogExport
  | string
  | CreateExportOptions;

/** A presigned URL is refused this way once it has expired. */
const isExpired = (error: unknown) =>
  error instanceof ApiError && (error.status === 403 || error.status === 410);

const empty = (): ReadableStream<Uint8Array> =>
  new ReadableStream({ start: (c) => c.close() });

/**
 * What the first answer said about the file. A resume must be of this very
 * file: its validators go out as `If-Range`, and every resume answer is
 * checked against them and against the length.
 */
interface FileIdentity {
  /** A strong ETag (a weak one cannot prove that two bytes ranges belong together). */
  etag?: string;
  /** The `Last-Modified` date, as sent. */
  lastModified?: string;
  /** The length of the whole file, when the host said it. */
  total?: number;
}

/** One open response body of the file, from some byte on. */
interface Body {
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Its reads, bounded by the time-out and the caller's signal. */
  watched: WatchedReader;
  release(): void;
  /** The byte (exclusive) at which this body must end, when the host said so. */
  end?: number;
}

/** A read that waited longer than the time-out for its next chunk. */
class Stalled extends Error {
  override readonly name: string = "Stalled";
}

/** The file host answered a resume with something other than the rest of the file. */
class CannotResume extends Error {
  override readonly name: string = "CannotResume";
}

/**
 * The file on the host is no longer the one being read: another ETag,
 * `Last-Modified` or length, or a 200 to an `If-Range`. Its bytes must not
 * be joined to the ones already read.
 */
class FileChanged extends Error {
  override readonly name: string = "FileChanged";
}

/**
 * Whether a download failed because the file changed on its host after
 * its first bytes were handed out: reading it again from byte 0 gives the
 * whole new file. Looks through `cause`s, so wrapped errors tell too.
 */
function isFileChanged(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof FileChanged) return true;
    e = e.cause;
  }
  return false;
}

/**
 * Runs `attempt`, and once more after `rewind` when it failed because the
 * file changed on its host mid-download: the caller empties what it wrote,
 * so the second run writes the whole new file and two versions are never
 * joined. Not after an abort, and only once: a file that keeps changing
 * fails. `onRestart` hears of the second run.
 */
export async function onceMoreIfChanged<T>(
  attempt: () => Promise<T>,
  rewind: () => Promise<void>,
  signal: AbortSignal | undefined,
  onRestart?: () => void,
): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!isFileChanged(error) || signal?.aborted) throw error;
    await rewind();
    onRestart?.();
    return await attempt();
  }
}

/**
 * The runtime's error for a failed request, with a presigned URL's query
 * taken out: Deno and Bun name the full URL in their network errors, and
 * for a download that query is a credential. Other errors pass unchanged.
 */
function scrub(error: unknown, url: string, shown: string): unknown {
  if (url === shown) return error;
  const query = url.slice(shown.length);
  // Also any query after the path, in case the runtime re-encoded the URL.
  const afterPath = new RegExp(
    `${shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[?#][^\\s)'"]*`,
    "g",
  );
  const clean = (text: string) =>
    text.replaceAll(url, shown).replaceAll(query, "").replace(afterPath, shown);
  const message = error instanceof Error ? error.message : String(error);
  const copy = new Error(clean(message));
  copy.name = error instanceof Error ? error.name : "Error";
  return copy;
}

/** A length header's value, when it is a plain decimal number. */
const decimal = (value: string | null): number | undefined =>
  value !== null && /^\s*\d{1,16}\s*$/.test(value) ? Number(value) : undefined;

/** The validators and length an answer gives of the whole file. */
function identityOf(response: Response): FileIdentity {
  const etag = response.headers.get("etag")?.trim();
  const lastModified = response.headers.get("last-modified")?.trim();
  // A compressed body's length is not the file's.
  const length = response.headers.get("content-encoding") === null
    ? decimal(response.headers.get("content-length"))
    : undefined;
  return {
    etag: etag && /^"[^"]*"$/.test(etag) ? etag : undefined,
    lastModified: lastModified || undefined,
    total: length,
  };
}

/**
 * Checks a resume answer against what is known of the file and returns
 * the byte at which its body ends. A 206 must start at `from`, say a sane
 * end and the known total, carry a `Content-Length` equal to its range,
 * and no other validator; a 200 is the whole file again (a changed file
 * when its validators or length differ, a host that ignores `Range`
 * otherwise). Either way nothing is ever joined that might not belong.
 */
function checkResume(
  response: Response,
  from: number,
  known: FileIdentity,
): number {
  const now = identityOf(response);
  const differs = (a: string | number | undefined, b: typeof a) =>
    a !== undefined && b !== undefined && a !== b;
  const changedBy = differs(known.etag, now.etag)
    ? `its ETag went from ${known.etag} to ${now.etag}`
    : differs(known.lastModified, now.lastModified)
    ? `its Last-Modified went from ${known.lastModified} to ${now.lastModified}`
    : undefined;
  if (response.status === 200) {
    const grew = differs(known.total, now.total)
      ? `its length went from ${known.total} to ${now.total} bytes`
      : undefined;
    // A 200 to a matching If-Range is a host that ignores Range: the same
    // file again, which cannot be continued from the middle.
    if (changedBy ?? grew) {
      throw new FileChanged(
        `the file changed on its host mid-download (${changedBy ?? grew})`,
      );
    }
    throw new CannotResume(
      `the file host answered the resume at byte ${from} with the whole file`,
    );
  }
  const header = response.headers.get("content-range") ?? "";
  const range = /^\s*bytes (\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)\s*$/.exec(
    header,
  );
  if (response.status !== 206 || !range) {
    throw new CannotResume(
      `the file host answered the resume at byte ${from} with ${response.status}${
        header ? ` and Content-Range "${header.slice(0, 80)}"` : ""
      }, not the rest of the file`,
    );
  }
  const [start, last] = [Number(range[1]), Number(range[2])];
  const total = range[3] === "*" ? undefined : Number(range[3]);
  if (total === undefined && known.total === undefined) {
    // Neither answer says how long the file is: the end of this range could
    // not be told from the end of the file, and a short file would pass.
    throw new CannotResume(
      `the file host's answer to the resume (Content-Range "${header.trim()}") does not say how long the file is, and nor did its first answer`,
    );
  }
  if (changedBy || differs(known.total, total)) {
    throw new FileChanged(
      `the file changed on its host mid-download (${
        changedBy ?? `its length went from ${known.total} to ${total} bytes`
      })`,
    );
  }
  // This answer's own length: that of its range, not of the file.
  const length = now.total;
  const problem = start !== from
    ? `starts at byte ${start}, not ${from}`
    : last < start
    ? "ends before it starts"
    : total !== undefined && last >= total
    ? "ends past the end of the file"
    : length !== undefined && length !== last - start + 1
    ? `is ${last - start + 1} bytes long but its Content-Length says ${length}`
    : undefined;
  if (problem) {
    throw new CannotResume(
      `the file host's answer to the resume (Content-Range "${header.trim()}") ${problem}`,
    );
  }
  // A file first sent without its length tells it now.
  known.total ??= total;
  return last + 1;
}

/**
 * The secrets of a presigned URL: its query, and every value in it long
 * enough to be a signature or a token (the short ones are expiries and
 * algorithm names, and would only blank out words), as sent and decoded.
 */
function presignedSecrets(url: string): string[] {
  const query = /[?]([^#]*)/s.exec(url)?.[1];
  if (!query) return [];
  const secrets = [query, safeDecode(query)];
  for (const part of query.split("&")) {
    const value = part.slice(part.indexOf("=") + 1);
    if (value.length >= 16) secrets.push(value, safeDecode(value));
  }
  return secrets;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** A 2xx answer of the file host, its body unread. */
interface OpenedFile {
  response: Response;
  request: RequestInfo;
  requestId: string | undefined;
  /** Stops following the caller's signal; called once the body is done. */
  release(): void;
}

/** Hands a 2xx body over unread: only the caller's signal may stop it now. */
function handOver(
  call: Attempts<OpenedFile>,
  link: LinkedSignal,
): OpenedFile {
  link.stopTimer();
  return {
    response: call.response!,
    request: call.request,
    requestId: call.requestId,
    release: () => link.dispose(),
  };
}

/**
 * Sends `GET url` to the file host, from byte `from` on (`Range`, with
 * `If-Range: ifRange` so that a changed file comes whole, never as a range
 * of it), through the one attempt loop: retried like any request until the
 * headers arrive. No `Authorization`, nor the config's headers: a
 * presigned URL lives on another host, which must not see them.
 */
function openFile(
  config: ResolvedConfig,
  url: string,
  from: number,
  ifRange: string | undefined,
): Promise<OpenedFile> {
  const headers: Record<string, string> = {
    accept: "text/csv, */*",
    "user-agent": USER_AGENT,
  };
  if (from) {
    headers.range = `bytes=${from}-`;
    if (ifRange) headers["if-range"] = ifRange;
  }
  // A presigned URL's query is a credential: errors keep only its path.
  const shown = withoutQuery(url);
  return exchange(config, {
    request: { method: "GET", url: shown },
    url,
    headers,
    secrets: [config.apiKey, ...presignedSecrets(url)],
    presigned: true,
    hide: (error) => scrub(error, url, shown),
    accept: handOver,
    keepsLink: true,
  });
}

/**
 * Opens the file at `url` from byte `from` on. The first answer tells what
 * the file is (`known` is filled in from it); a resume sends its
 * validator as `If-Range` and is checked by {@link checkResume}.
 */
async function openBody(
  config: ResolvedConfig,
  url: string,
  from: number,
  known: FileIdentity,
): Promise<Body & { request: RequestInfo; requestId?: string }> {
  const ifRange = known.etag ?? known.lastModified;
  if (from > 0 && ifRange === undefined) {
    // Without a validator a changed file of the same length would be
    // joined to the old one's start unnoticed.
    throw new CannotResume(
      "the file host sent no ETag or Last-Modified to resume the file by",
    );
  }
  let sent: OpenedFile;
  try {
    sent = await openFile(config, url, from, ifRange);
  } catch (error) {
    if (from > 0 && error instanceof ApiError && error.status === 416) {
      // Byte `from` lies inside the file as first announced, so a host
      // that finds it out of range holds a shorter, other file.
      throw known.total !== undefined && from < known.total
        ? new FileChanged(
          `the file changed on its host mid-download (byte ${from} of ${known.total} is no longer in range: 416)`,
        )
        : new CannotResume(
          `the file host refused the resume at byte ${from} (416)`,
        );
    }
    throw error;
  }
  const { response, request, requestId, release } = sent;
  const drop = () => {
    release();
    response.body?.cancel().catch(() => {});
  };
  try {
    // A proxy or captive portal answers 200 with a page; no export is HTML.
    if (/^text\/html/i.test(response.headers.get("content-type") ?? "")) {
      throw new InvalidResponseError({
        message: "The download answered an HTML page, not a CSV file",
        status: response.status,
        request,
        requestId,
      });
    }
    let end: number | undefined;
    if (from === 0) {
      Object.assign(known, identityOf(response));
      end = known.total;
    } else {
      end = checkResume(response, from, known);
    }
    const reader = (response.body ?? empty()).getReader();
    const watched = new WatchedReader(reader, config.timeout, config.signal);
    return {
      reader,
      watched,
      release: () => {
        watched.dispose();
        release();
      },
      request,
      requestId,
      end,
    };
  } catch (error) {
    drop();
    throw error;
  }
}

/**
 * Reads a body chunk by chunk: each read fails with `Stalled` once `ms`
 * pass without a chunk, or with the signal's reason when it aborts. One
 * timer serves the whole body, re-armed only when it fires early: a timer
 * and a linked signal per chunk were most of the garbage of a long
 * download, and made the process grow with the file.
 */
class WatchedReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #ms: number;
  readonly #signal: AbortSignal | undefined;
  #readSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #fail: ((reason: unknown) => void) | undefined;
  readonly #onAbort = () => this.#fail?.(this.#signal!.reason);

  constructor(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    ms: number,
    signal: AbortSignal | undefined,
  ) {
    this.#reader = reader;
    this.#ms = ms;
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The next chunk, or `Stalled`, or the signal's reason. */
  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#signal?.aborted) return Promise.reject(this.#signal.reason);
    this.#readSince = Date.now();
    return new Promise((resolve, reject) => {
      this.#fail = reject;
      this.#arm(this.#ms);
      this.#reader.read().then(resolve, reject).finally(() => {
        this.#fail = undefined;
      });
    });
  }

  #arm(ms: number): void {
    if (this.#timer !== undefined || !Number.isFinite(this.#ms)) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // No read waiting: the next one arms the timer again.
      if (!this.#fail) return;
      const left = this.#readSince + this.#ms - Date.now();
      if (left <= 0) this.#fail(new Stalled());
      else this.#arm(left);
    }, ms);
  }

  /** Stops the timer and the signal's listener; the reader itself is the caller's. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}

/**
 * The file as a byte stream that survives a cut or a stall: each wait for
 * the next chunk is bounded by `timeout`, and a body that breaks off or
 * stalls is resumed with `Range` (and `If-Range`) from the byte it stopped
 * at, up to `maxRetries` times, from a fresh URL once the old one has
 * expired. The bytes come out exactly once, in order, and all of one file:
 * a resume answered by another version of the file, or by a range that
 * does not fit, fails the stream with a `ConnectionError` instead of
 * joining two files.
 */
async function fetchFile(
  config: ResolvedConfig,
  id: string,
  first: string,
): Promise<ReadableStream<Uint8Array>> {
  let url = first;
  let received = 0;
  let resumes = 0;
  const known: FileIdentity = {};
  const signal = config.signal;
  // From where the file stopped; a URL that outlived its 10 minutes is
  // refreshed once, by reading the export (which presigns a fresh one).
  const open = async () => {
    try {
      return await openBody(config, url, received, known);
    } catch (error) {
      if (!isExpired(error)) throw error;
      url = fileUrl(config, await fetchExport(config, id));
      return await openBody(config, url, received, known);
    }
  };
  const opened = await open();
  const { request } = opened;
  let body: Body = opened;
  const stop = () => {
    body.release();
    body.reader.cancel().catch(() => {});
  };
  const report = () =>
    config.onProgress?.({ received, total: known.total, resumes });
  try {
    // The length is known from the first answer: a bar can show it at once.
    report();
  } catch (error) {
    stop();
    throw error;
  }
  const fail = (controller: ReadableStreamDefaultController, error: unknown) =>
    controller.error(
      signal?.aborted
        ? signal.reason
        : error instanceof FileChanged || error instanceof CannotResume
        ? new ConnectionError({ request, cause: error, midBody: true })
        : error,
    );
  // Set by the reader's cancel: a read it ended is not a cut to resume.
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let cut: unknown;
        let chunk: Uint8Array | undefined;
        try {
          const { done, value } = await body.watched.read();
          if (cancelled) return;
          if (!done) chunk = value;
          // Not every runtime notices a connection closed short of the
          // promised length: a body that ends early is a cut like any other.
          else if (
            (body.end === undefined || received >= body.end) &&
            (known.total === undefined || received >= known.total)
          ) {
            body.release();
            return controller.close();
          } else {
            cut = new TypeError(
              `The body ended after ${received} of ${
                known.total ?? body.end
              } bytes`,
            );
          }
        } catch (error) {
          if (cancelled) return;
          cut = error;
        }
        if (chunk) {
          if (
            body.end !== undefined && received + chunk.byteLength > body.end
          ) {
            // More than announced is not this file's bytes, whatever they are.
            stop();
            return fail(
              controller,
              new CannotResume(
                `the file host sent more bytes than the ${body.end} it announced`,
              ),
            );
          }
          received += chunk.byteLength;
          // Outside the try: neither a chunk the stream refuses nor a
          // throwing onProgress is a network cut to resume.
          try {
            report();
          } catch (error) {
            stop();
            return controller.error(error);
          }
          return controller.enqueue(chunk);
        }
        stop();
        if (signal?.aborted) return controller.error(signal.reason);
        // Every byte arrived and only the clean end was lost: nothing to resume.
        if (received === known.total) return controller.close();
        if (resumes >= config.maxRetries) {
          return controller.error(
            cut instanceof Stalled
              ? new TimeoutError({
                message:
                  `The download stalled: no data for ${config.timeout} ms after ${received} bytes`,
                timeout: config.timeout,
                request,
              })
              : new ConnectionError({
                request,
                cause: scrub(cut, url, request.url),
                midBody: true,
              }),
          );
        }
        resumes++;
        let next: Body;
        try {
          report();
        } catch (error) {
          return controller.error(error);
        }
        try {
          next = await open();
        } catch (error) {
          if (cancelled) return;
          return fail(controller, error);
        }
        if (cancelled) {
          // Opened while the reader left: let it go at once.
          next.release();
          await next.reader.cancel().catch(() => {});
          return;
        }
        body = next;
      }
    },
    cancel(reason) {
      cancelled = true;
      body.release();
      return body.reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * The download URL of an export that must be ready: failed exports are
 * final, and anything but an https URL (or http on loopback, for the
 * emulator) is not a usable answer.
 */
function fileUrl(
  config: ResolvedConfig,
  auditLogExport: AuditLogExport,
): string {
  const { id, state, url } = auditLogExport;
  if (state === "error" || state === "expired") {
    throw new ExportFailedError({ export: auditLogExport });
  }
  let problem: string | undefined;
  if (state !== "ready") problem = `is ${state}, not ready`;
  else if (!url) problem = "is ready but has no download url";
  else {
    const parsed = parseUrl(url);
    if (parsed && isSecureTransport(parsed)) return url;
    problem = "has a download url that is not https";
  }
  throw new InvalidResponseError({
    message: `Export ${id} ${problem}`,
    status: 200,
    request: {
      method: "GET",
      url: `${config.baseUrl}/audit_logs/exports/${encodeURIComponent(id)}`,
    },
  });
}

/**
 * `downloadExport` on a resolved config. `issues` holds the config's own
 * problems, if any, thrown before anything else.
 */
export async function openDownload(
  config: ResolvedConfig,
  exportOrId: AuditLogExport | string,
  issues: readonly Issue[] = [],
): Promise<ReadableStream<Uint8Array>> {
  throwIfAny(issues);
  const { id } = exportRef(exportOrId);
  let ready = await pollExport(config, exportOrId);
  // A ready export read without a url is read once more before giving up.
  if (!ready.url) ready = await fetchExport(config, id);
  return fetchFile(config, id, fileUrl(config, ready));
}

/**
 * Downloads an export's CSV as a byte stream. A `pending` export is waited
 * for first (`WaitOptions` apply); the presigned URL is fetched without the
 * `Authorization` header; an expired URL is refreshed once by re-reading the
 * export. Failures before the first byte are retried like any request.
 *
 * @example
 * ```ts
 * import { downloadExport } from "@audit-log/export";
 * const bytes = await downloadExport("audit_log_export_01GBZK5MP7TD1YCFQHFR22180V");
 * const text = await new Response(bytes).text();
 * console.log(text.split("\n")[0]); // the header row
 * ```
 */
export function downloadExport(
  exportOrId: AuditLogExport | string,
  config?: ClientConfig & WaitOptions,
): Promise<ReadableStream<Uint8Array>> {
  const issues: Issue[] = [];
  return openDownload(resolveConfig(config, issues), exportOrId, issues);
}

function isStream(x: unknown): x is ReadableStream<Uint8Array> {
  return typeof x === "object" && x !== null &&
    typeof (x as ReadableStream).getReader === "function";
}

function isResponse(x: unknown): x is Response {
  return typeof x === "object" && x !== null &&
    typeof (x as Response).status === "number" &&
    "body" in x && typeof (x as Response).arrayBuffer === "function";
}

/**
 * The bytes of a source: read as given, downloaded, or exported first.
 * `issues` as for {@link openDownload}.
 */
async function openSource(
  config: ResolvedConfig,
  source: RowsSource,
  issues: readonly Issue[],
): Promise<ReadableStream<Uint8Array>> {
  // The config is checked whatever the source, so a typo in it never passes.
  throwIfAny(issues);
  if (isStream(source)) return source;
  if (isResponse(source)) {
    if (!source.ok) {
      await source.body?.cancel();
      throw new ValidationError({
        issues: [{
          path: "source",
          message: `the response has status ${source.status}, not 2xx`,
        }],
      });
    }
    return source.body ?? empty();
  }
  if (typeof source === "string") return openDownload(config, source);
  if (typeof source === "object" && source !== null) {
    if ("id" in source || "object" in source) {
      return openDownload(config, source as AuditLogExport);
    }
    let created: AuditLogExport;
    try {
      created = await postExport(config, source as CreateExportOptions);
    } catch (error) {
      // The API refuses an empty period instead of exporting an empty file.
      if (error instanceof NoEventsError) return empty();
      throw error;
    }
    return openDownload(config, created);
  }
  throw new ValidationError({
    issues: [{
      path: "source",
      message:
        "expected a ReadableStream, a Response, an export, an export id or export options",
    }],
  });
}

/**
 * Reads a source on a resolved config through `parse`, lazily: the parser gets a
 * stream that opens the source on its first pull, so nothing is checked or
 * sent before the first row is asked for, and leaving before that opens
 * nothing. The parser's own iterator is what the caller gets; only each
 * chunk, not each row, passes through here.
 */
export function readSource<T>(
  config: ResolvedConfig,
  source: RowsSource,
  parse: (
    stream: ReadableStream<Uint8Array>,
  ) => AsyncGenerator<T, void, undefined>,
  issues: readonly Issue[] = [],
): AsyncGenerator<T, void, undefined> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return parse(
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        reader ??= (await openSource(config, source, issues)).getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason),
    }, { highWaterMark: 0 }),
  );
}

/**
 * Streams the rows of an export's CSV, each an object keyed by the header
 * row. Reads from a byte stream, a `Response`, an export (object or id),
 * which it waits for and downloads, or the options of a new export, which
 * it creates first; a period with no events (`NoEventsError`) yields no
 * rows. Memory holds one row at a time; leaving the loop early cancels the
 * download. A malformed file rejects with `CsvParseError` naming the line.
 *
 * @example
 * ```ts
 * import { exportRows } from "@audit-log/export";
 * for await (const row of exportRows("audit_log_export_01GBZK5MP7TD1YCFQHFR22180V")) {
 *   console.log(row.occurred_at, row.action, row.actor_name);
 * }
 * ```
 */
export function exportRows(
  source: RowsSource,
  config?: ClientConfig & WaitOptions,
): AsyncIterable<Record<string, string>> {
  const issues: Issue[] = [];
  return readSource(
    resolveConfig(config, issues),
    source,
    parseCsvRows,
    issues,
  );
}

/**
 * Streams the events of an export as typed {@link AuditLogEvent}s:
 * `occurredAt` a `Date`, JSON cells parsed, targets gathered from the
 * `target_*_N` columns in the order of N, unknown columns kept in `raw`.
 * Takes the same sources as {@link exportRows}, including the options of a
 * new export (create, wait, download, parse; an empty period yields
 * nothing). A row without an action or a parsable `occurred_at` rejects
 * with `CsvParseError` naming its line.
 *
 * @example
 * ```ts
 * import { exportEvents } from "@audit-log/export";
 * const source = {
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: "2026-11-01T00:00:00Z",
 *   rangeEnd: "2026-11-08T00:00:00Z",
 *   actions: ["user.signed_in"],
 * };
 * for await (const event of exportEvents(source)) {
 *   console.log(event.occurredAt.toISOString(), event.actor.name, event.context.location);
 * }
 * ```
 */
export function exportEvents(
  source: RowsSource,
  config?: ClientConfig & WaitOptions,
): AsyncIterable<AuditLogEvent> {
  const issues: Issue[] = [];
  return readSource(
    resolveConfig(config, issues),
    source,
    parseCsvEvents,
    issues,
  );
}
