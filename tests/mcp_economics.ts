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
  negative_margin_company: number | null;
  list_price_mrr: number | null;
}

/**
 * Per plan (and `all`): counts, MRR, both margins as ratios of sums over every organization with
 * known revenue (the headline's, plan by plan), list-price MRR.
 */
export function perPlanByHand(frame: pl.DataFrame): Map<string, HandPlan> {
  const plans = column(frame, "plan").map((p) => (p ?? "(no plan)") as string);
  const mrr = column(frame, "mrr").map(num);
  const llm = column(frame, "llm_cost_30d").map(num);
  const ptbRevenue = column(frame, "ptb_revenue_30d").map(num);
  const companyCost = column(frame, "company_cost_30d").map(num);
  const companyPct = column(frame, "gross_margin_company_pct").map(num);
  const list = column(frame, "list_price_mrr").map(num);
  const ptbCost = column(frame, "llm_cost_ptb_30d").map(num);
  const source = column(frame, "revenue_source") as (string | null)[];
  const acc = new Map<string, {
    orgs: number;
    known: number;
    paying: number;
    mrr: number;
    allRevenue: number;
    allCost: number;
    companyRevenue: number;
    companyCost: number;
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
      // other organization (revenue on a sibling's row) adds its cost
      const sibling = source[i] === "shared_customer";
      if (mrr[i] !== null) a.allRevenue += mrr[i]!;
      if (mrr[i] !== null || sibling) a.allCost += llm[i] ?? 0;
      const ptbKnown = ptbRevenue[i] !== null || ptbCost[i] === 0;
      if (mrr[i] !== null && ptbKnown) a.companyRevenue += mrr[i]! + (ptbRevenue[i] ?? 0);
      if ((mrr[i] !== null && ptbKnown) || sibling) a.companyCost += companyCost[i] ?? 0;
      if (mrr[i] !== null && !ptbKnown) a.ptbUnknown++;
      if (companyPct[i] !== null && companyPct[i]! < 0) a.negative++;
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
    negative_margin_company: a.known > 0 ? a.negative : null,
    list_price_mrr: a.listed > 0 ? a.list : null,
  }]));
}
