/**
 * The questions on an export file: a CSV read back into a typed frame gives the frame's readings,
 * a 7-day export's usage put on a 30-day basis, an empty cost cell called unknown.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { loadQuestionsFrame } from "../lib/notebooks/questions_page.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import pl from "nodejs-polars";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { loadPricingData } from "../lib/export.ts";
import { csvChunks, writeCsvFile } from "../lib/formats/csv.ts";
import {
  churnRisk,
  exportFrameFromCsv,
  featureAdoption,
  pricingModelComparison,
  ptbVsByok,
  underpricedCustomers,
  upgradeCandidates,
} from "../lib/analysis/questions.ts";
import { underpricedChart, upgradeChart } from "../lib/analysis/question_charts.ts";
import { allReadings, column, windowUsage } from "./questions_fixture.ts";

Deno.test("an export CSV reads back into a typed frame (numbers, nulls, booleans, dates)", () => {
  const exported = pl.DataFrame({
    org_id: ["a", "b"],
    org_name: ["=cmd", "b, inc"],
    tier: ["pro", "free"],
    created_at: pl.Series(
      "created_at",
      [new Date("2026-01-02T03:04:05Z"), null],
      pl.Datetime("ms"),
    ),
    seats: [2, 1],
    requests_30d: [200_000, 0],
    llm_cost_30d: [800.25, 0],
    mrr: pl.Series("mrr", [40, null], pl.Float64),
    is_ptb: pl.Series("is_ptb", [true, false], pl.Bool),
  });
  // The CSV writer needs every export column: build the rest as nulls.
  const full = exported.withColumns(
    ...COLUMNS.filter((c) => !exported.columns.includes(c.name)).map((c) =>
      pl.lit(null).alias(c.name)
    ),
  );
  const back = exportFrameFromCsv([...csvChunks(full)].join(""));
  // neutralised on the way out (`'=cmd` in the CSV), taken off again on the way in
  assertEquals(column(back, "org_name"), ["=cmd", "b, inc"]);
  assertEquals(column(back, "llm_cost_30d"), [800.25, 0]);
  assertEquals(column(back, "mrr"), [40, null]);
  assertEquals(column(back, "is_ptb"), [true, false]);
  assertEquals(
    (column(back, "created_at") as unknown as (Date | null)[]).map((d) => d?.toISOString() ?? null),
    ["2026-01-02T03:04:05.000Z", null],
  );
  throws(() => exportFrameFromCsv("a,b\r\n1,2\r\n"), /is not a pricing-kit export/);
});

Deno.test("on the demo export, the CSV gives the same six readings as the frame it came from", async () => {
  const data = await goldenDemoData();
  const back = exportFrameFromCsv([...csvChunks(data.frame)].join(""));
  const readings = allReadings;
  assertEquals(readings(back), readings(data.frame));
});

Deno.test("a 7-day export's usage is put on a 30-day basis: its answers are the 30-day export's, and the label says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const monthly = `${dir}/helicone_pricing_data_2026-11-01.csv`;
    const weekly = `${dir}/helicone_pricing_data_2026-11-01_7d.csv`;
    await writeCsvFile(windowUsage(1), monthly);
    await writeCsvFile(windowUsage(7 / 30), weekly);
    const month = await loadQuestionsFrame({ asOf: new Date(), csvPath: monthly });
    const week = await loadQuestionsFrame({ asOf: new Date(), csvPath: weekly });
    assertEquals([month.windowDays, week.windowDays], [30, 7]);
    ok(!month.label.includes("basis"), month.label);
    ok(week.label.includes("7-day export, usage put on a 30-day basis (× 30/7)"), week.label);
    assertEquals(allReadings(week.frame), allReadings(month.frame));
    // By hand: w1 (900 > 40) and w3 (600 > 200) cost more than they pay, $860 + $400 over
    // their $240; unscaled, w3's week (140) is under its MRR.
    const churn = churnRisk(week.frame).facts;
    assertEquals([churn.organizations, Math.round(churn.lossUsd!)], [2, 1260]);
    assertEquals(churnRisk((await readExportFile(weekly)).frame).facts.organizations, 1);
    // w1 is underpriced on 300,000 requests a month (70,000 a week would be under 100,000).
    assertEquals(underpricedCustomers(week.frame).facts.organizations, 1);
    // 390,000 requests a month at $0.50 per 1,000.
    assertEquals(+pricingModelComparison(week.frame).facts.usageBasedUsd!.toFixed(6), 195);
    // active users are counted, not summed over days: left as they are
    assertEquals(week.frame.getColumn("active_users_30d").toArray(), [2, 1, 4]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a 7-day export's answers say their usage is per 30 days: readings, table columns, chart axes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const weekly = `${dir}/helicone_pricing_data_2026-11-01_7d.csv`;
    await writeCsvFile(windowUsage(7 / 30), weekly);
    const week = await loadQuestionsFrame({ asOf: new Date(), csvPath: weekly });
    const basis = { windowDays: week.windowDays };
    // w2, free: 14,000 requests in the 7 days (the file's requests_30d), 60,000 per 30 days
    const upgrade = upgradeCandidates(week.frame, {}, basis);
    assertEquals(
      upgrade.reading,
      "On a 30-day basis (the 7-day window's usage × 30/7): 1 of 1 free organization sent ≥ 50,000 requests per 30 days (60,000 requests, $30 of LLM cost); at $20 a seat their 1 seat would bring $20 MRR.",
    );
    assertEquals(upgrade.table.columns, [
      "org_id",
      "org_name",
      "seats",
      "active_users_30d", // a count of users in the window, not scaled: the file's name
      "requests_per_30d",
      "llm_cost_per_30d",
      "is_ptb",
    ]);
    assertEquals((column(upgrade.table, "requests_per_30d") as number[]).map(Math.round), [60_000]);
    const axis = upgradeChart(upgrade).svg;
    ok(axis.includes("Requests per 30 days (7-day window × 30/7)"), "axis");
    ok(!axis.includes("in window"), "no 'in window'");
    // w1: 300,000 requests and $900 per 30 days against $40 MRR
    const underpriced = underpricedCustomers(week.frame, {}, basis);
    ok(
      underpriced.reading.startsWith(
        "On a 30-day basis (the 7-day window's usage × 30/7): 1 organization sent ≥ 100,000 requests or ≥ $500 of LLM cost per 30 days while paying ≤ $100 MRR: together $900 of LLM cost",
      ),
      underpriced.reading,
    );
    const chart = underpricedChart(underpriced).svg;
    ok(chart.includes("LLM cost (per 30 days)") && chart.includes("by LLM cost per 30 days"));
    const answers = [
      underpriced,
      upgrade,
      churnRisk(week.frame, {}, basis),
      pricingModelComparison(week.frame, {}, basis),
      featureAdoption(week.frame, basis),
      ptbVsByok(week.frame, basis),
    ];
    for (const answer of answers) {
      assertEquals(answer.windowDays, 7);
      // a usage column of the table is named for its basis, never the file's *_30d name
      for (
        const name of ["requests_30d", "llm_cost_30d", "prompt_requests_30d", "ptb_revenue_30d"]
      ) {
        ok(!answer.table.columns.includes(name), `${answer.reading}: ${name}`);
      }
    }
    // usage sums in the reading: said on a 30-day basis; adoption only counts organizations
    for (const answer of [answers[0], answers[1], answers[2], answers[3], answers[5]]) {
      ok(answer.reading.startsWith("On a 30-day basis (the 7-day window's usage × 30/7): "));
      ok(!/requests in the (30-day )?window/.test(answer.reading), answer.reading);
    }
    assertEquals(
      answers[4].table.columns.includes("prompt_requests_per_30d"),
      true,
    );
    // a 30-day window reads as before
    assertEquals(upgradeCandidates(week.frame).reading.startsWith("1 of 1 free"), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a 7-day pipeline run in the questions notebook puts its usage on a 30-day basis too", async () => {
  const asOf = new Date("2026-11-01T00:00:00Z");
  const week = await loadPricingData({
    demo: true,
    windowDays: 7,
    asOf,
    env: {},
    quiet: true,
    log: () => {},
  });
  const source = await loadQuestionsFrame({
    demo: true,
    windowDays: 7,
    asOf,
    envFile: "/nonexistent/.env",
  });
  assertEquals(source.windowDays, 7);
  ok(source.label.includes("7-day window, usage put on a 30-day basis (× 30/7)"), source.label);
  // its dates as the brief names them, not an ISO instant with milliseconds
  ok(
    source.label.includes(
      ", window 7 days, 2026-10-25 to 2026-10-31 (as of 2026-11-01 00:00 UTC),",
    ),
    source.label,
  );
  const raw = week.frame.getColumn("requests_30d").toArray() as number[];
  const scaled = source.frame.getColumn("requests_30d").toArray() as number[];
  assertEquals(scaled.map((v) => +v.toFixed(6)), raw.map((v) => +(v * 30 / 7).toFixed(6)));
  assertEquals(
    source.frame.getColumn("mrr").toArray(),
    week.frame.getColumn("mrr").toArray(),
  );
});

Deno.test("an export file's empty cost cell: the answers call it unknown in words true of a file (not only a query's NaN)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/helicone_pricing_data_2026-11-01.csv`;
    // b's LLM cost is an empty cell; a and b are free with ≥ 50,000 requests (upgrade candidates)
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b", "c"],
        org_name: ["Acme", "Bee", "Cee"],
        tier: ["free", "free", "pro"],
        seats: [1, 2, 3],
        requests_30d: [60_000, 70_000, 1_000],
        llm_cost_30d: [5, null, 10],
        llm_cost_ptb_30d: [0, 0, 0],
        mrr: [0, 0, 100],
        mrr_recurring: [0, 0, 100],
      }),
      path,
    );
    const { frame } = await loadQuestionsFrame({ asOf: new Date(), csvPath: path });
    const upgrades = upgradeCandidates(frame);
    // a's $5 known, b's unknown
    ok(
      upgrades.reading.includes(
        "(130,000 requests, $5 over 1 of 2 organizations; 1 unknown (NaN, infinite or empty) of LLM cost)",
      ),
      upgrades.reading,
    );
    // 2 % of the known cost, a $5 + c $10 = $15: $0.30; b's priced at $0
    const models = pricingModelComparison(frame);
    ok(
      models.reading.includes(
        "$0.30 (a partial sum over 2 of 3: 1 organization with an unknown LLM cost (NaN, infinite or empty) priced at $0)",
      ),
      models.reading,
    );
    for (const answer of [upgrades, models, churnRisk(frame), ptbVsByok(frame)]) {
      ok(!answer.reading.includes("from a query"), answer.reading);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
