/**
 * The behaviour a user relies on, written once and run unchanged in every
 * runtime: Deno (sources and npm build), Node 18/20/22 (import and
 * require), Bun, Cloudflare workerd and the Vercel edge runtime.
 *
 * This file imports nothing. A thin runner per runtime imports the package
 * by its name (`audit-log-export`, `audit-log-export/testing`) and passes the
 * namespaces in, with the URL of an emulator served on loopback by the test
 * process ({@link serveForSuite}). Cases reach that emulator only over HTTP,
 * including its control routes (`/_conformance/*`: inject a fault, count
 * requests, list stored events), so a case runs the same in the test process
 * and inside a worker.
 *
 * A case that needs more than the web platform names it in `needs`: `"fs"`
 * is `audit-log-export/fs` with a scratch directory, which runners on Deno,
 * Node and Bun pass in (`fs_host.js`); `"edge-fs"` is what
 * `audit-log-export/fs` resolves to in a worker or an edge function, which
 * their runners pass in instead.
 *
 * @module
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;
const CONTROL = "/_conformance";
const EXPORTS = "/audit_logs/exports";

/** How the served emulator behaves: exports stay pending briefly, so waits really poll. */
export const EMULATOR_OPTIONS = { exportDelayMs: 250 };

// --- assertions (no node:assert: workerd and the edge runtime have none) ---

class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = "AssertionError";
  }
}

const json = (body) =>
  new Response(JSON.stringify(body), {
    headers: { "content-type": "application/json" },
  });

const show = (value) => {
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

function ok(value, message) {
  if (!value) {
    throw new AssertionError(message ?? `expected truthy, got ${show(value)}`);
  }
}

function equal(actual, expected, what) {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(
      `${what}: expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

function deepEqual(actual, expected, what) {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new AssertionError(`${what}: expected ${e}, got ${a}`);
}

/** JSON with object keys sorted: equal values whatever order members were set in. */
const canonical = (value) =>
  JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(
          Object.keys(v).sort().map((k) => [k, v[k]]),
        )
        : v,
  );

function sameValue(actual, expected, what) {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new AssertionError(`${what}: expected ${e}, got ${a}`);
}

function instanceOf(value, Class, what) {
  if (!(value instanceof Class)) {
    const got = value?.constructor?.name ?? typeof value;
    throw new AssertionError(
      `${what}: expected an instance of ${Class.name}, got ${got}: ${
        value?.message ?? show(value)
      }`,
    );
  }
}

/** Awaits a promise that must reject, and returns the rejection. */
async function rejection(promise, what) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new AssertionError(`${what}: expected a rejection, but it resolved`);
}

// --- the emulator, served by the test process ------------------------------

/**
 * Serves an emulator from the package's `./testing` entry on loopback, with
 * the control routes the cases use. Runs in the test process (Deno, Node,
 * Bun), never inside a worker.
 *
 * @param {typeof import("audit-log-export/testing")} testing
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function serveForSuite(testing) {
  const emulator = testing.createEmulator(EMULATOR_OPTIONS);
  const control = {
    async fetch(input, init) {
      const request = input instanceof Request
        ? input
        : new Request(input, init);
      const path = new URL(request.url).pathname;
      if (path === `${CONTROL}/info`) {
        return json({
          apiKey: emulator.apiKey,
          organizations: emulator.organizations,
        });
      }
      if (path === `${CONTROL}/inject`) {
        emulator.inject(await request.json());
        return json({ ok: true });
      }
      if (path === `${CONTROL}/events`) {
        const organization = new URL(request.url).searchParams.get(
          "organization",
        );
        return json(
          emulator.listEvents(organization ?? undefined).map((e) => ({
            organizationId: e.organizationId,
            occurredAt: e.occurredAt,
            action: e.action,
            actorId: e.actor.id,
          })),
        );
      }
      if (path === `${CONTROL}/requests`) {
        return json(
          emulator.requests
            .filter((r) => !r.path.startsWith(CONTROL))
            .map((r) => ({
              method: r.method,
              path: r.path,
              authorization: "authorization" in r.headers,
              idempotencyKey: r.headers["idempotency-key"] ?? null,
            })),
        );
      }
      return emulator.fetch(request);
    },
  };
  const served = await testing.serveEmulator({
    emulator: {
      get apiKey() {
        return emulator.apiKey;
      },
      get organizations() {
        return emulator.organizations;
      },
      get requests() {
        return emulator.requests;
      },
      fetch: control.fetch,
      inject: (fault) => emulator.inject(fault),
      listExports: () => emulator.listExports(),
      listEvents: (org) => emulator.listEvents(org),
      setExportState: (id, state) => emulator.setExportState(id, state),
    },
  });
  return { url: served.url, close: () => served.close() };
}

async function controlCall(baseUrl, route, body) {
  const response = await fetch(`${baseUrl}${CONTROL}/${route}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`control ${route}: HTTP ${response.status}`);
  }
  return response.json();
}

// --- the cases -------------------------------------------------------------

/**
 * What a case gets: the package, the emulator's coordinates and controls.
 *
 * @typedef {object} CaseContext
 * @property {typeof import("audit-log-export")} pkg
 * @property {typeof import("audit-log-export/testing") | undefined} testing
 * @property {string} baseUrl
 * @property {string} apiKey
 * @property {string} org
 * @property {string[]} organizations  every organization of the emulator, `org` first
 * @property {{ apiKey: string, baseUrl: string }} config
 * @property {(fault: object) => Promise<void>} inject
 * @property {() => Promise<Array<{ method: string, path: string, authorization: boolean, idempotencyKey: string | null }>>} requests
 * @property {() => Promise<() => Promise<Array<object>>>} since  requests made after this call
 * @property {(organization: string) => Promise<Array<{ occurredAt: string, action: string, actorId: string }>>} events  what the emulator stores for an organization
 * @property {FsHost | undefined} fs  present where the runner can give a directory (Deno, Node, Bun)
 * @property {typeof import("audit-log-export/fs") | undefined} edgeFs  `audit-log-export/fs` as bundled for workerd or the edge runtime
 */

/**
 * What a runner with a file system passes for cases that need `"fs"`.
 *
 * @typedef {object} FsHost
 * @property {typeof import("audit-log-export/fs")} entry  the package's `./fs`, imported by name
 * @property {() => Promise<string>} tempDir  a new empty directory
 * @property {(...parts: string[]) => string} join
 * @property {(dir: string) => Promise<string[]>} files  every file under `dir`, as `/`-separated paths relative to it
 * @property {(file: string) => Promise<string>} read  a file's text
 * @property {(dir: string) => Promise<void>} remove  deletes a directory tree
 */

