/**
 * Server-side validation of request bodies, answering with the error shapes
 * of WorkOS's spec: a missing or mistyped field is a 422 listing
 * `{field, code}`; an event that is well-typed but breaks the event schema is
 * a 400 `invalid_audit_log_event` listing `{instancePath}`.
 *
 * The 422 checks are rules tables (`./fields.ts`) run one object at a time;
 * the schema checks run only once every type is right, so they may rely on
 * it.
 *
 * @module
 */

import { parseInstant } from "../instant.ts";
import type { Result } from "../result.ts";
import { isRecord, type Issue, type Rules } from "../rules.ts";
import {
  checkFields,
  type FieldError,
  fieldErrors,
  optionalInteger,
  optionalText,
  optionalTexts,
  requiredList,
  requiredObject,
  requiredText,
} from "./fields.ts";
import { FILTER_MEMBERS, type FilterValues } from "./filters.ts";
import type {
  EmulatorEntity,
  EmulatorEvent,
  EmulatorMetadataValue,
} from "./types.ts";

export type { FieldError } from "./fields.ts";

/** The validated body of `POST /audit_logs/exports`. */
export interface ExportRequest {
  organizationId: string;
  rangeStart: string;
  rangeEnd: string;
  /** The filters given, by wire name, deprecated spellings merged in. */
  filters: FilterValues;
}

/** Why a body is refused: the status, and the errors of its answer. */
export type Refusal =
  | { status: 422; errors: FieldError[] }
  | { status: 400; errors: { instancePath: string }[] };

/** Outcome of validating a body. */
export type Checked<T> = Result<T, Refusal>;

type Obj = Record<string, unknown>;

/** A member of a body: its own, never one inherited from `Object.prototype`. */
const member = (obj: Obj, key: string): unknown =>
  Object.hasOwn(obj, key) ? obj[key] : undefined;

const refuse = (issues: readonly Issue[]): { ok: false; issues: Refusal } => ({
  ok: false,
  issues: { status: 422, errors: fieldErrors(issues) },
});

/** `POST /audit_logs/exports` but for its filters. */
interface ExportBody {
  organization_id: string;
  range_start: string;
  range_end: string;
}

const EXPORT_RULES: Rules<ExportBody> = {
  organization_id: requiredText,
  range_start: requiredText,
  range_end: requiredText,
};

// From the client's table: a filter added there is read with no edit here.
const FILTER_RULES: Rules<Record<string, string[]>> = Object.fromEntries(
  FILTER_MEMBERS.map(([name]) => [name, optionalTexts]),
);

/** Validates the body of `POST /audit_logs/exports` (types only; the range is checked by the caller). */
export function checkExportRequest(body: Obj): Checked<ExportRequest> {
  const issues: Issue[] = [];
  checkFields(body, EXPORT_RULES, issues);
  checkFields(body, FILTER_RULES, issues);
  if (issues.length) return refuse(issues);
  const filters: FilterValues = {};
  for (const [name, wire] of FILTER_MEMBERS) {
    const list = member(body, name) as string[] | null | undefined;
    if (list != null) filters[wire] = [...filters[wire] ?? [], ...list];
  }
  return {
    ok: true,
    value: {
      organizationId: member(body, "organization_id") as string,
      rangeStart: member(body, "range_start") as string,
      rangeEnd: member(body, "range_end") as string,
      filters,
    },
  };
}

/** `POST /audit_logs/events`. */
interface EventBody {
  organization_id: string;
  event: WireEvent;
}

/** An event on the wire, with the members whose type is checked. */
interface WireEvent {
  action: string;
  occurred_at: string;
  actor: WireEntity;
  context: WireContext;
  targets: WireEntity[];
  version?: number;
}

/** An actor or a target on the wire. */
interface WireEntity {
  id: string;
  type: string;
  name?: string;
}

/** An event's context on the wire. */
interface WireContext {
  location: string;
  user_agent?: string;
}

const EVENT_BODY_RULES: Rules<EventBody> = {
  organization_id: requiredText,
  event: requiredObject,
};

// `version` is checked apart, after the actor, the targets and the context:
// that is where the emulator's 422 has always listed it, and a client may
// rely on the order of an answer.
const EVENT_RULES: Rules<Omit<WireEvent, "version">> = {
  action: requiredText,
  occurred_at: requiredText,
  actor: requiredObject,
  context: requiredObject,
  targets: requiredList,
};

