/**
 * Signatures of digest records. Two kinds, chosen by the key given:
 *
 * - **Ed25519** (an Ed25519 `CryptoKey`, or an `OKP`/`Ed25519` JWK): signed
 *   and verified through Web Crypto, which has it in Deno, Node 20 and 22,
 *   Bun and workerd. Node 18 has no global `crypto` without
 *   `--experimental-global-webcrypto`; there an Ed25519 key is refused
 *   with a message saying to use the flag or an HMAC key.
 * - **HMAC-SHA-256** (raw key bytes, at least 32, or an `oct` JWK, or an
 *   HMAC `CryptoKey`): computed in plain JavaScript for raw bytes and JWKs,
 *   so it runs everywhere, Node 18 included. Whoever verifies holds the
 *   same secret, so it proves the records were not changed by someone
 *   without the key, not who wrote them.
 *
 * A key never appears in a record, an error message or a log: errors here
 * say what kind of key was wrong, never its value, and carry no cause that
 * could hold it.
 *
 * @internal
 * @module
 */

import { hmacSha256, sameBytes } from "./archive_sha256.ts";

/**
 * A key that signs digest records: an Ed25519 private `CryptoKey` or JWK
 * (`{ kty: "OKP", crv: "Ed25519", d, x }`), or an HMAC-SHA-256 secret as
 * bytes (at least 32), an `oct` JWK (`{ kty: "oct", k }`) or an HMAC
 * `CryptoKey`.
 */
export type SigningKey = CryptoKey | JsonWebKey | Uint8Array;

/**
 * A key that checks the signatures of digest records: the Ed25519 public
 * key (a `CryptoKey` or a JWK with `x`), or the HMAC secret that signed them
 * (any of the forms of {@link SigningKey}).
 */
export type VerifyingKey = CryptoKey | JsonWebKey | Uint8Array;

/** The algorithm of a signature, as a record names it. */
export type SignatureAlgorithm = "Ed25519" | "HMAC-SHA-256";

/** A signature as a digest record holds it. */
export interface Signature {
  /** The algorithm. */
  alg: SignatureAlgorithm;
  /** The signature, base64url without padding. */
  value: string;
}

/** Signs bytes. */
export interface Signer {
  alg: SignatureAlgorithm;
  sign(bytes: Uint8Array): Promise<Signature>;
}

/** Checks signatures: resolves to why one is bad, or `undefined` when it is good. */
export type Verifier = (
  bytes: Uint8Array,
  signature: unknown,
) => Promise<string | undefined>;

const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll(
    "/",
    "_",
  ).replace(/=+$/, "");

function fromB64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const bin = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const isCryptoKey = (k: unknown): k is CryptoKey =>
  typeof CryptoKey !== "undefined" && k instanceof CryptoKey;

const isJwk = (k: unknown): k is JsonWebKey =>
  typeof k === "object" && k !== null && !(k instanceof Uint8Array) &&
  !isCryptoKey(k) && typeof (k as JsonWebKey).kty === "string";

/** The least length of an HMAC secret: as long as the hash. */
export const MIN_HMAC_BYTES = 32;

/**
 * Why `key` cannot sign (or, with `verifying`, verify), without ever
 * quoting it; `undefined` when it can be tried.
 */
export function keyProblem(
  key: unknown,
  verifying = false,
): string | undefined {
  if (key instanceof Uint8Array) {
    return key.byteLength >= MIN_HMAC_BYTES
      ? undefined
      : `must be at least ${MIN_HMAC_BYTES} bytes as an HMAC secret`;
  }
  if (isCryptoKey(key)) {
    const name = key.algorithm.name;
    if (name === "HMAC") {
      const hash = (key.algorithm as HmacKeyAlgorithm).hash?.name;
      return hash === "SHA-256" ? undefined : "must be an HMAC key of SHA-256";
    }
    if (name !== "Ed25519") return "must be an Ed25519 or an HMAC key";
    if (!verifying && key.type !== "private") {
      return "must be an Ed25519 private key to sign";
    }
    return undefined;
  }
  if (isJwk(key)) {
    if (key.kty === "oct") {
      const k = typeof key.k === "string" ? fromB64url(key.k) : undefined;
      return k && k.byteLength >= MIN_HMAC_BYTES
        ? undefined
        : `must hold a "k" of at least ${MIN_HMAC_BYTES} bytes, base64url`;
    }
    if (key.kty === "OKP" && key.crv === "Ed25519") {
      if (typeof key.x !== "string") return 'must hold its public part "x"';
      if (!verifying && typeof key.d !== "string") {
        return 'must hold its private part "d" to sign';
      }
      return undefined;
    }
    return 'must be a JWK of kty "oct" (HMAC) or of kty "OKP" and crv "Ed25519"';
  }
  return "must be a CryptoKey, a JWK or a Uint8Array";
}

