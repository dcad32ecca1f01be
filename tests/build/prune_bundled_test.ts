import assert from "node:assert/strict";
import {
  BUNDLED_PACKAGES,
  pruneBundledPackages,
} from "../../scripts/build/prune_bundled.ts";

Deno.test("pruneBundledPackages: valibot is the bundled package", () => {
  assert.deepEqual(BUNDLED_PACKAGES, ["valibot"]);
});

Deno.test("pruneBundledPackages: a file without bundled imports is left as it is", () => {
  const text = 'import { a } from "./a.ts";\nexport declare const b: number;\n';
  assert.deepEqual(pruneBundledPackages("x.d.ts", text), {
    text,
    removed: [],
  });
});

Deno.test("pruneBundledPackages: removes the import and whatever uses it, transitively, keeping the rest", () => {
  const text = [
    "/** The module doc. @module */",
    'import * as v from "valibot";',
    'import type { InferOutput } from "valibot/types";',
    "/** Internal schema. */",
    "export declare const Schema: v.ObjectSchema<{}, undefined>;",
    "export type Parsed = InferOutput<typeof Schema>;",
    "export declare function parse(x: unknown): Parsed;",
    "/** Public. */",
    "export interface Options { a: string }",
    "",
  ].join("\n");
  const { text: out, removed } = pruneBundledPackages("x.d.ts", text);
  assert.deepEqual(removed.sort(), ["Parsed", "Schema", "parse"]);
  assert.ok(out.startsWith("/** The module doc. @module */"), out);
  assert.ok(!out.includes("valibot"), out);
  assert.ok(!out.includes("Internal schema"), out);
  assert.ok(out.includes("/** Public. */\nexport interface Options"), out);
});

Deno.test("pruneBundledPackages: the packages can be given", () => {
  const text =
    'import { z } from "zod";\nexport declare const s: z.ZodString;\n';
  const { text: out, removed } = pruneBundledPackages("x.d.ts", text, ["zod"]);
  assert.deepEqual(removed, ["s"]);
  assert.equal(out.trim(), "");
  assert.equal(pruneBundledPackages("x.d.ts", text).text, text);
});
