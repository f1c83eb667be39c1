/**
 * PTB timing: PTB revenue (ptb_revenue_30d) is cash in the window (credits bought, ptb_usage
 * invoices created), PTB cost (llm_cost_ptb_30d) is usage in the window. Credits carry no markup,
 * so over time PTB revenue ≈ PTB cost, but in one window an organization spending credits bought
 * before it has PTB cost and no PTB revenue, and a plan's company margin then falls for timing,
 * not price. Such a plan gets a warning naming how many organizations did that, and its margin
 * with PTB left out on both sides.
 *
 * An organization without a Stripe customer is no such case: Helicone's checkout creates the
 * customer (organization.stripe_customer_id) before it sells credits, and ptb_usage invoices go to
 * it, so no PTB revenue of such an organization is on record in any window (the demo's free plan,
 * about −100 %, is all of that). Its PTB cost is told apart, in a warning of its own.
 */
import pl from "nodejs-polars";
import { monthlyExpr } from "../frame/monthly.ts";
import { formatCount, formatPct, formatUsd } from "../report/numbers.ts";
import { withCustomerPlan } from "./per_plan.ts";
import { CUSTOMER_COLUMNS } from "../revenue/shared_customers.ts";
import { companyMarginOfSums, marginConditions, marginSums } from "./margin_sums.ts";
import type { KindedWarning } from "../core/warning_kinds.ts";

/** One plan whose company margin PTB cost without PTB revenue in the window pulls down. */
export interface PtbTimingPlan {
  plan: string;
  /**
   * organizations of a Stripe customer counted in the plan's company margin with PTB cost and no
   * PTB revenue in the window (timing)
   */
  organizations: number;
  /** their PTB cost, 30-day basis */
  theirPtbCost: number;
  /** organizations without a Stripe customer counted in it with PTB cost (not timing) */
  withoutCustomer: number;
  /** their PTB cost, 30-day basis */
  withoutCustomerPtbCost: number;
  /** the plan's PTB cost and PTB revenue in its company margin, 30-day basis */
  ptbCost: number;
  ptbRevenue: number;
  /** the plan's company margin % (the per-plan table's margin_company_pct) */
  companyPct: number;
  /** (Σ mrr − Σ infrastructure) / Σ mrr × 100: PTB left out on both sides; null without MRR */
  withoutPtbPct: number | null;
  /** the company margin % without the PTB cost of the organizations without a Stripe customer */
  withoutCustomerCostPct: number;
  /** timing pulls the margin down by MIN_POINTS or more (the PTB timing warning) */
  timing: boolean;
  /** PTB cost of organizations without a Stripe customer does (a warning of its own) */
  noCustomer: boolean;
}

/** How far (percentage points) PTB cost above PTB revenue must pull a plan's margin down. */
const MIN_POINTS = 1;

/**
 * The plans (the per-plan table's: price-book plan names, `(none)` for none) whose company margin PTB cost without
 * PTB revenue in the window pulls down by at least MIN_POINTS of the plan's company-basis
 * revenue: by timing (organizations of a Stripe customer with PTB cost and no PTB revenue, and
 * the plan's PTB cost of its Stripe customers above its PTB revenue), or by the PTB cost of
 * organizations without a Stripe customer. The organizations are those the per-plan margins count
 * (lib/economics/margin_sums.ts); PTB revenue not read leaves those margins empty: no warning.
 */
export function ptbTimingPlans(
  frame: pl.DataFrame,
  windowDays: number,
): readonly PtbTimingPlan[] {
  let byWindow = timingOf.get(frame);
  if (!byWindow) timingOf.set(frame, byWindow = new Map());
  let plans = byWindow.get(windowDays);
  if (!plans) byWindow.set(windowDays, plans = Object.freeze(workedOut(frame, windowDays)));
  return plans;
}

/**
 * ptbTimingPlans once per frame and window: an export reads them three times (the metrics stage's
 * warnings, the chart worker's job, the brief), each a group-by of a dozen sums over every row
 * (~0.2 s of CPU at a million organizations). Frames are not changed in place, so a frame
 * object's plans stay its plans; the rows are frozen (every reader shares them).
 */
const timingOf = new WeakMap<pl.DataFrame, Map<number, readonly PtbTimingPlan[]>>();

/**
 * Hands the plans ptbTimingPlans worked out for `from` on to `to`, a frame of the same rows with
 * every column they read (the export frame: the metrics stage's frame in the column table's
 * order), so its readers do not work them out again.
 */
