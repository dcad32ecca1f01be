/**
 * Progress lines (`bar.ts`) and the archive's closing table: exact renders
 * at 40, 80 and 200 columns, the arithmetic of percent, rate and time left
 * on a fake clock, the plain-line throttle, and inputs that are wrong or
 * hostile. No render may be wider than its width, nor hold anything that
 * moves the cursor.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  etaSeconds,
  formatDuration,
  formatRate,
  formatSize,
  lineThrottle,
  nextRate,
  percentOf,
  type RateMeter,
  renderBar,
  renderTransferDone,
  renderTransferLine,
  renderTransferPlain,
  renderWindowsBar,
  startRate,
  type TransferState,
} from "../src/cli/bar.ts";
import { renderArchiveTable } from "../src/cli/archive_table.ts";
import { displayWidth, sanitizeText } from "../src/cli/text.ts";

const MiB = 1024 * 1024;

/** A download 3 s in: 12.3 of 47 MiB, resumed once. */
const DOWNLOAD: TransferState = {
  label: "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22180V",
  done: 12.3 * MiB,
  total: 47 * MiB,
  startedAt: 0,
  now: 3000,
  resumes: 1,
};
const ORG = { label: "org_01EHZNVPK3SFK441A1RGBFSHRT", done: 3, total: 10 };

/** Anything that could move the cursor or change the terminal's state. */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Asserts the line fits `width` columns and has no control character. */
function assertLine(line: string, width: number, what = ""): void {
  assert.ok(
    displayWidth(line) <= width,
    `${what} ${displayWidth(line)} > ${width}: ${JSON.stringify(line)}`,
  );
  assert.ok(!CONTROL.test(line), `${what} control in ${JSON.stringify(line)}`);
}

Deno.test("renderTransferLine: exact renders at 40, 80 and 200 columns, blocks and ASCII", () => {
  const cases: [number, boolean, string][] = [
    [40, true, "Downloading a… ██░░░░░░░░  26% 0:09 left"],
    [40, false, "Downloading a~ [##------]  26% 0:09 left"],
    [
      80,
      true,
      "Downloading au… ██░░░░░░░░  26% 12.3 MiB / 47.0 MiB 4.1 MiB/s 0:09 left 1 resume",
    ],
    [
      80,
      false,
      "Downloading au~ [##------]  26% 12.3 MiB / 47.0 MiB 4.1 MiB/s 0:09 left 1 resume",
    ],
    [
      200,
      true,
      "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22180V ██████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░  26% 12.3 MiB / 47.0 MiB 4.1 MiB/s 0:09 left 1 resume",
    ],
    [
      200,
      false,
      "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22180V [#########-----------------------------]  26% 12.3 MiB / 47.0 MiB 4.1 MiB/s 0:09 left 1 resume",
    ],
  ];
  for (const [width, unicode, expected] of cases) {
    const line = renderTransferLine(DOWNLOAD, { width, unicode });
    assert.equal(line, expected, `${width} ${unicode}`);
    assertLine(line, width);
  }
  // 40 and 80 columns are filled to the last one: the bar takes the rest.
  assert.equal(displayWidth(cases[0][2]), 40);
  assert.equal(displayWidth(cases[2][2]), 80);
});

Deno.test("renderTransferLine: without a size, bytes and rate (and resumes), no bar", () => {
  const state = { ...DOWNLOAD, total: undefined };
  assert.equal(
    renderTransferLine(state, { width: 40, unicode: true }),
    "Downloading… 12.3 MiB 4.1 MiB/s 1 resume",
  );
  assert.equal(
    renderTransferLine(state, { width: 80, unicode: false }),
    "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22~ 12.3 MiB 4.1 MiB/s 1 resume",
  );
  assert.equal(
    renderTransferLine(state, { width: 200, unicode: true }),
    "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22180V 12.3 MiB 4.1 MiB/s 1 resume",
  );
});

Deno.test("renderTransferLine: figures go in order as the width shrinks, the percent last", () => {
  const state = { ...DOWNLOAD, label: "Downloading x" };
  const at = (width: number) =>
    renderTransferLine(state, { width, unicode: true });
  const expected: [number, string][] = [
    [
      80,
      "Downloading x ███░░░░░░░░░  26% 12.3 MiB / 47.0 MiB 4.1 MiB/s 0:09 left 1 resume",
    ],
    [
      70,
      "Downloading x ███░░░░░░░░░  26% 12.3 MiB / 47.0 MiB 0:09 left 1 resume",
    ],
    [60, "Downloading x █████░░░░░░░░░░░░░░░░░  26% 0:09 left 1 resume"],
    [50, "Downloading x ███░░░░░░░░░  26% 0:09 left 1 resume"],
    [41, "Downloading x ███░░░░░░░░░  26% 0:09 left"],
    [29, "Downloading x ██░░░░░░░░  26%"],
    [18, "Downloading x  26%"],
    [10, "Downloadi…"],
    [1, "…"],
    [0, ""],
  ];
  for (const [width, line] of expected) {
    assert.equal(at(width), line, `${width}`);
  }
  for (let width = 0; width <= 120; width++) assertLine(at(width), width);
});

