/**
 * What a comparison says about organizations billed per year or quarter: their MRR is the term's
 * price spread over its months (an annual plan is commonly ~2 months cheaper), while a scenario's
 * prices are monthly list prices, so part of their change is the term discount, not the prices.
 */
import pl from "nodejs-polars";
import { signedUsd } from "../../core/usd.ts";
import { perDistinctValue } from "./pricing_inputs.ts";

/**
 * Each row's flag: billed per a longer term than a month (some interval of its billing_interval,
 * e.g. "month,year", is not `month`); read once per distinct value.
 */
function termBilled(frame: pl.DataFrame): pl.Series {
  const { rows } = perDistinctValue(frame, {
    keys: [pl.col("billing_interval").cast(pl.Utf8)],
    columnsOf: (values) => [
      pl.Series(
        "term",
        (values.getColumn("billing_interval").toArray() as (string | null)[]).map((text) =>
          (text ?? "").split(",").some((part) => part.trim() !== "" && part.trim() !== "month")
        ),
        pl.Bool,
      ),
    ],
  });
  return rows.getColumn("term");
}

/**
 * One warning for the customers billed per another term whose MRR a scenario changes, with how
 * many pay more and the change's sum, or null (none, or a frame without billing_interval). A
 * Stripe customer counts once, on its revenue row (the row that carries current_mrr).
 */
export function termBillingWarning(frame: pl.DataFrame, perOrg: pl.DataFrame): string | null {
  if (!frame.columns.includes("billing_interval")) return null;
  const moved = movedCustomers(perOrg, { flags: termBilled(frame), picked: pl.col("term") });
  if (moved.height === 0) return null;
  const { lead, its } = customersChange({
    moved,
    billed: "billed per year or quarter (billing_interval other than month)",
  });
  return `${lead}: ${its} MRR is the term's price spread over its months, often below the monthly list price the scenario charges, so part of ${its} change is ${its} term discount, not the scenario's prices`;
}

/**
 * The revenue rows (current_mrr known: a Stripe customer once) of `perOrg` whose MRR the scenario
 * changes (they pay more or less) among those `picked`, an expression over `flags` (a column beside
 * perOrg's rows), with current_mrr, delta_usd, outcome and the flags. Not one billed 0 (a 100 %
 * coupon): neither a term's discount nor an exchange rate is any part of a change from $0.
 */
export function movedCustomers(
  perOrg: pl.DataFrame,
  { flags, picked }: { flags: pl.Series; picked: pl.Expr },
): pl.DataFrame {
  const outcome = pl.col("outcome");
  return perOrg.select("current_mrr", "delta_usd", "outcome")
    .withColumns(flags)
    .filter(
      picked.and(pl.col("current_mrr").isNotNull()).and(pl.col("current_mrr").neq(pl.lit(0)))
        .and(outcome.eq(pl.lit("pays_more")).or(outcome.eq(pl.lit("pays_less")))),
    );
}

/**
 * "N Stripe customers <billed> change by ±$X a month (K of them pay more)", or of one customer
 * "1 Stripe customer <billed> changes by ±$X a month (it pays more)", and the possessive that
 * follows it ("their" / "its"): the lead of the warnings about customers whose billing makes part
 * of their change something other than the scenario's prices.
 */
export function customersChange(
  { moved, billed }: {
    /** movedCustomers' rows */
    moved: pl.DataFrame;
    billed: string;
  },
): { lead: string; its: string } {
  const customers = moved.height;
  // of `customers`, those that pay more (the others pay less)
  const more = moved.filter(pl.col("outcome").eq(pl.lit("pays_more"))).height;
  const delta = Number(moved.getColumn("delta_usd").sum());
  // deltas that net to under a cent show $0.00, unsigned (signedUsd)
  const change = `${signedUsd(delta)} a month`;
  if (customers === 1) {
    return {
      lead: `1 Stripe customer ${billed} changes by ${change} (it pays ${
        more === 1 ? "more" : "less"
      })`,
      its: "its",
    };
  }
  return {
    lead: `${customers.toLocaleString("en-US")} Stripe customers ${billed} change by ${change} (${
      more.toLocaleString("en-US")
    } of them pay more)`,
    its: "their",
  };
}