export function sharePtbTimingPlans(from: pl.DataFrame, to: pl.DataFrame): void {
  const known = timingOf.get(from);
  if (known && !timingOf.has(to)) timingOf.set(to, new Map(known));
}

function workedOut(frame: pl.DataFrame, windowDays: number): PtbTimingPlan[] {
  const counted = marginConditions();
  const monthly = (name: string) => monthlyExpr(pl.col(name), windowDays);
  const sumWhere = (condition: pl.Expr, value: pl.Expr) =>
    pl.when(condition.fillNull(false)).then(value).otherwise(pl.lit(0)).sum();
  const customer = pl.col("stripe_customer_id");
  const hasCustomer = customer.isNotNull().and(customer.cast(pl.Utf8).neq(pl.lit("")));
  const ptbCost = counted.companyCost.and(pl.col("llm_cost_ptb_30d").gt(0));
  // its customer's PTB revenue: a shared customer's is on its revenue row
  const spentEarlier = ptbCost.and(hasCustomer).and(pl.col(CUSTOMER_COLUMNS.ptbRevenue).eq(0));
  const noCustomer = ptbCost.and(hasCustomer.not());
  const points = (value: pl.Expr) => value.div(pl.col("_company_revenue")).mul(100);
  // plans as the per-plan table groups them: a shared Stripe customer in its revenue row's
  const grouped = withCustomerPlan(frame)
    .groupBy("plan")
    .agg(
      ...marginSums({ windowDays }),
      sumWhere(spentEarlier, pl.lit(1)).alias("organizations"),
      sumWhere(spentEarlier, monthly("llm_cost_ptb_30d")).alias("theirPtbCost"),
      sumWhere(noCustomer, pl.lit(1)).alias("withoutCustomer"),
      sumWhere(noCustomer, monthly("llm_cost_ptb_30d")).alias("withoutCustomerPtbCost"),
      sumWhere(counted.companyCost, monthly("llm_cost_ptb_30d")).alias("ptbCost"),
      sumWhere(counted.companyRevenue, monthly("ptb_revenue_30d").fillNull(0)).alias("ptbRevenue"),
      sumWhere(counted.companyRevenue, pl.col("mrr").cast(pl.Float64)).alias("_mrr"),
      sumWhere(
        counted.companyCost,
        monthly("company_cost_30d").sub(monthly("llm_cost_ptb_30d")),
      ).alias("_infra"),
    )
    .withColumns(companyMarginOfSums().alias("companyPct"))
    .withColumns(
      pl.when(pl.col("_mrr").gt(0))
        .then(pl.col("_mrr").sub(pl.col("_infra")).div(pl.col("_mrr")).mul(100))
        .otherwise(pl.lit(null))
        .alias("withoutPtbPct"),
      pl.col("companyPct").add(points(pl.col("withoutCustomerPtbCost")))
        .alias("withoutCustomerCostPct"),
      // timing: the Stripe customers' PTB cost above the plan's PTB revenue
      pl.col("organizations").gt(0).and(
        points(pl.col("ptbCost").sub(pl.col("withoutCustomerPtbCost")).sub(pl.col("ptbRevenue")))
          .gtEq(MIN_POINTS),
      ).alias("timing"),
      pl.col("withoutCustomer").gt(0).and(
        points(pl.col("withoutCustomerPtbCost")).gtEq(MIN_POINTS),
      ).alias("noCustomer"),
    )
    .filter(
      pl.col("companyPct").isNotNull().and(pl.col("timing").or(pl.col("noCustomer"))),
    )
    .sort("plan");
  return (grouped.toRecords() as unknown as PtbTimingPlan[])
    .map((row) =>
      Object.freeze({
        plan: row.plan,
        organizations: Number(row.organizations),
        theirPtbCost: row.theirPtbCost,
        withoutCustomer: Number(row.withoutCustomer),
        withoutCustomerPtbCost: row.withoutCustomerPtbCost,
        ptbCost: row.ptbCost,
        ptbRevenue: row.ptbRevenue,
        companyPct: row.companyPct,
        withoutPtbPct: row.withoutPtbPct ?? null,
        withoutCustomerCostPct: row.withoutCustomerCostPct,
        timing: Boolean(row.timing),
        noCustomer: Boolean(row.noCustomer),
      })
    );
}

/**
 * "with PTB left out on both sides the margin is 87.3 %": the timing warning's words, one
 * sentence either way (a plan without MRR has no margin to show, not a margin of "none").
 */
