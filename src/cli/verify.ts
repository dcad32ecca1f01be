/**
 * `verify`: `verifyArchive` over a directory or a bucket, for a cron job
 * or an auditor. A line per problem on stderr, so a person sees what to
 * look at; a summary line per organization; the whole report with
 * `--json`. Exit 0 when clean, 4 when the archive is not as it was
 * written, 3 when its only problem is an open gap (the code `archive`
 * gives a gap).
 *
 * @module
 */

import {
  type OrganizationVerification,
  verifyArchive,
  type VerifyProgress,
} from "../../mod.ts";
import { type CommandContext, type Context, printJson } from "./context.ts";
import { readKeyFile } from "./key_file.ts";
import { EXIT } from "./report.ts";
import {
  archiveLocation,
  holdsAnything,
  type ListableStore,
  organizationsIn,
} from "./store_flags.ts";
import { UsageError } from "./errors.ts";
import { printable, resolveTime, splitValues } from "./values.ts";

/** One line of the problem list: what kind, which object, and why. */
interface Problem {
  kind: string;
  key: string;
  reason?: string;
}

/** The kind of every problem an organization's report holds, in one list. */
function problemsOf(v: OrganizationVerification): Problem[] {
  const iso = (d: Date) => d.toISOString();
  return [
    ...v.missingWindows.map((m) => ({
      kind: "missing window",
      key: m.key,
      reason: `${iso(m.start)} → ${iso(m.end)} has no file`,
    })),
    ...v.modified.map((p) => ({ kind: "modified", ...p })),
    ...v.withoutDigest.map((key) => ({ kind: "without digest", key })),
    ...v.digestsWithoutFile.map((key) => ({
      kind: "digest without file",
      key,
    })),
    ...v.chainBreaks.map((p) => ({ kind: "chain break", ...p })),
    ...v.badSignatures.map((p) => ({ kind: "bad signature", ...p })),
    ...v.gaps.filter((g) => g.acceptedAt === undefined).map((g) => ({
      kind: "open gap",
      key: v.organizationId,
      reason: `${iso(g.from)} → ${iso(g.to)} (found ${
        iso(g.detectedAt)
      }) is no longer exported by WorkOS; archive --accept-gaps acknowledges it`,
    })),
  ];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The summary line of one organization. */
function summaryLine(v: OrganizationVerification, problems: Problem[]): string {
  const checked = `${plural(v.windowsChecked, "window")}, ${
    plural(v.filesChecked, "file")
  } checked${v.signaturesChecked ? ", signatures checked" : ""}`;
  if (problems.length === 0) return `${v.organizationId}: ok: ${checked}`;
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const listed = [...counts].map(([kind, n]) => `${n} ${kind}`).join(", ");
  return `${v.organizationId}: FAILED: ${listed}; ${checked}`;
}

/** Notes that are not problems: a stopped run's files, acknowledged gaps. */
function notes(ctx: Context, v: OrganizationVerification): void {
  if (v.pending.length > 0) {
    ctx.progress.done(
      `note: ${v.organizationId}: ${
        plural(v.pending.length, "file")
      } past the checkpoint, from a run that stopped before it moved; the next archive run takes them up`,
    );
  }
  const accepted = v.gaps.filter((g) => g.acceptedAt !== undefined).length;
  if (accepted > 0) {
    ctx.progress.done(
      `note: ${v.organizationId}: ${
        plural(accepted, "acknowledged gap")
      } on record in its gaps ledger`,
    );
  }
}

/** `--from` and `--to` as instants, checked against each other. */
export function spanOf(
  ctx: Context<{ from: "string"; to: "string" }>,
  defaults: { from?: string; to?: string } = {},
): { from?: string; to?: string } {
  const { args, spec, io } = ctx;
  const now = io.now();
  const time = (flag: "from" | "to") => {
    const text = args.string(flag) ?? defaults[flag];
    return text === undefined ? undefined : resolveTime(flag, text, now, spec);
  };
  const from = time("from");
  const to = time("to");
  if (from !== undefined && to !== undefined && from >= to) {
    throw new UsageError({
      message:
        `--from ${from} is not before --to ${to}: the span [--from, --to) would be empty`,
      command: spec,
    });
  }
  return { from, to };
}

/** The organizations to verify: those given, or every one in the store. */
async function organizations(
  ctx: CommandContext<"verify">,
  store: ListableStore,
): Promise<string[]> {
  const given = splitValues("org", ctx.args.list("org"), ctx.spec);
  return given.length > 0 ? given : await organizationsIn(store);
}

/** Runs `verify` and returns its exit code. */
export async function runVerify(
  ctx: CommandContext<"verify">,
): Promise<number> {
  const { args, io } = ctx;
  const span = spanOf(ctx);
  const publicKey = await readKeyFile(
    ctx,
    "public-key",
    args.string("public-key"),
    true,
  );
  const location = await archiveLocation(ctx, { existing: true });
  const organizationIds = await organizations(ctx, location.store);
  if (organizationIds.length === 0) {
    io.stderr(
      `nothing archived: ${printable(location.label)} holds no organization\n`,
    );
    if (ctx.json) await printJson(ctx, { ok: false, organizations: [] });
    return EXIT.verify;
  }
  const report = await verifyArchive({
    store: location.store,
    organizationIds,
    ...span,
    ...(publicKey ? { publicKey } : {}),
    // On a terminal, the files hashed of the organization at work.
    ...(ctx.terminal.tty
      ? {
        onFile: ({ organizationId, done, total }: VerifyProgress) =>
          ctx.progress.count({
            label: organizationId,
            done,
            total,
            unit: "files",
          }),
      }
      : {}),
  });
  let failed = false;
  let gapped = false;
  for (const v of report.organizations) {
    const problems = problemsOf(v);
    // A clean report of an organization the archive has nothing of is
    // most likely a typo in --org, not a clean archive.
    if (
      problems.length === 0 && v.filesChecked === 0 &&
      !(await holdsAnything(location.store, v.organizationId))
    ) {
      problems.push({
        kind: "nothing archived",
        key: v.organizationId,
        reason: `${printable(location.label)} holds nothing of it`,
      });
      v.ok = false;
      report.ok = false;
    }
    for (const p of problems) {
      io.stderr(
        `${p.kind}: ${printable(p.key)}${
          p.reason ? `: ${printable(p.reason)}` : ""
        }\n`,
      );
      if (p.kind === "open gap") gapped = true;
      else failed = true;
    }
    notes(ctx, v);
    ctx.progress.done(printable(summaryLine(v, problems)));
  }
  if (ctx.json) await printJson(ctx, report);
  return failed ? EXIT.verify : gapped ? EXIT.gap : EXIT.ok;
}
