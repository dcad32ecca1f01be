/**
 * Every error this package throws extends {@link AuditLogError}, so one
 * `instanceof` check separates our failures from everything else.
 *
 * No message, property or `toString()` of these errors ever holds the API key,
 * nor the query (the signature) of a presigned download URL. The key lives
 * only in request headers, which errors never carry; and whatever a server
 * or a runtime says, which can echo it, passes through a {@link Redactor}
 * before it becomes part of an error.
 *
 * `instanceof` holds across copies of the package loaded side by side (the
 * ES module and the CommonJS build in one Node process, two bundles, two
 * versions): an error is an instance of a class of any copy when its own
 * class chain, up to a copy's {@link AuditLogError}, has a class of the same
 * name. Each class states its name as a static field, so minification does
 * not change it. An error of another library with the same name is not an
 * instance: the chain must end in this package's base class, which carries a
 * registered symbol. {@link isAuditLogError} asks the same question by
 * class name, for code that has no class at hand.
 *
 * @module
 */

import type { AuditLogExport } from "./types.ts";

/**
 * Marks the prototype of {@link AuditLogError} in every copy of the package:
 * a registered symbol is the same in every copy and every realm.
 */
const PACKAGE_BRAND = Symbol.for("audit-log-export.AuditLogError");

/**
 * What an {@link AuditLogError} is built from.
 *
 * @example
 * ```ts
 * import { AuditLogError, type AuditLogErrorInit } from "@audit-log/export";
 * const init: AuditLogErrorInit = {
 *   message: "The archive's checkpoint is unreadable",
 *   cause: new SyntaxError("Unexpected end of JSON input"),
 * };
 * console.log(new AuditLogError(init).cause === init.cause); // true
 * ```
 */
export interface AuditLogErrorInit {
  /** What went wrong, in one sentence. */
  message: string;
  /**
   * The underlying error. Given, even as `undefined`, it becomes the error's
   * own `cause`; left out, the error has none.
   */
  cause?: unknown;
}

/**
 * The base class of every error thrown by audit-log-export.
 *
 * @example
 * ```ts
 * import { AuditLogError, getExport } from "@audit-log/export";
 * try {
 *   await getExport("audit_log_export_123");
 * } catch (error) {
 *   if (error instanceof AuditLogError) console.error(error.name, error.message);
 * }
 * ```
 */
export class AuditLogError extends Error {
  /** Always `"AuditLogError"`, minified or not. */
  static override readonly name: string = "AuditLogError";
  /** Always `"AuditLogError"`, minified or not. */
  override readonly name: string = "AuditLogError";

  static {
    // Non-enumerable and on the prototype: no error's own properties,
    // printout or JSON show it.
    Object.defineProperty(this.prototype, PACKAGE_BRAND, { value: true });
  }

  /**
   * Whether `value` is an instance of this class, also when the class and
   * the error come from two copies of the package (its ES module and
   * CommonJS builds both loaded, two bundles, two versions): then the
   * error's class chain, up to the base class of its copy, must have a class
   * of this one's name. Objects that only look the part (a plain object, an
   * error of another library with the same `name`) are not instances.
   *
   * @param value Anything.
   * @returns Whether `value instanceof` this class.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return classNames(value)?.includes(this.name) ?? false;
  }

  /**
   * Creates the error.
   *
   * @param init The message and, where there is one, the underlying error.
   *
   * @example
   * ```ts
   * import { AuditLogError } from "@audit-log/export";
   * const error = new AuditLogError({ message: "The archive is locked" });
   * console.log(String(error)); // "AuditLogError: The archive is locked"
   * ```
   */
  constructor(init: AuditLogErrorInit) {
    // `Error` tells an absent cause from an undefined one; so does the init.
    super(init.message, "cause" in init ? { cause: init.cause } : undefined);
  }
}

/**
 * The names of the classes of `value`, from its own class up to the
 * {@link AuditLogError} of whichever copy of the package made it; or
 * `undefined` when it is not an error of any copy.
 */
function classNames(value: unknown): string[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const names: string[] = [];
  try {
    for (
      let proto: object | null = Object.getPrototypeOf(value);
      proto !== null;
      proto = Object.getPrototypeOf(proto)
    ) {
      const ctor = Object.hasOwn(proto, "constructor")
        ? (proto as { constructor: unknown }).constructor
        : undefined;
      if (typeof ctor === "function") names.push(ctor.name);
      if (Object.hasOwn(proto, PACKAGE_BRAND)) return names;
    }
  } catch {
    // A proxy's traps or a getter may throw; whatever it is, it is not
    // one of ours, and a type test must answer rather than throw.
  }
  return undefined;
}

/**
 * The error classes of this module by name, for {@link isAuditLogError} to
 * narrow to the class it was asked about.
 *
 * @example
 * ```ts
 * import type { AuditLogErrorClasses } from "@audit-log/export";
 * type Limited = AuditLogErrorClasses["RateLimitError"]; // RateLimitError
 * const seconds = (e: Limited) => e.retryAfter;
 * ```
 */
