/**
 * Server-side validation of request bodies, answering with the error shapes
 * of WorkOS's spec: a missing or mistyped field is a 422 listing
 * `{field, code}`; an event that is well-typed but breaks the event schema is
 * a 400 `invalid_audit_log_event` listing `{instancePath}`.
 *
 * @module
 */

import { parseInstant } from "../instant.ts";
import type { Result } from "../result.ts";
import type {
  EmulatorEntity,
  EmulatorEvent,
  EmulatorMetadataValue,
} from "./types.ts";

/** A 422 entry. */
export interface FieldError {
  field: string;
  code: "required" | "invalid_type";
}

/** The validated body of `POST /audit_logs/exports`. */
export interface ExportRequest {
  organizationId: string;
  rangeStart: string;
  rangeEnd: string;
  actions?: string[];
  actorNames?: string[];
  actorIds?: string[];
  targets?: string[];
}

/** Why a body is refused: the status, and the errors of its answer. */
export type Refusal =
  | { status: 422; errors: FieldError[] }
  | { status: 400; errors: { instancePath: string }[] };

/** Outcome of validating a body. */
export type Checked<T> = Result<T, Refusal>;

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Collects 422 field errors while reading typed values out of a body. */
class Reader {
  readonly errors: FieldError[] = [];

  string(
    obj: Obj,
    key: string,
    path: string,
    required: boolean,
  ): string | undefined {
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (v === undefined || v === null) {
      if (required) this.errors.push({ field: path, code: "required" });
      return undefined;
    }
    if (typeof v !== "string") {
      this.errors.push({ field: path, code: "invalid_type" });
      return undefined;
    }
    return v;
  }

  strings(obj: Obj, key: string, path: string): string[] | undefined {
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
      this.errors.push({ field: path, code: "invalid_type" });
      return undefined;
    }
    return v;
  }

  object(
    obj: Obj,
    key: string,
    path: string,
    required: boolean,
  ): Obj | undefined {
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (v === undefined || v === null) {
      if (required) this.errors.push({ field: path, code: "required" });
      return undefined;
    }
    if (!isObject(v)) {
      this.errors.push({ field: path, code: "invalid_type" });
      return undefined;
    }
    return v;
  }
}

/** Validates the body of `POST /audit_logs/exports` (types only; the range is checked by the caller). */
export function checkExportRequest(body: Obj): Checked<ExportRequest> {
  const r = new Reader();
  const organizationId = r.string(
    body,
    "organization_id",
    "organization_id",
    true,
  );
  const rangeStart = r.string(body, "range_start", "range_start", true);
  const rangeEnd = r.string(body, "range_end", "range_end", true);
  const actions = r.strings(body, "actions", "actions");
  const actorIds = r.strings(body, "actor_ids", "actor_ids");
  const names = r.strings(body, "actor_names", "actor_names");
  // `actors` is the deprecated spelling of `actor_names`; both filter together.
  const actors = r.strings(body, "actors", "actors");
  const targets = r.strings(body, "targets", "targets");
  if (r.errors.length) {
    return { ok: false, issues: { status: 422, errors: r.errors } };
  }
  const actorNames = names || actors
    ? [...names ?? [], ...actors ?? []]
    : undefined;
  return {
    ok: true,
    value: {
      organizationId: organizationId!,
      rangeStart: rangeStart!,
      rangeEnd: rangeEnd!,
      actions,
      actorIds,
      actorNames,
      targets,
    },
  };
}

const MAX_METADATA_KEYS = 50;
const MAX_METADATA_STRING = 500;

function checkMetadata(
  value: unknown,
  path: string,
  bad: { instancePath: string }[],
): Record<string, EmulatorMetadataValue> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value) || Object.keys(value).length > MAX_METADATA_KEYS) {
    bad.push({ instancePath: path });
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    const ok = (typeof v === "string" && v.length <= MAX_METADATA_STRING) ||
      (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean";
    if (!ok) bad.push({ instancePath: `${path}/${k}` });
  }
  return { ...value } as Record<string, EmulatorMetadataValue>;
}

