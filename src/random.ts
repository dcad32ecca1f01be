/**
 * Random ids without importing anything runtime-specific. Web Crypto is used
 * where the runtime exposes it as a global; Node 18 does not (without a flag),
 * and there the ids fall back to `Math.random`, which is enough for what they
 * are — idempotency keys and emulator ids must be unique, not secret.
 *
 * @module
 */

const webCrypto = (): Crypto | undefined =>
  (globalThis as { crypto?: Crypto }).crypto;

/** `n` random bytes. */
export function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  const crypto = webCrypto();
  if (crypto?.getRandomValues) return crypto.getRandomValues(bytes);
  for (let i = 0; i < n; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
}

/** A version 4 UUID. */
export function randomUUID(): string {
  const crypto = webCrypto();
  if (crypto?.randomUUID) return crypto.randomUUID();
  const b = randomBytes(31);
  let i = 0;
  // Each 0 or 1 of the template becomes a random hex digit, each 8 one of
  // 8–b (variant 10xx); the 4 is the version.
  return "10000000-1000-4000-8000-100000000000".replace(
    /[018]/g,
    (c) => (+c ^ (b[i++] & (c === "8" ? 3 : 15))).toString(16),
  );
}
