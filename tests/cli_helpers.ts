/**
 * Running the CLI the way a user does: `cli.ts` as a subprocess, with a
 * test key that every run checks never leaks.
 *
 * @module
 */

import assert from "node:assert/strict";

export const ROOT = new URL("..", import.meta.url).pathname;
export const CLI = `${ROOT}cli.ts`;
export const CONFIG = `${ROOT}deno.json`;
export const KEY = "sk_test_cli_secret_0123456789";

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The served emulator to point --base-url at (omit for commands that need none). */
  server?: { url: string };
  /** WORKOS_API_KEY; `""` to leave it unset. Default {@link KEY}. */
  key?: string;
  /** Working directory. Default the repository root. */
  cwd?: string;
  /** Keys that must appear nowhere in the output. */
  secrets?: string[];
  /** Deno's permission flags, instead of network to loopback, env, read and write. */
  allow?: string[];
  /** More environment variables. */
  env?: Record<string, string>;
  /**
   * Kills the run after this many ms, so a hang fails the test instead of
   * stalling the suite; far above any normal run, never a timing check.
   */
  killAfterMs?: number;
}

/** Runs `cli.ts` as a subprocess, the way a user would, and checks the key never leaks. */
export async function cli(
  args: string[],
  options: RunOptions = {},
): Promise<Run> {
  const child = spawn(args, options);
  let killed = false;
  const timer = options.killAfterMs === undefined
    ? undefined
    : setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, options.killAfterMs);
  try {
    const out = await child.output();
    assert.ok(!killed, `${args.join(" ")}: hung, killed`);
    return checked(out, options);
  } finally {
    clearTimeout(timer);
  }
}

const DEFAULT_ALLOW = [
  "--allow-net=127.0.0.1,localhost",
  "--allow-env",
  "--allow-read",
  "--allow-write",
];

export function spawn(args: string[], options: RunOptions): Deno.ChildProcess {
  const base = options.server ? ["--base-url", options.server.url] : [];
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      CONFIG,
      ...(options.allow ?? DEFAULT_ALLOW),
      CLI,
      ...args,
      ...base,
    ],
    cwd: options.cwd ?? ROOT,
    env: {
      WORKOS_API_KEY: options.key ?? KEY,
      WORKOS_BASE_URL: "",
      // Set in a developer's shell, it would add lines to every stderr.
      AUDIT_LOG_EXPORT_DEBUG: "",
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

export function checked(out: Deno.CommandOutput, options: RunOptions): Run {
  const run = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  for (const secret of [KEY, ...(options.secrets ?? [])]) {
    assert.ok(!run.stdout.includes(secret), "the API key leaked to stdout");
    assert.ok(!run.stderr.includes(secret), "the API key leaked to stderr");
  }
  return run;
}
