/**
 * The bridge over snapshots one at a time, so that no step holds every organization of every
 * month (a million organizations × 4 months as one long frame and its joins peaked at +2.3 GB):
 *
 * - per snapshot, the totals per plan and for the company, from the plan (a category) and a few
 *   summed columns at a time, grouped in memory as historyLong's group-bys did, so the float
 *   sums are added in the same order, to the bit;
 * - per pair of consecutive snapshots, the customer movements of the paying and the paused
 *   organizations only, grouped by customer (bridge_keys.ts; any other organization at 0 both times
 *   adds nothing to its customer's MRR and changes no plan; a paused one at 0 tells a pause from
 *   churn), with the customers already paid before (first_paid) and whether each one's pause is
 *   open (openPauses: its end is `resumed`, not new or reactivation) carried along: only the
 *   aggregates are kept. Customers are joined on a dense integer id per customer key, kept in
 *   the state (aggregate_customers.ts withCustomerIds), plans are categories.
 *
 * Every step is bridge.ts's and plan_bridge.ts's (joinedSides and withMovements, which make
 * movementsOf, movementSums, planMovementSums, planChangeSums, snapshotSums' aggregations, *Of),
 * so the result is the long frame's (tests/history_aggregate_test.ts). Snapshots are read from
 * Parquet with only the columns used (lazy scans: history_source.ts). This file walks the steps and
 * puts the bridge together; a snapshot's totals are aggregate_totals.ts's, its customers and a
 * pair's movements aggregate_customers.ts's.
 */
import pl from "nodejs-polars";
import { asOfKey, snapshotPeriod } from "./periods.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { type HistorySource, mrrStats, readFrom } from "./history_source.ts";
import { isLazy } from "./lazy.ts";
import { type BridgeState, resumedBridgeState, storeBridgeState } from "./bridge_state.ts";
import { companyBridgeOf, totalsRatios } from "./bridge.ts";
import { planBridgeOf, planChangesOf } from "./plan_bridge.ts";
import { openPauses, withOpenPause } from "./bridge_pauses.ts";
import {
  type PeriodRetention,
  periodRetention,
  periodStartOf,
  retentionEndIdx,
  retentionSpanOf,
  retentionStartIdx,
} from "./retention_period.ts";
import { cohortsOfSums, firstPaymentsOf } from "./cohorts.ts";
import { billsOtherThanUsd, type FxRates, fxUnknownMonths } from "./bridge_fx.ts";
import { currencyBridgeOf, derivesNativeAmounts } from "./bridge_currency.ts";
import { snapshotSumsOf } from "./aggregate_totals.ts";
import {
  BRIDGE_KEYS,
  CUSTOMER_ID,
  noCustomerIds,
  pairSums,
  payingOrPausedOf,
  zeroSums,
} from "./aggregate_customers.ts";

export interface SnapshotBridge {
  /** as-of keys (periods.ts's asOfKey) of the snapshots with organizations, oldest first */
  months: string[];
  company: pl.DataFrame;
  plans: pl.DataFrame;
  changes: pl.DataFrame;
  /** retention over the trailing 12 months or the months stored (retention_period.ts) */
  period: PeriodRetention;
  /** MRR cohorts by first paid snapshot, all customers and per first plan (cohorts.ts) */
  cohorts: pl.DataFrame;
  /** end_cents per (idx, month, plan) of every snapshot */
  planEnds: pl.DataFrame;
  /** the bridge per billing currency, in its minor units (bridge_currency.ts) */
  currencies: pl.DataFrame;
  /** requests and mrr_margin_after_ptb_llm_pct per (idx, month, plan) of every snapshot, the first too */
  planTrends: pl.DataFrame;
  /**
   * as-of keys of the snapshots where a paying (or paused) customer has no subscription_status
   * (backfills, which mark only the customers paused now): a pause there cannot be told from churn
   */
  withoutStatus: string[];
  /**
   * as-of keys of the months where FX drift cannot be told from movements (bridge_fx.ts
   * fxUnknownMonths: rates not recorded, a customer billed in another currency than USD)
   */
  fxUnknown: string[];
  /**
   * as-of keys of the snapshots whose per-currency amounts are derived from USD for some paying
   * customer (bridge_currency.ts derivesNativeAmounts: written before they were stored, imports)
   */
  nativeDerived: string[];
}

