/**
 * `isAuditLogError(value, name?)`: an error of any copy of the package, in
 * any realm, and of a class by name; nothing that only looks the part.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import * as esbuild from "esbuild";
import * as source from "../src/errors.ts";

const REQUEST = { method: "GET", url: "https://api.workos.com/x" };

/** The init object of each class that does not take an `ApiErrorInit`. */
const INITS: Record<string, unknown> = {
  AuditLogError: { message: "m" },
  ValidationError: { issues: [{ path: "", message: "m" }] },
  ConnectionError: { request: REQUEST, cause: new Error("reset") },
  TimeoutError: { message: "m", timeout: 1 },
  InvalidResponseError: { message: "m", status: 200, request: REQUEST },
  ExportFailedError: {
    export: {
      object: "audit_log_export",
      id: "audit_log_export_1",
      state: "error",
      createdAt: "",
      updatedAt: "",
    },
  },
  CsvParseError: { message: "m", line: 1 },
};
const initOf = (name: string) =>
  INITS[name] ?? { status: 400, message: "m", request: REQUEST };

type ErrorClass = new (init: unknown) => Error;
type Copy = Record<string, unknown>;
type Guard = typeof source.isAuditLogError;

/**
 * The error classes of a copy, by name. Told by the copy's own base class,
 * not by `Error`: a copy in another realm extends that realm's `Error`.
 */
function errorClasses(copy: Copy): Map<string, ErrorClass> {
  const base = copy.AuditLogError as ErrorClass;
  return new Map(
    Object.entries(copy).filter(([, value]) =>
      value === base ||
      (typeof value === "function" &&
        Object.prototype.isPrototypeOf.call(
          base.prototype,
          (value as { prototype: object }).prototype,
        ))
    ) as [string, ErrorClass][],
  );
}

/** The names of a class and its ancestors up to the package's base class. */
function chain(copy: Copy, name: string): string[] {
  const names: string[] = [];
  for (
    let C = copy[name] as ErrorClass;;
    C = Object.getPrototypeOf(C)
  ) {
    names.push(C.name);
    if (C === copy.AuditLogError) return names;
  }
}

/**
 * Other copies of the module: a minified ES module bundle, a CommonJS
 * bundle, and a bundle run in a realm of its own (other `Error`, other
 * `Object.prototype`).
 */
