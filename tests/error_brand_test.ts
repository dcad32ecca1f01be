/**
 * `instanceof` across copies of the package in one process: the sources, a
 * minified ES module bundle and a CommonJS bundle of `mod.ts`, each with
 * its own classes. (The built npm package is checked the same way on Node
 * and Bun by `tests/conformance/dual_package_cases.js`.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import * as esbuild from "esbuild";
import * as source from "../mod.ts";

const REQUEST = { method: "GET", url: "https://api.workos.com/x" };

/** The init objects of the error classes that do not take an `ApiErrorInit`. */
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
  ArchiveError: {
    result: { windows: [], gaps: [], durationMs: 0 },
    failures: [{ organizationId: "org_1", error: new Error("m") }],
  },
};
const initOf = (name: string) =>
  INITS[name] ?? { status: 400, message: "m", request: REQUEST };

type ErrorClass = new (init: unknown) => Error;
type Copy = Record<string, unknown>;

/** The exported error classes of a copy, by exported name. */
function errorClasses(copy: Copy): Map<string, ErrorClass> {
  return new Map(
    Object.entries(copy).filter(([, value]) =>
      typeof value === "function" &&
      (value as { prototype: unknown }).prototype instanceof Error
    ) as [string, ErrorClass][],
  );
}

/** Whether class `a` is `b` or extends it, within one copy. */
const extendsClass = (a: ErrorClass, b: ErrorClass) =>
  a === b || a.prototype instanceof b;

/** The other copies: a minified ES module bundle and a CommonJS bundle. */
async function bundledCopies(): Promise<{ minified: Copy; commonjs: Copy }> {
  const dir = await Deno.makeTempDir({ prefix: "error-brand-test-" });
  try {
    const build = (format: "esm" | "cjs", outfile: string) =>
      esbuild.build({
        entryPoints: [path.join(import.meta.dirname!, "..", "mod.ts")],
        bundle: true,
        minify: format === "esm",
        format,
        platform: "neutral",
        mainFields: ["module", "main"],
        outfile: path.join(dir, outfile),
        logLevel: "silent",
      });
    await build("esm", "mod.min.mjs");
    await build("cjs", "mod.cjs");
    return {
      minified: await import(`file://${dir}/mod.min.mjs`),
      commonjs: createRequire(import.meta.url)(`${dir}/mod.cjs`),
    };
  } finally {
    await esbuild.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

const copies: Record<"sources" | "minified" | "commonjs", Copy> = {
  sources: source,
  ...await bundledCopies(),
};

Deno.test("error brand: every copy has the same error classes, separate from the sources' own", () => {
  const names = [...errorClasses(source).keys()].sort();
  assert.ok(names.length >= 18, `only ${names.length} error classes`);
  for (const [label, copy] of Object.entries(copies)) {
    assert.deepEqual([...errorClasses(copy).keys()].sort(), names, label);
    if (copy !== source) {
      assert.notEqual(copy.ValidationError, source.ValidationError, label);
    }
  }
});

Deno.test("error brand: every exported error class states its name as a static field, so minifying keeps it", () => {
  for (const name of errorClasses(source).keys()) {
    const minified = (copies.minified[name] as ErrorClass).name;
    assert.equal(
      minified,
      name,
      `${name} is called ${minified} once minified: give it \`static override readonly name: string = "${name}";\``,
    );
  }
});

Deno.test("error brand: an error of one copy is an instance of the same class and its ancestors in every other, and of nothing else", () => {
  for (const [fromLabel, from] of Object.entries(copies)) {
    const fromClasses = errorClasses(from);
    for (const [toLabel, to] of Object.entries(copies)) {
      for (const [name, Made] of fromClasses) {
        const error = new Made(initOf(name));
        for (const [other, Target] of errorClasses(to)) {
          const expected = extendsClass(Made, fromClasses.get(other)!);
          assert.equal(
            error instanceof Target,
            expected,
            `${fromLabel} ${name} instanceof ${toLabel} ${other}`,
          );
        }
      }
    }
  }
});

Deno.test("error brand: look-alikes are not instances: a plain object, another library's error of the same name, a null-prototype object", () => {
  class ValidationError extends Error {
    override name = "ValidationError";
    issues = [];
  }
  for (const [label, copy] of Object.entries(copies)) {
    const classes = errorClasses(copy);
    const VE = classes.get("ValidationError")!;
    const base = classes.get("AuditLogError")!;
    for (
      const [what, lookAlike] of Object.entries({
        plainObject: { name: "ValidationError", message: "m", issues: [] },
        otherLibrary: new ValidationError("m"),
        renamedError: Object.assign(new Error("m"), {
          name: "ValidationError",
        }),
        nullPrototype: Object.create(null),
        null: null,
        string: "ValidationError",
      })
    ) {
      assert.equal(lookAlike instanceof VE, false, `${label}: ${what}`);
      assert.equal(lookAlike instanceof base, false, `${label}: ${what}`);
    }
  }
});

Deno.test("error brand: a subclass outside the package stays its own class", () => {
  const Minified = copies.minified
    .ValidationError as typeof source.ValidationError;
  class MyError extends Minified {}
  const mine = new MyError({ issues: [{ path: "", message: "m" }] });
  assert.ok(mine instanceof source.ValidationError);
  assert.ok(mine instanceof source.AuditLogError);
  assert.ok(!(new source.ValidationError({ issues: [] }) instanceof MyError));
  const notFound = new source.NotFoundError({
    status: 404,
    message: "m",
    request: REQUEST,
  });
  assert.ok(!(notFound instanceof MyError));
});

Deno.test("error brand: the brand is invisible: no own property, nothing in JSON or Object.keys", () => {
  const error = new source.NotFoundError({
    status: 404,
    message: "m",
    request: REQUEST,
  });
  assert.deepEqual(Object.getOwnPropertySymbols(error), []);
  assert.ok(!Object.keys(error).some((k) => /brand/i.test(k)));
  assert.ok(!JSON.stringify(error).includes("audit-log-export"));
});