/** The bridge, plan changes and plan ends of `points` (oldest first, at least two). */
export function bridgeOfSources(points: HistorySource[]): SnapshotBridge {
  const steps = bridgeSteps(points);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * bridgeOfSources, letting each step's frames go before the next (collectDroppedFrames): a
 * dropped frame's native memory is freed only once the garbage collector finalises its wrapper,
 * so in one synchronous run every snapshot's frames would stay until the end.
 */
export async function bridgeOfSourcesReleasing(points: HistorySource[]): Promise<SnapshotBridge> {
  // snapshots of a few hundred thousand organizations leave little behind: a collection per
  // step cost more than it freed (COLLECT_ABOVE_ROWS)
  const rows = Math.max(0, ...points.map((point) => mrrStats(point).rows));
  const steps = bridgeSteps(points);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await collectDroppedFrames({ rows });
  }
}

/**
 * bridgeOfSources' work, pausing where the frames of a step are no longer needed. The state after
 * the stored snapshots (those read from files, first) is kept in their folder and resumed
 * (bridge_state.ts): an export then computes its own step only.
 */
function* bridgeSteps(points: HistorySource[]): Generator<void, SnapshotBridge> {
  const firstInMemory = points.findIndex((p) => !p.path || !isLazy(p.frame));
  const stored = points.slice(0, firstInMemory === -1 ? points.length : firstInMemory)
    .map((p) => p.path!);
  const resumed = resumedBridgeState(stored);
  const state: BridgeState = resumed?.state ?? {
    moveSums: [],
    planSums: [],
    changeSums: [],
    currencySums: [],
    totals: [],
    planTotals: [],
    rowsOf: [],
    statusOf: [],
    otherBilledOf: [],
    derivedOf: [],
    cohortSums: [],
    customerIds: noCustomerIds(),
    firstPaid: pl.DataFrame([
      pl.Series(CUSTOMER_ID, [], pl.UInt32),
      pl.Series("first_paid", [], pl.Int32),
      pl.Series("cohort_plan", [], pl.Utf8),
    ]),
  };
  const from = resumed?.covers ?? 0;
  // the retention period's start customers, kept from its step (a resumed state's may be of
  // another start: the stored months are the same, the last snapshot's month is not)
  // (past the snapshots where no customer paid yet: the first of the stored ones where one did;
  // when none did, the loop below moves it to the first paying snapshot after them)
  const startIdx = points.length >= 2 ? paidStartIdx(points, state) : -1;
  if (startIdx >= 0 && startIdx < from && state.periodStart?.idx !== startIdx) {
    state.periodStart = {
      idx: startIdx,
      paying: periodStartOf(payingOrPausedOfState(points[startIdx], { state }), BRIDGE_KEYS),
    };
  }
  // the period's end customers: the last snapshot's, or the last month end's before a month to
  // date (retentionEndIdx), kept from its step or the state resumed; an older one is read again
  const endIdx = points.length >= 2 ? retentionEndIdx(points) : -1;
  let periodEnd = endIdx >= 0 && endIdx === from - 1 ? state.previous?.payingOrPaused : undefined;
  if (endIdx >= 0 && endIdx < from - 1) {
    periodEnd = payingOrPausedOfState(points[endIdx], {
      state,
      previousRates: points[endIdx - 1]?.fxRates,
    });
  }
  const keep = keptStoredPoints(points, stored.length);
  for (let idx = from; idx < points.length; idx++) {
    const unpaidStart = state.periodStart !== undefined && state.periodStart.paying.height === 0;
    yield* bridgeStep(state, points[idx], {
      idx,
      previousRates: points[idx - 1]?.fxRates,
      periodStart: idx === startIdx
        ? "always"
        : unpaidStart && idx > startIdx && idx < endIdx
        ? "whenPaying"
        : null,
    });
    if (idx === endIdx) periodEnd = state.previous!.payingOrPaused;
    if (idx === keep - 1) {
      const read = points.slice(0, keep).map(readFrom);
      storeBridgeState(state, {
        paths: stored.slice(0, keep),
        from: {
          replaced: () => read.some((from) => from.replaced()),
        },
      });
    }
  }
  return bridgeOfState(points, { state, periodEnd });
}

