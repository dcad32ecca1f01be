/**
 * Edge app for the bundle-size benchmark: the floor. A hand-written minimal
 * valibot validation and one `fetch` POST, with no retries, no typed errors
 * and no response validation.
 *
 * @module
 */

import * as v from "valibot";

const options = v.strictObject({
  organizationId: v.pipe(v.string(), v.nonEmpty()),
  rangeStart: v.pipe(v.string(), v.isoTimestamp()),
  rangeEnd: v.pipe(v.string(), v.isoTimestamp()),
  actions: v.optional(v.array(v.string())),
  actorIds: v.optional(v.array(v.string())),
  actorNames: v.optional(v.array(v.string())),
  targets: v.optional(v.array(v.string())),
});

export default {
  async fetch(_request: Request, env: { WORKOS_API_KEY: string }) {
    const o = v.parse(options, {
      organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
      rangeStart: "2026-09-02T18:09:06.996Z",
      rangeEnd: "2026-11-02T18:09:06.996Z",
      actions: ["user.signed_in"],
    });
    const response = await fetch("https://api.workos.com/audit_logs/exports", {
      method: "POST",
      headers: {
        authorization: `Bearer ${env.WORKOS_API_KEY}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        organization_id: o.organizationId,
        range_start: o.rangeStart,
        range_end: o.rangeEnd,
        actions: o.actions,
        actor_ids: o.actorIds,
        actor_names: o.actorNames,
        targets: o.targets,
      }),
    });
    return new Response(response.body, { status: response.status });
  },
};
