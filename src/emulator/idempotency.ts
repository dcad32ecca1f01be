/**
 * `Idempotency-Key` on a POST route, as a wrapper around the route's
 * handler: the same key and body replay the first successful answer for
 * 24 hours (`Idempotent-Replayed: true`); the same key with another body is
 * a 409. The real API does this on `POST /audit_logs/events` only; the
 * emulator wraps `POST /audit_logs/exports` too when asked.
 *
 * @module
 */

import { json, JSON_TYPE } from "./http.ts";

const IDEMPOTENCY_MS = 24 * 3_600_000;

/** A POST route: its request and its parsed JSON body in, its answer out. */
export type PostHandler = (
  request: Request,
  body: Record<string, unknown>,
) => Response;

/** The keys seen by one emulator, shared by its POST routes. */
export type IdempotencyStore = Map<
  string,
  { body: string; status: number; text: Promise<string>; expiresAt: number }
>;

/** `handler` of the route `route` behind the idempotency keys of `store`. */
export function withIdempotency(
  route: string,
  handler: PostHandler,
  store: IdempotencyStore,
  now: () => number,
): (request: Request, body: Record<string, unknown>) => Promise<Response> {
  return async (request, body) => {
    const key = request.headers.get("idempotency-key");
    if (!key) return handler(request, body);
    const slot = `${route}\n${key}`;
    const text = JSON.stringify(body);
    const seen = store.get(slot);
    if (seen && seen.expiresAt > now()) {
      if (seen.body !== text) {
        return json(409, {
          message:
            "This Idempotency-Key was already used with a different request body.",
          code: "idempotency_key_reused",
        });
      }
      return new Response(await seen.text, {
        status: seen.status,
        headers: { "content-type": JSON_TYPE, "idempotent-replayed": "true" },
      });
    }
    const response = handler(request, body);
    // Only successes are remembered, so a request fixed after a 4xx may
    // reuse its key. The answer is stored as a promise before any await, so
    // concurrent requests with one key see the first one's slot and replay it.
    if (response.ok) {
      store.set(slot, {
        body: text,
        status: response.status,
        text: response.clone().text(),
        expiresAt: now() + IDEMPOTENCY_MS,
      });
    }
    return response;
  };
}
