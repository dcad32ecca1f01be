/**
 * The minimal loopback API of the per-call benchmark: every request is read
 * to its end and answered 201 with one fixed `audit_log_export`, so what is
 * measured is the client, not a server. Prints `{"port":…}` once listening;
 * ends on SIGTERM.
 *
 * @module
 */

import { createServer } from "node:http";
import { Buffer } from "node:buffer";
import process from "node:process";

const BODY = JSON.stringify({
  object: "audit_log_export",
  id: "audit_log_export_01GBZK5MP7TD1YCFQHFR22180V",
  state: "pending",
  created_at: "2026-11-02T18:09:06.996Z",
  updated_at: "2026-11-02T18:09:06.996Z",
});
const HEADERS = {
  "content-type": "application/json",
  "content-length": String(Buffer.byteLength(BODY)),
  "x-request-id": "req_bench",
};

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(201, HEADERS);
    res.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