export interface AuditLogErrorClasses {
  /** {@link AuditLogError}. */
  AuditLogError: AuditLogError;
  /** {@link ValidationError}. */
  ValidationError: ValidationError;
  /** {@link ApiError}. */
  ApiError: ApiError;
  /** {@link BadRequestError}. */
  BadRequestError: BadRequestError;
  /** {@link NoEventsError}. */
  NoEventsError: NoEventsError;
  /** {@link AuthenticationError}. */
  AuthenticationError: AuthenticationError;
  /** {@link PermissionDeniedError}. */
  PermissionDeniedError: PermissionDeniedError;
  /** {@link NotFoundError}. */
  NotFoundError: NotFoundError;
  /** {@link ConflictError}. */
  ConflictError: ConflictError;
  /** {@link UnprocessableEntityError}. */
  UnprocessableEntityError: UnprocessableEntityError;
  /** {@link RateLimitError}. */
  RateLimitError: RateLimitError;
  /** {@link InternalServerError}. */
  InternalServerError: InternalServerError;
  /** {@link ConnectionError}. */
  ConnectionError: ConnectionError;
  /** {@link TimeoutError}. */
  TimeoutError: TimeoutError;
  /** {@link InvalidResponseError}. */
  InvalidResponseError: InvalidResponseError;
  /** {@link ExportFailedError}. */
  ExportFailedError: ExportFailedError;
  /** {@link CsvParseError}. */
  CsvParseError: CsvParseError;
}

/**
 * Whether `value` is an error of audit-log-export, made by any copy of the
 * package (its ES module and CommonJS builds, a bundle, another version,
 * another realm), and, when `name` is given, whether its class or one of its
 * ancestors is called `name` (`"ApiError"` holds for every `ApiError`
 * subclass). Nothing else passes: not a plain object with the right `name`,
 * not another library's error of the same name.
 *
 * Unlike `instanceof`, it needs no class at hand, so it also serves code
 * that must not import the package, or that only knows a class by name.
 *
 * @param value Anything.
 * @param name The name of a class of the package (or of a subclass of one).
 * @returns Whether `value` is such an error.
 *
 * @example
 * ```ts
 * import { getExport, isAuditLogError } from "@audit-log/export";
 * try {
 *   await getExport("audit_log_export_123");
 * } catch (error) {
 *   if (isAuditLogError(error, "RateLimitError")) {
 *     console.error(`rate limited; retry in ${error.retryAfter ?? "?"} s`);
 *   } else if (isAuditLogError(error)) {
 *     console.error(error.name, error.message);
 *   } else {
 *     throw error;
 *   }
 * }
 * ```
 */
export function isAuditLogError(value: unknown): value is AuditLogError;
/**
 * Whether `value` is an error of audit-log-export, made by any copy of the
 * package, whose class or one of its ancestors is the class called `name`;
 * narrows to that class.
 *
 * @param value Anything.
 * @param name The name of one of the package's error classes.
 * @returns Whether `value` is such an error.
 *
 * @example
 * ```ts
 * import { isAuditLogError } from "@audit-log/export";
 * const status = (e: unknown) => isAuditLogError(e, "ApiError") ? e.status : undefined;
 * ```
 */
export function isAuditLogError<N extends keyof AuditLogErrorClasses>(
  value: unknown,
  name: N,
): value is AuditLogErrorClasses[N];
/**
 * Whether `value` is an error of audit-log-export, made by any copy of the
 * package, whose class chain has a class called `name` (when given): also
 * for classes declared outside `src/errors.ts`, such as `ArchiveError`, and
 * for subclasses of the package's classes.
 *
 * @param value Anything.
 * @param name The name of a class in the error's chain.
 * @returns Whether `value` is such an error.
 *
 * @example
 * ```ts
 * import { isAuditLogError } from "@audit-log/export";
 * const archiveFailed = (e: unknown) => isAuditLogError(e, "ArchiveError");
 * ```
 */
export function isAuditLogError(
  value: unknown,
  name?: string,
): value is AuditLogError;
export function isAuditLogError(value: unknown, name?: string): boolean {
  const names = classNames(value);
  if (names === undefined) return false;
  return name === undefined || names.includes(name);
}

/**
 * One problem found while validating input: where it is and what is wrong.
 *
 * @example
 * ```ts
 * import { ValidationError, type ValidationIssue } from "@audit-log/export";
 * const describe = (issue: ValidationIssue) => `${issue.path || "input"}: ${issue.message}`;
 * const problems = (e: unknown) => e instanceof ValidationError ? e.issues.map(describe) : [];
 * ```
 */
