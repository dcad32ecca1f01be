/**
 * Test helpers: the one way to serve an emulator in a test, with the one
 * test key, and raw API calls against it.
 *
 * @module
 */

import {
  type Emulator,
  type EmulatorEvent,
  serveEmulator,
  type ServeOptions,
} from "../testing.ts";

export const DAY = 86_400_000;

/** ISO string of `days` days before `from` (default now). */
export const daysAgo = (days: number, from = Date.now()): string =>
  new Date(from - days * DAY).toISOString();

/**
 * A valid stored event of `organizationId`, a day old unless `patch` says
 * otherwise: the API refuses to export a period with no events, so a test
 * about anything else gives its emulator at least one.
 */
export function storedEvent(
  organizationId: string,
  patch: Partial<EmulatorEvent> = {},
): EmulatorEvent {
  return {
    organizationId,
    action: "user.signed_in",
    occurredAt: daysAgo(1),
    actor: { id: "user_01GBZK5MP7TD1YCFQHFR22180V", type: "user", name: "Ada" },
    targets: [{ id: "team_1", type: "team" }],
    context: { location: "203.0.113.7" },
    ...patch,
  };
}

/**
 * The API key of every emulator a test serves. It is shaped like a real
 * secret, so a test that finds it nowhere in an error or an output proves
 * the redaction, not a lucky miss.
 */
export const TEST_KEY = "sk_test_SECRET_d41d8cd98f00b204e980";

/** A served emulator, and the config that points a client at it. */
export interface Api {
  url: string;
  emulator: Emulator;
  config: { apiKey: string; baseUrl: string };
}

/**
 * Runs `fn` with an emulator served on loopback, with {@link TEST_KEY}
 * unless `options` name another key (or an emulator of their own), and
 * closes it afterwards, however `fn` ends.
 */
export async function withEmulator<T>(
  options: ServeOptions,
  fn: (api: Api) => Promise<T>,
): Promise<T> {
  // A given emulator keeps its own key: serveEmulator would ignore one here.
  const server = await serveEmulator(
    options.emulator ? options : { apiKey: TEST_KEY, ...options },
  );
  try {
    return await fn({
      url: server.url,
      emulator: server.emulator,
      config: { apiKey: server.emulator.apiKey, baseUrl: server.url },
    });
  } finally {
    await server.close();
  }
}

/** A fake clock a test can move. */
export function clock(
  start = Date.UTC(2026, 10, 1, 12),
): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Sends a request straight to the API with the emulator's key. */
export async function call(
  base: string,
  emulator: Emulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emulator.apiKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined
      ? undefined
      : typeof body === "string"
      ? body
      : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON: keep the text */ }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Every file under `dir`, keyed by its path relative to `dir`; a leftover `.part` file fails. */
export async function readTree(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (path: string, prefix: string) => {
    for await (const entry of Deno.readDir(path)) {
      const key = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(`${path}/${entry.name}`, key);
      else if (entry.name.endsWith(".part")) {
        throw new Error(`left over: ${key}`);
      } else out.set(key, await Deno.readFile(`${path}/${entry.name}`));
    }
  };
  await walk(dir, "");
  return out;
}

/** Lines of a child's stdout, one at a time. */
export function lines(
  stream: ReadableStream<Uint8Array>,
): () => Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  return async () => {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the child ended after: ${buffered}`);
      buffered += decoder.decode(value, { stream: true });
    }
    const end = buffered.indexOf("\n");
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    return line;
  };
}
