/**
 * The headline margins and KPIs of every output (the brief, the workbook's summary, the admin
 * page's cards): the company-cost margin first, the spec's beside it, each with its basis, or the
 * reason it is not known.
 */
import pl from "nodejs-polars";
import { formatCount } from "../report/numbers.ts";
import { marginConditions, marginPct, marginSums } from "./margin_sums.ts";
import { withCustomerColumns } from "../revenue/shared_customers.ts";
import { revenueOnSibling } from "../revenue/columns.ts";
import type { CostModel } from "./types.ts";

export interface Kpi {
  label: string;
  value: number | null;
  unit: "percent" | "USD" | "count";
  /** the basis, in words, printed under the value */
  basis: string;
}

/** What the headline margins need besides the frame. */
export interface MarginOptions {
  /** the export window's days: window cost and PTB revenue are set against mrr on a 30-day basis */
  windowDays: number;
}

/**
 * Company-wide margins: every organization whose revenue is known, its cost included, and the
 * cost of organizations whose revenue a sibling's row carries (shared_customer). Window cost and
 * PTB revenue are on a 30-day basis (lib/frame/monthly.ts), as mrr is monthly.
 */
export interface CompanyMargins {
  /**
   * (Σ(mrr + PTB revenue) − Σ company_cost_30d) / Σ(mrr + PTB revenue) × 100; null when some
   * organization with known MRR has PTB cost but no PTB revenue read (`ptbRevenueUnknown`):
   * leaving it out would drop its cost, counting its PTB revenue as 0 would not be the margin
   */
  companyPct: number | null;
  /** organizations with known MRR and PTB cost (or an unknown one) whose PTB revenue was not read */
  ptbRevenueUnknown: number;
  /** of ptbRevenueUnknown, those whose PTB cost is unknown (empty) */
  ptbCostUnknown: number;
  /**
   * organizations the company margin counts whose company_cost_30d is unknown (NaN or infinite
   * from a query): the margin is then null, not one over a partial cost
   */
  companyCostUnknown: number;
  /**
   * pass-through requests with no cost recorded (ptb_requests_cost_unknown_30d) of the
   * organizations whose cost the company margin counts: their PTB LLM cost is missing from it, so
   * it is an upper bound; 0 in an export from before the column (empty), which cannot say
   */
  ptbRequestsCostUnknown: number;
  /** (Σ mrr − Σ llm_cost_30d) / Σ mrr × 100 (the spec's basis); null when a counted cost is unknown */
  specPct: number | null;
  /** organizations the spec margin counts whose llm_cost_30d is unknown */
  specCostUnknown: number;
  mrr: number | null;
  /** organizations with MRR > 0; null when no MRR is known (a count of unknowns is not 0) */
  paying: number | null;
  /** organizations whose MRR is known (not empty) */
  mrrKnown: number;
}

/** The pass-through requests with no cost recorded: the company margin leaves their cost out. */
const PTB_COST_UNKNOWN = "ptb_requests_cost_unknown_30d";

/**
 * companyMargins once per frame and window: an export's brief and workbook both read the headline
 * KPIs, each a customer join and margin sums over every row (~0.1–0.3 s of CPU at a million
 * organizations, the more the more share a customer). Frames are not changed in place; only the
 * few numbers are kept.
 */
const marginsOf = new WeakMap<pl.DataFrame, Map<number, CompanyMargins>>();

export function companyMargins(frame: pl.DataFrame, options: MarginOptions): CompanyMargins {
  const byWindow = marginsOf.get(frame) ?? new Map<number, CompanyMargins>();
  marginsOf.set(frame, byWindow);
  const margins = byWindow.get(options.windowDays) ?? workedOutMargins(frame, options);
  byWindow.set(options.windowDays, margins);
  return { ...margins };
}

