/**
 * The MRR bridge over a history of snapshots (revenue-rules.md, "MRR movements and MRR from
 * invoices", rules 1–3), computed with Polars over a long frame of (snapshot, organization), its
 * organizations grouped by customer for the movements:
 *
 * - customer-month bridge: s/e = the customer's `mrr_recurring` at the previous/this snapshot (its
 *   organizations' summed: bridge_keys.ts), in integer cents. s = 0 < e: `new` if it never paid in an earlier snapshot, else
 *   `reactivation`; e = 0 < s: `churn` s; else e − s as `expansion` / `contraction`. Everything
 *   that happened between two snapshots nets into one movement.
 * - pauses (rule 6), where a snapshot has `subscription_status` (exports; backfills only mark
 *   the customers paused now, lib/history/invoice_revenue.ts): e = 0 < s with a paused subscription at e is `paused` s, not churn; s = 0 < e is
 *   `resumed` e, not new or reactivation, when the customer's pause is open at the previous
 *   snapshot (openPauses: its drop to 0 was booked `paused`, or it was paused at 0 at the baseline,
 *   and it has been paused at 0 at every snapshot since).
 * - plan bridge per (customer, plan) (plan_bridge.ts): a paying customer whose plan changed while
 *   paying is `moved_out` of the old plan (its s) and `moved_in` to the new one (its e); other
 *   movements take the customer's label on its plan (churn on the old plan, new/reactivation on
 *   the new).
 * - FX (rule 7): a customer billed in another currency than USD has its end valued at the start
 *   snapshot's rate for the movements, and the drift booked as `fx_impact` (bridge_fx.ts).
 * - every month, company and plan: start + new + expansion + reactivation + resumed + moved_in −
 *   contraction − churn − paused − moved_out + fx_impact = end, and start = the previous end,
 *   checked in integer cents (bridge_check.ts).
 *
 * The plan is the `plan` column where the snapshot has one (lib/economics), else `tier`; a
 * shared_customer organization takes its Stripe customer's revenue row's (customerPlan), and a
 * customer the plan of its organization carrying the revenue (perCustomer).
 */
import pl from "nodejs-polars";
import { asOfKey } from "./periods.ts";
import { lazyOf, STREAMING } from "./lazy.ts";
import { customerPlan, ownPlanOf } from "./customer_plan.ts";
import { planVersionsOf } from "./plan_versions.ts";
import { CUSTOMER, customerKeyOf, perCustomer } from "./bridge_keys.ts";
import { openPausesOf, withOpenPause } from "./bridge_pauses.ts";
import { COST_UNKNOWN_COLUMNS, snapshotTotals, TOTALS_FIGURES } from "./bridge_totals.ts";
export {
  snapshotSums,
  snapshotSumsByColumn,
  snapshotTotals,
  totalsRatios,
} from "./bridge_totals.ts";
import * as fx from "./bridge_fx.ts";
import { billedColumns, billedSide, nativeMinorOf } from "./bridge_currency.ts";
import { MOVEMENTS } from "./bridge_movements.ts";
const FX_IMPACT = fx.FX_IMPACT;

export interface HistoryPoint {
  asOf: Date;
  /** an export frame (at least org_id, tier, mrr_recurring, mrr, requests_30d, llm_cost_*) */
  frame: pl.DataFrame;
  /** the FX rates that converted its revenue, when recorded (bridge_fx.ts) */
  fxRates?: fx.FxRates;
}

export { MOVEMENTS };
export const PLAN_MOVES = ["moved_in", "moved_out"] as const;

/** Columns of the bridge frames, in order (amounts in integer cents). */
export const COMPANY_BRIDGE_COLUMNS = [
  "month",
  "start_cents",
  ...MOVEMENTS.map((m) => `${m}_cents`),
  `${FX_IMPACT}_cents`,
  "end_cents",
] as const;

/**
 * Customers per movement (logo counts): those paying at the start and the end, and those each
 * movement moved (its amount > 0), company and per plan (moved in/out per plan only).
 */
export const COUNTED = ["start", ...MOVEMENTS, ...PLAN_MOVES, "end"] as const;
export const CUSTOMER_COUNT_COLUMNS = COUNTED.map((m) => `${m}_customers`);
const COMPANY_COUNT_COLUMNS = CUSTOMER_COUNT_COLUMNS.filter((name) =>
  !PLAN_MOVES.some((m) => name === `${m}_customers`)
);
/** How many rows have `name` > 0 (customers: one row each), as `<name>_customers`. */
export const countOf = (name: string) =>
  pl.col(name).gt(0).cast(pl.Int64).sum().cast(pl.Int64).alias(`${name}_customers`);

