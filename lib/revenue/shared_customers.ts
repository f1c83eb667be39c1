/**
 * Organizations that share a Stripe customer. The revenue columns carry a customer's revenue once,
 * on one organization's row (the paying one, REVENUE_ROW_RANK in columns.ts; the others read revenue_source shared_customer with mrr
 * and ptb_revenue_30d empty: columns.ts), so whatever is set against revenue (seats, requests,
 * list price, cost) counts for such an organization when its customer's revenue is known, and in
 * the same group as that revenue: sums per plan group a customer's organizations under the plan
 * of its revenue row.
 *
 * The customer's figures are columns, worked out over the whole frame before any group-by: a
 * figure of the customer computed inside a group-by sees that group's rows only, and a customer's
 * organizations may fall in different groups (traffic types).
 */
import pl from "nodejs-polars";
import { perPlanLabelOf } from "../core/no_plan.ts";
import { revenueOnSibling } from "./columns.ts";

const KEY = "stripe_customer_id";

/** The columns withCustomerColumns adds. */
export const CUSTOMER_COLUMNS = {
  /** its customer's mrr is known: on its own row, or on its revenue row (shared_customer) */
  mrrKnown: "_customer_mrr_known",
  /**
   * its customer's PTB revenue is known, or not needed: none of the customer's organizations had
   * PTB cost (null, as gross_margin_company_pct has it, where an organization's own PTB cost and
   * revenue are both unknown)
   */
  ptbKnown: "_customer_ptb_known",
  /** its customer's ptb_revenue_30d */
  ptbRevenue: "_customer_ptb_revenue",
  /** its customer pays: mrr > 0 */
  pays: "_customer_pays",
  /** every organization of its customer has a list price (list_price_mrr) */
  listed: "_customer_listed",
  /**
   * the plan of its customer's revenue row, labelled as lib/core/no_plan.ts labels plans (`(none)`
   * where none); only with `plan`
   */
  plan: "_customer_plan",
  /** its customer's mrr (its revenue row's; null when unknown); only with `usage` */
  mrr: "_customer_mrr",
  /**
   * its customer's organizations' requests_30d, summed; null when one of them is unknown (NaN or
   * infinite from a query): a partial sum would judge the customer on some of its usage. Only
   * with `usage`
   */
  requests: "_customer_requests_30d",
  /** its customer's organizations' llm_cost_30d, summed (null as requests); only with `usage` */
  llmCost: "_customer_llm_cost_30d",
  /** its customer's organizations' company_cost_30d, summed (null as requests); only with `usage` */
  companyCost: "_customer_company_cost_30d",
} as const;

/** Prefix of a shared customer's joined figures; `_shared_customer` itself marks a joined row. */
const JOINED = "_shared_customer";

/** What an organization gives its customer's figures, from its own row. */
interface OwnFigures {
  mrrKnown: pl.Expr;
  ptbRevenueKnown: pl.Expr;
  ptbRevenue: pl.Expr;
  ptbCost: pl.Expr;
  pays: pl.Expr;
  listed: pl.Expr;
  plan: pl.Expr | null;
  usage: { mrr: pl.Expr; requests: pl.Expr; llmCost: pl.Expr; companyCost: pl.Expr } | null;
}

/**
 * `frame` with CUSTOMER_COLUMNS. For an organization of a customer with a shared_customer row
 * they are the customer's, worked out over those few rows and joined back by customer id (a
 * window over a million ids took ~1 s, the join ~25 ms); elsewhere each is the organization's
 * own. A shared_customer row whose revenue row is not in the frame has its customer's revenue
 * unknown.
 */
