/**
 * Per-plan unit economics: one row per price-book plan (and a last row `all`), computed once from
 * the export frame with Polars groupBy and shown in the brief, the XLSX `summary` sheet and the
 * admin page. Ratios are of sums (revenue-weighted), empty where the denominator is 0; margins are
 * the headline's (lib/economics/margin_sums.ts) over each plan's organizations. Sums set
 * against mrr (margins, MRR per 1,000 requests) read the window's usage, cost and PTB revenue on
 * a 30-day basis (lib/frame/monthly.ts); ratios of two window figures are not scaled.
 */
import pl from "nodejs-polars";
import { ALL_PLANS_LABEL } from "../analysis/scenario/model.ts";
import { monthlyExpr } from "../frame/monthly.ts";
import { allKnownSum, CUSTOMER_COLUMNS, withCustomerColumns } from "../revenue/shared_customers.ts";
import { CUSTOMER_LOSS_COLUMNS, withCustomerLosses } from "./customer_margins.ts";
import {
  companyMarginOfSums,
  companyProfitOfSums,
  marginConditions,
  marginSums,
  specMarginOfSums,
} from "./margin_sums.ts";
import { compareText } from "../core/text_order.ts";
import { perPlanLabelOf } from "../core/no_plan.ts";

/** The table's columns, in order, with what each holds (the brief and the sheet print these). */
export const PER_PLAN_COLUMNS = [
  [
    "plan",
    "price-book plan version ((none) = no plan; all = every organization; a plan named (none) or all reads (none) plan or all plan); a Stripe customer several organizations share counts, with all of them, in the plan of the one whose row carries its revenue",
  ],
  ["organizations", "organizations"],
  [
    "paying_organizations",
    "organizations with mrr > 0, of those with known mrr (empty when none is known)",
  ],
  ["seats", "seats"],
  [
    "mrr",
    "sum of mrr, USD per month, over organizations with known mrr (empty when none is known)",
  ],
  ["arpa", "mrr / paying organizations"],
  [
    "mrr_per_seat",
    "mrr / seats of paying organizations: those whose customer's mrr > 0 (on their own row, or on a sibling's: shared_customer), as arpa divides by paying organizations; seats of free, trialing and canceled organizations are not priced, so they are left out (empty when none pays, or the paying ones have no seats)",
  ],
  [
    "mrr_per_1k_requests",
    "mrr / requests × 1,000 (organizations whose customer's mrr is known, shared_customer ones included)",
  ],
  [
    "llm_cost_per_1k_requests",
    "llm_cost_30d / requests × 1,000: all LLM cost (empty when an organization's llm_cost_30d or requests_30d is unknown: NaN or infinite from a query, never a partial sum)",
  ],
  [
    "company_llm_cost_per_1k_requests",
    "llm_cost_ptb_30d / requests × 1,000: LLM cost the company pays (empty when an organization's llm_cost_ptb_30d or requests_30d is unknown, as llm_cost_per_1k_requests)",
  ],
  [
    "ptb_cost_share_pct",
    "llm_cost_ptb_30d / llm_cost_30d × 100 (empty when an organization's either is unknown, as llm_cost_per_1k_requests)",
  ],
  [
    "margin_all_pct",
    "(Σ mrr − Σ llm_cost_30d) / Σ mrr × 100 over every organization of the plan with known mrr, paying or not (a free or trialing organization's LLM cost counts), plus the LLM cost of organizations whose revenue another organization's row carries (revenue_source shared_customer) when that revenue is known; empty when Σ mrr is 0 (a plan charging nothing, such as free: all its LLM cost is a loss no MRR meets), and when the llm_cost_30d of an organization it counts is unknown (NaN or infinite from a query: a partial sum would overstate the margin) (spec basis; all = the headline's)",
  ],
  [
    "margin_company_pct",
    "(Σ revenue − Σ company_cost_30d) / Σ revenue × 100, revenue = mrr + ptb_revenue_30d, over every organization of the plan with known revenue, zero revenue included (its cost counts), plus the company cost of shared_customer organizations whose customer's revenue is known; empty when an organization of the plan whose customer's mrr is known had PTB cost but its customer's PTB revenue was not read, and when the company_cost_30d of an organization it counts is unknown (NaN or infinite from a query) (company basis; all = the headline's)",
  ],
  [
    "gross_profit_company_usd",
    "Σ revenue − Σ company_cost_30d, USD per month: margin_company_pct's numerator, over the same organizations on the same 30-day basis (revenue = mrr + ptb_revenue_30d), so what the plan earns the company in dollars, negative where it costs more than it brings in; known where the margin is not for want of revenue (a plan charging nothing: its loss), empty when no mrr is known, and when PTB revenue was not read and an organization of the plan whose customer's mrr is known had PTB cost, or a company_cost_30d it counts is unknown, as margin_company_pct (company basis; all = the headline margin's numerator)",
  ],
  [
    "negative_margin_all",
    "organizations of Stripe customers with negative gross margin, spec basis (mrr > 0 and llm_cost_30d > mrr): a customer several organizations share is judged as one, its organizations' llm_cost_30d summed against its mrr, and all of them count, in the plan of its revenue row, as the negative_margin segment counts them (empty when no mrr is known, and when a customer with mrr > 0 has an organization whose llm_cost_30d is unknown, NaN or infinite: its sign cannot be told)",
  ],
  [
    "negative_margin_company",
    "organizations of Stripe customers with negative company-basis margin (company_cost_30d > mrr + ptb_revenue_30d), a shared customer judged as one as in negative_margin_all: its organizations' company_cost_30d summed against its revenue (empty when no mrr is known, and when PTB revenue was not read and an organization of the plan whose customer's mrr is known had PTB cost, or a customer with revenue above $0 has an organization whose company_cost_30d is unknown, as margin_company_pct)",
  ],
  [
    "list_price_mrr",
    "sum of list_price_mrr over every organization of the row (a shared customer's other organizations included); empty when none of the plan's own organizations has a list price (a contract plan)",
  ],
  [
    "mrr_to_list_pct",
    "Σ MRR / Σ list_price_mrr × 100 over paying customers (mrr > 0) with a list price for each of their organizations (a shared customer's MRR against all of its organizations' list prices; 100 = they pay list), like with like: on a plan that prices usage itself (per request, % of LLM cost) its list price holds that usage and the MRR is all of mrr; on any other plan recurring MRR (mrr_recurring) against the flat, seat and add-on list price, both without metered usage (usage_charges has no list price there); trialing, canceled and free organizations are left out, so it is not the row's mrr / list_price_mrr (in all, organizations without a list price are left out too: enterprise contracts, unknown tiers and those no plan matches). The price book is in USD and a customer billed in another currency has its MRR converted at PRICING_FX_RATES: paying exactly its plan's list price in that currency, it reads the exchange rate (79 EUR for a $79 plan at EUR 1.0837: 108.4 %), not a premium; the brief counts such organizations under the table",
  ],
] as const;

