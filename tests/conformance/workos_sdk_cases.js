/**
 * The emulator checked by a client nobody here wrote: the official
 * `@workos-inc/node` SDK, pointed at the emulator served on loopback from
 * the package's `./testing` entry. `workos_sdk_runner.mjs` runs these cases
 * on Node; the matrix counts them from here, so this file imports nothing
 * but `node:assert`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { runRecorded } from "./suite.js";

const DAY = 86_400_000;
const ORG = "org_01SDKCHECK0000000000000000";
const QUIET = "org_01SDKQUIET0000000000000000";

/** The served emulator: one stored event, and an organization with none. */
export const SDK_EMULATOR_OPTIONS = {
  organizations: [ORG, QUIET],
  exportDelayMs: 100,
  events: [{
    organizationId: ORG,
    action: "user.signed_in",
    occurredAt: new Date(Date.now() - DAY).toISOString(),
    actor: { id: "user_seed", type: "user", name: "Seed" },
    targets: [{ id: "team_1", type: "team" }],
    context: { location: "203.0.113.7" },
  }],
};

/** What a case gets. */
/**
 * @typedef {object} SdkContext
 * @property {any} sdk  the `@workos-inc/node` module
 * @property {any} workos  an SDK client pointed at the emulator
 * @property {typeof import("audit-log-export")} pkg
 * @property {{ apiKey: string, baseUrl: string }} config  this package's client config for the same emulator
 */

const lastDays = (days) => ({
  rangeStart: new Date(Date.now() - days * DAY),
  rangeEnd: new Date(),
});

/** @type {Array<{ name: string, run(t: SdkContext): Promise<void> }>} */
export const sdkCases = [
  {
    name:
      "an empty period: the SDK's createExport gets a 400 whose message is 'No audit log events found'",
    async run({ sdk, workos, pkg, config }) {
      const periods = [
        { organizationId: QUIET, ...lastDays(30) },
        // Events in the range, but none with this action.
        { organizationId: ORG, ...lastDays(30), actions: ["user.deleted"] },
      ];
      for (const options of periods) {
        const error = await workos.auditLogs.createExport(options).then(
          () => assert.fail("createExport resolved"),
          (e) => e,
        );
        // With no `code` in the body, the SDK's class for a 400 is its
        // generic one, and the API's message is its `message`.
        assert.ok(
          error instanceof sdk.GenericServerException,
          `${error?.name}: ${error?.message}`,
        );
        assert.equal(error instanceof sdk.BadRequestException, false);
        assert.equal(error.name, "GenericServerException");
        assert.equal(error.status, 400);
        assert.equal(error.message, "No audit log events found");
        assert.equal(error.code, undefined);
        assert.deepEqual(error.rawData, {
          message: "No audit log events found",
        });
        assert.match(error.requestID, /^req_/);
        // The same answer, read by this package.
        const ours = await pkg.createExport(options, config).then(
          () => assert.fail("createExport resolved"),
          (e) => e,
        );
        assert.ok(ours instanceof pkg.NoEventsError, String(ours));
        assert.equal(ours.status, 400);
      }
    },
  },
  {
    name:
      "events the SDK writes are exported, and exportEvents reads them back as the SDK's input",
    async run({ workos, pkg, config }) {
      const action = `sdk.round_trip_${Date.now().toString(36)}`;
      const base = Date.now() - 60 * 60_000;
      const written = [
        {
          action,
          occurredAt: new Date(base),
          actor: {
            id: "user_ada",
            type: "user",
            name: 'Ada "Countess" Lovelace, =1+1',
            metadata: { email: "ada@example.com" },
          },
          targets: [
            {
              id: "doc_1",
              type: "document",
              name: "Plan\nline 2",
              metadata: { size: "12" },
            },
            { id: "team_1", type: "team" },
          ],
          context: { location: "203.0.113.7", userAgent: "Mozilla/5.0" },
          metadata: { reason: "typo, fixed", count: 3, mfa: true },
        },
        {
          action,
          occurredAt: new Date(base + 1_000),
          actor: { id: "key_1", type: "api_key" },
          targets: [],
          context: { location: "198.51.100.1" },
        },
      ];
      for (const event of written) {
        await workos.auditLogs.createEvent(ORG, event);
      }
      const created = await workos.auditLogs.createExport({
        organizationId: ORG,
        ...lastDays(1),
        actions: [action],
      });
      assert.equal(created.object, "audit_log_export");
      assert.equal(created.state, "pending");
      let ready = created;
      for (let i = 0; ready.state === "pending" && i < 500; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ready = await workos.auditLogs.getExport(created.id);
      }
      assert.equal(ready.state, "ready");
      assert.equal(typeof ready.url, "string");
      // The SDK's export object is a source as it is.
      const events = [];
      for await (const e of pkg.exportEvents(ready, config)) events.push(e);
      assert.deepEqual(
        events,
        written.map((e) => ({ ...e, raw: {} })),
      );
    },
  },
];

/**
 * Runs every case through the runtime's `test`, recording outcomes.
 *
 * @param {object} options
 * @param {(name: string, fn: () => Promise<void>) => unknown} options.test
 * @param {SdkContext} options.context
 * @param {Array<{ name: string, ok: boolean, ms: number, error?: string }>} options.results
 */
export function runSdkCases({ test, context, results }) {
  return runRecorded({ test, cases: sdkCases, context, results });
}