const num = (name: string) => pl.col(name).cast(pl.Float64).fillNull(0);

/** The snapshot columns the history report reads (historyLong, withRevenue). */
export const HISTORY_COLUMNS = [
  "org_id",
  "tier",
  "plan",
  "mrr_recurring",
  "mrr",
  "requests_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "subscription_status",
  // a shared_customer row: MRR known (mrrStats), its customer's plan (customerPlan)
  "revenue_source",
  "stripe_customer_id",
  "currency", // its billing currency: FX drift apart (bridge_fx.ts)
  "mrr_recurring_minor", // its MRR in that currency, exactly (bridge_currency.ts; snapshot only)
] as const;

/** An organization's recurring MRR in integer cents (unknown: 0). */
export const centsOf = () => num("mrr_recurring").mul(100).round(0).cast(pl.Int64);

/**
 * Whether one of the organization's subscriptions is paused: `subscription_status` (its statuses,
 * comma-separated) lists `paused`. False where the snapshot has no status (a backfill's is empty).
 */
export const pausedOf = (columns: readonly string[]): pl.Expr =>
  columns.includes("subscription_status")
    ? pl.col("subscription_status").cast(pl.Utf8).str.contains("(^|,)paused(,|$)").fillNull(false)
    : pl.lit(false);

/**
 * How historyColumns reads an organization's plan: its Stripe customer's (customerPlan's window
 * over ownPlanOf), its own (ownPlanOf: where the caller knows no shared_customer organization is
 * among the rows, the plan then each organization's own as customerPlan would give it), or the
 * frame's `plan` as it is (withCustomerPlans' already, labelled: not labelled again).
 */
export type PlanReading = "customer" | "own" | "given";

/**
 * The report's columns of one snapshot, per organization: org_id, customer (customerKeyOf), plan
 * (as `plans` says, default the customer's; ownPlanOf with the snapshot's `planVersions`:
 * plan_versions.ts), MRR in integer cents, usage and cost, is_paused (pausedOf), currency with its
 * rates (fxColumns) and the MRR in that currency where the snapshot stores it (nativeMinorOf).
 */
export function historyColumns(
  columns: readonly string[],
  { planVersions, plans = "customer", ...rates }: {
    planVersions: boolean | null;
    plans?: PlanReading;
    own?: fx.FxRates;
    previous?: fx.FxRates;
  },
): pl.Expr[] {
  const own = ownPlanOf(columns, planVersions);
  const plan = plans === "given"
    ? pl.col("plan")
    : plans === "customer"
    ? customerPlan(own, columns)
    : own;
  return [
    pl.col("org_id"),
    customerKeyOf(columns),
    plan.alias("plan"),
    centsOf().alias("cents"),
    num("mrr").alias("mrr"),
    num("requests_30d").alias("requests"),
    // empty: unknown (a query's NaN or infinite cost, or an imported file's empty cell), counted by
    // the sums, never read as $0
    pl.col("llm_cost_30d").cast(pl.Float64).alias("llm_cost"),
    pl.col("llm_cost_ptb_30d").cast(pl.Float64).alias("llm_cost_ptb"),
    pausedOf(columns).alias("is_paused"),
    ...fx.fxColumns(columns, rates),
    nativeMinorOf(columns),
  ];
}

/** The `idx` column of snapshot `idx` (its place among the bridge's snapshots, oldest first). */
export const idxColumn = (idx: number): pl.Expr => pl.lit(idx).cast(pl.Int32).alias("idx");

/** One row per (snapshot, organization): historyColumns' columns, idx and month. */
export function historyLong(points: HistoryPoint[]): pl.DataFrame {
  const ordered = [...points].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
  const parts = ordered.map((point, idx) =>
    point.frame.select(
      ...historyColumns(point.frame.columns, {
        planVersions: planVersionsOf(point),
        own: point.fxRates,
        previous: ordered[idx - 1]?.fxRates,
      }),
    ).withColumns(
      idxColumn(idx),
      pl.lit(asOfKey(point.asOf)).alias("month"),
    )
  );
  if (parts.length === 0) throw new Error("historyLong needs at least one snapshot");
  return pl.concat(parts, { how: "vertical" });
}

const when = (condition: pl.Expr, value: pl.Expr) =>
  pl.when(condition).then(value).otherwise(pl.lit(0)).cast(pl.Int64);

