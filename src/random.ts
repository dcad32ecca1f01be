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
  const b = randomBytes(16);
  // Version 4, variant 10xx, then hex in the 8-4-4-4-12 layout.
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  let hex = "";
  for (let i = 0; i < 16; i++) {
    hex += (i === 4 || i === 6 || i === 8 || i === 10 ? "-" : "") +
      (b[i] + 256).toString(16).slice(1);
  }
  return hex;
}