function withoutPtbText(row: PtbTimingPlan): string {
  return withoutPtbWords(row.withoutPtbPct === null ? null : formatPct(row.withoutPtbPct));
}

/** withoutPtbText's words around the margin as shown (null: the plan has no MRR). */
function withoutPtbWords(margin: string | null): string {
  return margin === null
    ? "with PTB left out on both sides there is no margin: the plan has no MRR"
    : `with PTB left out on both sides the margin is ${margin}`;
}

/** "42 organizations" */
export const organizationsText = (n: number) =>
  `${formatCount(n)} organization${n === 1 ? "" : "s"}`;

/** The timing warning's figures, each as its text shows it. */
type TimingFields = Record<
  | "plan"
  | "companyPct"
  | "organizations"
  | "theirPtbCost"
  | "ptbCost"
  | "ptbRevenue"
  | "withoutPtb",
  string
>;

/** The timing warning's words around its figures (storedPtbWarning matches them, too). */
function timingWarningText(f: TimingFields): string {
  return `plan ${f.plan}: company margin ${f.companyPct} counts PTB cost of ${f.organizations} with no PTB revenue in the window (${f.theirPtbCost} of the plan's ${f.ptbCost} PTB cost, against ${f.ptbRevenue} PTB revenue, 30-day basis): PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB; ${f.withoutPtb}`;
}

/** One plan's timing warning, one line (the plan name is price-book text: quoted). */
export function ptbTimingWarning(row: PtbTimingPlan): string {
  return timingWarningText({
    plan: JSON.stringify(row.plan),
    companyPct: formatPct(row.companyPct),
    organizations: organizationsText(row.organizations),
    theirPtbCost: formatUsd(row.theirPtbCost),
    ptbCost: formatUsd(row.ptbCost),
    ptbRevenue: formatUsd(row.ptbRevenue),
    withoutPtb: withoutPtbText(row),
  });
}

/** What PTB cost of organizations without a Stripe customer is, and is not (warning and brief). */
export const NO_CUSTOMER_WHY =
  "credits are sold, and ptb_usage invoices sent, through the organization's Stripe customer (Helicone's checkout creates it first), so no PTB revenue of theirs is on record in any window: PTB usage nobody is billed for here (granted credits, or a customer id missing from organization.stripe_customer_id)";

/** The no-customer warning's figures, each as its text shows it. */
type NoCustomerFields = Record<
  "plan" | "companyPct" | "organizations" | "theirPtbCost" | "ptbCost" | "withoutTheirCostPct",
  string
>;

/** The no-customer warning's words around its figures (storedPtbWarning matches them, too). */
function noCustomerWarningText(f: NoCustomerFields): string {
  return `plan ${f.plan}: company margin ${f.companyPct} counts PTB cost of ${f.organizations} without a Stripe customer (${f.theirPtbCost} of the plan's ${f.ptbCost} PTB cost, 30-day basis): PTB ${NO_CUSTOMER_WHY}, not timing; without their PTB cost the margin is ${f.withoutTheirCostPct}`;
}

/** One plan's warning on PTB cost of organizations without a Stripe customer, one line. */
export function ptbNoCustomerWarning(row: PtbTimingPlan): string {
  return noCustomerWarningText({
    plan: JSON.stringify(row.plan),
    companyPct: formatPct(row.companyPct),
    organizations: organizationsText(row.withoutCustomer),
    theirPtbCost: formatUsd(row.withoutCustomerPtbCost),
    ptbCost: formatUsd(row.ptbCost),
    withoutTheirCostPct: formatPct(row.withoutCustomerCostPct),
  });
}

/**
 * What each figure's formatter writes, as a regular expression: JSON.stringify's string,
 * formatPct (before 5513c9a toFixed(1), no thousands separator), organizationsText (before it,
 * toLocaleString("en-US") and the same plural), formatUsd.
 */
const FIGURE = {
  quoted: String.raw`"(?:[^"\\]|\\.)*"`,
  pct: String.raw`-?(?:\d{1,3}(?:,\d{3})*|\d+)\.\d %`,
  organizations: String.raw`1 organization|(?!1 )\d{1,3}(?:,\d{3})* organizations`,
  usd: String.raw`-?\$\d{1,3}(?:,\d{3})*\.\d\d`,
};

/**
 * A regular expression source for every text `build` writes: its words matched as they are,
 * each field by `patterns`' expression for it (its formatter's output).
 */