export interface ValidationIssue {
  /** Dotted path of the offending value (`"rangeStart"`, `"actions.0"`), `""` for the whole input. */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * What a {@link ValidationError} is built from.
 *
 * @example
 * ```ts
 * import { ValidationError, type ValidationErrorInit } from "@audit-log/export";
 * const init: ValidationErrorInit = {
 *   issues: [{ path: "rangeStart", message: "Expected a date with a time zone" }],
 * };
 * console.log(new ValidationError(init).message);
 * // "Invalid input: rangeStart: Expected a date with a time zone"
 * ```
 */
export interface ValidationErrorInit {
  /** Every problem found, in input order; the message summarises them. */
  issues: readonly ValidationIssue[];
}

/**
 * Input was rejected before any request was sent. `issues` lists every
 * problem at once.
 *
 * @example
 * ```ts
 * import { createExport, ValidationError } from "@audit-log/export";
 * try {
 *   await createExport({ organizationId: "", rangeStart: "yesterday", rangeEnd: new Date() });
 * } catch (error) {
 *   if (error instanceof ValidationError) {
 *     for (const issue of error.issues) console.error(`${issue.path}: ${issue.message}`);
 *   }
 * }
 * ```
 */
export class ValidationError extends AuditLogError {
  /** Always `"ValidationError"`, minified or not. */
  static override readonly name: string = "ValidationError";
  /** Always `"ValidationError"`, minified or not. */
  override readonly name: string = "ValidationError";
  /** Every problem found, in input order. */
  readonly issues: readonly ValidationIssue[];

  /**
   * Creates the error.
   *
   * @param init The problems found.
   *
   * @example
   * ```ts
   * import { ValidationError } from "@audit-log/export";
   * const error = new ValidationError({
   *   issues: [{ path: "apiKey", message: "Missing API key" }],
   * });
   * console.log(error.message); // "Invalid input: apiKey: Missing API key"
   * ```
   */
  constructor(init: ValidationErrorInit) {
    const { issues } = init;
    super({
      message: `Invalid input: ${
        issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))
          .join("; ")
      }`,
    });
    this.issues = issues;
  }
}

/**
 * The request an error belongs to: method and URL, never headers.
 *
 * @example
 * ```ts
 * import { ApiError, ConnectionError, type RequestInfo } from "@audit-log/export";
 * const describe = ({ method, url }: RequestInfo) => `${method} ${url}`;
 * const failedRequest = (e: unknown) =>
 *   e instanceof ApiError || e instanceof ConnectionError ? describe(e.request) : undefined;
 * ```
 */
export interface RequestInfo {
  /** HTTP method, e.g. `"POST"`. */
  readonly method: string;
  /** The URL that was requested; a presigned download URL without its query. */
  readonly url: string;
}

/**
 * What an {@link ApiError} is built from.
 *
 * @example
 * ```ts
 * import { ApiError, type ApiErrorInit } from "@audit-log/export";
 * const init: ApiErrorInit = {
 *   status: 503,
 *   message: "Service unavailable",
 *   requestId: "req_01J9",
 *   request: { method: "GET", url: "https://api.workos.com/audit_logs/exports/audit_log_export_123" },
 * };
 * console.log(new ApiError(init).message); // "Service unavailable (HTTP 503, request id req_01J9)"
 * ```
 */
export interface ApiErrorInit {
  /** The HTTP status of the response. */
  status: number;
  /** The `message` of the JSON error body, or a generic one. */
  message: string;
  /** The `code` of the JSON error body, when there is one. */
  code?: string;
  /** The `errors` array of the JSON error body, when there is one. */
  errors?: readonly unknown[];
  /** The `X-Request-ID` response header. */
  requestId?: string;
  /** Seconds the server asked to wait before retrying (`Retry-After`). */
  retryAfter?: number;
  /** The request that got this response. */
  request: RequestInfo;
  /** The response (its body already read). */
  response?: Response;
}

/**
 * The server answered with a non-2xx status. Subclasses name the common
 * statuses; `ApiError` itself is used for any other.
 *
 * @example
 * ```ts
 * import { ApiError, createExport } from "@audit-log/export";
 * try {
 *   await createExport({ organizationId: "org_1", rangeStart: new Date(0), rangeEnd: new Date() });
 * } catch (error) {
 *   if (error instanceof ApiError) console.error(error.status, error.code, error.requestId);
 * }
 * ```
 */
export class ApiError extends AuditLogError {
  /** Always `"ApiError"`, minified or not. */
  static override readonly name: string = "ApiError";
  /** Always `"ApiError"`, minified or not. */
  override readonly name: string = "ApiError";
  /** HTTP status code. */
  readonly status!: number;
  /** Machine-readable error code from the body, e.g. `"rate_limit_exceeded"`. */
  readonly code: string | undefined;
  /** Field-level errors from the body, e.g. `[{ field: "event.action", code: "required" }]`. */
  readonly errors: readonly unknown[] | undefined;
  /** `X-Request-ID` of the response, for support tickets. */
  readonly requestId: string | undefined;
  /** Seconds the server asked to wait before retrying, when it said. */
  readonly retryAfter: number | undefined;
  /** Method and URL of the failed request. */
  readonly request!: RequestInfo;
  /**
   * The response; its body has been consumed. When its headers, status text
   * or URL echoed a secret, a copy without a body and with the secret taken
   * out; none for a presigned download, whose URL is a credential.
   */
  readonly response: Response | undefined;

