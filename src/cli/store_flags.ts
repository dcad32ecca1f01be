/**
 * Where an archive lives, from `--dir <path>` or `--s3 s3://bucket/prefix`,
 * for `archive`, `verify` and `read`. An S3 store takes its credentials,
 * region and endpoint from the usual AWS environment variables, so that no
 * secret is typed on a command line (and kept in shell history); no
 * message ever repeats a secret's value, only the variable's name.
 *
 * @module
 */

import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type ArchiveStore, ValidationError } from "../../mod.ts";
import { directoryStore } from "../../fs.ts";
import { type S3ObjectLock, s3Store } from "../../s3.ts";
import type { Context } from "./context.ts";
import { UsageError } from "./errors.ts";
import { fsReason } from "./output.ts";
import { shown } from "./values.ts";

/** A store that can list its keys, as both stores of the CLI can. */
export type ListableStore = ArchiveStore & {
  keys(prefix?: string): AsyncIterable<string>;
};

/** An archive's store, and how to name it to the user. */
export interface ArchiveLocation {
  readonly store: ListableStore;
  /** For messages: the absolute directory, or the `s3://` URL. */
  readonly label: string;
  /** For `--json` summaries: `{ dir }` or `{ s3 }`. */
  readonly json: { readonly dir: string } | { readonly s3: string };
}

/** The flags that name an archive's store. */
export type StoreFlags = { dir: "string"; s3: "string" };

/** The environment variables an S3 store is read from, in the order of the help. */
export const AWS_ENV = {
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  sessionToken: "AWS_SESSION_TOKEN",
  region: ["AWS_REGION", "AWS_DEFAULT_REGION"],
  endpoint: ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"],
} as const;

const DEFAULT_REGION = "us-east-1";

/** The location of a directory, as `archive` and `demo --archive` use it. */
export function directoryLocation(dir: string): ArchiveLocation {
  return { store: directoryStore(dir), label: dir, json: { dir } };
}

/**
 * The archive's store from `--dir` or `--s3` (exactly one). `existing`:
 * the archive is read, so a directory that is not there is a mistake in
 * the path, not an empty archive.
 */
export async function archiveLocation(
  ctx: Context<StoreFlags>,
  options: { existing: boolean; objectLock?: S3ObjectLock },
): Promise<ArchiveLocation> {
  const { args, spec } = ctx;
  const dir = args.string("dir");
  const s3 = args.string("s3");
  const fail = (message: string): never => {
    throw new UsageError({ message, command: spec });
  };
  if (dir !== undefined && s3 !== undefined) {
    fail("give --dir or --s3, not both: an archive lives in one place");
  }
  if (s3 !== undefined) return s3Location(ctx, s3, options.objectLock);
  if (dir === undefined) {
    fail("--dir <path> or --s3 s3://<bucket>/<prefix> is required");
  }
  if (options.objectLock) {
    fail("--object-lock needs --s3: a directory has no retention");
  }
  if (dir!.trim() === "") {
    fail(
      "--dir is required: the archive's directory (an empty path names none)",
    );
  }
  const path = resolve(ctx.io.cwd, dir!);
  if (options.existing) await requireDirectory(ctx, dir!, path);
  return directoryLocation(path);
}

async function requireDirectory(
  ctx: Context,
  given: string,
  path: string,
): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new UsageError({
      message: `--dir: cannot read ${shown(given)}: ${fsReason(error)}`,
      command: ctx.spec,
    });
  }
  if (!isDirectory) {
    throw new UsageError({
      message: `--dir: ${shown(given)} is not a directory`,
      command: ctx.spec,
    });
  }
}

// deno-lint-ignore no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The bucket and prefix of an `s3://bucket/prefix` URL, checked. */
export function parseS3Url(
  text: string,
  ctx: Context,
): { bucket: string; prefix: string } {
  const fail = (why: string): never => {
    throw new UsageError({
      message: `--s3: ${shown(text)} ${why}`,
      command: ctx.spec,
    });
  };
  if (CONTROL.test(text)) fail("holds control characters");
  if (!text.startsWith("s3://")) {
    fail("is not an s3://<bucket>/<prefix> URL");
  }
  const [bucket, ...names] = text.slice("s3://".length).split("/");
  if (bucket === "") fail("names no bucket: use s3://<bucket>/<prefix>");
  // A trailing slash is how people write a folder; any other empty name,
  // and `.` or `..`, would put the archive somewhere else than it says.
  if (names.at(-1) === "") names.pop();
  if (names.some((n) => n === "" || n === "." || n === "..")) {
    fail("has an empty, '.' or '..' name in its prefix");
  }
  return { bucket, prefix: names.join("/") };
}

