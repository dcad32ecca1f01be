/**
 * Row 1's section of `BENCHMARKS.md`: the edge bundle sizes, the npm
 * tarball, and their targets.
 *
 * @module
 */

import { EDGE_APPS, type EdgeApp, type TarballSize } from "../bundles.ts";
import {
  bytes,
  fmt,
  notesBlock,
  pct,
  table,
  times,
  verdict,
} from "./format.ts";
import type { Results, Section, TargetRow } from "./results.ts";

/** Row 1's targets. */
export const BUNDLE_TARGETS = {
  /** Bytes, min+gzip, of an app that calls only `createExport`. */
  createExportGzip: 5_500,
  /** Bytes, min+gzip, of an app that uses the whole client. */
  wholeClientGzip: 8_000,
  /** How many times smaller than the official SDK's the `createExport` app is. */
  smallerThanSdk: 10,
  /** Bytes of the npm tarball (gzip), everything it ships included. */
  tarballPacked: 100_000,
} as const;

/**
 * The npm tarball's part of row 1: its target line, its table (what each
 * part weighs), and a note when the target is missed or it was not built.
 */
export function renderTarball(
  t: TarballSize | { error: string },
): { target: TargetRow; text: string; note?: string } {
  const what = "npm tarball (`npm pack`), packed";
  const limit = `≤ ${bytes(BUNDLE_TARGETS.tarballPacked)}`;
  if ("error" in t) {
    const reason = t.error.split("\n")[0];
    return {
      target: ["1", what, "not measured", limit, "–"],
      text:
        `The npm package could not be built, so it was not measured: ${reason}`,
      note: `- **Not measured:** the npm tarball (${reason}).`,
    };
  }
  const met = t.packed <= BUNDLE_TARGETS.tarballPacked;
  const rows = [
    ...t.parts.map((p) => [
      `\`${p.name}\``,
      fmt(p.files),
      bytes(p.unpacked),
      bytes(p.gzip),
      pct(p.gzip / t.packed),
    ]),
    [
      "**tarball**",
      fmt(t.files),
      `**${bytes(t.unpacked)}**`,
      `**${bytes(t.packed)}**`,
      "100%",
    ],
  ];
  const text = `The npm package as \`npm pack\` makes it from \`npm/\` (built by
\`scripts/build_npm.ts\`): packed is the gzipped tarball a user downloads,
unpacked what lands in \`node_modules\`. A part's gzip is its files
compressed as one stream, about its share of the tarball.

${
    table(
      ["part", "files", "unpacked", "gzip", "share of packed"],
      rows,
    )
  }`;
  const largest = t.parts.slice(0, 4).map((p) =>
    `\`${p.name}\` ${bytes(p.gzip)}`
  ).join(", ");
  return {
    target: ["1", what, bytes(t.packed), limit, verdict(met)],
    text,
    note: met
      ? undefined
      : `- **Missed:** the npm tarball is ${bytes(t.packed)} packed (${
        bytes(t.unpacked)
      } unpacked), ${pct(t.packed / BUNDLE_TARGETS.tarballPacked - 1)} over ${
        bytes(BUNDLE_TARGETS.tarballPacked)
      }. Largest parts, gzipped: ${largest}.`,
  };
}

