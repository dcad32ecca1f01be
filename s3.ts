/**
 * The archive's store in a bucket of any S3-compatible service (AWS S3,
 * Cloudflare R2, Google Cloud Storage, MinIO, Backblaze B2): Signature V4,
 * a checksum on every write, Object Lock retention, streamed multipart
 * writes, and conditional writes for locks and checkpoints. Web APIs only,
 * so it runs on Deno, Node, Bun and Cloudflare Workers.
 *
 * @example
 * ```ts
 * import { archiveExports } from "@audit-log/export";
 * import { s3Store } from "@audit-log/export/s3";
 * await archiveExports({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   store: s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } }),
 * });
 * ```
 *
 * @module
 */

export { s3Store } from "./src/s3/store.ts";
export type { S3Store } from "./src/s3/store.ts";
export type {
  S3Credentials,
  S3ObjectLock,
  S3StoreOptions,
} from "./src/s3/options.ts";
export { S3StoreError } from "./src/s3/errors.ts";
export type { S3StoreErrorInit } from "./src/s3/errors.ts";
export type { StoreLock } from "./src/archive_store.ts";
// The classes of its errors, the same as the main entry's, so `instanceof`
// holds whichever entry they are imported from.
export { AuditLogError, ValidationError } from "./src/errors.ts";
export type {
  AuditLogErrorInit,
  ValidationErrorInit,
  ValidationIssue,
} from "./src/errors.ts";
