/**
 * Edge app for the bundle-size benchmark: the whole job with a bound client
 * (create, wait, download, read rows, typed errors).
 *
 * @module
 */

import { ApiError, createClient, ValidationError } from "../../../mod.ts";

export default {
  async fetch(request: Request, env: { WORKOS_API_KEY: string }) {
    const workos = createClient({ apiKey: env.WORKOS_API_KEY });
    try {
      const id = new URL(request.url).searchParams.get("id");
      if (id) {
        const current = await workos.getExport(id);
        const file = await workos.downloadExport(current);
        return new Response(file, { headers: { "content-type": "text/csv" } });
      }
      const created = await workos.createExport({
        organizationId: "org_01EHZNVPK3SFK441A1RGBFSHRT",
        rangeStart: "2026-09-02T18:09:06.996Z",
        rangeEnd: "2026-11-02T18:09:06.996Z",
        actions: ["user.signed_in"],
      });
      const ready = await workos.waitForExport(created, { maxWait: 20_000 });
      let rows = 0;
      for await (const row of workos.exportRows(ready)) {
        if (row.action === "user.signed_in") rows++;
      }
      return Response.json({ rows });
    } catch (error) {
      if (error instanceof ValidationError) {
        return Response.json(error.issues, { status: 400 });
      }
      if (error instanceof ApiError) {
        return Response.json({ code: error.code }, { status: error.status });
      }
      throw error;
    }
  },
};
