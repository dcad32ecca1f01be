/**
 * Edge app for the bundle-size benchmark: the official SDK's worker build
 * making the same `createExport` call.
 *
 * @module
 */

import { WorkOS } from "@workos-inc/node";

export default {
  async fetch(_request, env) {
    const workos = new WorkOS(env.WORKOS_API_KEY);
    const created = await workos.auditLogs.createExport({
      organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
      rangeStart: new Date("2026-09-02T18:09:06.996Z"),
      rangeEnd: new Date("2026-11-02T18:09:06.996Z"),
      actions: ["user.signed_in"],
      actorIds: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
      targets: ["team"],
    });
    return Response.json(created);
  },
};
