/**
 * Upgrade candidates against churn risks: the paying organizations growing into more of their
 * plan, apart from those showing signs of leaving. The brief says "expansion candidates" and
 * "signs of leaving" (brief_outlook.ts): its questions and segments, as the spec, call free
 * organizations with high usage upgrade candidates and a negative margin churn risk. The rule
 * (outlookRule says it in words, the brief prints it):
 *
 * - paying: `mrr` > 0 on the organization's row (a Stripe customer several organizations share is
 *   judged on the row carrying its revenue; its other rows have no MRR of their own);
 * - churn risk, any of: a Stripe subscription past due or unpaid (`subscription_status`), one set
 *   to cancel (`cancel_at_period_end`), the organization canceled in Helicone's own database
 *   (`org_subscription_status`), and, against an earlier history snapshot, requests down by half
 *   or more (from at least 1,000) or fewer seats;
 * - upgrade candidate: no churn signal, and requests on a 30-day basis at least 1,000 and 25 % or
 *   more above the earlier snapshot's, and at or above 80 % of what the plan includes where the
 *   price book lists an included amount (`meteredPrices.requests`).
 *
 * The trend needs an earlier snapshot: the export holds one window only. Without one (or for an
 * organization not in it) the trend is not known: no upgrade candidate is named, and churn risk
 * reads the Stripe and database signals alone. Nothing is guessed.
 */
import pl from "nodejs-polars";
import type { PriceBook } from "../economics/types.ts";
import { monthlyExpr } from "../frame/monthly.ts";

/** The rule's thresholds (fixed: the brief states them). */
export const OUTLOOK_THRESHOLDS = {
  /** requests at least this much above the earlier snapshot's, percent */
  growthMinPct: 25,
  /** requests down by at least this much, percent */
  dropMinPct: 50,
  /** usage below this (30-day basis) is too small to read a trend from, requests */
  minRequests: 1_000,
  /** near the included amount: at least this share of it, percent */
  nearIncludedPct: 80,
} as const;

/** How far back an earlier snapshot may be: a whole window before the as-of, at most ~two months. */
export const EARLIER_SNAPSHOT_DAYS = { min: 30, max: 62 } as const;

/** The columns an earlier snapshot gives the outlook, per org_id. */
export const EARLIER_COLUMNS = ["org_id", "requests_30d", "seats"] as const;

/** An earlier history snapshot's usage (EARLIER_COLUMNS), and its as-of. */
export interface EarlierUsage {
  asOf: Date;
  frame: pl.DataFrame;
  /**
   * stored by `history backfill`: its seats count today's members who had joined by then (those
   * removed since are not seen), never more than today's, so they are not compared
   */
  backfill?: boolean;
}

export const CHURN_SIGNALS = {
  payment_failing: "past due or unpaid in Stripe",
  cancel_scheduled: "set to cancel",
  canceled_in_helicone: "canceled in Helicone's database",
  usage_down: "requests down by half or more",
  seats_down: "fewer seats",
} as const;
export type ChurnSignal = keyof typeof CHURN_SIGNALS;

export interface OutlookFacts {
  /** organizations with mrr > 0 */
  paying: number;
  upgrade: number;
  upgradeMrrUsd: number;
  churn: number;
  churnMrrUsd: number;
  /** paying organizations with no earlier figures (no earlier snapshot, or new since it) */
  trendUnknown: number;
  /** paying organizations per churn signal (one may have several) */
  signals: Record<ChurnSignal, number>;
}

/** OutlookFacts as shown: with no earlier snapshot, upgrade candidates are not known (null), not none. */
export type ShownOutlookFacts = Omit<OutlookFacts, "upgrade" | "upgradeMrrUsd"> & {
  upgrade: number | null;
  upgradeMrrUsd: number | null;
};

/** An outlook's facts as shown (ShownOutlookFacts): the admin page's and account_outlook's. */
export function shownFacts(
  outlook: { earlierAsOf: Date | null; facts: OutlookFacts },
): ShownOutlookFacts {
  return outlook.earlierAsOf
    ? outlook.facts
    : { ...outlook.facts, upgrade: null, upgradeMrrUsd: null };
}

/**
 * The columns the outlook reads: a frame without them (a hand-made one) has no outlook, in the
 * brief and on the admin page alike.
 */
export const OUTLOOK_READS = [
  "org_id",
  "org_name",
  "plan",
  "mrr",
  "requests_30d",
  "seats",
  "subscription_status",
  "cancel_at_period_end",
  "org_subscription_status",
] as const;

