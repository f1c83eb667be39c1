/** The five-organization economics fixture (tests/economics_*_test.ts work its numbers by hand). */
import pl from "nodejs-polars";
import { addEconomicsColumns, costModelFromEnv, loadPriceBook } from "../lib/economics/mod.ts";
import { addMetricColumns } from "../lib/frame/metrics.ts";
import type { EconomicsResult } from "../lib/economics/columns.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
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
    mrr_recurring: [79, 200, 200, 3000, 0],
    revenue_source: ["stripe", "stripe", "stripe", "stripe", "no_customer"],
  });

export function revenue(ptb: Record<string, number | undefined>): RevenueResult {
  const byCustomer = new Map<string, CustomerRevenue>();
  for (const id of ["cus_a", "cus_b", "cus_c", "cus_d"]) {
    const customer = { customerId: id } as CustomerRevenue;
    if (ptb[id] !== undefined) customer.ptbRevenueUsd30d = ptb[id];
    byCustomer.set(id, customer);
  }
  return { source: "stripe", byCustomer, warnings: [], apiCalls: 0, durationMs: 0, failed: false };
}

/**
 * The fixture plus f: a second legacy pro (2 seats, $40 = $30 recurring + $10 usage charges,
 * 8,000 requests, PTB cost $20 of $40).
 */
export function economicsFrameWithF(): Promise<pl.DataFrame> {
  const f = exportFrameFromColumns({
    org_id: ["f"],
    org_name: ["F"],
    tier: ["pro"],
    tier_raw: ["pro-20240913"],
    stripe_customer_id: ["cus_f"],
    seats: [2],
    active_users_30d: [2],
    requests_30d: [8_000],
    llm_cost_30d: [40],
    llm_cost_ptb_30d: [20],
    llm_cost_byok_30d: [20],
    addon_prompts: [0],
    mrr: [40],
    mrr_recurring: [30],
    usage_charges: [10],
    revenue_source: ["stripe"],
  });
  const rev = revenue({ cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 });
  rev.byCustomer.set("cus_f", { customerId: "cus_f", ptbRevenueUsd30d: 25 } as CustomerRevenue);
  return withEconomics(pl.concat([economicsFixture(), f]), rev, { infraPer1k: "0.5" });
}

/**
 * An export frame with its metric and economics columns, as an export adds them (30-day window;
 * infrastructure cost per 1,000 requests as PRICING_INFRA_USD_PER_1K_REQUESTS, none by default).
 */
export async function withEconomics(
  frame: pl.DataFrame,
  rev: RevenueResult,
  { infraPer1k }: { infraPer1k?: string } = {},
): Promise<pl.DataFrame> {
  return addEconomicsColumns(addMetricColumns(frame, { windowDays: 30 }), {
    costModel: costModelFromEnv(
      infraPer1k === undefined ? {} : { PRICING_INFRA_USD_PER_1K_REQUESTS: infraPer1k },
    ),
    priceBook: await loadPriceBook(),
    revenue: rev,
    windowDays: 30,
  }).frame;
}

/**
 * The five organizations a–e with PTB revenue not read (PRICING_STRIPE_PTB_PRODUCT unset, the
 * .env.example default): Stripe answered for every customer, but no PTB revenue is known.
 */
export function economicsFixturePtbNotRead(): Promise<pl.DataFrame> {
  return withEconomics(economicsFixture(), revenue({}));
}

/**
 * g: a legacy pro organization on b's Stripe customer (b is first, so the revenue is on b's row
 * and g is shared_customer, mrr empty), 1 seat, 4,000 requests, LLM cost $8 of which PTB $4
 * (tier and raw tier pro unless given; `customer` another of the fixture's, whose organization
 * then carries the revenue).
 */
export function orgGOnSharedCustomer(
  { tier = "pro", tierRaw = "pro", customer = "cus_b" }: SharedCustomerOrg = {},
): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["g"],
    org_name: ["G"],
    tier: [tier],
    tier_raw: [tierRaw],
    stripe_customer_id: [customer],
    seats: [1],
    active_users_30d: [1],
    requests_30d: [4_000],
    llm_cost_30d: [8],
    llm_cost_ptb_30d: [4],
    llm_cost_byok_30d: [4],
    addon_prompts: [0],
    mrr: [null],
    revenue_source: ["shared_customer"],
  });
}

/** Who g is (orgGOnSharedCustomer). */
interface SharedCustomerOrg {
  tier?: string;
  tierRaw?: string;
  customer?: string;
}

/**
 * economicsFrameWithF plus g (orgGOnSharedCustomer): company cost 4 + 4 × 0.5 = $6.
 */
