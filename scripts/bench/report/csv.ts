/**
 * Row 4's section of `BENCHMARKS.md`: CSV throughput and memory, and their
 * targets.
 *
 * @module
 */

import {
  bytes,
  fmt,
  notesBlock,
  pct,
  signedPct,
  table,
  times,
  verdict,
} from "./format.ts";
import type { Results, Section, TargetRow } from "./results.ts";
import type { OutputCheck, ParserResult } from "../csv.ts";

/** Row 4's targets. */
export const CSV_TARGETS = {
  /** `exportRows` throughput at least this many times `csv-parse`'s. */
  csvVsCsvParse: 1,
  /** `exportRows` throughput at least this many times uDSV's `chunk()`'s, per runtime. */
  rowsVsUdsv: 1,
  /** `exportEvents` time at most this many times `exportRows`'s. */
  eventsVsRows: 1.5,
  /** Peak RSS growth from the small file to the large one, either way. */
  memoryGrowth: 0.10,
} as const;

/** How a variant's cells compared with the reference's, for the throughput table. */
function cells(x: ParserResult, reference: string): string {
  // `exportEvents` builds events, not rows: it is held to the two cells each
  // timed round compares, and the run fails if they differ.
  if (x.parser === "events") return "two per row: equal";
  if (!x.output) return "–";
  if (x.parser === reference) return "reference";
  return x.output.differingRows === 0
    ? "✅ equal"
    : `❌ ${fmt(x.output.differingRows)} of ${fmt(x.output.rows)} rows differ`;
}

const quoted = (cell: string | null) =>
  cell === null ? "no cell" : `\`${JSON.stringify(cell)}\``;

/**
 * What differs in one parser's output: when every difference is the
 * reference's cell with a line feed in front, and as many rows differ as
 * there are reads that end between a row's CR and its LF, that is said
 * with the count; otherwise the first differing cells are listed.
 */
function outputNote(
  labels: string,
  output: OutputCheck,
  reference: string,
  crlfEdges: number,
): string {
  const d = output.differences;
  const rowsShown = new Set(d.map((x) => x.row)).size;
  const example = (x: OutputCheck["differences"][number]) =>
    `row ${fmt(x.row)}, \`${x.column}\`: ${
      quoted(x.actual)
    } where ${reference} reads ${quoted(x.expected)}`;
  const head = `- **Output (${labels}):** ${fmt(output.differingRows)} of ${
    fmt(output.rows)
  } rows differ from ${reference}'s.`;
  const leadingLf = d.length > 0 &&
    rowsShown === output.differingRows &&
    d.length === rowsShown &&
    d.every((x) => x.expected !== null && x.actual === `\n${x.expected}`);
  if (leadingLf && crlfEdges === output.differingRows) {
    const columns = [...new Set(d.map((x) => `\`${x.column}\``))];
    return `${head} In each, one cell (${
      columns.join(", ")
    }) starts with a line feed that is not in the file's cell, e.g. ${
      example(d[0])
    }. There are as many places (${
      fmt(crlfEdges)
    }) where a 64 KiB read ends between the CR and the LF that end a row: ` +
      `\`chunk()\` ends the row at the CR and leaves the LF at the start of ` +
      `the next row's first cell. Its speed is shown as measured, on this output.`;
  }
  return `${head} First differences: ${d.slice(0, 3).map(example).join("; ")}.`;
}