export type PerPlanColumn = (typeof PER_PLAN_COLUMNS)[number][0];
export type PerPlanRow = { plan: string } & Record<Exclude<PerPlanColumn, "plan">, number | null>;

const num = (name: string) => pl.col(name).cast(pl.Float64);
/** an organization's own plan, beside `plan` (its Stripe customer's: withCustomerPlan) */
const OWN_PLAN = "_own_plan";
/**
 * an organization with a list price whose own plan, labelled as the row's, is its customer's:
 * worked out once before the group-by and the `all` row, which both count it (the label's
 * pattern over every row, ~80 ms of CPU at a million organizations, once instead of twice)
 */
const OWN_PLAN_LISTED = "_own_plan_listed";
const where = (condition: pl.Expr, value: pl.Expr) =>
  pl.when(condition).then(value).otherwise(pl.lit(0));

/** Sums and counts per group: the same expressions for a plan and for `all`. */
function sums(
  { windowDays, usagePricedPlans }: { windowDays: number; usagePricedPlans: readonly string[] },
): pl.Expr[] {
  const monthly = (name: string) => monthlyExpr(pl.col(name), windowDays);
  const mrrKnown = pl.col("mrr").isNotNull();
  const paying = pl.col("mrr").gt(0);
  // requests set against MRR: an organization's whose customer's MRR is known, its own or on a
  // sibling's row (shared_customer); seats only a paying customer's, as arpa: a trial's or a free
  // organization's seats earn nothing, and counted they read a $20 seat as ~$17
  const customerMrrKnown = pl.col(CUSTOMER_COLUMNS.mrrKnown);
  const customerPays = pl.col(CUSTOMER_COLUMNS.pays);
  const counted = marginConditions();
  const lossOf = {
    spec: pl.col(CUSTOMER_LOSS_COLUMNS.spec).fillNull(false),
    company: pl.col(CUSTOMER_LOSS_COLUMNS.company).fillNull(false),
  };
  const companyUnknown = customerMrrKnown.and(pl.col(CUSTOMER_LOSS_COLUMNS.company).isNull());
  // a paying customer whose LLM cost is unknown (NaN or infinite) may or may not lose money
  const specUnknown = customerMrrKnown.and(pl.col(CUSTOMER_LOSS_COLUMNS.spec).isNull());
  // what a customer pays against its list price: only customers that pay (a trial or a canceled
  // subscription is not a 0 % price), and only when each of its organizations has a list price
  // (its MRR pays for all of them)
  const listKnown = pl.col(CUSTOMER_COLUMNS.listed).and(pl.col(CUSTOMER_COLUMNS.pays));
  const listHasUsage = usagePricedPlans.length === 0
    ? pl.lit(false)
    : pl.col("plan").cast(pl.Utf8).isIn([...usagePricedPlans]);
  // a count over MRR when none is known is unknown, not 0 (Stripe skipped: every mrr empty)
  const ofKnownMrr = (count: pl.Expr) =>
    pl.when(mrrKnown.cast(pl.Int32).sum().gt(0)).then(count).otherwise(pl.lit(null));
  return [
    pl.col("org_id").count().alias("organizations"),
    ofKnownMrr(where(paying, pl.lit(1)).sum()).alias("paying_organizations"),
    num("seats").sum().alias("seats"),
    // a sum of nothing known is unknown, not $0
    pl.when(mrrKnown.cast(pl.Int32).sum().gt(0)).then(num("mrr").sum()).otherwise(pl.lit(null))
      .alias("mrr"),
    where(customerPays, num("seats")).sum().alias("_seats_paying"),
    where(customerMrrKnown, monthly("requests_30d")).sum().alias("_requests_known"),
    // unknown when one organization's is (NaN or infinite): a ratio of partial sums is wrong
    allKnownSum(num("requests_30d")).alias("_requests"),
    allKnownSum(num("llm_cost_30d")).alias("_llm_cost"),
    allKnownSum(num("llm_cost_ptb_30d")).alias("_llm_cost_ptb"),
    // the headline's sums over the plan's organizations: every one with known revenue, paying
    // or not, and those whose revenue a sibling's row carries (their cost)
    ...marginSums({ windowDays }),
    // the organizations each basis counts: margin by plan's n (marginCountsOf)
    where(counted.specCost, pl.lit(1)).sum().alias("_spec_organizations"),
    where(counted.companyCost, pl.lit(1)).sum().alias("_company_organizations"),
    // organizations of loss-making customers: a shared customer judged as one, all of its
    // organizations counted (withCustomerLosses), as the negative_margin segment counts them
    pl.when(where(specUnknown, pl.lit(1)).sum().gt(0)).then(pl.lit(null))
      .otherwise(ofKnownMrr(where(lossOf.spec, pl.lit(1)).sum()))
      .alias("negative_margin_all"),
    // a customer whose company margin cannot be told (PTB revenue not read, PTB cost) leaves the
    // count unknown, as margin_company_pct: a 0 beside "–" read as "none loses money"
    pl.when(where(companyUnknown, pl.lit(1)).sum().gt(0)).then(pl.lit(null))
      .otherwise(ofKnownMrr(where(lossOf.company, pl.lit(1)).sum()))
      .alias("negative_margin_company"),
    num("list_price_mrr").sum().alias("_list_sum"),
    // a plan has a list price when its own organizations do: a free organization on an
    // enterprise customer (its $0 summed in the enterprise row) gave the contract plan "$0.00";
    // its own plan labelled as the row's (a plan named (none) reads (none) plan, all all plan: its
    // list price was lost, as a contract plan's)
    where(pl.col(OWN_PLAN_LISTED), pl.lit(1)).sum().alias("_list_count"),
    // like with like: where list_price_mrr has no usage, neither does the MRR set against it (a
    // customer's MRR is on its revenue row, its other organizations' mrr empty)
    where(
      listKnown,
      pl.when(listHasUsage).then(num("mrr")).otherwise(num("mrr_recurring")).fillNull(0),
    ).sum().alias("_mrr_listed"),
    where(listKnown, num("list_price_mrr")).sum().alias("_list_listed"),
  ];
}

