/**
 * lib/mcp/tools_scenario.ts over stdio with the SDK's client: run_scenario sets a proposal against
 * the price book as well as current MRR, so a price change is not read with the book's own gap
 * from billed MRR (discounts) folded in; the company-margin line over one organization and over a
 * known $0 revenue. Numbers worked by hand from the fixtures.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { call, refused, stdioClient, text, type ToolResult, type Values } from "./mcp_client.ts";

/** $20 a seat on pro, free at $0: a lists 2 × 20 = 40 but pays 30 (a discount), b pays list, 60. */
const BOOK = {
  name: "book",
  description: "list prices",
  addonPrices: {},
  plans: [
    { name: "pro seats", match: { tiers: ["pro"] }, perSeatUsd: 20 },
    { name: "free", match: { tiers: ["free"] }, flatUsd: 0 },
  ],
};

/** Pro +15 %: $23 a seat. */
const PRO_UP = {
  ...BOOK,
  name: "pro_up",
  plans: [{ ...BOOK.plans[0], perSeatUsd: 23 }, BOOK.plans[1]],
};

Deno.test("run_scenario: a price change against the price book, apart from the book's gap to billed MRR", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_scenario_test_" });
  const bookFile = join(dir, "book.json");
  await Deno.writeTextFile(bookFile, JSON.stringify(BOOK));
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      org_name: ["A <Co>", "B", "C"],
      tier: ["pro", "pro", "free"],
      tier_raw: ["pro", "pro", "free"],
      stripe_customer_id: ["cus_a", "cus_b", null],
      seats: [2, 3, 1],
      mrr: [30, 60, 0],
      revenue_source: ["stripe", "stripe", "no_customer"],
      // a: PTB revenue 10, PTB cost 8 + infrastructure 4; b 8 and c 5 of infrastructure
      ptb_revenue_30d: [10, 0, 0],
      llm_cost_ptb_30d: [8, 0, 0],
      company_cost_30d: [12, 8, 5],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_PRICE_BOOK: bookFile,
  });
  await client.connect(transport);
  try {
    const tool = (await client.listTools()).tools.find((t) => t.name === "run_scenario")!;
    ok(tool.description!.includes("delta_vs_price_book_usd"), tool.description);
    const result = await call(client, "run_scenario", { scenario: PRO_UP });
    ok(!result.isError, text(result));
    // current 30 + 60 = 90; the book 40 + 60 = 100 (+10, a's discount); +15 %: 46 + 69 = 115,
    // +25 on current MRR of which +15 (15 % of the book's 100) is the new price's
    const against = result.structuredContent!.against_price_book as Values;
    const { biggest_increases: movers, ...figures } = against;
    assertEquals(figures, {
      price_book: "book",
      organizations: 3,
      current_mrr: 90,
      price_book_mrr: 100,
      proposed_mrr: 115,
      price_book_vs_current_usd: 10,
      delta_vs_price_book_usd: 15,
      change_vs_price_book_pct: 15,
      pays_more_than_price_book: 2,
      pays_less_than_price_book: 0,
    });
    // b's 3 seats rise 9, a's 2 rise 6: against the book, not the 16 a pays more than today
    assertEquals(
      (movers as Values[]).map((
        r,
      ) => [r.org_id, r.price_book_mrr, r.proposed_mrr, r.delta_vs_price_book_usd]),
      [["b", 60, 69, 9], ["a", 40, 46, 6]],
    );
    const lines = text(result).split("\n");
    assertEquals(
      lines[2],
      'against the price book "book" (list prices, pricing://price-book) on the same 3 organizations: the book prices them at 100 USD/month, 10 from current MRR (discounts, term billing, exchange rates, prices it does not list: not this scenario); this scenario at 115: its prices change MRR by 15 USD/month (15 %) from the book\'s; pays more than under the book 2, less 0',
    );
    // the company margin: revenue 30 + 10 + 60 + 0 = 100 → 46 + 10 + 69 + 0 = 125 on a cost of
    // 12 + 8 + 5 = 25: 75 % → 80 %, +5 points
    const margin = result.structuredContent!.margin as Values;
    const near = (value: unknown, expected: number) =>
      ok(Math.abs((value as number) - expected) < 1e-9, `${value} ≠ ${expected}`);
    assertEquals(
      [margin.margin_organizations, margin.cost_unknown, margin.ptb_revenue_unknown],
      [3, 0, 0],
    );
    assertEquals(
      [margin.current_revenue_usd, margin.proposed_revenue_usd, margin.company_cost_usd],
      [100, 125, 25],
    );
    near(margin.current_margin_company_pct, 75);
    near(margin.proposed_margin_company_pct, 80);
    near(margin.margin_change_pts, 5);
    // per tier: pro (a, b) 100 → 125 on 20: 80 % → 84 %; free (c): a cost of 5, no revenue, no margin
    const tiers = result.structuredContent!.by_tier as Values[];
    const pro = tiers.find((row) => row.tier === "pro")!;
    assertEquals([pro.margin_organizations, pro.margin_unknown, pro.company_cost], [2, 0, 20]);
    near(pro.current_margin_company_pct, 80);
    near(pro.proposed_margin_company_pct, 84);
    const free = tiers.find((row) => row.tier === "free")!;
    assertEquals(
      [free.margin_organizations, free.company_cost, free.current_margin_company_pct],
      [1, 5, null],
    );
    ok(
      lines.includes(
        "company margin (MRR + PTB revenue − company cost, the cost unchanged) over 3 organizations: current 75 % (revenue 100, cost 25 USD/month), proposed 80 % (revenue 125), 5 points",
      ),
      text(result),
    );
    ok(text(result).includes("PTB revenue taken as unchanged"), text(result));
    // the movers' names are data, escaped as every table's
    ok(lines.some((l) => l.includes('"A \\u003cCo\\u003e"')), text(result));
    // the book itself: nothing to set against it
    const same = await call(client, "run_scenario", { scenario: BOOK });
    ok(!same.isError, text(same));
    assertEquals(same.structuredContent!.against_price_book, null);
    ok(!text(same).includes("against the price book"), text(same));
    // a price or a percent written as text: the number to write
    refused(
      await call(client, "run_scenario", {
        scenario: { ...PRO_UP, plans: [{ name: "everyone", pctOfLlmCost: { percent: "15%" } }] },
      }),
      /^error: scenario: plans\[0\]\.pctOfLlmCost\.percent must be a number ≥ 0, got "15%": write 15 \(a number, in percent: 15 is 15 %\)$/,
    );
    refused(
      await call(client, "run_scenario", {
        scenario: { ...PRO_UP, plans: [{ ...BOOK.plans[0], perSeatUsd: "$23" }] },
      }),
      /^error: scenario: plans\[0\]\.perSeatUsd must be a number ≥ 0, got "\$23": write 23 \(a number, not text\)$/,
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run_scenario: the company margin over 1 organization, over a known $0 revenue 'none (no revenue)'", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_scenario_test_" });
  const bookFile = join(dir, "book.json");
  await Deno.writeTextFile(bookFile, JSON.stringify(BOOK));
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["c", "d"],
      org_name: ["C", "D"],
      tier: ["free", "pro"],
      tier_raw: ["free", "pro"],
      stripe_customer_id: [null, "cus_d"],
      seats: [1, 1],
      mrr: [0, 20],
      revenue_source: ["no_customer", "stripe"],
      // c: free, no revenue, 5 of infrastructure; d: its company cost not known (left out)
      ptb_revenue_30d: [0, 0],
      llm_cost_ptb_30d: [0, 0],
      company_cost_30d: [5, null],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { transport, client } = stdioClient({
    PRICING_MCP_EXPORTS_DIR: dir,
    PRICING_PRICE_BOOK: bookFile,
  });
  await client.connect(transport);
  const marginLine = (result: ToolResult) =>
    text(result).split("\n").find((line) => line.startsWith("company margin"));
  try {
    // the book itself: c's revenue 0 now and proposed, on a cost of 5: no margin either side, no
    // change in points; d left out (its cost unknown)
    const same = await call(client, "run_scenario", { scenario: BOOK });
    ok(!same.isError, text(same));
    const sameMargin = same.structuredContent!.margin as Values;
    assertEquals(sameMargin, {
      // an export file without a manifest: its cost model not known
      infrastructure_cost_set: null,
      margin_organizations: 1,
      cost_unknown: 1,
      ptb_revenue_unknown: 0,
      current_revenue_usd: 0,
      proposed_revenue_usd: 0,
      company_cost_usd: 5,
      // no pass-through request without a cost: the margin is no bound
      ptb_requests_cost_unknown: 0,
      ptb_requests_cost_unknown_organizations: 0,
      current_margin_company_pct: null,
      proposed_margin_company_pct: null,
      margin_change_pts: null,
    });
    assertEquals(
      marginLine(same),
      "company margin (MRR + PTB revenue − company cost, the cost unchanged) over 1 organization: current none (no revenue) (revenue 0, cost 5 USD/month), proposed none (no revenue) (revenue 0); left out: company cost unknown 1, PTB revenue not read 0",
    );
    // free at $10 flat: c's revenue 0 → 10 on its cost of 5, (10 − 5) / 10 = 50 %; no points
    // of change from no margin
    const free10 = {
      ...BOOK,
      name: "free_10",
      plans: [BOOK.plans[0], { ...BOOK.plans[1], flatUsd: 10 }],
    };
    const priced = await call(client, "run_scenario", { scenario: free10 });
    ok(!priced.isError, text(priced));
    const margin = priced.structuredContent!.margin as Values;
    assertEquals(
      [margin.margin_organizations, margin.current_revenue_usd, margin.proposed_revenue_usd],
      [1, 0, 10],
    );
    assertEquals(
      [margin.current_margin_company_pct, margin.proposed_margin_company_pct],
      [null, 50],
    );
    assertEquals(margin.margin_change_pts, null);
    assertEquals(
      marginLine(priced),
      "company margin (MRR + PTB revenue − company cost, the cost unchanged) over 1 organization: current none (no revenue) (revenue 0, cost 5 USD/month), proposed 50 % (revenue 10); left out: company cost unknown 1, PTB revenue not read 0",
    );
    ok(!text(priced).includes("unknown (revenue"), text(priced));
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});
