#!/usr/bin/env node
/**
 * Runs the conformance suite (tests/conformance/suite.js) in every runtime
 * the package supports, against the packed npm package installed by name in
 * a scratch project (and, for Deno, against the sources too), the official
 * `@workos-inc/node` SDK against the package's emulator
 * (tests/conformance/workos_sdk_cases.js), the archive as a Cloudflare
 * Cron Trigger writing to R2 in workerd
 * (tests/conformance/archive_cron_cases.js), and the package imported and
 * required in one process on Deno, Node and Bun
 * (tests/conformance/dual_package_cases.js), and `s3Store` against moto on
 * Deno, Node, Bun and inside workerd (tests/conformance/s3_cases.js), then
 * prints a table of pass counts and exits non-zero on any failure.
 *
 * The jobs, the Node versions and what each job runs are listed once, in
 * `scripts/build/targets.mjs`. Cases that need a file system
 * (`needs: ["fs"]`) run on Deno, Node and Bun; workerd and the edge runtime
 * run the `"edge-fs"` ones instead (what `audit-log-export/fs` is there); the
 * expected counts say so.
 *
 * ```sh
 * node scripts/test_matrix.mjs            # build if stale, run everything
 * node scripts/test_matrix.mjs --only node22-import,workerd --keep
 * node scripts/test_matrix.mjs --list      # the jobs, without running them
 * ```
 *
 * Options: `--only a,b` (labels or label prefixes), `--jobs N` (parallel
 * runtimes, default 2), `--no-build` (use npm/ as it is), `--keep` (leave the
 * scratch project and logs), `--verbose` (print every log), `--list` (print
 * the selected jobs and their command lines, build and run nothing),
 * `--help`.
 *
 * Plain Node 18+ (inside npm scripts `node` is node_modules/.bin/node, which
 * is the Node 18 of the `node18` alias package).
 *
 * @module
 */

import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { matrixJobs } from "./build/matrix_jobs.mjs";
import { BIN_NAME, ENTRIES, NODES, NPM_NAME } from "./build/targets.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONFORMANCE = path.join(ROOT, "tests", "conformance");
const NPM_DIR = path.join(ROOT, "npm");
const BIN = path.join(ROOT, "node_modules", ".bin");
const JOB_TIMEOUT_MS = 240_000;
const USAGE =
  "usage: node scripts/test_matrix.mjs [--only a,b] [--jobs N] [--no-build] [--keep] [--verbose] [--list] [--help]";

// --- options ---------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    only: [],
    jobs: 2,
    build: true,
    keep: false,
    verbose: false,
    list: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i];
    if (flag === "--only") o.only.push(...value().split(",").filter(Boolean));
    else if (flag === "--jobs") o.jobs = Math.max(1, Number(value()) || 1);
    else if (flag === "--no-build") o.build = false;
    else if (flag === "--keep") o.keep = true;
    else if (flag === "--verbose") o.verbose = true;
    else if (flag === "--list") o.list = true;
    else if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`test_matrix: unknown option ${argv[i]}\n${USAGE}`);
      process.exit(2);
    }
  }
  return o;
}

// --- tools -----------------------------------------------------------------

function versionOf(node) {
  const r = spawnSync(node, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The `node` of the system PATH with this major version, skipping node_modules/.bin. */
function systemNode(major) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir || dir.split(path.sep).includes("node_modules")) continue;
    const candidate = path.join(dir, "node");
    if (!existsSync(candidate)) continue;
    if (versionOf(candidate)?.startsWith(`v${major}.`)) return candidate;
  }
  return undefined;
}

/**
 * Node's binary by major version, for every Node of the matrix. With
 * `lenient` (listing jobs), a Node that is missing is named, not fatal.
 */
