/**
 * What the numbers were measured on: CPU, cores, memory, runtimes and the
 * versions of the packages compared.
 *
 * @module
 */

import { NODE_LABEL, NODES, ROOT } from "./paths.ts";
import { run } from "./proc.ts";

/** The machine and software of one benchmark run. */
export interface Machine {
  date: string;
  /** The Node of the Node-side rows, e.g. `Node 20`. */
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  runtimes: Record<string, string>;
  packages: Record<string, string>;
}

async function cpuModel(): Promise<string> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function packageVersion(name: string): Promise<string> {
  const text = await Deno.readTextFile(
    `${ROOT}/node_modules/${name}/package.json`,
  );
  return (JSON.parse(text) as { version: string }).version;
}

/** Reads the machine's description; spawns each Node binary once for its version. */
export async function describeMachine(): Promise<Machine> {
  const runtimes: Record<string, string> = {};
  for (const [label, bin] of Object.entries(NODES)) {
    runtimes[label] = (await run(bin, ["--version"])).stdout.trim();
  }
  runtimes.Deno = `${Deno.version.deno} (V8 ${Deno.version.v8})`;
  const own = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)) as {
    name: string;
    version: string;
  };
  const packages: Record<string, string> = {
    [own.name]: `${own.version} (this checkout)`,
  };
  for (
    const name of [
      "@workos-inc/node",
      "valibot",
      "csv-parse",
      "papaparse",
      "udsv",
      "esbuild",
    ]
  ) {
    packages[name] = await packageVersion(name);
  }
  return {
    node: NODE_LABEL,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: await cpuModel(),
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    os: `${Deno.build.os} ${Deno.osRelease()} (${Deno.build.arch})`,
    runtimes,
    packages,
  };
}
