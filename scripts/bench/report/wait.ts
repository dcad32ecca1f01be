/**
 * Row 5's section of `BENCHMARKS.md`: polls and detection delay of
 * `waitForExport` against a fixed 1 s loop, and their targets.
 *
 * @module
 */

import {
  fmt,
  ms,
  notesBlock,
  pct,
  plural,
  sec,
  table,
  verdict,
} from "./format.ts";
import type { Results, Section, TargetRow } from "./results.ts";

/** Row 5's targets. */
export const WAIT_TARGETS = {
  /** Detection delay at most this share of the time-to-ready. */
  detection: 0.25,
  /** "Far fewer" requests: at most this share of the fixed loop's. */
  fewerPolls: 0.5,
} as const;

/**
 * The fewest polls any waiter needs to see an export that turns ready after
 * `readyMs`, if its polls are at least `minMs` apart (the 1 s the fixed loop
 * and `pollInterval` use) and it must keep the delay within `share` of the
 * time-to-ready wherever that falls: each poll at most `1 + share` times
 * later than the one before, or `minMs` later while that is more.
 */
export function fewestPolls(readyMs: number, minMs = 1_000, share = 0.25) {
  let polls = 1;
  for (let t = minMs; t < readyMs; polls++) {
    t = Math.max(t + minMs, t * (1 + share));
  }
  return polls;
}

/** Row 5: the table of waits, its targets, and why any is missed. */
export function renderWait(r: Results): Section {
  const targets: TargetRow[] = [];
  const rows = r.wait.map((w) => [
    sec(w.readyAfterMs),
    fmt(w.ours.polls),
    fmt(w.fixed.polls),
    pct(w.ours.polls / w.fixed.polls),
    fmt(fewestPolls(w.readyAfterMs)),
    ms(w.ours.detectionMs, 0),
    pct(w.ours.detectionMs / w.readyAfterMs, 1),
    ms(w.fixed.detectionMs, 0),
    pct(w.fixed.detectionMs / w.readyAfterMs, 1),
  ]);
  const notes: string[] = [];
  const late = r.wait.filter((w) =>
    w.ours.detectionMs / w.readyAfterMs > WAIT_TARGETS.detection
  );
  targets.push([
    "5",
    "`waitForExport` detection delay",
    r.wait.map((w) =>
      `${pct(w.ours.detectionMs / w.readyAfterMs, 1)} at ${sec(w.readyAfterMs)}`
    ).join(", "),
    `≤ ${pct(WAIT_TARGETS.detection)} of time-to-ready`,
    verdict(late.length === 0),
  ]);
  if (late.length) {
    notes.push(
      `- **Missed (delay) at ${
        late.map((w) => sec(w.readyAfterMs)).join(", ")
      }:** ` +
        late.map((w) =>
          `${ms(w.ours.detectionMs, 0)} late (${
            pct(w.ours.detectionMs / w.readyAfterMs, 1)
          }, the 1 s loop ${pct(w.fixed.detectionMs / w.readyAfterMs, 1)})`
        ).join("; ") +
        ". With polls at least 1 s apart (the default \`pollInterval\`), " +
        "an export that turns ready just after a poll is seen up to 1 s " +
        "later, which is more than 25% of any time-to-ready under 4 s.",
    );
  }
  const many = r.wait.filter((w) =>
    w.ours.polls / w.fixed.polls > WAIT_TARGETS.fewerPolls
  );
  targets.push([
    "5",
    "`waitForExport` requests vs the 1 s loop",
    r.wait.map((w) =>
      `${w.ours.polls} vs ${w.fixed.polls} at ${sec(w.readyAfterMs)}`
    ).join(", "),
    `far fewer (≤ ${pct(WAIT_TARGETS.fewerPolls)})`,
    verdict(many.length === 0),
  ]);
  if (many.length) {
    notes.push(
      `- **Missed (requests) at ${
        many.map((w) => sec(w.readyAfterMs)).join(", ")
      }:** ` +
        many.map((w) =>
          `${plural(w.ours.polls, "poll")} against ${w.fixed.polls}, where ${
            fewestPolls(w.readyAfterMs)
          } is the fewest possible`
        ).join("; ") +
        ". The two targets conflict on short waits: a waiter whose polls " +
        "are at least 1 s apart and that keeps the delay within 25% " +
        "wherever the export turns ready may let each poll come at most " +
        "1.25× later than the one before, so it needs the polls in the " +
        '"fewest possible" column; that is about as many as a 1 s loop ' +
        "makes until some 10 s, and far fewer only beyond.",
    );
  }
  return {
    targets,
    text: `## 5. Waiting for an export

Real time, not simulated: one \`serveEmulator({ exportDelayMs, rateLimit: false })\`
per time-to-ready, and on each, at the same time, \`createExport\` +
\`waitForExport\` with default options (first poll after \`pollInterval\` 1 s,
then every quarter of the time waited, at most \`maxPollInterval\` 10 s)
against a hand-written loop that sleeps 1 s and GETs until ready. Polls are
the \`GET /audit_logs/exports/{id}\` requests the emulator recorded; the
detection delay runs from the emulator's ready time (\`createdAt +
exportDelayMs\`) to the waiter returning. All cases run concurrently (with rows 1
and 4), so the longest bounds the wall time. "Fewest possible" is the
least number of polls of any schedule with polls at least 1 s apart that
keeps the delay within 25% wherever the export turns ready (from 4 s on).

${
      table([
        "ready after",
        "ours: polls",
        "1 s loop: polls",
        "ours ÷ loop",
        "fewest possible",
        "ours: delay",
        "ours: delay ÷ time-to-ready",
        "1 s loop: delay",
        "1 s loop: delay ÷ time-to-ready",
      ], rows)
    }
${notesBlock(notes)}`,
  };
}
