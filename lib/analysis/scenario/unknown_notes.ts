/**
 * Why organizations have unknown current MRR in a scenario comparison, in one warning: each
 * cause with its count (read from the revenue_source of the row that carries the organization's
 * Stripe customer's revenue), and how many of them have an unknown proposed MRR too, which the
 * proposed MRR shown for them leaves out.
 */
import pl from "nodejs-polars";
import { formatUsd } from "../../report/numbers.ts";
import { doublesOf } from "./pricing_inputs.ts";
import { NOT_COMPARABLE_REASON } from "./customers.ts";

const CAUSES = [
  "revenue not fetched (revenue_source none: Stripe skipped or failed, or a customer Stripe does not know)",
  "amounts Stripe gave that could not be put in USD (revenue_source unconverted: no PRICING_FX_RATES rate for the currency)",
  "mrr empty, no revenue_source saying why",
] as const;

function organizations(n: number): string {
  return `${n.toLocaleString("en-US")} organization${n === 1 ? "" : "s"}`;
}

/**
 * The warning for `totals.unknownCurrent` organizations of `perOrg` (perOrgFrame's, from
 * `frame`), or null when there are none.
 */
export function unknownCurrentWarning(
  frame: pl.DataFrame,
  { perOrg, revenueRowOf, totals }: {
    perOrg: pl.DataFrame;
    revenueRowOf: Int32Array;
    /** the comparison's (ScenarioTotals) */
    totals: {
      unknownCurrent: number;
      proposedUnknown: number;
      proposedMrrUnknownCurrentUsd: number;
    };
  },
): string | null {
  const unknown = totals.unknownCurrent;
  if (unknown === 0) return null;
  const source = frame.columns.includes("revenue_source")
    ? pl.col("revenue_source").cast(pl.Utf8)
    : pl.lit(null).cast(pl.Utf8);
  // per row: 0 none, 1 unconverted, 2 anything else (its own cause index)
  const sourceCause = doublesOf(
    frame,
    pl.when(source.eq(pl.lit("none"))).then(pl.lit(0))
      .when(source.eq(pl.lit("unconverted"))).then(pl.lit(1))
      .otherwise(pl.lit(2)),
  );
  const isUnknown = doublesOf(perOrg, pl.col("outcome").eq(pl.lit("unknown_current")));
  const counts = CAUSES.map(() => 0);
  let sharing = 0;
  for (let i = 0; i < isUnknown.length; i++) {
    if (isUnknown[i] === 0) continue;
    const row = revenueRowOf[i];
    if (row !== i) sharing++;
    counts[sourceCause[row]]++;
  }
  const causes = CAUSES.flatMap((cause, i) =>
    counts[i] === 0 ? [] : [counts[i] === unknown ? cause : `${counts[i]} ${cause}`]
  );
  const parts = [
    `${organizations(unknown)} ${
      unknown === 1 ? "has" : "have"
    } unknown current MRR, left out of the totals: ${causes.join("; ")}`,
  ];
  if (sharing > 0) {
    parts.push(
      `${sharing} of them ${
        sharing === 1 ? "shares" : "share"
      } a Stripe customer with another organization, whose row carries its revenue, and ${
        sharing === 1 ? "counts" : "count"
      } with it`,
    );
  }
  if (totals.proposedUnknown > 0) {
    const known = unknown - totals.proposedUnknown;
    parts.push(
      `${totals.proposedUnknown} of them ${
        totals.proposedUnknown === 1 ? "has" : "have"
      } unknown proposed MRR too (a plan keeping current MRR)${
        known > 0
          ? `, not in the proposed ${
            formatUsd(totals.proposedMrrUnknownCurrentUsd)
          } of the other ${known}`
          : ""
      }`,
    );
  }
  return parts.join("; ");
}

/** The warning for `count` organizations of not_comparable customers (customers.ts). */
export function notComparableWarning(count: number): string {
  return `${organizations(count)} ${
    count === 1 ? "is" : "are"
  } not comparable, left out of the totals (their current MRR may be known): ${NOT_COMPARABLE_REASON}`;
}
