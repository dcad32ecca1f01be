/**
 * Row 3's section of `BENCHMARKS.md`: per-call latency and CPU over
 * loopback, the CPU-bound micro-benchmarks, and their targets.
 *
 * @module
 */

import { fmt, notesBlock, pct, table, times, us, verdict } from "./format.ts";
import type { NetworkResult } from "../per_call.ts";
import type { Results, Section, TargetRow } from "./results.ts";

/** Row 3's targets. */
export const PER_CALL_TARGETS = {
  /** Median latency at most this many times the official SDK's. */
  perCallVsSdk: 1.00,
  /**
   * Median latency at most this many times the feature floor's: what the
   * client may add on top of the work it cannot skip.
   */
  perCallVsFeatureFloor: 1.05,
  /** Median latency at most this many times the plain `fetch` floor's. */
  perCallVsFloor: 1.10,
} as const;

/** Row 3: the loopback and micro-benchmark tables, their targets, and why any is missed. */
export function renderPerCall(r: Results): Section {
  const p = r.perCall;
  const t = PER_CALL_TARGETS;
  const names = {
    ours: "ours: `createExport(options, { apiKey, baseUrl })`",
    sdk: "`@workos-inc/node`: `workos.auditLogs.createExport(options)`",
    featureFloor:
      "feature floor: hand-written `fetch` POST with what every call needs (see above)",
    floor: "plain floor: hand-written `fetch` POST + `response.json()`",
  } as const;
  const rows = p.network.map((x) => [
    names[x.variant],
    fmt(x.calls),
    us(x.medianUs),
    us(x.p99Us),
    us(x.cpuUs),
    times(x.vsFeatureFloor),
    times(x.vsFloor),
    times(x.vsSdk),
  ]);
  const get = (variant: NetworkResult["variant"]) =>
    p.network.find((x) => x.variant === variant)!;
  const ours = get("ours");
  const sdk = get("sdk");
  const featureFloor = get("featureFloor");
  const floor = get("floor");
  const m = p.micro;
  const met = {
    sdk: ours.vsSdk <= t.perCallVsSdk,
    featureFloor: ours.vsFeatureFloor <= t.perCallVsFeatureFloor,
    floor: ours.vsFloor <= t.perCallVsFloor,
  };
  const targets: TargetRow[] = [
    [
      "3",
      "per-call median latency vs the official SDK",
      `${times(ours.vsSdk)} (${us(ours.medianUs)} vs ${us(sdk.medianUs)})`,
      `≤ ${times(t.perCallVsSdk)}`,
      verdict(met.sdk),
    ],
    [
      "3",
      "per-call median latency vs the feature floor",
      `${times(ours.vsFeatureFloor)} (feature floor ${
        us(featureFloor.medianUs)
      })`,
      `≤ ${times(t.perCallVsFeatureFloor)}`,
      verdict(met.featureFloor),
    ],
    [
      "3",
      "per-call median latency vs the plain `fetch` floor",
      `${times(ours.vsFloor)} (plain floor ${us(floor.medianUs)})`,
      `≤ ${times(t.perCallVsFloor)}`,
      verdict(met.floor),
    ],
  ];
  const notes: string[] = [];
  if (!met.sdk || !met.featureFloor || !met.floor) {
    const extra = ours.medianUs - featureFloor.medianUs;
    notes.push(
      `- **Missed:** the median call takes ${us(extra)} (${
        pct(ours.vsFeatureFloor - 1)
      }) more than the feature floor, itself ${
        times(featureFloor.vsFloor)
      } the plain floor${
        met.sdk ? "" : `; ours is ${pct(ours.vsSdk - 1)} slower than the SDK`
      }. Validation and serialization explain only ${
        us(m.validateSerialize, 1)
      } of it; with the network stubbed out a whole call costs ${
        us(m.oursStub, 1)
      } against ${us(m.featureFloorStub, 1)} for the feature floor, ${
        us(m.floorStub, 1)
      } for the plain floor and ${
        us(m.sdkStub, 1)
      } for the SDK, and over loopback the client process spends ${
        us(ours.cpuUs)
      } of CPU per call against ${us(featureFloor.cpuUs)} (feature floor), ${
        us(floor.cpuUs)
      } (plain floor) and ${us(sdk.cpuUs)} (SDK). So what is left is ` +
        `the client's own work around \`fetch\` beyond what the feature ` +
        `floor does (signal linking, response checks, bookkeeping), not ` +
        `validation; for scale, \`fetch\` builds one \`Request\` per call ` +
        `whatever it is given, and one costs ${
          us(m.newRequest, 1)
        } here. \`node --cpu-prof\` over a loop of stubbed calls shows where ` +
        `it goes.`,
    );
  }
  return {
    targets,
    text: `## 3. Per-call cost (${r.machine.node})

Sequential \`createExport\` calls with the seed's options (\`organizationId\`,
\`Date\` range, \`actions\`, \`actorIds\`, \`targets\`) to a minimal \`node:http\`
server in its own process on 127.0.0.1 that answers 201 with a fixed
\`audit_log_export\` (keep-alive, so no connection set-up is timed). All four
use Node's global \`fetch\`; the SDK is pointed at the server with
\`{ apiHostname: "127.0.0.1", port, https: false }\`. The feature floor is a
hand-written \`fetch\` doing only what the client must do on every call: a
per-attempt \`AbortController\` with its \`setTimeout\` time-out (cleared after
the response), \`User-Agent\`, a fresh \`Idempotency-Key\`
(\`crypto.randomUUID()\`), \`Authorization\`, a JSON body and \`JSON.parse\` of
the answer; the plain floor is the same POST with none of that. ${r.settings.perCall.warmup} warm-up calls each,
then ${r.settings.perCall.rounds} rounds of ${r.settings.perCall.perRound} calls per variant in rotating order; "÷" columns are the
median of per-round ratios of median latency. CPU is the client process's
user + system time per call.

${
      table([
        "client",
        "calls",
        "median",
        "p99",
        "CPU / call",
        "÷ feature floor",
        "÷ plain floor",
        "÷ SDK",
      ], rows)
    }

CPU-bound costs, no I/O (median µs per operation over batches, rotating order):

${
      table(["operation", "µs / op", "ratio"], [
        [
          "ours: validation + serialization alone: `JSON.stringify(toCreateExportBody(checkCreateExportOptions(options)))`",
          us(m.validateSerialize, 2),
          "",
        ],
        [
          "ours: whole `createExport` through a `fetch` stub returning a canned `Response`",
          us(m.oursStub, 1),
          `${times(m.oursStubVsFeatureFloor)} feature floor, ${
            times(m.oursStubVsFloor)
          } plain floor, ${times(m.oursStubVsSdk)} SDK`,
        ],
        [
          "`@workos-inc/node` `createExport` through the same stub",
          us(m.sdkStub, 1),
          "",
        ],
        ["feature floor through the same stub", us(m.featureFloorStub, 1), ""],
        ["plain floor through the same stub", us(m.floorStub, 1), ""],
        [
          "for scale: \`new Request(url, { method, headers, body, signal })\` alone",
          us(m.newRequest, 1),
          "",
        ],
      ])
    }
${notesBlock(notes)}`,
  };
}
