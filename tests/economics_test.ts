/**
 * lib/economics/: cost model, price book (plan, list_price_mrr), company cost and margin, on a
 * five-organization fixture; every expected number is worked out by hand in the comments.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import type pl from "nodejs-polars";
import {
  addEconomicsColumns,
  costModelFromEnv,
  loadPriceBook,
  PTB_REVENUE_NOT_READ,
} from "../lib/economics/mod.ts";
import { exportFrameFromColumns } from "../lib/read_export.ts";
import type { CustomerRevenue, RevenueResult } from "../lib/revenue/types.ts";

/**
 * a pro-20251210, 4 seats, prompts (included), $79, 20,000 requests, PTB cost $10, PTB revenue $25
 * b legacy pro, 3 seats, prompts + evals, $200 (list 3 × 20 + 50 + 100 = 210), 2,000 requests, BYOK
 * c legacy team bundle, $200, 100,000 requests, PTB cost $300, PTB revenue $250
 * d enterprise, $3,000, 1,000,000 requests, PTB cost $500, PTB revenue $600
 * e free, no Stripe customer, 500 requests, PTB cost $1
 */
export const economicsFixture = () =>
  exportFrameFromColumns({
    org_id: ["a", "b", "c", "d", "e"],
    org_name: ["A", "B", "C", "D", "E"],
    tier: ["pro", "pro", "team", "enterprise", "free"],
    tier_raw: ["pro-20251210", "pro", "team-20250130", "enterprise", "free"],
    stripe_customer_id: ["cus_a", "cus_b", "cus_c", "cus_d", null],
    seats: [4, 3, 10, 50, 1],
    active_users_30d: [4, 3, 10, 50, 1],
    requests_30d: [20_000, 2_000, 100_000, 1_000_000, 500],
    llm_cost_30d: [30, 12, 300, 2000, 1],
    llm_cost_ptb_30d: [10, 0, 300, 500, 1],
    llm_cost_byok_30d: [20, 12, 0, 1500, 0],
    addons_in_metadata: ["prompts", "prompts,evals", null, null, null],
    addon_prompts: [0, 50, 0, 0, 0],
    mrr: [79, 200, 200, 3000, 0],
    revenue_source: ["stripe", "stripe", "stripe", "stripe", "no_customer"],
  });

function revenue(ptb: Record<string, number | undefined>): RevenueResult {
  const byCustomer = new Map<string, CustomerRevenue>();
  for (const id of ["cus_a", "cus_b", "cus_c", "cus_d"]) {
    const customer = { customerId: id } as CustomerRevenue;
    if (ptb[id] !== undefined) customer.ptbRevenueUsd30d = ptb[id];
    byCustomer.set(id, customer);
  }
  return { source: "stripe", byCustomer, warnings: [], apiCalls: 0, durationMs: 0, failed: false };
}

const column = (frame: pl.DataFrame, name: string) => frame.getColumn(name).toArray() as unknown[];

function closeList(actual: unknown[], expected: (number | null)[], what: string) {
  assertEquals(actual.length, expected.length, what);
  expected.forEach((e, i) => {
    const a = actual[i] as number | null;
    if (e === null) assertEquals(a, null, `${what}[${i}]`);
    else ok(a !== null && Math.abs(a - e) < 1e-9, `${what}[${i}]: expected ${e}, got ${a}`);
  });
}

Deno.test("plan and list_price_mrr come from the price book (the current-pricing scenario)", async () => {
  const book = await loadPriceBook();
  const { frame } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({}),
    priceBook: book,
    revenue: revenue({}),
  });
  assertEquals(column(frame, "plan"), [
    "pro 2025-12-10",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
    "enterprise (contract)",
    "free",
  ]);
  // a $79 flat, add-ons included; b 3 × $20 + prompts $50 + evals $100 = $210; c bundle $200;
  // d contract: no list price; e free $0.
  assertEquals(column(frame, "list_price_mrr"), [79, 210, 200, null, 0]);
});

