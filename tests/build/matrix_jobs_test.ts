import assert from "node:assert/strict";
import { matrixJobs } from "../../scripts/build/matrix_jobs.mjs";
import type { MatrixJob, PerNode } from "../../scripts/build/targets.mjs";

const places = {
  repository: "/repo",
  scratch: "/scratch",
  deno: "/bin/deno",
  bun: "/bin/bun",
  node: { 18: "/n18", 20: "/n20", 22: "/n22", 24: "/n24" },
};

Deno.test("matrixJobs: the matrix of targets.mjs lists every runtime job, in order", () => {
  const labels = matrixJobs(places).map((j) => j.labels.join("+"));
  assert.deepEqual(labels, [
    "deno-src",
    "deno-npm",
    "deno-dual",
    "node18-import+node18-require",
    "node18-dual",
    "node20-import+node20-require",
    "node20-dual",
    "node22-import+node22-require",
    "node22-dual",
    "bun-import+bun-require",
    "bun-dual",
    "bun-faults",
    "workerd",
    "workerd-r2-cron",
    "workerd-r2-store",
    "edge-runtime",
    "node20-readme",
    "node20-workos-sdk",
    "node22-workos-sdk",
    "node18-cli",
    "node18-faults",
    "node20-cli",
    "node20-faults",
    "node22-cli",
    "node22-faults",
    "deno-s3",
    "bun-s3",
    "workerd-s3",
    "node18-s3",
    "node20-s3",
    "node22-s3",
  ]);
});

Deno.test("matrixJobs: runtimes and working directories resolve to the given places", () => {
  const jobs = matrixJobs(places);
  const byLabel = (l: string) => jobs.find((j) => j.labels.includes(l))!;
  assert.equal(byLabel("deno-src").cmd, "/bin/deno");
  assert.equal(byLabel("deno-src").cwd, "/repo");
  assert.deepEqual(byLabel("deno-src").env, { CONFORMANCE_LABEL: "deno-src" });
  assert.equal(byLabel("deno-npm").cwd, "/scratch");
  assert.equal(byLabel("bun-faults").cmd, "/bin/bun");
  assert.equal(byLabel("node18-import").cmd, "/n18");
  assert.equal(byLabel("workerd").cmd, "/n20");
  assert.equal(byLabel("node22-faults").cmd, "/n22");
  assert.deepEqual(byLabel("node22-cli").args, []);
});

Deno.test("matrixJobs: runtimes without a file system run the edge-fs cases", () => {
  const jobs = matrixJobs(places);
  const needs = Object.fromEntries(
    jobs.flatMap((j) => j.labels.map((l) => [l, j.needs.join()])),
  );
  assert.equal(needs["workerd"], "edge-fs");
  assert.equal(needs["edge-runtime"], "edge-fs");
  assert.equal(needs["node18-import"], "fs");
  assert.equal(needs["deno-npm"], "fs");
});

Deno.test("matrixJobs: adding a Node adds its per-Node jobs, filtered by where", () => {
  const nodes = [{ major: 20 }, { major: 24 }];
  const labels = matrixJobs(places, { nodes }).flatMap((j) => j.labels);
  for (
    const l of ["import", "require", "workos-sdk", "cli", "faults"]
  ) {
    assert.ok(labels.includes(`node24-${l}`), `node24-${l}`);
  }
  assert.ok(!labels.some((l) => l.startsWith("node18-")));
  const without18 = matrixJobs(places).flatMap((j) => j.labels);
  assert.ok(!without18.includes("node18-workos-sdk"));
});

Deno.test("matrixJobs: a Node without a binary is an error", () => {
  assert.throws(
    () => matrixJobs({ ...places, node: { 18: "/n18", 22: "/n22" } }),
    /no binary for Node 20/,
  );
});

Deno.test("matrixJobs: two jobs writing one label are an error", () => {
  const twice: MatrixJob = {
    labels: ["deno-src"],
    runtime: "deno",
    suite: "conformance",
    args: ["test"],
  };
  assert.throws(
    () => matrixJobs(places, { matrix: [twice, twice] }),
    /two matrix jobs write the results of deno-src/,
  );
});

Deno.test("matrixJobs: a {node} placeholder outside a per-Node group is an error", () => {
  const job: MatrixJob = {
    labels: ["{node}-import"],
    runtime: "deno",
    suite: "conformance",
    args: ["test"],
  };
  assert.throws(() => matrixJobs(places, { matrix: [job] }), /placeholder/);
});

Deno.test("matrixJobs: a per-Node job naming a runtime is an error", () => {
  const group: PerNode = {
    perNode: [{
      labels: ["{node}-x"],
      runtime: "bun",
      suite: "conformance",
      args: ["x"],
    }],
  };
  assert.throws(
    () => matrixJobs(places, { matrix: [group] }),
    /names no runtime/,
  );
});

Deno.test("matrixJobs: an unknown runtime or a job without arguments is an error", () => {
  const unknown = {
    labels: ["x"],
    runtime: "python",
    suite: "conformance",
    args: ["x"],
  } as unknown as MatrixJob;
  assert.throws(
    () => matrixJobs(places, { matrix: [unknown] }),
    /no known runtime/,
  );
  const bare: MatrixJob = { labels: ["x"], runtime: "bun", suite: "faults" };
  assert.throws(
    () => matrixJobs(places, { matrix: [bare] }),
    /has no arguments/,
  );
});
