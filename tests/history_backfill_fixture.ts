/**
 * The live backfill the tests/history_backfill*_test.ts files run: fresh fixture databases
 * (PostgreSQL 15, ClickHouse) and Stripe invoices on the fake API (alpha pays $79 a month from
 * September, charlie $200 from October), the invoice and line builders, and alpha's and
 * charlie's MRR read back from the stored snapshots.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { loadPricingData } from "../lib/export.ts";
import { backfill, type BackfillResult } from "../lib/history/backfill.ts";
import { loadHistoryPoints } from "../lib/history/report.ts";
import type { Env } from "../lib/core/config.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import {
  activeSubscription as subscription,
  type FakeStripe,
  fakeStripeEnv,
  monthlyPrice as price,
  startFakeStripe,
} from "./fake_stripe.ts";
import { s } from "./history_invoice_fixture.ts";

let n = 0;
/** An invoice line of `sub_<customer>` at `priceId` for [from, to). */
export const line = (
  customer: string,
  priceId: string,
  cents: number,
  [from, to]: [string, string],
  proration = false,
) => ({
  id: `il_bf_${++n}`,
  amount: cents,
  currency: "usd",
  quantity: 1,
  period: { start: s(from), end: s(to) },
  discount_amounts: [],
  taxes: [],
  pricing: { type: "price_details", price_details: { price: priceId } },
  parent: {
    type: "subscription_item_details",
    subscription_item_details: { subscription: `sub_${customer}`, proration },
  },
});
/** A paid invoice of `customer` created at `created` holding `lines`. */
export const invoiceOf = (customer: string, created: string, lines: unknown[]) => ({
  id: `in_bf_${++n}`,
  customer,
  status: "paid",
  created: s(created),
  currency: "usd",
  lines: { object: "list", has_more: false, data: lines },
});
export const invoice = (
  customer: string,
  priceId: string,
  cents: number,
  from: string,
  to: string,
) => invoiceOf(customer, from, [line(customer, priceId, cents, [from, to])]);

export const ALPHA = "11111111-1111-4111-8111-111111111111";
export const CHARLIE = "33333333-3333-4333-8333-333333333333";

/** The fake Stripe API: alpha pays $79 a month from September, charlie $200 from October. */
export function fakeStripe() {
  return startFakeStripe({
    subscriptions: [
      subscription("cus_alpha", price("price_pro", 7900)),
      subscription("cus_charlie", price("price_team", 20000)),
    ],
    products: [
      { id: "prod_price_pro", name: "pro-20251210", metadata: {} },
      { id: "prod_price_team", name: "team_bundle", metadata: {} },
    ],
    invoices: [
      // alpha pays $79 every month; charlie starts in October at $200
      invoice("cus_alpha", "price_pro", 7900, "2026-09-01", "2026-10-01"),
      invoice("cus_alpha", "price_pro", 7900, "2026-10-01", "2026-11-01"),
      invoice("cus_alpha", "price_pro", 7900, "2026-11-01", "2026-12-01"),
      invoice("cus_charlie", "price_team", 20000, "2026-10-01", "2026-11-01"),
      invoice("cus_charlie", "price_team", 20000, "2026-11-01", "2026-12-01"),
    ],
  });
}

/** Settings for the fixture databases and the fake Stripe API. */
export const liveEnv = (
  databases: { env: Env },
  fake: { apiKey: string; port: number },
) => ({
  ...databases.env,
  ...fakeStripeEnv(fake),
});

/** What a live backfill run by `liveBackfill` gives its test. */
export interface LiveBackfill {
  result: BackfillResult;
  /** its log lines */
  lines: string[];
  /** the run's folder; the snapshots are in its history/ */
  outDir: string;
  env: ReturnType<typeof liveEnv>;
}

/**
 * A live backfill of the three month ends to 2026-12-01, run on 11-20, from fresh fixture
 * databases named `name` (with the PostgreSQL fixture files `postgres` after the usual ones) and
 * `fake`'s Stripe, with `env` over their settings, handed to `check`. The fake API, the folder
 * and the databases go after, whatever `check` did.
 */
export async function liveBackfill(
  { name, fake, postgres = [], env: extraEnv = {} }: {
    name: string;
    fake: FakeStripe;
    postgres?: string[];
    env?: Env;
  },
  check: (run: LiveBackfill) => Promise<void>,
): Promise<void> {
  const databases = await freshFixtureDatabases(name, {
    postgres: ["postgres_schema.sql", "postgres_data.sql", ...postgres],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_data.sql"],
  });
  const outDir = await Deno.makeTempDir();
  try {
    const env = { ...liveEnv(databases, fake), ...extraEnv };
    const lines: string[] = [];
    const result = await backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env,
      historyDir: `${outDir}/history`,
      outDir,
      months: 3,
      last: new Date("2026-12-01T00:00:00Z"),
      now: new Date("2026-11-20T00:00:00Z"),
      quiet: true,
      log: (line) => lines.push(line),
    });
    await check({ result, lines, outDir, env });
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
}

export async function alphaCharlieMrr(historyDir: string) {
  const points = await loadHistoryPoints(historyDir, false);
  return {
    points,
    mrr: points.map((p) => {
      const ids = p.frame.getColumn("org_id").toArray() as string[];
      const values = p.frame.getColumn("mrr_recurring").toArray() as (number | null)[];
      return [ALPHA, CHARLIE].map((id) => values[ids.indexOf(id)]);
    }),
  };
}

/**
 * alpha pays $79 a month on price_pro through October; on 10-16 it upgrades to price_team2
 * ($200): unused pro time 79 × 16/31 = −$40.77, team2 for the rest 200 × 16/31 = +$103.23, both
 * for 10-16 → 11-01. Its subscription now holds team2 alone and price_pro is archived (Stripe
 * lists it only with `active=false`) — or, with `proGone`, Stripe lists it nowhere (an inline or
 * deleted price). charlie pays $200 on price_team from October.
 */