function workedOutMargins(frame: pl.DataFrame, options: MarginOptions): CompanyMargins {
  const mrrKnown = pl.col("mrr").isNotNull();
  const sums = withCustomerColumns(frame).select(
    ...marginSums({ windowDays: options.windowDays }),
    pl.when(pl.col("mrr").gt(0)).then(pl.lit(1)).otherwise(pl.lit(0)).sum().alias("paying"),
    mrrKnown.cast(pl.Int32).sum().alias("known"),
    ...(frame.columns.includes(PTB_COST_UNKNOWN)
      ? [
        pl.when(marginConditions().companyCost)
          .then(pl.col(PTB_COST_UNKNOWN).cast(pl.Float64).fillNull(0))
          .otherwise(pl.lit(0)).sum().alias(PTB_COST_UNKNOWN),
      ]
      : []),
  ).toRecords()[0] as Record<string, number>;
  return {
    companyPct: sums._ptb_unknown > 0 || sums._company_cost_unknown > 0
      ? null
      : marginPct(sums._company_revenue, sums._company_cost),
    ptbRevenueUnknown: sums._ptb_unknown,
    ptbCostUnknown: sums._ptb_cost_unknown,
    companyCostUnknown: sums._company_cost_unknown,
    ptbRequestsCostUnknown: Number(sums[PTB_COST_UNKNOWN] ?? 0),
    specPct: sums._spec_cost_unknown > 0 ? null : marginPct(sums._spec_revenue, sums._spec_cost),
    specCostUnknown: sums._spec_cost_unknown,
    mrr: sums.known > 0 ? sums._spec_revenue : null,
    paying: sums.known > 0 ? sums.paying : null,
    mrrKnown: sums.known,
  };
}

/**
 * Why the headline company margin is not known (the brief, the workbook and the admin page): of
 * the organizations counted, `ptbCostUnknown` had an unknown PTB cost, not one known to be there.
 */
export function companyMarginUnknownReason(
  ptbRevenueUnknown: number,
  ptbCostUnknown = 0,
): string {
  const cost = ptbCostUnknown === 0
    ? "PTB cost"
    : ptbCostUnknown === ptbRevenueUnknown
    ? `${ptbRevenueUnknown === 1 ? "an " : ""}unknown PTB cost`
    : `PTB cost or an unknown one (${ptbCostUnknown.toLocaleString("en-US")} unknown)`;
  return `not known: PTB revenue not read (the warnings say why) and ${
    ptbRevenueUnknown.toLocaleString("en-US")
  } organization${ptbRevenueUnknown === 1 ? "" : "s"} with known MRR had ${cost}`;
}

/**
 * Why a headline margin is not known when a cost it counts is (NaN or infinite from a query): a
 * margin on the known costs alone would read better than it is.
 */
export function costUnknownReason(organizations: number, column: string): string {
  return `not known: the ${column} of ${organizations.toLocaleString("en-US")} organization${
    organizations === 1 ? "" : "s"
  } it counts is unknown (NaN or infinite; the warnings say which query)`;
}

/** The company-cost margin's basis, when it is known. */
const COMPANY_MARGIN_FORMULA =
  "(MRR + PTB revenue − PTB LLM cost − infrastructure) / (MRR + PTB revenue), every organization with known revenue";

/** The same where infrastructure cost is not set: what was worked out, its cost counted as $0. */
const COMPANY_MARGIN_FORMULA_WITHOUT_INFRASTRUCTURE =
  "(MRR + PTB revenue − PTB LLM cost) / (MRR + PTB revenue), every organization with known revenue";

/**
 * "upper bound: N pass-through requests had no cost recorded" where counted pass-through requests
 * had no cost recorded (their cost is missing from the company margin), "upper bound:
 * infrastructure cost not set" (said first) where the run counted it as $0, both joined by "and";
 * null where neither. The brief, the workbook and the admin page's card say it in these words.
 */
export function companyMarginUpperBound(
  ptbRequestsCostUnknown: number,
  { infrastructureSet }: { infrastructureSet: boolean },
): string | null {
  const reasons = [
    infrastructureSet ? null : "infrastructure cost not set",
    uncostedRequests(ptbRequestsCostUnknown),
  ].filter((reason) => reason !== null);
  return reasons.length > 0 ? `upper bound: ${reasons.join(" and ")}` : null;
}

/** "N pass-through requests had no cost recorded"; null where none had. */
function uncostedRequests(ptbRequestsCostUnknown: number): string | null {
  if (!(ptbRequestsCostUnknown > 0)) return null;
  return `${formatCount(ptbRequestsCostUnknown)} pass-through request${
    ptbRequestsCostUnknown === 1 ? "" : "s"
  } had no cost recorded`;
}

