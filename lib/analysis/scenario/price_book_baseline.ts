/**
 * A scenario's second comparison (`deno task scenario`'s summary and stdout, MCP's run_scenario):
 * the proposal against the price book on the same organizations. Current MRR is what Stripe bills
 * (discounts, term billing, grandfathered prices, prices the book does not list), so "Pro +15 %"
 * set against it alone mixed the book's own gap from billed MRR (+$936.35 on the demo as of
 * 2026-12-05) into the proposal's change (+$939.00), and its biggest increases listed team
 * organizations the proposal does not touch.
 */
import pl from "nodejs-polars";
import { compareScenario } from "./comparison.ts";
import type { Scenario } from "./model.ts";

/** What the proposal changes against the price book, over organizations both compare. */
export interface PriceBookBaseline {
  /** the price book's name (its `name` field) */
  price_book: string;
  /** organizations compared under both (known current MRR, comparable in both) */
  organizations: number;
  current_mrr: number;
  price_book_mrr: number;
  proposed_mrr: number;
  /** price_book_mrr − current_mrr: what list prices miss of billed MRR, not the proposal */
  price_book_vs_current_usd: number;
  /** proposed_mrr − price_book_mrr: the proposal's own change */
  delta_vs_price_book_usd: number;
  /** null when price_book_mrr is 0 */
  change_vs_price_book_pct: number | null;
  pays_more_than_price_book: number;
  pays_less_than_price_book: number;
  /** the customers whose MRR the proposal raises most against the book (the columns of biggest_increases below) */
  biggest_increases: pl.DataFrame;
}

/** Below a cent a customer's MRR is the book's (as the comparison's own `unchanged`). */
const SAME_USD = 0.005;

const COMPARED = ["pays_more", "pays_less", "unchanged"];

/** The book and the proposal are one: same plans, add-on prices (names and breakeven aside). */
export function isPriceBook(scenario: Scenario, book: Scenario): boolean {
  const prices = (s: Scenario) => JSON.stringify([s.plans, s.addonPrices]);
  return prices(scenario) === prices(book);
}

/**
 * The price book priced on `frame` (its usage on a 30-day basis already) beside the proposal's
 * per-organization frame (compareScenario's perOrg on the same frame, rows in the same order).
 */
export async function priceBookBaseline(
  frame: pl.DataFrame,
  { perOrg, book, windowDays, movers }: {
    perOrg: pl.DataFrame;
    book: Scenario;
    windowDays: number;
    movers: number;
  },
): Promise<PriceBookBaseline> {
  // no breakeven: only the book's prices are wanted, and solving it prices everyone again
  const { breakeven: _unused, ...unsolved } = book;
  const priced = await compareScenario(frame, { scenario: unsolved, priceBook: book, windowDays });
  const both = pl.concat([
    perOrg.select(
      "org_id",
      "org_name",
      "tier",
      "plan",
      "current_mrr",
      "proposed_mrr",
      "customer_organizations",
      pl.col("customer_current_mrr"),
      pl.col("customer_proposed_mrr"),
      pl.col("outcome").isIn(COMPARED).alias("compared"),
    ),
    priced.perOrg.select(
      pl.col("proposed_mrr").alias("book_mrr"),
      pl.col("customer_proposed_mrr").alias("customer_book_mrr"),
      pl.col("outcome").isIn(COMPARED).alias("book_compared"),
    ),
  ], { how: "horizontal" }).filter(pl.col("compared").and(pl.col("book_compared")));
  // per organization, as the comparison's totals sum them (a customer's MRR on its revenue row)
  const sums = both.select(
    pl.col("current_mrr").fillNull(0).sum().alias("current"),
    pl.col("book_mrr").fillNull(0).sum().alias("book"),
    pl.col("proposed_mrr").fillNull(0).sum().alias("proposed"),
  ).toRecords()[0] as Record<string, number>;
  // one row per customer, named by its revenue row's organization (as biggestMovers lists them)
  const customers = both.filter(
    pl.col("customer_organizations").eq(1).or(pl.col("current_mrr").isNotNull()),
  ).withColumns(
    pl.col("customer_proposed_mrr").minus(pl.col("customer_book_mrr"))
      .alias("delta_vs_price_book_usd"),
  );
  const moved = (more: boolean) =>
    customers.filter(
      more
        ? pl.col("delta_vs_price_book_usd").gt(SAME_USD)
        : pl.col("delta_vs_price_book_usd").lt(-SAME_USD),
    );
  // (a customer's organizations all count, as the comparison's pays_more counts them)
  const organizationsOf = (frame: pl.DataFrame) =>
    frame.height === 0 ? 0 : Number(frame.getColumn("customer_organizations").sum());
  const delta = sums.proposed - sums.book;
  return {
    price_book: book.name,
    organizations: both.height,
    current_mrr: sums.current,
    price_book_mrr: sums.book,
    proposed_mrr: sums.proposed,
    price_book_vs_current_usd: sums.book - sums.current,
    delta_vs_price_book_usd: delta,
    change_vs_price_book_pct: sums.book === 0 ? null : delta / sums.book * 100,
    pays_more_than_price_book: organizationsOf(moved(true)),
    pays_less_than_price_book: organizationsOf(moved(false)),
    biggest_increases: moved(true)
      .sort("delta_vs_price_book_usd", true)
      .head(movers)
      .select(
        "org_id",
        "org_name",
        "tier",
        "plan",
        pl.col("customer_current_mrr").alias("current_mrr"),
        pl.col("customer_book_mrr").alias("price_book_mrr"),
        pl.col("customer_proposed_mrr").alias("proposed_mrr"),
        "delta_vs_price_book_usd",
        "customer_organizations",
      ),
  };
}
