/**
 * A small export file whose summary is known exactly, shared by the
 * `summary` tests and the screen tests.
 *
 * @module
 */

const HEADER =
  "action,occurred_at,actor_id,actor_type,actor_name,actor_metadata,context_location,context_user_agent,metadata,target_id_1,target_type_1,target_name_1,target_metadata_1";

/** Twelve events over 2026-08-01 to 2026-08-04 (none on the 3rd): 5, 1, 0, 6 a day. */
const SAMPLE: [string, string, string, string][] = [
  ["user.signed_in", "2026-08-01T08:00:00Z", "user_ada", "team"],
  ["user.signed_in", "2026-08-01T09:00:00Z", "user_ada", "team"],
  ["document.updated", "2026-08-01T10:00:00Z", "user_lin", "document"],
  ["user.signed_in", "2026-08-01T11:00:00Z", "user_zoe", "team"],
  ["document.updated", "2026-08-01T12:00:00Z", "user_ada", "document"],
  ["team.member_added", "2026-08-02T08:30:00Z", "user_lin", "team"],
  ["user.signed_in", "2026-08-04T07:00:00Z", "user_ada", "team"],
  ["user.signed_in", "2026-08-04T08:00:00Z", "user_ada", "team"],
  ["document.updated", "2026-08-04T09:00:00Z", "user_lin", "document"],
  ["user.signed_in", "2026-08-04T10:00:00Z", "user_zoe", "team"],
  ["document.updated", "2026-08-04T11:00:00Z", "user_ada", "document"],
  ["team.member_added", "2026-08-04T23:59:59Z", "user_ada", "team"],
];

/** The sample as an export's CSV. */
export const SAMPLE_CSV = [
  HEADER,
  ...SAMPLE.map(([action, at, actor, type], i) =>
    `${action},${at},${actor},user,,,203.0.113.7,,,${type}_${i},${type},,`
  ),
].join("\n") + "\n";

/** The sample's summary as `--json` prints it. */
export const SAMPLE_SUMMARY = {
  events: 12,
  first: "2026-08-01T08:00:00.000Z",
  last: "2026-08-04T23:59:59.000Z",
  actions: [["user.signed_in", 6], ["document.updated", 4], [
    "team.member_added",
    2,
  ]],
  actors: [["user_ada", 7], ["user_lin", 3], ["user_zoe", 2]],
  targetTypes: [["team", 8], ["document", 4]],
  perDay: [["2026-08-01", 5], ["2026-08-02", 1], ["2026-08-04", 6]],
  daysPerEntry: 1,
  exact: { actions: true, actors: true, targetTypes: true },
};
