/**
 * Running child processes: a measurement worker that prints one JSON line,
 * and a bare run timed from spawn to exit.
 *
 * @module
 */

import { ROOT } from "./paths.ts";

/** Runs `cmd args…` in the repository root and returns its output, failing on a non-zero exit. */
export async function run(
  cmd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, {
    args: [...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  const stderr = dec.decode(out.stderr);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited with ${out.code}:\n${stderr}${stdout}`,
    );
  }
  return { stdout, stderr };
}

/** Runs a worker that prints its result as JSON on its last stdout line. */
export async function runJson<T>(
  cmd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<T> {
  const { stdout } = await run(cmd, args, env);
  const last = stdout.trimEnd().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${cmd} ${args.join(" ")} printed no JSON:\n${stdout}`);
  }
}

/** Wall-clock milliseconds from spawning `cmd args…` until it exits (output discarded). */
export async function timeRun(
  cmd: string,
  args: readonly string[],
): Promise<number> {
  const command = new Deno.Command(cmd, {
    args: [...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  });
  const start = performance.now();
  const out = await command.output();
  const ms = performance.now() - start;
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited with ${out.code}:\n${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return ms;
}

/** Starts a long-running child that prints one JSON line once ready; `stop()` ends it by its own pid. */
export async function startServer<T>(
  cmd: string,
  args: readonly string[],
): Promise<{ info: T; stop(): Promise<void> }> {
  const child = new Deno.Command(cmd, {
    args: [...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let buffered = "";
  while (!buffered.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${cmd} ${args.join(" ")} exited before ready`);
    buffered += value;
  }
  const info = JSON.parse(buffered.split("\n")[0]) as T;
  return {
    info,
    async stop() {
      await reader.cancel();
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