/** What movementsOf joins: each side's customers, the first paid idx, the months. */
export interface MovementInputs {
  /** customer, idx, plan_e, e, paused_e, cur_e, rate_s, rate_e: the customers of snapshot idx */
  current: pl.DataFrame | pl.LazyDataFrame;
  /**
   * customer, idx (the next snapshot's), plan_s, s, open_s (the customer's pause is open at
   * idx − 1: openPauses), cur_s: the customers of idx − 1
   */
  previous: pl.DataFrame | pl.LazyDataFrame;
  /**
   * customer, first_paid: the first snapshot idx where the customer paid; absent where `current`
   * carries first_paid (aggregate_customers.ts pairSums)
   */
  firstPaid?: pl.DataFrame;
  /** idx, month_e: the month of each snapshot with organizations */
  months: pl.DataFrame;
  /**
   * One pair of snapshots: current and previous have no idx column and are joined on the
   * customer alone (a cheaper join), then every row gets this idx.
   */
  idx?: number;
  /**
   * The columns naming the customer in current, previous and firstPaid: customer, or keys
   * standing for it (aggregate_customers.ts: null where the customer is null).
   */
  on?: string | string[];
}

/**
 * Rule 1 per customer: the full join of the two sides, s and e (0 when absent), and the
 * movement amounts (each ≥ 0, cents) and plan_changed.
 */
export function movementsOf(inputs: MovementInputs): pl.DataFrame {
  // one lazy query: the joins' intermediate frames are freed as it ends, not when V8 collects
  return withMovements(joinedSides(inputs)).collectSync();
}

/**
 * movementsOf's join: per customer idx, plan_e, e, paused_e, plan_s, s, open_s (0 and false when
 * absent), first_paid and month_e, besides the customer column.
 */
export function joinedSides(
  { current, previous, firstPaid, months, idx, on = CUSTOMER }: MovementInputs,
): pl.LazyDataFrame {
  const joined: pl.LazyDataFrame = idx === undefined
    ? lazyOf(current).join(lazyOf(previous), {
      on: [on, "idx"].flat(),
      how: "full",
      coalesce: true,
    })
    : lazyOf(current).join(lazyOf(previous), { on, how: "full", coalesce: true })
      .withColumns(idxColumn(idx));
  // (first_paid counts for starts only: a customer of the current side)
  return (firstPaid ? joined.join(firstPaid.lazy(), { on, how: "left" }) : joined)
    .join(months.lazy(), { on: "idx", how: "left" })
    .withColumns(
      pl.col("s").fillNull(0).cast(pl.Int64).alias("s"),
      pl.col("e").fillNull(0).cast(pl.Int64).alias("e"),
      pl.col("open_s").fillNull(false).alias("open_s"),
      pl.col("paused_e").fillNull(false).alias("paused_e"),
    );
}

/**
 * movementsOf's movement amounts, e_fx and fx_impact (bridge_fx.ts) and plan_changed from
 * joinedSides' columns; month_e → month. A gain is valued at the start rate (e_fx).
 */
export function withMovements(joined: pl.LazyDataFrame): pl.LazyDataFrame {
  const s = pl.col("s"), e = pl.col("e"), ee = pl.col("e_fx");
  const both = s.gt(0).and(e.gt(0));
  // rule 6: a stop to a paused subscription is a pause, a start from an open pause its end (a
  // start from a paused subscription whose drop was churn, or that never paid, is not)
  const starts = s.eq(0).and(e.gt(0)), stops = s.gt(0).and(e.eq(0));
  const fromPause = pl.col("open_s"), intoPause = pl.col("paused_e");
  const firstStart = starts.and(fromPause.not());
  return joined
    .withColumns(fx.endAtStartRate())
    .withColumns(
      when(firstStart.and(pl.col("first_paid").eq(pl.col("idx"))), ee).alias("new"),
      when(firstStart.and(pl.col("first_paid").lt(pl.col("idx"))), ee).alias("reactivation"),
      when(starts.and(fromPause), ee).alias("resumed"),
      when(stops.and(intoPause.not()), s).alias("churn"),
      when(stops.and(intoPause), s).alias("paused"),
      when(both.and(ee.gt(s)), ee.sub(s)).alias("expansion"),
      when(both.and(ee.lt(s)), s.sub(ee)).alias("contraction"),
      fx.fxImpactOf(),
      // a plan change while paying: out of the old plan, into the new (rule 2)
      both.and(pl.col("plan_s").neq(pl.col("plan_e"))).fillNull(false).alias("plan_changed"),
    )
    .rename({ month_e: "month" }); // unsorted: 12 × 100k string keys are costly to sort
}