const lastDays = (days) => ({
  rangeStart: new Date(Date.now() - days * DAY),
  rangeEnd: new Date(),
});

/** A fresh export of the last two days whose next GET meets `fault`. */
async function exportWithFault(pkg, org, config, inject, fault) {
  const created = await pkg.createExport(
    { organizationId: org, ...lastDays(2) },
    config,
  );
  await inject({ method: "GET", path: `${EXPORTS}/${created.id}`, ...fault });
  return created;
}

const fast = { pollInterval: 20, maxPollInterval: 100, maxWait: 20_000 };

/** Stores events through `POST /audit_logs/events`, as an app would. */
async function postEvents({ baseUrl, apiKey, org }, events) {
  for (const event of events) {
    const response = await fetch(`${baseUrl}/audit_logs/events`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ organization_id: org, event }),
    });
    equal(
      response.status,
      200,
      `POST /audit_logs/events ${await response.text()}`,
    );
  }
}

/** A unique action, so a case's export holds only the events it stored. */
const uniqueAction = (prefix) =>
  `conformance.${prefix}_${Date.now().toString(36)}${
    Math.random().toString(36).slice(2, 8)
  }`;

/** The target types of an export row: its `target_type_N` cells. */
const targetTypes = (row) =>
  Object.keys(row)
    .filter((k) => /^target_type_\d+$/.test(k) && row[k] !== "")
    .map((k) => row[k]);

/** What tells the rows of one export apart: there is no id column. */
const rowKey = (row) =>
  [row.occurred_at, row.action, row.actor_id, row.target_id_1].join(" ");

async function readAll(iterable) {
  const rows = [];
  for await (const row of iterable) rows.push(row);
  return rows;
}

// --- the archive ----------------------------------------------------------

/** Midnight UTC of the day `ms` falls in. */
const startOfDay = (ms) => Math.floor(ms / DAY) * DAY;

const pad = (n) => String(n).padStart(2, "0");

