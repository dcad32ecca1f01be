/**
 * The options of `s3Store`, checked all at once: every problem is listed in
 * one `ValidationError`, and no message repeats a value given (a secret
 * passed in the wrong field must not end up in a log).
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import {
  checkOptions,
  isRecord,
  type Issue,
  type Rule,
  type Rules,
} from "../rules.ts";
import { checkPrefix, DEFAULT_LEASE_MS } from "../archive_store.ts";

/**
 * The keys that sign requests to the service: an access key and its
 * secret, and for temporary credentials (an assumed role, SSO) the session
 * token that goes with them.
 *
 * @example
 * ```ts
 * import type { S3Credentials } from "@audit-log/export/s3";
 * const credentials: S3Credentials = {
 *   accessKeyId: "AKIAIOSFODNN7EXAMPLE",
 *   secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
 * };
 * ```
 */
export interface S3Credentials {
  /** The access key id: sent with every request, not a secret. */
  accessKeyId: string;
  /** The secret access key: signs requests, never sent, never shown. */
  secretAccessKey: string;
  /** The session token of temporary credentials: sent, never shown. */
  sessionToken?: string;
}

/**
 * Retention of every object the store writes, for a bucket made with Object
 * Lock: each version of each window file, checkpoint and ledger cannot be
 * deleted or overwritten in place until `days` after it was written.
 *
 * @example
 * ```ts
 * import type { S3ObjectLock } from "@audit-log/export/s3";
 * const objectLock: S3ObjectLock = { mode: "COMPLIANCE", days: 400 };
 * ```
 */
export interface S3ObjectLock {
  /**
   * `"GOVERNANCE"`: users with a special permission can still shorten it or
   * delete; `"COMPLIANCE"`: nobody can, not even the account's root user.
   */
  mode: "GOVERNANCE" | "COMPLIANCE";
  /** Whole days each version is retained, 1 to 36500. */
  days: number;
}

/**
 * Options of `s3Store`.
 *
 * @example
 * ```ts
 * import type { S3StoreOptions } from "@audit-log/export/s3";
 * const options: S3StoreOptions = {
 *   bucket: "audit-archive",
 *   prefix: "workos",
 *   endpoint: "https://0123456789abcdef.r2.cloudflarestorage.com",
 *   region: "auto",
 *   credentials: { accessKeyId: "…", secretAccessKey: "…" },
 * };
 * ```
 */
export interface S3StoreOptions {
  /** The bucket's name. */
  bucket: string;
  /**
   * Where in the bucket the archive lives: `/`-separated names, prepended to
   * every key (`"workos"` stores `org_1/…` as `workos/org_1/…`). Default:
   * the bucket's root.
   */
  prefix?: string;
  /** The region requests are signed for. Default `"us-east-1"`; R2 wants `"auto"`. */
  region?: string;
  /**
   * The service's URL, for anything but AWS S3 (MinIO, R2, GCS, B2, a test
   * server): requests then go to `<endpoint>/<bucket>/<key>` (path-style).
   * Default: AWS S3 in `region`, `https://<bucket>.s3.<region>.amazonaws.com`.
   */
  endpoint?: string | URL;
  /** The keys that sign every request. Required: this entry reads no environment. */
  credentials: S3Credentials;
  /** Retention for every object written (a bucket made with Object Lock). Default: none. */
  objectLock?: S3ObjectLock;
  /** The `fetch` requests go through. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * The size of the parts of a multipart upload, in bytes: a stream larger
   * than one part is uploaded in parts, so memory holds at most two. At
   * least 5 MiB (the smallest part S3 accepts), at most 5 GiB. Default 8 MiB.
   */
  partSize?: number;
  /** How long a lock stays held without a refresh, in ms. Default one hour. */
  lease?: number;
  /** The clock of locks, in epoch ms. Default `Date.now`. Retention dates always use the real time. */
  now?: () => number;
}