async function otherCopies(): Promise<Record<string, Copy>> {
  const dir = await Deno.makeTempDir({ prefix: "error-guard-test-" });
  const entry = path.join(import.meta.dirname!, "..", "src", "errors.ts");
  try {
    const build = (
      format: "esm" | "cjs" | "iife",
      outfile: string,
      minify: boolean,
    ) =>
      esbuild.build({
        entryPoints: [entry],
        bundle: true,
        minify,
        format,
        globalName: format === "iife" ? "copy" : undefined,
        platform: "neutral",
        outfile: path.join(dir, outfile),
        logLevel: "silent",
      });
    await build("esm", "errors.min.mjs", true);
    await build("cjs", "errors.cjs", false);
    await build("iife", "errors.iife.js", true);
    const realm = vm.createContext({});
    vm.runInContext(await Deno.readTextFile(`${dir}/errors.iife.js`), realm);
    return {
      minified: await import(`file://${dir}/errors.min.mjs`),
      commonjs: createRequire(import.meta.url)(`${dir}/errors.cjs`),
      otherRealm: vm.runInContext("copy", realm),
    };
  } finally {
    await esbuild.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const copies: Record<string, Copy> = {
  sources: source,
  ...await otherCopies(),
};

Deno.test("error guard: the copies are separate, and the other realm's errors are not this realm's Errors", () => {
  const realm = copies.otherRealm;
  assert.notEqual(copies.minified.AuditLogError, source.AuditLogError);
  assert.notEqual(copies.commonjs.AuditLogError, source.AuditLogError);
  const error = new (realm.ValidationError as ErrorClass)(
    initOf("ValidationError"),
  );
  assert.equal(error instanceof Error, false);
  const names = [...errorClasses(source).keys()].sort();
  assert.ok(names.length >= 17, `only ${names.length} error classes`);
  for (const [label, copy] of Object.entries(copies)) {
    assert.deepEqual([...errorClasses(copy).keys()].sort(), names, label);
  }
});

Deno.test("error guard: an error of any copy is one, and has exactly its class chain's names, in every copy's guard", () => {
  const everyName = [...errorClasses(source).keys()];
  for (const [fromLabel, from] of Object.entries(copies)) {
    for (const [name, Made] of errorClasses(from)) {
      const error = new Made(initOf(name));
      const ancestry = chain(from, name);
      assert.ok(ancestry.includes("AuditLogError"), `${fromLabel} ${name}`);
      for (const [guardLabel, guardCopy] of Object.entries(copies)) {
        const guard = guardCopy.isAuditLogError as Guard;
        const where = `${guardLabel} guard, ${fromLabel} ${name}`;
        assert.equal(guard(error), true, where);
        for (const other of everyName) {
          assert.equal(
            guard(error, other),
            ancestry.includes(other),
            `${where} as ${other}`,
          );
        }
        // The chain ends at the package's base class: what it extends is
        // not part of the package.
        assert.equal(guard(error, "Error"), false, where);
        assert.equal(guard(error, "Object"), false, where);
      }
    }
  }
});

Deno.test("error guard: a name picks the class and its subclasses only", () => {
  const rateLimited = new source.RateLimitError({
    status: 429,
    message: "Too many requests",
    request: REQUEST,
    retryAfter: 30,
  });
  const connection = new source.ConnectionError({
    request: REQUEST,
    cause: new TypeError("connection refused"),
  });
  assert.equal(source.isAuditLogError(rateLimited, "RateLimitError"), true);
  assert.equal(source.isAuditLogError(connection, "RateLimitError"), false);
  assert.equal(source.isAuditLogError(rateLimited, "ApiError"), true);
  assert.equal(source.isAuditLogError(connection, "ApiError"), false);
  assert.equal(source.isAuditLogError(connection, "ConnectionError"), true);
  assert.equal(source.isAuditLogError(rateLimited, "NoSuchError"), false);
  assert.equal(source.isAuditLogError(rateLimited, ""), false);
  for (const [name, Made] of errorClasses(source)) {
    const error = new Made(initOf(name));
    assert.equal(
      source.isAuditLogError(error, "ApiError"),
      error instanceof source.ApiError,
      name,
    );
  }
  const noEvents = new source.NoEventsError({
    status: 400,
    message: "No audit log events found",
    request: REQUEST,
  });
  for (const name of ["NoEventsError", "BadRequestError", "ApiError"]) {
    assert.equal(source.isAuditLogError(noEvents, name), true, name);
  }
});

Deno.test("error guard: a subclass made outside the package is one, by its own name and its ancestors'", () => {
  const Minified = copies.minified
    .ValidationError as typeof source.ValidationError;
  class FormError extends Minified {}
  const error = new FormError({ issues: [{ path: "", message: "m" }] });
  assert.equal(source.isAuditLogError(error), true);
  assert.equal(source.isAuditLogError(error, "FormError"), true);
  assert.equal(source.isAuditLogError(error, "ValidationError"), true);
  assert.equal(source.isAuditLogError(error, "ApiError"), false);
});

Deno.test("error guard: look-alikes and non-objects are not errors of the package, under any name", () => {
  class ValidationError extends Error {
    override name = "ValidationError";
    issues = [];
  }
  class AuditLogError extends Error {
    static override readonly name = "AuditLogError";
    override name = "AuditLogError";
  }
  class RateLimitError extends AuditLogError {
    override name = "RateLimitError";
  }
  const throwing = new Proxy({}, {
    getPrototypeOf() {
      throw new Error("no prototype for you");
    },
  });
  const lookAlikes: Record<string, unknown> = {
    plainObject: { name: "ValidationError", message: "m", issues: [] },
    plainObjectWithBrandName: {
      name: "AuditLogError",
      [Symbol.for("audit-log-export.AuditLogError")]: false,
    },
    otherLibrary: new ValidationError("m"),
    otherLibraryBase: new AuditLogError("m"),
    otherLibrarySubclass: new RateLimitError("m"),
    renamedError: Object.assign(new Error("m"), { name: "ValidationError" }),
    nullPrototype: Object.create(null),
    throwingProxy: throwing,
    aClass: source.ValidationError,
    null: null,
    undefined: undefined,
    string: "ValidationError",
    number: 429,
    symbol: Symbol.for("audit-log-export.AuditLogError"),
  };
  for (const [label, copy] of Object.entries(copies)) {
    const guard = copy.isAuditLogError as Guard;
    for (const [what, value] of Object.entries(lookAlikes)) {
      for (
        const name of [
          undefined,
          "AuditLogError",
          "ValidationError",
          "RateLimitError",
        ]
      ) {
        assert.equal(
          guard(value, name),
          false,
          `${label}: ${what} as ${name ?? "any"}`,
        );
      }
    }
  }
});

Deno.test("error guard: narrows to the class named, or to the base class", () => {
  const caught: unknown = new source.RateLimitError({
    status: 429,
    message: "Too many requests",
    request: REQUEST,
    retryAfter: 30,
  });
  if (source.isAuditLogError(caught, "RateLimitError")) {
    const seconds: number | undefined = caught.retryAfter;
    assert.equal(seconds, 30);
  } else {
    assert.fail("a RateLimitError");
  }
  if (source.isAuditLogError(caught, "ApiError")) {
    const status: number = caught.status;
    assert.equal(status, 429);
  } else {
    assert.fail("an ApiError");
  }
  if (source.isAuditLogError(caught)) {
    const name: string = caught.name;
    assert.equal(name, "RateLimitError");
  } else {
    assert.fail("an AuditLogError");
  }
  // A name the module does not declare (a class of another module of the
  // package, a user's subclass) still narrows to the base class.
  const someName: string = "ArchiveError";
  if (source.isAuditLogError(caught, someName)) {
    const message: string = caught.message;
    assert.ok(message);
  }
});