function nodeBinaries({ lenient = false } = {}) {
  const nodes = {};
  for (const { major, bin } of NODES) {
    const found = bin ? path.join(ROOT, bin) : systemNode(major);
    if (!found || !versionOf(found)?.startsWith(`v${major}.`)) {
      if (lenient) {
        nodes[major] = `node${major} (not found)`;
        continue;
      }
      const system = NODES.filter((n) => !n.bin).map((n) => n.major);
      throw new Error(
        `Node ${major} not found (${
          found ?? "no node on PATH"
        }): run npm ci, and have Node ${
          system.join(" or ")
        } as the system node`,
      );
    }
    nodes[major] = found;
  }
  return nodes;
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    maxBuffer: 64 << 20,
    ...options,
  });
  if (r.status !== 0) {
    throw new Error(
      `${path.basename(cmd)} ${args.join(" ")} failed (${
        r.error?.message ?? `exit ${r.status}`
      }):\n${r.stdout ?? ""}${r.stderr ?? ""}`,
    );
  }
  return r.stdout;
}

// --- build and scratch project ---------------------------------------------

function newestMtime(entry) {
  if (!existsSync(entry)) return 0;
  const st = statSync(entry);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(
    st.mtimeMs,
    ...readdirSync(entry).map((e) => newestMtime(path.join(entry, e))),
  );
}

function buildIfStale() {
  const built = path.join(NPM_DIR, "package.json");
  const exports = JSON.parse(
    readFileSync(path.join(ROOT, "deno.json"), "utf8"),
  ).exports;
  const inputs = [
    ...ENTRIES.map((e) => exports[e.key]),
    "deno.json",
    "README.md",
    "LICENSE",
    "src",
    "scripts/build_npm.ts",
    "scripts/build",
  ].map((p) => path.join(ROOT, p));
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (builtAt > Math.max(...inputs.map(newestMtime))) return false;
  console.log("npm/ is missing or older than the sources: building");
  run(path.join(BIN, "deno"), ["run", "-A", "scripts/build_npm.ts"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  return true;
}

/** A project that installs the packed package by name, as a user would. */
function scratchProject() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "audit-log-export-matrix-"));
  const packed = JSON.parse(
    run("npm", ["pack", NPM_DIR, "--pack-destination", dir, "--json"], {
      cwd: dir,
    }),
  )[0];
  const typesNode = JSON.parse(
    readFileSync(
      path.join(ROOT, "node_modules", "@types", "node", "package.json"),
      "utf8",
    ),
  ).version;
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({ private: true, type: "module" }, null, 2),
  );
  // Deno reads node_modules as npm left it; it type-checks the package's
  // .d.ts, which (like any npm package) pulls in @types/node.
  writeFileSync(
    path.join(dir, "deno.json"),
    JSON.stringify({ nodeModulesDir: "manual" }, null, 2),
  );
  run("npm", [
    "install",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `./${packed.filename}`,
    `@types/node@${typesNode}`,
  ], { cwd: dir });
  for (const file of readdirSync(CONFORMANCE)) {
    // bun test only runs files named *.test.*; the sources keep other names
    // so that `deno test tests/` does not pick the bun runners up.
    const target = file.startsWith("bun_")
      ? file.replace(/\.mjs$/, ".test.mjs")
      : file;
    copyFileSync(path.join(CONFORMANCE, file), path.join(dir, target));
  }
  // The fault matrix is written once, for Deno and for Node alike.
  for (const file of ["matrix.js", "node_faults.mjs"]) {
    copyFileSync(
      path.join(ROOT, "tests", "reliability", file),
      path.join(dir, file),
    );
  }
  return { dir, packed };
}

// --- jobs ------------------------------------------------------------------

/**
 * The processes to run, from the matrix of `scripts/build/targets.mjs`.
 * `labels` are the result files each writes (one per runner file); a
 * `custom` job runs in this process and checks what it ran itself.
 */
function jobs({ dir, nodes }) {
  return matrixJobs({
    repository: ROOT,
    scratch: dir,
    deno: path.join(BIN, "deno"),
    bun: path.join(BIN, "bun"),
    node: nodes,
  }).map((job) =>
    job.suite === "cli"
      ? { ...job, ...cliJob(job.labels[0], job.cmd, dir) }
      : job
  );
}

/** How many checks {@link cliJob} makes of a bin. */
const CLI_CHECKS = 2;