/** `20261101T000000Z`: the archive's spelling of an instant in file names. */
function compactTime(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${
    pad(d.getUTCDate())
  }T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

/** The documented key of a window's file: `<org>/<YYYY>/<MM>/<DD>/<start>_<end>.<ext>`. */
function windowKey(org, start, end, ext) {
  const d = new Date(start);
  return `${org}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${
    pad(d.getUTCDate())
  }/${compactTime(start)}_${compactTime(end)}.${ext}`;
}

/** The daily windows of `[from, end)`. */
function dailyWindows(from, end) {
  const windows = [];
  for (let start = from; start < end; start += DAY) {
    windows.push({ start, end: start + DAY });
  }
  return windows;
}

/** What tells events apart across an archive: instant, action, actor. */
const eventKey = (occurredAt, action, actorId) =>
  `${new Date(occurredAt).toISOString()} ${action} ${actorId}`;

/** The keys of the emulator's events of `org` inside `[from, end)`, sorted. */
async function storedEventKeys({ events }, org, from, end) {
  return (await events(org))
    .filter((e) => {
      const t = Date.parse(e.occurredAt);
      return t >= from && t < end;
    })
    .map((e) => eventKey(e.occurredAt, e.action, e.actorId))
    .sort();
}

/** Three events on the edges of `[from, end)` with a window boundary at `middle`: kept, kept once, left for later. */
async function postEdgeEvents(t, org, from, middle, end) {
  const action = uniqueAction("archive_edge");
  await postEvents(
    { ...t, org },
    [from, middle, end].map((at, i) => ({
      action,
      occurred_at: new Date(at).toISOString(),
      actor: { id: `user_edge_${i}`, type: "user", name: `Edge ${i}` },
      targets: [{ id: `doc_edge_${i}`, type: "document" }],
      context: { location: "203.0.113.9" },
    })),
  );
}

/**
 * A store in memory as plain as a store gets: an object with `get` and
 * `put`. `get` answers what an R2 binding does (an object with `text()`, or
 * `null`); every put is logged, in order.
 */
function memoryStore() {
  const objects = new Map();
  const puts = [];
  return {
    objects,
    puts,
    get(key) {
      const body = objects.get(key);
      return Promise.resolve(
        body === undefined
          ? null
          : { text: () => Promise.resolve(new TextDecoder().decode(body)) },
      );
    },
    put(key, body) {
      ok(
        ArrayBuffer.isView(body) && typeof body.byteLength === "number",
        `put ${key}: a body of known length, got ${show(body)}`,
      );
      puts.push(key);
      objects.set(key, body.slice());
      return Promise.resolve();
    },
  };
}

/**
 * Checks one window's CSV file: its rows as `w` counts them, each inside
 * `[start, end)`. Returns the rows' event keys.
 */
async function checkCsvWindow(pkg, w, body) {
  equal(body.byteLength, w.bytes, `${w.key} bytes`);
  const rows = body.byteLength === 0
    ? []
    : await readAll(pkg.exportRows(new Response(body)));
  equal(rows.length, w.rows, `${w.key} rows`);
  for (const row of rows) {
    const t = Date.parse(row.occurred_at);
    ok(
      t >= w.start.getTime() && t < w.end.getTime(),
      `${w.key} holds ${row.occurred_at}, outside its window`,
    );
  }
  return rows.map((r) => eventKey(r.occurred_at, r.action, r.actor_id));
}

/** Checks one window's NDJSON text the same way. */
function checkNdjsonWindow(w, text) {
  const lines = text === "" ? [] : text.split("\n");
  equal(lines.pop() ?? "", "", `${w.key} ends with a newline`);
  equal(lines.length, w.rows, `${w.key} rows`);
  return lines.map((line) => {
    const e = JSON.parse(line);
    const t = Date.parse(e.occurredAt);
    ok(
      t >= w.start.getTime() && t < w.end.getTime(),
      `${w.key} holds ${e.occurredAt}, outside its window`,
    );
    return eventKey(e.occurredAt, e.action, e.actor.id);
  });
}

/** @type {Array<{ name: string, needs?: string[], run(t: CaseContext): Promise<void> }>} */
export const cases = [
  {
    name: "VERSION is the package's semver version",
    run({ pkg }) {
      equal(typeof pkg.VERSION, "string", "typeof VERSION");
      ok(
        /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(pkg.VERSION),
        `VERSION ${pkg.VERSION}`,
      );
    },
  },
  {
    name: "createExport returns a pending audit_log_export",
    async run({ pkg, org, config, since }) {
      const seen = await since();
      const created = await pkg.createExport(
        { organizationId: org, ...lastDays(7), actions: ["user.signed_in"] },
        config,
      );
      equal(created.object, "audit_log_export", "object");
      ok(/^audit_log_export_\w+$/.test(created.id), `id ${created.id}`);
      equal(created.state, "pending", "state");
      equal("url" in created, false, "has url");
      ok(
        !Number.isNaN(Date.parse(created.createdAt)),
        `createdAt ${created.createdAt}`,
      );
      ok(
        !Number.isNaN(Date.parse(created.updatedAt)),
        `updatedAt ${created.updatedAt}`,
      );
      const requests = await seen();
      equal(requests.length, 1, "requests sent");
      equal(requests[0].method, "POST", "method");
      equal(requests[0].path, EXPORTS, "path");
      ok(requests[0].authorization, "sent Authorization");
      ok(requests[0].idempotencyKey, "sent Idempotency-Key");
    },
  },
  {
    name:
      "the seed's JS call (Dates, actions, actor_ids, actor_names, targets) filters with AND",
    async run({ pkg, org, config }) {
      const range = lastDays(80);
      const all = await readAll(pkg.exportRows(
        await pkg.createExport({ organizationId: org, ...range }, config),
        { ...config, ...fast },
      ));
      ok(all.length > 0, "the organization has events");
      // Filters taken from the data itself, so the case does not depend on
      // what the emulator's sample contains.
      const pick = all[Math.floor(all.length / 2)];
      const filter = {
        actions: [pick.action],
        actor_ids: [pick.actor_id],
        actor_names: [pick.actor_name],
        targets: [targetTypes(pick)[0]],
      };
      // As the seed's JS reference spells it: Dates and snake_case lists.
      const created = await pkg.createExport({
        organizationId: org,
        rangeStart: range.rangeStart,
        rangeEnd: range.rangeEnd,
        ...filter,
      }, config);
      const rows = await readAll(
        pkg.exportRows(created, { ...config, ...fast }),
      );
      const expected = all.filter((r) =>
        r.action === pick.action && r.actor_id === pick.actor_id &&
        r.actor_name === pick.actor_name &&
        targetTypes(r).includes(filter.targets[0])
      );
      ok(rows.length > 0, "some rows match");
      const keys = (list) => list.map(rowKey).sort();
      deepEqual(keys(rows), keys(expected), "rows");
    },
  },
  {
    name: "getExport reads an export by id",
    async run({ pkg, org, config }) {
      const created = await pkg.createExport({
        organizationId: org,
        ...lastDays(3),
      }, config);
      const read = await pkg.getExport(created.id, config);
      equal(read.id, created.id, "id");
      equal(read.object, "audit_log_export", "object");
      ok(["pending", "ready"].includes(read.state), `state ${read.state}`);
    },
  },
  {
    name: "waitForExport polls until ready and returns a download url",
    async run({ pkg, org, config }) {
      const created = await pkg.createExport({
        organizationId: org,
        ...lastDays(3),
      }, config);
      const polled = [];
      const ready = await pkg.waitForExport(created, {
        ...config,
        ...fast,
        onPoll: (e) => polled.push(e.state),
      });
      equal(ready.id, created.id, "id");
      equal(ready.state, "ready", "state");
      equal(typeof ready.url, "string", "typeof url");
      ok(polled.length >= 1 && polled.at(-1) === "ready", `polls ${polled}`);
      // An export already ready is returned as is, without a request.
      equal(
        await pkg.waitForExport(ready, config),
        ready,
        "ready export returned as is",
      );
    },
  },
  {
    name: "downloadExport streams the CSV without sending the API key",
    async run({ pkg, org, config, since }) {
      const created = await pkg.createExport({
        organizationId: org,
        ...lastDays(30),
      }, config);
      const seen = await since();
      const stream = await pkg.downloadExport(created, { ...config, ...fast });
      const text = await new Response(stream).text();
      const header = text.slice(0, text.search(/\r?\n/));
      for (
        const column of [
          "action",
          "occurred_at",
          "actor_id",
          "context_location",
          "metadata",
          "target_id_1",
        ]
      ) {
        ok(
          header.split(",").includes(column),
          `header ${header} has ${column}`,
        );
      }
      const downloads = (await seen()).filter((r) =>
        !r.path.startsWith(EXPORTS)
      );
      equal(downloads.length, 1, "file requests");
      equal(
        downloads[0].authorization,
        false,
        "file request carried Authorization",
      );
    },
  },
  {
    name:
      "exportRows gives back exactly what was recorded (quotes, newlines, non-ASCII, formulas)",
    async run(t) {
      const { pkg, org, config } = t;
      const action = uniqueAction("values");
      const tricky = [
        'Søren "Sam" Kierkegaard',
        "李小龍 🚀",
        "line one\nline two\r\nline three",
        "=SUM(A1:A9)",
        'comma, and "quote"',
        "",
      ];
      await postEvents(
        t,
        tricky.map((name, i) => ({
          action,
          occurred_at: new Date(Date.now() - (i + 1) * 60_000).toISOString(),
          actor: { id: `user_conformance_${i}`, type: "user", name },
          targets: [{ id: `doc_${i}`, type: "document", name }],
          context: { location: "203.0.113.9", user_agent: name || "ua" },
          metadata: { note: name },
        })),
      );
      const created = await pkg.createExport({
        organizationId: org,
        ...lastDays(1),
        actions: [action],
      }, config);
      const rows = await readAll(
        pkg.exportRows(created.id, { ...config, ...fast }),
      );
      equal(rows.length, tricky.length, "rows");
      for (const row of rows) {
        for (
          const column of ["action", "occurred_at", "actor_id", "target_id_1"]
        ) {
          ok(column in row, `row has ${column}: ${Object.keys(row)}`);
        }
        const i = Number(row.actor_id.replace("user_conformance_", ""));
        equal(row.action, action, "action");
        equal(row.actor_name, tricky[i], "actor_name");
        equal(row.target_name_1, tricky[i], "target name");
        equal(row.context_user_agent, tricky[i] || "ua", "user agent");
        equal(JSON.parse(row.metadata).note, tricky[i], "metadata note");
      }
    },
  },
  {
    name:
      "exportRows parses RFC 4180 from a Response (BOM, quotes, CRLF, newlines)",
    async run({ pkg }) {
      const csv =
        '\uFEFFid,note\r\n1,"say ""hi"""\r\n2,"two\nlines"\n3,plain\r4,"a,b"';
      const rows = await readAll(pkg.exportRows(new Response(csv)));
      deepEqual(rows, [
        { id: "1", note: 'say "hi"' },
        { id: "2", note: "two\nlines" },
        { id: "3", note: "plain" },
        { id: "4", note: "a,b" },
      ], "rows");
    },
  },
  {
    name:
      "createExport over an empty period rejects with NoEventsError, a BadRequestError",
    async run({ pkg, testing, org, config, since }) {
      const check = (error, what) => {
        instanceOf(error, pkg.NoEventsError, what);
        instanceOf(error, pkg.BadRequestError, what);
        instanceOf(error, pkg.ApiError, what);
        instanceOf(error, pkg.AuditLogError, what);
        equal(error.name, "NoEventsError", `${what} name`);
        equal(error.status, 400, `${what} status`);
        equal(error.code, undefined, `${what} code`);
        ok(
          error.message.includes("No audit log events found"),
          `${what} message ${error.message}`,
        );
        ok(
          typeof error.requestId === "string" && error.requestId.length > 0,
          `${what} requestId`,
        );
      };
      // Over HTTP: a range with events, but none with this action.
      const seen = await since();
      check(
        await rejection(
          pkg.createExport({
            organizationId: org,
            ...lastDays(2),
            actions: [uniqueAction("never_recorded")],
          }, config),
          "createExport",
        ),
        "filters matching nothing",
      );
      const requests = await seen();
      equal(requests.length, 1, "attempts (a 400 is final)");
      // In-process: an organization with no events at all.
      const quiet = testing.createEmulator({
        organizations: ["org_quiet"],
        events: [],
        exportDelayMs: 0,
      });
      check(
        await rejection(
          pkg.createExport({ organizationId: "org_quiet", ...lastDays(30) }, {
            apiKey: quiet.apiKey,
            baseUrl: "https://emulator.invalid",
            fetch: (input, init) => quiet.fetch(input, init),
          }),
          "createExport",
        ),
        "an empty period",
      );
      equal(quiet.listExports().length, 0, "exports created");
    },
  },
  {
    name:
      "exportEvents reads the real layout from the header (targets from 0 or 1, any order, unknown columns in raw)",
    async run({ pkg }) {
      const q = (text) => `"${text.replaceAll('"', '""')}"`;
      // Targets numbered from 1, the columns in the order of real exports.
      const fromOne = [
        "action,occurred_at,actor_id,actor_type,actor_name,actor_metadata,context_location,context_user_agent,metadata,target_id_1,target_type_1,target_name_1,target_metadata_1,target_id_2,target_type_2,target_name_2,target_metadata_2",
        `user.signed_in,2026-11-02T09:30:00.000Z,user_1,user,Ada,${
          q('{"email":"ada@example.com"}')
        },203.0.113.7,curl/8.5.0,${
          q('{"mfa":true,"seats":3,"plan":"pro"}')
        },team_1,team,${q('Core, "A" team')},${
          q('{"tier":"gold"}')
        },doc_1,document,,`,
        "api_key.created,2026-11-02T10:00:00Z,key_1,api_key,,,198.51.100.1,,,,,,,,,,",
        "",
      ].join("\r\n");
      const one = await readAll(pkg.exportEvents(new Response(fromOne)));
      equal(one.length, 2, "events");
      for (const e of one) {
        instanceOf(e.occurredAt, Date, "occurredAt");
      }
      sameValue(one, [
        {
          action: "user.signed_in",
          occurredAt: "2026-11-02T09:30:00.000Z",
          actor: {
            id: "user_1",
            type: "user",
            name: "Ada",
            metadata: { email: "ada@example.com" },
          },
          targets: [
            {
              id: "team_1",
              type: "team",
              name: 'Core, "A" team',
              metadata: { tier: "gold" },
            },
            { id: "doc_1", type: "document" },
          ],
          context: { location: "203.0.113.7", userAgent: "curl/8.5.0" },
          metadata: { mfa: true, seats: 3, plan: "pro" },
          raw: {},
        },
        {
          action: "api_key.created",
          occurredAt: "2026-11-02T10:00:00.000Z",
          actor: { id: "key_1", type: "api_key" },
          targets: [],
          context: { location: "198.51.100.1" },
          raw: {},
        },
      ], "events from targets numbered from 1");
      equal(one[0].metadata.seats, 3, "JSON numbers stay numbers");

      // Targets numbered from 0, columns shuffled, unknown columns kept,
      // and the bytes split at awkward places.
      const fromZero = [
        "occurred_at,target_type_0,metadata,id,action,target_id_1,target_id_0,actor_type,actor_id,target_type_1,context_location,actor_name,target_name_0,export_raw",
        `2026-11-03T08:00:00+01:00,team,${
          q('{"n":1}')
        },evt_1,team.member_added,user_9,team_1,user,user_1,user,203.0.113.7,Ada,${
          q('Core "team"')
        },${q("a,b\nc")}`,
      ].join("\n");
      const bytes = new TextEncoder().encode(fromZero);
      const stream = new ReadableStream({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 7) {
            controller.enqueue(bytes.slice(i, i + 7));
          }
          controller.close();
        },
      });
      const zero = await readAll(pkg.exportEvents(stream));
      equal(zero.length, 1, "events");
      instanceOf(zero[0].occurredAt, Date, "occurredAt");
      equal(
        zero[0].occurredAt.getTime(),
        Date.UTC(2026, 10, 3, 7),
        "occurredAt instant",
      );
      sameValue(zero, [{
        action: "team.member_added",
        occurredAt: "2026-11-03T07:00:00.000Z",
        actor: { id: "user_1", type: "user", name: "Ada" },
        targets: [
          { id: "team_1", type: "team", name: 'Core "team"' },
          { id: "user_9", type: "user" },
        ],
        context: { location: "203.0.113.7" },
        metadata: { n: 1 },
        raw: { id: "evt_1", export_raw: "a,b\nc" },
      }], "events from targets numbered from 0");

      const broken = await rejection(
        readAll(pkg.exportEvents(
          new Response(
            "action,occurred_at\r\nuser.signed_in,2026-11-02T09:30:00Z\r\nuser.signed_out,yesterday\r\n",
          ),
        )),
        "a row without a parsable occurred_at",
      );
      instanceOf(broken, pkg.CsvParseError, "error");
      equal(broken.line, 3, "line");
    },
  },
  {
    name:
      "exportRows and exportEvents take export options: create, wait, download, parse; an empty period yields nothing",
    async run(t) {
      const { pkg, org, config, since } = t;
      const action = uniqueAction("options");
      const now = Date.now();
      const stored = [0, 1, 2].map((i) => ({
        action,
        occurred_at: new Date(now - (3 - i) * 60_000).toISOString(),
        actor: { id: `user_options_${i}`, type: "user", name: `User ${i}` },
        targets: [{ id: `team_${i}`, type: "team" }],
        context: { location: "203.0.113.5", user_agent: "conformance" },
        metadata: { i, mfa: i === 1 },
      }));
      await postEvents(t, stored);
      const options = {
        organizationId: org,
        rangeStart: new Date(now - DAY),
        rangeEnd: new Date(now),
        actions: [action],
      };
      const rows = await readAll(
        pkg.exportRows(options, { ...config, ...fast }),
      );
      deepEqual(
        rows.map((r) => r.actor_id),
        stored.map((e) => e.actor.id),
        "rows",
      );
      const created = await pkg.createExport(options, config);
      deepEqual(
        rows,
        await readAll(pkg.exportRows(created, { ...config, ...fast })),
        "the rows of the same export made by hand",
      );
      const events = await readAll(
        pkg.exportEvents(options, { ...config, ...fast }),
      );
      sameValue(
        events,
        stored.map((e) => ({
          action: e.action,
          occurredAt: e.occurred_at,
          actor: e.actor,
          targets: e.targets,
          context: {
            location: e.context.location,
            userAgent: e.context.user_agent,
          },
          metadata: e.metadata,
          raw: {},
        })),
        "events read back as written",
      );

      const seen = await since();
      const empty = { ...options, actions: [uniqueAction("options_none")] };
      deepEqual(
        await readAll(pkg.exportRows(empty, { ...config, ...fast })),
        [],
        "rows of an empty period",
      );
      deepEqual(
        await readAll(pkg.exportEvents(empty, { ...config, ...fast })),
        [],
        "events of an empty period",
      );
      deepEqual(
        (await seen()).map((r) => `${r.method} ${r.path}`),
        [`POST ${EXPORTS}`, `POST ${EXPORTS}`],
        "requests: one refused create each, nothing to wait for",
      );
    },
  },
  {
    name: "createClient binds the configuration to the six calls",
    async run({ pkg, org, config }) {
      const client = pkg.createClient(config);
      const created = await client.createExport({
        organizationId: org,
        ...lastDays(10),
      });
      const ready = await client.waitForExport(created, fast);
      equal(ready.state, "ready", "state");
      equal(
        (await client.getExport(created.id)).id,
        created.id,
        "getExport id",
      );
      const text = await new Response(await client.downloadExport(ready))
        .text();
      const rows = await readAll(client.exportRows(ready));
      ok(rows.length > 0, "rows");
      deepEqual(
        rows,
        await readAll(pkg.exportRows(new Response(text))),
        "rows of the same file",
      );
      const events = await readAll(client.exportEvents(ready));
      deepEqual(
        events.map((e) => [e.action, e.occurredAt.toISOString()]),
        rows.map((r) => [r.action, new Date(r.occurred_at).toISOString()]),
        "events of the same file",
      );
    },
  },
  {
    name:
      "invalid options: one ValidationError listing every issue, no request sent",
    async run({ pkg, config, since }) {
      const seen = await since();
      const error = await rejection(
        pkg.createExport({
          organizationId: "",
          rangeStart: "yesterday",
          rangeEnd: new Date(),
          actoins: ["user.signed_in"],
          actions: ["ok", 7],
        }, config),
        "createExport",
      );
      instanceOf(error, pkg.ValidationError, "error");
      instanceOf(error, pkg.AuditLogError, "error");
      instanceOf(error, Error, "error");
      equal(error.name, "ValidationError", "name");
      const paths = error.issues.map((i) => i.path);
      for (
        const path of ["organizationId", "rangeStart", "actoins", "actions.1"]
      ) {
        ok(
          paths.includes(path),
          `issues ${JSON.stringify(error.issues)} name ${path}`,
        );
      }
      for (const issue of error.issues) {
        equal(typeof issue.message, "string", "message");
      }
      const order = await rejection(
        pkg.createExport({
          organizationId: "org_1",
          rangeStart: "2026-02-01T00:00:00Z",
          rangeEnd: "2026-01-01T00:00:00Z",
        }, config),
        "reversed range",
      );
      instanceOf(order, pkg.ValidationError, "reversed range");
      deepEqual(
        order.issues.map((i) => i.path),
        ["rangeEnd"],
        "reversed range paths",
      );
      equal((await seen()).length, 0, "requests sent");
    },
  },
  {
    name: "a refused baseUrl or a missing export id is a ValidationError",
    async run({ pkg, org, apiKey, config, since }) {
      const seen = await since();
      const refused = await rejection(
        pkg.createExport({ organizationId: org, ...lastDays(1) }, {
          apiKey,
          baseUrl: "http://api.example.com",
        }),
        "plain http to a public host",
      );
      instanceOf(refused, pkg.ValidationError, "refused");
      deepEqual(refused.issues.map((i) => i.path), ["baseUrl"], "paths");
      const empty = await rejection(pkg.getExport("", config), "empty id");
      instanceOf(empty, pkg.ValidationError, "empty id");
      equal((await seen()).length, 0, "requests sent");
    },
  },
  {
    name:
      "an unknown organization is a NotFoundError with status and request id",
    async run({ pkg, apiKey, config }) {
      const error = await rejection(
        pkg.createExport({
          organizationId: "org_does_not_exist",
          ...lastDays(1),
        }, config),
        "createExport",
      );
      instanceOf(error, pkg.NotFoundError, "error");
      instanceOf(error, pkg.ApiError, "error");
      instanceOf(error, pkg.AuditLogError, "error");
      equal(error.status, 404, "status");
      equal(error.name, "NotFoundError", "name");
      ok(
        typeof error.requestId === "string" && error.requestId.length > 0,
        "requestId",
      );
      ok(
        error.message.includes("Organization not found"),
        `message ${error.message}`,
      );
      for (const text of [error.message, String(error), error.stack ?? ""]) {
        ok(!text.includes(apiKey), "the API key leaked into the error");
      }
    },
  },
  {
    name: "an unknown export id is a NotFoundError",
    async run({ pkg, config }) {
      const error = await rejection(
        pkg.getExport("audit_log_export_01NOPE", config),
        "getExport",
      );
      instanceOf(error, pkg.NotFoundError, "error");
      equal(error.status, 404, "status");
      ok(
        error.message.includes("Audit Log Export not found"),
        `message ${error.message}`,
      );
    },
  },
  {
    name: "an injected 503 is retried with the same Idempotency-Key",
    async run({ pkg, org, config, inject, since }) {
      await inject({ method: "POST", path: EXPORTS, status: 503, times: 1 });
      const seen = await since();
      const created = await pkg.createExport({
        organizationId: org,
        ...lastDays(2),
      }, config);
      equal(created.object, "audit_log_export", "object");
      const posts = (await seen()).filter((r) => r.method === "POST");
      equal(posts.length, 2, "attempts");
      ok(posts[0].idempotencyKey, "Idempotency-Key");
      equal(
        posts[1].idempotencyKey,
        posts[0].idempotencyKey,
        "Idempotency-Key on retry",
      );
    },
  },
  {
    name: "retries exhausted: the status's error class",
    async run({ pkg, org, config, inject, since }) {
      const created = await pkg.createExport({
        organizationId: org,
        ...lastDays(2),
      }, config);
      const path = `${EXPORTS}/${created.id}`;
      await inject({ method: "GET", path, status: 503, times: 2 });
      const seen = await since();
      const error = await rejection(
        pkg.getExport(created.id, { ...config, maxRetries: 1 }),
        "getExport",
      );
      instanceOf(error, pkg.InternalServerError, "error");
      equal(error.status, 503, "status");
      equal((await seen()).length, 2, "attempts");
    },
  },
  {
    name: "a 429 asking for a long wait is thrown at once as RateLimitError",
    async run({ pkg, org, config, inject, since }) {
      await inject({
        method: "POST",
        path: EXPORTS,
        status: 429,
        headers: { "retry-after": "120" },
      });
      const seen = await since();
      const started = Date.now();
      const error = await rejection(
        pkg.createExport({ organizationId: org, ...lastDays(2) }, config),
        "createExport",
      );
      instanceOf(error, pkg.RateLimitError, "error");
      equal(error.status, 429, "status");
      equal(error.retryAfter, 120, "retryAfter");
      equal(error.code, "rate_limit_exceeded", "code");
      equal((await seen()).length, 1, "attempts");
      ok(Date.now() - started < 5_000, "not slept");
    },
  },
  {
    name: "a dropped connection is retried",
    async run({ pkg, org, config, inject, since }) {
      const created = await exportWithFault(pkg, org, config, inject, {
        drop: true,
      });
      const seen = await since();
      const read = await pkg.getExport(created.id, config);
      equal(read.id, created.id, "id");
      equal((await seen()).length, 2, "attempts");
    },
  },
  {
    name: "an attempt that outlives timeout is a TimeoutError",
    async run({ pkg, org, config, inject }) {
      const created = await exportWithFault(pkg, org, config, inject, {
        hang: true,
      });
      const error = await rejection(
        pkg.getExport(created.id, { ...config, timeout: 150, maxRetries: 0 }),
        "getExport",
      );
      instanceOf(error, pkg.TimeoutError, "error");
      equal(error.timeout, 150, "timeout");
    },
  },
  {
    name: "an aborted signal rejects with its reason and sends nothing",
    async run({ pkg, org, config, since }) {
      const seen = await since();
      const reason = new Error("stop before starting");
      const controller = new AbortController();
      controller.abort(reason);
      const error = await rejection(
        pkg.createExport({ organizationId: org, ...lastDays(2) }, {
          ...config,
          signal: controller.signal,
        }),
        "createExport",
      );
      equal(error, reason, "rejection is the signal's reason");
      equal((await seen()).length, 0, "requests sent");
    },
  },
  {
    name:
      "aborting a request in flight rejects at once with the signal's reason",
    async run({ pkg, org, config, inject }) {
      const created = await exportWithFault(pkg, org, config, inject, {
        hang: true,
      });
      const controller = new AbortController();
      const reason = new Error("user cancelled");
      const started = Date.now();
      setTimeout(() => controller.abort(reason), 100);
      const error = await rejection(
        pkg.getExport(created.id, { ...config, signal: controller.signal }),
        "getExport",
      );
      equal(error, reason, "rejection is the signal's reason");
      ok(Date.now() - started < 5_000, "stopped at once");
    },
  },
  {
    name: "aborting a wait stops polling with the signal's reason",
    async run({ pkg, org, config }) {
      const created = await pkg.createExport({
        organizationId: org,
        ...lastDays(2),
      }, config);
      const controller = new AbortController();
      const reason = new Error("no longer needed");
      setTimeout(() => controller.abort(reason), 60);
      const error = await rejection(
        pkg.waitForExport(created, {
          ...config,
          ...fast,
          pollInterval: 10,
          signal: controller.signal,
        }),
        "waitForExport",
      );
      equal(error, reason, "rejection is the signal's reason");
    },
  },
  {
    name: "the testing entry's emulator runs in-process as a client's fetch",
    async run({ pkg, testing }) {
      if (!testing) {
        throw new AssertionError("the runner passed no testing entry");
      }
      const emulator = testing.createEmulator({ exportDelayMs: 0 });
      const config = {
        apiKey: emulator.apiKey,
        baseUrl: "https://emulator.invalid",
        fetch: (input, init) => emulator.fetch(input, init),
      };
      const created = await pkg.createExport(
        { organizationId: emulator.organizations[0], ...lastDays(30) },
        config,
      );
      const rows = await readAll(
        pkg.exportRows(created, { ...config, ...fast }),
      );
      ok(rows.length > 0, "rows");
      ok(Object.keys(rows[0]).length >= 5, "columns");
    },
  },
  {
    name:
      "archiveExports into a plain get/put store: a file per daily window and a checkpoint per organization, every event exactly once, a rerun writes nothing, a later run takes the next day",
    async run(t) {
      const { pkg, config, organizations } = t;
      // Not the first organization: other cases add events to it.
      const orgs = organizations.slice(1, 3);
      equal(orgs.length, 2, "organizations to archive");
      const from = startOfDay(Date.now()) - 4 * DAY;
      const end = from + 3 * DAY;
      for (const org of orgs) {
        await postEdgeEvents(t, org, from, from + DAY, end);
      }

      const store = memoryStore();
      const reported = [];
      const options = {
        organizationIds: orgs,
        store,
        from: new Date(from).toISOString(),
        // The default settle is an hour: the clock an hour past `end`
        // makes exactly the three days of [from, end) whole.
        now: () => end + HOUR,
        onWindow: (w) => reported.push(w.key),
      };
      const clientConfig = { ...config, ...fast };
      const result = await pkg.archiveExports(options, clientConfig);
      deepEqual(result.gaps, [], "gaps");
      ok(typeof result.durationMs === "number", "durationMs");

      const expected = orgs.flatMap((org) =>
        dailyWindows(from, end).map((w) =>
          windowKey(org, w.start, w.end, "csv")
        )
      );
      deepEqual(
        result.windows.map((w) => w.key).sort(),
        [...expected].sort(),
        "windows archived",
      );
      deepEqual([...reported].sort(), [...expected].sort(), "onWindow keys");
      // A store with only get and put holds its lock as a lease object,
      // marked released at the end of the run.
      deepEqual(
        [...store.objects.keys()].sort(),
        [
          ...expected,
          ...expected.map((k) => `${k}.digest.json`),
          ...orgs.map((org) => `${org}/checkpoint.json`),
          ...orgs.map((org) => `${org}/archive.lock`),
        ].sort(),
        "keys in the store",
      );
      const data = (k) => !k.endsWith(".lock");
      for (const org of orgs) {
        const mine = dailyWindows(from, end).map((w) =>
          windowKey(org, w.start, w.end, "csv")
        );
        // The settings are on record first; each file is stored, then its
        // digest, before the checkpoint moves past it.
        deepEqual(
          store.puts.filter((k) => k.startsWith(`${org}/`) && data(k)),
          [
            `${org}/checkpoint.json`,
            ...mine.flatMap((k) => [
              k,
              `${k}.digest.json`,
              `${org}/checkpoint.json`,
            ]),
          ],
          `${org} puts in order`,
        );
        const checkpoint = await store.get(`${org}/checkpoint.json`);
        const { head, ...settings } = JSON.parse(await checkpoint.text());
        sameValue(
          head.key,
          `${mine.at(-1)}.digest.json`,
          `${org} chain head`,
        );
        sameValue(
          settings,
          {
            organizationId: org,
            end: new Date(end).toISOString(),
            key: mine.at(-1),
            window: DAY,
            format: "csv",
          },
          `${org} checkpoint`,
        );
        const archived = [];
        for (
          const w of result.windows.filter((w) => w.organizationId === org)
        ) {
          equal(w.key, windowKey(org, w.start, w.end, "csv"), "window key");
          archived.push(
            ...await checkCsvWindow(pkg, w, store.objects.get(w.key)),
          );
        }
        deepEqual(
          archived.sort(),
          await storedEventKeys(t, org, from, end),
          `${org}: the events of [from, end), each once`,
        );
      }

      const written = store.puts.filter(data).length;
      const again = await pkg.archiveExports(options, clientConfig);
      deepEqual(again.windows, [], "windows of a rerun");
      deepEqual(again.gaps, [], "gaps of a rerun");
      equal(store.puts.filter(data).length, written, "puts of a rerun");

      const next = await pkg.archiveExports(
        { ...options, now: () => end + DAY + HOUR },
        clientConfig,
      );
      deepEqual(
        next.windows.map((w) => w.key).sort(),
        orgs.map((org) => windowKey(org, end, end + DAY, "csv")).sort(),
        "the next day's run archives the next day only",
      );
      for (const org of orgs) {
        const all = [];
        for (const key of [...store.objects.keys()].sort()) {
          if (!key.startsWith(`${org}/`) || !key.endsWith(".csv")) continue;
          const w = [...result.windows, ...next.windows].find((w) =>
            w.key === key
          );
          all.push(...await checkCsvWindow(pkg, w, store.objects.get(key)));
        }
        deepEqual(
          all.sort(),
          await storedEventKeys(t, org, from, end + DAY),
          `${org}: the events of [from, end + 1 day), each once`,
        );
        equal(
          JSON.parse(
            await (await store.get(`${org}/checkpoint.json`)).text(),
          ).end,
          new Date(end + DAY).toISOString(),
          `${org} checkpoint after the next day`,
        );
      }
      // A store that cannot list is verified along its digest chain.
      const proof = await pkg.verifyArchive({ store, organizationIds: orgs });
      equal(proof.ok, true, "verifyArchive of the plain store");
    },
  },
  {
    name:
      "directoryStore from audit-log-export/fs: window files and a readable checkpoint in a directory, no partial files left, a rerun through a new store writes nothing",
    needs: ["fs"],
    async run(t) {
      const { pkg, config, org, fs } = t;
      const dir = await fs.tempDir();
      try {
        // A root that does not exist yet: the store creates it.
        const root = fs.join(dir, "archive", "audit");
        const from = startOfDay(Date.now()) - 3 * DAY;
        const end = from + 2 * DAY;
        const options = {
          organizationId: org,
          from: new Date(from),
          now: () => end + HOUR,
          format: "ndjson",
        };
        const clientConfig = { ...config, ...fast };
        const result = await pkg.archiveExports(
          { ...options, store: fs.entry.directoryStore(root) },
          clientConfig,
        );
        deepEqual(result.gaps, [], "gaps");
        const keys = dailyWindows(from, end).map((w) =>
          windowKey(org, w.start, w.end, "ndjson")
        );
        deepEqual(result.windows.map((w) => w.key), keys, "windows archived");
        const checkpointKey = `${org}/checkpoint.json`;
        deepEqual(
          (await fs.files(root)).sort(),
          [...keys, ...keys.map((k) => `${k}.digest.json`), checkpointKey]
            .sort(),
          "files under the root (nothing partial)",
        );
        const before = new Map();
        for (const file of await fs.files(root)) {
          before.set(file, await fs.read(fs.join(root, ...file.split("/"))));
        }
        const archived = [];
        for (const w of result.windows) {
          const text = before.get(w.key);
          equal(new TextEncoder().encode(text).byteLength, w.bytes, "bytes");
          archived.push(...checkNdjsonWindow(w, text));
        }
        deepEqual(
          archived.sort(),
          await storedEventKeys(t, org, from, end),
          "the events of [from, end), each once",
        );
        const { head, ...settings } = JSON.parse(before.get(checkpointKey));
        sameValue(head.key, `${keys.at(-1)}.digest.json`, "chain head");
        sameValue(
          settings,
          {
            organizationId: org,
            end: new Date(end).toISOString(),
            key: keys.at(-1),
            window: DAY,
            format: "ndjson",
          },
          "checkpoint",
        );

        // A new store on the same directory, as the next run of a cron job.
        const reopened = fs.entry.directoryStore(root);
        const read = await reopened.get(checkpointKey);
        equal(
          typeof read === "string" ? read : await read.text(),
          before.get(checkpointKey),
          "the checkpoint read through the store",
        );
        ok(
          (await reopened.get(`${org}/no-such-object.json`)) == null,
          "a missing key reads as nothing",
        );
        const again = await pkg.archiveExports(
          { ...options, store: reopened },
          clientConfig,
        );
        deepEqual(again.windows, [], "windows of a rerun");
        const after = new Map();
        for (const file of await fs.files(root)) {
          after.set(file, await fs.read(fs.join(root, ...file.split("/"))));
        }
        deepEqual([...after], [...before], "files after a rerun");

        const escape = await rejection(
          reopened.put("../outside.json", new Uint8Array([123, 125])),
          "a key leaving the root",
        );
        instanceOf(escape, TypeError, "a key leaving the root");
        deepEqual(
          (await fs.files(dir)).filter((f) => !f.startsWith("archive/audit/")),
          [],
          "files outside the root",
        );
      } finally {
        await fs.remove(dir);
      }
    },
  },
  {
    name:
      "audit-log-export/fs where there is no file system: it bundles, and directoryStore throws an error that points at an R2 binding instead",
    needs: ["edge-fs"],
    run({ edgeFs }) {
      equal(typeof edgeFs.directoryStore, "function", "directoryStore");
      let error;
      try {
        edgeFs.directoryStore("/var/lib/audit-archive");
      } catch (e) {
        error = e;
      }
      instanceOf(error, Error, "directoryStore()");
      for (const words of ["file system", "R2 bucket binding", "env.BUCKET"]) {
        ok(error.message.includes(words), `message ${error.message}`);
      }
    },
  },
];

