import assert from "node:assert/strict";
import { exec } from "../../scripts/build/exec.ts";

Deno.test("exec: returns the exit code, stdout alone, and stdout then stderr", async () => {
  const out = await exec(Deno.execPath(), [
    "eval",
    "console.log('out'); console.error('err'); Deno.exit(3);",
  ], { cwd: Deno.cwd() });
  assert.equal(out.code, 3);
  assert.equal(out.stdout, "out\n");
  assert.equal(out.text, "out\nerr");
});

Deno.test("exec: runs in the given directory with colours off", async () => {
  const dir = await Deno.makeTempDir({ prefix: "build-exec-test-" });
  try {
    const out = await exec(Deno.execPath(), [
      "eval",
      "console.log(Deno.cwd(), Deno.env.get('NO_COLOR'), Deno.env.get('X'))",
    ], { cwd: dir, env: { X: "y" } });
    assert.equal(out.stdout.trim(), `${await Deno.realPath(dir)} 1 y`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
