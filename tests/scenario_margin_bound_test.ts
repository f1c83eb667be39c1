/**
 * A scenario's company margin where organizations it counts sent pass-through requests with no
 * cost recorded (ptb_requests_cost_unknown_30d): their company cost is short of those requests'
 * cost, so the margin, current and proposed, is an upper bound, and the summary, stdout and MCP's
 * run_scenario say so with the count (as the export's headline KPI does,
 * economics_margin_bound_test.ts). Numbers worked by hand from four organizations.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { usageOnMonthlyBasis } from "../lib/frame/monthly.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { compareScenario, marginLine, scenarioMarkdown } from "../lib/analysis/scenario/mod.ts";
import { call, stdioClient, text } from "./mcp_client.ts";

/**
 * a pro 2 seats $40, PTB revenue 10, company cost 8, 300 pass-through requests without a cost;
 * b pro 1 seat $20, company cost 2, 50 BYOK requests without a cost (the customer's: not the
 * company's); c pro 1 seat $20, company cost empty (left out of the margin), 7 pass-through
 * requests without a cost; f free, no customer, company cost 5.
 */
const FRAME = exportFrameFromColumns({
  org_id: ["a", "b", "c", "f"],
  org_name: ["A", "B", "C", "F"],
  tier: ["pro", "pro", "pro", "free"],
  tier_raw: ["pro", "pro", "pro", "free"],
  stripe_customer_id: ["cus_a", "cus_b", "cus_c", null],
  revenue_source: ["stripe", "stripe", "stripe", "no_customer"],
  seats: [2, 1, 1, 1],
  mrr: [40, 20, 20, 0],
  ptb_revenue_30d: [10, 0, 0, 0],
  llm_cost_ptb_30d: [8, 0, 0, 5],
  company_cost_30d: [8, 2, null, 5],
  requests_cost_unknown_30d: [300, 50, 7, 0],
  ptb_requests_cost_unknown_30d: [300, 0, 7, 0],
});

/** $25 a seat on pro, free at $0. */
const UP = {
  name: "up",
  description: "pro $25 a seat",
  addonPrices: {},
  plans: [
    { name: "pro seats", match: { tiers: ["pro"] }, perSeatUsd: 25 },
    { name: "free", match: { tiers: ["free"] }, flatUsd: 0 },
  ],
};

/** The same organizations without a pass-through request lacking a cost. */
const NONE = FRAME.withColumns(pl.col("ptb_requests_cost_unknown_30d").mul(pl.lit(0)));

const summaryOf = (result: Awaited<ReturnType<typeof compareScenario>>) =>
  scenarioMarkdown(result, {
    dataLabel: "test",
    asOf: new Date("2026-11-01T00:00:00Z"),
    demo: false,
  });

const BOUND =
  "Both margins are upper bounds: 300 pass-through requests of 1 organization counted here had no cost recorded (`ptb_requests_cost_unknown_30d`: the company pays the provider for them), so their company cost, and the total's, is a lower bound";

const ROW_BOUND =
  "≤: an upper bound: the organizations counted in the row sent the pass-through requests with no cost recorded in its last column (`ptb_requests_cost_unknown_30d`), so their company cost is a lower bound.";

Deno.test("company margin over organizations with pass-through requests without a cost: an upper bound, said with the count", async () => {
  const result = await compareScenario(FRAME, { scenario: UP });
  // counted: a, b, f. Current revenue 40 + 10 + 20 + 0 = 70, proposed 50 + 10 + 25 + 0 = 85, cost
  // 8 + 2 + 5 = 15: 55 / 70 = 78.6 %, 70 / 85 = 82.4 %; a's 300 bound it, b's 50 are BYOK, c's 7
  // are left out with c
  const m = result.margin;
  assertEquals([m.organizations, m.costUnknown], [3, 1]);
  assertEquals([m.currentRevenueUsd, m.proposedRevenueUsd, m.companyCostUsd], [70, 85, 15]);
  assertEquals(m.costUnrecorded, { requests: 300, organizations: 1, windowDays: 30 });
  ok(
    marginLine(m, { infrastructureSet: true }).startsWith(
      "  company margin (3 organizations, company cost unchanged), an upper bound (300 pass-through requests had no cost recorded): 78.6 % → 82.4 % (+3.8 points)",
    ),
    marginLine(m, { infrastructureSet: true }),
  );
  const summary = summaryOf(result);
  ok(summary.includes(`\n\n${BOUND}.\n`), summary);

  // none: nothing said, the line as before
  const none = await compareScenario(NONE, { scenario: UP });
  assertEquals(none.margin.costUnrecorded, { requests: 0, organizations: 0, windowDays: 30 });
  ok(
    !marginLine(none.margin, { infrastructureSet: true }).includes("upper bound"),
    marginLine(none.margin, { infrastructureSet: true }),
  );
  ok(!summaryOf(none).includes("upper bound"));
});