/**
 * The cases a runner runs, given what it can provide (`["fs"]` on Deno,
 * Node and Bun; `["edge-fs"]` in a worker or an edge function). The matrix
 * counts with it.
 *
 * @param {string[]} provides
 */
export const casesFor = (provides) =>
  cases.filter((c) => (c.needs ?? []).every((n) => provides.includes(n)));

// --- the runner side -------------------------------------------------------

/**
 * One case's outcome, as the runners report it.
 *
 * @typedef {{ name: string, ok: boolean, ms: number, error?: string }} CaseResult
 */

function describe(error) {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}${
      error.stack ? `\n${error.stack}` : ""
    }`;
  }
  return String(error);
}

/**
 * Registers (or runs) every case with the runtime's `test` function.
 *
 * @param {object} options
 * @param {(name: string, fn: () => Promise<void>) => unknown} options.test
 *   registers a case (bun:test, Deno.test) or runs it (t.test, t.step); a
 *   returned promise is awaited, so cases run one at a time.
 * @param {typeof import("audit-log-export")} options.pkg  the package, imported by name
 * @param {typeof import("audit-log-export/testing")} [options.testing]  its testing entry
 * @param {string} options.baseUrl  the emulator served by {@link serveForSuite}
 * @param {FsHost} [options.fs]  a directory to work in, for cases that need `"fs"`
 * @param {typeof import("audit-log-export/fs")} [options.edgeFs]  `./fs` as a worker gets it, for cases that need `"edge-fs"`
 * @param {CaseResult[]} [options.results]  collects outcomes
 * @param {string} [options.only]  run only cases whose name contains this
 */
export async function runSuite(
  { test, pkg, testing, baseUrl, fs, edgeFs, results = [], only },
) {
  let context;
  const contextFor = () => {
    if (!context) {
      context = controlCall(baseUrl, "info").then(
        ({ apiKey, organizations }) => {
          const requests = () => controlCall(baseUrl, "requests");
          return {
            pkg,
            testing,
            baseUrl,
            apiKey,
            org: organizations[0],
            organizations,
            config: { apiKey, baseUrl },
            fs,
            edgeFs,
            inject: (fault) => controlCall(baseUrl, "inject", fault),
            requests,
            since: async () => {
              const before = (await requests()).length;
              return async () => (await requests()).slice(before);
            },
            events: (organization) =>
              controlCall(
                baseUrl,
                `events?organization=${encodeURIComponent(organization)}`,
              ),
          };
        },
      );
    }
    return context;
  };
  const provides = [fs && "fs", edgeFs && "edge-fs"].filter(Boolean);
  await runRecorded({
    test,
    cases: casesFor(provides).filter((c) => !only || c.name.includes(only)),
    context: contextFor,
    results,
  });
  return results;
}

/**
 * Runs `cases` in order through the runtime's `test`, recording each
 * outcome in `results`, with the error and its stack when one failed.
 *
 * @template C
 * @param {object} options
 * @param {(name: string, fn: () => Promise<void>) => unknown} options.test
 * @param {Array<{ name: string, run: (context: C) => Promise<void> }>} options.cases
 * @param {C | (() => Promise<C>)} options.context  the context, or a function that makes it
 * @param {CaseResult[]} options.results
 */
export async function runRecorded({ test, cases, context, results }) {
  for (const c of cases) {
    await test(c.name, async () => {
      const started = Date.now();
      try {
        await c.run(
          typeof context === "function" ? await context() : context,
        );
        results.push({ name: c.name, ok: true, ms: Date.now() - started });
      } catch (error) {
        results.push({
          name: c.name,
          ok: false,
          ms: Date.now() - started,
          error: describe(error),
        });
        throw error;
      }
    });
  }
}

/**
 * Runs every case without a test framework (inside a worker or an edge VM)
 * and returns the outcomes.
 *
 * @param {Omit<Parameters<typeof runSuite>[0], "test" | "results">} options
 * @returns {Promise<CaseResult[]>}
 */
export async function runCases(options) {
  const results = [];
  await runSuite({
    ...options,
    results,
    test: async (_name, fn) => {
      try {
        await fn();
      } catch {
        // recorded in results
      }
    },
  });
  return results;
}
