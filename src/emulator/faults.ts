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

/** Applies the response-shaping faults to a response the handler produced. */
export async function shapeResponse(
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
  if (fault.truncate) {
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    // The promised length makes a served client notice the cut, as with a real reset.
    headers.set("content-length", String(bytes.length));
    return new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(half);
          controller.error(new DroppedConnection());
        },
      }),
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
          await sleep(dripMs, signal).catch(() => {});
          controller.enqueue(bytes.slice(offset, offset += step));
        },
      }),
      { status: response.status, headers },
    );
  }
  return new Response(bytes, { status: response.status, headers });
}

/** The body of an injected status answer. */
export function faultBody(
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
