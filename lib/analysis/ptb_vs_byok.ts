/**
 * 6. PTB vs BYOK, one of the spec's Key Pricing Questions (lib/analysis/questions.ts lists them).
 * Every figure says which organizations it covers: the sums over all of a traffic type, the
 * company-basis margin over those with one (gross_margin_company_pct: revenue known and above $0),
 * with that margin's own sums beside it, so the reading's and the table row's figures give it.
 */
import pl from "nodejs-polars";
import {
  type Answer,
  columnTotal,
  companyKnown,
  count,
  percent,
  plural,
  requireColumns,
  TRAFFIC_TYPES,
  type TrafficFacts,
  type TrafficType,
  usd,
} from "./question_common.ts";

/**
 * Organizations by traffic in the window: gateway-only (pass-through billing, PTB), mixed,
 * BYOK-only, none. Gross margin two ways: on all LLM cost (the spec's) and on the company's cost
 * basis, as the export's gross_margin_company_pct and per-plan table: MRR plus the PTB revenue
 * received against the pass-through LLM cost the company pays plus infrastructure. The frame's
 * window columns are on a 30-day basis (usageOnMonthlyBasis), so each sum is a month's.
 *
 * Table, one row per traffic type: `organizations` … `company_cost_30d`, `mrr_per_org` and
 * `gross_margin_pct` cover all its organizations (unknown MRR, PTB revenue and cost as $0);
 * `company_margin_organizations`, `company_margin_revenue` (MRR + PTB revenue) and
 * `company_margin_cost` those with a company-basis margin, which `margin_company_pct` is over.
 */
export function ptbVsByok(frame: pl.DataFrame): Answer<Record<TrafficType, TrafficFacts>> {
  requireColumns(frame, {
    question: "PTB vs BYOK",
    names: [
      "has_gateway_only",
      "is_byok",
      "ptb_requests_30d",
      "requests_30d",
      "llm_cost_30d",
      "llm_cost_ptb_30d",
      "mrr",
      "ptb_revenue_30d",
      "company_cost_30d",
      "gross_margin_company_pct",
    ],
  });
  const [gateway, mixed, byok, none] = TRAFFIC_TYPES;
  const traffic = pl.when(pl.col("has_gateway_only")).then(pl.lit(gateway))
    .when(pl.col("is_byok").and(pl.col("ptb_requests_30d").gt(0))).then(pl.lit(mixed))
    .when(pl.col("is_byok")).then(pl.lit(byok))
    .otherwise(pl.lit(none));
  const grouped = frame
    .withColumns(traffic.alias("traffic"))
    .groupBy("traffic")
    .agg(
      pl.len().alias("organizations"),
      pl.col("requests_30d").sum().alias("requests_30d"),
      pl.col("llm_cost_30d").sum().alias("llm_cost_30d"),
      pl.col("llm_cost_ptb_30d").fillNull(0).sum().alias("llm_cost_ptb_30d"),
      pl.col("mrr").fillNull(0).sum().alias("mrr"),
      pl.col("ptb_revenue_30d").fillNull(0).sum().alias("ptb_revenue_30d"),
      pl.col("company_cost_30d").fillNull(0).sum().alias("company_cost_30d"),
      // the company-basis margin's population and sums: organizations with a margin only
      companyKnown(pl.lit(1)).sum().alias("company_margin_organizations"),
      companyKnown(pl.col("mrr")).sum().alias("_company_mrr"),
      companyKnown(pl.col("ptb_revenue_30d").fillNull(0)).sum().alias("_company_ptb_revenue"),
      companyKnown(pl.col("company_cost_30d")).sum().alias("company_margin_cost"),
    )
    .withColumns(
      pl.col("company_margin_organizations").fillNull(0).cast(pl.UInt32),
      pl.col("_company_mrr").fillNull(0),
      pl.col("_company_ptb_revenue").fillNull(0),
      pl.col("company_margin_cost").fillNull(0),
    )
    .withColumns(
      pl.col("_company_mrr").add(pl.col("_company_ptb_revenue")).alias("company_margin_revenue"),
    );
  const margin = (cost: string) =>
    pl.when(pl.col("mrr").gt(0))
      .then(pl.col("mrr").minus(pl.col(cost)).div(pl.col("mrr")).mul(100))
      .otherwise(pl.lit(null));
  const order = new Map<string, number>(TRAFFIC_TYPES.map((type, i) => [type, i]));
  const types = grouped.getColumn("traffic").toArray() as string[];
  const withMargins = grouped
    .withColumns(
      pl.Series("order", types.map((type) => order.get(type)!), pl.Int32),
      pl.col("mrr").div(pl.col("organizations")).alias("mrr_per_org"),
      margin("llm_cost_30d").alias("gross_margin_pct"),
      pl.when(pl.col("company_margin_revenue").gt(0))
        .then(
          pl.col("company_margin_revenue").minus(pl.col("company_margin_cost"))
            .div(pl.col("company_margin_revenue")).mul(100),
        )
        .otherwise(pl.lit(null))
        .alias("margin_company_pct"),
    )
    .sort("order");

  const facts = Object.fromEntries(TRAFFIC_TYPES.map((type) => {
    const row = withMargins.filter(pl.col("traffic").eq(pl.lit(type)));
    return [type, {
      organizations: columnTotal(row, "organizations"),
      mrrUsd: columnTotal(row, "mrr"),
      llmCostUsd: columnTotal(row, "llm_cost_30d"),
      ptbLlmCostUsd: columnTotal(row, "llm_cost_ptb_30d"),
      ptbRevenueUsd: columnTotal(row, "ptb_revenue_30d"),
      companyCostUsd: columnTotal(row, "company_cost_30d"),
      companyMarginPct: row.height === 0
        ? null
        : (row.getColumn("margin_company_pct").get(0) as number | null),
      companyMargin: {
        organizations: columnTotal(row, "company_margin_organizations"),
        mrrUsd: columnTotal(row, "_company_mrr"),
        ptbRevenueUsd: columnTotal(row, "_company_ptb_revenue"),
        companyCostUsd: columnTotal(row, "company_margin_cost"),
      },
    }];
  })) as Record<TrafficType, TrafficFacts>;
  const table = withMargins.select(
    "traffic",
    "organizations",
    "requests_30d",
    "llm_cost_30d",
    "llm_cost_ptb_30d",
    "mrr",
    "ptb_revenue_30d",
    "company_cost_30d",
    "mrr_per_org",
    "gross_margin_pct",
    "company_margin_organizations",
    "company_margin_revenue",
    "company_margin_cost",
    "margin_company_pct",
  );
  const g = facts[gateway];
  const b = facts[byok];
  const m = facts[mixed];
  const reading = `${plural(g.organizations, { one: "organization" })} ${
    g.organizations === 1 ? "is" : "are"
  } gateway-only: ${usd(g.mrrUsd)} MRR and ${usd(g.ptbRevenueUsd)} of PTB revenue against ${
    usd(g.ptbLlmCostUsd)
  } of pass-through LLM cost the company pays, ${companyMarginWords(g, { defineCost: true })}; ${
    plural(b.organizations, { one: "organization" })
  } ${b.organizations === 1 ? "is" : "are"} BYOK-only (${usd(b.mrrUsd)} MRR, their ${
    usd(b.llmCostUsd)
  } of LLM cost paid to the providers by themselves) and ${count(m.organizations)} mixed (${
    usd(m.mrrUsd)
  } MRR, ${usd(m.ptbLlmCostUsd)} pass-through, ${companyMarginWords(m, { defineCost: false })}).`;
  return { table, facts, reading };
}

