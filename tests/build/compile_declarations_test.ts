import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "../../scripts/build/build_error.ts";
import { compileDeclarations } from "../../scripts/build/compile_declarations.ts";

const typeRoots = [
  path.join(
    path.dirname(fileURLToPath(import.meta.url)),
    "..",
    "..",
    "node_modules",
    "@types",
  ),
];

async function inProject<T>(
  files: Record<string, string>,
  fn: (root: string) => T,
): Promise<T> {
  const root = await Deno.makeTempDir({ prefix: "build-tsc-test-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(path.join(root, name), text);
    }
    return fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("compileDeclarations: emits a declaration per reachable source, keeping .ts specifiers", async () => {
  const emitted = await inProject({
    "mod.ts": 'export { double } from "./lib.ts";\n',
    "lib.ts":
      "/** Twice n. */\nexport const double = (n: number): number => n * 2;\n",
  }, (root) =>
    compileDeclarations(["mod.ts"], {
      root,
      outDir: path.join(root, "types"),
      typeRoots,
    }));
  const byName = new Map(
    [...emitted].map(([file, text]) => [path.basename(file), text]),
  );
  assert.match(byName.get("mod.d.ts")!, /from "\.\/lib\.ts"/);
  assert.match(
    byName.get("lib.d.ts")!,
    /export declare const double: \(n: number\) => number;/,
  );
});

Deno.test("compileDeclarations: a type error in the sources stops the build with the diagnostic", async () => {
  await inProject({
    "mod.ts": 'export const n: number = "not a number";\n',
  }, (root) => {
    assert.throws(
      () =>
        compileDeclarations(["mod.ts"], {
          root,
          outDir: path.join(root, "types"),
          typeRoots,
        }),
      (e) =>
        e instanceof BuildError &&
        /reports errors in the sources/.test(e.message) &&
        /mod\.ts\(1,14\).*TS2322/.test(e.message),
    );
  });
});

Deno.test("compileDeclarations: the Deno-first sources' import.meta.main and for-await over a ReadableStream compile; nothing of it is emitted", async () => {
  const emitted = await inProject({
    "package.json": '{ "type": "module" }',
    "mod.ts": [
      "/** Reads every chunk. */",
      "export async function drain(s: ReadableStream<Uint8Array>): Promise<number> {",
      "  let n = 0;",
      "  for await (const chunk of s) n += chunk.length;",
      "  return n;",
      "}",
      "if (import.meta.main) console.log(await drain(new Blob(['x']).stream()));",
      "",
    ].join("\n"),
  }, (root) =>
    compileDeclarations(["mod.ts"], {
      root,
      outDir: path.join(root, "types"),
      typeRoots,
    }));
  assert.deepEqual(
    [...emitted.keys()].map((f) => path.basename(f)),
    ["mod.d.ts"],
  );
  assert.match(
    [...emitted.values()][0],
    /export declare function drain\(s: ReadableStream<Uint8Array>\): Promise<number>;/,
  );
});