function ratio(
  numerator: pl.Expr,
  denominator: string,
  { scale = 1 }: { scale?: number } = {},
): pl.Expr {
  return pl.when(pl.col(denominator).gt(0))
    .then(numerator.div(pl.col(denominator)).mul(scale))
    .otherwise(pl.lit(null));
}

function ratios(frame: pl.LazyDataFrame): pl.LazyDataFrame {
  return frame.withColumns(
    ratio(pl.col("mrr"), "paying_organizations").alias("arpa"),
    ratio(pl.col("mrr"), "_seats_paying").alias("mrr_per_seat"),
    ratio(pl.col("mrr"), "_requests_known", { scale: 1000 }).alias("mrr_per_1k_requests"),
    ratio(pl.col("_llm_cost"), "_requests", { scale: 1000 }).alias("llm_cost_per_1k_requests"),
    ratio(pl.col("_llm_cost_ptb"), "_requests", { scale: 1000 }).alias(
      "company_llm_cost_per_1k_requests",
    ),
    ratio(pl.col("_llm_cost_ptb"), "_llm_cost", { scale: 100 }).alias("ptb_cost_share_pct"),
    specMarginOfSums().alias("margin_all_pct"),
    // not known when PTB revenue was not read and the plan had PTB cost (as the headline)
    companyMarginOfSums().alias("margin_company_pct"),
    // its numerator in dollars: "the free plan's −94 %" is a loss of how much? (unknown, not $0,
    // when no organization of the plan counts: no mrr known)
    pl.when(pl.col("_company_organizations").gt(0)).then(companyProfitOfSums())
      .otherwise(pl.lit(null)).alias("gross_profit_company_usd"),
    ratio(pl.col("_mrr_listed"), "_list_listed", { scale: 100 }).alias("mrr_to_list_pct"),
    pl.when(pl.col("_list_count").gt(0)).then(pl.col("_list_sum")).otherwise(pl.lit(null))
      .alias("list_price_mrr"),
  ).select(...PER_PLAN_COLUMNS.map(([name]) => name));
}

