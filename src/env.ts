/**
 * Reading an environment variable in whichever runtime this is, without
 * importing anything Node-specific (edge bundles must stay free of it).
 *
 * @module
 */

interface DenoLike {
  env?: { get(name: string): string | undefined };
  permissions?: {
    querySync?(d: { name: "env"; variable: string }): { state: string };
  };
}

interface ProcessLike {
  env?: Record<string, string | undefined>;
}

/** True where the runtime has a permission model (Deno) that forbids reading `name`. */
export function envDenied(name: string): boolean {
  const g = globalThis as { Deno?: DenoLike };
  try {
    // Asking first avoids Deno's interactive permission prompt.
    const state = g.Deno?.permissions?.querySync?.({
      name: "env",
      variable: name,
    }).state;
    return state !== undefined && state !== "granted";
  } catch {
    return false;
  }
}

/** The variable's value, or `undefined` where there is no environment or no permission to read it. */
export function readEnv(name: string): string | undefined {
  const g = globalThis as { Deno?: DenoLike; process?: ProcessLike };
  try {
    if (g.Deno?.env) return envDenied(name) ? undefined : g.Deno.env.get(name);
    return g.process?.env?.[name];
  } catch {
    return undefined;
  }
}
