/**
 * The one attempt loop every request goes through: per-attempt time-outs,
 * retries with backoff, `Retry-After`, the mapping of failures to typed
 * errors, and the redaction of secrets from them; and on it, {@link send}
 * for the API's JSON calls. What a download adds (its headers, its URL's
 * hidden query, the hand-over of an unread body) lives with the download,
 * so a JSON call does not carry it.
 *
 * @module
 */

import { globalFetch, type ResolvedConfig } from "./config.ts";
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
} from "./errors.ts";
import { randomUUID } from "./random.ts";
import { type LinkedSignal, linkSignal, sleep } from "./signals.ts";
import { VERSION } from "./version.ts";

/** The `User-Agent` of every request, where the runtime lets it be set. */
export const USER_AGENT = `audit-log-export/${VERSION}`;

/** One logical request, as the attempt loop sends it; it may take several attempts. */
export interface Exchange<T> {
  /** Method and URL as errors and `onAttempt` show them. */
  request: RequestInfo;
  /** The absolute URL as sent. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What no error may hold: the key, a presigned URL's signature. */
  secrets: readonly (string | undefined)[];
  /** A presigned URL: its errors keep no response, whose `url` is a credential. */
  presigned?: boolean;
  /** Takes credentials out of a runtime's network error, before the redactor. */
  hide?: (error: unknown) => unknown;
  /**
   * Turns a 2xx answer into the result, within the attempt's time budget
   * (reads go through {@link Attempts.bounded}). An error it marks with
   * {@link Attempts.fatal} ends the call; any other is a failed attempt.
   */
  accept(call: Attempts<T>, link: LinkedSignal): T | Promise<T>;
  /**
   * The result keeps the attempt's link (a body still to be read): `accept`
   * stops its timer and its result releases it.
   */
  keepsLink?: boolean;
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

/**
 * Reads a body as text, refusing (`undefined`) more than `max` bytes. Not
 * `async`: the common answer, a declared length within the cap, is the
 * runtime's own read, passed on as it is.
 */
function readText(
  response: Response,
  max: number,
): Promise<string | undefined> {
  if (!response.body) return Promise.resolve("");
  // A declared length within the cap lets the runtime read the body natively;
  // a body longer than declared is cut short by the runtime, not trusted. A
  // compressed body's length is not that of what it expands to: counted.
  const headers = response.headers;
  const declared = Number(headers.get("content-length") ?? NaN);
  const encoding = headers.get("content-encoding");
  return declared >= 0 && declared <= max &&
      (encoding === null || /^\s*identity\s*$/i.test(encoding))
    ? response.text()
    : readCounted(response.body, max);
}

// One for every body: a decode without `stream` keeps no state between
// calls. Pure, so a bundle that never reads a counted body drops it.
const decoder = /* @__PURE__ */ new TextDecoder();

/** A body read chunk by chunk, counting its bytes, and decoded once. */
async function readCounted(
  body: ReadableStream<Uint8Array>,
  max: number,
): Promise<string | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(size);
  if (chunks.length !== 1) {
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
  }
  return decoder.decode(bytes);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Text made only of the characters of ids (no space, `%`, `+` or `\`, so no
 * encoded spelling of anything and no `Bearer` credential): it holds a
 * secret only as the secret itself.
 */
const ID_TEXT = /^[\w.~:-]*$/;

/** A secret that every encoding leaves as it is. */
const PLAIN_SECRET = /^[\w.-]+$/;

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

/**
 * One logical request across its attempts: what the loop knows of the
 * current attempt, and the redactor of the request's secrets, built only
 * when something has to be cleaned (a failure, or text that might hold a
 * secret): most calls never build it.
 */
export class Attempts<T> {
  /** 0 for the first attempt. */
  attempt = 0;
  started = 0;
  /** The current attempt's response, once its headers arrived. */
  response: Response | undefined = undefined;
  /** The parsed body of a JSON answer. */
  data: unknown = undefined;
  /** The error that ends the call, as opposed to one worth another attempt. */
  fatal: unknown = undefined;
  /** Whether `fetch` and the bodies it gives follow their signal by themselves. */
  readonly follows: boolean;
  #secret: Redactor | undefined = undefined;

  constructor(
    readonly config: ResolvedConfig,
    readonly exchange: Exchange<T>,
    readonly request: RequestInfo = exchange.request,
  ) {
    this.follows = config.fetch === globalFetch &&
      globalThis.fetch === RUNTIME_FETCH;
  }

  /**
   * `work` of the current attempt, bounded by its signal: as it is when
   * the runtime's `fetch` does that itself, else raced against `link`.
   */
  bounded<V>(
    work: Promise<V>,
    link: LinkedSignal,
    discard?: (value: V) => void,
  ): Promise<V> {
    return this.follows ? work : link.race(work, discard);
  }

  /** The redactor of the secrets, built on first use. */
  secret(): Redactor {
    return this.#secret ??= redactor(this.exchange.secrets);
  }

  /** Whether one of the secrets is in `text` as it is. */
  #anyIn(text: string): boolean {
    return this.exchange.secrets.some((s) => s && text.includes(s));
  }

  /** `X-Request-ID` of the current response, fit to go into an error or a log. */
  get requestId(): string | undefined {
    const id = this.response?.headers.get("x-request-id");
    if (id == null) return undefined;
    return ID_TEXT.test(id) && !this.#anyIn(id) ? id : this.secret().text(id);
  }

  /** Whether the parsed `data` of `text` holds a secret. */
  holds(text: string, data: unknown): boolean {
    // Without a backslash, every string in the data is part of the text, and
    // a plain secret has no other spelling: the text alone can clear it.
    const plain = !text.includes("\\") &&
      this.exchange.secrets.every((s) => !s || PLAIN_SECRET.test(s));
    return (!plain || this.#anyIn(text)) && holdsSecret(data, this.secret());
  }

  /** A runtime's network error, its credentials taken out. */
  hide(error: unknown): unknown {
    const { hide } = this.exchange;
    return this.secret().error(hide ? hide(error) : error);
  }

  /** Tells `onAttempt` about the current attempt. */
  report(error?: Error, retryInMs?: number): void {
    this.config.onAttempt?.({
      method: this.request.method,
      url: this.request.url,
      attempt: this.attempt + 1,
      status: this.response?.status,
      requestId: this.requestId,
      durationMs: Date.now() - this.started,
      error: error?.name,
      retryInMs,
    });
  }
}

/** The typed error of a non-2xx answer whose body was `text`. */
function apiError(
  call: Attempts<unknown>,
  response: Response,
  text: string | undefined,
  wait: number | undefined,
): ApiError {
  const { status } = response;
  const { request } = call;
  const secret = call.secret();
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
    requestId: call.requestId,
    retryAfter: wait === undefined ? undefined : wait / 1000,
    request,
    // A presigned response's url holds the signature: such errors keep none.
    response: call.exchange.presigned
      ? undefined
      : keptResponse(response, secret),
  };
  // The API has no code for an empty period; its message is all there is.
  const Class = status === 400 && NO_EVENTS.test(init.message)
    ? NoEventsError
    : ERROR_CLASSES[status] ??
      (status >= 500 ? InternalServerError : ApiError);
  return new Class(init);
}

/**
 * The runtime's own `fetch`, as it was when this module loaded. It rejects,
 * and errors the body it gave, as soon as its signal aborts: a call through
 * it needs no race of its own (which would only add promises and ticks to
 * every call). Any other `fetch`, a wrapper or a stub, is raced.
 */
const RUNTIME_FETCH: unknown = globalThis.fetch;

/** A response that arrives after its attempt was given up: its body is let go. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}

/**
 * Runs `exchange`, retrying what is safe to retry, and returns what its
 * `accept` made of the 2xx answer, or throws the typed error of the last
 * attempt. Every request, JSON or file, goes through here.
 */
export async function exchange<T>(
  config: ResolvedConfig,
  exchange: Exchange<T>,
): Promise<T> {
  const call = new Attempts(config, exchange);
  const { request } = exchange;
  const caller = config.signal;
  for (;; call.attempt++) {
    caller?.throwIfAborted();
    // A pause shared with other calls is waited before this attempt's own
    // time-out starts, so it never counts against the attempt.
    if (config.gate) await config.gate(caller);
    const link = linkSignal(caller, config.timeout);
    call.started = Date.now();
    call.response = undefined;
    let failure: ApiError | ConnectionError | TimeoutError;
    let wait: number | undefined;
    let kept = false;
    try {
      let pending: Promise<Response>;
      try {
        // A URL and init rather than a Request: undici copies a Request
        // object on every call, which costs more than the rest of the call.
        pending = config.fetch(exchange.url, {
          method: request.method,
          headers: exchange.headers,
          body: exchange.body,
          signal: link.signal,
        });
      } catch (error) {
        // Thrown before anything was sent: the request itself is unusable,
        // and sending it again would fail the same way.
        throw call.fatal = new ConnectionError({
          request,
          cause: call.hide(error),
        });
      }
      const response = call.response = await call.bounded(
        pending,
        link,
        discard,
      );
      if (response.ok) {
        const result = await exchange.accept(call, link);
        kept = exchange.keepsLink === true;
        call.report();
        return result;
      }
      const text = await call.bounded(
        readText(response, MAX_RESPONSE_BYTES),
        link,
      );
      wait = retryAfterMs(response.headers);
      failure = apiError(call, response, text, wait);
      if (!RETRYABLE.has(response.status)) throw call.fatal = failure;
    } catch (error) {
      if (caller?.aborted) {
        call.report(new DOMException("aborted", "AbortError"));
        throw caller.reason;
      }
      if (error === call.fatal) {
        call.report(error as Error);
        throw error;
      }
      failure = link.timedOut
        ? new TimeoutError({
          message:
            `${request.method} ${request.url} took longer than ${config.timeout} ms`,
          timeout: config.timeout,
          request,
        })
        : new ConnectionError({ request, cause: call.hide(error) });
    } finally {
      if (!kept) link.dispose();
    }
    const final = call.attempt >= config.maxRetries ||
      (wait !== undefined && wait > MAX_RETRY_DELAY_MS);
    // A zero or past Retry-After still waits the first backoff step: a
    // server that says "now" to every client must not get them all at once.
    const delay = wait === undefined
      ? backoff(call.attempt)
      : Math.max(wait, backoff(0));
    // Whole milliseconds: a log line or a metric has no use for the jitter's fraction.
    call.report(failure, final ? undefined : Math.round(delay));
    if (final) throw failure;
    await sleep(delay, caller);
  }
}

/** One call of the JSON API; it may take several attempts. */
export interface TransportRequest {
  method: "GET" | "POST";
  /** Absolute URL. */
  url: string;
  /** JSON body. */
  body?: unknown;
  /** The API key to send. */
  apiKey: string;
}

/** A 2xx answer of the JSON API. */
export interface TransportResponse {
  response: Response;
  /** The parsed JSON. */
  data: unknown;
  readonly requestId: string | undefined;
  readonly request: RequestInfo;
}

/** Reads a 2xx JSON answer within the attempt's budget; a bad one ends the call. */
async function acceptJson(
  call: Attempts<TransportResponse>,
  link: LinkedSignal,
): Promise<TransportResponse> {
  const response = call.response!;
  const text = await call.bounded(
    readText(response, MAX_RESPONSE_BYTES),
    link,
  );
  const data = text === undefined ? undefined : parseJson(text);
  if (data === undefined || call.holds(text!, data)) {
    throw call.fatal = new InvalidResponseError({
      message: text === undefined
        ? `The response body is larger than ${MAX_RESPONSE_BYTES} bytes`
        : data === undefined
        ? "The response body is not JSON"
        : "The response body contains the API key it was sent with",
      status: response.status,
      request: call.request,
      requestId: call.requestId,
    });
  }
  call.data = data;
  return call as unknown as TransportResponse;
}

/**
 * Sends a call of the JSON API (`Authorization`, `Idempotency-Key` on a
 * POST, the config's own headers) and returns its parsed 2xx answer, or
 * throws the typed error of the last attempt.
 */
export function send(
  config: ResolvedConfig,
  req: TransportRequest,
): Promise<TransportResponse> {
  // Custom headers may carry secrets too: they go to the API host only.
  // Their names are already lower-case, so the ones set below always win.
  const headers: Record<string, string> = { ...config.headers };
  headers.accept = "application/json";
  headers["user-agent"] = USER_AGENT;
  if (req.body !== undefined) headers["content-type"] = "application/json";
  headers.authorization = `Bearer ${req.apiKey}`;
  // One key per logical call, identical on every retry, so a POST that took
  // effect before its answer was lost is not done twice.
  if (req.method === "POST") {
    headers["idempotency-key"] = config.idempotencyKey ?? randomUUID();
  }
  return exchange(config, {
    request: { method: req.method, url: req.url },
    url: req.url,
    headers,
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
    secrets: [config.apiKey, req.apiKey],
    accept: acceptJson,
  });
}
