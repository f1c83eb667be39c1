/**
 * The upgrade and churn fixture (tests/outlook_test.ts, tests/brief_outlook_test.ts): thirteen
 * organizations and an earlier snapshot of them, each one's outcome worked out by hand below.
 */
import pl from "nodejs-polars";
import type { EarlierUsage } from "../lib/analysis/outlook.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";

export const NEW = "pro 2025-12-10"; // includes 10,000 requests a month: near it from 8,000
export const LEGACY = "pro (seat, legacy)"; // lists no included amount

/**
 * a 2025-12-10, $79, 20,000 requests (earlier 10,000: +100 %, above 8,000) → upgrade
 * b 2025-12-10, $79, 6,000 (earlier 2,000: +200 %, but under 80 % of the 10,000 included) → none
 * c legacy, $60, 5,000 (earlier 4,500: +11 %) → none
 * d team 2025-12-10, $799, 40,000 (earlier 100,000: −60 %) → churn: requests down by half or more
 * e legacy, $40, 2 seats (earlier 4) → churn: fewer seats
 * f legacy, $20, past due (and 500 → 5,000 requests: grown, but a churn signal) → churn
 * g team legacy, $200, set to cancel → churn
 * h legacy, $20, canceled in Helicone's database → churn
 * i free, $0, 100 → 90,000 requests: not paying, not judged
 * j 2025-12-10, $79, 50,000, not in the earlier snapshot → trend not known
 * k legacy, $20, 900 (earlier 100): grown, but under 1,000 requests → none
 * l legacy, $20, 100 (earlier 800): down, but from under 1,000 → none
 * m a shared_customer row (no MRR of its own) → not judged
 */
export function outlookFrame(): pl.DataFrame {
  return exportFrameFromColumns({
    org_id: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m"],
    org_name: ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"],
    plan: [
      NEW,
      NEW,
      LEGACY,
      "team 2025-12-10",
      LEGACY,
      LEGACY,
      "team (bundle, legacy)",
      LEGACY,
      "free",
      NEW,
      LEGACY,
      LEGACY,
      LEGACY,
    ],
    mrr: [79, 79, 60, 799, 40, 20, 200, 20, 0, 79, 20, 20, null],
    requests_30d: [
      20_000,
      6_000,
      5_000,
      40_000,
      3_000,
      5_000,
      1_000,
      1_000,
      90_000,
      50_000,
      900,
      100,
      70_000,
    ],
    seats: [3, 2, 3, 10, 2, 1, 5, 1, 1, 2, 1, 1, 1],
    subscription_status: [
      "active",
      "active",
      "active",
      "active",
      "active",
      "active,past_due",
      "active",
      "active",
      null,
      "active",
      "active",
      "active",
      null,
    ],
    cancel_at_period_end: [
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      false,
      null,
      false,
      false,
      false,
      null,
    ],
    org_subscription_status: [
      "active",
      "active",
      "active",
      "active",
      "active",
      "active",
      "active",
      "canceled",
      null,
      "active",
      "active",
      "active",
      "active",
    ],
    revenue_source: [
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "stripe",
      "no_customer",
      "stripe",
      "stripe",
      "stripe",
      "shared_customer",
    ],
  });
}

export const earlier = (): EarlierUsage => ({
  asOf: new Date("2026-10-01T00:00:00Z"),
  frame: pl.DataFrame({
    org_id: ["a", "b", "c", "d", "e", "f", "g", "h", "i", "k", "l", "m"],
    requests_30d: [10_000, 2_000, 4_500, 100_000, 3_000, 500, 1_000, 1_000, 100, 100, 800, 1_000],
    seats: [3, 2, 3, 10, 4, 1, 5, 1, 1, 1, 1, 1],
  }),
});

/**
 * `earlier` stored in `historyDir` as a history snapshot of its as-of (its org_id, requests_30d
 * and seats), live or demo, by an export unless `origin` says a backfill stored it: the earlier
 * snapshot the surfaces that read the history folder find.
 */
export async function storeEarlier(
  historyDir: string,
  { demo, origin = "export" }: { demo: boolean; origin?: "export" | "backfill" },
) {
  const { asOf, frame } = earlier();
  await writeSnapshot(
    exportFrameFromColumns({
      org_id: frame.getColumn("org_id").toArray() as string[],
      requests_30d: frame.getColumn("requests_30d").toArray() as number[],
      seats: frame.getColumn("seats").toArray() as number[],
    }),
    { dir: historyDir, asOf, demo, origin },
  );
}
