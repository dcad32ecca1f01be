/**
 * `--signing-key <file>` and `--public-key <file>`: a JSON Web Key read
 * from a file (an Ed25519 `OKP` key or an HMAC `oct` secret), so the key
 * is never typed on a command line. Nothing read from the file is ever
 * repeated in a message, not even a fragment of it: a parser's own error
 * would quote the text around the mistake, so it is not passed on.
 *
 * @module
 */

import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { keyProblem } from "../archive_sign.ts";
import type { Context } from "./context.ts";
import { UsageError } from "./errors.ts";
import { fsReason } from "./output.ts";
import type { FlagName } from "./spec.ts";
import { shown } from "./values.ts";

/** A JWK file is a few hundred bytes; anything far larger is the wrong file. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * The JWK in the file `path`, named by `flag`, checked as a key that signs
 * (or, `verifying`, that checks signatures); `undefined` when not given.
 */
export async function readKeyFile(
  ctx: Context,
  flag: FlagName,
  path: string | undefined,
  verifying = false,
): Promise<JsonWebKey | undefined> {
  if (path === undefined) return undefined;
  const fail = (why: string): never => {
    throw new UsageError({
      message: `--${flag}: ${shown(path)} ${why}`,
      command: ctx.spec,
    });
  };
  if (path.trim() === "") fail("is not a file name");
  const full = resolve(ctx.io.cwd, path);
  let text = "";
  try {
    const info = await stat(full);
    if (!info.isFile()) fail("is not a regular file");
    if (info.size > MAX_KEY_FILE_BYTES) {
      fail(`is larger than a key file (${MAX_KEY_FILE_BYTES} bytes at most)`);
    }
    text = await readFile(full, "utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    fail(`cannot be read: ${fsReason(error)}`);
  }
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    key = undefined;
  }
  if (
    typeof key !== "object" || key === null || Array.isArray(key) ||
    typeof (key as JsonWebKey).kty !== "string"
  ) {
    fail('is not a JSON Web Key: a JSON object with "kty" ("OKP" or "oct")');
  }
  // Checked before the archive is touched; the library's words never quote the key.
  const problem = keyProblem(key, verifying);
  if (problem) fail(`holds no usable key: it ${problem}`);
  return key as JsonWebKey;
}