/**
 * The current side of a pair of snapshots (movementsOf, joinedSides) from its paying and paused
 * customers' rows (plan, cents, is_paused, currency and bridge_fx's columns), keyed by `keys`: the
 * in-memory bridge's customer and idx, the streamed bridge's customer_id with its first_paid
 * (aggregate_customers.ts). A query: the join reads it, no copy of the side is made first.
 */
export const currentSide = (frame: pl.DataFrame, keys: (string | pl.Expr)[]) =>
  frame.lazy().withColumns(...billedColumns()).select(
    ...keys,
    pl.col("plan").alias("plan_e"),
    pl.col("cents").alias("e"),
    pl.col("is_paused").alias("paused_e"),
    ...fx.FX_SIDE_E,
    ...billedSide("e"),
  );

/** The previous side, as currentSide's, from rows with their open_pause (withOpenPause). */
export const previousSide = (frame: pl.DataFrame, keys: (string | pl.Expr)[]) =>
  frame.lazy().withColumns(...billedColumns()).select(
    ...keys,
    pl.col("plan").alias("plan_s"),
    pl.col("cents").alias("s"),
    pl.col("open_pause").alias("open_s"),
    pl.col("currency").alias("cur_s"),
    ...billedSide("s"),
  );

/**
 * One row per (snapshot idx ≥ 1, customer present in either snapshot): customer, s, e, plan_s,
 * plan_e and the movement amounts of rule 1 (each ≥ 0, cents).
 */
export function customerMovements(long: pl.DataFrame): pl.DataFrame {
  const last = long.getColumn("idx").max() as number;
  const customers = perCustomer(long.lazy(), {
    keys: [CUSTOMER],
    by: ["idx", "month"],
    first: fx.FX_FIRST,
  }).collectSync();
  return movementsOf({
    current: currentSide(customers.filter(pl.col("idx").gtEq(1)), [CUSTOMER, "idx"]),
    previous: previousSide(
      withOpenPause(customers.filter(pl.col("idx").lt(last)), {
        open: openPausesOf(customers, last),
        on: [CUSTOMER, "idx"],
      }),
      // the previous snapshot's customers meet the next one's
      [CUSTOMER, pl.col("idx").add(1).cast(pl.Int32).alias("idx")],
    ),
    firstPaid: customers.filter(pl.col("cents").gt(0)).groupBy(CUSTOMER).agg(
      pl.col("idx").min().alias("first_paid"),
    ),
    months: long.select("idx", "month").unique().rename({ month: "month_e" }),
  });
}

export const sumInt = (name: string) => pl.col(name).sum().cast(pl.Int64).alias(`${name}_cents`);

/**
 * Customer movements (movementsOf), as a frame or as a query (withMovements). The sums of
 * movements are of integer cents and counts, the same in any order: the streaming engine adds
 * them a batch at a time, without holding every derived column at once.
 */
export type Movements = pl.DataFrame | pl.LazyDataFrame;

/**
 * Per (idx, month) of customer movements: start and the movements (cents), and the customers
 * paying at the start and the end and moved by each (COMPANY_COUNT_COLUMNS).
 */
export function movementSums(moves: Movements): pl.DataFrame {
  return lazyOf(moves).groupBy(["idx", "month"]).agg(
    pl.col("s").sum().cast(pl.Int64).alias("start_cents"),
    ...[...MOVEMENTS, FX_IMPACT].map(sumInt),
    countOf("s").alias("start_customers"),
    ...MOVEMENTS.map(countOf),
    countOf("e").alias("end_customers"),
  ).collectSync(STREAMING);
}

/** Per month (snapshot idx ≥ 1): start, the movements, end, and the snapshot totals. */
export function companyBridge(
  long: pl.DataFrame,
  movements: pl.DataFrame = customerMovements(long),
): pl.DataFrame {
  return companyBridgeOf(movementSums(movements), snapshotTotals(long, ["idx"]));
}

/** The company bridge from movementSums and snapshotTotals by idx (of every snapshot). */
export function companyBridgeOf(sums: pl.DataFrame, totals: pl.DataFrame): pl.DataFrame {
  return sums.join(totals, { on: "idx", how: "left" })
    .sort("idx")
    .select(
      "idx",
      ...COMPANY_BRIDGE_COLUMNS,
      ...COMPANY_COUNT_COLUMNS,
      ...TOTALS_FIGURES,
      "mrr_usd",
      "mrr_margin_after_ptb_llm_pct",
      ...COST_UNKNOWN_COLUMNS,
    );
}
