/**
 * Docs-truth for the column table: on the demo export, every derived column holds what its
 * dictionary formula and description say, worked out here again from the row's other columns
 * (30-day and 7-day windows, an infrastructure cost set), and each empty cell is empty where the
 * description says it is. A wrong definition or a changed computation fails here by column name.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { loadPricingData } from "../lib/export.ts";
import { columnDef } from "../lib/frame/columns.ts";
import { tierFamily } from "../lib/frame/tiers.ts";
import { asOf } from "./export_demo_fixture.ts";

type Row = Record<string, unknown>;
const INFRA_PER_1K = 0.5;

/** A ratio as the dictionary defines them: empty (null) where the denominator is 0 or empty. */
function ratio(numerator: unknown, denominator: unknown, scale = 1): number | null {
  if (typeof numerator !== "number" || typeof denominator !== "number" || denominator <= 0) {
    return null;
  }
  return (numerator / denominator) * scale;
}

/** (revenue − cost) / revenue × 100, empty where revenue is not above 0 or unknown. */
function margin(revenue: number | null, cost: number | null): number | null {
  return revenue === null || cost === null || revenue <= 0
    ? null
    : (revenue - cost) / revenue * 100;
}

const cents = (value: number) => Math.round(value * 100) / 100;

/** Each derived column's value worked out from the row by its definition. */
function expected(row: Row, windowDays: number): Record<string, unknown> {
  const n = (name: string) => row[name] as number;
  const monthly = 30 / windowDays; // usage set against monthly mrr: × 30 / N
  const mrr = row.mrr as number | null;
  const ptbRevenue = row.ptb_revenue_30d as number | null;
  // unread PTB revenue counts as 0 only where there is no PTB cost
  const ptbForMargin = ptbRevenue ?? (n("llm_cost_ptb_30d") === 0 ? 0 : null);
  const companyCost = n("llm_cost_ptb_30d") + n("requests_30d") / 1000 * INFRA_PER_1K;
  return {
    tier: tierFamily(row.tier_raw as string | null),
    mrr: mrr === null ? null : cents(
      n("base_subscription") + n("usage_charges") + n("addon_prompts") + n("addon_other"),
    ),
    mrr_recurring: mrr === null
      ? null
      : cents(n("base_subscription") + n("addon_prompts") + n("addon_other")),
    is_ptb: n("ptb_spend_all_time") > 0,
    is_byok: n("byok_requests_30d") > 0,
    has_gateway_only: n("ptb_requests_30d") > 0 && n("byok_requests_30d") === 0,
    cost_per_seat: ratio(row.llm_cost_30d, row.seats),
    revenue_per_seat: ratio(mrr, row.seats),
    cost_per_request: ratio(row.llm_cost_30d, row.requests_30d),
    revenue_per_request: ratio(mrr, n("requests_30d") * monthly),
    gross_margin_pct: margin(mrr, n("llm_cost_30d") * monthly),
    seat_utilization_pct: ratio(row.active_users_30d, row.seats, 100),
    ptb_cost_share_pct: ratio(row.llm_cost_ptb_30d, row.llm_cost_30d, 100),
    company_cost_30d: companyCost,
    gross_margin_company_pct: margin(
      mrr === null || ptbForMargin === null ? null : mrr + ptbForMargin * monthly,
      companyCost * monthly,
    ),
  };
}

/** The same number to 1e-9 of its size (the kit divides in another order), or both empty. */
function same(actual: unknown, wanted: unknown): boolean {
  if (typeof actual === "number" && typeof wanted === "number") {
    return Math.abs(actual - wanted) <= 1e-9 * Math.max(1, Math.abs(wanted));
  }
  return actual === wanted;
}

for (const windowDays of [30, 7]) {
  Deno.test(`demo export, ${windowDays}-day window: each derived column is its dictionary formula over the row`, async () => {
    const { frame } = await loadPricingData({
      demo: true,
      asOf,
      windowDays,
      env: { PRICING_INFRA_USD_PER_1K_REQUESTS: String(INFRA_PER_1K) },
      log: () => {},
    });
    const rows = frame.toRecords() as Row[];
    const wrong = new Map<string, string>();
    for (const row of rows) {
      for (const [name, wanted] of Object.entries(expected(row, windowDays))) {
        if (!wrong.has(name) && !same(row[name], wanted)) {
          wrong.set(
            name,
            `${columnDef(name).formula}: ${row.org_name} has ${row[name]}, not ${wanted}`,
          );
        }
      }
    }
    assertEquals(Object.fromEntries(wrong), {});
    // the split columns add up as their descriptions say (llm_cost_30d keeps PTB cache hits)
    for (const row of rows) {
      const n = (name: string) => row[name] as number;
      assertEquals(n("ptb_requests_30d") + n("byok_requests_30d"), n("requests_30d"));
      assertEquals(
        n("llm_cost_ptb_30d") + n("llm_cost_byok_30d") <= n("llm_cost_30d") + 1e-9,
        true,
      );
      assertEquals(
        n("active_users_30d") <= n("seats"),
        true,
        `${row.org_name}: active above seats`,
      );
    }
  });
}

Deno.test("demo export: the Stripe text columns are empty where the dictionary says (no customer, nothing counted)", async () => {
  const { frame } = await loadPricingData({ demo: true, asOf, env: {}, log: () => {} });
  const rows = frame.toRecords() as Row[];
  const textColumns = ["billing_interval", "currency", "stripe_plan_names", "cancel_at_period_end"];
  const kinds = new Set<string>();
  for (const row of rows) {
    const empty = textColumns.filter((name) => row[name] === null);
    if (row.revenue_source === "no_customer") {
      // no Stripe customer: revenue 0, and no subscription to describe
      assertEquals([row.mrr, row.subscription_status, empty], [0, null, textColumns]);
      kinds.add("no customer");
    } else if (row.currency === null) {
      // a customer with no counted subscription (canceled, trialing, none at the as-of): mrr 0,
      // every counted subscription's column empty, subscription_status saying why or empty
      assertEquals([row.mrr, empty], [0, textColumns], `${row.org_name}`);
      kinds.add(row.subscription_status === null ? "no subscription" : "none counted");
    } else {
      // counted: the flag is known (interval and plan names come from its items, which can all
      // be at quantity 0 or in a trial of their own)
      assertEquals(row.cancel_at_period_end === null, false, `${row.org_name}`);
      kinds.add("counted");
    }
  }
  // the demo has each kind, so every branch above was checked
  assertEquals([...kinds].sort(), ["counted", "no customer", "no subscription", "none counted"]);
});