export interface AccountOutlook {
  /** the earlier snapshot's as-of; null when there was none */
  earlierAsOf: Date | null;
  /** the earlier snapshot is a backfill's: its seats not compared (EarlierUsage.backfill) */
  earlierBackfill: boolean;
  /** upgrade candidates, most added requests first (OUTLOOK_TABLE_COLUMNS) */
  upgrade: pl.DataFrame;
  /** churn risks, most MRR first (OUTLOOK_TABLE_COLUMNS and `signals`, in words) */
  churn: pl.DataFrame;
  facts: OutlookFacts;
}

export const OUTLOOK_TABLE_COLUMNS = [
  "org_id",
  "org_name",
  "plan",
  "mrr",
  "requests_30d",
  "requests_earlier",
  "requests_change_pct",
  "seats",
  "seats_earlier",
] as const;

/** The plans' included requests a month (meteredPrices.requests), by name. */
function includedRequests(book: PriceBook | undefined): Map<string, number> {
  return new Map(
    (book?.scenario.plans ?? []).flatMap((plan) =>
      plan.meteredPrices?.requests
        ? [[plan.name, plan.meteredPrices.requests.includedRequests]]
        : []
    ),
  );
}

/** The organization's plan includes this many requests a month; null where it lists none. */
function includedExpr(book: PriceBook | undefined): pl.Expr {
  let chain: pl.Then | pl.ChainedThen | null = null;
  for (const [name, included] of includedRequests(book)) {
    const isPlan = pl.col("plan").eq(pl.lit(name));
    chain = chain
      ? chain.when(isPlan).then(pl.lit(included))
      : pl.when(isPlan).then(pl.lit(included));
  }
  return (chain ? chain.otherwise(pl.lit(null)) : pl.lit(null)).cast(pl.Float64);
}

/**
 * The outlook of an export frame (see the module comment), against `earlier` when there is one.
 * Polars expressions over the paying organizations: the signals' words are only the tables'.
 * The paying rows are judged once into a frame of what the counts and tables read (the statuses
 * already turned into signals), not a copy of every export column: at a million organizations
 * (~200k paying) that copy and a filter of it per count raised the end of the export, its peak,
 * by ~100 MB.
 */
export function accountOutlook(
  frame: pl.DataFrame,
  { earlier = null, book, windowDays = 30, top = 10 }: {
    earlier?: EarlierUsage | null;
    /** the price book: which plans list an included amount */
    book?: PriceBook;
    /** the export's window: its requests are set on a 30-day basis, as the snapshots' are */
    windowDays?: number;
    /** rows in each table */
    top?: number;
  } = {},
): AccountOutlook {
  const judged = judgedPaying(frame, { earlier, book, windowDays });
  const signalNames = Object.keys(CHURN_SIGNALS) as ChurnSignal[];
  const before = pl.col("requests_earlier");
  const counts = judged.select(
    pl.col("_upgrade").sum().alias("upgrade"),
    pl.col("mrr").filter(pl.col("_upgrade")).sum().alias("upgradeMrrUsd"),
    pl.col("_churn").sum().alias("churn"),
    pl.col("mrr").filter(pl.col("_churn")).sum().alias("churnMrrUsd"),
    before.isNull().sum().alias("trendUnknown"),
    ...signalNames.map((name) => pl.col(name).sum().alias(name)),
  ).toRecords()[0] as Record<string, number | null>;
  const fact = (name: string) => Number(counts[name] ?? 0);
  const facts: OutlookFacts = {
    paying: judged.height,
    upgrade: fact("upgrade"),
    upgradeMrrUsd: fact("upgradeMrrUsd"),
    churn: fact("churn"),
    churnMrrUsd: fact("churnMrrUsd"),
    trendUnknown: fact("trendUnknown"),
    signals: Object.fromEntries(signalNames.map((name) => [name, fact(name)])) as Record<
      ChurnSignal,
      number
    >,
  };
  const change = pl.when(before.gt(0))
    .then(pl.col("requests_30d").minus(before).div(before).mul(100))
    .otherwise(pl.lit(null)).alias("requests_change_pct");
  const churnTop = judged.lazy().filter(pl.col("_churn"))
    .sort(["mrr", "org_id"], [true, false])
    .head(top)
    .withColumns(change)
    .collectSync();
  const churn = churnTop.select(...OUTLOOK_TABLE_COLUMNS).withColumns(
    pl.Series("signals", signalWords(churnTop, signalNames), pl.Utf8),
  );
  const upgrade = judged.lazy().filter(pl.col("_upgrade"))
    .withColumns(pl.col("requests_30d").minus(before).alias("_added"))
    .sort(["_added", "org_id"], [true, false])
    .head(top)
    .withColumns(change)
    .select(...OUTLOOK_TABLE_COLUMNS)
    .collectSync();
  return {
    earlierAsOf: earlier?.asOf ?? null,
    earlierBackfill: earlier?.backfill ?? false,
    upgrade,
    churn,
    facts,
  };
}

