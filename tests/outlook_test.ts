/**
 * lib/analysis/outlook.ts: paying organizations split into upgrade candidates and churn risks, with
 * and without an earlier history snapshot; every expected figure is worked out by hand (the
 * fixture's comment, tests/outlook_fixture.ts, gives each organization's outcome).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { accountOutlook, type EarlierUsage } from "../lib/analysis/outlook.ts";
import { loadPriceBook } from "../lib/economics/mod.ts";
import { earlier, LEGACY, NEW, outlookFrame } from "./outlook_fixture.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";

const names = (frame: pl.DataFrame) => frame.getColumn("org_id").toArray();

Deno.test("against an earlier snapshot: churn risks by any signal, upgrade candidates growing near their plan's included amount", async () => {
  const book = await loadPriceBook();
  const outlook = accountOutlook(outlookFrame(), { earlier: earlier(), book });
  assertEquals(outlook.facts, {
    paying: 11, // a–h, j, k, l
    upgrade: 1,
    upgradeMrrUsd: 79,
    churn: 5, // d, e, f, g, h
    churnMrrUsd: 1079, // 799 + 40 + 20 + 200 + 20
    trendUnknown: 1, // j
    signals: {
      payment_failing: 1,
      cancel_scheduled: 1,
      canceled_in_helicone: 1,
      usage_down: 1,
      seats_down: 1,
    },
  });
  // most MRR first; f and h tie at $20: by org_id
  assertEquals(names(outlook.churn), ["d", "g", "e", "f", "h"]);
  assertEquals(outlook.churn.getColumn("signals").toArray(), [
    "requests down by half or more",
    "set to cancel",
    "fewer seats",
    "past due or unpaid in Stripe",
    "canceled in Helicone's database",
  ]);
  assertEquals(outlook.churn.getColumn("requests_change_pct").toArray(), [-60, 0, 0, 900, 0]);
  assertEquals(names(outlook.upgrade), ["a"]);
  assertEquals(outlook.upgrade.row(0), ["a", "A", NEW, 79, 20_000, 10_000, 100, 3, 3]);
  assertEquals(outlook.earlierAsOf, new Date("2026-10-01T00:00:00Z"));
});

Deno.test("without a price book no plan lists an included amount: the trend alone names b too", () => {
  // b: 6,000 requests, +200 % (no included amount to be near); a +100 %; added 10,000 vs 4,000
  const outlook = accountOutlook(outlookFrame(), { earlier: earlier() });
  assertEquals(names(outlook.upgrade), ["a", "b"]);
});

Deno.test("without an earlier snapshot no trend is known: no upgrade candidate, churn by Stripe and database signals", async () => {
  const outlook = accountOutlook(outlookFrame(), { book: await loadPriceBook() });
  assertEquals(outlook.earlierAsOf, null);
  assertEquals(outlook.facts.upgrade, 0);
  assertEquals(outlook.facts.trendUnknown, 11);
  // g $200, f and h $20: 240
  assertEquals([names(outlook.churn), outlook.facts.churnMrrUsd], [["g", "f", "h"], 240]);
});

Deno.test("another window's requests are set on a 30-day basis before the earlier snapshot's", async () => {
  // a 7-day export: a's 4,000 requests are 4,000 × 30 / 7 = 17,142.86 a month, +71 % on 10,000
  const frame = outlookFrame().filter(pl.col("org_id").eq(pl.lit("a")))
    .withColumns(pl.lit(4_000).cast(pl.Int64).alias("requests_30d"));
  const outlook = accountOutlook(frame, {
    earlier: earlier(),
    book: await loadPriceBook(),
    windowDays: 7,
  });
  assertEquals(names(outlook.upgrade), ["a"]);
  const change = outlook.upgrade.getColumn("requests_change_pct").toArray()[0] as number;
  assertEquals(Math.round(change * 100) / 100, 71.43);
});

/**
 * The rule's edges, worked out by hand (every organization paying, subscription active, not set
 * to cancel, active in Helicone's database, seats unchanged, unless said):
 * u  legacy, $30, subscription unpaid, 5,000 requests (earlier 5,000) → churn: past due or unpaid
 * e  legacy, $25, 500 (earlier exactly 1,000: down by exactly half, from exactly 1,000) → churn
 * g  legacy, $20, exactly 1,000 (earlier 800: +25 % exactly) → upgrade, 200 requests added
 * n  2025-12-10 (10,000 included), $79, exactly 8,000 (earlier 6,000: +33.3 %, at exactly 80 %
 *    of the included amount) → upgrade, 2,000 added
 * z  legacy, $15, 20,000 (earlier 0: no change in percent to read) → upgrade, 20,000 added
 */
