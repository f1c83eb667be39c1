/**
 * A segment's Stripe customers, whole. A customer's revenue is on one of its organizations' rows
 * (lib/revenue/shared_customers.ts), so a segment that takes some of a shared customer's
 * organizations and not the others would set the whole revenue against part of the cost (or list
 * an organization without its customer's revenue and plan). The admin page's margins, plan table,
 * charts and underpriced list and the MCP segment tool's totals count each customer with all of
 * its organizations, as the full export's do, and say how many organizations outside the segment
 * that brings in.
 */
import pl from "nodejs-polars";
import { columnTotal } from "../analysis/question_common.ts";

export interface SegmentCustomers {
  /** the segment's organizations and those sharing a Stripe customer with one, export order */
  frame: pl.DataFrame;
  /** organizations in `frame` that are not in the segment */
  outside: number;
  /** Σ mrr on those organizations' rows (their customers' revenue rows) */
  outsideMrrUsd: number;
}

const IN_SEGMENT = "_in_segment";
const CUSTOMER_IN_SEGMENT = "_customer_in_segment";

/**
 * `segment` (rows of `whole`) with the organizations of `whole` that share a Stripe customer with
 * one of its organizations. A frame without org_id or stripe_customer_id (a hand-made one) names
 * no customer: the segment as it is.
 */
export function segmentCustomers(whole: pl.DataFrame, segment: pl.DataFrame): SegmentCustomers {
  const alone = { frame: segment, outside: 0, outsideMrrUsd: 0 };
  if (!["org_id", "stripe_customer_id"].every((name) => whole.columns.includes(name))) return alone;
  const id = pl.col("stripe_customer_id");
  const customers = segment.lazy().filter(id.isNotNull().and(id.neq(pl.lit(""))))
    .select(id).unique().withColumns(pl.lit(true).alias(CUSTOMER_IN_SEGMENT));
  const members = segment.lazy().select("org_id").withColumns(pl.lit(true).alias(IN_SEGMENT));
  const joined = whole.lazy()
    .join(members, { on: "org_id", how: "left", maintainOrder: "left" } as never)
    .join(customers, { on: "stripe_customer_id", how: "left", maintainOrder: "left" } as never)
    .filter(pl.col(IN_SEGMENT).fillNull(false).or(pl.col(CUSTOMER_IN_SEGMENT).fillNull(false)))
    .collectSync();
  const outsideRows = joined.filter(pl.col(IN_SEGMENT).isNull());
  return {
    frame: joined.select(...whole.columns),
    outside: outsideRows.height,
    outsideMrrUsd: outsideRows.columns.includes("mrr") ? columnTotal(outsideRows, "mrr") : 0,
  };
}
