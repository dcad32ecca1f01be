/**
 * The error of a request the service refused or that never got an answer.
 *
 * @module
 */

import { AuditLogError } from "../errors.ts";

/**
 * What an {@link S3StoreError} is built from.
 *
 * @example
 * ```ts
 * import type { S3StoreErrorInit } from "@audit-log/export/s3";
 * const init: S3StoreErrorInit = {
 *   message: "PUT org_1/checkpoint.json: 412 PreconditionFailed",
 *   operation: "PUT",
 *   key: "org_1/checkpoint.json",
 *   status: 412,
 *   code: "PreconditionFailed",
 * };
 * ```
 */
export interface S3StoreErrorInit {
  /** What failed, in one sentence. */
  message: string;
  /** The request: `"GET"`, `"PUT"`, `"ListObjectsV2"`, `"UploadPart"`, … */
  operation: string;
  /** The store's key (without the store's prefix), or `undefined` for the bucket. */
  key: string | undefined;
  /** The HTTP status, or `undefined` when no answer came. */
  status: number | undefined;
  /** The service's error code (`"AccessDenied"`, `"PreconditionFailed"`, …), when it gave one. */
  code: string | undefined;
  /** The underlying error (a network error), secrets taken out. */
  cause?: unknown;
}

/**
 * A request to an S3-compatible service failed: refused (`status` and the
 * service's `code`), or unanswered (`status` undefined, the network error
 * as `cause`). A `put` that lost a race with another writer has `status`
 * 412 and `code` `"PreconditionFailed"`. Its message, properties and cause
 * never hold the secret access key, the session token or a signature.
 *
 * @example
 * ```ts
 * import { s3Store, S3StoreError } from "@audit-log/export/s3";
 * const store = s3Store({ bucket: "audit-archive", credentials: { accessKeyId: "…", secretAccessKey: "…" } });
 * try {
 *   await store.put("notes.txt", new TextEncoder().encode("hello"));
 * } catch (error) {
 *   if (error instanceof S3StoreError && error.status === 412) console.error("someone else wrote notes.txt");
 * }
 * ```
 */
export class S3StoreError extends AuditLogError {
  /** Always `"S3StoreError"`, minified or not. */
  static override readonly name: string = "S3StoreError";
  /** Always `"S3StoreError"`, minified or not. */
  override readonly name: string = "S3StoreError";
  /** The request that failed. */
  readonly operation: string;
  /** The store's key, or `undefined` for the bucket. */
  readonly key: string | undefined;
  /** The HTTP status, or `undefined` when no answer came. */
  readonly status: number | undefined;
  /** The service's error code, when it gave one. */
  readonly code: string | undefined;

  /**
   * Creates the error.
   *
   * @param init What failed.
   *
   * @example
   * ```ts
   * import { S3StoreError } from "@audit-log/export/s3";
   * const error = new S3StoreError({ message: "GET a: 403 AccessDenied", operation: "GET", key: "a", status: 403, code: "AccessDenied" });
   * console.log(error.status); // 403
   * ```
   */
  constructor(init: S3StoreErrorInit) {
    super(
      "cause" in init
        ? { message: init.message, cause: init.cause }
        : { message: init.message },
    );
    this.operation = init.operation;
    this.key = init.key;
    this.status = init.status;
    this.code = init.code;
  }
}
