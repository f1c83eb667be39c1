/**
 * What the bridge moves: a customer (revenue-rules.md rule 1, "company bridge per customer-month"),
 * not an organization. Several organizations can share one Stripe customer; an export puts the
 * customer's revenue on one of them (the others `shared_customer` at $0), and that one can change
 * between snapshots (a new organization of a higher tier, a tier change). Keyed per organization,
 * such a move read as churn on the old organization and new on the other while the customer's MRR
 * did not change; keyed per customer it moves nothing.
 *
 * A customer's s/e is the sum of its organizations' MRR in the snapshot, its plan the plan of the
 * organization carrying that MRR, and it is paused when that organization's subscription is.
 */
import pl from "nodejs-polars";

/** The key column of historyColumns and the bridge's per-customer frames. */
export const CUSTOMER = "customer";

/**
 * The organization's customer: its stripe_customer_id (not empty, as lib/revenue/columns.ts reads
 * it), else the organization itself (org_id; one without a customer id usually pays nothing: it
 * stays its own key). Null where both are. Stripe customer ids (`cus_…`) and organization ids never
 * coincide, so the two share one column.
 */
export function customerKeyOf(columns: readonly string[]): pl.Expr {
  const org = pl.col("org_id").cast(pl.Utf8);
  if (!columns.includes("stripe_customer_id")) return org.alias(CUSTOMER);
  const id = pl.col("stripe_customer_id").cast(pl.Utf8);
  return pl.when(id.isNotNull().and(id.neq(pl.lit("")))).then(id).otherwise(org).alias(CUSTOMER);
}

/** perCustomer's mark of the rows whose customer has more than one (grouped). */
const SHARED = "__customer_shared";

/**
 * The order in which a customer's organizations carry its plan: the most cents first; of equal
 * cents, the one with a plan before one without, then the plan first in code-point order (`pro`
 * before `team`), then the `first` columns likewise (currency, rates: equal rows are alike). Not
 * the rows' order, which Polars's sort does not promise to keep.
 */
function carryingOrder(first: readonly string[]): { by: pl.Expr[]; descending: boolean[] } {
  // text by its text, not by its category's number (plan is Categorical in aggregate_customers)
  const text = (name: string) =>
    name === "plan" || name === "currency" ? pl.col(name).cast(pl.Utf8) : pl.col(name);
  const by = [pl.col("cents"), pl.col("plan").isNull(), text("plan"), ...first.map(text)];
  return { by, descending: by.map((_, index) => index === 0) };
}

/**
 * One row per (`by`…, customer) of rows with plan, cents and is_paused (and `any`: more Bool
 * columns; `first`: more columns), keyed by the `keys` columns: cents summed; plan (and `first`)
 * that of its organization with the most cents (the one carrying the revenue; of equal cents, as
 * carryingOrder breaks the tie;
 * lib/history/customer_plan.ts gives its sibling organizations that plan already; its currency and
 * FX rates: bridge_fx.ts); is_paused and `any` when any organization's is (only the
 * organization carrying the revenue has a subscription_status: the others' is empty). Rows whose
 * key is null stay one row each, as they were (nothing to group them by).
 */
export function perCustomer(
  frame: pl.LazyDataFrame,
  { keys, by = [], any = [], first = [] }: {
    keys: string[];
    by?: string[];
    any?: string[];
    first?: string[];
  },
): pl.LazyDataFrame {
  const columns = [...by, ...keys, "plan", "cents", "is_paused", ...any, ...first];
  // most customers have one organization: the group-by's per-group sorts are for the others
  // (grouping every row cost ~2 of ~6.5 CPU-s on a million paying organizations)
  const marked = frame.withColumns(
    pl.col(keys[0]).isNotNull()
      .and(pl.struct([...by, ...keys].map((name) => pl.col(name))).isDuplicated())
      .alias(SHARED),
  );
  const carrying = carryingOrder(first);
  const grouped = marked.filter(pl.col(SHARED)).groupBy([...by, ...keys]).agg(
    ...["plan", ...first].map((name) =>
      pl.col(name).sortBy(carrying.by, carrying.descending).first().alias(name)
    ),
    pl.col("cents").sum().cast(pl.Int64).alias("cents"),
    ...["is_paused", ...any].map((name) => pl.col(name).any().alias(name)),
  ).select(...columns);
  // a customer's only organization is its row, as the group-by makes it; so is one without a key
  const alone = marked.filter(pl.col(SHARED).not()).select(
    ...columns.map((name) => name === "cents" ? pl.col(name).cast(pl.Int64) : pl.col(name)),
  );
  return pl.concat([grouped, alone], { how: "vertical" });
}
