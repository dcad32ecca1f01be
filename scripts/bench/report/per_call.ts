/**
 * Row 3's section of `BENCHMARKS.md`: per-call latency and CPU over
 * loopback, the CPU-bound micro-benchmarks, and their targets.
 *
 * @module
 */

import { fmt, notesBlock, pct, table, times, us, verdict } from "./format.ts";
import type { Results, Section, TargetRow } from "./results.ts";

/** Row 3's targets. */
export const PER_CALL_TARGETS = {
  /** Median latency at most this many times the hand-written floor's. */
  perCallVsFloor: 1.10,
} as const;

/** Row 3: the loopback and micro-benchmark tables, their targets, and why any is missed. */
export function renderPerCall(r: Results): Section {
  const targets: TargetRow[] = [];
  const p = r.perCall;
  const names = {
    ours: "ours: `createExport(options, { apiKey, baseUrl })`",
    sdk: "`@workos-inc/node`: `workos.auditLogs.createExport(options)`",
    floor: "floor: hand-written `fetch` POST + `response.json()`",
  } as const;
  const rows = p.network.map((x) => [
    names[x.variant],
    fmt(x.calls),
    us(x.medianUs),
    us(x.p99Us),
    us(x.cpuUs),
    times(x.vsFloor),
    times(x.vsSdk),
  ]);
  const ours = p.network.find((x) => x.variant === "ours")!;
  const floor = p.network.find((x) => x.variant === "floor")!;
  const sdk = p.network.find((x) => x.variant === "sdk")!;
  const m = p.micro;
  targets.push(
    [
      "3",
      "per-call median latency vs the floor",
      `${times(ours.vsFloor)} (${us(ours.medianUs)} vs ${us(floor.medianUs)})`,
      `≤ ${times(PER_CALL_TARGETS.perCallVsFloor)}`,
      verdict(ours.vsFloor <= PER_CALL_TARGETS.perCallVsFloor),
    ],
    [
      "3",
      "per-call median latency vs the official SDK",
      `${times(ours.vsSdk)} (SDK ${us(sdk.medianUs)})`,
      "< 1.00×",
      verdict(ours.vsSdk < 1),
    ],
  );
  const notes: string[] = [];
  if (ours.vsFloor > PER_CALL_TARGETS.perCallVsFloor || ours.vsSdk >= 1) {
    const extra = ours.medianUs - floor.medianUs;
    notes.push(
      `- **Missed:** the median call takes ${us(extra)} (${
        pct(ours.vsFloor - 1)
      }) more than the floor${
        ours.vsSdk >= 1 ? ` and ${pct(ours.vsSdk - 1)} more than the SDK` : ""
      }. Validation and serialization explain only ${
        us(m.validateSerialize, 1)
      } of it; with the network stubbed out a whole call costs ${
        us(m.oursStub, 1)
      } against ${us(m.floorStub, 1)} for the floor and ${
        us(m.sdkStub, 1)
      } for the SDK, and over loopback the client process spends ${
        us(ours.cpuUs)
      } of CPU per call against ${us(floor.cpuUs)} (floor) and ${
        us(sdk.cpuUs)
      } (SDK). So the gap is the client's own work around \`fetch\` ` +
        `(request set-up, time-out signal, body reading, response checks), ` +
        `not validation; for scale, \`fetch\` builds one \`Request\` per call ` +
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
\`audit_log_export\` (keep-alive, so no connection set-up is timed). All three
use Node's global \`fetch\`; the SDK is pointed at the server with
\`{ apiHostname: "127.0.0.1", port, https: false }\`. ${r.settings.perCall.warmup} warm-up calls each,
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
        "÷ floor",
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
          `${times(m.oursStubVsFloor)} floor, ${times(m.oursStubVsSdk)} SDK`,
        ],
        [
          "`@workos-inc/node` `createExport` through the same stub",
          us(m.sdkStub, 1),
          "",
        ],
        ["floor through the same stub", us(m.floorStub, 1), ""],
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