  /**
   * Creates the error.
   *
   * @param init Status, body fields and the request/response pair.
   *
   * @example
   * ```ts
   * import { ApiError } from "@audit-log/export";
   * const error = new ApiError({
   *   status: 418,
   *   message: "I'm a teapot",
   *   request: { method: "GET", url: "https://api.workos.com/audit_logs/exports/audit_log_export_123" },
   * });
   * console.log(error.message); // "I'm a teapot (HTTP 418)"
   * ```
   */
  constructor(init: ApiErrorInit) {
    // The body's message becomes part of the error's own; the rest is kept as is.
    const { message, ...fields } = init;
    super({
      message: `${message} (HTTP ${init.status}${
        init.requestId ? `, request id ${init.requestId}` : ""
      })`,
    });
    Object.assign(this, fields);
  }
}

/**
 * HTTP 400: the server rejected the request, e.g. an invalid date range.
 *
 * @example
 * ```ts
 * import { BadRequestError } from "@audit-log/export";
 * const isBadRange = (e: unknown) =>
 *   e instanceof BadRequestError && e.code === "invalid_audit_log_export_range_date";
 * ```
 */
export class BadRequestError extends ApiError {
  /** Always `"BadRequestError"`, minified or not. */
  static override readonly name: string = "BadRequestError";
  /** Always `"BadRequestError"`, minified or not. */
  override readonly name: string = "BadRequestError";
}

/**
 * HTTP 400 `No audit log events found`: nothing in the range matched the
 * filters. The API refuses the create call itself instead of building an
 * empty file. `exportRows(options)`, `exportEvents(options)` and the CLI's
 * `export` treat it as an export of zero rows; only a direct `createExport`
 * call sees it.
 *
 * @example
 * ```ts
 * import { createExport, NoEventsError } from "@audit-log/export";
 * try {
 *   await createExport({
 *     organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
 *     rangeStart: "2026-11-01T00:00:00Z",
 *     rangeEnd: "2026-11-02T00:00:00Z",
 *   });
 * } catch (error) {
 *   if (error instanceof NoEventsError) console.log("a quiet day: nothing to export");
 *   else throw error;
 * }
 * ```
 */
export class NoEventsError extends BadRequestError {
  /** Always `"NoEventsError"`, minified or not. */
  static override readonly name: string = "NoEventsError";
  /** Always `"NoEventsError"`, minified or not. */
  override readonly name: string = "NoEventsError";
}

/**
 * HTTP 401: the API key is missing, wrong or revoked.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "@audit-log/export";
 * const needsNewKey = (e: unknown) => e instanceof AuthenticationError;
 * ```
 */
export class AuthenticationError extends ApiError {
  /** Always `"AuthenticationError"`, minified or not. */
  static override readonly name: string = "AuthenticationError";
  /** Always `"AuthenticationError"`, minified or not. */
  override readonly name: string = "AuthenticationError";
}

/**
 * HTTP 403: the key may not do this, or a download URL has expired.
 *
 * @example
 * ```ts
 * import { PermissionDeniedError } from "@audit-log/export";
 * const denied = (e: unknown) => e instanceof PermissionDeniedError;
 * ```
 */
export class PermissionDeniedError extends ApiError {
  /** Always `"PermissionDeniedError"`, minified or not. */
  static override readonly name: string = "PermissionDeniedError";
  /** Always `"PermissionDeniedError"`, minified or not. */
  override readonly name: string = "PermissionDeniedError";
}

/**
 * HTTP 404: no such export or organization.
 *
 * @example
 * ```ts
 * import { NotFoundError } from "@audit-log/export";
 * const missing = (e: unknown) => e instanceof NotFoundError;
 * ```
 */
export class NotFoundError extends ApiError {
  /** Always `"NotFoundError"`, minified or not. */
  static override readonly name: string = "NotFoundError";
  /** Always `"NotFoundError"`, minified or not. */
  override readonly name: string = "NotFoundError";
}

/**
 * HTTP 409: e.g. an idempotency key reused with a different body.
 *
 * @example
 * ```ts
 * import { ConflictError } from "@audit-log/export";
 * const reusedKey = (e: unknown) => e instanceof ConflictError;
 * ```
 */
export class ConflictError extends ApiError {
  /** Always `"ConflictError"`, minified or not. */
  static override readonly name: string = "ConflictError";
  /** Always `"ConflictError"`, minified or not. */
  override readonly name: string = "ConflictError";
}

/**
 * HTTP 422: the server's own validation failed; `errors` lists the fields.
 *
 * @example
 * ```ts
 * import { UnprocessableEntityError } from "@audit-log/export";
 * const fields = (e: unknown) => e instanceof UnprocessableEntityError ? e.errors : [];
 * ```
 */
export class UnprocessableEntityError extends ApiError {
  /** Always `"UnprocessableEntityError"`, minified or not. */
  static override readonly name: string = "UnprocessableEntityError";
  /** Always `"UnprocessableEntityError"`, minified or not. */
  override readonly name: string = "UnprocessableEntityError";
}

/**
 * HTTP 429: too many requests. Thrown once retries are exhausted, or at once
 * when `Retry-After` asks for a wait longer than the retry cap (60 s).
 *
 * @example
 * ```ts
 * import { RateLimitError } from "@audit-log/export";
 * const waitSeconds = (e: unknown) => e instanceof RateLimitError ? e.retryAfter : undefined;
 * ```
 */
export class RateLimitError extends ApiError {
  /** Always `"RateLimitError"`, minified or not. */
  static override readonly name: string = "RateLimitError";
  /** Always `"RateLimitError"`, minified or not. */
  override readonly name: string = "RateLimitError";
}

/**
 * HTTP 5xx: the server failed; thrown once retries are exhausted.
 *
 * @example
 * ```ts
 * import { InternalServerError } from "@audit-log/export";
 * const serverSide = (e: unknown) => e instanceof InternalServerError;
 * ```
 */
export class InternalServerError extends ApiError {
  /** Always `"InternalServerError"`, minified or not. */
  static override readonly name: string = "InternalServerError";
  /** Always `"InternalServerError"`, minified or not. */
  override readonly name: string = "InternalServerError";
}

/**
 * What a {@link ConnectionError} is built from.
 *
 * @example
 * ```ts
 * import { ConnectionError, type ConnectionErrorInit } from "@audit-log/export";
 * const init: ConnectionErrorInit = {
 *   request: { method: "GET", url: "https://api.workos.com/audit_logs/exports/audit_log_export_123" },
 *   cause: new TypeError("error sending request: connection refused"),
 * };
 * console.log(new ConnectionError(init).message);
 * ```
 */
export interface ConnectionErrorInit {
  /** The request that failed. */
  request: RequestInfo;
  /** The error raised by `fetch` or by reading the body; its message ends the error's own. */
  cause: unknown;
  /** True when the connection broke after the response began. */
  midBody?: boolean;
}

/**
 * The request never got a response (DNS, refused or dropped connection),
 * after all retries.
 *
 * @example
 * ```ts
 * import { ConnectionError } from "@audit-log/export";
 * const offline = (e: unknown) => e instanceof ConnectionError;
 * ```
 */
export class ConnectionError extends AuditLogError {
  /** Always `"ConnectionError"`, minified or not. */
  static override readonly name: string = "ConnectionError";
  /** Always `"ConnectionError"`, minified or not. */
  override readonly name: string = "ConnectionError";
  /** Method and URL of the failed request. */
  readonly request: RequestInfo;

