/**
 * The dual-package hazard, checked on the installed package: a program that
 * both `import`s and `require`s `audit-log-export` loads two copies (the ES
 * module and the CommonJS build), and an error from either copy must still
 * be `instanceof` the other copy's classes, both ways, for every error
 * class. Objects that only look like one (a plain object, another library's
 * error of the same name) must not be.
 *
 * The runners (`node_dual.mjs` on Node and Deno, `bun_dual.mjs` on Bun)
 * pass both copies in; this file imports nothing.
 *
 * @module
 */

/**
 * Every public error class, with the class it extends. A class the package
 * exports and this list lacks fails a case, so a new class is checked too.
 */
export const ERROR_CLASSES = {
  AuditLogError: undefined,
  ValidationError: "AuditLogError",
  ApiError: "AuditLogError",
  BadRequestError: "ApiError",
  NoEventsError: "BadRequestError",
  AuthenticationError: "ApiError",
  PermissionDeniedError: "ApiError",
  NotFoundError: "ApiError",
  ConflictError: "ApiError",
  UnprocessableEntityError: "ApiError",
  RateLimitError: "ApiError",
  InternalServerError: "ApiError",
  ConnectionError: "AuditLogError",
  TimeoutError: "AuditLogError",
  InvalidResponseError: "AuditLogError",
  ExportFailedError: "AuditLogError",
  CsvParseError: "AuditLogError",
  ArchiveError: "AuditLogError",
  ArchiveIntegrityError: "AuditLogError",
};

const REQUEST = { method: "GET", url: "https://api.workos.com/x" };

/** The init object of each class that takes no `ApiErrorInit`. */
const INITS = {
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
  ArchiveIntegrityError: { key: "org_1/checkpoint.json", message: "m" },
  ArchiveError: {
    result: { windows: [], gaps: [], durationMs: 0 },
    failures: [{ organizationId: "org_1", error: new Error("m") }],
  },
};

const initOf = (name) =>
  INITS[name] ?? { status: 400, message: "m", request: REQUEST };

/** `name` and every class it extends, by name. */
function lineage(name) {
  const names = [];
  for (let n = name; n !== undefined; n = ERROR_CLASSES[n]) names.push(n);
  return names;
}

class CheckFailed extends Error {
  constructor(message) {
    super(message);
    this.name = "CheckFailed";
  }
}

function check(value, message) {
  if (!value) throw new CheckFailed(message);
}

/** The exported error classes of a copy, by name. */
function errorClassesOf(copy) {
  return Object.keys(copy).filter((k) =>
    typeof copy[k] === "function" && copy[k].prototype instanceof Error
  ).sort();
}

/**
 * An error made by `from` is an instance of `to`'s class of the same name
 * and of each of its ancestors there, and of no other class of `to`.
 */
function crossCheck(name, from, to, fromLabel, toLabel) {
  const error = new from[name](initOf(name));
  const expected = new Set(lineage(name));
  for (const other of Object.keys(ERROR_CLASSES)) {
    const is = error instanceof to[other];
    check(
      is === expected.has(other),
      `${fromLabel} ${name} instanceof ${toLabel} ${other} is ${is}, expected ${!is}`,
    );
  }
}

/** Another library's error that happens to share a name with ours. */
class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = "ValidationError";
    this.issues = [];
  }
}

/**
 * The cases, in order. Each `run({ esm, cjs })` gets the package as
 * `import` and as `require` give it, and throws on failure.
 *
 * @type {{ name: string, run: (copies: { esm: any, cjs: any }) => void | Promise<void> }[]}
 */
export const dualPackageCases = [
  {
    name: "import and require load two copies (else nothing here is tested)",
    run({ esm, cjs }) {
      check(esm !== cjs, "the same module namespace");
      check(
        esm.ValidationError !== cjs.ValidationError,
        "import and require gave the same ValidationError class: the runtime loaded one copy",
      );
    },
  },
  {
    name: "both copies export exactly the listed error classes",
    run({ esm, cjs }) {
      const listed = Object.keys(ERROR_CLASSES).sort().join(", ");
      for (const [label, copy] of [["import", esm], ["require", cjs]]) {
        const found = errorClassesOf(copy).join(", ");
        check(found === listed, `${label} exports ${found}; listed: ${listed}`);
      }
    },
  },
  ...Object.keys(ERROR_CLASSES).map((name) => ({
    name:
      `${name}: from require, instanceof import's ${name} and its ancestors, and the other way round`,
    run({ esm, cjs }) {
      crossCheck(name, cjs, esm, "require", "import");
      crossCheck(name, esm, cjs, "import", "require");
    },
  })),
  {
    name:
      "look-alikes are instances of neither copy: a plain object, another library's ValidationError, a renamed Error",
    run({ esm, cjs }) {
      const lookAlikes = {
        "a plain object": { name: "ValidationError", message: "m", issues: [] },
        "another library's ValidationError": new ValidationError("m"),
        "an Error named ValidationError": Object.assign(new Error("m"), {
          name: "ValidationError",
        }),
        "an object without a prototype": Object.create(null),
      };
      for (const [what, value] of Object.entries(lookAlikes)) {
        for (const [label, copy] of [["import", esm], ["require", cjs]]) {
          for (const cls of ["ValidationError", "AuditLogError"]) {
            check(
              !(value instanceof copy[cls]),
              `${what} is instanceof ${label}'s ${cls}`,
            );
          }
        }
      }
    },
  },
  {
    name:
      "an error thrown by one copy's client is caught by the other copy's class",
    async run({ esm, cjs }) {
      const invalid = { organizationId: "", rangeStart: "x", rangeEnd: "y" };
      for (
        const [from, to, label] of [
          [cjs, esm, "require's createExport, import's ValidationError"],
          [esm, cjs, "import's createExport, require's ValidationError"],
        ]
      ) {
        let caught;
        try {
          await from.createExport(invalid, { apiKey: "sk_test_dual" });
        } catch (error) {
          caught = error;
        }
        check(caught !== undefined, `${label}: nothing was thrown`);
        check(
          caught instanceof to.ValidationError &&
            caught instanceof to.AuditLogError &&
            !(caught instanceof to.ApiError),
          `${label}: ${caught?.name} is not recognised`,
        );
      }
    },
  },
];

/**
 * Runs every case through the runtime's `test`, recording each outcome as
 * the conformance runners do (`{ name, ok, ms, error? }`).
 *
 * @param {{ esm: any, cjs: any, test: (name: string, fn: () => Promise<void>) => unknown, results: object[] }} options
 */
export async function runDualPackage({ esm, cjs, test, results }) {
  for (const c of dualPackageCases) {
    await test(`dual package: ${c.name}`, async () => {
      const started = Date.now();
      try {
        await c.run({ esm, cjs });
        results.push({ name: c.name, ok: true, ms: Date.now() - started });
      } catch (error) {
        results.push({
          name: c.name,
          ok: false,
          ms: Date.now() - started,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    });
  }
  return results;
}
