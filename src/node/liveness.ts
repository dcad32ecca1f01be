/**
 * Whether a process that left a file behind is gone: the writer's host, as
 * temporary and lock files name it, and whether a pid of this host has
 * ended. Shared by the atomic writes (their leftover temporary files) and
 * the directory store (its stale locks). Node APIs, which Deno, Node and Bun
 * all provide; under Deno every check first asks whether it is allowed, so
 * it never prompts.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { hostname } from "node:os";
import process from "node:process";

/** The Deno permissions asked about here. */
export type Permission =
  | { name: "sys"; kind: "hostname" }
  | { name: "run" }
  | { name: "read" | "write"; path: string };

interface DenoPermissions {
  permissions?: {
    querySync?(descriptor: Permission): { state: string };
  };
}

/**
 * Whether Deno would refuse `descriptor` (or ask for it). Asking first
 * keeps Deno's interactive prompt away: cleaning up is never worth one.
 */
export function denoRefuses(descriptor: Permission): boolean {
  const deno = (globalThis as { Deno?: DenoPermissions }).Deno;
  if (!deno) return false;
  try {
    return deno.permissions?.querySync?.(descriptor).state !== "granted";
  } catch {
    return true;
  }
}

/**
 * This host's id in temporary file names, or `undefined` when the host name
 * cannot be read (Deno without `--allow-sys=hostname`). A pid means nothing
 * on another host sharing the directory (a network file system), so a file
 * whose host is not known to be this one is never judged.
 */
export function hostId(): string | undefined {
  if (denoRefuses({ name: "sys", kind: "hostname" })) return undefined;
  try {
    const name = hostname();
    if (!name) return undefined;
    // Hashed: a host name may be long or hold characters a file name should not.
    return createHash("sha256").update(name).digest("hex").slice(0, 8);
  } catch {
    return undefined;
  }
}

/**
 * Whether the process `pid` of this host is known to have ended. Anything
 * short of certainty counts as alive: `EPERM` means it runs under another
 * user, and without the right to ask (Deno without `--allow-run`) nothing
 * is known. A pid reused by an unrelated process keeps a leftover, which is
 * the safe mistake.
 */
export function hasEnded(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff) {
    return false;
  }
  if (pid === process.pid) return false;
  if (denoRefuses({ name: "run" })) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: unknown }).code === "ESRCH";
  }
}
