/**
 * The one function every request goes through: headers, idempotency,
 * per-attempt time-outs, retries with backoff, `Retry-After`, the mapping
 * of failures to typed errors, and the redaction of secrets from them.
 *
 * @module
 */

import type { ResolvedConfig } from "./config.ts";
import {
  ApiError,
  type ApiErrorInit,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  InvalidResponseError,
  NoEventsError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type Redactor,
  redactor,
  type RequestInfo,
  TimeoutError,
  UnprocessableEntityError,
  withoutQuery,
} from "./errors.ts";
import { randomUUID } from "./random.ts";
import { linkSignal, sleep } from "./signals.ts";
import { VERSION } from "./version.ts";

/** One logical request; it may take several attempts. */
export interface TransportRequest {
  method: "GET" | "POST";
  /** Absolute URL. */
  url: string;
  /** JSON body. */
  body?: unknown;
  /** The API key to send; omitted for presigned download URLs. */
  apiKey?: string;
  /** Return a 2xx response with its body unread (downloads); the attempt time-out then ends at the headers. */
  stream?: boolean;
  /** Ask for the file from this byte on (`Range: bytes=<from>-`), to resume a download. */
  from?: number;
  /**
   * The validator of the file being resumed (a strong ETag, or a
   * Last-Modified date), sent as `If-Range` with `from`: a host whose file
   * changed since then answers the whole new file (200), never a range of it.
   */
  ifRange?: string;
  /**
   * Takes credentials out of a runtime's network error: given the error, the
   * URL as sent and as shown (a presigned URL without its query).
   */
  hide?: (error: unknown, url: string, shown: string) => unknown;
}

/** A 2xx answer: the parsed JSON (or the unread response when streaming). */
export interface TransportResponse {
  response: Response;
  data: unknown;
  requestId: string | undefined;
  request: RequestInfo;
  /** Stops following the caller's signal; a streaming caller calls it once the body is done. */
  release(): void;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
/** Longest wait between attempts; a longer `Retry-After` is thrown, not slept. */
export const MAX_RETRY_DELAY_MS = 60_000;
const BASE_DELAY_MS = 500;
const MAX_BACKOFF_MS = 8_000;
/** Largest JSON body read from the API; anything bigger is not an API answer. */
export const MAX_RESPONSE_BYTES = 4 << 20;

const ERROR_CLASSES: Record<number, new (init: ApiErrorInit) => ApiError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

const NO_EVENTS = /^\s*no audit log events found\.?\s*$/i;

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Milliseconds the server asked to wait: `retry-after-ms`, or `Retry-After`
 * as RFC 9110 allows it, whole seconds (`1*DIGIT`) or an IMF-fixdate. Any
 * other text (`-5`, `1 2`, or `5, 5` from a repeated header) is no answer,
 * never a date that `Date.parse` happens to read.
 */
export function retryAfterMs(
  headers: Headers,
  now = Date.now(),
): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = headers.get("retry-after")?.trim();
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  return IMF_FIXDATE.test(value)
    ? Math.max(0, Date.parse(value) - now)
    : undefined;
}

/**
 * The wait before retry number `attempt + 1`, in ms: a ceiling that doubles
 * from 500 ms up to 8 s, of which half is fixed and half random (`random`
 * returns a number in [0, 1)).
 */