Deno.test("renderTransferLine: colour paints the filled cells only, and adds no columns", () => {
  const line = renderTransferLine(DOWNLOAD, {
    width: 200,
    unicode: true,
    color: true,
  });
  assert.ok(
    line.includes(`\x1b[36m${"█".repeat(10)}\x1b[39m${"░".repeat(30)}`),
  );
  // deno-lint-ignore no-control-regex
  const visible = line.replace(/\x1b\[\d+m/g, "");
  assert.equal(
    visible,
    renderTransferLine(DOWNLOAD, { width: 200, unicode: true }),
  );
});

Deno.test("renderWindowsBar: exact renders at 40, 80 and 200 columns, failures when any", () => {
  const cases: [number, boolean, string][] = [
    [40, true, "org_01EHZN… 3/10 windows ███░░░░░░░  30%"],
    [40, false, "org_01EHZN~ 3/10 windows [##------]  30%"],
    [
      80,
      true,
      "org_01EHZNVPK3SFK441A1RGBFSHRT 3/10 windows █████████░░░░░░░░░░░░░░░░░░░░░░  30%",
    ],
    [
      80,
      false,
      "org_01EHZNVPK3SFK441A1RGBFSHRT 3/10 windows [########---------------------]  30%",
    ],
    [
      200,
      true,
      "org_01EHZNVPK3SFK441A1RGBFSHRT 3/10 windows ████████████░░░░░░░░░░░░░░░░░░░░░░░░░░░░  30%",
    ],
  ];
  for (const [width, unicode, expected] of cases) {
    assert.equal(renderWindowsBar(ORG, { width, unicode }), expected);
  }
  assert.equal(
    renderWindowsBar({ ...ORG, done: 10, failed: 2 }, {
      width: 60,
      unicode: true,
    }),
    "org_01EHZNVPK3SFK441… 10/10 windows ██████████ 100% 2 failed",
  );
  assert.equal(
    renderWindowsBar({ ...ORG, done: 10, failed: 2 }, {
      width: 80,
      unicode: true,
    }),
    "org_01EHZNVPK3SFK441A1RGBFSHRT 10/10 windows █████████████████████ 100% 2 failed",
  );
  assert.equal(
    renderWindowsBar({ label: "org_1", done: 0, total: 0 }, {
      width: 40,
      unicode: true,
    }),
    "org_1 0/0 windows █████████████████ 100%",
  );
});

Deno.test("renderTransferPlain and renderTransferDone: the log lines", () => {
  assert.equal(
    renderTransferPlain(DOWNLOAD),
    "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22180V: 12.3 MiB / 47.0 MiB (26%), 4.1 MiB/s, 0:09 left, 1 resume",
  );
  assert.equal(
    renderTransferPlain({ ...DOWNLOAD, total: undefined, resumes: 0 }),
    "Downloading audit_log_export_01GBZK5MP7TD1YCFQHFR22180V: 12.3 MiB, 4.1 MiB/s",
  );
  assert.equal(
    renderTransferDone({
      ...DOWNLOAD,
      label: "Downloaded x",
      done: 47 * MiB,
      now: 12_000,
      resumes: 2,
    }),
    "Downloaded x: 47.0 MiB in 0:12, 3.9 MiB/s, 2 resumes",
  );
  assert.equal(
    renderTransferDone({
      ...DOWNLOAD,
      label: "x",
      done: 0,
      now: 0,
      resumes: 0,
    }),
    "x: 0 B in 0:00",
  );
});

Deno.test("formatSize, formatRate, formatDuration: units, rounding and limits", () => {
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(1023), "1023 B");
  assert.equal(formatSize(1024), "1.0 KiB");
  assert.equal(formatSize(12.3 * MiB), "12.3 MiB");
  assert.equal(formatSize(1024 * 1024 - 1), "1.0 MiB", "not 1024.0 KiB");
  assert.equal(formatSize(5 * 1024 ** 4), "5.0 TiB");
  assert.equal(formatSize(1e300), "1024+ YiB");
  assert.equal(formatSize(Number.MAX_VALUE), "1024+ YiB");
  for (const bad of [-1, NaN, -Infinity, Infinity]) {
    assert.equal(formatSize(bad), "0 B", String(bad));
  }
  assert.equal(formatRate(4.1 * MiB), "4.1 MiB/s");
  assert.equal(formatRate(512), "512 B/s");
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(41.2), "0:42", "rounded up, as a countdown");
  assert.equal(formatDuration(3910), "1:05:10");
  assert.equal(formatDuration(100 * 3600 - 1), "99:59:59");
  assert.equal(formatDuration(100 * 3600), undefined);
  for (const bad of [-1, NaN, Infinity]) {
    assert.equal(formatDuration(bad), undefined);
  }
});

