/**
 * Row 3 worker: the cost of one `createExport` call in Node, against a
 * hand-written `fetch` POST (the floor) and the official SDK.
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
const { createExport } = await import(pathToFileURL(config.mod).href);
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

/** The floor: one hand-written POST, JSON in and out, nothing else. */
function floorCall(fetchFn) {
  return async () => {
    const response = await fetchFn(`${BASE_URL}/audit_logs/exports`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${API_KEY}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({
        organization_id: OPTIONS.organizationId,
        range_start: OPTIONS.rangeStart.toISOString(),
        range_end: OPTIONS.rangeEnd.toISOString(),
        actions: OPTIONS.actions,
        actor_ids: OPTIONS.actorIds,
        targets: OPTIONS.targets,
      }),
    });
    return await response.json();
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
    validateSerialize: () =>
      JSON.stringify(toCreateExportBody(checkCreateExportOptions(OPTIONS))),
    // What a `Request` object costs to build here, whoever builds it.
    newRequest: () =>
      new Request(`${BASE_URL}/audit_logs/exports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
        signal: new AbortController().signal,
      }),
    floorStub: floorCall(stub),
    oursStub: oursCall(stub),
    sdkStub: sdkCall(stub),
  };
  await checkSame({
    floorStub: ops.floorStub,
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