/**
 * The company-basis margin with the organizations it covers and its own sums, then what the
 * others cost: "company-basis margin 83.9 % over the 23 with known revenue above $0 ($23,478 MRR +
 * $5,749 PTB revenue against $4,692 company cost; the other 26 cost $781)"; "over all of them"
 * when every organization of the type has one. `defineCost`: say what company cost is (its first
 * mention in the reading).
 */
function companyMarginWords(facts: TrafficFacts, { defineCost }: { defineCost: boolean }): string {
  const { organizations, mrrUsd, ptbRevenueUsd, companyCostUsd } = facts.companyMargin;
  if (facts.companyMarginPct === null) {
    return facts.organizations === 0
      ? "no company-basis margin"
      : "company-basis margin unknown (none with known revenue above $0)";
  }
  const others = facts.organizations - organizations;
  const over = others === 0
    ? organizations === 1 ? "" : " over all of them"
    : ` over the ${count(organizations)} with known revenue above $0`;
  const costWords = defineCost
    ? "company cost, pass-through LLM cost + infrastructure"
    : "company cost";
  // the others' company cost: the type's company_cost_30d less the margin's
  const othersCost = others === 0
    ? ""
    : `; the other ${count(others)} cost ${
      usd(Math.max(0, facts.companyCostUsd - companyCostUsd))
    }`;
  return `company-basis margin ${percent(facts.companyMarginPct)}${over} (${usd(mrrUsd)} MRR + ${
    usd(ptbRevenueUsd)
  } PTB revenue against ${usd(companyCostUsd)} ${costWords}${othersCost})`;
}