export function backoff(attempt: number, random = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** attempt);
  // Half fixed, half random: spreads a retry storm without ever retrying at once.
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Reads a body as text, refusing more than `max` bytes. */
async function readText(
  response: Response,
  max: number,
): Promise<string | undefined> {
  if (!response.body) return "";
  // A declared length within the cap lets the runtime read the body natively;
  // a body longer than declared is cut short by the runtime, not trusted. A
  // compressed body's length is not that of what it expands to: counted.
  const declared = Number(response.headers.get("content-length") ?? NaN);
  const encoding = response.headers.get("content-encoding");
  if (
    declared >= 0 && declared <= max &&
    (encoding === null || /^\s*identity\s*$/i.test(encoding))
  ) {
    return response.text();
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    text += decoder.decode(value, { stream: true });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The secrets of a request: the key, and for a presigned URL its query and
 * every value in it long enough to be a signature or a token (the short
 * ones are expiries and algorithm names, and would only blank out words).
 */
function secretsOf(
  config: ResolvedConfig,
  req: TransportRequest,
): (string | undefined)[] {
  const secrets = [config.apiKey, req.apiKey];
  const query = /[?]([^#]*)/s.exec(req.url)?.[1];
  if (req.apiKey === undefined && query) {
    secrets.push(query, safeDecode(query));
    for (const part of query.split("&")) {
      const value = part.slice(part.indexOf("=") + 1);
      if (value.length >= 16) secrets.push(value, safeDecode(value));
    }
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

/**
 * The response as an error may keep it: itself, or when its status text,
 * URL or a header holds a secret (a server may echo `Authorization` in
 * `WWW-Authenticate` or anywhere else), a bodiless copy with those taken
 * out, as whoever logs the error prints its response too.
 */
function keptResponse(
  response: Response,
  secret: Redactor,
): Response | undefined {
  const headers = [...response.headers];
  const clean = headers.map(([name, value]) => [name, secret.text(value)]);
  const dirty = secret.text(response.statusText) !== response.statusText ||
    secret.text(response.url) !== response.url ||
    clean.some(([, value], i) => value !== headers[i][1]);
  if (!dirty) return response;
  try {
    return new Response(null, {
      status: response.status,
      statusText: secret.text(response.statusText),
      headers: clean as [string, string][],
    });
  } catch {
    // A status a Response cannot be made with: better none than the secret.
    return undefined;
  }
}

function apiError(
  response: Response,
  text: string | undefined,
  request: RequestInfo,
  requestId: string | undefined,
  wait: number | undefined,
  presigned: boolean,
  secret: Redactor,
): ApiError {
  const { status } = response;
  const b = Object(parseJson(text ?? "")) as Record<string, unknown>;
  // A server may echo what it was sent, the Authorization header or a
  // presigned URL, in any field of its error body.
  const init: ApiErrorInit = {
    status,
    message: typeof b.message === "string" && b.message
      ? secret.text(b.message)
      : `${request.method} ${new URL(request.url).pathname} failed`,
    code: typeof b.code === "string" ? secret.text(b.code) : undefined,
    errors: Array.isArray(b.errors) ? secret.value(b.errors) : undefined,
    requestId,
    retryAfter: wait === undefined ? undefined : wait / 1000,
    request,
    // A presigned response's url holds the signature: such errors keep none.
    response: presigned ? undefined : keptResponse(response, secret),
  };
  // The API has no code for an empty period; its message is all there is.
  const Class = status === 400 && NO_EVENTS.test(init.message)
    ? NoEventsError
    : ERROR_CLASSES[status] ??
      (status >= 500 ? InternalServerError : ApiError);
  return new Class(init);
}

/**
 * Whether a JSON answer holds one of the secrets anywhere. The API never
 * sends the key back; an answer that does is not the documented shape, and
 * whatever it fills (an export, the error of a failed one, the CLI's
 * output) would carry the key on. Walked with a stack: a body may nest
 * deeper than the call stack goes.
 */
function holdsSecret(data: unknown, secret: Redactor): boolean {
  const stack = [data];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (secret.holds(v)) return true;
    } else if (typeof v === "object" && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        if (secret.holds(key)) return true;
        stack.push(item);
      }
    }
  }
  return false;
}

function buildHeaders(
  config: ResolvedConfig,
  req: TransportRequest,
  idempotencyKey: string | undefined,
): Record<string, string> {
  // Custom headers may carry secrets too: they go to the API host only.
  // Their names are already lower-case, so the ones set below always win.
  const headers: Record<string, string> = req.apiKey === undefined
    ? {}
    : { ...config.headers };
  headers.accept = req.stream ? "text/csv, */*" : "application/json";
  headers["user-agent"] = `audit-log-export/${VERSION}`;
  if (req.body !== undefined) headers["content-type"] = "application/json";
  if (req.apiKey !== undefined) headers.authorization = `Bearer ${req.apiKey}`;
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  if (req.from) {
    headers.range = `bytes=${req.from}-`;
    if (req.ifRange) headers["if-range"] = req.ifRange;
  }
  return headers;
}

/**
 * Settles as `promise` does, or rejects with the signal's reason as soon as
 * it aborts: a `fetch` that ignores `init.signal` (a wrapper that rebuilds
 * `init`) cannot hold a call past its time-out or its caller's abort. A
 * response that arrives after that has its body cancelled.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.then(discard, () => {});
      reject(signal.reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = <A>(then: (a: A) => void) => (a: A) => {
      signal.removeEventListener("abort", onAbort);
      then(a);
    };
    promise.then(settle(resolve), settle(reject));
  });
}

function discard(value: unknown): void {
  if (value instanceof Response) value.body?.cancel().catch(() => {});
}

/**
 * Sends a request, retrying what is safe to retry, and returns the 2xx
 * answer or throws the typed error of the last attempt.
 */
export async function send(
  config: ResolvedConfig,
  req: TransportRequest,
): Promise<TransportResponse> {
  // A presigned URL's query is a credential: errors keep only its path.
  const request: RequestInfo = {
    method: req.method,
    url: req.apiKey === undefined ? withoutQuery(req.url) : req.url,
  };
  const secret = redactor(secretsOf(config, req));
  // One key per logical call, identical on every retry, so a POST that took
  // effect before its answer was lost is not done twice.
  const idempotencyKey = req.method === "POST"
    ? config.idempotencyKey ?? randomUUID()
    : undefined;
  const headers = buildHeaders(config, req, idempotencyKey);
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const caller = config.signal;
  // A runtime's network error may name the URL, a wrapper's the headers.
  const hide = (error: unknown) =>
    secret.error(req.hide ? req.hide(error, req.url, request.url) : error);

  for (let attempt = 0;; attempt++) {
    caller?.throwIfAborted();
    // A pause shared with other calls is waited before this attempt's own
    // time-out starts, so it never counts against the attempt.
    if (config.gate) await config.gate(caller);
    const link = linkSignal(caller, config.timeout);
    const started = Date.now();
    let response: Response | undefined;
    let requestId: string | undefined;
    let failure: ApiError | ConnectionError | TimeoutError;
    let wait: number | undefined;
    // The error that ends the call, as opposed to one worth another attempt.
    let fatal: unknown;
    let handedOver = false;
    const report = (error?: Error, retryInMs?: number) =>
      config.onAttempt?.({
        method: request.method,
        url: request.url,
        attempt: attempt + 1,
        status: response?.status,
        requestId,
        durationMs: Date.now() - started,
        error: error?.name,
        retryInMs,
      });
    try {
      let pending: Promise<Response>;
      try {
        // A URL and init rather than a Request: undici copies a Request
        // object on every call, which costs more than the rest of the call.
        pending = config.fetch(req.url, {
          method: req.method,
          headers,
          body,
          signal: link.signal,
        });
      } catch (error) {
        // Thrown before anything was sent: the request itself is unusable,
        // and sending it again would fail the same way.
        throw fatal = new ConnectionError({ request, cause: hide(error) });
      }
      response = await abortable(pending, link.signal);
      const id = response.headers.get("x-request-id");
      requestId = id === null ? undefined : secret.text(id);
      if (response.ok && req.stream) {
        // The body belongs to the caller now; only their signal may stop it.
        handedOver = true;
        link.stopTimer();
        report();
        return {
          response,
          data: undefined,
          requestId,
          request,
          release: () => link.dispose(),
        };
      }
      const text = await abortable(
        readText(response, MAX_RESPONSE_BYTES),
        link.signal,
      );
      if (response.ok) {
        const data = text === undefined ? undefined : parseJson(text);
        if (data === undefined || holdsSecret(data, secret)) {
          throw fatal = new InvalidResponseError({
            message: text === undefined
              ? `The response body is larger than ${MAX_RESPONSE_BYTES} bytes`
              : data === undefined
              ? "The response body is not JSON"
              : "The response body contains the API key it was sent with",
            status: response.status,
            request,
            requestId,
          });
        }
        report();
        return { response, data, requestId, request, release: () => {} };
      }
      wait = retryAfterMs(response.headers);
      failure = apiError(
        response,
        text,
        request,
        requestId,
        wait,
        req.apiKey === undefined,
        secret,
      );
      if (!RETRYABLE.has(response.status)) throw fatal = failure;
    } catch (error) {
      if (caller?.aborted) {
        report(new DOMException("aborted", "AbortError"));
        throw caller.reason;
      }
      if (error === fatal) {
        report(fatal as Error);
        throw fatal;
      }
      failure = link.timedOut
        ? new TimeoutError({
          message:
            `${request.method} ${request.url} took longer than ${config.timeout} ms`,
          timeout: config.timeout,
          request,
        })
        : new ConnectionError({ request, cause: hide(error) });
    } finally {
      if (!handedOver) link.dispose();
    }
    const final = attempt >= config.maxRetries ||
      (wait !== undefined && wait > MAX_RETRY_DELAY_MS);
    // A zero or past Retry-After still waits the first backoff step: a
    // server that says "now" to every client must not get them all at once.
    const delay = wait === undefined
      ? backoff(attempt)
      : Math.max(wait, backoff(0));
    // Whole milliseconds: a log line or a metric has no use for the jitter's fraction.
    report(failure, final ? undefined : Math.round(delay));
    if (final) throw failure;
    await sleep(delay, caller);
  }
}
