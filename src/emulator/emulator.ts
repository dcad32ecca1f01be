/**
 * An in-memory WorkOS Audit Logs API as one web-standard fetch handler: the
 * wiring of its settings, store, request log, faults and routes.
 *
 * @module
 */

import { applyFault, FaultQueue, followAbort } from "./faults.ts";
import { answerHead, randomId } from "./http.ts";
import { resolveOptions } from "./options.ts";
import { RequestLog } from "./request_log.ts";
import { createRouter } from "./routes.ts";
import { createStore, DOWNLOAD_PREFIX } from "./store.ts";
import type { Emulator, EmulatorOptions } from "./types.ts";

export { DOWNLOAD_PREFIX };

/**
 * Creates an in-memory WorkOS Audit Logs API. Its `fetch` is a web-standard
 * handler: pass it as a client's `fetch`, or serve it with `serveEmulator`.
 *
 * @example
 * ```ts
 * import { createEmulator } from "@audit-log/export/testing";
 * const emulator = createEmulator({ exportDelayMs: 0 });
 * const response = await emulator.fetch("http://emulator.test/audit_logs/exports", {
 *   method: "POST",
 *   headers: { authorization: `Bearer ${emulator.apiKey}`, "content-type": "application/json" },
 *   body: JSON.stringify({
 *     organization_id: emulator.organizations[0],
 *     range_start: new Date(Date.now() - 86_400_000).toISOString(),
 *     range_end: new Date().toISOString(),
 *   }),
 * });
 * console.log(response.status); // 201
 * ```
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const settings = resolveOptions(options);
  const store = createStore(settings.store);
  const log = new RequestLog(settings.apiKey, settings.now);
  const faults = new FaultQueue();
  const route = createRouter(store, log, settings);

  async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    log.record(request, path);
    const fault = faults.take(request.method, path);
    const answer = await applyFault(
      fault,
      request.signal,
      () => route(request, path),
    );
    const response = await answerHead(request, answer);
    response.headers.set("x-request-id", randomId("req"));
    // The API's clock is the emulator's, fake or not: a client that reads
    // the time off an answer must see the one its exports are judged by.
    if (!response.headers.has("date")) {
      response.headers.set("date", new Date(settings.now()).toUTCString());
    }
    return followAbort(response, request.signal);
  }

  return {
    apiKey: settings.apiKey,
    organizations: settings.organizations,
    requests: log.requests,
    // async, so that even a malformed request rejects rather than throws.
    fetch: async (input, init) => await handle(new Request(input, init)),
    inject: (fault) => faults.add(fault),
    listExports: store.listExports,
    listEvents: store.listEvents,
    setExportState: store.setExportState,
    replaceExportFile: store.replaceExportFile,
  };
}
