/**
 * Row 3, per-call cost: runs `node/per_call.mjs` against the minimal
 * loopback server of `node/http_server.mjs` (a separate process, so the
 * server's CPU is not the client's) and summarizes its samples. Every ratio
 * pairs samples of the same round, so the machine's drift cancels out.
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

/** `floor` is the plain `fetch`; `featureFloor` adds what every call of the client must do. */
type Variant = "floor" | "featureFloor" | "ours" | "sdk";

interface Raw {
  network: Record<
    Variant,
    { latencyUs: number[]; roundMedianUs: number[]; cpuUsPerCall: number[] }
  >;
  microUs: Record<
    | "validateSerialize"
    | "newRequest"
    | "floorStub"
    | "featureFloorStub"
    | "oursStub"
    | "sdkStub",
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
  /** Per-round median latency ratio to the plain floor, median over rounds. */
  vsFloor: number;
  /** Same, to the feature floor. */
  vsFeatureFloor: number;
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
    featureFloorStub: number;
    oursStub: number;
    sdkStub: number;
    /** Paired per-batch ratios. */
    oursStubVsFloor: number;
    oursStubVsFeatureFloor: number;
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
  const variants = ["ours", "sdk", "featureFloor", "floor"] as const;
  const network = variants.map((variant) => ({
    variant,
    calls: n[variant].latencyUs.length,
    medianUs: median(n[variant].latencyUs),
    p99Us: percentile(n[variant].latencyUs, 99),
    cpuUs: median(n[variant].cpuUsPerCall),
    vsFloor: pairedRatio(n[variant].roundMedianUs, n.floor.roundMedianUs),
    vsFeatureFloor: pairedRatio(
      n[variant].roundMedianUs,
      n.featureFloor.roundMedianUs,
    ),
    vsSdk: pairedRatio(n[variant].roundMedianUs, n.sdk.roundMedianUs),
  }));
  const m = raw.microUs;
  return {
    network,
    micro: {
      validateSerialize: median(m.validateSerialize),
      newRequest: median(m.newRequest),
      floorStub: median(m.floorStub),
      featureFloorStub: median(m.featureFloorStub),
      oursStub: median(m.oursStub),
      sdkStub: median(m.sdkStub),
      oursStubVsFloor: pairedRatio(m.oursStub, m.floorStub),
      oursStubVsFeatureFloor: pairedRatio(m.oursStub, m.featureFloorStub),
      oursStubVsSdk: pairedRatio(m.oursStub, m.sdkStub),
    },
  };
}