/** The installed bin: `demo` runs the whole job on loopback; a bad flag exits 2. */
function cliJob(label, node, dir) {
  const bin = path.join(
    dir,
    "node_modules",
    NPM_NAME,
    "bin",
    `${BIN_NAME}.js`,
  );
  const work = path.join(dir, label);
  return {
    labels: [label],
    custom: async (log) => {
      mkdirSync(work, { recursive: true });
      const results = [];
      const check = async (name, args, expectCode, verify) => {
        const started = Date.now();
        const r = await spawnLogged(node, [bin, ...args], {
          cwd: work,
          env: { WORKOS_API_KEY: "" },
        }, log);
        let error = r.code === expectCode
          ? undefined
          : `exit code ${r.code}, expected ${expectCode}`;
        if (!error && verify) error = verify(r);
        results.push({ name, ok: !error, ms: Date.now() - started, error });
      };
      await check(
        "bin: demo exports on loopback and exits 0",
        ["demo"],
        0,
        () => {
          const csv = readdirSync(work).find((f) => f.endsWith(".csv"));
          if (!csv) return "no CSV file written";
          const header =
            readFileSync(path.join(work, csv), "utf8").split(/\r?\n/)[0];
          return header.includes("occurred_at")
            ? undefined
            : `CSV header ${header}`;
        },
      );
      await check("bin: an unknown flag exits 2", ["get", "--no-such-flag"], 2);
      return results;
    },
  };
}

function spawnLogged(cmd, args, { cwd, env = {} }, log) {
  return new Promise((resolve) => {
    log.push(`$ ${[cmd, ...args].join(" ")}  (in ${cwd})\n`);
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const timer = setTimeout(() => {
      log.push(`\n[timed out after ${JOB_TIMEOUT_MS} ms: killed]\n`);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch { /* already gone */ }
    }, JOB_TIMEOUT_MS);
    child.stdout.on("data", (d) => log.push(d.toString()));
    child.stderr.on("data", (d) => log.push(d.toString()));
    child.on("error", (e) => log.push(`\n[spawn failed: ${e.message}]\n`));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1) });
    });
  });
}

function readResults(outDir, label) {
  const file = path.join(outDir, `${label}.json`);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")).results;
}

async function runJob(job, ctx) {
  const log = [];
  const started = Date.now();
  let rows;
  if (job.custom) {
    const results = await job.custom(log);
    rows = [{ label: job.labels[0], results, code: 0 }];
  } else {
    const { code } = await spawnLogged(job.cmd, job.args, {
      cwd: job.cwd,
      env: {
        CONFORMANCE_OUT: ctx.outDir,
        CONFORMANCE_TOOLS_FROM: path.join(ROOT, "package.json"),
        ...job.env,
      },
    }, log);
    rows = job.labels.map((label) => ({
      label,
      results: readResults(ctx.outDir, label),
      code,
    }));
  }
  const ms = Date.now() - started;
  const text = log.join("");
  writeFileSync(path.join(ctx.logDir, `${job.labels.join("+")}.log`), text);
  return rows.map((row) => ({
    ...row,
    suite: job.suite,
    needs: job.needs,
    ms,
    log: text,
  }));
}

async function pool(items, size, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
  return out;
}

// --- report ----------------------------------------------------------------

function summarize(row, expected) {
  const results = row.results ?? [];
  const passed = results.filter((r) => r.ok).length;
  let failed = results.length - passed;
  const notes = [];
  if (row.results === undefined) notes.push("no results written");
  const want = expected(row);
  if (results.length < want) {
    failed += want - results.length;
    notes.push(`${want - results.length} case(s) did not run`);
  }
  if (row.code !== 0 && failed === 0) {
    failed += 1;
    notes.push(`exit code ${row.code}`);
  }
  return { passed, failed, notes };
}