/** Row 1: the table of edge bundles, its targets, and why any is missed. */
export function renderBundles(r: Results): Section {
  const targets: TargetRow[] = [];
  const e = r.builds.edge;
  const sdk = e.sdk.gzip;
  const rows = (Object.keys(EDGE_APPS) as EdgeApp[]).map((k) => [
    EDGE_APPS[k].label,
    fmt(e[k].minified),
    fmt(e[k].gzip),
    bytes(e[k].gzip),
    k === "sdk" ? "–" : bytes(e[k].gzipWithoutValibot),
    times(sdk / e[k].gzip, 1),
  ]);
  const ce = e.createExport.gzip;
  const wc = e.wholeClient.gzip;
  const smaller = sdk / ce;
  targets.push(
    [
      "1",
      "`createExport` app, min+gzip",
      bytes(ce),
      `≤ ${bytes(BUNDLE_TARGETS.createExportGzip)}`,
      verdict(ce <= BUNDLE_TARGETS.createExportGzip),
    ],
    [
      "1",
      "whole-client app, min+gzip",
      bytes(wc),
      `≤ ${bytes(BUNDLE_TARGETS.wholeClientGzip)}`,
      verdict(wc <= BUNDLE_TARGETS.wholeClientGzip),
    ],
    [
      "1",
      "`createExport` app vs the official SDK's",
      `${times(smaller, 1)} smaller`,
      `≥ ${BUNDLE_TARGETS.smallerThanSdk}× smaller`,
      verdict(smaller >= BUNDLE_TARGETS.smallerThanSdk),
    ],
  );
  const tarball = renderTarball(r.builds.tarball);
  targets.push(tarball.target);
  const parts = (k: EdgeApp) =>
    e[k].inputs.slice(0, 6).map(([name, n]) =>
      `\`${name}\` ${fmt(n)} (${pct(n / e[k].minified)})`
    ).join(", ");
  const notes: string[] = [];
  if (
    ce > BUNDLE_TARGETS.createExportGzip ||
    smaller < BUNDLE_TARGETS.smallerThanSdk
  ) {
    const needed = Math.min(
      BUNDLE_TARGETS.createExportGzip,
      sdk / BUNDLE_TARGETS.smallerThanSdk,
    );
    notes.push(
      `- **Missed:** the \`createExport\` app is ${bytes(ce)} gzipped, ${
        pct(ce / needed - 1)
      } over the ${bytes(needed)} that both targets need (≤ ${
        bytes(BUNDLE_TARGETS.createExportGzip)
      } and ≤ 1/${BUNDLE_TARGETS.smallerThanSdk} of the SDK's ${
        bytes(sdk)
      }). ` +
        `Minified bytes by input: ${parts("createExport")}. ` +
        (e.createExport.gzipWithoutValibot > needed
          ? `Without valibot (left external) it is still ${
            bytes(e.createExport.gzipWithoutValibot)
          }, so the package's own code (messages, error classes, transport) ` +
            `has to shrink as well as the valibot schemas. `
          : `Without valibot (left external) it is ${
            bytes(e.createExport.gzipWithoutValibot)
          }: dropping the valibot schemas alone would be enough. `) +
        `The floor (a valibot check and one POST) is ${bytes(e.floor.gzip)}.`,
    );
  }
  if (wc > BUNDLE_TARGETS.wholeClientGzip) {
    notes.push(
      `- **Missed:** the whole-client app is ${bytes(wc)} gzipped, ${
        pct(wc / BUNDLE_TARGETS.wholeClientGzip - 1)
      } over ${bytes(BUNDLE_TARGETS.wholeClientGzip)} (${
        bytes(e.wholeClient.gzipWithoutValibot)
      } without valibot). Minified bytes by input: ${parts("wholeClient")}.`,
    );
  }
  if (tarball.note) notes.push(tarball.note);
  return {
    targets,
    text: `## 1. Bundle size (edge) and npm tarball

esbuild ${r.machine.packages.esbuild}, \`--bundle --minify --format=esm --conditions=workerd,worker --platform=neutral\`
(\`mainFields: module,main\`, target es2022), gzip level 9, of four small
Workers-style apps (\`scripts/bench/apps/\`) that all make the seed's
\`createExport\` call. The SDK resolves to its \`workerd\` build
(\`lib/index.worker.mjs\`). 1 KB = 1,000 bytes.

${
      table(
        [
          "app",
          "minified (B)",
          "min+gzip (B)",
          "min+gzip",
          "min+gzip without valibot",
          "SDK ÷ this",
        ],
        rows,
      )
    }

${tarball.text}
${notesBlock(notes)}`,
  };
}
