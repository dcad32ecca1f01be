/**
 * How a stored file's bytes become its records and back: as they are, or
 * gzip through the web's `CompressionStream` (in every runtime the package
 * supports, workerd included), and hashed on the way in or out so that a
 * digest never needs a second read.
 *
 * @internal
 * @module
 */

import { hex, Sha256 } from "./archive_sha256.ts";

/** How an archive's files are stored: `undefined` as they are, `"gzip"` compressed. */
export type Compression = "gzip" | undefined;

/** The SHA-256 (hex) and byte length of what passed through a {@link hashed} stream. */
export interface StreamHash {
  bytes: number;
  sha256: string;
}

/**
 * `body`, passing through unchanged, hashed as it goes: `hash()` resolves
 * once the stream has ended (and rejects if it was never read to its end).
 */
export function hashed(
  body: ReadableStream<Uint8Array>,
): { stream: ReadableStream<Uint8Array>; hash: () => StreamHash } {
  const sha = new Sha256();
  let bytes = 0;
  let done: StreamHash | undefined;
  const stream = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        sha.update(chunk);
        bytes += chunk.byteLength;
        controller.enqueue(chunk);
      },
      flush() {
        done = { bytes, sha256: hex(sha.digest()) };
      },
    }),
  );
  return {
    stream,
    hash: () => {
      if (!done) throw new Error("the stream was not read to its end");
      return done;
    },
  };
}

/** `body` as it is to be stored: compressed when the archive is. */
export function encoded(
  body: ReadableStream<Uint8Array>,
  compress: Compression,
): ReadableStream<Uint8Array> {
  return compress === "gzip"
    ? body.pipeThrough(
      new CompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    )
    : body;
}

/** A stored file's records: decompressed when the archive is compressed. */
export function decoded(
  body: ReadableStream<Uint8Array>,
  compress: Compression,
): ReadableStream<Uint8Array> {
  return compress === "gzip"
    ? body.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >,
    )
    : body;
}

/** The compression a key's name says: `.gz` at its end. */
export const compressionOfKey = (key: string): Compression =>
  key.endsWith(".gz") ? "gzip" : undefined;

/** Reads `stream` to its end, dropping what it yields. */
export async function drain(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  while (!(await reader.read()).done) { /* hashed as it passes */ }
}

/** Small bytes (an addendum) as they are to be stored. */
export async function encodedBytes(
  bytes: Uint8Array,
  compress: Compression,
): Promise<Uint8Array> {
  if (compress !== "gzip") return bytes;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  return new Uint8Array(
    await new Response(encoded(body, compress)).arrayBuffer(),
  );
}
