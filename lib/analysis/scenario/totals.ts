/**
 * A scenario comparison's totals: over every organization (the summary's Totals) or per group of
 * them (a tier, a plan: breakdown.ts), from the per-organization frame's outcomes.
 */
import pl from "nodejs-polars";
import { formatCount, formatUsd } from "../../report/numbers.ts";
import { doublesOf } from "./pricing_inputs.ts";

export interface ScenarioTotals {
  organizations: number;
  /**
   * organizations whose customer's current and proposed MRR are known: the comparable set (a
   * Stripe customer's organizations are in it or out of it together)
   */
  comparable: number;
  /** current MRR of the comparable set: each customer's once */
  currentMrrUsd: number;
  /** proposed MRR of the comparable set */
  proposedMrrUsd: number;
  deltaUsd: number;
  /** null when current MRR is 0 */
  changePct: number | null;
  /** organizations by their customer's outcome */
  paysMore: number;
  paysLess: number;
  unchanged: number;
  unknownCurrent: number;
  /**
   * organizations whose customer cannot be compared though its MRR may be known (outcome
   * not_comparable: NOT_COMPARABLE_REASON); not in unknownCurrent nor in the totals above
   */
  notComparable: number;
  /** current MRR of the notComparable organizations' customers (known: unknown is unknownCurrent) */
  currentMrrNotComparableUsd: number;
  /**
   * proposed MRR of the unknownCurrent organizations whose own proposed MRR is known (not in the
   * totals above)
   */
  proposedMrrUnknownCurrentUsd: number;
  /**
   * unknownCurrent organizations whose proposed MRR is unknown too (a plan keeping current MRR):
   * not in proposedMrrUnknownCurrentUsd
   */
  proposedUnknown: number;
}

/** The totals over every organization of a per-organization frame. */
export function totalsOf(perOrg: pl.DataFrame): ScenarioTotals {
  return groupTotals(perOrg, { groupOf: new Int32Array(perOrg.height), groups: 1 })[0];
}

/**
 * The totals of each group of a per-organization frame's rows (`groupOf`: each row's group, 0 to
 * groups − 1), in one pass over the columns as typed arrays; each group's sums run in row order, so
 * they are the floats a pass over that group's rows alone gives. With `revenueRowOf`
 * (ScenarioComparison's), an organization counts in the group of its revenue row: a Stripe
 * customer's organizations in one group, so its MRR is set against all of its proposed MRR.
 */
export function groupTotals(
  perOrg: pl.DataFrame,
  { groupOf, groups, revenueRowOf }: {
    groupOf: Int32Array;
    groups: number;
    revenueRowOf?: Int32Array;
  },
): ScenarioTotals[] {
  const comparable = doublesOf(
    perOrg,
    pl.when(pl.col("outcome").eq(pl.lit("unknown_current"))).then(pl.lit(0))
      .when(pl.col("outcome").eq(pl.lit("not_comparable"))).then(pl.lit(2))
      .otherwise(pl.lit(1)),
  );
  // a customer's current MRR is on its revenue row (empty on its other organizations': 0 here)
  const current = doublesOf(perOrg, pl.col("current_mrr"));
  const proposedKnown = doublesOf(perOrg, pl.col("proposed_mrr").isNotNull());
  const proposed = doublesOf(perOrg, pl.col("proposed_mrr"));
  const outcome = doublesOf(
    perOrg,
    pl.when(pl.col("outcome").eq(pl.lit("pays_more"))).then(pl.lit(1))
      .when(pl.col("outcome").eq(pl.lit("pays_less"))).then(pl.lit(2)).otherwise(pl.lit(0)),
  );
  const totals: ScenarioTotals[] = Array.from({ length: groups }, () => ({
    organizations: 0,
    comparable: 0,
    currentMrrUsd: 0,
    proposedMrrUsd: 0,
    deltaUsd: 0,
    changePct: null,
    paysMore: 0,
    paysLess: 0,
    unchanged: 0,
    unknownCurrent: 0,
    notComparable: 0,
    currentMrrNotComparableUsd: 0,
    proposedMrrUnknownCurrentUsd: 0,
    proposedUnknown: 0,
  }));
  const height = perOrg.height; // (a native call each time it is read)
  for (let i = 0; i < height; i++) {
    const t = totals[groupOf[revenueRowOf ? revenueRowOf[i] : i]];
    t.organizations++;
    if (comparable[i] === 2) {
      t.notComparable++;
      t.currentMrrNotComparableUsd += current[i];
      continue;
    }
    if (comparable[i] === 0) {
      t.unknownCurrent++;
      if (proposedKnown[i] === 0) t.proposedUnknown++;
      else t.proposedMrrUnknownCurrentUsd += proposed[i];
      continue;
    }
    t.comparable++;
    t.currentMrrUsd += current[i];
    t.proposedMrrUsd += proposed[i];
    if (outcome[i] === 1) t.paysMore++;
    else if (outcome[i] === 2) t.paysLess++;
    else t.unchanged++;
  }
  for (const t of totals) {
    t.deltaUsd = t.proposedMrrUsd - t.currentMrrUsd;
    t.changePct = t.currentMrrUsd === 0 ? null : t.deltaUsd / t.currentMrrUsd * 100;
  }
  return totals;
}

// ── why nothing is compared ─────────────────────────────────────────────────────────────────

/** Why a scenario has no comparison: its totals' reason, the summary's and stdout's. */
export const NO_KNOWN_CURRENT = "no organization with known current MRR";

/** Who is left out of a comparison that compares no organization (ScenarioTotals' counts). */
export type NoneCompared = Pick<
  ScenarioTotals,
  "notComparable" | "currentMrrNotComparableUsd" | "unknownCurrent"
>;

/**
 * Why nothing was compared when some organizations are not comparable (split customers, whose
 * MRR may be known): names them with the MRR left out, beside those with unknown current MRR.
 */
export function noneComparedReason(
  totals: NoneCompared,
): string {
  return `no organization compared: ${
    formatCount(totals.notComparable)
  } not comparable (current MRR ${formatUsd(totals.currentMrrNotComparableUsd)} left out), ${
    formatCount(totals.unknownCurrent)
  } with unknown current MRR`;
}

/**
 * Why no organization is compared, and so why there is no breakeven: NO_KNOWN_CURRENT when every
 * organization's current MRR is unknown, else noneComparedReason.
 */
export function noComparisonReason(leftOut: NoneCompared): string {
  return leftOut.notComparable === 0 ? NO_KNOWN_CURRENT : noneComparedReason(leftOut);
}