Deno.test("per-tier and per-plan margins over organizations with pass-through requests without a cost: marked upper bounds, with the count", async () => {
  const result = await compareScenario(FRAME, { scenario: UP });
  const column = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray();
  // pro counts a (300) and b (BYOK: not the company's); c (7) is left out; free's f sent none
  assertEquals(column(result.byTier, "tier"), ["free", "pro", "all"]);
  assertEquals(column(result.byTier, "margin_ptb_requests_cost_unknown"), [0, 300, 300]);
  assertEquals(column(result.byPlan, "plan"), ["pro seats", "free"]);
  assertEquals(column(result.byPlan, "margin_ptb_requests_cost_unknown"), [300, 0]);
  const summary = summaryOf(result);
  // pro: revenue 40 + 10 + 20 = 70 → 50 + 10 + 25 = 85, cost 8 + 2 = 10: 60 / 70 = 85.7 %,
  // 75 / 85 = 88.2 %; free: revenue 0, no margin, nothing to mark
  ok(
    summary.includes(
      "| pro | 2 | 1 | $10.00 | ≤ 85.7 % | ≤ 88.2 % | +2.5 points | 300 |",
    ),
    summary,
  );
  ok(summary.includes("| free | 1 | 0 | $5.00 | – | – | – | 0 |"), summary);
  ok(summary.includes("| all | 3 | 1 | $15.00 | ≤ 78.6 % | ≤ 82.4 % | +3.8 points | 300 |"));
  ok(summary.includes("| pro seats | 2 | 1 | $10.00 | ≤ 85.7 % | ≤ 88.2 % | +2.5 points | 300 |"));
  ok(summary.includes(`\n\n${ROW_BOUND}\n`), summary);

  // none: no mark, no column, no note
  const none = summaryOf(await compareScenario(NONE, { scenario: UP }));
  ok(none.includes("| pro | 2 | 1 | $10.00 | 85.7 % | 88.2 % | +2.5 points |\n"), none);
  ok(!none.includes("≤") && !none.includes(ROW_BOUND), none);
});

Deno.test("a 7-day export: the margins on the 30-day basis, the count of pass-through requests without a cost the window's own", async () => {
  // × 30 / 7 for the money: a's PTB revenue 10 → 300/7, costs a 8, b 2, f 5 → 240/7, 60/7,
  // 150/7; current revenue 40 + 300/7 + 20 = 720/7, proposed 50 + 300/7 + 25 = 825/7, cost 450/7:
  // 270 / 720 = 37.5 %, 375 / 825 = 45.5 %; pro's cost 300/7 = $42.86: 420 / 720 = 58.3 %,
  // 525 / 825 = 63.6 % (+5.3 points). a's 300 requests stay 300 (× 30 / 7 would say 1,286)
  const result = await compareScenario(usageOnMonthlyBasis(FRAME, 7), {
    scenario: UP,
    windowDays: 7,
  });
  const m = result.margin;
  assertEquals(m.costUnrecorded, { requests: 300, organizations: 1, windowDays: 7 });
  assertEquals(
    [m.currentMarginPct, m.proposedMarginPct].map((pct) => Math.round(pct! * 10) / 10),
    [37.5, 45.5],
  );
  assertEquals(
    result.byTier.getColumn("margin_ptb_requests_cost_unknown").toArray() as number[],
    [0, 300, 300],
  );
  const window = "in the 7-day window itself (its count, not on the 30-day basis)";
  ok(
    marginLine(m, { infrastructureSet: true }).includes(
      `, an upper bound (300 pass-through requests ${window} had no cost recorded): 37.5 % → 45.5 %`,
    ),
    marginLine(m, { infrastructureSet: true }),
  );
  const summary = summaryOf(result);
  ok(
    summary.includes(
      `Both margins are upper bounds: 300 pass-through requests ${window} of 1 organization counted here had no cost recorded`,
    ),
    summary,
  );
  ok(
    summary.includes("| pro | 2 | 1 | $42.86 | ≤ 58.3 % | ≤ 63.6 % | +5.3 points | 300 |"),
    summary,
  );
  ok(
    summary.includes(
      "in its last column (`ptb_requests_cost_unknown_30d`: the 7-day window's own count, not on the 30-day basis), so",
    ),
    summary,
  );
});

Deno.test("run_scenario: the company margin's upper bound in its text and fields", async () => {
  const dir = await Deno.makeTempDir({ prefix: "scenario_margin_bound_test_" });
  await writeCsvFile(FRAME, join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const result = await call(client, "run_scenario", { scenario: UP });
    const margin = result.structuredContent!.margin as Record<string, unknown>;
    assertEquals(
      [margin.ptb_requests_cost_unknown, margin.ptb_requests_cost_unknown_organizations],
      [300, 1],
    );
    const count = (rows: unknown) =>
      (rows as Record<string, unknown>[]).map((row) => [
        row.tier ?? row.plan,
        row.margin_ptb_requests_cost_unknown,
      ]);
    assertEquals(count(result.structuredContent!.by_tier), [["free", 0], ["pro", 300], [
      "all",
      300,
    ]]);
    assertEquals(count(result.structuredContent!.by_plan), [["pro seats", 300], ["free", 0]]);
    // the text's tables: the column last, pro's row (by plan's and by tier's) ending in its count
    const lines = text(result).split("\n");
    ok(lines.filter((l) => l.endsWith(" | margin_ptb_requests_cost_unknown")).length === 2);
    const rowEnds = (name: string) =>
      lines.filter((l) => l.startsWith(`"${name}" | `)).map((l) => l.split(" | ").at(-1));
    assertEquals([rowEnds("pro"), rowEnds("pro seats"), rowEnds("free")], [["300"], ["300"], [
      "0",
      "0",
    ]]);
    ok(
      text(result).includes(
        "company margin (MRR + PTB revenue − company cost, the cost unchanged) over 3 organizations, an upper bound (300 pass-through requests of 1 organization had no cost recorded: ptb_requests_cost_unknown_30d): current ",
      ),
      text(result),
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