Deno.test("company cost and company-basis margin with infrastructure cost and PTB revenue", async () => {
  const { frame, warnings, ptbRevenueRead } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    priceBook: await loadPriceBook(),
    revenue: revenue({ cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 }),
  });
  ok(ptbRevenueRead);
  assertEquals(warnings, []);
  // e has no Stripe customer: PTB revenue 0.
  assertEquals(column(frame, "ptb_revenue_30d"), [25, 0, 250, 600, 0]);
  // PTB cost + requests / 1000 × $0.50: a 10 + 10; b 0 + 1; c 300 + 50; d 500 + 500; e 1 + 0.25
  closeList(column(frame, "company_cost_30d"), [20, 1, 350, 1000, 1.25], "company_cost_30d");
  // a (79 + 25 − 20) / 104; b (200 − 1) / 200; c (200 + 250 − 350) / 450; d 2600 / 3600;
  // e denominator 0 + 0 → empty
  closeList(
    column(frame, "gross_margin_company_pct"),
    [84 / 104 * 100, 99.5, 100 / 450 * 100, 2600 / 3600 * 100, null],
    "gross_margin_company_pct",
  );
});

Deno.test("unread PTB revenue and unset infrastructure cost are said, margins empty where unknown", async () => {
  const { frame, warnings, ptbRevenueRead } = addEconomicsColumns(economicsFixture(), {
    costModel: costModelFromEnv({}),
    priceBook: await loadPriceBook(),
    revenue: revenue({}),
  });
  ok(!ptbRevenueRead);
  assertEquals(column(frame, "ptb_revenue_30d"), [null, null, null, null, null]);
  // No infrastructure cost: company cost = PTB cost.
  closeList(column(frame, "company_cost_30d"), [10, 0, 300, 500, 1], "company_cost_30d");
  // Only b (no PTB cost) has a margin: (200 + 0 − 0) / 200.
  closeList(
    column(frame, "gross_margin_company_pct"),
    [null, 100, null, null, null],
    "gross_margin_company_pct",
  );
  ok(warnings.some((w) => w.startsWith("infrastructure cost not set")), warnings.join("\n"));
  ok(warnings.includes(PTB_REVENUE_NOT_READ));
});

Deno.test("cost model settings: bad values are one-line errors naming the setting", () => {
  assertEquals(costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: " " }), {
    infraUsdPer1kRequests: null,
    infraUsdPerGbStored: null,
  });
  throws(
    () => costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "-1" }),
    /^UserError: PRICING_INFRA_USD_PER_1K_REQUESTS must be a number of USD ≥ 0/,
  );
  throws(
    () => costModelFromEnv({ PRICING_INFRA_USD_PER_GB_STORED: "lots" }),
    /PRICING_INFRA_USD_PER_GB_STORED must be a number/,
  );
});

Deno.test("the price book's metered prices are validated like the rest of a scenario", async () => {
  const { parseScenario } = await import("../lib/scenario.ts");
  const book = await loadPriceBook();
  const pro = book.scenario.plans[0];
  assertEquals(pro.meteredPrices?.requests?.includedRequests, 10_000);
  assertEquals(pro.meteredPrices?.storagePerGb?.[0], { upToGb: 30, usdPerGb: 3.25 });
  throws(
    () =>
      parseScenario(
        {
          name: "s",
          plans: [{ name: "p", meteredPrices: { storagePerGb: [{ upToGb: 5, usdPerGb: 1 }] } }],
        },
        "s.json",
      ),
    /^UserError: s\.json: plans\[0\]\.meteredPrices\.storagePerGb\[0\]\.upTo must be null/,
  );
});

Deno.test("an export writes the cost model into its manifest and appends the new columns to the CSV", async () => {
  const { runExport } = await import("../lib/export.ts");
  const { SPEC_COLUMN_NAMES } = await import("../lib/columns.ts");
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      outDir,
      formats: ["csv"],
      charts: false,
      log: () => {},
      env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "0.02" },
    });
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    assertEquals(manifest.cost_model, {
      infra_usd_per_1k_requests: 0.02,
      infra_usd_per_gb_stored: null,
      ptb_revenue_read: true,
      price_book: "current_seat_based.json",
    });
    const header = (await Deno.readTextFile(result.csvPath!)).split("\r\n")[0].split(",");
    assertEquals(header.slice(0, SPEC_COLUMN_NAMES.length), [...SPEC_COLUMN_NAMES]);
    assertEquals(header.slice(-5), [
      "plan",
      "list_price_mrr",
      "ptb_revenue_30d",
      "company_cost_30d",
      "gross_margin_company_pct",
    ]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
