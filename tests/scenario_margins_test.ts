/**
 * lib/analysis/scenario/margins.ts and report_sections.ts: the company margin before and after a
 * scenario's prices (MRR + PTB revenue − company cost, the cost unchanged), per tier, per plan and
 * in total, organizations whose margin is unknown left out and counted; `deno task scenario`'s
 * summary, per-tier file and stdout with it and with the proposal against the price book
 * (price_book_baseline.ts). Every number worked by hand from seven organizations.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import type pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { compareScenario, scenarioMarkdown } from "../lib/analysis/scenario/mod.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { captureConsole } from "./console_capture.ts";

/**
 * p1 pro 3 seats $40 (PTB revenue 10, PTB cost 8, company cost 12); p2 pro 1 seat $20 (cost 5);
 * t1 team 5 seats $100, PTB cost 6 but PTB revenue not read: margin unknown; t2 team 3 seats $60,
 * company cost empty: margin unknown; f1 free, cost 2; cus_s: s1 pro 1 seat carries its $30
 * (cost 3), s2 pro 1 seat shares it (PTB cost 1, cost 6).
 */
const FRAME = exportFrameFromColumns({
  org_id: ["p1", "p2", "t1", "t2", "f1", "s1", "s2"],
  org_name: ["P1", "P2", "T1", "T2", "F1", "S1", "S2"],
  tier: ["pro", "pro", "team", "team", "free", "pro", "pro"],
  tier_raw: ["pro", "pro", "team", "team", "free", "pro", "pro"],
  stripe_customer_id: ["cus_p1", "cus_p2", "cus_t1", "cus_t2", null, "cus_s", "cus_s"],
  revenue_source: [
    "stripe",
    "stripe",
    "stripe",
    "stripe",
    "no_customer",
    "stripe",
    "shared_customer",
  ],
  seats: [3, 1, 5, 3, 1, 1, 1],
  mrr: [40, 20, 100, 60, 0, 30, null],
  ptb_revenue_30d: [10, 0, null, 0, 0, 0, null],
  llm_cost_ptb_30d: [8, 0, 6, 0, 0, 0, 1],
  company_cost_30d: [12, 5, 10, null, 2, 3, 6],
});

/** $25 a seat on pro, $24 on team, free at $0. */
const UP = {
  name: "up",
  description: "pro $25, team $24 a seat",
  addonPrices: {},
  plans: [
    { name: "pro seats", match: { tiers: ["pro"] }, perSeatUsd: 25 },
    { name: "team seats", match: { tiers: ["team"] }, perSeatUsd: 24 },
    { name: "free", match: { tiers: ["free"] }, flatUsd: 0 },
  ],
};

/** The book: $20 a seat on pro and team. */
const BOOK = {
  ...UP,
  name: "book",
  description: "list prices",
  plans: [
    { ...UP.plans[0], perSeatUsd: 20 },
    { ...UP.plans[1], perSeatUsd: 20 },
    UP.plans[2],
  ],
};

const MARGIN_COLUMNS = [
  "margin_organizations",
  "margin_unknown",
  "company_cost",
  "current_margin_company_pct",
  "proposed_margin_company_pct",
  "margin_change_pts",
  // the fixture has no pass-through request without a cost: 0 on every row
  "margin_ptb_requests_cost_unknown",
];

/** A breakdown row's margin columns, the percentages rounded to 1e-9. */
function marginRow(frame: pl.DataFrame, i: number): unknown[] {
  const row = frame.toRecords()[i];
  return MARGIN_COLUMNS.map((name) => {
    const value = row[name] as number | null;
    return value === null ? null : Math.round(value * 1e9) / 1e9;
  });
}

