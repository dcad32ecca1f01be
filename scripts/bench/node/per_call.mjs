/**
 * Row 3 worker: the cost of one `createExport` call in Node, against the
 * official SDK and two hand-written `fetch` POSTs: the plain floor (JSON in
 * and out, nothing else) and the feature floor (what the client must do on
 * every call, done by hand, so that what is left is the client's overhead).
 *
 * - Network: sequential calls to the loopback server of `http_server.mjs`,
 *   in rounds that rotate the order of the variants; every call's latency
 *   and each block's process CPU time are recorded.
 * - Micro: validation + serialization alone, and whole calls through a
 *   `fetch` stub that returns a canned response (no I/O), timed in batches.
 *
 * Usage: node per_call.mjs '<json config>'; prints one JSON line.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { WorkOS } from "@workos-inc/node";

const config = JSON.parse(process.argv[2]);
const { createExport, VERSION } = await import(pathToFileURL(config.mod).href);
const { checkCreateExportOptions, toCreateExportBody } = await import(
  pathToFileURL(config.schemas).href
);

const API_KEY = "sk_test_bench";
const BASE_URL = `http://127.0.0.1:${config.port}`;
const CANNED = JSON.stringify({
  object: "audit_log_export",
  id: "audit_log_export_01GBZK5MP7TD1YCFQHFR22180V",
  state: "pending",
  created_at: "2026-11-02T18:09:06.996Z",
  updated_at: "2026-11-02T18:09:06.996Z",
});

/** The seed's call. */
const OPTIONS = {
  organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
  rangeStart: new Date("2026-09-02T18:09:06.996Z"),
  rangeEnd: new Date("2026-11-02T18:09:06.996Z"),
  actions: ["user.signed_in"],
  actorIds: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
  targets: ["team"],
};

/** The client's default per-attempt time-out, in ms. */
const TIMEOUT_MS = 60_000;
/** Byte for byte the client's, so both send the same headers. */
const USER_AGENT = `audit-log-export/${VERSION}`;

const body = () =>
  JSON.stringify({
    organization_id: OPTIONS.organizationId,
    range_start: OPTIONS.rangeStart.toISOString(),
    range_end: OPTIONS.rangeEnd.toISOString(),
    actions: OPTIONS.actions,
    actor_ids: OPTIONS.actorIds,
    targets: OPTIONS.targets,
  });

/** The plain floor: one hand-written POST, JSON in and out, nothing else. */
function floorCall(fetchFn) {
  return async () => {
    const response = await fetchFn(`${BASE_URL}/audit_logs/exports`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${API_KEY}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: body(),
    });
    return await response.json();
  };
}

/**
 * The feature floor: the plain floor plus what no client of this API can
 * skip on a call, each done the cheapest obvious way. A time-out needs an
 * `AbortController` and a timer per attempt, and the timer must be cleared
 * or every call would keep one alive for a minute; a retried POST is only
 * safe with an `Idempotency-Key`, fresh per call; the client names itself
 * in `User-Agent`. The answer is read as text and parsed, as the client
 * does, because it checks the text before trusting it.
 */
function featureFloorCall(fetchFn) {
  return async () => {
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new DOMException("The operation timed out.", "TimeoutError"),
        ),
      TIMEOUT_MS,
    );
    try {
      const response = await fetchFn(`${BASE_URL}/audit_logs/exports`, {
        method: "POST",
        headers: {
          accept: "application/json",
          "user-agent": USER_AGENT,
          "content-type": "application/json",
          authorization: `Bearer ${API_KEY}`,
          "idempotency-key": crypto.randomUUID(),
        },
        body: body(),
        signal: controller.signal,
      });
      return JSON.parse(await response.text());
    } finally {
      // After the body is read: the time-out covers the whole attempt.
      clearTimeout(timer);
    }
  };
}

function oursCall(fetchFn) {
  const cfg = { apiKey: API_KEY, baseUrl: BASE_URL };
  if (fetchFn) cfg.fetch = fetchFn;
  return () => createExport(OPTIONS, cfg);
}

function sdkCall(fetchFn) {
  // The SDK binds `globalThis.fetch` when it is constructed.
  const saved = globalThis.fetch;
  if (fetchFn) globalThis.fetch = fetchFn;
  try {
    const workos = new WorkOS(API_KEY, {
      apiHostname: "127.0.0.1",
      port: config.port,
      https: false,
    });
    return () => workos.auditLogs.createExport(OPTIONS);
  } finally {
    globalThis.fetch = saved;
  }
}

const stub = () =>
  Promise.resolve(
    new Response(CANNED, {
      status: 201,
      headers: { "content-type": "application/json" },
    }),
  );

const rotate = (items, k) => [
  ...items.slice(k % items.length),
  ...items.slice(0, k % items.length),
];

async function checkSame(calls) {
  for (const [name, call] of Object.entries(calls)) {
    const out = await call();
    if (out.id !== "audit_log_export_01GBZK5MP7TD1YCFQHFR22180V") {
      throw new Error(`${name} returned ${JSON.stringify(out)}`);
    }
  }
}

async function network() {
  const calls = {
    floor: floorCall(fetch),
    featureFloor: featureFloorCall(fetch),
    ours: oursCall(),
    sdk: sdkCall(),
  };
  await checkSame(calls);
  for (let i = 0; i < config.warmup; i++) {
    for (const call of Object.values(calls)) await call();
  }
  const out = {};
  for (const name of Object.keys(calls)) {
    out[name] = { latencyUs: [], roundMedianUs: [], cpuUsPerCall: [] };
  }
  for (let r = 0; r < config.rounds; r++) {
    for (const name of rotate(Object.keys(calls), r)) {
      const call = calls[name];
      const lat = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < config.perRound; i++) {
        const t = performance.now();
        await call();
        lat.push((performance.now() - t) * 1000);
      }
      const cpu = process.cpuUsage(cpu0);
      out[name].latencyUs.push(...lat);
      lat.sort((a, b) => a - b);
      out[name].roundMedianUs.push(lat[lat.length >> 1]);
      out[name].cpuUsPerCall.push((cpu.user + cpu.system) / config.perRound);
    }
  }
  return out;
}

async function micro() {
  const ops = {
    // The array collects the problems found, where the check collects
    // rather than throws; a check that throws ignores it.
    validateSerialize: () =>
      JSON.stringify(
        toCreateExportBody(checkCreateExportOptions(OPTIONS, [])),
      ),
    // What a `Request` object costs to build here, whoever builds it.
    newRequest: () =>
      new Request(`${BASE_URL}/audit_logs/exports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
        signal: new AbortController().signal,
      }),
    floorStub: floorCall(stub),
    featureFloorStub: featureFloorCall(stub),
    oursStub: oursCall(stub),
    sdkStub: sdkCall(stub),
  };
  await checkSame({
    floorStub: ops.floorStub,
    featureFloorStub: ops.featureFloorStub,
    oursStub: ops.oursStub,
    sdkStub: ops.sdkStub,
  });
  const size = config.batchSize;
  for (const op of Object.values(ops)) {
    for (let i = 0; i < size * 3; i++) await op();
  }
  const out = {};
  for (const name of Object.keys(ops)) out[name] = [];
  for (let b = 0; b < config.batches; b++) {
    for (const name of rotate(Object.keys(ops), b)) {
      const op = ops[name];
      const t = performance.now();
      for (let i = 0; i < size; i++) await op();
      out[name].push(((performance.now() - t) * 1000) / size);
    }
  }
  return out;
}

const result = { network: await network(), microUs: await micro() };
process.stdout.write(`${JSON.stringify(result)}\n`);
