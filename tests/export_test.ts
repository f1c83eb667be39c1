/**
 * The live export on real servers: PostgreSQL 15 and ClickHouse started by `deno task test`,
 * loaded with tests/fixtures (production's tables and traps). Every expected value below is
 * computed by hand from the fixture rows; the comments show the arithmetic.
 */
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { createClient } from "@clickhouse/client";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { runExport } from "../lib/export.ts";
import { formatNumber } from "../lib/formats/csv.ts";
import { xlsxCutWarning } from "../lib/formats/export_files.ts";
import { main } from "../lib/cli/export.ts";
import { captureConsole } from "./console_capture.ts";
import {
  activeSubscription,
  type FakeStripeData,
  monthlyPrice,
  startFakeStripe,
} from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";

const asOf = new Date("2026-11-01T00:00:00Z"); // window [2026-10-02T00:00:00Z, 2026-11-01T00:00:00Z)

const A = "11111111-1111-4111-8111-111111111111";
const B = "22222222-2222-4222-8222-222222222222";
const C = "33333333-3333-4333-8333-333333333333";
const D = "44444444-4444-4444-8444-444444444444";
const E = "55555555-5555-4555-8555-555555555555";

/** Expected CSV text per org and column (empty string = null). */
const EXPECTED: Record<string, Record<string, string>> = {
  [A]: {
    org_name: "Alpha Pro",
    tier: "pro", // pro-20251210
    tier_raw: "pro-20251210",
    created_at: "2025-01-10T09:00:00Z",
    stripe_customer_id: "cus_alpha",
    seats: "3", // u1, u2, u3
    active_users_30d: "1", // u1 (2026-10-20); u2 before the window, u3 never
    requests_30d: "3", // r1 (two versions → once), r2, r5 (window start); r3, r4 outside
    llm_cost_30d: "2.75", // r1 newest version 2.00 + r2 0.50 + r5 0.25
    prompts_created: "4", // prompts_2025 p-a-1, p-a-2 (p-a-3 deleted, p-a-4 after as-of) + prompt_v2 null, false
    prompts_used_30d: "2", // r1 p1, r5 p2
    is_ptb: "true", // spend 1.00 + 1.25 = 2.25 > 0
    is_byok: "true", // r2
    has_gateway_only: "false",
    cost_per_seat: "0.916666666667", // 2.75 / 3
    cost_per_request: "0.916666666667", // 2.75 / 3
    seat_utilization_pct: "33.3333333333", // 1 / 3 × 100
    ptb_requests_30d: "2",
    byok_requests_30d: "1",
    llm_cost_ptb_30d: "2.25", // 2.00 + 0.25
    llm_cost_byok_30d: "0.5",
    ptb_cost_share_pct: "81.8181818182", // 2.25 / 2.75 × 100
    ptb_spend_all_time: "2.25",
    addons_in_metadata: "prompts", // evals is false
    org_subscription_status: "active",
  },
  [B]: {
    org_name: "'=cmd|' /C calc'!A0", // neutralised
    tier: "free", // null tier
    tier_raw: "",
    created_at: "2025-06-01T00:00:00Z",
    stripe_customer_id: "",
    seats: "1",
    active_users_30d: "1", // u4 signed in exactly at the window start (inclusive)
    requests_30d: "1", // r6 inserted three times
    llm_cost_30d: "0.1",
    prompts_created: "0",
    prompts_used_30d: "0",
    is_ptb: "true", // 0.10
    is_byok: "false",
    has_gateway_only: "true", // PTB requests and no BYOK requests
    cost_per_seat: "0.1",
    cost_per_request: "0.1",
    seat_utilization_pct: "100",
    ptb_requests_30d: "1",
    byok_requests_30d: "0",
    ptb_cost_share_pct: "100",
    ptb_spend_all_time: "0.1",
    addons_in_metadata: "",
  },
  [C]: {
    org_name: "Zero Seat Co",
    tier: "team",
    tier_raw: "team-20250130",
    seats: "0",
    active_users_30d: "0",
    requests_30d: "1",
    llm_cost_30d: "3",
    prompts_created: "0",
    prompts_used_30d: "1",
    is_ptb: "false", // spend row of 0
    is_byok: "true",
    has_gateway_only: "false",
    cost_per_seat: "", // seats = 0
    revenue_per_seat: "",
    cost_per_request: "3",
    seat_utilization_pct: "", // seats = 0
    ptb_cost_share_pct: "0",
    addons_in_metadata: "", // addons is not an object
  },
  [D]: {
    org_name: 'Quiet, "Inc"\nSecond line',
    tier: "free",
    stripe_customer_id: "", // '' in the table reads as none
    seats: "1",
    active_users_30d: "0", // u5 signed in exactly at the window end (exclusive)
    requests_30d: "0", // no requests: zeros and false, not empty
    llm_cost_30d: "0",
    prompts_used_30d: "0",
    is_ptb: "false",
    is_byok: "false",
    has_gateway_only: "false",
    cost_per_seat: "0",
    cost_per_request: "", // requests = 0
    revenue_per_request: "",
    seat_utilization_pct: "0",
    ptb_cost_share_pct: "", // cost = 0
    ptb_spend_all_time: "0",
  },
  [E]: {
    org_name: "Société Ünïcode 日本",
    tier: "enterprise",
    created_at: "",
    seats: "2", // u1 and u6
    active_users_30d: "2", // u1 2026-10-20, u6 2026-10-31T23:59:59
    requests_30d: "0", // r8 is before the window
    prompts_created: "1", // prompt_v2 with null soft_delete
    is_ptb: "true", // all-time spend 0.30 + 0.20, no requests in the window
    is_byok: "false",
    has_gateway_only: "false",
    ptb_spend_all_time: "0.5",
    seat_utilization_pct: "100",
  },
};

