import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Bundle } from "../../scripts/build/bundle_plan.ts";
import { BuildError } from "../../scripts/build/build_error.ts";
import { edgeSafetyProblems } from "../../scripts/build/edge_safe.ts";
import {
  buildMirrors,
  buildSplit,
  bundleAlone,
  sourcesReachingNode,
  stubMessage,
} from "../../scripts/build/esbuild_bundle.ts";
import {
  addOutputs,
  type OutputGraph,
  reachable,
  staticCycle,
} from "../../scripts/build/output_graph.ts";
import {
  checkSharedOnce,
  checkTwins,
} from "../../scripts/build/shared_once.ts";

/**
 * Two entries sharing an error class; `b` also serves over node:http,
 * imported lazily, as the emulator does.
 */
const PROJECT = {
  "errors.ts": "export class E extends Error {}\n",
  "shared.ts": 'import { E } from "./errors.ts";\n' +
    'export const fail = (): never => {\n  throw new E("x");\n};\n',
  "server.ts": "export async function serve() {\n" +
    '  const http = await import("node:http");\n' +
    "  return http.createServer();\n}\n",
  "a.ts":
    'export { E } from "./errors.ts";\nexport { fail } from "./shared.ts";\n',
  "b.ts": 'export { fail } from "./shared.ts";\n' +
    'export { serve } from "./server.ts";\nexport const ok = () => "ok";\n',
};

const split = (out: string, entry: string, extra: Partial<Bundle> = {}) =>
  ({
    out,
    key: ".",
    entry,
    format: "esm",
    build: "split",
    edgeSafe: false,
    ...extra,
  }) as Bundle;

const BUNDLES = [
  split("esm/a.js", "a.ts"),
  split("esm/b.js", "b.ts"),
  split("esm/b.edge.js", "b.ts", { stubNode: true, edgeSafe: true }),
];

async function withProject(
  files: Record<string, string>,
  fn: (places: { root: string; outDir: string }) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "build-esbuild-test-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(path.join(root, name), text);
    }
    await fn({ root, outDir: path.join(root, "npm") });
  } finally {
    await esbuild.stop();
    await Deno.remove(root, { recursive: true });
  }
}

/** The split build of {@link BUNDLES} and the CommonJS twins of `a` and `b`. */
async function buildProject(
  places: { root: string; outDir: string },
): Promise<OutputGraph> {
  const graph: OutputGraph = new Map();
  addOutputs(graph, await buildSplit(BUNDLES, places), {
    ...places,
    format: "esm",
  });
  const twins = new Set(
    ["esm/a.js", "esm/b.js"].flatMap((o) =>
      reachable(graph, o).map((f) => f.out)
    ),
  );
  addOutputs(graph, await buildMirrors([...twins], places), {
    ...places,
    format: "cjs",
  });
  return graph;
}

const load = (outDir: string, out: string) =>
  out.endsWith(".cjs")
    ? createRequire(import.meta.url)(path.join(outDir, out))
    : import(pathToFileURL(path.join(outDir, out)).href);

Deno.test("sourcesReachingNode: the module importing a Node built-in and everything importing it", async () => {
  await withProject(PROJECT, async ({ root }) => {
    assert.deepEqual(
      [...await sourcesReachingNode("b.ts", root)].sort(),
      ["b.ts", "server.ts"],
    );
    assert.deepEqual([...await sourcesReachingNode("a.ts", root)], []);
  });
});