  /**
   * Creates the error.
   *
   * @param init The request, the error that ended it, and when it broke.
   *
   * @example
   * ```ts
   * import { ConnectionError } from "@audit-log/export";
   * const error = new ConnectionError({
   *   request: { method: "GET", url: "https://api.workos.com/audit_logs/exports/audit_log_export_123" },
   *   cause: new TypeError("connection reset"),
   *   midBody: true,
   * });
   * console.log(error.message);
   * // "Connection lost while reading GET https://api.workos.com/audit_logs/exports/audit_log_export_123: connection reset"
   * ```
   */
  constructor(init: ConnectionErrorInit) {
    const { request, cause, midBody = false } = init;
    const why = cause instanceof Error ? cause.message : String(cause);
    super({
      message: midBody
        ? `Connection lost while reading ${request.method} ${request.url}: ${why}`
        : `Could not reach ${request.method} ${request.url}: ${why}`,
      cause,
    });
    this.request = request;
  }
}

/**
 * What a {@link TimeoutError} is built from.
 *
 * @example
 * ```ts
 * import { TimeoutError, type TimeoutErrorInit } from "@audit-log/export";
 * const init: TimeoutErrorInit = {
 *   message: "Export audit_log_export_123 was not ready within 600000 ms",
 *   timeout: 600_000,
 * };
 * console.log(new TimeoutError(init).timeout); // 600000
 * ```
 */
export interface TimeoutErrorInit {
  /** What timed out. */
  message: string;
  /** The budget that ran out, in milliseconds. */
  timeout: number;
  /** The request, when one attempt timed out. */
  request?: RequestInfo;
}

/**
 * A time budget ran out: one attempt's `timeout`, or a wait's `maxWait`.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@audit-log/export";
 * const tooSlow = (e: unknown) => e instanceof TimeoutError && e.timeout > 0;
 * ```
 */
export class TimeoutError extends AuditLogError {
  /** Always `"TimeoutError"`, minified or not. */
  static override readonly name: string = "TimeoutError";
  /** Always `"TimeoutError"`, minified or not. */
  override readonly name: string = "TimeoutError";
  /** The budget that ran out, in milliseconds. */
  readonly timeout: number;
  /** The request that timed out, when it was a single request. */
  readonly request: RequestInfo | undefined;