/**
 * `frame` with the customer columns (lib/revenue/shared_customers.ts) and `plan` the plan of each
 * organization's Stripe customer: its revenue row's, so a customer several organizations share
 * counts in one plan with all of them (revenue and what is set against it together); `(none)`
 * where none, a plan so named `(none) plan` (lib/core/no_plan.ts).
 */
export function withCustomerPlan(
  frame: pl.DataFrame,
  { of = frame }: {
    /** the frame whose columns these are: `frame`'s rows with the columns they read (`frame` less
     * columns added that they do not read) */
    of?: pl.DataFrame;
  } = {},
): pl.DataFrame {
  const customer: string[] = Object.values(CUSTOMER_COLUMNS);
  // `plan` set in its place, the customer's columns after the frame's
  return frame.select(...frame.columns.filter((name) => !customer.includes(name)))
    .withColumns(...customerPlanColumns(of));
}

/**
 * What withCustomerPlan adds to a frame (CUSTOMER_COLUMNS with the plan, and `plan` the customer's),
 * once per frame object: an export groups its rows by the customer's plan three times (PTB
 * timing, the per-plan table's sums, the non-USD list), ~0.1 s of CPU each at a million
 * organizations. Frames are not changed in place, so a frame object's columns stay its columns.
 */
const customerPlanOf = new WeakMap<pl.DataFrame, pl.Series[]>();

