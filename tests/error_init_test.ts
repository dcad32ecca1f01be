/**
 * Every error class is built from one init object, and gives the same
 * message, properties and `cause` as the positional form it replaced.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ApiError,
  AuditLogError,
  ConnectionError,
  CsvParseError,
  ExportFailedError,
  InvalidResponseError,
  NotFoundError,
  TimeoutError,
  ValidationError,
} from "../src/errors.ts";

const REQUEST = {
  method: "GET",
  url: "https://api.workos.com/audit_logs/exports/audit_log_export_1",
};

Deno.test("error init: AuditLogError keeps a cause only when one is given, even an undefined one", () => {
  const plain = new AuditLogError({ message: "The archive is locked" });
  assert.equal(plain.message, "The archive is locked");
  assert.equal(plain.name, "AuditLogError");
  assert.equal(Object.hasOwn(plain, "cause"), false);

  const cause = new SyntaxError("Unexpected end of JSON input");
  const caused = new AuditLogError({ message: "m", cause });
  assert.equal(caused.cause, cause);
  assert.equal(
    Object.getOwnPropertyDescriptor(caused, "cause")?.enumerable,
    false,
  );

  const undefinedCause = new AuditLogError({ message: "m", cause: undefined });
  assert.equal(Object.hasOwn(undefinedCause, "cause"), true);
  assert.equal(undefinedCause.cause, undefined);
  // The init's other members are not copied onto the error.
  assert.deepEqual(Object.keys(caused), ["name"]);
});

Deno.test("error init: ValidationError summarises its issues and keeps them as given", () => {
  const issues = [
    { path: "rangeStart", message: "Expected a date with a time zone" },
    { path: "", message: "Unknown option: acton" },
  ];
  const error = new ValidationError({ issues });
  assert.equal(
    error.message,
    "Invalid input: rangeStart: Expected a date with a time zone; Unknown option: acton",
  );
  assert.equal(error.issues, issues);
  assert.equal(Object.hasOwn(error, "cause"), false);
  assert.equal(
    new ValidationError({ issues: [] }).message,
    "Invalid input: ",
  );
});

Deno.test("error init: ApiError and its subclasses still take an ApiErrorInit", () => {
  const error = new NotFoundError({
    status: 404,
    message: "Not found",
    code: "entity_not_found",
    requestId: "req_1",
    request: REQUEST,
  });
  assert.equal(error.message, "Not found (HTTP 404, request id req_1)");
  assert.equal(error.status, 404);
  assert.equal(error.code, "entity_not_found");
  assert.equal(error.request, REQUEST);
  assert.equal(Object.hasOwn(error, "cause"), false);
  assert.equal(
    new ApiError({ status: 418, message: "Teapot", request: REQUEST })
      .message,
    "Teapot (HTTP 418)",
  );
});

Deno.test("error init: ConnectionError names the request and keeps the cause", () => {
  const cause = new TypeError("connection refused");
  const before = new ConnectionError({ request: REQUEST, cause });
  assert.equal(
    before.message,
    `Could not reach GET ${REQUEST.url}: connection refused`,
  );
  assert.equal(before.cause, cause);
  assert.equal(before.request, REQUEST);

  const during = new ConnectionError({
    request: REQUEST,
    cause: "reset by peer",
    midBody: true,
  });
  assert.equal(
    during.message,
    `Connection lost while reading GET ${REQUEST.url}: reset by peer`,
  );
  assert.equal(during.cause, "reset by peer");

  // An undefined cause is still the error's own cause, as before.
  const unknown = new ConnectionError({ request: REQUEST, cause: undefined });
  assert.equal(Object.hasOwn(unknown, "cause"), true);
  assert.equal(
    unknown.message,
    `Could not reach GET ${REQUEST.url}: undefined`,
  );
  assert.equal(
    new ConnectionError({ request: REQUEST, cause, midBody: false }).message,
    before.message,
  );
});

Deno.test("error init: TimeoutError keeps its budget, and the request only when given", () => {
  const attempt = new TimeoutError({
    message: "GET took longer than 10 ms",
    timeout: 10,
    request: REQUEST,
  });
  assert.equal(attempt.message, "GET took longer than 10 ms");
  assert.equal(attempt.timeout, 10);
  assert.equal(attempt.request, REQUEST);
  assert.equal(Object.hasOwn(attempt, "cause"), false);

  const wait = new TimeoutError({ message: "not ready", timeout: 600_000 });
  assert.equal(wait.request, undefined);
  assert.deepEqual(Object.keys(wait).sort(), ["name", "request", "timeout"]);
});

Deno.test("error init: InvalidResponseError keeps status, request and request id", () => {
  const error = new InvalidResponseError({
    message: "The response body is not JSON",
    status: 201,
    request: REQUEST,
    requestId: "req_2",
  });
  assert.equal(error.message, "The response body is not JSON");
  assert.equal(error.status, 201);
  assert.equal(error.request, REQUEST);
  assert.equal(error.requestId, "req_2");
  const anonymous = new InvalidResponseError({
    message: "m",
    status: 200,
    request: REQUEST,
  });
  assert.equal(anonymous.requestId, undefined);
  assert.ok(Object.hasOwn(anonymous, "requestId"));
});

Deno.test("error init: ExportFailedError names the export and drops its URL's signature", () => {
  const failed = {
    object: "audit_log_export" as const,
    id: "audit_log_export_1",
    state: "expired" as const,
    url: "https://files.example/export.csv?X-Amz-Signature=secret",
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:10:00.000Z",
  };
  const error = new ExportFailedError({ export: failed });
  assert.equal(
    error.message,
    'Audit log export audit_log_export_1 ended in state "expired"',
  );
  assert.deepEqual(error.export, {
    ...failed,
    url: "https://files.example/export.csv",
  });
  assert.ok(!JSON.stringify(error).includes("secret"));

  const { url: _, ...withoutUrl } = failed;
  const plain = { ...withoutUrl, state: "error" as const };
  assert.equal(new ExportFailedError({ export: plain }).export, plain);
});

Deno.test("error init: CsvParseError appends the line to the message", () => {
  const error = new CsvParseError({
    message: "The row has no action",
    line: 7,
  });
  assert.equal(error.message, "The row has no action (line 7)");
  assert.equal(error.line, 7);
  assert.equal(String(error), "CsvParseError: The row has no action (line 7)");
});
