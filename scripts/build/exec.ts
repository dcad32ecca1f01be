/**
 * Running a tool for a package check and keeping what it printed.
 *
 * @module
 */

const decoder = new TextDecoder();

/** What a finished command left. */
export interface Output {
  code: number;
  /** stdout alone (JSON answers). */
  stdout: string;
  /** stdout then stderr, for reports. */
  text: string;
}

/**
 * Runs `cmd` to completion with colours off (tools' verdicts are read from
 * their text) and returns its exit code and output.
 */
export async function exec(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<Output> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decoder.decode(out.stdout);
  return {
    code: out.code,
    stdout,
    text: (stdout + decoder.decode(out.stderr)).trim(),
  };
}