Deno.test("company margin before and after: current vs proposed MRR + PTB revenue against unchanged company cost; unknown margins left out and counted", async () => {
  const result = await compareScenario(FRAME, { scenario: UP });
  // counted: p1 p2 f1 s1 s2. Current revenue 40 + 10 + 20 + 0 + 30 + 0 = 100; proposed 3 × 25
  // + 10, 25, 0, 25, 25 = 160 (s2 is priced, its customer's MRR is on s1); cost 12 + 5 + 2 + 3
  // + 6 = 28: (100 − 28) / 100 = 72 %, (160 − 28) / 160 = 82.5 %, +10.5 points
  const m = result.margin;
  assertEquals(
    [m.organizations, m.costUnknown, m.ptbRevenueUnknown],
    [5, 1, 1],
  );
  assertEquals([m.currentRevenueUsd, m.proposedRevenueUsd, m.companyCostUsd], [100, 160, 28]);
  ok(Math.abs(m.currentMarginPct! - 72) < 1e-9, `${m.currentMarginPct}`);
  ok(Math.abs(m.proposedMarginPct! - 82.5) < 1e-9, `${m.proposedMarginPct}`);
  ok(Math.abs(m.changePts! - 10.5) < 1e-9, `${m.changePts}`);
  // the revenue comparison still counts all seven: 250 → 75 + 25 + 120 + 72 + 0 + 25 + 25 = 342
  assertEquals([result.totals.comparable, result.totals.proposedMrrUsd], [7, 342]);
  assertEquals(
    result.warnings.filter((w) => w.includes("company margin")),
    [
      "2 of the 7 organizations compared are left out of the company margin: 1 whose company cost is unknown (company_cost_30d empty); 1 whose customer had PTB cost but whose PTB revenue was not read (ptb_revenue_30d empty)",
    ],
  );
  // by tier: pro p1 p2 s1 s2, revenue 100 → 160 on cost 26: 74 % → 83.75 %; team none known, 2
  // left out; free f1: cost 2 and no revenue, no margin; all = the totals
  assertEquals(result.byTier.getColumn("tier").toArray(), ["free", "pro", "team", "all"]);
  assertEquals(result.byTier.columns.slice(-7), MARGIN_COLUMNS);
  assertEquals(marginRow(result.byTier, 0), [1, 0, 2, null, null, null, 0]);
  assertEquals(marginRow(result.byTier, 1), [4, 0, 26, 74, 83.75, 9.75, 0]);
  assertEquals(marginRow(result.byTier, 2), [0, 2, null, null, null, null, 0]);
  assertEquals(marginRow(result.byTier, 3), [5, 2, 28, 72, 82.5, 10.5, 0]);
  // by plan, in the scenario's order: the same groups
  assertEquals(result.byPlan.getColumn("plan").toArray(), ["pro seats", "team seats", "free"]);
  assertEquals(marginRow(result.byPlan, 0), [4, 0, 26, 74, 83.75, 9.75, 0]);
  assertEquals(marginRow(result.byPlan, 1), [0, 2, null, null, null, null, 0]);
  assertEquals(marginRow(result.byPlan, 2), [1, 0, 2, null, null, null, 0]);

  const summary = scenarioMarkdown(result, {
    dataLabel: "test",
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: false,
  });
  ok(summary.includes("## Company margin"), summary);
  ok(
    summary.includes(
      "Over the 5 organizations compared whose company cost is known (2 left out: see Warnings):",
    ),
    summary,
  );
  ok(summary.includes("| revenue (MRR + PTB revenue) | $100.00 | $160.00 |"), summary);
  ok(summary.includes("| company cost (unchanged) | $28.00 | $28.00 |"), summary);
  ok(summary.includes("| company margin | 72.0 % | 82.5 % (+10.5 points) |"), summary);
  ok(summary.includes("| team | 0 | 2 | – | – | – | – |"), summary);
  ok(summary.includes("| free | 1 | 0 | $2.00 | – | – | – |"), summary);
  ok(
    summary.includes("and PTB revenue taken as unchanged: the same usage costs the same"),
    summary,
  );
  // no price book given: no section about it
  ok(!summary.includes("## Against the price book"), summary);
});

Deno.test("company margin: an export without the cost columns leaves every organization out, naming the columns", async () => {
  const bare = FRAME.drop("company_cost_30d", "ptb_revenue_30d");
  const result = await compareScenario(bare, { scenario: UP });
  assertEquals([result.margin.organizations, result.margin.costUnknown], [0, 7]);
  assertEquals(result.margin.currentMarginPct, null);
  ok(
    result.warnings.includes(
      "7 of the 7 organizations compared are left out of the company margin: 7 whose company cost is unknown (company_cost_30d empty; ptb_revenue_30d and company_cost_30d empty on every organization: an export of a kit before the cost model of 2026-12-01 has none; export again to price the margin)",
    ),
    result.warnings.join("\n"),
  );
  const summary = scenarioMarkdown(result, {
    dataLabel: "test",
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: false,
  });
  ok(
    summary.includes(
      "No compared organization's company cost is known: no margin (7 left out: see Warnings).",
    ),
    summary,
  );
});

