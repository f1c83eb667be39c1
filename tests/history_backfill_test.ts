/**
 * A live backfill on the fixture databases (PostgreSQL 15, ClickHouse) with revenue from Stripe
 * invoices on the fake API: three month-end snapshots, revenue per month worked out by hand from
 * the invoices below, and the reconciliation of live MRR against invoice MRR.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { loadPricingData, runExport } from "../lib/export.ts";
import { backfill, type BackfillResult } from "../lib/history/backfill.ts";
import {
  buildHistoryReport,
  loadHistoryPoints,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { main as historyMain } from "../lib/cli/history.ts";
import { isoDate } from "../lib/formats/files.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { type Env, UserError } from "../lib/core/config.ts";
import { existsSync } from "node:fs";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import {
  activeSubscription as subscription,
  type FakeStripe,
  monthlyPrice as price,
  startFakeStripe,
} from "./fake_stripe.ts";

const s = (date: string) => new Date(`${date}T00:00:00Z`).getTime() / 1000;
let n = 0;
/** An invoice line of `sub_<customer>` at `priceId` for [from, to). */
const line = (
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
const invoiceOf = (customer: string, created: string, lines: unknown[]) => ({
  id: `in_bf_${++n}`,
  customer,
  status: "paid",
  created: s(created),
  currency: "usd",
  lines: { object: "list", has_more: false, data: lines },
});
const invoice = (customer: string, priceId: string, cents: number, from: string, to: string) =>
  invoiceOf(customer, from, [line(customer, priceId, cents, [from, to])]);

const ALPHA = "11111111-1111-4111-8111-111111111111";
const CHARLIE = "33333333-3333-4333-8333-333333333333";

/** The fake Stripe API: alpha pays $79 a month from September, charlie $200 from October. */
function fakeStripe() {
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
const liveEnv = (
  databases: { env: Env },
  fake: { apiKey: string; port: number },
) => ({
  ...databases.env,
  STRIPE_SECRET_KEY: fake.apiKey,
  STRIPE_API_HOST: "127.0.0.1",
  STRIPE_API_PORT: String(fake.port),
  STRIPE_API_PROTOCOL: "http",
});

/** What a live backfill run by `liveBackfill` gives its test. */
interface LiveBackfill {
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
async function liveBackfill(
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

Deno.test("live backfill: snapshots from the databases at each as-of, MRR from invoices", async () => {
  const fake = fakeStripe();
  await liveBackfill({ name: "history", fake }, async ({ result, lines, outDir }) => {
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
  });
});

/** alpha and charlie's `mrr_recurring` in each stored snapshot, oldest first. */
async function alphaCharlieMrr(historyDir: string) {
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
function upgradeStripe(
  options: { proGone?: boolean; extraInvoices?: ReturnType<typeof invoice>[] } = {},
) {
  const pro = price("price_pro", 7900);
  return startFakeStripe({
    subscriptions: [
      subscription("cus_alpha", price("price_team2", 20000)),
      subscription("cus_charlie", price("price_team", 20000)),
    ],
    prices: options.proGone ? [] : [{ ...pro, active: false }],
    products: [],
    invoices: [
      invoice("cus_alpha", "price_pro", 7900, "2026-09-01", "2026-10-01"),
      invoice("cus_alpha", "price_pro", 7900, "2026-10-01", "2026-11-01"),
      invoiceOf("cus_alpha", "2026-10-16", [
        line("cus_alpha", "price_pro", -4077, ["2026-10-16", "2026-11-01"], true),
        line("cus_alpha", "price_team2", 10323, ["2026-10-16", "2026-11-01"], true),
      ]),
      invoice("cus_alpha", "price_team2", 20000, "2026-11-01", "2026-12-01"),
      invoice("cus_charlie", "price_team", 20000, "2026-10-01", "2026-11-01"),
      invoice("cus_charlie", "price_team", 20000, "2026-11-01", "2026-12-01"),
      ...(options.extraInvoices ?? []),
    ],
  });
}

Deno.test("live backfill: an upgrade away from an archived price is old − old + new = new", async () => {
  const fake = upgradeStripe();
  await liveBackfill({ name: "history_archived", fake }, async ({ result, lines, outDir }) => {
    assertEquals(result.snapshots.length, 3);
    const { points, mrr } = await alphaCharlieMrr(`${outDir}/history`);
    // October's end: alpha 79 − 79 + 200 = 200 (not 79 + 200 = 279)
    assertEquals(mrr, [[79, 0], [200, 200], [200, 200]]);
    const [october, november] = buildHistoryReport(points, false).company.toRecords();
    assertEquals(
      [october.new_cents, october.expansion_cents, october.contraction_cents],
      [20000, 12100, 0],
      "charlie new at $200, alpha +$121",
    );
    assertEquals([november.expansion_cents, november.contraction_cents], [0, 0]);
    ok(!lines.some((l) => l.includes("price Stripe")), lines.join("\n"));
    assertEquals(result.reconciliation?.differing, []);
  });
});

Deno.test("live backfill: a customer paused now is `paused` after its last paid period, not churn; the others' unknown status still said", async () => {
  // alpha pays $79 for September and October; its payment collection has been paused since
  // (November's invoice voided); charlie pays $200 from October
  const alphaSub = { ...subscription("cus_alpha", price("price_pro", 7900)) };
  const fake = startFakeStripe({
    subscriptions: [
      { ...alphaSub, pause_collection: { behavior: "void", resumes_at: null } },
      subscription("cus_charlie", price("price_team", 20000)),
    ],
    products: [],
    invoices: [
      invoice("cus_alpha", "price_pro", 7900, "2026-09-01", "2026-10-01"),
      invoice("cus_alpha", "price_pro", 7900, "2026-10-01", "2026-11-01"),
      { ...invoice("cus_alpha", "price_pro", 7900, "2026-11-01", "2026-12-01"), status: "void" },
      invoice("cus_charlie", "price_team", 20000, "2026-10-01", "2026-11-01"),
      invoice("cus_charlie", "price_team", 20000, "2026-11-01", "2026-12-01"),
    ],
  });
  await liveBackfill({ name: "history_paused", fake }, async ({ result, outDir }) => {
    const { points, mrr } = await alphaCharlieMrr(`${outDir}/history`);
    assertEquals(mrr, [[79, 0], [79, 200], [0, 200]]);
    const statuses = points.map((p) => {
      const ids = p.frame.getColumn("org_id").toArray() as string[];
      const values = p.frame.getColumn("subscription_status").toArray();
      return [ALPHA, CHARLIE].map((id) => values[ids.indexOf(id)]);
    });
    // alpha paused from its last paid period's end (11-01) on: the 12-01 snapshot only
    assertEquals(statuses, [[null, null], [null, null], ["paused", null]]);
    const report = buildHistoryReport(points, false);
    assertEquals(report.failures, []);
    const [october, november] = report.company.toRecords();
    assertEquals([october.new_cents, october.end_cents], [20000, 27900], "charlie new at $200");
    assertEquals(
      [november.paused_cents, november.churn_cents, november.end_cents],
      [7900, 0, 20000],
      "alpha's $79 paused, not churned",
    );
    // charlie's status at 12-01 is still unknown: every snapshot is named, 12-01 too
    assertEquals(report.withoutStatus, ["2026-10-01", "2026-11-01", "2026-12-01"]);
    // live MRR on 11-20: alpha paused (not counted), charlie $200, as the invoices
    assertEquals(result.reconciliation?.differing, []);
    assertEquals(result.reconciliation?.liveCents, 20000);
  });
});

Deno.test("live backfill: invoice MRR of a customer no organization holds (deleted since) is said per as-of, in the log and the Checks", async () => {
  // cus_deleted_since paid $200 for September; no organization of the fixture names it today
  const fake = upgradeStripe({
    extraInvoices: [invoice("cus_deleted_since", "price_team", 20000, "2026-09-01", "2026-10-01")],
  });
  await liveBackfill({ name: "history_unheld", fake }, async ({ result, lines, outDir }) => {
    // September's end reads alpha's $79 alone, as without the customer
    assertEquals((await alphaCharlieMrr(`${outDir}/history`)).mrr[0], [79, 0]);
    const said =
      "1 Stripe customer with $200.00 of invoice MRR at the as-of (cus_deleted_since) belongs to no organization of this snapshot: left out of mrr_recurring, so its MRR reads low by that. A backfill reads today's organizations and their Stripe customers: an organization deleted since, or whose Stripe customer changed since, is not seen with that revenue";
    ok(lines.includes(`snapshot 2026-10-01: ${said}`), lines.join("\n"));
    assertEquals(result.warnings, [`as-of 2026-10-01: ${said}`]);
    const meta = await readSnapshotMeta(result.snapshots[0].path);
    ok(meta?.warnings.includes(said));
  });
});

Deno.test("live backfill: a snapshot stores the checks said for its as-of, over the organizations it holds (not one created after it)", async () => {
  // cus_late paid $200 for September; its organization was created on 10-15
  // (postgres_late_org.sql), and an organizations.sql in PRICING_QUERIES_DIR without the as-of cut
  // returns it at every as-of: the backfill drops it from 10-01's snapshot, which then holds no
  // organization of cus_late and reads $200 low
  const fake = upgradeStripe({
    extraInvoices: [invoice("cus_late", "price_team", 20000, "2026-09-01", "2026-10-01")],
  });
  const queriesDir = await Deno.makeTempDir();
  const builtIn = await Deno.readTextFile(
    new URL("../queries/postgres/organizations.sql", import.meta.url),
  );
  const uncut = builtIn.replace(
    "\n  AND (o.created_at IS NULL OR o.created_at < {as_of:DateTime})",
    "",
  );
  ok(uncut !== builtIn, "organizations.sql's as-of cut is where this test removes it");
  await Deno.mkdir(`${queriesDir}/postgres`);
  await Deno.writeTextFile(`${queriesDir}/postgres/organizations.sql`, uncut);
  try {
    await liveBackfill({
      name: "history_late",
      fake,
      postgres: ["postgres_late_org.sql"],
      env: { PRICING_QUERIES_DIR: queriesDir },
    }, async ({ result, lines, outDir }) => {
      // the pipeline read the late organization at every as-of; the snapshots hold it from 11-01
      const late = "88888888-8888-4888-8888-888888888888";
      assertEquals(
        (await loadHistoryPoints(`${outDir}/history`, false)).map((p) =>
          (p.frame.getColumn("org_id").toArray() as string[]).includes(late)
        ),
        [false, true, true],
      );
      const said =
        "1 Stripe customer with $200.00 of invoice MRR at the as-of (cus_late) belongs to no organization of this snapshot: left out of mrr_recurring, so its MRR reads low by that. A backfill reads today's organizations and their Stripe customers: an organization deleted since, or whose Stripe customer changed since, is not seen with that revenue";
      ok(lines.includes(`snapshot 2026-10-01: ${said}`), lines.join("\n"));
      assertEquals(result.warnings, [`as-of 2026-10-01: ${said}`]);
      // each sidecar's checks are the ones said for its as-of, no more, no fewer
      const printedAt = (asOf: string) =>
        (result.warnings ?? []).filter((w) => w.startsWith(`as-of ${asOf}: `))
          .map((w) => w.slice(`as-of ${asOf}: `.length));
      const stored = await Promise.all(result.snapshots.map(async (snapshot) => {
        const warnings = (await readSnapshotMeta(snapshot.path))?.warnings ?? [];
        return warnings.filter((w) =>
          w.includes("belong") && w.includes("to no organization of this snapshot") ||
          w.includes("whose coupon no listing returns")
        );
      }));
      assertEquals(stored, result.snapshots.map((snapshot) => printedAt(isoDate(snapshot.asOf))));
      assertEquals(stored, [[said], [], []]);
    });
  } finally {
    await Deno.remove(queriesDir, { recursive: true });
  }
});

Deno.test("live backfill: lines on a price Stripe lists nowhere count in no MRR and are said, with their money and customers", async () => {
  const fake = upgradeStripe({ proGone: true });
  await liveBackfill({ name: "history_unpriced", fake }, async ({ result, lines, outDir, env }) => {
    // price_pro's lines count nowhere: September reads 0, October's end team2's 200 alone
    assertEquals((await alphaCharlieMrr(`${outDir}/history`)).mrr, [[0, 0], [200, 200], [
      200,
      200,
    ]]);
    // the listing's three price_pro lines: 79.00 + 79.00 + 40.77 = 198.77
    const said =
      "3 invoice lines of the listed invoices (USD 198.77 billed or credited; customer cus_alpha) name a price Stripe lists neither as active nor as archived (deleted, or created inline): left out of MRR and usage, so those customers' revenue there may be off; check their invoices in Stripe";
    ok(lines.includes(said), lines.join("\n"));
    assertEquals(result.warnings, [said]);
    // each snapshot says what it left out: September's line, October's line and credit (79 + 40.77)
    const metas = await Promise.all(result.snapshots.map((s) => readSnapshotMeta(s.path)));
    assertEquals(
      metas.map((m) => m?.warnings.filter((w) => w.includes("price Stripe lists"))),
      [
        [
          "1 invoice line covering the as-of (USD 79.00 billed or credited; customer cus_alpha) names a price Stripe lists neither as active nor as archived (deleted, or created inline): left out of mrr_recurring, so those customers' revenue there may be off; check their invoices in Stripe",
        ],
        [
          "2 invoice lines covering the as-of (USD 119.77 billed or credited; customer cus_alpha) name a price Stripe lists neither as active nor as archived (deleted, or created inline): left out of mrr_recurring, so those customers' revenue there may be off; check their invoices in Stripe",
        ],
        [],
      ],
    );
    // the command line's report lists it under "Checks", so a --quiet run keeps it too
    for (const [k, v] of Object.entries(env)) Deno.env.set(k, v!);
    let code: number;
    try {
      code = await historyMain([
        ...["backfill", "--live", "--months", "3", "--to", "2026-12-01", "--no-charts", "--quiet"],
        ...["--history-dir", `${outDir}/history`, "--out-dir", outDir, "--env-file", "/dev/null"],
      ]);
    } finally {
      for (const k of Object.keys(env)) Deno.env.delete(k);
    }
    assertEquals(code, 0);
    const markdown = await Deno.readTextFile(`${outDir}/helicone_pricing_history_2026-12-01.md`);
    const checks = markdown.slice(markdown.indexOf("## Checks"));
    match(checks, /- 3 invoice lines of the listed invoices \(USD 198\.77 billed or credited;/);
  });
});

/**
 * alpha pays $79 on price_pro from September and adds a $50 add-on on 10-16 with $30 off its own
 * item (forever); charlie pays $200 on price_team from October and adds the add-on on 10-16 too,
 * at $30 off by a coupon deleted since (no listing returns it). Each add-on is its
 * subscription's second item. Stripe's default proration discounts: the 10-16 prorations are net
 * of the discount ((50 − 30) × 16/31 = $10.32), which they list at 0.
 */
function addOnStripe() {
  const addOn = price("price_addon", 5000);
  const itemDiscount = (id: string, coupon: string) => ({
    id,
    object: "discount",
    source: { type: "coupon", coupon },
    end: null,
  });
  const withAddOn = (customer: string, base: unknown, discountId: string, coupon: string) => {
    const sub = subscription(customer, base);
    sub.items.data.push({
      id: `si_${customer}_addon`,
      quantity: 1,
      price: addOn,
      discounts: [itemDiscount(discountId, coupon)],
    });
    return sub;
  };
  // a line lists its item's discounts beside their amounts (the backfill expands them: charlie's
  // coupon no listing returns still leaves its discount unknown)
  const off = (discount: string, amount: number) => ({
    discounts: [
      itemDiscount(discount, discount === "di_alpha_addon30" ? "co_addon30" : "co_gone30"),
    ],
    discount_amounts: [{ discount, amount }],
  });
  /** 10-16's proration and November's cycle line of `customer`'s add-on */
  const addOnInvoices = (customer: string, discount: string) => [
    invoiceOf(customer, "2026-10-16", [{
      ...line(customer, "price_addon", 1032, ["2026-10-16", "2026-11-01"], true),
      ...off(discount, 0),
    }]),
    invoiceOf(customer, "2026-11-01", [{
      ...line(customer, "price_addon", 5000, ["2026-11-01", "2026-12-01"]),
      ...off(discount, 3000),
    }]),
  ];
  const charlieAddOn = addOnInvoices("cus_charlie", "di_charlie_gone30");
  const fake = startFakeStripe(
    {
      subscriptions: [
        withAddOn("cus_alpha", price("price_pro", 7900), "di_alpha_addon30", "co_addon30"),
        withAddOn("cus_charlie", price("price_team", 20000), "di_charlie_gone30", "co_gone30"),
      ],
      products: [],
      coupons: [{
        id: "co_addon30",
        object: "coupon",
        percent_off: null,
        amount_off: 3000,
        currency: "usd",
        duration: "forever",
      }],
      invoices: [
        invoice("cus_alpha", "price_pro", 7900, "2026-09-01", "2026-10-01"),
        invoice("cus_alpha", "price_pro", 7900, "2026-10-01", "2026-11-01"),
        invoice("cus_alpha", "price_pro", 7900, "2026-11-01", "2026-12-01"),
        ...addOnInvoices("cus_alpha", "di_alpha_addon30"),
        invoice("cus_charlie", "price_team", 20000, "2026-10-01", "2026-11-01"),
        invoice("cus_charlie", "price_team", 20000, "2026-11-01", "2026-12-01"),
        ...charlieAddOn,
      ],
    },
    undefined,
    0,
    { embeddedLimit: 1 },
  );
  return { fake, charlieAddOn: charlieAddOn.map((i) => i.id) };
}

Deno.test("live backfill: an add-on added at its own amount off reads its discounted price; a proration's discount that cannot be read is said, naming the customer and invoice", async () => {
  const { fake, charlieAddOn: [charlieProration, charlieNovember] } = addOnStripe();
  await liveBackfill({ name: "history_item_discount", fake }, async ({ result, lines, outDir }) => {
    // September: alpha 79, charlie none yet. From 10-16: alpha 79 + (50 − 30) = 99 (the $30 was
    // not taken off the proration: 129); charlie 200 + 50 = 250, its discount unreadable, live too
    assertEquals((await alphaCharlieMrr(`${outDir}/history`)).mrr, [[79, 0], [99, 250], [
      99,
      250,
    ]]);
    assertEquals(result.reconciliation?.differing, []);
    assertEquals(result.reconciliation?.liveCents, 9900 + 25000);
    const vanished =
      "discounts whose coupon no listing returns (deleted since: its terms cannot be read)";
    const said = [
      `as-of 2026-11-01: 1 proration line covering the as-of (customer cus_charlie on invoice ${charlieProration}) lists ${vanished}: what they take off a proration's price cannot be read from it (Stripe nets them into its amount by default; an itemized proration lists only its prorated days' share), nor whether the discount setting counts them; counted at the list price, those customers' mrr_recurring may read high (a new price's proration) or low (an old price's credit) by what they take off a month`,
      `as-of 2026-12-01: 1 invoice line covering the as-of (customer cus_charlie on invoice ${charlieNovember}) carries ${vanished}: whether the discount setting counts them cannot be told, so they are counted at the price before them, and mrr_recurring may read high by up to $30.00 a month`,
    ];
    assertEquals(result.warnings, said);
    for (const check of said) {
      ok(lines.includes(check.replace(/^as-of /, "snapshot ")), lines.join("\n"));
    }
  });
});

Deno.test("live backfill without a Stripe key is refused in one line, nothing written", async () => {
  const databases = await freshFixtureDatabases("history_nokey");
  const outDir = await Deno.makeTempDir();
  try {
    await rejects(
      backfill({
        historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
        outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
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

Deno.test("live backfill: Stripe refusing the key, or a key no request can carry, is one line saying what to do, never the key, nothing written", async () => {
  const databases = await freshFixtureDatabases("history_badkey");
  const fake = fakeStripe();
  const outDir = await Deno.makeTempDir();
  const run = (apiKey: string) =>
    backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env: {
        ...liveEnv(databases, fake),
        STRIPE_SECRET_KEY: apiKey,
        PRICING_STRIPE_MAX_RETRIES: "0",
      },
      historyDir: `${outDir}/history`,
      outDir,
      months: 2,
      last: new Date("2026-12-01T00:00:00Z"),
      now: new Date("2026-11-20T00:00:00Z"),
      quiet: true,
      log: () => {},
    });
  const failure = async (apiKey: string): Promise<Error> => {
    try {
      await run(apiKey);
    } catch (error) {
      ok(error instanceof UserError, String(error));
      return error;
    }
    throw new Error("the backfill did not fail");
  };
  try {
    // Stripe's 401 (its message masks the key itself): said as the export says it
    const wrong = await failure("sk_test_wrong_key_0123456789");
    assertEquals(
      wrong.message,
      "the backfill could not list Stripe invoices, so nothing was written: Stripe rejected STRIPE_SECRET_KEY (401): check the key (and live vs test mode)",
    );
    // a carriage return inside the key (pasted from a CRLF file into the environment): the
    // runtime refuses the header, quoting it whole
    const secret = "sk_live_Cr\rTailThatMustNotShow42";
    const broken = await failure(secret);
    ok(broken.message.startsWith("the backfill could not list Stripe invoices"), broken.message);
    for (const part of ["TailThatMustNotShow42", "sk_live_Cr"]) {
      ok(!broken.message.includes(part), broken.message);
    }
    // no snapshot: the history folder was never made
    ok(!existsSync(`${outDir}/history`));
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("backfill keeps the month ends an export stored, unless --replace; one without revenue it writes over", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const exportAt = (date: string, stripe: "auto" | "skip") =>
    runExport({
      demo: true,
      asOf: new Date(`${date}T00:00:00Z`),
      outDir,
      historyDir: dir,
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {},
      stripe,
    });
  try {
    await exportAt("2026-10-01", "auto"); // revenue, plan names, base/add-on split: kept
    await exportAt("2026-09-01", "skip"); // no revenue: nothing to keep
    const october = `${dir}/helicone_pricing_data_2026-10-01_demo.parquet`;
    const exported = await Deno.readFile(october);
    const lines: string[] = [];
    const result = await backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env: {},
      historyDir: dir,
      outDir,
      months: 3,
      last: new Date("2026-11-01T00:00:00Z"),
      demo: true,
      quiet: true,
      log: (line) => lines.push(line),
    });
    assertEquals(result.snapshots.map((s) => isoDate(s.asOf)), ["2026-09-01", "2026-11-01"]);
    assertEquals(result.kept.map((k) => k.info.path), [october]);
    assertEquals(await Deno.readFile(october), exported, "the export's snapshot stays");
    const origins = async () =>
      await Promise.all(
        ["09", "10", "11"].map(async (m) =>
          (await readSnapshotMeta(`${dir}/helicone_pricing_data_2026-${m}-01_demo.parquet`))
            ?.origin
        ),
      );
    assertEquals(await origins(), ["backfill", "export", "backfill"]);
    ok(
      lines.includes(
        "snapshot 2026-10-01: kept helicone_pricing_data_2026-10-01_demo.parquet (written by an export): it has the base/add-on split, status, interval and plan names a backfill leaves empty; pass --replace to backfill over it",
      ),
      lines.join("\n"),
    );
    // asked to, it writes over it
    const args = ["backfill", "--demo", "--months", "1", "--to", "2026-10-01", "--replace"];
    const code = await historyMain([
      ...args,
      "--no-charts",
      "--quiet",
      "--history-dir",
      dir,
      "--out-dir",
      outDir,
    ]);
    assertEquals(code, 0);
    assertEquals(await origins(), ["backfill", "backfill", "backfill"]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("live backfill keeps an export's month end and reconciles over its customers", async () => {
  const fake = fakeStripe();
  const databases = await freshFixtureDatabases("history_kept");
  const outDir = await Deno.makeTempDir();
  try {
    // the export of 2026-12-01, run at 00:05 (its month end: keep.ts), knew alpha alone
    const stored = await writeSnapshot(
      exportFrameFromColumns({
        org_id: [ALPHA],
        stripe_customer_id: ["cus_alpha"],
        mrr_recurring: [79],
      }),
      {
        dir: `${outDir}/history`,
        asOf: new Date("2026-12-01T00:00:00Z"),
        demo: false,
        origin: "export",
      },
    );
    const sidecar = JSON.parse(await Deno.readTextFile(`${stored.path}.json`));
    await Deno.writeTextFile(
      `${stored.path}.json`,
      JSON.stringify({ ...sidecar, written_at: "2026-12-01T00:05:00Z" }),
    );
    const result = await backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env: liveEnv(databases, fake),
      historyDir: `${outDir}/history`,
      outDir,
      months: 2,
      last: new Date("2026-12-01T00:00:00Z"),
      now: new Date("2026-11-20T00:00:00Z"),
      quiet: true,
      log: () => {},
    });
    assertEquals(result.snapshots.map((s) => isoDate(s.asOf)), ["2026-11-01"]);
    assertEquals(result.kept.map((k) => k.info.path), [stored.path]);
    assertEquals((await readSnapshotMeta(stored.path))?.origin, "export");
    // live MRR of the kept snapshot's customers (alpha): $79, not charlie's $200 too
    assertEquals(result.reconciliation?.liveCents, 7900);
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

/**
 * Rule 7 from invoices: alpha pays €90 a month (EUR at 1.10: $99.00) in September and October and
 * switches to $100 in November; charlie pays ¥15,000 (JPY at 0.0067: $100.50) from October. By
 * hand, per currency (minor units: cents, yen): October, EUR 9000 → 9000, JPY new 15000; November,
 * alpha pays in both months, so EUR contraction 9000 (end 0) and USD expansion 10000 (not churn +
 * new), JPY 15000 → 15000. The USD view's November: alpha 9900 → 10000, expansion 100.
 */
Deno.test("live backfill: bridges per currency from EUR and JPY invoices, a switch to USD is contraction + expansion", async () => {
  const inCurrency = <T extends Record<string, unknown>>(value: T, currency: string) => ({
    ...value,
    currency,
  });
  const eur = inCurrency(price("price_pro_eur", 9000), "eur");
  const jpy = inCurrency(price("price_team_jpy", 15000), "jpy");
  const paid = (customer: string, priceId: string, minor: number, period: [string, string]) => {
    const currency = priceId.endsWith("_eur") ? "eur" : priceId.endsWith("_jpy") ? "jpy" : "usd";
    return inCurrency(
      invoiceOf(customer, period[0], [
        inCurrency(line(customer, priceId, minor, period), currency),
      ]),
      currency,
    );
  };
  const fake = startFakeStripe({
    subscriptions: [
      subscription("cus_alpha", price("price_pro", 10000)),
      inCurrency(subscription("cus_charlie", jpy), "jpy"),
    ],
    prices: [eur],
    products: ["price_pro", "price_pro_eur", "price_team_jpy"].map((id) => ({
      id: `prod_${id}`,
      name: id,
      metadata: {},
    })),
    invoices: [
      paid("cus_alpha", "price_pro_eur", 9000, ["2026-09-01", "2026-10-01"]),
      paid("cus_alpha", "price_pro_eur", 9000, ["2026-10-01", "2026-11-01"]),
      paid("cus_alpha", "price_pro", 10000, ["2026-11-01", "2026-12-01"]),
      paid("cus_charlie", "price_team_jpy", 15000, ["2026-10-01", "2026-11-01"]),
      paid("cus_charlie", "price_team_jpy", 15000, ["2026-11-01", "2026-12-01"]),
    ],
  });
  await liveBackfill(
    { name: "history_currencies", fake, env: { PRICING_FX_RATES: "EUR:1.10,JPY:0.0067" } },
    async ({ outDir }) => {
      const { mrr } = await alphaCharlieMrr(`${outDir}/history`);
      assertEquals(mrr, [[99, 0], [99, 100.5], [100, 100.5]]);
      // as the report reads them: with the rates each backfilled snapshot's sidecar records
      const points = await loadMonthlyHistoryPoints(`${outDir}/history`, false);
      assertEquals(points.map((p) => p.fxRates), Array(3).fill({ EUR: 1.1, JPY: 0.0067 }));
      const report = buildHistoryReport(points, false);
      assertEquals(report.failures, []);
      const byCurrency = Object.fromEntries(
        report.currencies.toRecords().map((r) => [
          `${r.month} ${r.currency}`,
          ["start", "new", "expansion", "contraction", "churn", "end"]
            .map((m) => Number(r[`${m}_minor`])),
        ]),
      );
      assertEquals(byCurrency, {
        //                   start  new    expansion contraction churn end
        "2026-11-01 EUR": [9000, 0, 0, 0, 0, 9000],
        "2026-12-01 EUR": [9000, 0, 0, 9000, 0, 0],
        "2026-11-01 JPY": [0, 15000, 0, 0, 0, 15000],
        "2026-12-01 JPY": [15000, 0, 0, 0, 0, 15000],
        "2026-12-01 USD": [0, 0, 10000, 0, 0, 10000],
      });
      const november = report.company.toRecords()[1];
      assertEquals([november.new_cents, november.expansion_cents], [0, 100]);
    },
  );
});
