/**
 * Edge app for the bundle-size benchmark: imports only `createExport` and
 * calls it, as the seed's JS reference does.
 *
 * @module
 */

import { createExport } from "../../../mod.ts";

export default {
  async fetch(_request: Request, env: { WORKOS_API_KEY: string }) {
    const created = await createExport({
      organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
      rangeStart: new Date("2026-09-02T18:09:06.996Z"),
      rangeEnd: new Date("2026-11-02T18:09:06.996Z"),
      actions: ["user.signed_in"],
      actor_ids: ["user_01GBZK5MP7TD1YCFQHFR22180V"],
      targets: ["team"],
    }, { apiKey: env.WORKOS_API_KEY });
    return Response.json(created);
  },
};