Deno.test("percentOf and etaSeconds: arithmetic, and wrong inputs", () => {
  assert.equal(percentOf(0, 100), 0);
  assert.equal(percentOf(99.99, 100), 99, "100 only when all of it is there");
  assert.equal(percentOf(100, 100), 100);
  assert.equal(percentOf(150, 100), 100, "more than the total is clamped");
  assert.equal(percentOf(0, 0), 100, "nothing to do is done");
  assert.equal(percentOf(-5, 100), 0);
  assert.equal(percentOf(NaN, 100), 0);
  for (const total of [undefined, -1, NaN, Infinity]) {
    assert.equal(percentOf(5, total), undefined, String(total));
  }
  assert.equal(percentOf(1e300, Number.MAX_VALUE), 0);
  assert.equal(etaSeconds(25, 100, 5), 15);
  assert.equal(etaSeconds(100, 100, 5), 0);
  assert.equal(etaSeconds(200, 100, 5), 0);
  for (const rate of [undefined, 0, -3, NaN]) {
    assert.equal(etaSeconds(25, 100, rate), undefined, String(rate));
  }
  assert.equal(etaSeconds(25, undefined, 5), undefined);
});

Deno.test("rate on a fake clock: the average over the first window, then a moving average", () => {
  let meter: RateMeter = startRate(0, 0);
  assert.equal(meter.rate, undefined);
  // 1 MiB every 100 ms: 10 MiB/s whatever the smoothing.
  for (let t = 100; t <= 10_000; t += 100) {
    meter = nextRate(meter, (t / 100) * MiB, t);
  }
  assert.ok(Math.abs(meter.rate! - 10 * MiB) < 1e-6 * MiB);
  // Then nothing for 3 s (one window): the rate falls to e^-1 of itself.
  meter = nextRate(meter, meter.done, 13_000);
  assert.ok(Math.abs(meter.rate! - 10 * MiB * Math.exp(-1)) < 1e-6 * MiB);
  // The same, sampled every 10 ms instead of once, ends at the same rate.
  let fine: RateMeter = startRate(0, 0);
  for (let t = 100; t <= 10_000; t += 100) {
    fine = nextRate(fine, (t / 100) * MiB, t);
  }
  for (let t = 10_010; t <= 13_000; t += 10) {
    fine = nextRate(fine, fine.done, t);
  }
  assert.ok(Math.abs(fine.rate! - meter.rate!) < 1e-3 * MiB);
});

Deno.test("rate on a fake clock: the first window is a plain average, not the last chunk", () => {
  let meter = startRate(0, 1000);
  meter = nextRate(meter, 4 * MiB, 2000);
  meter = nextRate(meter, 4 * MiB + 1, 3000);
  assert.equal(meter.rate, ((4 * MiB + 1) / 2000) * 1000);
});

Deno.test("rate: the same instant, not a number, fewer bytes, a clock going back", () => {
  const meter = nextRate(startRate(0, 0), 1000, 1000);
  assert.equal(nextRate(meter, 5000, 1000), meter, "no time passed");
  assert.equal(nextRate(meter, NaN, 2000), meter);
  assert.equal(nextRate(meter, 2000, NaN), meter);
  assert.deepEqual(
    nextRate(meter, 10, 2000),
    startRate(10, 2000),
    "started over",
  );
  assert.deepEqual(
    nextRate(meter, 2000, 500),
    startRate(2000, 500),
    "clock went back",
  );
  assert.equal(startRate(-5, 0).done, 0);
});