function templatePattern<K extends string>(
  build: (fields: Record<K, string>) => string,
  patterns: Record<K, string>,
): string {
  // each field a marker no word of the template holds, the words between escaped
  const marked = build(
    Object.fromEntries(Object.keys(patterns).map((k) => [k, `\0${k}\0`])) as Record<K, string>,
  );
  return marked.split("\0").map((part, i) =>
    i % 2 === 0 ? RegExp.escape(part) : `(?:${patterns[part as K]})`
  ).join("");
}

/**
 * The PTB warnings a run writes (ptbTimingWarnings), as any version of the kit wrote them to an
 * export's manifest: the timing warning since 2dc6567, whose last clause read "the margin is –
 * (no MRR)" for a plan without MRR before 5513c9a, and the no-customer warning since dcefbab.
 */
const STORED_PTB_WARNING = new RegExp(
  `^(?:${
    templatePattern(timingWarningText, {
      plan: FIGURE.quoted,
      companyPct: FIGURE.pct,
      organizations: FIGURE.organizations,
      theirPtbCost: FIGURE.usd,
      ptbCost: FIGURE.usd,
      ptbRevenue: FIGURE.usd,
      withoutPtb: [
        templatePattern((f: { margin: string }) => withoutPtbWords(f.margin), {
          margin: FIGURE.pct,
        }),
        RegExp.escape(withoutPtbWords(null)),
        RegExp.escape(withoutPtbWords("– (no MRR)")),
      ].join("|"),
    })
  }|${
    templatePattern(noCustomerWarningText, {
      plan: FIGURE.quoted,
      companyPct: FIGURE.pct,
      organizations: FIGURE.organizations,
      theirPtbCost: FIGURE.usd,
      ptbCost: FIGURE.usd,
      withoutTheirCostPct: FIGURE.pct,
    })
  })$`,
);

/**
 * Whether a warning is one of ptbTimingWarnings' (by any version of the kit), so a stored one
 * can give way to those worked out again from the rows: an export made before dcefbab calls PTB
 * cost of organizations without a Stripe customer timing. Only for manifests that store no kinds
 * (written before `warning_kinds`): a newer one says which warnings are PTB ones by their kind
 * (lib/core/warning_kinds.ts), whatever their words.
 */
export function isPtbWarning(warning: string): boolean {
  return STORED_PTB_WARNING.test(warning);
}

/** The run's warnings about PTB cost without PTB revenue, one per plan and cause, with kinds. */
export function ptbTimingWarnings(frame: pl.DataFrame, windowDays: number): KindedWarning[] {
  return ptbTimingPlans(frame, windowDays).flatMap((row): KindedWarning[] => [
    ...(row.timing ? [{ kind: "ptb_timing" as const, text: ptbTimingWarning(row) }] : []),
    ...(row.noCustomer
      ? [{ kind: "ptb_no_customer" as const, text: ptbNoCustomerWarning(row) }]
      : []),
  ]);
}

/** A company margin bar's label suffix: " · PTB timing", " · PTB, no customer" or both. */
export function ptbGapLabel(row: PtbTimingPlan): string {
  return `${row.timing ? " · PTB timing" : ""}${row.noCustomer ? " · PTB, no customer" : ""}`;
}

/** A company margin bar's hover lines on what pulls it down. */
export function ptbGapTitle(row: PtbTimingPlan): string {
  return [
    row.timing
      ? `PTB timing, not price: ${
        organizationsText(row.organizations)
      } with PTB cost and no PTB revenue in the window (see the warnings)`
      : "",
    row.noCustomer
      ? `PTB, no customer: ${
        organizationsText(row.withoutCustomer)
      } without a Stripe customer had PTB cost no revenue can be on record for (see the warnings)`
      : "",
  ].filter((line) => line !== "").join("\n");
}

/**
 * The caption's word on the bars so marked, when there are any: their company margin counts PTB
 * cost without PTB revenue in the window, as the brief, the workbook and the warnings say.
 */
export function ptbGapNote(rows: readonly PtbTimingPlan[]): string {
  return `${
    rows.some((r) => r.timing)
      ? " PTB timing = PTB cost without PTB revenue in the window (credits bought before it), not price; see the warnings."
      : ""
  }${
    rows.some((r) => r.noCustomer)
      ? " PTB, no customer = PTB cost of organizations without a Stripe customer: no PTB revenue can be on record for them, not timing; see the warnings."
      : ""
  }`;
}