/** Newest first, unknown created_at last: D 2026-02-02, B 2025-06-01, A 2025-01-10, C 2024-03-03, E null. */
const EXPECTED_ORDER = [D, B, A, C, E];

Deno.test("live export on PostgreSQL 15 and ClickHouse matches hand-computed values", async (t) => {
  const databases = await freshFixtureDatabases("export");
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      asOf,
      outDir,
      stripe: "skip",
      charts: false,
      env: databases.env,
      log: () => {},
    });
    const stem = `${outDir}/helicone_pricing_data_2026-11-01`;
    const csv = await Deno.readTextFile(`${stem}.csv`);
    const { header, records } = parseCsvRecords(csv);
    const byOrg = new Map(records.map((r) => [r.org_id, r]));

    await t.step(
      "soft-deleted and demo organizations excluded; each org exactly once, in order",
      () => {
        assertEquals(records.map((r) => r.org_id), EXPECTED_ORDER);
        assertEquals(header, COLUMN_NAMES);
      },
    );

    await t.step("CSV values column by column", () => {
      for (const [orgId, expected] of Object.entries(EXPECTED)) {
        for (const [column, value] of Object.entries(expected)) {
          assertEquals(byOrg.get(orgId)![column], value, `${orgId} ${column}`);
        }
      }
    });

    await t.step("revenue skipped: revenue columns and revenue ratios empty, source none", () => {
      for (const record of records) {
        for (
          const column of [
            "mrr",
            "base_subscription",
            "usage_charges",
            "addon_prompts",
            "revenue_per_seat",
            "revenue_per_request",
            "gross_margin_pct",
          ]
        ) {
          assertEquals(record[column], "", `${record.org_id} ${column}`);
        }
        assertEquals(record.revenue_source, "none");
      }
    });

    await t.step("the name with a comma, quotes and a newline is quoted per RFC 4180", () => {
      ok(csv.includes(`"Quiet, ""Inc""\nSecond line"`));
      ok(csv.includes("\r\n"));
    });

    await t.step("manifest: not demo, four queries with row counts and hashes", async () => {
      const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
      assertEquals(manifest.demo, false);
      assertEquals(manifest.row_count, 5);
      const rows = Object.fromEntries(
        manifest.queries.map((q: { name: string; rows: number }) => [q.name, q.rows]),
      );
      // organizations 5 live; prompts A, E and the deleted F; usage A, B, C, F, G;
      // ptb A, B, C (a 0 row), E, F
      assertEquals(rows, { organizations: 5, prompts_created: 3, ptb_spend: 5, usage_30d: 5 });
      for (const q of manifest.queries) match(q.sha256, /^[0-9a-f]{64}$/);
      // F (deleted: one BYOK request, $0.70) and G (demo tier: one PTB request, $0.70)
      ok(
        manifest.warnings.includes(
          "2 organizations have requests in the window but are not exported (deleted, demo tier, or unknown to PostgreSQL): 2 requests and $1.40 of LLM cost in the window, $0.70 of it pass-through billed (the company pays it), in no total, plan or margin here",
        ),
        manifest.warnings.join("\n"),
      );
    });

    await t.step(
      "the fixture really holds the traps: unmerged versions and spend rows",
      async () => {
        const ch = createClient({
          url: databases.env.PRICING_CH_URL,
          username: databases.env.PRICING_CH_USER,
          password: databases.env.PRICING_CH_PASSWORD,
          database: databases.env.PRICING_CH_DATABASE,
        });
        const count = async (query: string) =>
          Number(
            (await (await ch.query({ query, format: "JSONEachRow" })).json<{ n: string }>())[0].n,
          );
        // 13 inserted rows (A 6, B 3, C, E, F, G 1 each) of 10 distinct requests (r1 twice, r6 three times)
        assertEquals(await count("SELECT count() AS n FROM request_response_rmt"), 13);
        assertEquals(await count("SELECT count() AS n FROM request_response_rmt FINAL"), 10);
        // A and E have two spend rows each
        assertEquals(
          await count(
            `SELECT count() AS n FROM organization_ptb_spend WHERE organization_id = toUUID('${A}')`,
          ),
          2,
        );
        await ch.close();
      },
    );

    await t.step("XLSX read back holds the same values, typed", async () => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(`${stem}.xlsx`);
      const sheet = workbook.getWorksheet("pricing_data")!;
      const col = (name: string) => COLUMN_NAMES.indexOf(name) + 1;
      const rowOf = (orgId: string) => EXPECTED_ORDER.indexOf(orgId) + 2;
      const cell = (orgId: string, name: string) =>
        sheet.getRow(rowOf(orgId)).getCell(col(name)).value;
      // every hand-computed value again, read from the typed XLSX cells
      const asText = (value: unknown): string =>
        value === null || value === undefined
          ? ""
          : value instanceof Date
          ? value.toISOString().replace(/\.000Z$/, "Z")
          : typeof value === "number"
          ? formatNumber(value)
          : String(value);
      for (const [orgId, expected] of Object.entries(EXPECTED)) {
        for (const [column, value] of Object.entries(expected)) {
          assertEquals(asText(cell(orgId, column)), value, `XLSX ${orgId} ${column}`);
        }
      }
      assertEquals(cell(A, "llm_cost_30d"), 2.75);
      assertEquals(cell(A, "seats"), 3);
      assertEquals(cell(A, "is_ptb"), true);
      assertEquals((cell(A, "created_at") as Date).toISOString(), "2025-01-10T09:00:00.000Z");
      assertEquals(cell(B, "org_name"), "'=cmd|' /C calc'!A0");
      assertEquals(cell(B, "has_gateway_only"), true);
      assertEquals(cell(C, "cost_per_seat"), null);
      assertEquals(cell(D, "org_name"), 'Quiet, "Inc"\nSecond line');
      assertEquals(cell(D, "requests_30d"), 0);
      assertEquals(cell(E, "org_name"), "Société Ünïcode 日本");
      assertEquals(cell(E, "created_at"), null);
      ok(Math.abs((cell(A, "seat_utilization_pct") as number) - 100 / 3) < 1e-9);
    });
  } finally {
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("a failing query names its .sql file; bad credentials say which setting", async () => {
  const databases = await freshFixtureDatabases("errors");
  const out = await Deno.makeTempDir();
  const queriesDir = await Deno.makeTempDir();
  const errors: string[] = [];
  const origError = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    await Deno.writeTextFile(
      `${queriesDir}/clickhouse/ptb_spend.sql`,
      "SELECT nope FROM missing_table",
    );
    const cases: [Record<string, string>, RegExp][] = [
      [{ PRICING_QUERIES_DIR: queriesDir }, /ptb_spend\.sql failed on ClickHouse/],
      [{ PRICING_CH_PASSWORD: "wrong-password-123" }, /ClickHouse rejected the credentials/],
      [
        {
          PRICING_PG_URL: databases.env.PRICING_PG_URL!.replace(
            /:[^:@/]*@/,
            ":wrong-password-123@",
          ),
        },
        /PostgreSQL rejected the credentials in PRICING_PG_URL/,
      ],
    ];
    for (const [override, pattern] of cases) {
      errors.length = 0;
      const env = { ...databases.env, ...override };
      for (const [k, v] of Object.entries(env)) Deno.env.set(k, v!);
      const code = await main([
        "--live",
        "--as-of",
        "2026-11-01",
        "--out-dir",
        out,
        "--skip-stripe",
        "--env-file",
        "/dev/null", // an empty settings file: the environment alone
      ]);
      for (const k of Object.keys(env)) Deno.env.delete(k);
      assertEquals(code, 1);
      assertEquals(errors.length, 1, errors.join("\n"));
      match(errors[0], pattern);
      ok(!errors[0].includes("wrong-password-123"));
      assertEquals([...Deno.readDirSync(out)].length, 0, "nothing written");
    }
  } finally {
    console.error = origError;
    await Deno.remove(out, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

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
        STRIPE_SECRET_KEY: fake.apiKey,
        STRIPE_API_HOST: "127.0.0.1",
        STRIPE_API_PORT: String(fake.port),
        STRIPE_API_PROTOCOL: "http",
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

Deno.test("a name past Excel's cell limit: the XLSX cut, the CSV whole, one warning on the run, the summary sheet, the brief and the manifest", async () => {
  const databases = await freshFixtureDatabases("long_name", {
    postgres: ["postgres_schema.sql", "postgres_data.sql", "postgres_long_name.sql"],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_data.sql"],
  });
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      asOf,
      outDir,
      stripe: "skip",
      charts: false,
      env: databases.env,
      log: () => {},
    });
    const alpha = "11111111-1111-4111-8111-111111111111";
    const name = "Alpha\r\n" + "x".repeat(40_000) + "\r"; // 40,008 characters
    const warning = xlsxCutWarning(1);
    assertEquals(result.data.warnings.filter((w) => w.includes("Excel's")), [warning]);
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    ok(manifest.warnings.includes(warning));
    ok((await Deno.readTextFile(result.briefPath)).includes("cut to that; the CSV has the full"));
    const stem = `${outDir}/helicone_pricing_data_2026-11-01`;
    const records = parseCsvRecords(await Deno.readTextFile(`${stem}.csv`)).records;
    assertEquals(records.find((r) => r.org_id === alpha)!.org_name, name);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(`${stem}.xlsx`);
    const sheet = workbook.getWorksheet("pricing_data")!;
    const row = records.findIndex((r) => r.org_id === alpha) + 2;
    assertEquals(sheet.getRow(row).getCell(2).value, name.slice(0, 32_767));
    // the workbook's own list of the run's warnings has it too, once
    const summary = workbook.getWorksheet("summary")!.getSheetValues() as unknown[][];
    assertEquals(summary.filter((r) => r?.[1] === warning).length, 1);
  } finally {
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
      STRIPE_SECRET_KEY: fake.apiKey,
      STRIPE_API_HOST: "127.0.0.1",
      STRIPE_API_PORT: String(fake.port),
      STRIPE_API_PROTOCOL: "http",
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