Deno.test("renderTransferLine: a rate from a meter is the one shown, and its time left", () => {
  const line = renderTransferLine({ ...DOWNLOAD, rate: 1 * MiB }, {
    width: 200,
    unicode: true,
  });
  assert.match(line, / 1\.0 MiB\/s 0:35 left /); // 34.7 MiB at 1 MiB/s
  assert.doesNotMatch(
    renderTransferLine({ ...DOWNLOAD, rate: 0 }, { width: 200, unicode: true }),
    /left/,
  );
  assert.doesNotMatch(
    renderTransferLine({ ...DOWNLOAD, rate: NaN }, {
      width: 200,
      unicode: true,
    }),
    /\/s/,
  );
});

Deno.test("lineThrottle on a fake clock: the first, then one every N ms, then the final once", () => {
  const due = lineThrottle(5000);
  const printed: number[] = [];
  // A chunk every 10 ms for 23 s.
  for (let t = 0; t <= 23_000; t += 10) if (due(t)) printed.push(t);
  assert.deepEqual(printed, [0, 5000, 10_000, 15_000, 20_000]);
  assert.equal(due(23_001, true), true, "the final line");
  assert.equal(due(23_002, true), false, "only once");
  assert.equal(due(99_999), false, "nothing after the final");
  const back = lineThrottle(1000);
  assert.equal(back(10_000), true);
  assert.equal(back(10_500), false);
  assert.equal(back(2_000), true, "a clock that went back prints");
  assert.equal(back(2_500), false);
  assert.equal(back(3_000), true);
});

Deno.test("renderBar: clamped fractions and tiny widths", () => {
  assert.equal(renderBar(0.5, 10, true), "█████░░░░░");
  assert.equal(renderBar(0.5, 10, false), "[####----]");
  assert.equal(renderBar(2, 4, true), "████");
  assert.equal(renderBar(-1, 4, true), "░░░░");
  assert.equal(renderBar(NaN, 4, false), "[--]");
  assert.equal(renderBar(0.5, 1, false), "[]");
  assert.equal(renderBar(0.5, 0, true), "");
});

Deno.test("hostile labels: escapes removed, controls shown as ?, nothing moves the cursor", () => {
  const hostile = [
    "\x1b[2J\x1b[HDownloading",
    "evil\rDownload\x1b[K\x1b[1A\n",
    "\x1b]0;title\x07label\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
    "\u009b31mC1 CSI\u009d0;t\u009c",
    "bidi \u202eesrever\u202c \u2066iso\u2069 line\u2028sep",
    "nul\x00bel\x07del\x7f",
    "\x1b",
    "\x1b[",
    "日本語のラベル🎉".repeat(10),
  ];
  for (const label of hostile) {
    for (const width of [0, 1, 5, 40, 80, 200]) {
      for (const unicode of [true, false]) {
        const style = { width, unicode };
        assertLine(
          renderTransferLine({ ...DOWNLOAD, label }, style),
          width,
          label,
        );
        assertLine(
          renderTransferLine({ ...DOWNLOAD, label, total: undefined }, style),
          width,
          label,
        );
        assertLine(renderWindowsBar({ ...ORG, label }, style), width, label);
      }
    }
    assert.ok(!CONTROL.test(renderTransferPlain({ ...DOWNLOAD, label })));
    assert.ok(!CONTROL.test(renderTransferDone({ ...DOWNLOAD, label })));
  }
  assert.equal(sanitizeText("\x1b[2J\x1b[HDownloading"), "Downloading");
  assert.equal(sanitizeText("a\rb\nc\td"), "a b c d");
  assert.equal(sanitizeText("nul\x00bel\x07"), "nul?bel?");
  assert.equal(sanitizeText("\x1b]0;title\x07label"), "label");
  assert.equal(sanitizeText("\u202eabc"), "?abc");
});

