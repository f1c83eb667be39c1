/**
 * The questions' answer tables and charts: every number by its unit, one bar per row, a table cut
 * to its top, organization names on one line, money in sentences.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { answerDisplays } from "../lib/notebooks/questions_page.ts";
import { mimeBundle } from "../lib/report/display.ts";
import { shownUnit } from "../lib/report/table_numbers.ts";
import { ANSWER_COLUMN_UNITS } from "../lib/analysis/question_common.ts";
import pl from "nodejs-polars";
import {
  churnRisk,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  underpricedCustomers,
  upgradeCandidates,
  usd,
} from "../lib/analysis/questions.ts";
import {
  adoptionChart,
  churnChart,
  pricingModelChart,
  trafficChart,
  underpricedChart,
  upgradeChart,
} from "../lib/analysis/question_charts.ts";
import { count, frame } from "./questions_fixture.ts";

Deno.test("answer tables write every number by its unit: $ with cents, %, counts", () => {
  // the pricing models' first row, enterprise (o4): MRR $5,000; 50 seats × $20 = $1,000;
  // 1,000,000 requests × $0.50 / 1,000 = $500; 2 % of $1,000 = $20
  const models = pricingModelComparison(frame);
  const [table] = answerDisplays({ answer: models, chart: pricingModelChart(models), rows: 4 });
  const cells = firstRowCells(mimeBundle(table)["text/html"]);
  assertEquals(cells, ["enterprise", "1", "1", "0", "$5,000.00", "$1,000.00", "$500.00", "$20.00"]);
  // churn risk's first row, o1: MRR $40 against $800 of LLM cost, all pass-through: a $760 loss,
  // margin (40 − 800) / 40 = -1,900 %, on the company basis 14.7 %
  const churn = churnRisk(frame);
  const [churnTable] = answerDisplays({ answer: churn, chart: churnChart(churn), rows: 1 });
  const churnCells = firstRowCells(mimeBundle(churnTable)["text/html"]);
  // (org_id, org_name and tier first: names are not unique, the id says which organization)
  assertEquals(churnCells.slice(3), [
    "$40.00",
    "$800.00",
    "$800.00",
    "$760.00",
    "-1,900.0 %",
    "14.7 %",
  ]);
  // no numeric column of any answer, on a 30-day or a 7-day basis, is left without a unit
  const answers = (windowDays: number) => [
    underpricedCustomers(frame, {}, { windowDays }),
    upgradeCandidates(frame, {}, { windowDays }),
    churnRisk(frame, {}, { windowDays }),
    pricingModelComparison(frame, {}, { windowDays }),
    featureAdoption(frame, { windowDays }),
    ptbVsByok(frame, { windowDays }),
  ];
  for (const answer of [...answers(30), ...answers(7)]) {
    const numeric = answer.table.columns.filter((name) =>
      /Int|Float/.test(String(answer.table.getColumn(name).dtype))
    );
    assertEquals(numeric.filter((name) => !shownUnit(name, ANSWER_COLUMN_UNITS)), []);
  }
});

/** The text of the first body row's cells of a frame table. */
function firstRowCells(html: string): string[] {
  const row = html.split("<tbody><tr>")[1].split("</tr>")[0];
  return [...row.matchAll(/<td[^>]*>(?:<div[^>]*>)?([^<]*)/g)].map((m) => m[1]);
}