function edgeFrame(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["u", "e", "g", "n", "z"],
    org_name: ["U", "E", "G", "N", "Z"],
    plan: [LEGACY, LEGACY, LEGACY, NEW, LEGACY],
    mrr: [30, 25, 20, 79, 15],
    requests_30d: [5_000, 500, 1_000, 8_000, 20_000],
    seats: [1, 1, 1, 1, 1],
    subscription_status: ["unpaid", "active", "active", "active", "active"],
    cancel_at_period_end: [false, false, false, false, false],
    org_subscription_status: ["active", "active", "active", "active", "active"],
  });
}

const edgeEarlier = (): EarlierUsage => ({
  asOf: new Date("2026-10-01T00:00:00Z"),
  frame: pl.DataFrame({
    org_id: ["u", "e", "g", "n", "z"],
    requests_30d: [5_000, 1_000, 800, 6_000, 0],
    seats: [1, 1, 1, 1, 1],
  }),
});

Deno.test("the rule's edges: unpaid, down by exactly half from exactly 1,000, up exactly 25 % to exactly 1,000, at exactly 80 % of the included amount, up from none", async () => {
  const outlook = accountOutlook(edgeFrame(), {
    earlier: edgeEarlier(),
    book: await loadPriceBook(),
  });
  assertEquals(names(outlook.churn), ["u", "e"]);
  assertEquals(outlook.churn.getColumn("signals").toArray(), [
    "past due or unpaid in Stripe",
    "requests down by half or more",
  ]);
  // most requests added first: z 20,000, n 2,000, g 200
  assertEquals(names(outlook.upgrade), ["z", "n", "g"]);
  // from 0 requests the change in percent is not known (no division by zero)
  const change = outlook.upgrade.getColumn("requests_change_pct").toArray() as (number | null)[];
  assertEquals(change.map((pct) => pct === null ? null : Math.round(pct * 100) / 100), [
    null,
    33.33,
    25,
  ]);
  assertEquals(outlook.facts.trendUnknown, 0);
  assertEquals(outlook.facts.upgradeMrrUsd, 15 + 79 + 20);
});

Deno.test("the Helicone status read whatever its case and spaces; a cancellation flag not known is no sign of leaving", async () => {
  // h's status as Helicone's database may spell it ("Canceled ", the column is free text); c
  // (legacy, $60, no signal) with cancel_at_period_end not known (empty): not set to cancel.
  // Without an earlier snapshot: churn by the signals alone, g $200, f and h $20
  const frame = outlookFrame().withColumns(
    pl.when(pl.col("org_id").eq(pl.lit("h"))).then(pl.lit("Canceled "))
      .otherwise(pl.col("org_subscription_status")).alias("org_subscription_status"),
    pl.when(pl.col("org_id").eq(pl.lit("c"))).then(pl.lit(null).cast(pl.Bool))
      .otherwise(pl.col("cancel_at_period_end")).alias("cancel_at_period_end"),
  );
  const outlook = accountOutlook(frame, { book: await loadPriceBook() });
  assertEquals([names(outlook.churn), outlook.facts.churnMrrUsd], [["g", "f", "h"], 240]);
  assertEquals(outlook.facts.signals, {
    payment_failing: 1,
    cancel_scheduled: 1,
    canceled_in_helicone: 1,
    usage_down: 0,
    seats_down: 0,
  });
});