/**
 * The known company-cost margin's basis: why it is an upper bound, said first, where
 * infrastructure cost is not set (the bigger reason: the demo's 96.6 % counts it as $0) or counted
 * pass-through requests had no cost recorded; under the 200-character cap with any count, the
 * free and shared-customer clause (said above the table) given up for the requests.
 */
function companyMarginBasis(
  ptbRequestsCostUnknown: number,
  { infrastructureSet }: { infrastructureSet: boolean },
): string {
  const upperBound = companyMarginUpperBound(ptbRequestsCostUnknown, { infrastructureSet });
  const formula = infrastructureSet
    ? COMPANY_MARGIN_FORMULA
    : COMPANY_MARGIN_FORMULA_WITHOUT_INFRASTRUCTURE;
  const bound = upperBound ? `${upperBound}; ` : "";
  return uncostedRequests(ptbRequestsCostUnknown) !== null
    ? `${bound}${formula}`
    : `${bound}${formula}, free and shared-customer ones' cost included`;
}

/** What the headline KPIs need besides the frame. */
export interface HeadlineOptions extends MarginOptions {
  /** the run's cost model: infrastructure cost not set, the company margin is an upper bound */
  costModel: CostModel;
}

/** Headline KPIs: the company-cost margin leads, the spec's beside it, each with its basis. */
export function headlineKpis(frame: pl.DataFrame, options: HeadlineOptions): Kpi[] {
  const m = companyMargins(frame, { windowDays: options.windowDays });
  return [
    {
      label: "Gross margin, company cost",
      value: m.companyPct,
      unit: "percent",
      // a table cell: at most 200 characters (markdownTable cuts longer text)
      basis: m.ptbRevenueUnknown > 0
        ? companyMarginUnknownReason(m.ptbRevenueUnknown, m.ptbCostUnknown)
        : m.companyCostUnknown > 0
        ? costUnknownReason(m.companyCostUnknown, "company_cost_30d")
        : companyMarginBasis(m.ptbRequestsCostUnknown, {
          infrastructureSet: options.costModel.infraUsdPer1kRequests !== null,
        }),
    },
    {
      label: "Gross margin, all LLM cost (spec)",
      value: m.specPct,
      unit: "percent",
      basis: m.specCostUnknown > 0
        ? costUnknownReason(m.specCostUnknown, "llm_cost_30d")
        : "(MRR − all LLM cost, BYOK included) / MRR, every organization with known MRR, free and shared-customer ones' LLM cost included",
    },
    { label: "MRR", value: m.mrr, unit: "USD", basis: "spec MRR, known values" },
    { label: "Paying organizations", value: m.paying, unit: "count", basis: payingBasis(m, frame) },
  ];
}

/**
 * What the paying count covers: every organization, or only those with MRR on their own row. A
 * shared_customer row's empty mrr is not unknown (its customer's revenue is on another row; the
 * admin page counts it among the known), so the two kinds of empty mrr are said apart.
 */
function payingBasis(m: CompanyMargins, frame: pl.DataFrame): string {
  const empty = frame.height - m.mrrKnown;
  if (empty === 0) return "MRR > 0";
  if (m.mrrKnown === 0) return "not known: no organization's MRR is known (empty mrr)";
  // (an empty frame returned above: empty === 0)
  const onSibling = Number(
    frame.select(revenueOnSibling(frame).cast(pl.Int32).sum().alias("n")).getColumn("n").get(0),
  );
  const count = (n: number) => n.toLocaleString("en-US");
  const notCounted = [
    ...(onSibling > 0
      ? [
        `${
          count(onSibling)
        } sharing a Stripe customer whose revenue another organization's row carries`,
      ]
      : []),
    ...(empty - onSibling > 0 ? [`${count(empty - onSibling)} with unknown MRR`] : []),
  ];
  const one = m.mrrKnown === 1;
  return `MRR > 0, of the ${count(m.mrrKnown)} ${
    one ? "organization with MRR on its" : "organizations with MRR on their"
  } own row (${notCounted.join(", ")}: empty mrr, not counted)`;
}