  /**
   * Creates the error.
   *
   * @param init What timed out, the budget, and the request if it was one.
   *
   * @example
   * ```ts
   * import { TimeoutError } from "@audit-log/export";
   * const error = new TimeoutError({
   *   message: "GET https://api.workos.com/audit_logs/exports/audit_log_export_123 timed out after 60000 ms",
   *   timeout: 60_000,
   *   request: { method: "GET", url: "https://api.workos.com/audit_logs/exports/audit_log_export_123" },
   * });
   * console.log(error.request?.method); // "GET"
   * ```
   */
  constructor(init: TimeoutErrorInit) {
    super({ message: init.message });
    this.timeout = init.timeout;
    this.request = init.request;
  }
}

/**
 * What an {@link InvalidResponseError} is built from.
 *
 * @example
 * ```ts
 * import { InvalidResponseError, type InvalidResponseErrorInit } from "@audit-log/export";
 * const init: InvalidResponseErrorInit = {
 *   message: "The response body is not JSON",
 *   status: 200,
 *   request: { method: "POST", url: "https://api.workos.com/audit_logs/exports" },
 *   requestId: "req_01J9",
 * };
 * console.log(new InvalidResponseError(init).status); // 200
 * ```
 */
export interface InvalidResponseErrorInit {
  /** What is wrong with the body. */
  message: string;
  /** The response status. */
  status: number;
  /** The request. */
  request: RequestInfo;
  /** The response's `X-Request-ID`. */
  requestId?: string;
}

/**
 * A 2xx response whose body is not the documented shape (not JSON, or not an
 * `audit_log_export`). Never retried: the request may have taken effect.
 *
 * @example
 * ```ts
 * import { InvalidResponseError } from "@audit-log/export";
 * const broken = (e: unknown) => e instanceof InvalidResponseError ? e.status : 0;
 * ```
 */
export class InvalidResponseError extends AuditLogError {
  /** Always `"InvalidResponseError"`, minified or not. */
  static override readonly name: string = "InvalidResponseError";
  /** Always `"InvalidResponseError"`, minified or not. */
  override readonly name: string = "InvalidResponseError";
  /** HTTP status of the response. */
  readonly status: number;
  /** `X-Request-ID` of the response. */
  readonly requestId: string | undefined;
  /** Method and URL of the request. */
  readonly request: RequestInfo;

  /**
   * Creates the error.
   *
   * @param init What is wrong, and the response and request it is about.
   *
   * @example
   * ```ts
   * import { InvalidResponseError } from "@audit-log/export";
   * const error = new InvalidResponseError({
   *   message: "The response is not an audit_log_export",
   *   status: 201,
   *   request: { method: "POST", url: "https://api.workos.com/audit_logs/exports" },
   * });
   * console.log(error.requestId); // undefined
   * ```
   */
  constructor(init: InvalidResponseErrorInit) {
    super({ message: init.message });
    this.status = init.status;
    this.request = init.request;
    this.requestId = init.requestId;
  }
}

/**
 * What an {@link ExportFailedError} is built from.
 *
 * @example
 * ```ts
 * import { ExportFailedError, type ExportFailedErrorInit } from "@audit-log/export";
 * const init: ExportFailedErrorInit = {
 *   export: {
 *     object: "audit_log_export",
 *     id: "audit_log_export_123",
 *     state: "error",
 *     createdAt: "2026-01-01T00:00:00.000Z",
 *     updatedAt: "2026-01-01T00:00:05.000Z",
 *   },
 * };
 * console.log(new ExportFailedError(init).message);
 * // 'Audit log export audit_log_export_123 ended in state "error"'
 * ```
 */
export interface ExportFailedErrorInit {
  /** The export in its final, failed state. */
  export: AuditLogExport;
}

/**
 * An export ended in `error` or `expired` instead of `ready`.
 *
 * @example
 * ```ts
 * import { ExportFailedError } from "@audit-log/export";
 * const failedId = (e: unknown) => e instanceof ExportFailedError ? e.export.id : undefined;
 * ```
 */
export class ExportFailedError extends AuditLogError {
  /** Always `"ExportFailedError"`, minified or not. */
  static override readonly name: string = "ExportFailedError";
  /** Always `"ExportFailedError"`, minified or not. */
  override readonly name: string = "ExportFailedError";
  /** The export as last read from the API; a `url` without its query. */
  readonly export: AuditLogExport;