const VERSION_RULES: Rules<Pick<WireEvent, "version">> = {
  version: optionalInteger,
};

const ENTITY_RULES: Rules<WireEntity> = {
  id: requiredText,
  type: requiredText,
  name: optionalText,
};

const CONTEXT_RULES: Rules<WireContext> = {
  location: requiredText,
  user_agent: optionalText,
};

/** The 422 issues of an event, in the order the API lists them. */
function checkEventTypes(event: Obj, issues: Issue[]): void {
  checkFields(event, EVENT_RULES, issues, "event");
  const actor = member(event, "actor");
  const targets = member(event, "targets");
  const context = member(event, "context");
  if (isRecord(actor)) checkFields(actor, ENTITY_RULES, issues, "event.actor");
  if (Array.isArray(targets)) {
    targets.forEach((t, i) => {
      // A target that is no object is a schema error, a 400 (below).
      if (isRecord(t)) {
        checkFields(t, ENTITY_RULES, issues, `event.targets.${i}`);
      }
    });
  }
  if (isRecord(context)) {
    checkFields(context, CONTEXT_RULES, issues, "event.context");
  }
  checkFields(event, VERSION_RULES, issues, "event");
}

const MAX_METADATA_KEYS = 50;
const MAX_METADATA_STRING = 500;

function checkMetadata(
  value: unknown,
  path: string,
  bad: { instancePath: string }[],
): Record<string, EmulatorMetadataValue> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || Object.keys(value).length > MAX_METADATA_KEYS) {
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

/** An entity whose members have the right types, checked against the schema. */
function entity(
  obj: Obj,
  pointer: string,
  bad: { instancePath: string }[],
): EmulatorEntity {
  const id = member(obj, "id") as string;
  const type = member(obj, "type") as string;
  const name = member(obj, "name") as string | null | undefined;
  const metadata = checkMetadata(
    obj.metadata ?? undefined,
    `${pointer}/metadata`,
    bad,
  ) as Record<string, string> | undefined;
  // An entity with no id or type identifies nothing, and an export could not
  // tell an empty target from the padding of a narrower event.
  if (id === "") bad.push({ instancePath: `${pointer}/id` });
  if (type === "") bad.push({ instancePath: `${pointer}/type` });
  const out: EmulatorEntity = { id, type };
  if (name != null) out.name = name;
  if (metadata !== undefined) out.metadata = metadata;
  return out;
}

/** Validates the body of `POST /audit_logs/events`. */
export function checkEventRequest(
  body: Obj,
): Checked<
  { organizationId: string; event: Omit<EmulatorEvent, "organizationId"> }
> {
  const issues: Issue[] = [];
  checkFields(body, EVENT_BODY_RULES, issues);
  const event = member(body, "event");
  if (!isRecord(event)) return refuse(issues);
  checkEventTypes(event, issues);
  if (issues.length) return refuse(issues);

  // Every type is right from here on: what is left is the event's schema.
  const bad: { instancePath: string }[] = [];
  const actor = entity(member(event, "actor") as Obj, "/actor", bad);
  const targets: EmulatorEntity[] = [];
  (member(event, "targets") as unknown[]).forEach((t, i) => {
    if (isRecord(t)) targets.push(entity(t, `/targets/${i}`, bad));
    else bad.push({ instancePath: `/targets/${i}` });
  });
  const action = member(event, "action") as string;
  if (action === "") bad.push({ instancePath: "/action" });
  const occurredAt = parseInstant(member(event, "occurred_at") as string);
  if (occurredAt === undefined) bad.push({ instancePath: "/occurred_at" });
  const metadata = checkMetadata(event.metadata ?? undefined, "/metadata", bad);
  if (bad.length) return { ok: false, issues: { status: 400, errors: bad } };

  const context = member(event, "context") as Obj;
  const location = member(context, "location") as string;
  const userAgent = (member(context, "user_agent") ?? undefined) as
    | string
    | undefined;
  const version = member(event, "version") as number | undefined;
  return {
    ok: true,
    value: {
      organizationId: member(body, "organization_id") as string,
      event: {
        action,
        occurredAt: new Date(occurredAt!).toISOString(),
        actor,
        targets,
        context: userAgent === undefined
          ? { location }
          : { location, userAgent },
        ...(metadata ? { metadata } : {}),
        ...(version !== undefined ? { version } : {}),
      },
    },
  };
}
