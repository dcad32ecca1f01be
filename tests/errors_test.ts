/**
 * The error classes keep their names in a user's minified bundle.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import * as source from "../mod.ts";

const REQUEST = { method: "GET", url: "https://api.workos.com/x" };
const EXPORT = {
  object: "audit_log_export" as const,
  id: "audit_log_export_1",
  state: "error",
  createdAt: "",
  updatedAt: "",
};

/** The init object of every error class, by its exported name. */
const INITS: Record<string, unknown> = {
  AuditLogError: { message: "m" },
  ValidationError: { issues: [{ path: "", message: "m" }] },
  ApiError: { status: 418, message: "m", request: REQUEST },
  ConnectionError: { request: REQUEST, cause: new Error("reset") },
  TimeoutError: { message: "m", timeout: 1 },
  InvalidResponseError: { message: "m", status: 200, request: REQUEST },
  ExportFailedError: { export: EXPORT },
  CsvParseError: { message: "m", line: 1 },
  ArchiveError: {
    result: { windows: [], gaps: [], durationMs: 0 },
    failures: [{ organizationId: "org_1", error: new Error("m") }],
  },
};
const initOf = (name: string) =>
  INITS[name] ?? { status: 400, message: "m", request: REQUEST };

type ErrorClass = new (init: unknown) => Error;

function errorClasses(module: Record<string, unknown>): [string, ErrorClass][] {
  return Object.entries(module).filter(([, value]) =>
    typeof value === "function" &&
    (value as { prototype: unknown }).prototype instanceof Error
  ) as [string, ErrorClass][];
}

Deno.test("errors: every error class is named by its exported name, even minified", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const outfile = `${dir}/mod.min.mjs`;
    await esbuild.build({
      entryPoints: [new URL("../mod.ts", import.meta.url).pathname],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "neutral",
      mainFields: ["module", "main"],
      outfile,
      logLevel: "silent",
    });
    const minified = await import(`file://${outfile}`);
    const classes = errorClasses(minified);
    assert.equal(classes.length, errorClasses(source).length);
    assert.ok(classes.length >= 17, `only ${classes.length} error classes`);
    // The bundler did rename the class bindings (their static names keep
    // them): the test would prove nothing otherwise.
    assert.ok(
      !/\bValidationError = class\b/.test(await Deno.readTextFile(outfile)),
    );
    for (const [name, Class] of classes) {
      const error = new Class(initOf(name));
      assert.equal(error.name, name);
      assert.ok(String(error).startsWith(`${name}: `), String(error));
    }
  } finally {
    await esbuild.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
