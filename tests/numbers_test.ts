/**
 * lib/report/numbers.ts and lib/core/signs.ts: the number formats of the brief, compare, scenario,
 * the history and the command lines (text: "-"), a chart's (pictures: U+2212), and the mark "–"
 * for a number not known.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  formatBytes,
  formatChangePct,
  formatCount,
  formatPct,
  formatUsd,
  formatUsd4,
  pictureMinus,
  signedUsd,
} from "../lib/report/numbers.ts";
import { formatFaceValue, formatMinorUnits } from "../lib/revenue/currency.ts";
import { plainNumber } from "../lib/core/signs.ts";
import { bridgeCells } from "../lib/history/report_cells.ts";
import { countTick, pctLabel, usdLabel, usdTick } from "../lib/report/chart_frame.ts";

Deno.test("counts round half away from zero, the same either side of it", () => {
  assertEquals(
    [2.5, -2.5, 0.5, -0.5, -0.4, 1_234.5, -1_234.5].map(formatCount),
    ["3", "-3", "1", "-1", "0", "1,235", "-1,235"],
  );
});

Deno.test("counts and dollars carry thousands separators", () => {
  assertEquals([formatCount(5499), formatCount(989_440), formatCount(12.6)], [
    "5,499",
    "989,440",
    "13",
  ]);
  assertEquals([formatUsd(1234.5), formatUsd(-0.004), formatUsd(-2.5)], [
    "$1,234.50",
    "$0.00",
    "-$2.50",
  ]);
});

Deno.test("amounts per 1,000 requests: four decimals, separators, no minus on a zero", () => {
  assertEquals(
    [formatUsd4(1236.92857), formatUsd4(0.8605), formatUsd4(-0.00004), formatUsd4(-1.5)],
    ["$1,236.9286", "$0.8605", "$0.0000", "-$1.5000"],
  );
});

Deno.test("text: a negative is written with the hyphen-minus, before the currency symbol", () => {
  assertEquals(
    [
      formatUsd(-148.37),
      signedUsd(-148.37),
      formatCount(-1234),
      formatPct(-5933.46),
      formatChangePct(-4),
      formatUsd4(-0.25),
      formatMinorUnits(-9000, "EUR"),
      formatMinorUnits(-1500, "JPY"),
      formatMinorUnits(-1500, "CHF"),
    ],
    [
      "-$148.37",
      "-$148.37",
      "-1,234",
      "-5,933.5 %",
      "-4.0 %",
      "-$0.2500",
      "-€90.00",
      "-¥1,500",
      "-CHF 15.00",
    ],
  );
  // no U+2212 in any of them: a spreadsheet, a program and a search read these as numbers
  ok(
    ![formatUsd(-1), formatCount(-1), formatPct(-1), formatMinorUnits(-1, "USD")].join("")
      .includes("\u2212"),
  );
});

Deno.test("an amount at face value (its code, as the warnings naming a currency without a rate write it): the sign before the code", () => {
  assertEquals(
    [
      formatFaceValue(-1250, "eur"),
      formatFaceValue(1250, "eur"),
      formatFaceValue(-500, "jpy"),
      formatFaceValue(1_234_567, "KWD"),
      formatFaceValue(-0.4, "chf"),
      formatFaceValue(Number.NaN, "eur"),
    ],
    ["-EUR 12.50", "EUR 12.50", "-JPY 500", "KWD 1,234.567", "CHF 0.00", "–"],
  );
  // half a minor unit (a yearly line's month: 30 / 12 = 2.5) rounds away from zero on both sides,
  // as formatCount: Math.round gave -2 for -2.5 and 3 for 2.5
  assertEquals(
    [
      formatFaceValue(2.5, "eur"),
      formatFaceValue(-2.5, "eur"),
      formatMinorUnits(-2.5, "usd"),
      formatFaceValue(-0.5, "jpy"),
    ],
    ["EUR 0.03", "-EUR 0.03", "-$0.03", "-JPY 1"],
  );
});

Deno.test("negative zero and a negative rounding to zero at the digits shown have no sign", () => {
  assertEquals(
    [
      formatCount(-0),
      formatCount(-0.4),
      formatPct(-0),
      formatPct(-0.04),
      formatChangePct(-0.04),
      formatUsd(-0),
      formatUsd(-0.004),
      signedUsd(-0.004),
      signedUsd(0.004),
      formatUsd4(-0.00004),
      formatMinorUnits(-0, "USD"),
      formatMinorUnits(-0.4, "USD"),
    ],
    [
      "0",
      "0",
      "0.0 %",
      "0.0 %",
      "0.0 %",
      "$0.00",
      "$0.00",
      "$0.00",
      "$0.00",
      "$0.0000",
      "$0.00",
      "$0.00",
    ],
  );
  // pictures too: no "−0"
  assertEquals([usdTick(-0), usdLabel(-0), countTick(-0), pctLabel(-0.04)], [
    "$0",
    "$0",
    "0",
    "0.0 %",
  ]);
});

Deno.test("a number not known (null, NaN, infinite) is the kit's mark –, never NaN or ∞", () => {
  const unknowns = [NaN, Infinity, -Infinity];
  for (
    const format of [
      formatUsd,
      signedUsd,
      formatCount,
      formatPct,
      formatUsd4,
      usdTick,
      usdLabel,
      countTick,
      pctLabel,
    ]
  ) {
    assertEquals(unknowns.map((value) => format(value)), ["–", "–", "–"], format.name);
  }
  assertEquals([formatChangePct(null), formatChangePct(NaN)], ["–", "–"]);
  assertEquals(formatMinorUnits(NaN, "EUR"), "–");
});

Deno.test("pictures: a negative with the minus sign U+2212, as Plot's own ticks draw it", () => {
  assertEquals(
    [usdTick(-1500), usdTick(-0.5), countTick(-300), pctLabel(-105), usdTick(2500), pctLabel(12.5)],
    ["\u2212$1.5k", "\u2212$0.5", "\u2212300", "\u2212105.0 %", "$2.5k", "12.5 %"],
  );
  assertEquals([usdLabel(-1500), usdLabel(-0.5)], ["\u2212$1.50k", "\u2212$0.5"]);
  // only a sign is turned: a date's or a name's hyphen stays, as does "+" and the unknown mark
  assertEquals(
    pictureMinus("-$90.00 (-4.0 %), 2026-02, team-2025, +$5, –, x -y"),
    "\u2212$90.00 (\u22124.0 %), 2026-02, team-2025, +$5, –, x -y",
  );
});

Deno.test("the history's bridge row: a loss '-$', an FX loss signed, not known '–', no '-0.0 %'", () => {
  // a month with no paying organization at its end: ARPA and the margin over MRR are not known
  const row = {
    ...Object.fromEntries(
      ["start", "new", "expansion", "contraction", "churn", "reactivation", "paused", "resumed"]
        .map((name) => [`${name}_cents`, 0]),
    ),
    start_cents: 5000,
    churn_cents: 5000,
    fx_impact_cents: -25,
    end_cents: 0,
    paying_orgs: 0,
    mrr_recurring_per_paying_org_usd: null,
    requests: 12,
    llm_cost_usd: 1.5,
    llm_cost_ptb_usd: 0,
    mrr_margin_after_ptb_llm_pct: null,
  };
  assertEquals(bridgeCells(row, { moves: false, fx: true }), [
    ...["$50.00", "$0.00", "$0.00", "$0.00", "-$50.00", "$0.00", "$0.00", "$0.00", "-$0.25"],
    ...["$0.00", "0", "–", "12", "$1.50", "$0.00", "–"],
  ]);
  // a margin of -0.04 % rounds to 0.0 %, unsigned
  assertEquals(
    bridgeCells({ ...row, mrr_margin_after_ptb_llm_pct: -0.04 }, { moves: false, fx: false }).at(
      -1,
    ),
    "0.0 %",
  );
});

Deno.test("plainNumber: trimZeros drops trailing zeros only, and each digits-and-trim pair keeps its own format", () => {
  // the two formats of 2 digits asked for in turn: a cached format of one must not answer the other
  assertEquals(
    [
      plainNumber(1234.5, { digits: 2 }),
      plainNumber(1234.5, { digits: 2, trimZeros: true }),
      plainNumber(12, { digits: 2, trimZeros: true }),
      plainNumber(12, { digits: 2 }),
      plainNumber(-0.004, { digits: 2, trimZeros: true }),
    ],
    ["1,234.50", "1,234.5", "12", "12.00", "0"],
  );
});

Deno.test("formatMinorUnits rounds a fraction of a minor unit to the nearest, not down (mutation probe survivor)", () => {
  // 1999.6 cents round to 2000: $20.00 (cut, $19.99); 1500.5 yen to 1501 (¥1,501); −0.6 cents
  // to −1: -$0.01
  assertEquals(
    [
      formatMinorUnits(1999.6, "USD"),
      formatMinorUnits(1500.5, "JPY"),
      formatMinorUnits(-0.6, "USD"),
    ],
    ["$20.00", "¥1,501", "-$0.01"],
  );
});

Deno.test("formatChangePct: a rise that shows as 0.0 carries no plus sign; one that shows as 0.1 does", () => {
  // 0.04 % rounds to 0.0 at one decimal: "+0.0 %" would say a rise the figure does not show
  assertEquals([formatChangePct(0.04), formatChangePct(0.06)], ["0.0 %", "+0.1 %"]);
});

Deno.test("formatBytes: a mebibyte exactly is 1.0 MB, a byte less still KB (mutation probe survivor)", () => {
  // 1,048,576 bytes = 1024 × 1024: "1.0 MB"; 1,048,575 / 1024 = 1023.999: "1024.0 KB"
  assertEquals([formatBytes(1024 * 1024), formatBytes(1024 * 1024 - 1)], ["1.0 MB", "1024.0 KB"]);
});