Deno.test("buildSplit: code two entries use is in one shared chunk, so a class exists once", async () => {
  await withProject(PROJECT, async (places) => {
    const graph = await buildProject(places);
    const esm = [...graph.values()].filter((f) => f.format === "esm");
    checkSharedOnce(esm, ["errors.ts", "shared.ts"]);
    const holders = esm.filter((f) => f.inputs.includes("errors.ts"));
    assert.equal(holders.length, 1);
    assert.match(holders[0].out, /^esm\/chunks\//);
    for (const entry of ["esm/a.js", "esm/b.js", "esm/b.edge.js"]) {
      assert.ok(
        reachable(graph, entry).includes(holders[0]),
        `${entry} does not load ${holders[0].out}`,
      );
    }
    const a = await load(places.outDir, "esm/a.js");
    const b = await load(places.outDir, "esm/b.js");
    assert.throws(() => b.fail(), (e) => e instanceof a.E);
  });
});

Deno.test("buildSplit: an edge copy holds only the modules on the path to node:*, which throws there; the rest is shared", async () => {
  await withProject(PROJECT, async (places) => {
    const graph = await buildProject(places);
    const edge = graph.get("esm/b.edge.js")!;
    assert.deepEqual(
      reachable(graph, "esm/b.edge.js").flatMap((f) => f.inputs).filter((i) =>
        i.startsWith("edge-copy:") || i.startsWith("node-stub:")
      ).sort(),
      ["edge-copy:b.ts", "edge-copy:server.ts", "node-stub:node:http"],
    );
    assert.ok(!edge.inputs.includes("shared.ts"));
    const files = await Promise.all(
      reachable(graph, "esm/b.edge.js").map(async (f) => ({
        ...f,
        code: await Deno.readTextFile(path.join(places.outDir, f.out)),
      })),
    );
    assert.deepEqual(await edgeSafetyProblems(files), []);
    const b = await load(places.outDir, "esm/b.edge.js");
    const a = await load(places.outDir, "esm/a.js");
    assert.equal(b.ok(), "ok");
    await assert.rejects(b.serve(), { message: stubMessage("node:http") });
    assert.throws(() => b.fail(), (e) => e instanceof a.E);
  });
});

Deno.test("buildSplit: the real entry keeps its lazy node:http import, which the edge check reports", async () => {
  await withProject(PROJECT, async (places) => {
    const graph = await buildProject(places);
    const files = await Promise.all(
      reachable(graph, "esm/b.js").map(async (f) => ({
        ...f,
        code: await Deno.readTextFile(path.join(places.outDir, f.out)),
      })),
    );
    const problems = await edgeSafetyProblems(files);
    assert.ok(
      problems.some((p) =>
        p.endsWith('external import "node:http" (dynamic-import)')
      ),
      problems.join("\n"),
    );
  });
});

Deno.test("buildMirrors: each CommonJS file is the twin of its ES module and loads the twins of what it loads", async () => {
  await withProject(PROJECT, async (places) => {
    const graph = await buildProject(places);
    const exportsOf = async (out: string) =>
      Object.keys(await load(places.outDir, out)).filter((k) =>
        k !== "__esModule"
      );
    for (const out of ["cjs/a.cjs", "cjs/b.cjs"]) {
      const esm = out.replace(/^cjs/, "esm").replace(/\.cjs$/, ".js");
      await checkTwins(graph, reachable(graph, esm), {
        out,
        mirrors: esm,
      }, exportsOf);
    }
    const cjs = [...graph.values()].filter((f) => f.format === "cjs");
    assert.equal(staticCycle(graph, cjs), undefined);
    assert.ok(cjs.every((f) => f.out.endsWith(".cjs")));
    const a = await load(places.outDir, "cjs/a.cjs");
    const b = await load(places.outDir, "cjs/b.cjs");
    assert.throws(() => b.fail(), (e) => e instanceof a.E);
  });
});

Deno.test("bundleAlone: generated contents are bundled in place of the entry", async () => {
  await withProject({}, async (places) => {
    const meta = await bundleAlone({
      out: "esm/stand_in.js",
      key: "./x",
      entry: "x.ts",
      format: "esm",
      build: "alone",
      edgeSafe: true,
      contents: "export function f() { return 42; }\n",
    }, places);
    assert.deepEqual(Object.values(meta.outputs)[0].exports, ["f"]);
  });
});

Deno.test("buildSplit: an esbuild error becomes a BuildError naming the file and line", async () => {
  await withProject({ "broken.ts": "export const x = ;\n" }, async (places) => {
    await assert.rejects(
      buildSplit([split("esm/broken.js", "broken.ts")], places),
      (e) =>
        e instanceof BuildError && /esbuild failed/.test(e.message) &&
        /broken\.ts:1:/.test(e.message),
    );
  });
});
