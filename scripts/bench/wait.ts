/**
 * Row 5, waiting for an export: requests made and detection delay of
 * `waitForExport` against a fixed 1 s poll loop, in real time, on one served
 * emulator per time-to-ready, every case running at once.
 *
 * @module
 */

import { createExport, waitForExport } from "../../mod.ts";
import { type ServedEmulator, serveEmulator } from "../../testing.ts";

/** How one waiter did. */
export interface WaiterResult {
  /** `GET /audit_logs/exports/{id}` requests until ready (the create POST not counted). */
  polls: number;
  /** From the moment the export became ready until the waiter returned it. */
  detectionMs: number;
}

/** One time-to-ready, both waiters. */
export interface WaitResult {
  readyAfterMs: number;
  ours: WaiterResult;
  fixed: WaiterResult;
}

const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function range(organizationId: string) {
  const now = Date.now();
  return {
    organizationId,
    rangeStart: new Date(now - 7 * DAY),
    rangeEnd: new Date(now),
  };
}

function outcome(
  server: ServedEmulator,
  delayMs: number,
  id: string,
  doneAt: number,
): WaiterResult {
  const record = server.emulator.listExports().find((e) => e.id === id);
  if (!record) throw new Error(`export ${id} is unknown to the emulator`);
  const path = `/audit_logs/exports/${id}`;
  return {
    polls:
      server.emulator.requests.filter((r) =>
        r.method === "GET" && r.path === path
      ).length,
    detectionMs: doneAt - (record.createdAt + delayMs),
  };
}

async function ours(server: ServedEmulator, delayMs: number) {
  const config = { apiKey: server.emulator.apiKey, baseUrl: server.url };
  const created = await createExport(
    range(server.emulator.organizations[0]),
    config,
  );
  const ready = await waitForExport(created, config);
  return outcome(server, delayMs, ready.id, Date.now());
}

/** The comparison: create, then GET every `intervalMs` until ready. */
async function fixedLoop(
  server: ServedEmulator,
  delayMs: number,
  intervalMs: number,
) {
  const headers = {
    authorization: `Bearer ${server.emulator.apiKey}`,
    "content-type": "application/json",
  };
  const o = range(server.emulator.organizations[0]);
  const response = await fetch(`${server.url}/audit_logs/exports`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      organization_id: o.organizationId,
      range_start: o.rangeStart.toISOString(),
      range_end: o.rangeEnd.toISOString(),
    }),
  });
  const { id } = await response.json() as { id: string };
  for (;;) {
    await sleep(intervalMs);
    const poll = await fetch(`${server.url}/audit_logs/exports/${id}`, {
      headers,
    });
    const { state } = await poll.json() as { state: string };
    if (state === "ready") return outcome(server, delayMs, id, Date.now());
  }
}

/** Runs every time-to-ready at once; the longest bounds the wall time. */
export async function benchWait(
  delays: readonly number[],
  fixedIntervalMs = 1_000,
): Promise<WaitResult[]> {
  const servers = await Promise.all(
    delays.map((d) => serveEmulator({ exportDelayMs: d, rateLimit: false })),
  );
  try {
    return await Promise.all(delays.map(async (d, i) => {
      const [o, f] = await Promise.all([
        ours(servers[i], d),
        fixedLoop(servers[i], d, fixedIntervalMs),
      ]);
      return { readyAfterMs: d, ours: o, fixed: f };
    }));
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}
