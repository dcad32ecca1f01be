/**
 * Starts `moto_server` (an S3 implementation) on a free loopback port for
 * the S3 runners, and stops it. Node's modules only, which Node, Bun and
 * Deno all provide.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** A free port on 127.0.0.1, as the system hands one out. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A running moto: its endpoint, and `close()`, which kills it and waits
 * until it is gone.
 *
 * @returns {Promise<{ endpoint: string, close(): Promise<void> }>}
 */
export async function startMoto() {
  const port = await freePort();
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let said = "";
  child.stderr.on("data", (d) => {
    said = (said + d.toString()).slice(-4_000);
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let spawnError;
  child.once("error", (error) => {
    spawnError = error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  // moto takes a few seconds to import its services the first time.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError) {
      throw new Error(`moto_server could not start: ${spawnError.message}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      await response.body?.cancel();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await close();
        throw new Error(`moto_server did not answer on ${endpoint}: ${said}`, {
          cause: error,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { endpoint, close };
}