export function withCustomerColumns(
  frame: pl.DataFrame,
  { plan, usage }: {
    /** add the customer's plan (the per-plan table's grouping) */
    plan?: boolean;
    /** add the customer's mrr and its organizations' summed usage (rules judging a customer) */
    usage?: boolean;
  } = {},
): pl.DataFrame {
  // the frame's columns the figures read (and KEY, to join on): the join carries these only
  const read = new Set<string>([KEY]);
  const has = (name: string) => {
    const present = frame.columns.includes(name);
    if (present) read.add(name);
    return present;
  };
  const number = (name: string) =>
    has(name) ? pl.col(name).cast(pl.Float64) : pl.lit(null).cast(pl.Float64);
  const mrr = number("mrr");
  const own: OwnFigures = {
    mrrKnown: mrr.isNotNull(),
    ptbRevenueKnown: number("ptb_revenue_30d").isNotNull(),
    ptbRevenue: number("ptb_revenue_30d"),
    ptbCost: number("llm_cost_ptb_30d"),
    pays: mrr.gt(0).fillNull(false),
    listed: has("list_price_mrr") ? pl.col("list_price_mrr").isNotNull() : pl.lit(false),
    plan: !plan ? null : perPlanLabelOf(has("plan") ? pl.col("plan") : pl.lit(null)),
    usage: usage
      ? {
        mrr,
        requests: number("requests_30d"),
        llmCost: number("llm_cost_30d"),
        companyCost: number("company_cost_30d"),
      }
      : null,
  };
  const C = CUSTOMER_COLUMNS;
  // [name, the organization's own, the joined customer's]: the customer's built only when a
  // customer is shared (each expression a JS object of ~250 closures, ~20 µs; most calls have none)
  const added: [string, pl.Expr, () => pl.Expr][] = [
    [C.mrrKnown, own.mrrKnown, () => pl.col(`${JOINED}_mrr_known`)],
    [
      C.ptbKnown,
      own.ptbRevenueKnown.or(own.ptbCost.eq(0)),
      () => pl.col(`${JOINED}_ptb_revenue_known`).or(pl.col(`${JOINED}_ptb_cost`).eq(0)),
    ],
    [C.ptbRevenue, own.ptbRevenue, () => pl.col(`${JOINED}_ptb_revenue`)],
    [C.pays, own.pays, () => pl.col(`${JOINED}_pays`)],
    [C.listed, own.listed, () => pl.col(`${JOINED}_listed`)],
    ...(own.plan
      ? [[C.plan, own.plan, () => pl.col(`${JOINED}_plan`).fillNull(own.plan!)] as [
        string,
        pl.Expr,
        () => pl.Expr,
      ]]
      : []),
    ...(own.usage
      ? [
        [C.mrr, own.usage.mrr, () => pl.col(`${JOINED}_mrr`)],
        [C.requests, own.usage.requests, () => pl.col(`${JOINED}_requests`)],
        [C.llmCost, own.usage.llmCost, () => pl.col(`${JOINED}_llm_cost`)],
        [C.companyCost, own.usage.companyCost, () => pl.col(`${JOINED}_company_cost`)],
      ] as [string, pl.Expr, () => pl.Expr][]
      : []),
  ];
  const customers = sharedCustomerFigures(frame, own);
  if (!customers) return frame.withColumns(...added.map(([name, mine]) => mine.alias(name)));
  const names = added.map(([name]) => name);
  // joined over the columns the figures read only, then set beside the frame's: a join carrying
  // every column gathered all of them anew (at a million rows, 46 columns, ~0.1 s of CPU a call)
  const columns = frame.lazy().select(...read)
    .join(customers.lazy(), { on: KEY, how: "left", maintainOrder: "left" } as never)
    .select(
      // the customer's where the organization's customer is shared (a joined row), else its own
      ...added.map(([name, mine, customer]) =>
        pl.when(pl.col(JOINED).isNotNull()).then(customer()).otherwise(mine).alias(name)
      ),
    )
    .collectSync();
  return frame.select(...frame.columns.filter((name) => !names.includes(name)))
    .withColumns(...columns.getColumns());
}

/**
 * One row per Stripe customer with a shared_customer row in `frame` (by stripe_customer_id), the
 * `figures` over all of its organizations' rows; null when no organization shares a customer or
 * the frame has no customer ids or revenue_source. `ofRevenueRow(value)` is the value on the
 * customer's revenue row (the one organization not shared_customer; null when it is not in the
 * frame). Worked out over those few rows only; callers join it back by customer id
 * (withCustomerColumns here, a comparison's comparedRevenue in lib/analysis/compare_shared.ts).
 */
export function perSharedCustomer(
  frame: pl.DataFrame,
  figures: (ofRevenueRow: (value: pl.Expr) => pl.Expr) => pl.Expr[],
): pl.DataFrame | null {
  if (!frame.columns.includes(KEY) || !frame.columns.includes("revenue_source")) return null;
  const onSibling = revenueOnSibling(frame);
  // (the two columns read, not a filter of every column's rows; one query, where a select, a
  // filter, a select and a unique were four, each with its fixed cost of a collection)
  const ids = frame.lazy().select(KEY, "revenue_source")
    .filter(onSibling.and(pl.col(KEY).isNotNull())).select(KEY).unique().collectSync();
  if (ids.height === 0) return null;
  // on the revenue row only (one per customer: max picks it; none in the frame: null)
  const ofRevenueRow = (value: pl.Expr) =>
    pl.when(onSibling.not()).then(value).otherwise(pl.lit(null)).max();
  return frame.lazy().join(ids.lazy(), { on: KEY, how: "semi" }).groupBy(KEY)
    .agg(...figures(ofRevenueRow)).collectSync();
}

/** Σ value, null when one is unknown (empty): a customer's sum over some of its organizations. */
export function allKnownSum(value: pl.Expr): pl.Expr {
  return pl.when(value.isNull().any()).then(pl.lit(null).cast(pl.Float64)).otherwise(value.sum());
}

/**
 * One row per Stripe customer with a shared_customer row: its figures from its organizations'
 * own, those of the revenue where the revenue is (the organization that is not shared_customer);
 * null when no organization shares a customer.
 */
function sharedCustomerFigures(frame: pl.DataFrame, own: OwnFigures): pl.DataFrame | null {
  return perSharedCustomer(frame, (ofRevenueRow) => {
    const flag = (value: pl.Expr) => ofRevenueRow(value.cast(pl.Int8)).eq(1).fillNull(false);
    return [
      pl.lit(true).alias(JOINED),
      flag(own.mrrKnown).alias(`${JOINED}_mrr_known`),
      flag(own.ptbRevenueKnown).alias(`${JOINED}_ptb_revenue_known`),
      ofRevenueRow(own.ptbRevenue).alias(`${JOINED}_ptb_revenue`),
      allKnownSum(own.ptbCost).alias(`${JOINED}_ptb_cost`),
      flag(own.pays).alias(`${JOINED}_pays`),
      own.listed.cast(pl.Int8).min().eq(1).alias(`${JOINED}_listed`),
      ...(own.plan ? [ofRevenueRow(own.plan).alias(`${JOINED}_plan`)] : []),
      ...(own.usage
        ? [
          ofRevenueRow(own.usage.mrr).alias(`${JOINED}_mrr`),
          allKnownSum(own.usage.requests).alias(`${JOINED}_requests`),
          allKnownSum(own.usage.llmCost).alias(`${JOINED}_llm_cost`),
          allKnownSum(own.usage.companyCost).alias(`${JOINED}_company_cost`),
        ]
        : []),
    ];
  });
}
