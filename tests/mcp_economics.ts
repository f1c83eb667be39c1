/**
 * The per-plan unit economics of a frame, computed by hand with plain loops (the MCP economics
 * tests check lib/economics' Polars table, as describe_dataset serves it, against this).
 */
import type pl from "nodejs-polars";
import { column, num } from "./mcp_client.ts";

export interface HandPlan {
  plan: string;
  organizations: number;
  /** null (unknown) when no organization of the plan has a known mrr, as mrr */
  paying_organizations: number | null;
  mrr: number | null;
  margin_all_pct: number | null;
  margin_company_pct: number | null;
  /** the company margin's numerator, USD: null as the margin, or when no organization counts */
  gross_profit_company_usd: number | null;
  negative_margin_company: number | null;
  list_price_mrr: number | null;
}

/**
 * Per plan (and `all`): counts, MRR, both margins as ratios of sums over every organization with
 * known revenue (the headline's, plan by plan), list-price MRR. An organization sharing a Stripe
 * customer (shared_customer) counts in the plan of the row carrying its customer's revenue, its
 * cost when that revenue is known, and in the negative-margin count when the customer loses money.
 */
export function perPlanByHand(frame: pl.DataFrame): Map<string, HandPlan> {
  const ownPlans = column(frame, "plan").map((p) => (p ?? "(none)") as string);
  const mrr = column(frame, "mrr").map(num);
  const llm = column(frame, "llm_cost_30d").map(num);
  const ptbRevenue = column(frame, "ptb_revenue_30d").map(num);
  const companyCost = column(frame, "company_cost_30d").map(num);
  const companyPct = column(frame, "gross_margin_company_pct").map(num);
  const list = column(frame, "list_price_mrr").map(num);
  const ptbCost = column(frame, "llm_cost_ptb_30d").map(num);
  const source = column(frame, "revenue_source") as (string | null)[];
  const customer = column(frame, "stripe_customer_id") as (string | null)[];
  // each organization's revenue row: the customer's row that is not shared_customer
  const carrierOf = new Map<string, number>();
  customer.forEach((id, i) => {
    if (id && source[i] !== "shared_customer" && !carrierOf.has(id)) carrierOf.set(id, i);
  });
  const revenueRow = customer.map((id, i) =>
    source[i] === "shared_customer" && id ? carrierOf.get(id) ?? -1 : i
  );
  const customerPtbCost = new Map<number, number>();
  // (an unknown cost is not 0: the margin's PTB revenue is then needed)
  revenueRow.forEach((row, i) => {
    if (ptbCost[i] !== null) {
      customerPtbCost.set(row, (customerPtbCost.get(row) ?? 0) + ptbCost[i]!);
    }
  });
  // a customer's company cost, summed over its organizations (for its negative margin)
  const customerCompanyCost = new Map<number, number>();
  const customerOrganizations = new Map<number, number>();
  revenueRow.forEach((row, i) => {
    customerCompanyCost.set(row, (customerCompanyCost.get(row) ?? 0) + (companyCost[i] ?? 0));
    customerOrganizations.set(row, (customerOrganizations.get(row) ?? 0) + 1);
  });
  const plans = ownPlans.map((plan, i) => revenueRow[i] >= 0 ? ownPlans[revenueRow[i]] : plan);
  const acc = new Map<string, {
    orgs: number;
    known: number;
    paying: number;
    mrr: number;
    allRevenue: number;
    allCost: number;
    companyRevenue: number;
    companyCost: number;
    companyCounted: number;
    negative: number;
    list: number;
    listed: number;
    ptbUnknown: number;
  }>();
  plans.forEach((plan, i) => {
    for (const key of [plan, "all"]) {
      const a = acc.get(key) ?? {
        orgs: 0,
        known: 0,
        paying: 0,
        mrr: 0,
        allRevenue: 0,
        allCost: 0,
        companyRevenue: 0,
        companyCost: 0,
        companyCounted: 0,
        negative: 0,
        list: 0,
        listed: 0,
        ptbUnknown: 0,
      };
      a.orgs++;
      if (mrr[i] !== null) a.known++;
      a.mrr += mrr[i] ?? 0;
      if ((mrr[i] ?? 0) > 0) a.paying++;
      // margins: every organization with known revenue, paying or not; a shared customer's
      // other organization (revenue on a sibling's row) adds its cost when that revenue is known
      const row = revenueRow[i];
      const customerMrrKnown = row >= 0 && mrr[row] !== null;
      // the customer's PTB revenue known, or none of its organizations had PTB cost
      const ptbKnown = row >= 0 && (ptbRevenue[row] !== null || customerPtbCost.get(row) === 0);
      if (mrr[i] !== null) a.allRevenue += mrr[i]!;
      if (customerMrrKnown) a.allCost += llm[i] ?? 0;
      if (mrr[i] !== null && ptbKnown) a.companyRevenue += mrr[i]! + (ptbRevenue[i] ?? 0);
      if (customerMrrKnown && ptbKnown) {
        a.companyCost += companyCost[i] ?? 0;
        a.companyCounted++;
      }
      if (customerMrrKnown && !ptbKnown && (ptbCost[i] ?? 0) > 0) a.ptbUnknown++;
      // its customer loses money: a shared customer as one, its organizations' company cost
      // summed against its revenue (an organization of its own: its gross_margin_company_pct)
      const shared = (customerOrganizations.get(row) ?? 0) > 1;
      const revenue = shared && customerMrrKnown && ptbKnown
        ? mrr[row]! + (ptbRevenue[row] ?? 0)
        : null;
      if (
        shared
          ? revenue !== null && revenue > 0 && customerCompanyCost.get(row)! > revenue
          : companyPct[i] !== null && companyPct[i]! < 0
      ) a.negative++;
      if (list[i] !== null) {
        a.list += list[i]!;
        a.listed++;
      }
      acc.set(key, a);
    }
  });
  const pct = (revenue: number, cost: number) =>
    revenue > 0 ? (revenue - cost) / revenue * 100 : null;
  return new Map([...acc].map(([plan, a]) => [plan, {
    plan,
    organizations: a.orgs,
    paying_organizations: a.known > 0 ? a.paying : null,
    mrr: a.known > 0 ? a.mrr : null,
    margin_all_pct: pct(a.allRevenue, a.allCost),
    margin_company_pct: a.ptbUnknown > 0 ? null : pct(a.companyRevenue, a.companyCost),
    gross_profit_company_usd: a.ptbUnknown > 0 || a.companyCounted === 0
      ? null
      : a.companyRevenue - a.companyCost,
    negative_margin_company: a.known > 0 ? a.negative : null,
    list_price_mrr: a.listed > 0 ? a.list : null,
  }]));
}