/** 1 MiB. */
const MIB = 1024 * 1024;

/**
 * The part size unless one is given.
 *
 * @internal
 */
export const DEFAULT_PART_SIZE = 8 * MIB;

/**
 * The smallest part S3 accepts but the last.
 *
 * @internal
 */
export const MIN_PART_SIZE = 5 * MIB;

/** The largest part S3 accepts. */
const MAX_PART_SIZE = 5 * 1024 * MIB;

/**
 * Options checked and completed with their defaults.
 *
 * @internal
 */
export interface ResolvedS3Options {
  bucket: string;
  /** `""`, or names ending in `/`. */
  prefix: string;
  region: string;
  /** The URL of the bucket, without a trailing `/`: keys are appended. */
  bucketUrl: string;
  credentials: S3Credentials;
  objectLock: S3ObjectLock | undefined;
  fetch: typeof fetch;
  partSize: number;
  lease: number;
  now: () => number;
}

// deno-lint-ignore no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;

const text = (max: number): Rule => (v) =>
  typeof v !== "string"
    ? `must be a string`
    : v === ""
    ? `must not be empty`
    : v.length > max
    ? `must be at most ${max} characters`
    : CONTROL.test(v)
    ? `must not hold control characters`
    : /\s/.test(v)
    ? `must not hold white space`
    : undefined;

/**
 * A bucket name as S3 and the services copying it accept: lowercase
 * letters, digits, `.`, `-` (and `_`, which GCS allows), starting and
 * ending with a letter or digit, no `..`, not an IP address. Dotted names
 * may be longer (GCS), each label at most 63.
 */
function bucketProblem(v: unknown): string | undefined {
  const basic = text(222)(v, "", []);
  if (basic) return basic;
  const name = v as string;
  const rule =
    "must be a bucket name: 3 to 63 lowercase letters, digits, '.', '-' or '_', starting and ending with a letter or digit";
  if (
    name.length < 3 || !/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(name) ||
    name.includes("..") || name.split(".").some((l) => l.length > 63) ||
    (!name.includes(".") && name.length > 63)
  ) {
    return rule;
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    return "must be a bucket name, not an IP address";
  }
  return undefined;
}

function prefixProblem(v: unknown): string | undefined {
  if (typeof v !== "string") return "must be a string";
  if (v === "") return undefined;
  if (v.length > 512) return "must be at most 512 characters";
  if (CONTROL.test(v)) return "must not hold control characters";
  const names = v.replace(/\/$/, "");
  try {
    checkPrefix(`${names}/`);
  } catch {
    return "must be /-separated names, none empty, . or .., without a leading /, backslash or NUL";
  }
  return undefined;
}

function endpointProblem(v: unknown): string | undefined {
  if (typeof v !== "string" && !(v instanceof URL)) {
    return "must be a URL (a string or a URL)";
  }
  if (typeof v === "string" && (v.length > 2048 || CONTROL.test(v))) {
    return "must be a URL of at most 2048 characters, without control characters";
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return "must be an absolute URL, such as https://s3.example.com";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return "must be an http: or https: URL";
  }
  // Said without the URL itself: credentials in it are secrets.
  if (url.username || url.password) {
    return "must not hold a user name or password (give credentials instead)";
  }
  if (url.search || url.hash) return "must not hold a query or fragment";
  return undefined;
}

const credentialRules: Rules<S3Credentials> = {
  accessKeyId: text(128),
  secretAccessKey: text(1024),
  sessionToken: text(8192),
};