  /**
   * Creates the error.
   *
   * @param init The failed export.
   *
   * @example
   * ```ts
   * import { ExportFailedError } from "@audit-log/export";
   * const error = new ExportFailedError({
   *   export: {
   *     object: "audit_log_export",
   *     id: "audit_log_export_123",
   *     state: "expired",
   *     createdAt: "2026-01-01T00:00:00.000Z",
   *     updatedAt: "2026-01-01T00:10:00.000Z",
   *   },
   * });
   * console.log(error.export.state); // "expired"
   * ```
   */
  constructor(init: ExportFailedErrorInit) {
    const { export: auditLogExport } = init;
    super({
      message:
        `Audit log export ${auditLogExport.id} ended in state "${auditLogExport.state}"`,
    });
    // A failed export's URL downloads nothing anyone needs, while its
    // signature, printed by whoever logs this error, would still be live.
    const { url } = auditLogExport;
    this.export = typeof url === "string" && url !== withoutQuery(url)
      ? { ...auditLogExport, url: withoutQuery(url) }
      : auditLogExport;
  }
}

/**
 * What a {@link CsvParseError} is built from.
 *
 * @example
 * ```ts
 * import { CsvParseError, type CsvParseErrorInit } from "@audit-log/export";
 * const init: CsvParseErrorInit = { message: "A quote is left open", line: 42 };
 * console.log(new CsvParseError(init).message); // "A quote is left open (line 42)"
 * ```
 */
export interface CsvParseErrorInit {
  /** What is wrong; the line is appended to it. */
  message: string;
  /** The 1-based line where the bad record starts. */
  line: number;
}

/**
 * The CSV of an export is malformed: a row with the wrong number of fields,
 * or a quote left open at the end of the file. `line` is 1-based and counts
 * physical lines, so it matches what an editor shows.
 *
 * @example
 * ```ts
 * import { CsvParseError } from "@audit-log/export";
 * const where = (e: unknown) => e instanceof CsvParseError ? e.line : 0;
 * ```
 */
export class CsvParseError extends AuditLogError {
  /** Always `"CsvParseError"`, minified or not. */
  static override readonly name: string = "CsvParseError";
  /** Always `"CsvParseError"`, minified or not. */
  override readonly name: string = "CsvParseError";
  /** The 1-based line on which the bad record starts. */
  readonly line: number;

  /**
   * Creates the error.
   *
   * @param init What is wrong, and where.
   *
   * @example
   * ```ts
   * import { CsvParseError } from "@audit-log/export";
   * const error = new CsvParseError({ message: "The row has no action", line: 7 });
   * console.log(error.line); // 7
   * ```
   */
  constructor(init: CsvParseErrorInit) {
    super({ message: `${init.message} (line ${init.line})` });
    this.line = init.line;
  }
}

/** What a secret is replaced with, wherever it would have appeared. */
export const REDACTED = "[redacted]";

/** A URL without its query and fragment: a presigned URL's signature is a credential. */
export function withoutQuery(url: string): string {
  return url.replace(/[?#].*$/s, "");
}

/**
 * Takes secrets out of what a server or a runtime said before it becomes
 * part of an error: the text of a body, its fields, a header, a network
 * error and its causes.
 */
export interface Redactor {
  /** The text with every secret, and every `Bearer` credential, replaced by {@link REDACTED}. */
  text(text: string): string;
  /** Whether the text holds one of the secrets themselves (no `Bearer` rule): for data, which must not be altered. */
  holds(text: string): boolean;
  /** A copy of JSON-like data with {@link Redactor.text} applied to every string and key; the data itself when clean. */
  value<T>(value: T): T;
  /**
   * The error with every secret taken out of its message, stack, own
   * properties and causes: itself when clean, else a copy of the same class
   * for the built-in error classes (a plain `Error` with the same `name`
   * otherwise).
   */
  error(error: unknown): unknown;
}

/**
 * Below this length a secret could be part of ordinary text ("test" in
 * "tested"), so it is taken out only where it stands alone; from it on, a
 * chance match is not a realistic risk and every occurrence goes, even one
 * glued to other text. Every real WorkOS key (`sk_live_` and more) is longer.
 */
const SUBSTRING_MIN = 8;

/** The characters of ids and words: a short secret next to one is part of something else. */
const WORD_CHAR = "[A-Za-z0-9_-]";

/**
 * `Bearer <token>` in any case, also URL- or form-encoded: the echo of an
 * `Authorization` header. The token is what RFC 6750 allows (b64token), so
 * an auth-param (`Bearer realm="workos"`) is not taken for one.
 */
const BEARER = /\b(bearer)((?:\s|%20|\+)+)([A-Za-z0-9\-._~+/]+=*)/i;

/**
 * A word of prose, not a credential: "Bearer token", "Bearer realm". A real
 * token has digits, punctuation or length; a key of only letters is still
 * caught by the exact-key rule, as it is one of the secrets.
 */
const PROSE = /^[A-Za-z]{1,15}$/;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** A secret as it may be echoed: as is, JSON-escaped, URL- and form-encoded. */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams([["", secret]]).toString().slice(1);
  const lowerHex = (s: string) =>
    s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  return [
    secret,
    json,
    json.replaceAll("/", "\\/"),
    uri,
    lowerHex(uri),
    form,
    lowerHex(form),
  ];
}

/** The pattern of every spelling of the secrets, longest first, or `undefined` when there is none. */
function secretPattern(secrets: readonly string[]): RegExp | undefined {
  const long = new Set<string>();
  const short = new Set<string>();
  for (const secret of secrets) {
    for (const s of spellings(secret)) {
      (secret.length >= SUBSTRING_MIN ? long : short).add(s);
    }
  }
  const alternation = (set: Set<string>) =>
    [...set].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|");
  const parts = [
    long.size ? `(?:${alternation(long)})` : "",
    short.size
      ? `(?<!${WORD_CHAR})(?:${alternation(short)})(?!${WORD_CHAR})`
      : "",
  ].filter(Boolean);
  return parts.length ? new RegExp(parts.join("|"), "g") : undefined;
}

function redactBearer(text: string): string {
  if (!BEARER.test(text)) return text;
  // A global RegExp per call: one shared at module level would carry its
  // lastIndex from call to call.
  return text.replace(
    new RegExp(BEARER, "gi"),
    (match, scheme: string, gap: string, token: string) => {
      // A full stop ends the sentence, not the token.
      const core = token.replace(/\.+$/, "");
      if (PROSE.test(core.replace(/=+$/, ""))) return match;
      return `${scheme}${gap}${REDACTED}${token.slice(core.length)}`;
    },
  );
}

/** Deeper than this, data is not walked but replaced: no error body nests so far. */
const MAX_DEPTH = 32;

/** The built-in error classes, whose copies keep their class. */
const NATIVE_ERRORS: readonly [object, (message: string) => Error][] = [
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
].map((C) => [C.prototype, (message) => new C(message)] as const);

/** The copy of an error of a built-in class is of that class. */
function nativeCopy(proto: unknown, message: string): Error | undefined {
  // Its `errors` are set with the other own properties.
  if (proto === AggregateError.prototype) {
    return new AggregateError([], message);
  }
  return NATIVE_ERRORS.find(([p]) => p === proto)?.[1](message);
}

/**
 * A {@link Redactor} of these secrets (empty and absent ones are ignored).
 * Each secret is matched as sent and as a server may echo it (JSON-escaped,
 * URL- or form-encoded); one shorter than 8 characters only where it
 * stands alone, so a short key does not blank out the words that contain
 * it. Text is also cleared of any `Bearer` credential, whoever's it is,
 * unless the word after `Bearer` is plainly prose (`bearer: false` turns
 * that off, for data that must pass as it is but for the secrets).
 */
export function redactor(
  secrets: readonly (string | undefined)[],
  options: { bearer?: boolean } = {},
): Redactor {
  const pattern = secretPattern(
    secrets.filter((s): s is string => typeof s === "string" && s !== ""),
  );
  const bearer = options.bearer ?? true;
  const text = (t: string) => {
    const out = pattern ? t.replace(pattern, REDACTED) : t;
    return bearer ? redactBearer(out) : out;
  };
  const holds = (t: string) => pattern !== undefined && t.search(pattern) >= 0;

  // Whatever is unchanged is returned as is, so a clean value keeps its
  // identity and a clean error its class, stack and properties.
  const clean = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return text(v);
    if (typeof v !== "object" || v === null) return v;
    if (depth >= MAX_DEPTH) return REDACTED;
    if (v instanceof Error) return cleanError(v, depth);
    if (Array.isArray(v)) {
      const out = v.map((item) => clean(item, depth + 1));
      return out.every((item, i) => item === v[i]) ? v : out;
    }
    // Only plain data is walked: a class instance is not ours to rebuild.
    if (Object.getPrototypeOf(v) !== Object.prototype) return v;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      const k = text(key);
      const c = clean(item, depth + 1);
      changed ||= k !== key || c !== item;
      out[k] = c;
    }
    return changed ? out : v;
  };

