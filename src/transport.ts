/**
 * The one function every request goes through: headers, idempotency,
 * per-attempt time-outs, retries with backoff, `Retry-After`, and the
 * mapping of failures to typed errors.
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
  type RequestInfo,
  TimeoutError,
  UnprocessableEntityError,
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

/**
 * The runtime's error for a failed request, with a presigned URL's query
 * taken out: Deno and Bun name the full URL in their network errors, and
 * for a download that query is a credential. Other errors pass unchanged.
 */
export function scrub(error: unknown, url: string, shown: string): unknown {
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

/** Milliseconds the server asked to wait (`retry-after-ms`, `Retry-After` seconds or HTTP date). */
export function retryAfterMs(
  headers: Headers,
  now = Date.now(),
): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** attempt);
  // Half fixed, half random: spreads a retry storm without ever retrying at once.
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Reads a body as text, refusing more than `max` bytes. */
async function readText(
  response: Response,
  max: number,
): Promise<string | undefined> {
  if (!response.body) return "";
  // A declared length within the cap lets the runtime read the body natively;
  // a body longer than declared is cut short by the runtime, not trusted.
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared >= 0 && declared <= max) return response.text();
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

function apiError(
  status: number,
  body: unknown,
  request: RequestInfo,
  response: Response,
  presigned: boolean,
): ApiError {
  const b = typeof body === "object" && body !== null
    ? body as Record<string, unknown>
    : {};
  const wait = retryAfterMs(response.headers);
  const init: ApiErrorInit = {
    status,
    message: typeof b.message === "string" && b.message
      ? b.message
      : `${request.method} ${new URL(request.url).pathname} failed`,
    code: typeof b.code === "string" ? b.code : undefined,
    errors: Array.isArray(b.errors) ? b.errors : undefined,
    requestId: response.headers.get("x-request-id") ?? undefined,
    retryAfter: wait === undefined ? undefined : wait / 1000,
    request,
    // A presigned response's url holds the signature: such errors keep none.
    response: presigned ? undefined : response,
  };
  // The API has no code for an empty period; its message is all there is.
  const Class = status === 400 && NO_EVENTS.test(init.message)
    ? NoEventsError
    : ERROR_CLASSES[status] ??
      (status >= 500 ? InternalServerError : ApiError);
  return new Class(init);
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
  return headers;
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
    url: req.apiKey === undefined ? req.url.replace(/[?#].*$/s, "") : req.url,
  };
  // One key per logical call, identical on every retry, so a POST that took
  // effect before its answer was lost is not done twice.
  const idempotencyKey = req.method === "POST"
    ? config.idempotencyKey ?? randomUUID()
    : undefined;
  const headers = buildHeaders(config, req, idempotencyKey);
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const caller = config.signal;

  for (let attempt = 0;; attempt++) {
    caller?.throwIfAborted();
    const link = linkSignal(caller, config.timeout);
    let failure: ApiError | ConnectionError | TimeoutError;
    let wait: number | undefined;
    let handedOver = false;
    try {
      // A URL and init rather than a Request: undici copies a Request
      // object on every call, which costs more than the rest of the call.
      const response = await config.fetch(req.url, {
        method: req.method,
        headers,
        body,
        signal: link.signal,
      });
      const requestId = response.headers.get("x-request-id") ?? undefined;
      if (response.ok && req.stream) {
        // The body belongs to the caller now; only their signal may stop it.
        handedOver = true;
        link.stopTimer();
        return {
          response,
          data: undefined,
          requestId,
          request,
          release: () => link.dispose(),
        };
      }
      const text = await readText(response, MAX_RESPONSE_BYTES);
      if (response.ok) {
        const data = text === undefined ? undefined : parseJson(text);
        if (data === undefined) {
          throw new InvalidResponseError(
            text === undefined
              ? `The response body is larger than ${MAX_RESPONSE_BYTES} bytes`
              : "The response body is not JSON",
            response.status,
            request,
            requestId,
          );
        }
        return { response, data, requestId, request, release: () => {} };
      }
      failure = apiError(
        response.status,
        parseJson(text ?? ""),
        request,
        response,
        req.apiKey === undefined,
      );
      if (!RETRYABLE.has(response.status)) throw failure;
      wait = retryAfterMs(response.headers);
    } catch (error) {
      if (caller?.aborted) throw caller.reason;
      if (error instanceof ApiError || error instanceof InvalidResponseError) {
        throw error;
      }
      failure = link.timedOut
        ? new TimeoutError(
          `${request.method} ${request.url} took longer than ${config.timeout} ms`,
          config.timeout,
          request,
        )
        : new ConnectionError(request, scrub(error, req.url, request.url));
    } finally {
      if (!handedOver) link.dispose();
    }
    if (wait !== undefined && wait > MAX_RETRY_DELAY_MS) throw failure;
    if (attempt >= config.maxRetries) throw failure;
    await sleep(wait ?? backoff(attempt), caller);
  }
}
