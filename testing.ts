/**
 * A faithful in-memory emulator of the WorkOS Audit Logs API, for testing
 * code that exports audit logs with no account and no network.
 *
 * @example
 * ```ts
 * import { serveEmulator } from "@audit-log/export/testing";
 * const server = await serveEmulator({ exportDelayMs: 0 });
 * // point a client at server.url with server.emulator.apiKey
 * await server.close();
 * ```
 *
 * @module
 */

export { createEmulator, DOWNLOAD_PREFIX } from "./src/emulator/emulator.ts";
export { EMULATOR_DEFAULTS } from "./src/emulator/options.ts";
export { serveEmulator } from "./src/emulator/serve.ts";
export type { ServedEmulator, ServeOptions } from "./src/emulator/serve.ts";
export { SAMPLE_ORGANIZATIONS, sampleEvents } from "./src/emulator/sample.ts";
export type { SampleOptions } from "./src/emulator/sample.ts";
export { CSV_COLUMNS, csvHeader } from "./src/emulator/csv_writer.ts";
export type {
  Emulator,
  EmulatorEntity,
  EmulatorEvent,
  EmulatorExport,
  EmulatorFault,
  EmulatorMetadataValue,
  EmulatorOptions,
  RangeBounds,
  RecordedRequest,
} from "./src/emulator/types.ts";