function customerPlanColumns(frame: pl.DataFrame): pl.Series[] {
  let columns = customerPlanOf.get(frame);
  if (!columns) {
    const withPlan = withCustomerColumns(frame, { plan: true });
    const names = Object.values(CUSTOMER_COLUMNS).filter((name) => withPlan.columns.includes(name));
    columns = [
      ...names.map((name) => withPlan.getColumn(name)),
      withPlan.getColumn(CUSTOMER_COLUMNS.plan).alias("plan"),
    ];
    customerPlanOf.set(frame, columns);
  }
  return columns;
}

/**
 * Hands withCustomerPlan's columns worked out for `from` on to `to`, a frame of the same rows with
 * every column they read (the export frame: the metrics stage's frame in the column table's order).
 */
export function shareCustomerPlan(from: pl.DataFrame, to: pl.DataFrame): void {
  const known = customerPlanOf.get(from);
  if (known && !customerPlanOf.has(to)) customerPlanOf.set(to, known);
}

/**
 * The sums per plan and over every organization, once per frame: one export reads the table of
 * its frame three times (the chart worker's job, the summary sheet, the brief), each a group-by
 * of nineteen sums over every row on the main thread (~200 ms at a million organizations). Frames
 * are not changed in place, so the sums of a frame object (for a window length) stay its sums.
 */
type PlanSums = { grouped: pl.DataFrame; total: pl.DataFrame };
const sumsOf = new WeakMap<pl.DataFrame, Map<string, PlanSums>>();

function planSums(
  frame: pl.DataFrame,
  { windowDays, usagePricedPlans }: { windowDays: number; usagePricedPlans: readonly string[] },
): PlanSums {
  let byOptions = sumsOf.get(frame);
  if (!byOptions) sumsOf.set(frame, byOptions = new Map());
  const key = JSON.stringify([windowDays, usagePricedPlans]);
  let known = byOptions.get(key);
  if (!known) {
    const expressions = sums({ windowDays, usagePricedPlans });
    // the customer's plan of `frame` (the loss flags and OWN_PLAN are not read by it): the
    // columns PTB timing and the non-USD list group by
    const withPlan = withCustomerPlan(
      withCustomerLosses(frame, windowDays).withColumns(pl.col("plan").alias(OWN_PLAN)),
      { of: frame },
    ).withColumns(
      pl.col("list_price_mrr").isNotNull().and(
        perPlanLabelOf(pl.col(OWN_PLAN)).eq(pl.col("plan").cast(pl.Utf8)).fillNull(false),
      ).alias(OWN_PLAN_LISTED),
    );
    known = {
      grouped: withPlan.groupBy("plan").agg(...expressions),
      total: withPlan.select(pl.lit(ALL_PLANS_LABEL).alias("plan"), ...expressions),
    };
    byOptions.set(key, known);
  }
  return known;
}

export interface PerPlanOptions {
  /** the export window's days: sums set against mrr are on a 30-day basis */
  windowDays: number;
  /** the price book's plan names, in its order (other plans follow by name) */
  planOrder?: readonly string[];
  /**
   * the plans whose list price holds the usage they price (usagePricedPlans of the price book):
   * mrr_to_list_pct sets all of mrr against it, not mrr_recurring
   */
  usagePricedPlans?: readonly string[];
}

/**
 * The per-plan table of an export frame (it needs the economics columns). Plans in `planOrder`
 * (the price book's order) come first, others by name; the last row is `all`.
 */
export function perPlanTable(
  frame: pl.DataFrame,
  { windowDays, planOrder = [], usagePricedPlans = [] }: PerPlanOptions,
): pl.DataFrame {
  const { grouped, total } = planSums(frame, { windowDays, usagePricedPlans });
  const rank = (plan: string) => {
    const i = planOrder.indexOf(plan);
    return i < 0 ? planOrder.length : i;
  };
  const names = grouped.getColumn("plan").toArray() as string[];
  const position = new Map(
    [...names].sort((a, b) => rank(a) - rank(b) || compareText(a, b)).map((plan, i) => [plan, i]),
  );
  // the plans put in order by their position and `all` added in one query with the ratios, where
  // a filter per plan, the concatenation and the ratios were a query each (a fixed cost per table)
  const ordered = grouped.lazy()
    .withColumns(pl.Series(PLAN_POSITION, names.map((plan) => position.get(plan)!), pl.UInt32))
    .sort(PLAN_POSITION).drop(PLAN_POSITION);
  return ratios(
    pl.concat([ordered, total.lazy().select(...grouped.columns)], { how: "vertical" }),
  ).collectSync();
}

