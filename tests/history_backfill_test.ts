/**
 * A live backfill on the fixture databases (PostgreSQL 15, ClickHouse) with revenue from Stripe
 * invoices on the fake API: three month-end snapshots, revenue per month worked out by hand from
 * the invoices below, and the reconciliation of live MRR against invoice MRR.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { loadPricingData } from "../lib/export.ts";
import { backfill } from "../lib/history/backfill.ts";
import { buildHistoryReport, loadHistoryPoints } from "../lib/history/report.ts";
import { readSnapshotMeta } from "../lib/history/snapshot.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import {
  activeSubscription as subscription,
  monthlyPrice as price,
  startFakeStripe,
} from "./fake_stripe.ts";

const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;
let n = 0;
const invoice = (customer: string, priceId: string, cents: number, from: string, to: string) => ({
  id: `in_bf_${++n}`,
  customer,
  status: "paid",
  created: s(from),
  currency: "usd",
  lines: {
    object: "list",
    has_more: false,
    data: [{
      id: `il_bf_${n}`,
      amount: cents,
      currency: "usd",
      quantity: 1,
      period: { start: s(from), end: s(to) },
      discount_amounts: [],
      taxes: [],
      pricing: { type: "price_details", price_details: { price: priceId } },
      parent: {
        type: "subscription_item_details",
        subscription_item_details: { subscription: `sub_${customer}`, proration: false },
      },
    }],
  },
});

const ALPHA = "11111111-1111-4111-8111-111111111111";
const CHARLIE = "33333333-3333-4333-8333-333333333333";

Deno.test("live backfill: snapshots from the databases at each as-of, MRR from invoices", async () => {
  const fake = startFakeStripe({
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
  const databases = await freshFixtureDatabases("history");
  const outDir = await Deno.makeTempDir();
  const env = {
    ...databases.env,
    STRIPE_SECRET_KEY: fake.apiKey,
    STRIPE_API_HOST: "127.0.0.1",
    STRIPE_API_PORT: String(fake.port),
    STRIPE_API_PROTOCOL: "http",
  };
  try {
    const lines: string[] = [];
    const result = await backfill({
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
    assertEquals(result.demo, false);
    assertEquals(result.snapshots.length, 3);
    // one listing for the whole range (from 400 days before the first as-of), and the live
    // revenue fetch's own look-back listing for the reconciliation
    const listings = fake.log.filter((r) => r.path === "/v1/invoices")
      .map((r) => Number(r.params.get("created[gte]")));
    assertEquals(listings.sort(), [s("2026-10-01") - 400 * 86_400, s("2026-11-20") - 35 * 86_400]);

    const points = await loadHistoryPoints(`${outDir}/history`, false);
    const mrr = points.map((p) => {
      const ids = p.frame.getColumn("org_id").toArray() as string[];
      const values = p.frame.getColumn("mrr_recurring").toArray() as (number | null)[];
      return [ALPHA, CHARLIE].map((id) => values[ids.indexOf(id)]);
    });
    // as-of 10-01 reads September: alpha 79, charlie nothing yet; then both
    assertEquals(mrr, [[79, 0], [79, 200], [79, 200]]);
    const report = buildHistoryReport(points, false);
    assertEquals(report.failures, []);
    const october = report.company.toRecords()[0];
    assertEquals(october.new_cents, 20000, "charlie is new in October");

    const meta = await readSnapshotMeta(result.snapshots[0].path);
    ok(meta?.warnings.some((w) => w.includes("members removed since cannot be seen")));
    ok(meta?.warnings.some((w) => w.includes("revenue from Stripe invoices")));

    // live MRR (subscriptions) against invoices on 11-20: 79 + 200 both ways
    assertEquals(result.reconciliation?.differing, []);
    assertEquals(result.reconciliation?.liveCents, 27900);
    ok(lines.some((l) => l.startsWith("reconciliation at 2026-11-20T00:00:00.000Z")));
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("live backfill without a Stripe key is refused in one line, nothing written", async () => {
  const databases = await freshFixtureDatabases("history_nokey");
  const outDir = await Deno.makeTempDir();
  try {
    await rejects(
      backfill({
        load: loadPricingData,
        env: databases.env,
        historyDir: `${outDir}/history`,
        outDir,
        months: 2,
        quiet: true,
        log: () => {},
      }),
      /set STRIPE_SECRET_KEY/,
    );
    assertEquals([...Deno.readDirSync(outDir)], []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});