function entity(
  r: Reader,
  obj: Obj,
  field: string,
  pointer: string,
  bad: { instancePath: string }[],
): EmulatorEntity {
  const id = r.string(obj, "id", `${field}.id`, true);
  const type = r.string(obj, "type", `${field}.type`, true);
  const name = r.string(obj, "name", `${field}.name`, false);
  const metadata = checkMetadata(
    obj.metadata ?? undefined,
    `${pointer}/metadata`,
    bad,
  ) as
    | Record<string, string>
    | undefined;
  // An entity with no id or type identifies nothing, and an export could not
  // tell an empty target from the padding of a narrower event.
  if (id === "") bad.push({ instancePath: `${pointer}/id` });
  if (type === "") bad.push({ instancePath: `${pointer}/type` });
  const out: EmulatorEntity = { id: id!, type: type! };
  if (name !== undefined) out.name = name;
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

/** Validates the body of `POST /audit_logs/events`. */
export function checkEventRequest(
  body: Obj,
): Checked<
  { organizationId: string; event: Omit<EmulatorEvent, "organizationId"> }
> {
  const r = new Reader();
  const bad: { instancePath: string }[] = [];
  const organizationId = r.string(
    body,
    "organization_id",
    "organization_id",
    true,
  );
  const event = r.object(body, "event", "event", true);
  if (!event) {
    return {
      ok: false,
      issues: {
        status: 422,
        errors: r.errors.length
          ? r.errors
          : [{ field: "event", code: "required" }],
      },
    };
  }
  const action = r.string(event, "action", "event.action", true);
  const occurredAt = r.string(event, "occurred_at", "event.occurred_at", true);
  const actorObj = r.object(event, "actor", "event.actor", true);
  const context = r.object(event, "context", "event.context", true);
  const targetList = Object.hasOwn(event, "targets")
    ? event.targets
    : undefined;
  if (targetList === undefined || targetList === null) {
    r.errors.push({ field: "event.targets", code: "required" });
  } else if (!Array.isArray(targetList)) {
    r.errors.push({ field: "event.targets", code: "invalid_type" });
  }
  const actor = actorObj && entity(r, actorObj, "event.actor", "/actor", bad);
  const targets: EmulatorEntity[] = [];
  if (Array.isArray(targetList)) {
    targetList.forEach((t, i) => {
      if (isObject(t)) {
        targets.push(entity(r, t, `event.targets.${i}`, `/targets/${i}`, bad));
      } else bad.push({ instancePath: `/targets/${i}` });
    });
  }
  const location = context &&
    r.string(context, "location", "event.context.location", true);
  const userAgent = context &&
    r.string(context, "user_agent", "event.context.user_agent", false);
  const version = Object.hasOwn(event, "version") ? event.version : undefined;
  if (version !== undefined && !Number.isInteger(version)) {
    r.errors.push({ field: "event.version", code: "invalid_type" });
  }
  if (r.errors.length) {
    return { ok: false, issues: { status: 422, errors: r.errors } };
  }
  if (action === "") bad.push({ instancePath: "/action" });
  if (parseInstant(occurredAt!) === undefined) {
    bad.push({ instancePath: "/occurred_at" });
  }
  const metadata = checkMetadata(event.metadata ?? undefined, "/metadata", bad);
  if (bad.length) return { ok: false, issues: { status: 400, errors: bad } };
  return {
    ok: true,
    value: {
      organizationId: organizationId!,
      event: {
        action: action!,
        occurredAt: new Date(parseInstant(occurredAt!)!).toISOString(),
        actor: actor!,
        targets,
        context: userAgent === undefined
          ? { location: location! }
          : { location: location!, userAgent },
        ...(metadata ? { metadata } : {}),
        ...(version !== undefined ? { version: version as number } : {}),
      },
    },
  };
}
