/**
 * Serving the emulator on loopback.
 *
 * `node:http` is used in every runtime (Deno and Bun implement it natively)
 * because an injected dropped connection must reset the socket before any
 * header is sent, and only a socket-level server can do that; `Deno.serve`
 * and `Bun.serve` can only break a body that has already started. It is
 * imported lazily so that `createEmulator` alone stays free of Node APIs and
 * runs on edge runtimes.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import { checkOptions, isRecord, type Issue, type Rules } from "../rules.ts";
import { createEmulator } from "./emulator.ts";
import { DroppedConnection } from "./faults.ts";
import { EMULATOR_RULES, optionsError } from "./options.ts";
import type { Emulator, EmulatorOptions } from "./types.ts";

/**
 * Options of {@link serveEmulator}: the emulator's own, plus where to listen.
 *
 * @example
 * ```ts
 * import { serveEmulator, type ServeOptions } from "@audit-log/export/testing";
 * const options: ServeOptions = { port: 0, hostname: "127.0.0.1", exportDelayMs: 0 };
 * const server = await serveEmulator(options);
 * console.log(server.url); // e.g. "http://127.0.0.1:54321"
 * await server.close();
 * ```
 */
export interface ServeOptions extends EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Serve this emulator instead of creating one from the options. */
  emulator?: Emulator;
}

/**
 * A running emulator server.
 *
 * @example
 * ```ts
 * import { createClient } from "@audit-log/export";
 * import { serveEmulator, type ServedEmulator } from "@audit-log/export/testing";
 * const server: ServedEmulator = await serveEmulator({ exportDelayMs: 0 });
 * const client = createClient({ apiKey: server.emulator.apiKey, baseUrl: server.url });
 * server.emulator.inject({ method: "POST", status: 503 }); // the client's retry then succeeds
 * // … run the code under test with `client` …
 * await server.close();
 * ```
 */
export interface ServedEmulator {
  /** The base URL to give a client, e.g. `"http://127.0.0.1:54321"`. */
  url: string;
  /** The emulator behind it, for assertions and fault injection. */
  emulator: Emulator;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** Where {@link serveEmulator} listens unless told otherwise. */
const SERVE_DEFAULTS = { port: 0, hostname: "127.0.0.1" } as const;

const SERVE_RULES: Rules<ServeOptions> = {
  ...EMULATOR_RULES,
  port: (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65_535
      ? undefined
      : "must be an integer from 0 to 65535",
  hostname: (v) =>
    typeof v === "string" && v !== ""
      ? undefined
      : "must be a non-empty string",
  emulator: (v) =>
    isRecord(v) && typeof v.fetch === "function"
      ? undefined
      : "must be an emulator (an object with a fetch method)",
};

function toRequest(
  req: IncomingMessage,
  origin: string,
  signal: AbortSignal,
): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  let open = true;
  // The origin is prefixed, never resolved against: a target such as
  // "//other.host/x" must stay a path on this server. A target in absolute
  // form (RFC 9112 §3.2.2, as proxies send) is reduced to its path first.
  const target = req.url ?? "/";
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target);
  const path = absolute ? target.slice(absolute[0].length) || "/" : target;
  return new Request(`${origin}${path.startsWith("/") ? path : `/${path}`}`, {
    method: req.method,
    headers,
    signal,
    body: hasBody
      ? new ReadableStream<Uint8Array>({
        start(controller) {
          // Once the handler stops reading (a body over the cap), Node keeps
          // emitting; those events must not reach a closed stream.
          req.on("data", (chunk: Uint8Array) => {
            if (open) controller.enqueue(new Uint8Array(chunk));
          });
          req.on("end", () => {
            if (open) controller.close();
            open = false;
          });
          req.on("error", (e) => {
            if (open) controller.error(e);
            open = false;
          });
        },
        cancel() {
          open = false;
          req.resume();
        },
      })
      : undefined,
    // @ts-ignore: required by Node's fetch for a streamed body, unknown to the DOM types
    duplex: "half",
  });
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  res.writeHead(response.status, headers);
  if (!response.body) return void res.end();
  // Headers go out before the body, so a body cut later is seen as a cut body.
  res.flushHeaders();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          // Whichever fires first, both listeners go, so none pile up.
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.once("drain", done);
          res.once("close", done);
        });
      }
      if (res.destroyed) return void reader.cancel().catch(() => {});
    }
    res.end();
  } catch {
    // A body that breaks (an injected truncation) must look like a cut, not
    // a clean end: what was written still goes out, then the connection
    // closes short of the promised length, as a file host that dies does.
    if (res.socket) res.socket.end();
    else res.destroy();
  }
}

/**
 * Starts an emulator on loopback and returns its URL. Works in Deno, Node
 * and Bun.
 *
 * @example
 * ```ts
 * import { serveEmulator } from "@audit-log/export/testing";
 * const server = await serveEmulator({ exportDelayMs: 0 });
 * console.log(server.url, server.emulator.apiKey);
 * await server.close();
 * ```
 */
export async function serveEmulator(
  options: ServeOptions = {},
): Promise<ServedEmulator> {
  const issues: Issue[] = [];
  if (!checkOptions(options, SERVE_RULES, issues, "serveEmulator options")) {
    throw optionsError(issues);
  }
  // The emulator is given only its own options: it refuses any other.
  const { port, hostname: host, emulator: given, ...own } = options;
  const emulator = given ?? createEmulator(own);
  const hostname = host ?? SERVE_DEFAULTS.hostname;
  // Deno without the permission fails inside node:http, out of reach of a
  // listen callback: ask first, and fail with a clear, catchable error.
  const deno = (globalThis as {
    Deno?: {
      permissions?: {
        querySync?(d: { name: "net"; host: string }): { state: string };
      };
    };
  }).Deno;
  const state = deno?.permissions?.querySync?.({ name: "net", host: hostname })
    .state;
  if (state !== undefined && state !== "granted") {
    throw new Error(
      `serveEmulator needs network access to ${hostname} (deno run --allow-net=${hostname})`,
    );
  }
  const http = await import("node:http");
  const sockets = new Set<import("node:net").Socket>();
  let origin = "";
  const server = http.createServer((req, res) => {
    const controller = new AbortController();
    res.on("close", () => controller.abort(new DroppedConnection()));
    let request: Request;
    try {
      request = toRequest(req, origin, controller.signal);
    } catch {
      // A method or target no Request can carry (TRACE, "//[") is the
      // client's mistake: answer it, never let it reach the process.
      res.writeHead(400, {
        "content-type": "application/json",
        "x-request-id": "req_emulator_bad_request",
      });
      res.end(JSON.stringify({ message: "Malformed request." }));
      return;
    }
    emulator.fetch(request)
      .then((response) => send(response, res))
      .catch((error) => {
        if (error instanceof DroppedConnection || controller.signal.aborted) {
          req.socket.destroy();
        } else {
          // Never reached by design; a 500 beats a hung client if it ever is.
          res.writeHead(500, {
            "content-type": "application/json",
            "x-request-id": "req_emulator_failure",
          });
          res.end(JSON.stringify({ message: "Emulator failure." }));
        }
      });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port ?? SERVE_DEFAULTS.port, hostname, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === "object" && address ? address.port : port;
  origin = `http://${
    hostname.includes(":") ? `[${hostname}]` : hostname
  }:${bound}`;
  return {
    url: origin,
    emulator,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
