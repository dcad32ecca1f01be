/**
 * The emulator's answers: WorkOS-style JSON, object-store XML errors, ids
 * that look like WorkOS's, bodyless answers to HEAD, and request bodies read
 * within a size cap.
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";
import { randomBytes } from "../random.ts";
import type { RecordedRequest } from "./types.ts";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A ULID-looking random id, as WorkOS ids are. */
export function randomId(prefix: string): string {
  const bytes = randomBytes(26);
  let id = "";
  for (const b of bytes) id += CROCKFORD[b & 31];
  return `${prefix}_${id}`;
}

/** The content type of every API answer. */
export const JSON_TYPE = "application/json";

/** An API answer. */
export function json(
  status: number,
  body: unknown,
  headers?: HeadersInit,
): Response {
  const h = new Headers(headers);
  h.set("content-type", JSON_TYPE);
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** An object store's refusal of a download, in its XML. */
export function objectStoreError(
  status: number,
  code: string,
  message: string,
): Response {
  return new Response(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    {
      status,
      headers: { "content-type": "application/xml" },
    },
  );
}

/**
 * The JSON object of a POST, kept as text in `record`, or the 400 that
 * refuses it: a wrong content type, a body over `maxBytes`, bytes that are
 * not UTF-8 JSON, or JSON that is not an object.
 */
export async function readJson(
  request: Request,
  record: RecordedRequest,
  maxBytes: number,
): Promise<Record<string, unknown> | Response> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return json(400, { message: "Content-Type must be application/json." });
  }
  const declared = Number(request.headers.get("content-length") ?? 0);
  const tooLarge = () =>
    json(400, {
      message: `Request body is larger than ${maxBytes} bytes.`,
    });
  if (declared > maxBytes) return tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return tooLarge();
      }
      chunks.push(value);
    }
  }
  const bytes = concatBytes(chunks, size);
  let body: unknown;
  try {
    record.body = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    body = JSON.parse(record.body);
  } catch {
    return json(400, { message: "Request body is not valid JSON." });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return json(400, { message: "Request body must be a JSON object." });
  }
  return body as Record<string, unknown>;
}

/**
 * `response` as the answer to `request`: to a HEAD, the GET's status and
 * headers with no body.
 */
export async function answerHead(
  request: Request,
  response: Response,
): Promise<Response> {
  if (request.method !== "HEAD" || !response.body) return response;
  await response.body.cancel();
  return new Response(null, response);
}
