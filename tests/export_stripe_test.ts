/**
 * The live export on real servers with Stripe revenue (the fake Stripe API): revenue columns and
 * ratios, customers no organization maps to, a PTB product the account lacks, a key that knows
 * none of the customers, and --require-stripe. Expected values are computed by hand from the
 * fixture rows (tests/fixtures), as in export_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { runExport } from "../lib/export.ts";
import { main } from "../lib/cli/export.ts";
import { captureConsole } from "./console_capture.ts";
import {
  activeSubscription,
  type FakeStripeData,
  fakeStripeEnv,
  monthlyPrice,
  startFakeStripe,
} from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { A, asOf, B, C, E } from "./export_fixture.ts";

Deno.test("live export with Stripe revenue: revenue columns and revenue ratios; a Stripe customer no organization maps to in the warnings, manifest, brief and describe_dataset", async () => {
  const { activeSubscription: subscription, monthlyPrice: price, startFakeStripe } = await import(
    "./fake_stripe.ts"
  );
  const fake = startFakeStripe({
    subscriptions: [
      subscription("cus_alpha", price("pro-20251210", 7900)),
      subscription("cus_charlie", price("team_bundle", 20000)),
      // no organization's stripe_customer_id names it: $200 in Stripe, no row in the export
      subscription("cus_unmapped", price("team_bundle", 20000)),
    ],
    products: [
      { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
      { id: "prod_team_bundle", name: "team_bundle", metadata: {} },
    ],
    invoices: [],
  });
  const databases = await freshFixtureDatabases("stripe");
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      asOf,
      outDir,
      formats: ["csv"],
      charts: false,
      log: () => {},
      env: {
        ...databases.env,
        ...fakeStripeEnv(fake),
        PRICING_INFRA_USD_PER_1K_REQUESTS: "10",
      },
    });
    assertEquals(result.data.revenue.source, "stripe");
    const { records } = parseCsvRecords(await Deno.readTextFile(result.files[0]));
    const row = (id: string) => records.find((r) => r.org_id === id)!;
    const pick = (id: string, columns: string[]) => columns.map((c) => row(id)[c]);
    const columns = [
      "mrr",
      "base_subscription",
      "revenue_per_seat",
      "revenue_per_request",
      "gross_margin_pct",
      "revenue_source",
    ];
    // A: $79; 79 / 3 seats; 79 / 3 requests; (79 − 2.75) / 79 × 100
    assertEquals(pick(A, columns), [
      "79",
      "79",
      "26.3333333333",
      "26.3333333333",
      "96.5189873418",
      "stripe",
    ]);
    // C: $200; no seats; 200 / 1 request; (200 − 3) / 200 × 100
    assertEquals(pick(C, columns), ["200", "200", "", "200", "98.5", "stripe"]);
    // B: no customer id → revenue 0; 0 / 1 seat; 0 / 1 request; margin empty when mrr is 0
    assertEquals(pick(B, columns), ["0", "0", "0", "0", "", "no_customer"]);
    // E: no customer, no requests
    assertEquals(pick(E, columns), ["0", "0", "0", "", "", "no_customer"]);

    // Economics on the real databases, infrastructure $10 per 1,000 requests; the fake Stripe
    // account has no PTB revenue, so ptb_revenue_30d is empty and the run says so.
    const economics = [
      "plan",
      "list_price_mrr",
      "ptb_revenue_30d",
      "company_cost_30d",
      "gross_margin_company_pct",
    ];
    // A: pro-20251210 $79 flat (prompts included); PTB $2.00 + $0.25 + 3 requests × $0.01;
    //    PTB cost but PTB revenue unknown → company margin empty
    assertEquals(pick(A, economics), ["pro 2025-12-10", "79", "", "2.28", ""]);
    // C: legacy team bundle $200; BYOK only: 0 + 1 × $0.01; (200 + 0 − 0.01) / 200 × 100
    assertEquals(pick(C, economics), ["team (bundle, legacy)", "200", "", "0.01", "99.995"]);
    // B: free; PTB $0.10 + $0.01; no MRR → no margin
    assertEquals(pick(B, economics), ["free", "0", "", "0.11", ""]);
    // E: enterprise contract: no list price; no requests, no cost
    assertEquals(pick(E, economics), ["enterprise (contract)", "", "", "0", ""]);
    ok(result.data.warnings.some((w) => w.startsWith("PTB revenue not read")));
    ok(!result.data.warnings.some((w) => w.startsWith("infrastructure cost not set")));

    // cus_unmapped's $200: one warning, the manifest's revenue, a sentence under the brief's
    // Totals (whose MRR is A's $79 + C's $200), describe_dataset; its id nowhere
    ok(!records.some((r) => r.stripe_customer_id === "cus_unmapped"));
    const warning =
      "1 Stripe customer that no organization's stripe_customer_id names had MRR above $0 at the as-of: $200.00 a month of mrr ($200.00 of mrr_recurring), which Stripe's dashboard MRR includes and the export's totals leave out (map it to an organization to include it).";
    assertEquals(result.data.warnings.filter((w) => w.includes("Stripe customer that no")), [
      warning,
    ]);
    const manifestText = await Deno.readTextFile(result.manifestPath);
    assertEquals(JSON.parse(manifestText).revenue.unmapped_customers, {
      customers: 1,
      mrr_usd: 200,
      mrr_recurring_usd: 200,
      unknown_mrr_customers: 0,
    });
    const brief = await Deno.readTextFile(result.briefPath);
    const totals = brief.slice(brief.indexOf("## Totals"), brief.indexOf("## By tier"));
    ok(
      totals.includes("| MRR (spec definition, organizations with known MRR) | $279.00 |"),
      totals,
    );
    ok(
      totals.includes(
        "Not in these totals: 1 Stripe customer that no organization's `stripe_customer_id` names had MRR above $0 at the as-of: $200.00 a month of `mrr` ($200.00 of `mrr_recurring`), which Stripe's dashboard MRR includes; add it when reconciling the two.",
      ),
      totals,
    );
    for (const text of [manifestText, brief]) ok(!text.includes("cus_unmapped"));
    const { connectInMemory, call } = await import("./mcp_client.ts");
    const { DatasetStore } = await import("../lib/mcp/dataset.ts");
    const { mcpSettings } = await import("../lib/mcp/settings.ts");
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: outDir })),
    );
    try {
      const described = (await call(client, "describe_dataset")).structuredContent!;
      assertEquals(described.unmapped_stripe_customers, {
        customers: 1,
        mrr_usd: 200,
        mrr_recurring_usd: 200,
        unknown_mrr_customers: 0,
      });
      ok((described.warnings as string[]).includes(warning));
    } finally {
      await close();
    }
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

/** What one command-line export printed and wrote. */
interface CliRun {
  code: number;
  /** the console's error lines */
  errors: string[];
  /** the manifest and the CSV rows by org_id, when the run wrote them */
  manifest?: {
    warnings: string[];
    /** one kind per warning (lib/core/warning_kinds.ts) */
    warning_kinds: string[];
    revenue: { source: string; failed: boolean; api_calls: number; discount_policy?: string };
    cost_model: { ptb_revenue_read: boolean };
  };
  rows?: Map<string, Record<string, string>>;
}