Deno.test("wrong numbers: NaN, negative, zero and huge totals render, within the width", () => {
  const states: TransferState[] = [
    { ...DOWNLOAD, done: NaN },
    { ...DOWNLOAD, done: -100 },
    { ...DOWNLOAD, done: Infinity },
    { ...DOWNLOAD, total: 0, done: 0 },
    { ...DOWNLOAD, total: -5 },
    { ...DOWNLOAD, total: NaN },
    { ...DOWNLOAD, total: Infinity },
    { ...DOWNLOAD, done: 1e300, total: Number.MAX_VALUE },
    { ...DOWNLOAD, done: 2 ** 62, total: 2 ** 63 },
    { ...DOWNLOAD, now: -1, startedAt: NaN },
    { ...DOWNLOAD, resumes: NaN },
    { ...DOWNLOAD, resumes: 1e12 },
  ];
  for (const state of states) {
    for (const width of [40, 80, 200, -3, NaN]) {
      const line = renderTransferLine(state, { width, unicode: true });
      assertLine(
        line,
        Math.max(0, Number.isFinite(width) ? width : 0),
        JSON.stringify(state),
      );
    }
  }
  assert.equal(
    renderTransferLine({ ...DOWNLOAD, total: 0, done: 0, label: "x" }, {
      width: 40,
      unicode: true,
    }),
    "x ██████████████ 100% 0 B / 0 B 1 resume",
  );
  assert.equal(
    renderTransferLine({ ...DOWNLOAD, done: -100, label: "x" }, {
      width: 40,
      unicode: false,
    }),
    "x [----------------------]   0% 1 resume",
  );
  assert.match(
    renderTransferLine({ ...DOWNLOAD, done: 2 ** 62, total: 2 ** 63 }, {
      width: 200,
      unicode: true,
    }),
    / 50% 4\.0 EiB \/ 8\.0 EiB /,
  );
});

Deno.test("any state at any width: never wider, never a control character (property)", () => {
  const num = fc.oneof(
    fc.double(),
    fc.integer({ min: 0, max: 2 ** 40 }),
    fc.constantFrom(0, -1, NaN, Infinity, 1e300),
  );
  fc.assert(
    fc.property(
      fc.record({
        label: fc.string({ unit: "binary", maxLength: 80 }),
        done: num,
        total: fc.option(num, { nil: undefined }),
        startedAt: num,
        now: num,
        resumes: fc.option(num, { nil: undefined }),
        rate: fc.option(num, { nil: undefined }),
      }),
      fc.integer({ min: 0, max: 300 }),
      fc.boolean(),
      (state, width, unicode) => {
        assertLine(renderTransferLine(state, { width, unicode }), width);
        assertLine(
          renderWindowsBar({
            label: state.label,
            done: state.done,
            total: state.total ?? 0,
            failed: state.resumes,
          }, { width, unicode }),
          width,
        );
      },
    ),
    { numRuns: 500 },
  );
});

const TABLE = [
  {
    organization: "org_01EHZNVPK3SFK441A1RGBFSHRT",
    windows: 7,
    rows: 123456,
    lateEvents: 3,
    gaps: 0,
    failures: 0,
  },
  {
    organization: "org_01EHZNVPK3SFK441A1RGBFSHRZ",
    windows: 7,
    rows: 1456,
    lateEvents: 0,
    gaps: 1,
    failures: 2,
  },
];

Deno.test("renderArchiveTable: exact renders at 40, 80 and 200 columns, a total row", () => {
  const wide = [
    "organization                    windows     rows  late events  gaps  failures",
    "org_01EHZNVPK3SFK441A1RGBFSHRT        7  123,456            3     0         0",
    "org_01EHZNVPK3SFK441A1RGBFSHRZ        7    1,456            0     1         2",
    "total                                14  124,912            3     1         2",
  ];
  assert.deepEqual(
    renderArchiveTable(TABLE, { width: 200, unicode: true }),
    wide,
  );
  assert.deepEqual(
    renderArchiveTable(TABLE, { width: 80, unicode: true }),
    wide,
  );
  assert.deepEqual(renderArchiveTable(TABLE, { width: 40, unicode: true }), [
    "org       win     rows  late  gaps  fail",
    "org_01E…    7  123,456     3     0     0",
    "org_01E…    7    1,456     0     1     2",
    "total      14  124,912     3     1     2",
  ]);
  assert.deepEqual(
    renderArchiveTable(TABLE.slice(0, 1), { width: 80, unicode: false }),
    [
      "organization                    windows     rows  late events  gaps  failures",
      "org_01EHZNVPK3SFK441A1RGBFSHRT        7  123,456            3     0         0",
    ],
  );
});

Deno.test("renderArchiveTable: any width and hostile ids stay within the width", () => {
  const rows = [
    ...TABLE,
    {
      organization: "\x1b[2Jorg\r\n\u202e",
      windows: NaN,
      rows: -1,
      lateEvents: 1e300,
      gaps: 0,
      failures: 0,
    },
  ];
  for (let width = 0; width <= 120; width++) {
    for (
      const line of renderArchiveTable(rows, {
        width,
        unicode: width % 2 === 0,
      })
    ) {
      assertLine(line, width);
    }
  }
  assert.deepEqual(renderArchiveTable([], { width: 80, unicode: true }), [
    "organization  windows  rows  late events  gaps  failures",
  ]);
});