/**
 * The paying organizations' rows (`mrr` > 0): the columns the tables show, the earlier figures
 * beside them, each churn signal, `_churn` and `_upgrade`.
 */
function judgedPaying(
  frame: pl.DataFrame,
  { earlier, book, windowDays }: {
    earlier: EarlierUsage | null;
    book: PriceBook | undefined;
    windowDays: number;
  },
): pl.DataFrame {
  const t = OUTLOOK_THRESHOLDS;
  const requests = monthlyExpr(pl.col("requests_30d"), windowDays);
  const before = pl.col("requests_earlier");
  const statuses = pl.col("subscription_status").fillNull("");
  const paying = frame.lazy().filter(pl.col("mrr").gt(0)).select(
    pl.col("org_id").cast(pl.Utf8),
    pl.col("org_name"),
    pl.col("plan"),
    pl.col("mrr"),
    requests.alias("requests_30d"),
    pl.col("seats").cast(pl.Float64),
    statuses.str.contains("(^|,)\\s*(past_due|unpaid)\\s*(,|$)").alias("payment_failing"),
    pl.col("cancel_at_period_end").fillNull(false).alias("cancel_scheduled"),
    pl.col("org_subscription_status").fillNull("").str.toLowerCase().str.strip()
      .eq(pl.lit("canceled")).alias("canceled_in_helicone"),
    includedExpr(book).alias("_included"),
  );
  const signalNames = Object.keys(CHURN_SIGNALS) as ChurnSignal[];
  const anySignal = signalNames.map((name) => pl.col(name)).reduce((a, b) => a.or(b));
  const grown = pl.col("requests_30d").gtEq(t.minRequests)
    .and(pl.col("requests_30d").gtEq(before.mul(1 + t.growthMinPct / 100)))
    .and(pl.col("requests_30d").gt(before))
    .and(
      pl.col("_included").isNull()
        .or(pl.col("requests_30d").gtEq(pl.col("_included").mul(t.nearIncludedPct / 100))),
    )
    .fillNull(false);
  return withEarlier(paying, earlier)
    .withColumns(
      before.gtEq(t.minRequests)
        .and(pl.col("requests_30d").ltEq(before.mul(1 - t.dropMinPct / 100)))
        .fillNull(false).alias("usage_down"),
      pl.col("seats").lt(pl.col("seats_earlier")).fillNull(false).alias("seats_down"),
    )
    .withColumns(anySignal.alias("_churn"), anySignal.not().and(grown).alias("_upgrade"))
    .drop("_included")
    .collectSync();
}

/**
 * The earlier snapshot's requests_earlier and seats_earlier beside each paying row (null where it
 * has none). A snapshot has one row per organization, as its export: joined as it is, its rows of
 * the paying organizations taken first (a hash of those, not of every row). No snapshot: nulls;
 * a backfill's seats: null (EarlierUsage.backfill).
 */
function withEarlier(paying: pl.LazyDataFrame, earlier: EarlierUsage | null): pl.LazyDataFrame {
  if (!earlier) {
    return paying.withColumns(
      pl.lit(null).cast(pl.Float64).alias("requests_earlier"),
      pl.lit(null).cast(pl.Float64).alias("seats_earlier"),
    );
  }
  const earlierRows = earlier.frame.lazy().select(
    pl.col("org_id").cast(pl.Utf8),
    pl.col("requests_30d").cast(pl.Float64).alias("requests_earlier"),
    (earlier.backfill ? pl.lit(null) : pl.col("seats")).cast(pl.Float64).alias("seats_earlier"),
  ).join(paying.select("org_id"), { on: "org_id", how: "semi" });
  return paying.join(earlierRows, { on: "org_id", how: "left" });
}

/** Each row's churn signals in words, `; `-separated (a table's rows only). */
function signalWords(rows: pl.DataFrame, names: ChurnSignal[]): string[] {
  const columns = names.map((name) => rows.getColumn(name).toArray() as boolean[]);
  return Array.from(
    { length: rows.height },
    (_, i) => names.filter((_, k) => columns[k][i]).map((name) => CHURN_SIGNALS[name]).join("; "),
  );
}