/** Row 4: the throughput and memory tables, their targets, and why any is missed. */
export function renderCsv(r: Results): Section {
  const targets: TargetRow[] = [];
  const notes: string[] = [];
  const c = r.csv;
  // Every parser's cells are compared with csv-parse's.
  const reference = "csv-parse";
  const mib = (x: number | undefined) =>
    x === undefined ? "–" : `${fmt(x, 1)} MiB`;
  const speedRows = c.results.filter((x) => !x.memoryOnly).map((x) => [
    x.label,
    x.runtime,
    `${(x.medianMs / 1000).toFixed(2)} s`,
    fmt(x.rowsPerSec),
    fmt(x.mbPerSec, 1),
    times(x.vsCsvParse),
    x.vsUdsv === undefined ? "–" : times(x.vsUdsv),
    pct(x.vsFloor),
    times(x.vsRows),
    cells(x, reference),
  ]);
  const memoryRows = c.results.map((x) => [
    x.label,
    x.runtime,
    mib(x.peakSmallMiB),
    mib(x.peakLargeMiB),
    x.peakSmallMiB === undefined || x.peakLargeMiB === undefined
      ? "–"
      : signedPct(x.peakLargeMiB / x.peakSmallMiB - 1),
    `${mib(x.rssQuarterMiB)} → ${mib(x.rssEndMiB)} (${
      signedPct(x.rssEndMiB / x.rssQuarterMiB - 1)
    })`,
    `${mib(x.heapSmallMiB)} / ${mib(x.heapLargeMiB)}`,
  ]);
  const ours = c.results.find((x) => x.key === "ours")!;
  const live = c.results.find((x) => x.key === "ours-live");
  const deno = c.results.find((x) => x.key === "ours-deno");
  const denoLive = c.results.find((x) => x.key === "ours-deno-live");
  const growth = ours.peakLargeMiB! / ours.peakSmallMiB! - 1;
  for (
    const events of c.results.filter((x) =>
      x.parser === "events" && !x.memoryOnly
    )
  ) {
    targets.push([
      "4",
      `\`exportEvents\` time ÷ \`exportRows\` time, ${
        bytes(c.large.bytes)
      } file (${events.runtime})`,
      `${times(events.vsRows)} (${fmt(events.mbPerSec, 1)} MB/s)`,
      `≤ ${times(CSV_TARGETS.eventsVsRows)}`,
      verdict(events.vsRows <= CSV_TARGETS.eventsVsRows),
    ]);
    if (events.vsRows > CSV_TARGETS.eventsVsRows) {
      const rows = c.results.find((x) =>
        x.parser === "ours" && x.runtime === events.runtime && !x.memoryOnly
      );
      notes.push(
        `- **Missed (\`exportEvents\`, ${events.runtime}):** ${
          times(events.vsRows)
        } the time of \`exportRows\`, ${
          pct(events.vsRows / CSV_TARGETS.eventsVsRows - 1, 1)
        } over ${times(CSV_TARGETS.eventsVsRows)}. Both read the file with ` +
          `the same tokenizer (${fmt(events.mbPerSec, 1)} against ${
            rows ? fmt(rows.mbPerSec, 1) : "–"
          } MB/s here); what an event adds is its own work per row: three ` +
          "JSON cells (parsed, or copied from a recent identical cell), a " +
          "`Date`, and the nested actor, target and context objects.",
      );
    }
  }
  targets.push(
    [
      "4",
      `CSV throughput vs \`csv-parse\` (${ours.runtime})`,
      `${times(ours.vsCsvParse)} (${fmt(ours.mbPerSec, 1)} MB/s, ${
        fmt(ours.rowsPerSec)
      } rows/s)`,
      `≥ ${times(CSV_TARGETS.csvVsCsvParse)}`,
      verdict(ours.vsCsvParse >= CSV_TARGETS.csvVsCsvParse),
    ],
  );
  const udsvOf = (x: ParserResult) =>
    c.results.find((u) =>
      u.parser === "udsv" && u.runtime === x.runtime && !u.memoryOnly
    );
  const slower: string[] = [];
  for (
    const rows of c.results.filter((x) =>
      x.parser === "ours" && !x.memoryOnly && x.vsUdsv !== undefined
    )
  ) {
    const udsv = udsvOf(rows)!;
    const differ = udsv.output?.differingRows ?? 0;
    const ratio = rows.vsUdsv!;
    targets.push([
      "4",
      `\`exportRows\` throughput vs uDSV's streaming \`chunk()\` (${rows.runtime})`,
      `${times(ratio)} (${fmt(rows.mbPerSec, 1)} vs ${
        fmt(udsv.mbPerSec, 1)
      } MB/s${
        differ
          ? `; uDSV's cells differ from ${reference}'s in ${fmt(differ)} rows`
          : ""
      })`,
      `≥ ${times(CSV_TARGETS.rowsVsUdsv)}`,
      verdict(ratio >= CSV_TARGETS.rowsVsUdsv),
    ]);
    if (ratio < CSV_TARGETS.rowsVsUdsv) {
      slower.push(
        `on ${rows.runtime} \`exportRows\` reads the ${
          bytes(c.large.bytes)
        } file in ${(rows.medianMs / 1000).toFixed(2)} s and uDSV in ${
          (udsv.medianMs / 1000).toFixed(2)
        } s (${pct(1 - ratio)} less throughput)`,
      );
    }
  }
  if (slower.length) {
    notes.push(
      `- **Missed (vs uDSV):** ${slower.join("; ")}. Both get the same ` +
        `64 KiB chunks through the same web stream, both decode them (ours ` +
        `inside the parser, uDSV's text comes from a streaming ` +
        `\`TextDecoder\` timed with it) and both build one object per row ` +
        `keyed by column name, so the gap is in the parsing itself and in ` +
        `handing rows over: ours yields each row through an async iterator ` +
        `(a promise per row), uDSV calls a function.`,
    );
  }
  targets.push(
    [
      "4",
      `peak RSS, ${bytes(c.large.bytes)} vs ${
        bytes(c.small.bytes)
      } file (${ours.runtime})`,
      `${signedPct(growth)} (${fmt(ours.peakSmallMiB!, 1)} → ${
        fmt(ours.peakLargeMiB!, 1)
      } MiB)`,
      `within ±${pct(CSV_TARGETS.memoryGrowth)}`,
      verdict(Math.abs(growth) <= CSV_TARGETS.memoryGrowth),
    ],
  );
  if (Math.abs(growth) > CSV_TARGETS.memoryGrowth) {
    const late = ours.rssEndMiB / ours.rssQuarterMiB - 1;
    const liveGrowth = live ? live.heapLargeMiB / live.heapSmallMiB - 1 : 0;
    const why = !live
      ? ""
      : Math.abs(liveGrowth) <= CSV_TARGETS.memoryGrowth
      ? ` The parser keeps nothing from row to row: after a full GC its live ` +
        `heap is at most ${mib(live.heapSmallMiB)} over the ${
          bytes(c.small.bytes)
        } file and ${mib(live.heapLargeMiB)} over the ${
          bytes(c.large.bytes)
        } one. The step is V8 sizing its heap to the allocation rate (its ` +
        `young generation grows once allocation has gone on long enough, a ` +
        `point the ${bytes(c.small.bytes)} file ends near), not data${
          Math.abs(late) <= CSV_TARGETS.memoryGrowth
            ? `: RSS is flat after it (${
              signedPct(late)
            } from ¼ of the rows to the end)`
            : ""
        }.`
      : ` The live heap after a full GC grows too (${
        mib(live.heapSmallMiB)
      } → ${mib(live.heapLargeMiB)}): the parser keeps memory as it reads.`;
    const denoNote = deno && denoLive
      ? ` Under Deno peak RSS grows ${
        signedPct(deno.peakLargeMiB! / deno.peakSmallMiB! - 1)
      } while the live heap goes from ${mib(denoLive.heapSmallMiB)} to ${
        mib(denoLive.heapLargeMiB)
      }.`
      : "";
    notes.push(
      `- **Missed (memory):** peak RSS is ${signedPct(growth)} higher for the ${
        bytes(c.large.bytes)
      } file.${why}${denoNote}`,
    );
  }
  // One note per distinct output, naming every runtime it was read in.
  const differing = new Map<string, ParserResult[]>();
  for (const x of c.results) {
    if (!x.output?.differingRows || x.parser === reference) continue;
    const key = JSON.stringify([x.label, x.output]);
    differing.set(key, [...(differing.get(key) ?? []), x]);
  }
  for (const group of differing.values()) {
    notes.push(
      outputNote(
        `${group[0].label}, ${group.map((x) => x.runtime).join(" and ")}`,
        group[0].output!,
        reference,
        c.crlfEdges,
      ),
    );
  }
  return {
    targets,
    text: `## 4. CSV throughput and memory

A ${bytes(c.large.bytes)} export (${fmt(c.large.rows)} rows) and a ${
      bytes(c.small.bytes)
    } one (${
      fmt(c.small.rows)
    } rows, a prefix of the same rows) in the emulator's layout (that of real exports, one target per row): \`csvRecord(eventCells(event, 1))\`
from \`src/emulator/csv_writer.ts\` over seeded \`sampleEvents\`, so every row has
quoted JSON cells with doubled quotes, and names with quotes and non-ASCII
letters. Written once to \`.bench/csv/\` (regenerated only when the generator
or the emulator's writer changes; ${
      c.regenerated ? "generated in this run" : "reused in this run"
    }). Each variant runs in
its own process and reads the file from disk in 64 KiB chunks: ours, uDSV
and the floor through a web \`ReadableStream\` (\`FileHandle.read\` on pull,
one chunk read ahead as in a Node stream), \`csv-parse\`
(\`columns: true\`) and Papa Parse (\`header: true\`, \`step\`) through
\`fs.createReadStream\` (Papa Parse given UTF-8 text, since it would split
multi-byte characters at chunk edges otherwise). uDSV runs as its README
shows for streams, in Node and in Deno: each chunk is decoded by one streaming
\`TextDecoder\`, the first one gives the schema
(\`initParser(inferSchema(text))\`), every one goes to
\`parser.chunk(text, parser.stringObjs, onRow)\`, and \`parser.end()\` closes
the file; like ours, \`csv-parse\` and Papa Parse it hands over each row as an
object keyed by column name. Every parser reads two cells of every row, and
the run fails unless all read every row and ours agree with ${reference} on
those cells (\`exportEvents\` reads the same two as properties of its typed
events). After the timed rounds each row parser reads the ${
      bytes(c.large.bytes)
    } file
once more, untimed, and hashes every cell of every row; the hashes are
compared with ${reference}'s row by row and the differing rows read again to
show what differs ("cells"): a difference in ours fails the run, one in
another parser is reported under the table. Time is from the first read to
the last row; ${r.settings.csvRounds} rounds in rotating order, medians;
"÷ csv-parse" and "÷ uDSV" (uDSV in the same runtime) are medians of
per-round throughput ratios, "time ÷ \`exportRows\`" the median of per-round
time ratios to \`exportRows\` in the same runtime.

${
      table([
        "parser",
        "runtime",
        `time (${bytes(c.large.bytes)})`,
        "rows/s",
        "MB/s",
        "÷ csv-parse",
        "÷ uDSV",
        "% of floor",
        "time ÷ `exportRows`",
        `cells vs ${reference}`,
      ], speedRows)
    }

Memory: peak RSS is Linux's \`VmHWM\` of the process at the end of the run
(each file size in its own processes); the RSS and V8 heap-in-use columns are
sampled every 4,096 rows (\`process.memoryUsage()\`); the "live heap" rows run
with \`--expose-gc\` and a full collection before each sample, so their heap in
use is only what is still referenced (they are slowed down by it, so they are
left out of the throughput table). Medians over rounds.

${
      table([
        "parser",
        "runtime",
        `peak RSS ${bytes(c.small.bytes)}`,
        `peak RSS ${bytes(c.large.bytes)}`,
        "growth",
        `RSS in the ${bytes(c.large.bytes)} run, ¼ of rows → end`,
        `max heap in use, ${bytes(c.small.bytes)} / ${bytes(c.large.bytes)}`,
      ], memoryRows)
    }
${notesBlock(notes)}`,
  };
}