/**
 * The retention period's start (retention_period.ts retentionStartIdx), past the snapshots where no
 * organization paid: the first after it where one did, among those the bridge has walked
 * (`totals`, each snapshot's company sums) before the period's end; when none of those did, the
 * start itself, which the steps still to walk move on (bridgeSteps: "whenPaying"), as a bridge
 * walked from the first snapshot does.
 */
function paidStartIdx(
  points: HistorySource[],
  { totals, rowsOf }: Pick<BridgeState, "totals" | "rowsOf">,
): number {
  const candidate = retentionStartIdx(points);
  // (a resumed state's totals are one frame of every walked snapshot's, by idx)
  const walked = Math.min(rowsOf.length, retentionEndIdx(points));
  if (candidate >= walked || totals.length === 0) return candidate;
  const paid = pl.concat(totals, { how: "vertical" }).lazy()
    .filter(pl.col("idx").gtEq(candidate).and(pl.col("idx").lt(walked)))
    .filter(pl.col("paying_orgs").gt(0)).select(pl.col("idx").min()).collectSync();
  const first = paid.height > 0 ? paid.getColumn("idx").get(0) : null;
  return first === null ? candidate : Number(first);
}

/**
 * How many of the stored points (the first `stored` of `points`) the kept state covers: all of them,
 * but the newest point when it is stored and a month to date. That snapshot is the month's until
 * the next export of the month stands in for it (points.ts), and a state made with it was resumed
 * by nothing: each export after an `mrr_history` call or a `history report` built the whole bridge
 * again (12 × 1M organizations: ~100 CPU-s), and each such call after an export stored it again.
 */
function keptStoredPoints(points: HistorySource[], stored: number): number {
  const newest = points.at(-1);
  return stored === points.length && newest && snapshotPeriod(newest.asOf).monthToDate
    ? stored - 1
    : stored;
}

/**
 * One snapshot's step: its sums, its paying organizations and (after the first) the pair's;
 * previousRates: the FX rates of the snapshot before (bridge_fx.ts).
 */
function* bridgeStep(
  state: BridgeState,
  point: HistorySource,
  { idx, previousRates, periodStart }: {
    idx: number;
    previousRates?: FxRates;
    /**
     * this snapshot starts the retention period: its paying customers are kept ("always"), or
     * only when some pay ("whenPaying": no customer paid at the start chosen before it)
     */
    periodStart: "always" | "whenPaying" | null;
  },
): Generator<void> {
  const month = asOfKey(point.asOf);
  const sums = snapshotSumsOf(point, idx);
  state.rowsOf.push(sums.rows);
  state.totals.push(sums.company);
  state.planTotals.push(sums.plans);
  yield; // the snapshot's plans (~8 MB at a million organizations) go
  const found = payingOrPausedOfState(point, { state, previousRates });
  // every customer's: a backfill marks only the customers paused now, the others' status unknown
  state.statusOf.push(
    found.height === 0 ? null : found.filter(pl.col("has_status").not()).height === 0,
  );
  state.otherBilledOf.push(billsOtherThanUsd(found));
  state.derivedOf.push(derivesNativeAmounts(found));
  yield; // the read's garbage (the organizations before grouping by customer) goes
  const previous = state.previous;
  // whose pause is open here: paused at 0, and paying or with an open pause at the previous one
  const open = openPauses(found.lazy(), {
    previous: previous?.payingOrPaused.lazy() ?? null,
    on: BRIDGE_KEYS,
  }).collectSync();
  const payingOrPaused = withOpenPause(found.drop("has_status"), { open, on: BRIDGE_KEYS });
  const paying = payingOrPaused.filter(pl.col("cents").gt(0));
  if (periodStart === "always" || (periodStart === "whenPaying" && paying.height > 0)) {
    state.periodStart = { idx, paying: periodStartOf(payingOrPaused, BRIDGE_KEYS) };
  }
  const first = firstPaymentsOf({
    payingOrPaused,
    firstPaid: state.firstPaid,
    idx,
    on: BRIDGE_KEYS,
  });
  state.firstPaid = first.firstPaid;
  state.cohortSums.push(first.cohortSums);
  // the reads' and joins' garbage (~100–300 MB at a million paying organizations) goes before the
  // pair's join, which would peak on top of it
  yield;
  if (previous) {
    const pair = pairSums({
      previous: previous.payingOrPaused,
      current: first.current,
      idx,
      month: sums.rows > 0 ? month : null,
    });
    // the long frame's month row exists when either snapshot has organizations, paying or not
    state.moveSums.push(
      pair.moves.height === 0 && sums.rows + previous.rows > 0
        ? zeroSums(pair.moves, { idx, month: sums.rows > 0 ? month : null })
        : pair.moves,
    );
    state.planSums.push(pair.plans);
    state.changeSums.push(pair.changes);
    state.currencySums.push(pair.currencies);
  }
  state.previous = { payingOrPaused, rows: sums.rows };
  yield; // this pair's movements go; the paying and paused organizations stay for the next pair
}