  const cleanError = (e: Error, depth: number): Error => {
    // Read defensively: a host object's getters may throw.
    const read = (key: string): unknown => {
      try {
        return (e as unknown as Record<string, unknown>)[key];
      } catch {
        return undefined;
      }
    };
    const message = String(read("message") ?? "");
    const cleanMessage = text(message);
    let changed = cleanMessage !== message;
    // Own properties (stack, cause, code, errors of an AggregateError, …),
    // each as it was defined, with its value cleaned.
    const props: [string, PropertyDescriptor][] = [];
    for (const key of Object.getOwnPropertyNames(e)) {
      if (key === "message") continue;
      const descriptor = Object.getOwnPropertyDescriptor(e, key);
      if (!descriptor || !("value" in descriptor)) continue;
      const value = clean(descriptor.value, depth + 1);
      changed ||= value !== descriptor.value;
      props.push([key, { ...descriptor, value }]);
    }
    // A stack kept by an accessor still repeats the message.
    const stack = read("stack");
    if (!props.some(([key]) => key === "stack") && typeof stack === "string") {
      const value = text(stack);
      changed ||= value !== stack;
      props.push(["stack", { value, writable: true, configurable: true }]);
    }
    if (!changed) return e;
    const native = nativeCopy(Object.getPrototypeOf(e), cleanMessage);
    const copy = native ?? new Error(cleanMessage);
    if (!native) {
      Object.defineProperty(copy, "name", {
        value: text(String(read("name") ?? "Error")),
        writable: true,
        configurable: true,
      });
    }
    for (const [key, descriptor] of props) {
      Object.defineProperty(copy, key, descriptor);
    }
    return copy;
  };

  return {
    text,
    holds,
    value: <T>(v: T) => clean(v, 0) as T,
    error: (e) => clean(e, 0),
  };
}