Deno.test("question charts: one bar per row and series, labels ranked", () => {
  // Plot draws each bar as a <rect>; grouped charts add one legend swatch <rect> per series.
  const underpriced = underpricedChart(underpricedCustomers(frame, { underpricedMaxMrrUsd: 200 }));
  assertEquals(count(underpriced.svg, "rect"), 2 * 2 + 2); // o1, o3 × (cost, MRR) + 2 swatches
  ok(underpriced.svg.includes("1. o1") && underpriced.svg.includes("2. o3"));
  assertEquals(count(upgradeChart(upgradeCandidates(frame)).svg, "rect"), 1); // o2, no legend
  assertEquals(count(churnChart(churnRisk(frame)).svg, "rect"), 2 * 3 + 3);
  assertEquals(count(pricingModelChart(pricingModelComparison(frame)).svg, "rect"), 4 * 4 + 4);
  const adoption = adoptionChart(featureAdoption(frame)).svg;
  assertEquals(count(adoption, "rect"), 4);
  ok(adoption.includes("no add-on, uses prompts"));
  assertEquals(count(trafficChart(ptbVsByok(frame)).svg, "rect"), 4 * 3 + 3);
});

Deno.test("a question's table cut to its top says top N of all, as its chart does, in HTML and plain text", () => {
  // ≤ $200 MRR: o1 ($800 of LLM cost) and o3 ($600) qualify; top 1 keeps o1. Its 10 columns: org_id,
  // the 8 underpriced ones and subscription_status after mrr.
  const answer = underpricedCustomers(frame, { underpricedMaxMrrUsd: 200, top: 1 });
  const chart = underpricedChart(answer);
  ok(chart.svg.includes("Top 1 of 2 by LLM cost"), chart.svg);
  const [table] = answerDisplays({ answer, chart, rows: 1 });
  const html = mimeBundle(table)["text/html"];
  ok(html.includes("<small>top 1 of 2 rows, 10 columns</small>"), html);
  // the plain text (a console's) too, under polars' table of the row shown
  const plain = mimeBundle(table)["text/plain"];
  ok(plain.startsWith("shape: (1, 10)"), plain);
  ok(plain.endsWith("\ntop 1 of 2 rows, 10 columns"), plain);
  // top 2 keeps both: nothing cut, the plain count; polars' shape says it all in the plain text
  const both = underpricedCustomers(frame, { underpricedMaxMrrUsd: 200, top: 2 });
  const [whole] = answerDisplays({ answer: both, chart: underpricedChart(both), rows: 2 });
  ok(mimeBundle(whole)["text/html"].includes("<small>2 rows, 10 columns</small>"));
  const wholePlain = mimeBundle(whole)["text/plain"];
  ok(wholePlain.startsWith("shape: (2, 10)") && !wholePlain.includes(" rows, "), wholePlain);
});

/** Whether `text` holds half of a surrogate pair (half an emoji): an invalid SVG character. */
const loneSurrogate = (text: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

Deno.test("question charts: an organization's name is one line, no RTL override, cut to whole characters", () => {
  // by LLM cost at MRR ≤ $5,000: o4 ($1,000), o1 ($800), o3 ($600)
  const named = frame.withColumns(
    pl.Series("org_name", [
      "Line one\nLine two",
      "o2",
      "😀".repeat(30),
      "RTL\u202Eevil",
      "o5",
      "o6",
    ]),
  );
  const svg = underpricedChart(underpricedCustomers(named, { underpricedMaxMrrUsd: 5000 })).svg;
  ok(svg.includes(">1. RTLevil<"), "the override dropped, the name reads as stored");
  ok(!svg.includes("\u202E"), "no RTL override");
  ok(svg.includes(">2. Line one Line two<"), "one line");
  // cut to whole emoji: at 24 characters, then to the 236 px beside the bars (12.5 px an emoji:
  // "3. " 15.4 px + 17 emoji 212.5 px + "…" 7.6 px = 235.5 px), so "3." is not drawn off the edge
  ok(svg.includes(`>3. ${"😀".repeat(17)}…<`), "cut to whole emoji, within the label room");
  ok(!loneSurrogate(svg), "no lone surrogate");
});

Deno.test("money in sentences", () => {
  assertEquals([usd(20), usd(0.5), usd(60.6), usd(1234.4), usd(245544.48)], [
    "$20",
    "$0.50",
    "$60.60",
    "$1,234",
    "$245,544",
  ]);
});
