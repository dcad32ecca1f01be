// Archives WorkOS audit logs into an R2 bucket from a Cron Trigger: each run
// stores every whole day not yet archived, one file per organization and day.
import { archiveExports } from "audit-log-export";

export default {
  async scheduled(controller, env) {
    // A failed run rejects with ArchiveError, whose message names every open
    // gap too: the run shows as failed, and nothing is forgotten.
    const { windows, late, gaps } = await archiveExports(
      {
        organizationIds: env.ORGANIZATION_IDS.split(","),
        store: env.BUCKET,
        // Optional: where the first run starts (default: as far back as the API allows).
        from: env.ARCHIVE_FROM,
        // The trigger's time, not the wall clock: a retried run archives the same days.
        now: () => controller.scheduledTime,
      },
      {
        apiKey: env.WORKOS_API_KEY,
        // Unset in production (api.workos.com); tests point it at an emulator.
        baseUrl: env.WORKOS_BASE_URL,
      },
    );
    console.log(
      `audit archive: ${windows.length} new window(s), ${late.length} addend(a) of late events`,
    );
    // Events that aged out before they were archived: fail the run so it
    // shows, on every run until acknowledged (acceptGaps).
    if (gaps.length > 0) {
      throw new Error(`audit archive has gaps: ${JSON.stringify(gaps)}`);
    }
  },
};