/** a plan's place in the table's order (perPlanTable), a helper column */
const PLAN_POSITION = "_plan_position";

/** Per plan: the organizations each margin basis counts, and those whose PTB revenue is unknown. */
export interface MarginCounts {
  gross_margin_pct: number;
  gross_margin_company_pct: number;
  ptb_revenue_unknown: number;
}

/**
 * Margin by plan's n per plan, from the per-plan table's own group-by (made once per frame and
 * kept): the chart worker gets these instead of the customer ids the grouping needs.
 */
export function marginCountsOf(
  frame: pl.DataFrame,
  { windowDays, usagePricedPlans = [] }: PerPlanOptions,
): Record<string, MarginCounts> {
  const { grouped } = planSums(frame, { windowDays, usagePricedPlans });
  const rows = grouped.select(
    "plan",
    "_spec_organizations",
    "_company_organizations",
    "_ptb_unknown",
  )
    .toRecords() as Record<string, unknown>[];
  return Object.fromEntries(rows.map((r) => [r.plan as string, {
    gross_margin_pct: Number(r._spec_organizations),
    gross_margin_company_pct: Number(r._company_organizations),
    ptb_revenue_unknown: Number(r._ptb_unknown),
  }]));
}

/** The table as plain rows (for the brief, the sheet and the page). */
export function perPlanRows(table: pl.DataFrame): PerPlanRow[] {
  return table.toRecords() as unknown as PerPlanRow[];
}

/**
 * A currency cell the split in nonUsdListed finds no code but USD in: codes that are USD or empty,
 * comma-separated, with ASCII blanks around them. A subset of what the split drops (its trim and
 * upper-casing know more blanks and letters), so a cell this misses is still judged by the split.
 */
const ONLY_USD = String
  .raw`^[ \t\n\r]*([uU][sS][dD])?[ \t\n\r]*(,[ \t\n\r]*([uU][sS][dD])?[ \t\n\r]*)*$`;

/**
 * The organizations mrr_to_list_pct counts (paying customers with a list price for each of their
 * organizations) billed in a currency other than USD: their MRR is converted at PRICING_FX_RATES
 * and set against the USD price book, so at list price in their own currency they read the
 * exchange rate. Their currencies and plans (their customers'), in order; null when there are none
 * (or the frame has no `currency`).
 */
export function nonUsdListed(
  frame: pl.DataFrame,
): { organizations: number; currencies: string[]; plans: string[] } | null {
  if (!frame.columns.includes("currency") || !frame.columns.includes("list_price_mrr")) return null;
  // (one query: the filter of every column and the select were one each)
  const listed = withCustomerPlan(frame).lazy()
    .filter(
      pl.col(CUSTOMER_COLUMNS.listed).and(pl.col(CUSTOMER_COLUMNS.pays))
        .and(pl.col("currency").isNotNull())
        // USD alone (most rows) is left out in Polars: the codes of a million listed paying
        // organizations taken out as JS strings and split cost ~0.3–0.5 s of CPU at a million
        .and(pl.col("currency").cast(pl.Utf8).str.contains(ONLY_USD).not()),
    )
    .select(pl.col("currency").cast(pl.Utf8), pl.col("plan").cast(pl.Utf8))
    .collectSync();
  const currencies = new Set<string>();
  const plans = new Set<string>();
  let organizations = 0;
  const codesOf = listed.getColumn("currency").toArray() as string[];
  const planOf = listed.getColumn("plan").toArray() as string[];
  codesOf.forEach((text, i) => {
    // comma-separated for a customer billed in several
    const foreign = text.split(",").map((code) => code.trim().toUpperCase())
      .filter((code) => code !== "" && code !== "USD");
    if (foreign.length === 0) return;
    organizations++;
    for (const code of foreign) currencies.add(code);
    plans.add(planOf[i]);
  });
  if (organizations === 0) return null;
  return { organizations, currencies: [...currencies].sort(), plans: [...plans] };
}
