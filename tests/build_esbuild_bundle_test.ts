import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Bundle } from "../scripts/build/bundle_plan.ts";
import { BuildError } from "../scripts/build/build_error.ts";
import { edgeSafetyProblems } from "../scripts/build/edge_safe.ts";
import { bundle } from "../scripts/build/esbuild_bundle.ts";

const SERVER = `export async function serve() {
  const http = await import("node:http");
  return http.createServer();
}
export const ok = () => "ok";
`;

async function withProject(
  files: Record<string, string>,
  fn: (root: string) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "build-esbuild-test-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(path.join(root, name), text);
    }
    await fn(root);
  } finally {
    await esbuild.stop();
    await Deno.remove(root, { recursive: true });
  }
}

const base: Bundle = {
  out: "esm/server.js",
  key: ".",
  entry: "server.ts",
  format: "esm",
  platform: "neutral",
  edgeSafe: true,
  isolated: false,
};

Deno.test("bundle: a lazy node:http import stays an import, which the edge check reports", async () => {
  await withProject({ "server.ts": SERVER }, async (root) => {
    const outDir = path.join(root, "npm");
    const meta = await bundle(base, { root, outDir });
    const code = await Deno.readTextFile(path.join(outDir, base.out));
    assert.deepEqual(edgeSafetyProblems(base, meta, code), [
      'external import "node:http" (dynamic-import)',
      'module "node:http"',
    ]);
  });
});

Deno.test("bundle: with stubNode, node:* becomes a module that throws a clear error", async () => {
  await withProject({ "server.ts": SERVER }, async (root) => {
    const outDir = path.join(root, "npm");
    const b = { ...base, out: "esm/server.edge.js", stubNode: true };
    const meta = await bundle(b, { root, outDir });
    const code = await Deno.readTextFile(path.join(outDir, b.out));
    assert.deepEqual(edgeSafetyProblems(b, meta, code), []);
    assert.match(code, /node:http is not available in this runtime/);
    const mod = await import(pathToFileURL(path.join(outDir, b.out)).href);
    assert.equal(mod.ok(), "ok");
    await assert.rejects(mod.serve(), /node:http is not available/);
  });
});

Deno.test("bundle: generated contents are bundled in place of the entry", async () => {
  await withProject({}, async (root) => {
    const outDir = path.join(root, "npm");
    const b = {
      ...base,
      out: "esm/stand_in.js",
      contents: "export function f() { return 42; }\n",
    };
    const meta = await bundle(b, { root, outDir });
    assert.deepEqual(Object.values(meta.outputs)[0].exports, ["f"]);
  });
});

Deno.test("bundle: an esbuild error becomes a BuildError naming the file and line", async () => {
  await withProject({ "broken.ts": "export const x = ;\n" }, async (root) => {
    await assert.rejects(
      bundle({ ...base, entry: "broken.ts" }, {
        root,
        outDir: path.join(root, "npm"),
      }),
      (e) =>
        e instanceof BuildError && /esbuild failed/.test(e.message) &&
        /broken\.ts:1:/.test(e.message),
    );
  });
});
