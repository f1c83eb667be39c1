/**
 * Organizations that share a Stripe customer, in a comparison (lib/analysis/compare.ts). The
 * export carries the customer's revenue on one organization's row (the paying one: highest tier,
 * then newest); the others read revenue_source shared_customer with those revenue columns empty
 * (lib/revenue/columns.ts). Read as unknown, a customer adding an organization would move its
 * revenue to the new one as if it were new business and leave the old one's change unknown; so a
 * comparison counts a shared_customer row's carried columns as 0 (known) where its customer's
 * value is known, and marks every organization of a shared customer (`shared_customer`), so the
 * per-organization rows and the summary can say so. Where the customer's value is unknown (PTB
 * revenue not read, an amount not converted to USD, the revenue row not in the file) so is the
 * shared_customer row's: a 0 there made $0.00 of PTB revenue an export never read.
 */
import pl from "nodejs-polars";
import { revenueOnSibling, SIBLING_CARRIED_NUMBERS } from "../revenue/columns.ts";
import { perSharedCustomer } from "../revenue/shared_customers.ts";

/**
 * What a comparison reads for this, beside COMPARED_COLUMNS' others; a frame without them (a
 * hand-made one, an earlier export read with them empty) has no organization sharing.
 */
export const SHARED_CUSTOMER_INPUTS = ["revenue_source", "stripe_customer_id"] as const;

/** The flag compared frames carry: the organization's Stripe customer is shared in its file. */
export const SHARED_CUSTOMER = "shared_customer";

const CUSTOMER = "stripe_customer_id";
/** Helper columns while matching (dropped before returning). */
const KNOWN = (name: string) => `_customer_knows ${name}`;

/**
 * `frame` as compared: SIBLING_CARRIED_NUMBERS it has are 0 on shared_customer rows whose
 * customer's value (on its revenue row, in this frame) is known, and stay empty elsewhere; the
 * Bool `shared_customer` replaces revenue_source (true for every organization whose
 * stripe_customer_id is on a shared_customer row of the file, the one carrying the revenue
 * included). stripe_customer_id stays: the totals' change is like for like per customer
 * (compare_totals.ts).
 */
export function comparedRevenue(frame: pl.DataFrame): pl.DataFrame {
  const onSibling = revenueOnSibling(frame);
  const carried = SIBLING_CARRIED_NUMBERS.filter((name) => frame.columns.includes(name));
  const customers = sharedCustomers(frame, carried);
  const withFlag: pl.DataFrame = customers
    ? frame.withColumns(...customers.getColumns()).withColumns(
      ...carried.map((name) =>
        pl.when(onSibling.and(pl.col(KNOWN(name))))
          .then(pl.lit(0).cast(frame.getColumn(name).dtype))
          .otherwise(pl.col(name)).alias(name)
      ),
    ).drop(carried.map(KNOWN))
    // no customer id to find a shared_customer row's revenue row by: its values stay unknown
    : frame.withColumns(onSibling.alias(SHARED_CUSTOMER));
  return frame.columns.includes("revenue_source") ? withFlag.drop("revenue_source") : withFlag;
}

/**
 * Per row of `frame`, in its order: SHARED_CUSTOMER and, per `carried` column, whether its
 * customer's value is known (KNOWN(name)), worked out over the few shared customers' rows
 * (perSharedCustomer) and joined back by id; null when no row is shared_customer or the frame has
 * no customer ids.
 */
function sharedCustomers(frame: pl.DataFrame, carried: readonly string[]): pl.DataFrame | null {
  // known on the revenue row (the one not shared_customer; none in the frame: unknown)
  const figures = perSharedCustomer(frame, (ofRevenueRow) => [
    pl.lit(true).alias(SHARED_CUSTOMER),
    ...carried.map((name) =>
      ofRevenueRow(pl.col(name).isNotNull().cast(pl.Int8)).eq(1).alias(KNOWN(name))
    ),
  ]);
  if (!figures) return null;
  // a left join on the few shared ids, in the frame's order
  return frame.lazy().select(CUSTOMER)
    .join(figures.lazy(), { on: CUSTOMER, how: "left", maintainOrder: "left" })
    .select(
      pl.col(SHARED_CUSTOMER).fillNull(false),
      ...carried.map((name) => pl.col(KNOWN(name)).fillNull(false)),
    )
    .collectSync();
}
