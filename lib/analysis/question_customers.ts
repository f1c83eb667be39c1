/**
 * The pricing questions judge a Stripe customer, not an organization: a customer shared by
 * several organizations has its revenue on one row (the others read revenue_source
 * shared_customer with mrr empty: lib/revenue/columns.ts), so its MRR is set against the summed
 * usage and cost of all of its organizations, as `deno task scenario` compares it (the grouping is
 * scenario's: lib/analysis/scenario/customers.ts revenueRows).
 */
import pl from "nodejs-polars";
import { revenueRows } from "./scenario/customers.ts";
import { marginPctExpr } from "../frame/metrics.ts";
import { ptbRevenueForMargin } from "../economics/columns.ts";

/** How many organizations a customer's row stands for (customerRows; absent when none is shared). */
export const CUSTOMER_ORGANIZATIONS = "customer_organizations";

/** The organizations `customers` (customerRows' rows, or some of them) stand for. */
export function organizationsOf(customers: pl.DataFrame): number {
  if (!customers.columns.includes(CUSTOMER_ORGANIZATIONS)) return customers.height;
  return Number(customers.getColumn(CUSTOMER_ORGANIZATIONS).sum() ?? 0);
}

/** Usage and cost columns a customer's row sums over its organizations (those the frame has). */
const SUMMED = [
  "seats",
  "requests_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "company_cost_30d",
] as const;

/**
 * One row per customer: an organization of its own as it is; the organizations sharing a Stripe
 * customer as one row, its revenue row's, with SUMMED summed over them (unknown when one of
 * them is), gross_margin_pct and gross_margin_company_pct worked out again from those sums (as
 * lib/frame/metrics.ts and lib/economics/columns.ts do, the frame's usage being monthly),
 * org_name saying how many organizations it spans and CUSTOMER_ORGANIZATIONS how many. A
 * shared_customer row whose revenue row is not in the frame stays alone (its customer's MRR is
 * not known here). Returns the frame itself when none is shared.
 */
export function customerRows(frame: pl.DataFrame): pl.DataFrame {
  const { revenueRowOf, siblings } = revenueRows(frame);
  if (siblings === 0) return frame;
  const height = frame.height;
  const organizations = new Int32Array(height);
  for (let i = 0; i < height; i++) organizations[revenueRowOf[i]]++;
  const present = SUMMED.filter((name) => frame.columns.includes(name));
  const sums = present.map((name) => {
    // NaN: unknown (a NaN or infinite figure from a query); a customer's sum is unknown when one
    // of its organizations' is (NaN + x is NaN), as withCustomerColumns': a partial sum would
    // judge the customer on some of its usage
    const values = frame.select(pl.col(name).cast(pl.Float64).fillNull(Number.NaN))
      .getColumn(name).toTypedArray() as Float64Array;
    const sum = Float64Array.from(values);
    for (let i = 0; i < height; i++) {
      const row = revenueRowOf[i];
      if (row !== i) sum[row] += values[i];
    }
    return pl.Series(name, sum);
  });
  // back to each column's own type, unknown (NaN) as null
  const typed = present.map((name) =>
    pl.col(name).fillNan(pl.lit(null)).cast(frame.getColumn(name).dtype).alias(name)
  );
  const spans = pl.col(CUSTOMER_ORGANIZATIONS).gt(1);
  const mrr = pl.col("mrr").cast(pl.Float64);
  const recomputed: pl.Expr[] = [];
  if (frame.columns.includes("gross_margin_pct")) {
    recomputed.push(
      pl.when(spans.not()).then(pl.col("gross_margin_pct"))
        .otherwise(marginPctExpr(mrr, pl.col("llm_cost_30d"))).alias("gross_margin_pct"),
    );
  }
  if (frame.columns.includes("gross_margin_company_pct")) {
    const known = ["ptb_revenue_30d", "llm_cost_ptb_30d", "company_cost_30d"]
      .every((name) => frame.columns.includes(name));
    // PTB revenue as the export's margin counts it
    const revenue = mrr.add(ptbRevenueForMargin().cast(pl.Float64));
    recomputed.push(
      pl.when(spans.not()).then(pl.col("gross_margin_company_pct"))
        .otherwise(known ? marginPctExpr(revenue, pl.col("company_cost_30d")) : pl.lit(null))
        .alias("gross_margin_company_pct"),
    );
  }
  const more = pl.col(CUSTOMER_ORGANIZATIONS).sub(pl.lit(1).cast(pl.Int32));
  return frame
    .withColumns(
      ...sums,
      pl.Series(CUSTOMER_ORGANIZATIONS, organizations).cast(pl.Int32),
      pl.Series("_own_revenue_row", Uint8Array.from(revenueRowOf, (row, i) => row === i ? 1 : 0)),
    )
    .filter(pl.col("_own_revenue_row").eq(1))
    .withColumns(...typed)
    .withColumns(...recomputed)
    .withColumns(
      pl.when(spans).then(
        pl.concatString([
          pl.col("org_name").cast(pl.Utf8).fillNull(pl.lit("")),
          pl.lit(" and "),
          more.cast(pl.Utf8),
          pl.when(more.eq(1)).then(pl.lit(" more organization")).otherwise(
            pl.lit(" more organizations"),
          ),
          pl.lit(" of its Stripe customer"),
        ], ""),
      ).otherwise(pl.col("org_name")).alias("org_name"),
    )
    .drop("_own_revenue_row");
}