/** Web Crypto's `subtle`, or an error saying what to do without it. */
function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (!s) {
    throw new TypeError(
      "Ed25519 signatures need Web Crypto (globalThis.crypto.subtle), which this runtime lacks (Node 18 needs --experimental-global-webcrypto); use an HMAC secret instead",
    );
  }
  return s;
}

/** Imports a key through Web Crypto, turning its failure into one that quotes nothing. */
async function imported(
  jwk: JsonWebKey,
  usage: "sign" | "verify",
): Promise<CryptoKey> {
  const s = subtle();
  // Only the public part to verify: a private JWK given to verify is used
  // as its public key.
  const key = usage === "verify"
    ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
    : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d };
  try {
    return await s.importKey("jwk", key, { name: "Ed25519" }, false, [usage]);
  } catch {
    throw new TypeError(
      `The Ed25519 JWK could not be imported to ${usage} (its value is not shown)`,
    );
  }
}

/** The HMAC secret of a raw or `oct` key, or `undefined` for others. */
function hmacSecret(key: VerifyingKey): Uint8Array | undefined {
  if (key instanceof Uint8Array) return key.slice();
  if (isJwk(key) && key.kty === "oct") return fromB64url(key.k as string);
  return undefined;
}

/** A signer for `key`, already checked by {@link keyProblem}. */
export async function signerOf(key: SigningKey): Promise<Signer> {
  const secret = hmacSecret(key);
  if (secret) {
    return {
      alg: "HMAC-SHA-256",
      sign: (bytes) =>
        Promise.resolve({
          alg: "HMAC-SHA-256",
          value: b64url(hmacSha256(secret, bytes)),
        }),
    };
  }
  const cryptoKey = isCryptoKey(key)
    ? key
    : await imported(key as JsonWebKey, "sign");
  const alg: SignatureAlgorithm = cryptoKey.algorithm.name === "HMAC"
    ? "HMAC-SHA-256"
    : "Ed25519";
  const s = subtle();
  return {
    alg,
    async sign(bytes) {
      const params = alg === "HMAC-SHA-256" ? "HMAC" : { name: "Ed25519" };
      const signature = await s.sign(params, cryptoKey, bytes.slice());
      return { alg, value: b64url(new Uint8Array(signature)) };
    },
  };
}

/** A verifier for `key`, already checked by {@link keyProblem}. */
export async function verifierOf(key: VerifyingKey): Promise<Verifier> {
  const secret = hmacSecret(key);
  const cryptoKey = secret
    ? undefined
    : isCryptoKey(key)
    ? key
    : await imported(key as JsonWebKey, "verify");
  const alg: SignatureAlgorithm = secret || cryptoKey?.algorithm.name === "HMAC"
    ? "HMAC-SHA-256"
    : "Ed25519";
  return async (bytes, signature) => {
    const sig = signature as Partial<Signature> | undefined;
    if (sig === undefined || sig === null) return "it is not signed";
    if (sig.alg !== alg) {
      return `it is signed with ${
        JSON.stringify(sig.alg)
      }, and the key given checks ${alg}`;
    }
    const value = typeof sig.value === "string"
      ? fromB64url(sig.value)
      : undefined;
    if (!value) return "its signature is not base64url";
    let good: boolean;
    if (secret) good = sameBytes(hmacSha256(secret, bytes), value);
    else {
      const params = alg === "HMAC-SHA-256" ? "HMAC" : { name: "Ed25519" };
      good = await subtle().verify(
        params,
        cryptoKey!,
        value.slice(),
        bytes.slice(),
      );
    }
    return good ? undefined : "its signature does not match the key given";
  };
}
