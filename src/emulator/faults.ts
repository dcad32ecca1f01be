/**
 * Fault injection: the next N matching requests get a wrong answer, a slow
 * one, or none at all.
 *
 * @module
 */

import { sleep } from "../signals.ts";
import type { EmulatorFault } from "./types.ts";

/**
 * Thrown by the emulator's handler to drop the connection. `serveEmulator`
 * destroys the socket when it sees it; called in-process, `fetch` rejects
 * with it, as a real `fetch` rejects with a `TypeError` on a reset.
 */
export class DroppedConnection extends TypeError {
  constructor() {
    super("The emulator dropped the connection (injected fault)");
    this.name = "DroppedConnection";
  }
}

/** `test` without the state a `g` or `y` flag keeps between calls. */
function matchesPattern(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(path);
}

/** Pending faults, consumed in the order they were injected. */
export class FaultQueue {
  #faults: { fault: EmulatorFault; left: number }[] = [];

  add(fault: EmulatorFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new TypeError("fault.times must be a positive integer");
    }
    this.#faults.push({ fault, left: times });
  }

  /** The first fault matching this request, counting one use of it. */
  take(method: string, path: string): EmulatorFault | undefined {
    const i = this.#faults.findIndex(({ fault }) =>
      (!fault.method || fault.method.toUpperCase() === method) &&
      (fault.path === undefined ||
        (typeof fault.path === "string"
          ? fault.path === path
          : matchesPattern(fault.path, path)))
    );
    if (i < 0) return undefined;
    const entry = this.#faults[i];
    if (--entry.left === 0) this.#faults.splice(i, 1);
    return entry.fault;
  }
}

/**
 * The answer to a request that met `fault`: after its delay, a dropped
 * connection, a hang until the client gives up, an injected status, or the
 * normal answer of `handle`, reshaped when the fault says so.
 */
export async function applyFault(
  fault: EmulatorFault | undefined,
  signal: AbortSignal,
  handle: () => Promise<Response>,
): Promise<Response> {
  if (!fault) return await handle();
  if (fault.delayMs) await sleep(fault.delayMs, signal);
  if (fault.drop) throw new DroppedConnection();
  if (fault.hang) await untilAborted(signal);
  if (fault.status !== undefined) {
    const { body, type } = faultBody(fault);
    return new Response(body, {
      status: fault.status,
      headers: { "content-type": type, ...fault.headers },
    });
  }
  const response = await handle();
  const reshapes = fault.truncate !== undefined ||
    fault.stallAfter !== undefined || fault.nonJson ||
    fault.dripMs !== undefined;
  return reshapes ? await shapeResponse(fault, response, signal) : response;
}

/** Applies the response-shaping faults to a response the handler produced. */
async function shapeResponse(
  fault: EmulatorFault,
  response: Response,
  signal: AbortSignal,
): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  if (fault.nonJson) {
    headers.set("content-type", "text/html; charset=utf-8");
    return new Response(
      `<!doctype html><html><body><h1>${response.status}</h1><p>Bad gateway-ish page</p></body></html>`,
      { status: response.status, headers },
    );
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (fault.truncate !== undefined && fault.truncate !== false) {
    const cut = fault.truncate === true
      ? Math.floor(bytes.length / 2)
      : Math.min(fault.truncate, bytes.length);
    // The promised length makes a served client notice the cut, as with a real reset.
    headers.set("content-length", String(bytes.length));
    let sent = cut === 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        // The bytes before the cut are read first: an error raised with
        // them still queued would discard them.
        pull(controller) {
          if (sent) return controller.error(new DroppedConnection());
          sent = true;
          controller.enqueue(bytes.subarray(0, cut));
        },
      }, { highWaterMark: 0 }),
      { status: response.status, headers },
    );
  }
  if (fault.stallAfter !== undefined) {
    const sent = bytes.subarray(0, Math.min(fault.stallAfter, bytes.length));
    headers.set("content-length", String(bytes.length));
    let first = true;
    return new Response(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (first && sent.length > 0) {
            first = false;
            return controller.enqueue(sent);
          }
          // Silent until the client gives up, as a stuck file host is.
          await untilAborted(signal).catch((reason) =>
            controller.error(reason)
          );
        },
      }, { highWaterMark: 0 }),
      { status: response.status, headers },
    );
  }
  if (fault.dripMs !== undefined) {
    const dripMs = fault.dripMs;
    const step = Math.max(1, Math.ceil(bytes.length / 16));
    let offset = 0;
    return new Response(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (offset >= bytes.length) return controller.close();
          try {
            await sleep(dripMs, signal);
          } catch (reason) {
            // The client went away: the body ends as a real one would.
            return controller.error(reason);
          }
          controller.enqueue(bytes.slice(offset, offset += step));
        },
      }),
      { status: response.status, headers },
    );
  }
  return new Response(bytes, { status: response.status, headers });
}

/** Rejects with the signal's reason once it aborts; never resolves. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), {
      once: true,
    });
  });
}

/**
 * The response with a body that ends when the request's signal aborts, as
 * a real `fetch` body does: in-process, a client that gives up mid-body is
 * not kept reading to the end.
 */
export function followAbort(response: Response, signal: AbortSignal): Response {
  const body = response.body;
  if (!body) return response;
  const reader = body.getReader();
  let onAbort = () => {};
  const done = () => signal.removeEventListener("abort", onAbort);
  return new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        onAbort = () => {
          reader.cancel(signal.reason).catch(() => {});
          controller.error(signal.reason);
        };
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      },
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          done();
          return controller.error(error);
        }
        if (signal.aborted) return;
        if (next.done) {
          done();
          controller.close();
        } else controller.enqueue(next.value);
      },
      cancel(reason) {
        done();
        return reader.cancel(reason);
      },
    }, { highWaterMark: 0 }),
    response,
  );
}

/** The body of an injected status answer. */
function faultBody(
  fault: EmulatorFault,
): { body: string; type: string } {
  if (typeof fault.body === "string") {
    return { body: fault.body, type: "text/plain; charset=utf-8" };
  }
  const body = fault.body ?? defaultErrorBody(fault.status ?? 500);
  return { body: JSON.stringify(body), type: "application/json" };
}

function defaultErrorBody(status: number): Record<string, string> {
  switch (status) {
    case 400:
      return { message: "Bad request." };
    case 401:
      return { message: "Unauthorized." };
    case 403:
      return { message: "Forbidden." };
    case 404:
      return { message: "Not found." };
    case 409:
      return { message: "Conflict." };
    case 422:
      return { message: "Validation failed." };
    case 429:
      return { message: "Too many requests.", code: "rate_limit_exceeded" };
    default:
      return {
        message: status >= 500 ? "Internal server error." : `HTTP ${status}`,
      };
  }
}
