/**
 * Joining byte arrays, which readers, stores and the emulator all do.
 *
 * @module
 */

/**
 * `parts` copied into one new array, in order; `length` is their total
 * length when the caller counted it already.
 *
 * @internal
 */
export function concatBytes(
  parts: readonly Uint8Array[],
  length: number = parts.reduce((n, p) => n + p.byteLength, 0),
): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