Deno.test("deno task scenario: the proposal against the price book and the company margin, in stdout, the summary and the per-tier file", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const input = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(FRAME, input);
    const bookFile = join(dir, "book.json");
    await Deno.writeTextFile(bookFile, JSON.stringify(BOOK));
    const envFile = join(dir, "settings.env");
    await Deno.writeTextFile(envFile, `PRICING_PRICE_BOOK=${bookFile}\n`);
    const scenarioFile = join(dir, "up.json");
    await Deno.writeTextFile(scenarioFile, JSON.stringify(UP));
    assertEquals(
      await scenarioMain([scenarioFile, "--input", input, "--out-dir", dir, "--env-file", envFile]),
      0,
      errors.join("\n"),
    );
    // the book: p1 60, p2 20, t1 100, t2 60, f1 0, s1 20 + s2 20 = 280, +30 from current 250
    // (p1's discount 20, cus_s's 10); proposed 342: +62 from the book's (62 / 280 = 22.1 %). More
    // than under the book: p1 +15, p2 +5, t1 +20, t2 +12 and cus_s's two (50 vs 40); f1 same
    const base = join(dir, "helicone_pricing_scenario_up_2026-11-01");
    assertEquals(logs, [
      "Scenario up: current MRR $250.00, proposed $342.00 (+36.8 %); 6 pay more, 0 pay less, 1 unchanged",
      '  against the price book "book" on the same 7 organizations: +$62.00 (+22.1 %) from its $280.00, which is +$30.00 from current MRR (discounts, term billing, exchange rates: not this scenario)',
      "  company margin (5 organizations, company cost unchanged): 72.0 % → 82.5 % (+10.5 points); 2 left out, their company margin unknown (see the warnings)",
      `  ${base}.csv`,
      `  ${base}_by_tier.csv`,
      `  ${base}.md`,
    ]);
    const summary = await Deno.readTextFile(`${base}.md`);
    ok(
      summary.includes(
        "The price book (book, `PRICING_PRICE_BOOK`) prices the same 7 organizations at $280.00, +$30.00 from their current MRR of $250.00 (not this scenario's doing). This scenario prices them at $342.00: its own prices change MRR by **+$62.00** (+22.1 %) from the book's. Organizations paying more than under the book: 6; less: 0.",
      ),
      summary,
    );
    // biggest increases against the book: t1 +20, p1 +15, t2 +12, cus_s +10 (s1, 2 organizations), p2 +5
    const movers = summary.split("\n").filter((line) => /^\| [pts]\d \|/.test(line));
    assertEquals(movers.slice(0, 5).map((line) => line.split(" | ").slice(0, 1)[0]), [
      "| t1",
      "| p1",
      "| t2",
      "| s1",
      "| p2",
    ]);
    ok(
      summary.includes(
        "| s1 | S1 | pro | pro seats | $30.00 | $40.00 | $50.00 | +$10.00 | 2 |",
      ),
      summary,
    );
    ok(summary.includes("| company margin | 72.0 % | 82.5 % (+10.5 points) |"), summary);
    ok(summary.includes("| pro seats | 4 | 0 | $26.00 | 74.0 % |"), summary);
    // the per-tier file carries the margin columns, all = the totals
    const byTier = parseCsvRecords(await Deno.readTextFile(`${base}_by_tier.csv`)).records;
    const all = byTier.at(-1)!;
    assertEquals(
      [all.tier, all.margin_organizations, all.margin_unknown, all.company_cost],
      ["all", "5", "2", "28"],
    );
    ok(
      Math.abs(Number(all.current_margin_company_pct) - 72) < 1e-9,
      all.current_margin_company_pct,
    );
    ok(Math.abs(Number(all.proposed_margin_company_pct) - 82.5) < 1e-9);
    const team = byTier.find((row) => row.tier === "team")!;
    assertEquals(
      [team.margin_organizations, team.margin_unknown, team.current_margin_company_pct],
      ["0", "2", ""],
    );

    // the book itself: nothing to set against it, said in the summary, no stdout line
    const bookScenario = join(dir, "book_scenario.json");
    await Deno.writeTextFile(bookScenario, JSON.stringify({ ...BOOK, name: "same" }));
    logs.length = 0;
    assertEquals(
      await scenarioMain([bookScenario, "--input", input, "--out-dir", dir, "--env-file", envFile]),
      0,
      errors.join("\n"),
    );
    ok(!logs.some((line) => line.includes("against the price book")), logs.join("\n"));
    const same = await Deno.readTextFile(join(dir, "helicone_pricing_scenario_same_2026-11-01.md"));
    ok(
      same.includes(
        "This scenario's prices are the price book's (book): nothing to set against it.",
      ),
      same,
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});
