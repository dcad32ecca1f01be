/**
 * A client for the WorkOS Audit Logs export API that does the whole job:
 * create an export, wait until it is ready, download the CSV, read its rows.
 * Input is validated before any request; failures are retried where safe
 * and surface as typed errors.
 *
 * @example
 * ```ts
 * import { createExport, exportRows } from "@audit-log/export";
 * const created = await createExport({
 *   organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *   rangeStart: new Date(Date.now() - 7 * 86_400_000),
 *   rangeEnd: new Date(),
 *   actions: ["user.signed_in"],
 * });
 * for await (const row of exportRows(created)) console.log(row.occurred_at, row.actor_name);
 * ```
 *
 * @module
 */

export { createExport, getExport, waitForExport } from "./src/exports.ts";
export { downloadExport, exportEvents, exportRows } from "./src/download.ts";
export type { RowsSource } from "./src/download.ts";
export { createClient } from "./src/client.ts";
export {
  ARCHIVE_DEFAULTS,
  ArchiveError,
  archiveExports,
} from "./src/archive.ts";
export type {
  ArchiveConfig,
  ArchivedWindow,
  ArchiveErrorInit,
  ArchiveGap,
  ArchiveOptions,
  ArchivePlan,
  ArchiveResult,
  ArchiveStore,
  LateEvents,
  VanishedEvents,
} from "./src/archive.ts";
export type { StoreLock } from "./src/archive_store.ts";
export { verifyArchive } from "./src/archive_verify.ts";
export type {
  ArchiveVerification,
  MissingWindow,
  OrganizationVerification,
  VerifyArchiveOptions,
  VerifyProblem,
  VerifyProgress,
} from "./src/archive_verify.ts";
export { ArchiveIntegrityError, readArchive } from "./src/archive_read.ts";
export type { ReadArchiveOptions } from "./src/archive_read.ts";
export type { ReadSpanOptions } from "./src/archive_options.ts";
export type {
  Signature,
  SignatureAlgorithm,
  SigningKey,
  VerifyingKey,
} from "./src/archive_sign.ts";
export type { ChainHead, DigestRecord } from "./src/archive_digest.ts";
export type { AuditLogsClient } from "./src/client.ts";
export { CLIENT_DEFAULTS, DEFAULT_BASE_URL } from "./src/config.ts";
export type {
  AttemptInfo,
  ClientConfig,
  DownloadProgress,
  FetchLike,
  RequestOptions,
  WaitOptions,
} from "./src/config.ts";
export type { CreateExportOptions, Instant } from "./src/schemas.ts";
export type {
  AuditLogEntity,
  AuditLogEvent,
  AuditLogMetadata,
} from "./src/events.ts";
export type { AuditLogExport, ExportState } from "./src/types.ts";
export {
  EventSummarizer,
  summarizeCsv,
  summarizeEvents,
} from "./src/summary.ts";
export type { EventSummary, SummaryOptions } from "./src/summary.ts";
export { VERSION } from "./src/version.ts";
export {
  ApiError,
  AuditLogError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  CsvParseError,
  ExportFailedError,
  InternalServerError,
  InvalidResponseError,
  isAuditLogError,
  NoEventsError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  UnprocessableEntityError,
  ValidationError,
} from "./src/errors.ts";
export type {
  ApiErrorInit,
  AuditLogErrorClasses,
  AuditLogErrorInit,
  ConnectionErrorInit,
  CsvParseErrorInit,
  ExportFailedErrorInit,
  InvalidResponseErrorInit,
  RequestInfo,
  TimeoutErrorInit,
  ValidationErrorInit,
  ValidationIssue,
} from "./src/errors.ts";
