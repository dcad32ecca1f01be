// @ts-check
/**
 * Turns the runtimes of `targets.mjs` into the processes of the test matrix:
 * per-Node groups expanded for each Node, runtimes resolved to binaries,
 * working directories to paths. Plain JavaScript for the same reason as
 * `targets.mjs`: the matrix imports it from plain Node.
 *
 * @module
 */

import { MATRIX, NODES, WORKER_HOST_NODE } from "./targets.mjs";

/**
 * @typedef {import("./targets.mjs").MatrixJob} MatrixJob
 * @typedef {import("./targets.mjs").PerNode} PerNode
 * @typedef {import("./targets.mjs").NodeRuntime} NodeRuntime
 * @typedef {import("./targets.mjs").Suite} Suite
 */

/**
 * A process to start. For the `"cli"` suite, `cmd` is the Node that runs the
 * installed bin and `args` is empty.
 *
 * @typedef {object} ResolvedJob
 * @property {string[]} labels
 * @property {Suite} suite
 * @property {string[]} needs
 * @property {string} cmd
 * @property {string[]} args
 * @property {string} cwd
 * @property {Record<string, string>} [env]
 */

/**
 * @typedef {object} MatrixPlaces
 * @property {string} repository  The repository root.
 * @property {string} scratch  The project with the packed package installed.
 * @property {string} deno  Deno's binary.
 * @property {string} bun  Bun's binary.
 * @property {Record<number, string>} node  Node's binary by major version.
 */

/**
 * The matrix's processes, in order. Fails on a matrix that cannot run as
 * written: a Node the places do not provide, an unknown runtime, a per-Node
 * job that names a runtime, a job without arguments, a label left with a
 * `{node}` placeholder outside a per-Node group, or two jobs writing the
 * same label (one would overwrite the other's results).
 *
 * @param {MatrixPlaces} places
 * @param {{ matrix?: readonly (MatrixJob | PerNode)[], nodes?: readonly NodeRuntime[], workerHost?: number }} [targets]
 *   defaults: the lists of `targets.mjs`
 * @returns {ResolvedJob[]}
 */
export function matrixJobs(places, targets = {}) {
  const {
    matrix = MATRIX,
    nodes = NODES,
    workerHost = WORKER_HOST_NODE,
  } = targets;
  /** @param {number} major */
  const nodeBin = (major) => {
    const bin = places.node[major];
    if (bin === undefined) throw new Error(`no binary for Node ${major}`);
    return bin;
  };
  /**
   * @param {MatrixJob} job
   * @param {string} cmd
   * @param {(label: string) => string} label
   * @returns {ResolvedJob}
   */
  const resolve = (job, cmd, label) => {
    if (job.suite !== "cli" && (job.args ?? []).length === 0) {
      throw new Error(`matrix job ${job.labels.join("+")} has no arguments`);
    }
    return {
      labels: job.labels.map(label),
      suite: job.suite,
      needs: job.needs ?? ["fs"],
      cmd,
      args: job.args ?? [],
      cwd: job.cwd === "repository" ? places.repository : places.scratch,
      ...(job.env ? { env: job.env } : {}),
    };
  };
  /** @type {ResolvedJob[]} */
  const out = [];
  for (const item of matrix) {
    if ("perNode" in item) {
      for (const node of nodes.filter(item.where ?? (() => true))) {
        for (const job of item.perNode) {
          if (job.runtime !== undefined) {
            throw new Error(
              `matrix job ${
                job.labels.join("+")
              } runs on each Node, so it names no runtime (it has "${job.runtime}")`,
            );
          }
          out.push(
            resolve(
              job,
              nodeBin(node.major),
              (l) => l.replaceAll("{node}", `node${node.major}`),
            ),
          );
        }
      }
      continue;
    }
    const cmd = item.runtime === "deno"
      ? places.deno
      : item.runtime === "bun"
      ? places.bun
      : item.runtime === "worker-host"
      ? nodeBin(workerHost)
      : undefined;
    if (cmd === undefined) {
      throw new Error(
        `matrix job ${item.labels.join("+")} has no known runtime (${
          JSON.stringify(item.runtime)
        })`,
      );
    }
    out.push(resolve(item, cmd, (l) => l));
  }
  const seen = new Set();
  for (const label of out.flatMap((j) => j.labels)) {
    if (label.includes("{")) {
      throw new Error(
        `matrix label ${label} has a placeholder outside a per-Node group`,
      );
    }
    if (seen.has(label)) {
      throw new Error(`two matrix jobs write the results of ${label}`);
    }
    seen.add(label);
  }
  return out;
}