/**
 * Runs `run` with a command-line export of fresh fixture databases against a fake Stripe account
 * holding `data`, the settings (and `settings`) in a live.env file as a user keeps them; the
 * exports share an output folder (and its Stripe cache).
 */
async function withStripeCli(
  label: string,
  { data, apiKey, settings = {} }: {
    data: FakeStripeData;
    apiKey?: string;
    settings?: Record<string, string>;
  },
  run: (exportCli: (...flags: string[]) => Promise<CliRun>) => Promise<void>,
): Promise<void> {
  const fake = startFakeStripe(data, apiKey);
  const databases = await freshFixtureDatabases(label);
  const dir = await Deno.makeTempDir();
  const envFile = `${dir}/live.env`;
  await Deno.writeTextFile(
    envFile,
    Object.entries({
      ...databases.env,
      ...fakeStripeEnv(fake),
      ...settings,
    }).map(([k, v]) => `${k}=${v}\n`).join(""),
  );
  const exportCli = async (...flags: string[]): Promise<CliRun> => {
    const out = `${dir}/out`;
    const captured = captureConsole();
    let code: number;
    try {
      code = await main([
        ...["--env-file", envFile, "--as-of", "2026-11-01", "--out-dir", out],
        ...["--format", "csv", "--no-charts", ...flags],
      ]);
    } finally {
      captured.restore();
    }
    const written = [...Deno.readDirSync(out)].map((e) => `${out}/${e.name}`);
    const manifestFile = written.find((f) => f.endsWith("manifest.json"));
    const csv = written.find((f) => f.endsWith(".csv"));
    if (code !== 0 || !manifestFile || !csv) return { code, errors: captured.errors };
    const { records } = parseCsvRecords(await Deno.readTextFile(csv));
    return {
      code,
      errors: captured.errors,
      manifest: JSON.parse(await Deno.readTextFile(manifestFile)),
      rows: new Map(records.map((r) => [r.org_id, r])),
    };
  };
  try {
    await run(exportCli);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
    await databases.drop();
  }
}