/** A variable of the environment, `undefined` when unset or empty. */
function envOf(ctx: Context, names: string | readonly string[]) {
  for (const name of typeof names === "string" ? [names] : names) {
    const value = ctx.io.env(name);
    if (value) return value;
  }
  return undefined;
}

/** A variable the store cannot do without. */
function requiredEnv(ctx: Context, name: string): string {
  const value = envOf(ctx, name);
  if (value !== undefined) return value;
  const denied = ctx.io.envDenied?.(name);
  throw new UsageError({
    message: denied
      ? `cannot read ${name}: Deno was not allowed to read the environment; run with --allow-env`
      : `${name} is not set: --s3 takes its credentials from ${AWS_ENV.accessKeyId} and ${AWS_ENV.secretAccessKey} (and ${AWS_ENV.sessionToken} for temporary ones)`,
    command: ctx.spec,
  });
}

/** Who to blame for an `s3Store` option: the part of `--s3` or the variable. */
const SOURCE_OF: Record<string, string> = {
  bucket: "--s3 (its bucket)",
  prefix: "--s3 (its prefix)",
  region: AWS_ENV.region.join(" or "),
  endpoint: AWS_ENV.endpoint.join(" or "),
  "credentials.accessKeyId": AWS_ENV.accessKeyId,
  "credentials.secretAccessKey": AWS_ENV.secretAccessKey,
  "credentials.sessionToken": AWS_ENV.sessionToken,
  "objectLock.mode": "--object-lock",
  "objectLock.days": "--object-lock",
};

function s3Location(
  ctx: Context,
  url: string,
  objectLock: S3ObjectLock | undefined,
): ArchiveLocation {
  const { bucket, prefix } = parseS3Url(url, ctx);
  const accessKeyId = requiredEnv(ctx, AWS_ENV.accessKeyId);
  const secretAccessKey = requiredEnv(ctx, AWS_ENV.secretAccessKey);
  const sessionToken = envOf(ctx, AWS_ENV.sessionToken);
  const endpoint = envOf(ctx, AWS_ENV.endpoint);
  let store: ListableStore;
  try {
    store = s3Store({
      bucket,
      ...(prefix ? { prefix } : {}),
      region: envOf(ctx, AWS_ENV.region) ?? DEFAULT_REGION,
      ...(endpoint ? { endpoint } : {}),
      credentials: {
        accessKeyId,
        secretAccessKey,
        ...(sessionToken ? { sessionToken } : {}),
      },
      ...(objectLock ? { objectLock } : {}),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // The library's messages never repeat a value; naming the variable
    // tells the user where to look.
    throw new UsageError({
      message: error.issues.map((i) =>
        `${SOURCE_OF[i.path] ?? i.path} ${i.message}`
      ).join("; "),
      command: ctx.spec,
    });
  }
  const label = `s3://${bucket}${prefix ? `/${prefix}` : ""}`;
  return { store, label, json: { s3: label } };
}

/**
 * `--object-lock <governance|compliance>:<days>`: one flag, so that a mode
 * without its retention, or the other way round, cannot be typed.
 */
export function parseObjectLock(
  text: string | undefined,
  ctx: Context,
): S3ObjectLock | undefined {
  if (text === undefined) return undefined;
  const m = /^(governance|compliance):(\d{1,5})$/i.exec(text.trim());
  const days = m ? Number(m[2]) : NaN;
  if (!m || !(days >= 1 && days <= 36500)) {
    throw new UsageError({
      message: `--object-lock: ${
        shown(text)
      } is not <governance|compliance>:<days>, with 1 to 36500 days (e.g. compliance:400)`,
      command: ctx.spec,
    });
  }
  return {
    mode: m[1].toUpperCase() as S3ObjectLock["mode"],
    days,
  };
}

/**
 * The organizations an archive holds: the first name of every key, as the
 * archive stores `<org>/…`. Names that hold only loose files are not
 * organizations.
 */
export async function organizationsIn(store: ListableStore): Promise<string[]> {
  const found = new Set<string>();
  for await (const key of store.keys("")) {
    const slash = key.indexOf("/");
    if (slash > 0) found.add(key.slice(0, slash));
  }
  return [...found].sort();
}

/** Whether the archive holds anything at all of `organizationId`. */
export async function holdsAnything(
  store: ListableStore,
  organizationId: string,
): Promise<boolean> {
  for await (const _ of store.keys(`${organizationId}/`)) return true;
  return false;
}
