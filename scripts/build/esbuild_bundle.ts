/**
 * Building one planned bundle with esbuild.
 *
 * @module
 */

import * as esbuild from "esbuild";
import { builtinModules } from "node:module";
import path from "node:path";
import type { Bundle } from "./bundle_plan.ts";
import { fail } from "./build_error.ts";

/**
 * The edge build of `./testing`: `serveEmulator`'s lazy `import("node:http")`
 * becomes a module that throws a clear error when loaded, so bundlers for
 * workerd or edge runtimes (which refuse `node:*` without Node compatibility)
 * can bundle `createEmulator`.
 */
export const stubNodeModules: esbuild.Plugin = {
  name: "stub-node-modules",
  setup(build) {
    build.onResolve(
      { filter: /^node:/ },
      (args) => ({ path: args.path, namespace: "node-stub" }),
    );
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, (args) => ({
      loader: "js",
      contents: `throw new Error(${
        JSON.stringify(
          `${args.path} is not available in this runtime: serveEmulator needs a Node-compatible HTTP server (Node, Deno, Bun). Here, pass (request) => emulator.fetch(request) as the client's fetch instead.`,
        )
      });\nexport {};\n`,
    }));
  },
};

/**
 * Bundles `b` from `root` into `outDir` and returns esbuild's metafile (the
 * graph the checks read). esbuild's own errors become one readable
 * {@link BuildError}.
 */
export async function bundle(
  b: Bundle,
  { root, outDir }: { root: string; outDir: string },
): Promise<esbuild.Metafile> {
  let result: esbuild.BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build({
      absWorkingDir: root,
      ...(b.contents === undefined
        ? { entryPoints: [path.join(root, b.entry)] }
        : {
          stdin: {
            contents: b.contents,
            resolveDir: root,
            sourcefile: `${b.entry} (edge stand-in)`,
            loader: "js" as const,
          },
        }),
      outfile: path.join(outDir, b.out),
      bundle: true,
      format: b.format,
      platform: b.platform,
      target: b.platform === "node" ? ["es2022", "node18"] : "es2022",
      // valibot ships ESM under "module"/"import"; CJS output still bundles it.
      mainFields: ["module", "main"],
      // The emulator's server imports node:http lazily; it stays a runtime
      // import. In the edge builds an external Node module fails the
      // edge-safety check, with a clearer message than esbuild's "Could not
      // resolve".
      external: ["node:*", ...builtinModules],
      plugins: b.stubNode ? [stubNodeModules] : [],
      charset: "utf8",
      legalComments: "inline",
      metafile: true,
      logLevel: "silent",
      write: true,
    });
  } catch (error) {
    const errors = (error as { errors?: esbuild.Message[] }).errors;
    if (!errors) throw error;
    fail(
      `esbuild failed:\n${
        errors.map((m) =>
          `  ${
            m.location ? `${m.location.file}:${m.location.line}: ` : ""
          }${m.text}`
        ).join("\n")
      }`,
    );
  }
  for (const w of result.warnings) {
    console.warn(`esbuild warning in ${b.out}: ${w.text}`);
  }
  return result.metafile;
}