Deno.test("a PTB product the Stripe account does not have: PTB revenue unknown, not $0; --require-stripe fails in one line", async () => {
  const data = {
    subscriptions: [activeSubscription("cus_alpha", monthlyPrice("pro-20251210", 7900))],
    products: [
      { id: "prod_pro-20251210", name: "pro-20251210", metadata: {} },
      { id: "prod_token_usage", name: "Cloud Gateway token usage", metadata: {} },
    ],
    invoices: [],
    paymentIntents: [],
    customers: [{ id: "cus_alpha" }, { id: "cus_charlie" }],
  };
  // (a discount setting other than the default: the one the revenue worker used is recorded)
  const settings = { PRICING_STRIPE_PTB_PRODUCT: "prod_typo", PRICING_STRIPE_DISCOUNTS: "forever" };
  await withStripeCli("ptb_product", { data, settings }, async (exportCli) => {
    const { code, manifest, rows } = await exportCli();
    assertEquals(code, 0);
    assertEquals(manifest!.revenue.discount_policy, "forever");
    assertEquals(manifest!.cost_model.ptb_revenue_read, false);
    assertEquals(manifest!.warnings.filter((w) => w.includes("PTB_PRODUCT")), [
      'PTB revenue unknown: PRICING_STRIPE_PTB_PRODUCT is prod_typo, a product this Stripe account does not have: set it to the id of the product of prepaid token-usage credits (e.g. prod_token_usage "Cloud Gateway token usage")',
    ]);
    ok(!manifest!.warnings.some((w) => w.includes("most likely timing")));
    // A: $79 MRR kept; PTB revenue unknown (empty), so no company margin from a made-up $0
    const alpha = rows!.get(A)!;
    assertEquals(
      [alpha.mrr, alpha.ptb_revenue_30d, alpha.gross_margin_company_pct],
      ["79", "", ""],
    );

    const required = await exportCli("--refresh-stripe", "--require-stripe");
    assertEquals([required.code, required.errors], [1, [
      'error: Stripe revenue required: PRICING_STRIPE_PTB_PRODUCT is prod_typo, a product this Stripe account does not have: set it to the id of the product of prepaid token-usage credits (e.g. prod_token_usage "Cloud Gateway token usage")',
    ]]);
  });
});

Deno.test("a Stripe key that knows none of the customers (test mode against live ids): REVENUE MISSING; --require-stripe fails in one line", async () => {
  // what an sk_test_ key sees: every call succeeds, and neither cus_alpha nor cus_charlie is there
  const data = { subscriptions: [], products: [], invoices: [], customers: [] };
  await withStripeCli("unknown_customers", { data }, async (exportCli) => {
    const { code, manifest, rows } = await exportCli();
    assertEquals(code, 0);
    // subscriptions, products, invoices, coupons and the account's customers: one page each
    assertEquals(manifest!.revenue, { ...manifest!.revenue, source: "none", failed: true });
    assertEquals(manifest!.revenue.api_calls, 5);
    assertEquals("discount_policy" in manifest!.revenue, false); // no revenue: no discounts taken
    const missing =
      "REVENUE MISSING: none of the 2 stripe_customer_id values is known to this Stripe account: is STRIPE_SECRET_KEY the live key? (it is a test-mode key); the export has empty revenue columns (revenue_source = none)";
    assertEquals(manifest!.warnings.filter((w) => w.includes("stripe_customer_id")), [missing]);
    // stored with its kind (from the revenue worker to the manifest), the admin page's by it
    const kinds = manifest!.warning_kinds;
    assertEquals(kinds[manifest!.warnings.indexOf(missing)], "revenue_missing");
    assertEquals(kinds.filter((k) => k === "revenue_missing").length, 1);
    // every row's revenue unknown, as when Stripe cannot be reached: A and C have customer ids
    for (const org of [A, B, C]) {
      assertEquals([rows!.get(org)!.mrr, rows!.get(org)!.revenue_source], ["", "none"], org);
    }

    const required = await exportCli("--require-stripe");
    assertEquals([required.code, required.errors], [1, [
      "error: Stripe revenue required: none of the 2 stripe_customer_id values is known to this Stripe account: is STRIPE_SECRET_KEY the live key? (it is a test-mode key)",
    ]]);
  });
});
