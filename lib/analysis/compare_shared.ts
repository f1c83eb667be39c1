/**
 * Organizations that share a Stripe customer, in a comparison (lib/analysis/compare.ts). The
 * export carries the customer's revenue on one organization's row (the paying one: highest tier,
 * then newest); the others read revenue_source shared_customer with those revenue columns empty
 * (lib/revenue/columns.ts). Read
 * as unknown, a customer adding an organization would move its revenue to the new one as if it
 * were new business and leave the old one's change unknown; so a comparison counts a
 * shared_customer row's carried columns as 0 (known) and marks every organization of a shared
 * customer (`shared_customer`), so the per-organization rows and the summary can say so.
 */
import pl from "nodejs-polars";
import { revenueOnSibling, SIBLING_CARRIED_NUMBERS } from "../revenue/columns.ts";

/**
 * What a comparison reads for this, beside COMPARED_COLUMNS' others; a frame without them (a
 * hand-made one, an earlier export read with them empty) has no organization sharing.
 */
export const SHARED_CUSTOMER_INPUTS = ["revenue_source", "stripe_customer_id"] as const;

/** The flag compared frames carry: the organization's Stripe customer is shared in its file. */
export const SHARED_CUSTOMER = "shared_customer";

/**
 * `frame` as compared: SIBLING_CARRIED_NUMBERS it has are 0 on shared_customer rows, the
 * SHARED_CUSTOMER_INPUTS are replaced by the Bool `shared_customer` (true for every organization
 * whose stripe_customer_id is on a shared_customer row of the file, the one carrying the revenue
 * included).
 */
export function comparedRevenue(frame: pl.DataFrame): pl.DataFrame {
  const onSibling = revenueOnSibling(frame);
  const inputs = SHARED_CUSTOMER_INPUTS.filter((name) => frame.columns.includes(name));
  let shared: pl.Expr | pl.Series = onSibling.alias(SHARED_CUSTOMER);
  if (frame.columns.includes("stripe_customer_id") && frame.columns.includes("revenue_source")) {
    const id = pl.col("stripe_customer_id").cast(pl.Utf8);
    const ids = frame.filter(onSibling.and(id.isNotNull())).select(id).unique()
      .withColumns(pl.lit(true).alias("_shared"));
    if (ids.height > 0) {
      // a left join on the few shared ids, in the frame's order
      shared = frame.lazy().select(id)
        .join(ids.lazy(), { on: "stripe_customer_id", how: "left", maintainOrder: "left" })
        .select(pl.col("_shared").fillNull(false).alias(SHARED_CUSTOMER))
        .collectSync().getColumn(SHARED_CUSTOMER);
    }
  }
  const carried = SIBLING_CARRIED_NUMBERS.filter((name) => frame.columns.includes(name));
  const withFlag = frame.withColumns(
    ...carried.map((name) =>
      pl.when(onSibling).then(pl.lit(0).cast(frame.getColumn(name).dtype))
        .otherwise(pl.col(name)).alias(name)
    ),
    shared,
  );
  return inputs.length === 0 ? withFlag : withFlag.drop(inputs);
}