const objectLockRules: Rules<S3ObjectLock> = {
  mode: (v) =>
    v === "GOVERNANCE" || v === "COMPLIANCE"
      ? undefined
      : 'must be "GOVERNANCE" or "COMPLIANCE"',
  days: (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 36500
      ? undefined
      : "must be a whole number of days from 1 to 36500",
};

/** A nested object's rules, with its required members. */
const nested = <T>(
  rules: Rules<T>,
  required: readonly (keyof T & string)[],
  what: string,
): Rule =>
(v, path, issues) => {
  if (!checkOptions(v, rules, issues, what, path)) return undefined;
  for (const name of required) {
    if ((v as Record<string, unknown>)[name] === undefined) {
      issues.push({ path: `${path}.${name}`, message: "is required" });
    }
  }
  return undefined;
};

const rules: Rules<S3StoreOptions> = {
  bucket: bucketProblem,
  prefix: prefixProblem,
  region: (v) =>
    typeof v === "string" && /^[a-z0-9][a-z0-9-]{0,62}$/.test(v)
      ? undefined
      : 'must be a region name, such as "us-east-1" or "auto"',
  endpoint: endpointProblem,
  credentials: nested(
    credentialRules,
    ["accessKeyId", "secretAccessKey"],
    "credentials",
  ),
  objectLock: nested(objectLockRules, ["mode", "days"], "objectLock"),
  fetch: (v) => typeof v === "function" ? undefined : "must be a function",
  partSize: (v) =>
    typeof v === "number" && Number.isSafeInteger(v) && v >= MIN_PART_SIZE &&
      v <= MAX_PART_SIZE
      ? undefined
      : `must be a whole number of bytes from ${MIN_PART_SIZE} (5 MiB) to ${MAX_PART_SIZE} (5 GiB)`,
  lease: (v) =>
    typeof v === "number" && Number.isSafeInteger(v) && v > 0
      ? undefined
      : "must be a whole, positive number of ms",
  now: (v) =>
    typeof v === "function"
      ? undefined
      : "must be a function returning epoch ms",
};

/** An RFC 3986 path segment: `encodeURIComponent` leaves `!'()*` as they are. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Checks `input` and completes it with the defaults, or throws a
 * `ValidationError` listing every problem.
 *
 * @internal
 */
export function resolveS3Options(input: unknown): ResolvedS3Options {
  const issues: Issue[] = [];
  if (checkOptions<S3StoreOptions>(input, rules, issues, "s3Store's options")) {
    if (input.bucket === undefined) {
      issues.push({ path: "bucket", message: "is required" });
    }
    if (input.credentials === undefined) {
      issues.push({
        path: "credentials",
        message:
          "is required: { accessKeyId, secretAccessKey, sessionToken? } (this entry reads no environment variables)",
      });
    }
  } else if (!isRecord(input)) {
    throw new ValidationError({ issues });
  }
  if (issues.length > 0) throw new ValidationError({ issues });
  const o = input as S3StoreOptions;
  const region = o.region ?? "us-east-1";
  const prefix = o.prefix ? o.prefix.replace(/\/?$/, "/") : "";
  let bucketUrl: string;
  if (o.endpoint !== undefined) {
    const url = new URL(o.endpoint);
    bucketUrl = `${url.origin}${url.pathname.replace(/\/+$/, "")}/${
      encodeSegment(o.bucket)
    }`;
  } else if (o.bucket.includes(".")) {
    // A dotted name breaks the wildcard TLS certificate of virtual hosts.
    bucketUrl = `https://s3.${region}.amazonaws.com/${o.bucket}`;
  } else {
    bucketUrl = `https://${o.bucket}.s3.${region}.amazonaws.com`;
  }
  const { accessKeyId, secretAccessKey, sessionToken } = o.credentials;
  return {
    bucket: o.bucket,
    prefix,
    region,
    bucketUrl,
    credentials: {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    },
    objectLock: o.objectLock &&
      { mode: o.objectLock.mode, days: o.objectLock.days },
    fetch: o.fetch ?? ((input, init) => fetch(input, init)),
    partSize: o.partSize ?? DEFAULT_PART_SIZE,
    lease: o.lease ?? DEFAULT_LEASE_MS,
    now: o.now ?? Date.now,
  };
}
