/**
 * The emulator's route table: which path and method reach which answer of
 * the store, behind the API key, the rate limit and the idempotency keys
 * (on events always, on exports only when asked, as the real API honours
 * them on events alone); presigned downloads need no key.
 *
 * @module
 */

import { json, readJson } from "./http.ts";
import { type IdempotencyStore, withIdempotency } from "./idempotency.ts";
import { type Handler, withRateLimit } from "./rate_limit.ts";
import type { RequestLog } from "./request_log.ts";
import { DOWNLOAD_PREFIX, type Store } from "./store.ts";

/** What the routes need besides the store. */
export interface RouteOptions {
  /** The only API key accepted. */
  apiKey: string;
  /** The emulator's clock. */
  now: () => number;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Requests allowed per API key per window, or `false` for none. */
  rateLimit: { limit: number; windowMs: number } | false;
  /** Whether `Idempotency-Key` deduplicates `POST /audit_logs/exports` too. */
  deduplicateExports: boolean;
}

/** A request and the path of its URL in, its answer out. */
export type Router = (request: Request, path: string) => Promise<Response>;

/** The routes over `store`; a POST's body is kept in its entry of `log`. */
export function createRouter(
  store: Store,
  log: RequestLog,
  options: RouteOptions,
): Router {
  const { apiKey, now, maxBodyBytes } = options;
  const keys: IdempotencyStore = new Map();
  const createExport = (request: Request, body: Record<string, unknown>) =>
    store.createExport(body, new URL(request.url).origin);
  const posts: Record<
    string,
    (request: Request, body: Record<string, unknown>) => Promise<Response>
  > = {
    // The header is accepted either way; only events are deduplicated by
    // default, as the official SDKs document of the real API.
    "/audit_logs/exports": options.deduplicateExports
      ? withIdempotency("/audit_logs/exports", createExport, keys, now)
      : (request, body) => Promise.resolve(createExport(request, body)),
    "/audit_logs/events": withIdempotency(
      "/audit_logs/events",
      (_, body) => store.createEvent(body),
      keys,
      now,
    ),
  };

  /** The API routes, for a request that carried the key. */
  const api: Handler = withRateLimit(
    async (request) => {
      const { pathname: path, origin } = new URL(request.url);
      const method = request.method;
      const post = Object.hasOwn(posts, path) ? posts[path] : undefined;
      if (post) {
        if (method !== "POST") {
          return json(405, { message: "Method not allowed." }, {
            allow: "POST",
          });
        }
        const body = await readJson(
          request,
          log.entryOf(request)!,
          maxBodyBytes,
        );
        return body instanceof Response ? body : post(request, body);
      }
      const m = /^\/audit_logs\/exports\/([^/]+)$/.exec(path);
      if (!m) return json(404, { message: `Not found: ${method} ${path}` });
      if (method !== "GET" && method !== "HEAD") {
        return json(405, { message: "Method not allowed." }, {
          allow: "GET, HEAD",
        });
      }
      let id: string;
      try {
        id = decodeURIComponent(m[1]);
      } catch {
        id = m[1];
      }
      return store.getExport(id, origin);
    },
    options.rateLimit,
    () => apiKey,
    now,
  );

  return (request, path) => {
    // Presigned: a download carries its credential in its URL, not a key.
    if (path.startsWith(DOWNLOAD_PREFIX)) {
      const token = path.slice(DOWNLOAD_PREFIX.length).split("/")[0];
      return Promise.resolve(store.download(request, token));
    }
    if (request.headers.get("authorization") !== `Bearer ${apiKey}`) {
      return Promise.resolve(json(401, {
        message:
          "Could not authorize the request. Maybe your API key is invalid?",
      }));
    }
    return api(request);
  };
}
