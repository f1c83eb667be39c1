/**
 * The live export on real servers: PostgreSQL 15 and ClickHouse started by `deno task test`,
 * loaded with tests/fixtures (production's tables and traps). Every expected value below is
 * computed by hand from the fixture rows; the comments show the arithmetic. With Stripe revenue:
 * export_stripe_test.ts.
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
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { A, asOf, B, C, E } from "./export_fixture.ts";

const D = "44444444-4444-4444-8444-444444444444";

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