export async function frameWithSharedCustomer(
  org: SharedCustomerOrg = {},
): Promise<pl.DataFrame> {
  const withF = await economicsFrameWithF();
  const g = orgGOnSharedCustomer(org);
  const rev = revenue({ cus_a: 25, cus_b: 0, cus_c: 250, cus_d: 600 });
  rev.byCustomer.set("cus_f", { customerId: "cus_f", ptbRevenueUsd30d: 25 } as never);
  const base = withF.select(...g.columns);
  return addEconomicsColumns(addMetricColumns(pl.concat([base, g]), { windowDays: 30 }), {
    costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
    priceBook: await loadPriceBook(),
    revenue: rev,
    windowDays: 30,
  }).frame;
}

/**
 * A Stripe customer that loses money only as a whole, and one organization that loses it alone
 * (30-day window, no infrastructure cost: company cost = PTB cost):
 * p pro-20251210 on cus_x, its revenue row: $50, LLM cost $30 (BYOK): its own row 40 % margin
 * q free on cus_x (shared_customer, mrr empty): LLM cost $60, all PTB; cus_x's PTB revenue $0
 *   cus_x: $50 against $90 of LLM cost (spec), $60 of company cost (company): both negative
 * s legacy pro on cus_s: $40, LLM cost $60 (BYOK): spec −50 %, company cost $0: company 100 %
 */
export function frameWithLosingSharedCustomer(): Promise<pl.DataFrame> {
  const frame = exportFrameFromColumns({
    org_id: ["p", "q", "s"],
    org_name: ["P", "Q", "S"],
    tier: ["pro", "free", "pro"],
    tier_raw: ["pro-20251210", "free", "pro"],
    stripe_customer_id: ["cus_x", "cus_x", "cus_s"],
    seats: [2, 1, 1],
    active_users_30d: [2, 1, 1],
    requests_30d: [1_000, 2_000, 3_000],
    llm_cost_30d: [30, 60, 60],
    llm_cost_ptb_30d: [0, 60, 0],
    llm_cost_byok_30d: [30, 0, 60],
    addon_prompts: [0, 0, 0],
    mrr: [50, null, 40],
    mrr_recurring: [50, null, 40],
    revenue_source: ["stripe", "shared_customer", "stripe"],
  });
  const byCustomer = new Map<string, CustomerRevenue>(
    ["cus_x", "cus_s"].map((id) => [id, { customerId: id, ptbRevenueUsd30d: 0 } as never]),
  );
  return withEconomics(frame, {
    source: "stripe",
    byCustomer,
    warnings: [],
    apiCalls: 0,
    durationMs: 0,
    failed: false,
  });
}

/**
 * Two organizations on the free plan, one seat and one user each, PTB cost $30 and $10 (all their
 * LLM cost), no MRR: named by `org_id` (upper case), their revenue read from Stripe where they have
 * a customer.
 */
export function freePlanOfTwo(columns: {
  org_id: [string, string];
  stripe_customer_id: [string | null, string | null];
  requests_30d: [number, number];
}): pl.DataFrame {
  return exportFrameFromColumns({
    ...columns,
    org_name: columns.org_id.map((id) => id.toUpperCase()),
    tier: ["free", "free"],
    tier_raw: ["free", "free"],
    seats: [1, 1],
    active_users_30d: [1, 1],
    llm_cost_30d: [30, 10],
    llm_cost_ptb_30d: [30, 10],
    llm_cost_byok_30d: [0, 0],
    addon_prompts: [0, 0],
    mrr: [0, 0],
    mrr_recurring: [0, 0],
    revenue_source: columns.stripe_customer_id.map((id) => id === null ? "no_customer" : "stripe"),
  });
}

/**
 * The fixture plus two free organizations, 2,000 requests each ($1 infrastructure at $0.5 per
 * 1,000): g spends credits bought before the window (PTB cost $30, PTB revenue $0), h bought $25
 * of credits in it and spent $10. a (pro 2025-12-10) bought none either: PTB cost $10, revenue $0.
 */
export async function frameWithPtbTiming(
  { ptbRead = true } = {},
): Promise<Pick<EconomicsResult, "frame" | "warnings" | "warningKinds">> {
  const free = freePlanOfTwo({
    org_id: ["g", "h"],
    stripe_customer_id: ["cus_g", "cus_h"],
    requests_30d: [2_000, 2_000],
  });
  const base = economicsFixture();
  const rev = revenue({ cus_a: 0, cus_b: 0, cus_c: 250, cus_d: 600 });
  rev.byCustomer.set("cus_g", { customerId: "cus_g", ptbRevenueUsd30d: 0 } as CustomerRevenue);
  rev.byCustomer.set("cus_h", { customerId: "cus_h", ptbRevenueUsd30d: 25 } as CustomerRevenue);
  const { frame, warnings, warningKinds } = addEconomicsColumns(
    addMetricColumns(pl.concat([base, free.select(...base.columns)]), { windowDays: 30 }),
    {
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
      priceBook: await loadPriceBook(),
      // not read: Stripe skipped, ptb_revenue_30d empty
      revenue: ptbRead ? rev : { ...rev, source: "none" },
      windowDays: 30,
    },
  );
  return { frame, warnings, warningKinds };
}