/**
 * payingOrPausedOf `point` (previousRates: the FX rates of the snapshot before), its customers
 * keyed by the state's ids, those met for the first time added to them.
 */
function payingOrPausedOfState(
  point: HistorySource,
  { state, previousRates }: { state: BridgeState; previousRates?: FxRates },
): pl.DataFrame {
  const { found, ids } = payingOrPausedOf(point, { ids: state.customerIds, previousRates });
  state.customerIds = ids;
  return found;
}

/** The bridge of `points` from the state after all of them. */
function bridgeOfState(
  points: HistorySource[],
  { state, periodEnd }: { state: BridgeState; periodEnd?: pl.DataFrame },
): SnapshotBridge {
  const {
    moveSums,
    planSums,
    changeSums,
    currencySums,
    totals,
    planTotals,
    rowsOf,
    statusOf,
    otherBilledOf,
    derivedOf,
    periodStart,
    cohortSums,
  } = state;
  if (points.length < 2) throw new Error("a bridge needs at least two snapshots");
  const { start, span } = retentionSpanOf(points, periodStart?.idx);
  // the snapshots with organizations (the long frame's idx and month)
  const present = points.map((p, idx) => ({ idx, month: asOfKey(p.asOf) }))
    .filter(({ idx }) => rowsOf[idx] > 0);
  // a snapshot of no organization just before the first that has some (a backfill from before the
  // first sign-up) is the baseline its row starts from, at 0: named as such, its gap counted
  const baselineIdx = (present[0]?.idx ?? 0) - 1;
  const baseline = baselineIdx >= 0 ? [asOfKey(points[baselineIdx].asOf)] : [];
  return {
    months: [...new Set([...baseline, ...present.map((p) => p.month)])].sort(),
    company: companyBridgeOf(
      pl.concat(moveSums, { how: "vertical" }),
      totalsRatios(pl.concat(totals, { how: "vertical" }).rechunk()),
    ),
    plans: planBridgeOf({
      sums: pl.concat(planSums, { how: "vertical" }),
      totals: totalsRatios(
        pl.concat(planTotals.slice(1), { how: "vertical" }).drop("month").rechunk(),
      ),
      months: pl.DataFrame([
        pl.Series("idx", present.map((p) => p.idx), pl.Int32),
        pl.Series("month_t", present.map((p) => p.month), pl.Utf8),
      ]),
    }),
    changes: planChangesOf(pl.concat(changeSums, { how: "vertical" })),
    currencies: currencyBridgeOf(currencySums),
    planEnds: pl.concat(planTotals, { how: "vertical" }).select("idx", "month", "plan", "end_cents")
      .sort(["idx", "plan"]),
    planTrends: totalsRatios(pl.concat(planTotals, { how: "vertical" }).rechunk())
      .select("idx", "month", "plan", "requests", "mrr_margin_after_ptb_llm_pct")
      .sort(["idx", "plan"]),
    withoutStatus: points.flatMap((p, idx) => statusOf[idx] === false ? [asOfKey(p.asOf)] : []),
    fxUnknown: fxUnknownMonths(
      points.map((p) => ({ fxRates: p.fxRates, month: asOfKey(p.asOf) })),
      otherBilledOf,
    ),
    nativeDerived: points.flatMap((p, idx) => derivedOf[idx] ? [asOfKey(p.asOf)] : []),
    period: periodRetention({
      span,
      start: periodStart!.paying,
      end: periodEnd!,
      on: BRIDGE_KEYS,
      startRates: start.fxRates,
    }),
    cohorts: cohortsOfSums(cohortSums, points),
  };
}
