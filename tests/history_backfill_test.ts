/**
 * A live backfill on the fixture databases (PostgreSQL 15, ClickHouse) with revenue from Stripe
 * invoices on the fake API (tests/history_backfill_fixture.ts): three month-end snapshots, revenue
 * per month worked out by hand from the invoices, an upgrade away from an archived price, a
 * customer paused now, the checks each snapshot stores, and lines on a price Stripe lists nowhere.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { buildHistoryReport, loadHistoryPoints } from "../lib/history/report.ts";
import { readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { main as historyMain } from "../lib/cli/history.ts";
import { isoDate } from "../lib/formats/files.ts";
import {
  activeSubscription as subscription,
  monthlyPrice as price,
  startFakeStripe,
} from "./fake_stripe.ts";
import { s } from "./history_invoice_fixture.ts";
import {
  ALPHA,
  alphaCharlieMrr,
  CHARLIE,
  fakeStripe,
  invoice,
  invoiceOf,
  line,
  liveBackfill,
} from "./history_backfill_fixture.ts";

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
