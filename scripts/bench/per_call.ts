/**
 * Row 3, per-call cost: runs `node/per_call.mjs` against the minimal
 * loopback server of `node/http_server.mjs` (a separate process, so the
 * server's CPU is not the client's) and summarizes its samples.
 *
 * @module
 */

import { benchFile, NODE } from "./paths.ts";
import { runJson, startServer } from "./proc.ts";
import { median, pairedRatio, percentile } from "./stats.ts";

/** Repetitions. */
export interface PerCallConfig {
  rounds: number;
  perRound: number;
  warmup: number;
  batches: number;
  batchSize: number;
}

type Variant = "floor" | "ours" | "sdk";

interface Raw {
  network: Record<
    Variant,
    { latencyUs: number[]; roundMedianUs: number[]; cpuUsPerCall: number[] }
  >;
  microUs: Record<
    "validateSerialize" | "newRequest" | "floorStub" | "oursStub" | "sdkStub",
    number[]
  >;
}

/** One variant over loopback. */
export interface NetworkResult {
  variant: Variant;
  calls: number;
  medianUs: number;
  p99Us: number;
  /** Process CPU (user + system) per call, median over rounds. */
  cpuUs: number;
  /** Per-round median latency ratio to the floor, median over rounds. */
  vsFloor: number;
  /** Same, to the official SDK. */
  vsSdk: number;
}

/** Results of row 3. */
export interface PerCallResult {
  network: NetworkResult[];
  /** Median µs per operation, over batches. */
  micro: {
    validateSerialize: number;
    /** Building one `Request` (with a signal) in this Node. */
    newRequest: number;
    floorStub: number;
    oursStub: number;
    sdkStub: number;
    /** Paired per-batch ratios. */
    oursStubVsFloor: number;
    oursStubVsSdk: number;
  };
}

/** Runs row 3 with the Node bundles of `mod.ts` and `src/schemas.ts`. */
export async function benchPerCall(
  config: PerCallConfig,
  bundles: { mod: string; schemas: string },
): Promise<PerCallResult> {
  const server = await startServer<{ port: number }>(NODE, [
    benchFile("node/http_server.mjs"),
  ]);
  let raw: Raw;
  try {
    raw = await runJson<Raw>(NODE, [
      benchFile("node/per_call.mjs"),
      JSON.stringify({ ...config, ...bundles, port: server.info.port }),
    ]);
  } finally {
    await server.stop();
  }
  const n = raw.network;
  const network = (["ours", "sdk", "floor"] as const).map((variant) => ({
    variant,
    calls: n[variant].latencyUs.length,
    medianUs: median(n[variant].latencyUs),
    p99Us: percentile(n[variant].latencyUs, 99),
    cpuUs: median(n[variant].cpuUsPerCall),
    vsFloor: pairedRatio(n[variant].roundMedianUs, n.floor.roundMedianUs),
    vsSdk: pairedRatio(n[variant].roundMedianUs, n.sdk.roundMedianUs),
  }));
  const m = raw.microUs;
  return {
    network,
    micro: {
      validateSerialize: median(m.validateSerialize),
      newRequest: median(m.newRequest),
      floorStub: median(m.floorStub),
      oursStub: median(m.oursStub),
      sdkStub: median(m.sdkStub),
      oursStubVsFloor: pairedRatio(m.oursStub, m.floorStub),
      oursStubVsSdk: pairedRatio(m.oursStub, m.sdkStub),
    },
  };
}