function printTable(lines) {
  const header = ["runtime", "passed", "failed", "time", "notes"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => String(l[i]).length))
  );
  const fmt = (cells) =>
    cells.map((c, i) =>
      i === 0 || i === 4
        ? String(c).padEnd(widths[i])
        : String(c).padStart(widths[i])
    ).join("  ").trimEnd();
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(fmt(line));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const wanted = (job) =>
    options.only.length === 0 ||
    job.labels.some((l) => options.only.some((o) => l.startsWith(o)));
  if (options.list) {
    const nodes = nodeBinaries({ lenient: true });
    for (const job of jobs({ dir: "<scratch>", nodes }).filter(wanted)) {
      const where = job.cwd === ROOT ? "repository" : "scratch project";
      console.log(
        `${job.labels.join("+")}  [${job.suite}]  ${
          job.custom ? `${job.cmd} <bin>` : [job.cmd, ...job.args].join(" ")
        }  (in ${where})`,
      );
    }
    return;
  }
  const started = Date.now();
  const { cases, casesFor } = await import(
    pathToFileURL(path.join(CONFORMANCE, "suite.js")).href
  );
  if (options.build) buildIfStale();
  else if (!existsSync(path.join(NPM_DIR, "package.json"))) {
    throw new Error("npm/ is not built: run npm run build");
  }
  const nodes = nodeBinaries();
  const { dir, packed } = scratchProject();
  const outDir = path.join(dir, "results");
  const logDir = path.join(dir, "logs");
  mkdirSync(outDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  console.log(
    `conformance matrix: ${cases.length} cases (${
      casesFor(["fs"]).length
    } with a file system, ${
      casesFor(["edge-fs"]).length
    } in workers), ${packed.filename} (${
      (packed.size / 1000).toFixed(1)
    } kB packed) installed in ${dir}`,
  );

  const selected = jobs({ dir, nodes }).filter(wanted);
  const rows = (await pool(
    selected,
    options.jobs,
    (job) => runJob(job, { outDir, logDir }),
  )).flat();

  const { FAULTS, CALLS, LARGE_CUTS } = await import(
    pathToFileURL(path.join(ROOT, "tests", "reliability", "matrix.js")).href
  );
  const { sdkCases } = await import(
    pathToFileURL(path.join(CONFORMANCE, "workos_sdk_cases.js")).href
  );
  const { cronChecks } = await import(
    pathToFileURL(path.join(CONFORMANCE, "archive_cron_cases.js")).href
  );
  const { readmeCases } = await import(
    pathToFileURL(path.join(CONFORMANCE, "readme_node_runner.mjs")).href
  );
  const { r2StoreCases } = await import(
    pathToFileURL(path.join(CONFORMANCE, "r2_store_runner.mjs")).href
  );
  const { dualPackageCases } = await import(
    pathToFileURL(path.join(CONFORMANCE, "dual_package_cases.js")).href
  );
  const { s3Cases } = await import(
    pathToFileURL(path.join(CONFORMANCE, "s3_cases.js")).href
  );
  const counts = {
    "conformance": (row) => casesFor(row.needs).length,
    "faults": () => FAULTS.length * (CALLS.length + 1) + LARGE_CUTS,
    "workos-sdk": () => sdkCases.length,
    "cli": () => CLI_CHECKS,
    "r2-cron": () => cronChecks.length,
    "r2-store": () => r2StoreCases.length,
    "readme": () => readmeCases.length,
    "dual-package": () => dualPackageCases.length,
    "s3": () => s3Cases.length,
  };
  const expected = (row) => counts[row.suite](row);
  let passed = 0;
  let failed = 0;
  const lines = [];
  for (const row of rows) {
    const s = summarize(row, expected);
    passed += s.passed;
    failed += s.failed;
    lines.push([
      row.label,
      s.passed,
      s.failed,
      `${(row.ms / 1000).toFixed(1)}s`,
      s.notes.join("; "),
    ]);
    const failures = (row.results ?? []).filter((r) => !r.ok);
    if (s.failed > 0 || options.verbose) {
      console.log(`\n--- ${row.label} ---`);
      for (const f of failures) {
        console.log(`  ✗ ${f.name}\n    ${String(f.error).split("\n")[0]}`);
      }
      if (s.notes.length > 0 || options.verbose) {
        console.log(row.log.split("\n").slice(-60).join("\n"));
      }
    }
  }
  console.log("");
  printTable(lines);
  console.log(
    `\n${passed} passed, ${failed} failed (${rows.length} runtime runs, ${
      ((Date.now() - started) / 1000).toFixed(1)
    } s)`,
  );
  if (options.keep || failed > 0) {
    console.log(`logs and scratch project kept in ${dir}`);
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(`test_matrix: ${error.stack ?? error}`);
  process.exit(1);
});
