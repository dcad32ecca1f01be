/**
 * The per-key rate limit of the API, as a wrapper around a handler: a
 * fixed window of `limit` requests, then 429 `rate_limit_exceeded` with
 * `Retry-After` until the window ends.
 *
 * @module
 */

import { json } from "./http.ts";

/** What a wrapped handler answers. */
export type Handler = (request: Request) => Promise<Response>;

/** `handler` behind a rate limit per `keyOf(request)`; `false` for none. */
export function withRateLimit(
  handler: Handler,
  limit: { limit: number; windowMs: number } | false,
  keyOf: (request: Request) => string,
  now: () => number,
): Handler {
  if (!limit) return handler;
  const windows = new Map<string, { start: number; count: number }>();
  return (request) => {
    const key = keyOf(request);
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= limit.windowMs) {
      windows.set(key, w = { start: t, count: 0 });
    }
    if (++w.count <= limit.limit) return handler(request);
    const seconds = Math.max(
      1,
      Math.ceil((w.start + limit.windowMs - t) / 1000),
    );
    return Promise.resolve(json(429, {
      message: "Too many requests.",
      code: "rate_limit_exceeded",
    }, {
      "retry-after": String(seconds),
    }));
  };
}
