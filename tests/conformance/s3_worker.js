// The S3 cases inside a Cloudflare worker: the package bundled by its name
// with workerd's export conditions; moto and the emulator are reached over
// the worker's own fetch, on the loopback addresses the runner posts.
import * as pkg from "audit-log-export";
import * as s3 from "audit-log-export/s3";
import { runS3Cases } from "./s3_cases.js";

const base64 = (bytes) => {
  let binary = "";
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
};

export default {
  async fetch(request) {
    const { endpoint, api } = await request.json();
    const results = await runS3Cases({
      pkg,
      s3,
      endpoint,
      runtime: "workerd",
      sha256Base64: async (bytes) =>
        base64(await crypto.subtle.digest("SHA-256", bytes)),
      api,
    });
    return Response.json(results);
  },
};
