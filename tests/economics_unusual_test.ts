/**
 * The economics probe (tests/economics_unusual_fixture.ts): every economics column of the twelve
 * unusual organizations, as the exported CSV holds them, worked out by hand from the fixture rows
 * (30-day window, infrastructure 2 USD per 1,000 requests, EUR 1.1, JPY 0.0065); and the usage
 * the columns start from, read by the same query on modern ClickHouse (chdb).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { ORG, probeExport } from "./economics_unusual_fixture.ts";
import { octoberUsageOnModernClickHouse } from "./servers.ts";
import { testServers } from "./env.ts";

const LETTERS = [..."ABCDEFGHIJKL"];

async function csvRows(): Promise<Record<string, Record<string, string>>> {
  const { result } = await probeExport();
  const { records } = parseCsvRecords(await Deno.readTextFile(result.csvPath!));
  const byId = new Map(records.map((r) => [r.org_id, r]));
  return Object.fromEntries(LETTERS.map((letter) => [letter, byId.get(ORG[letter])!]));
}

/** The column's cells of A…L, numbers read as numbers (empty: null). */
function cells(rows: Record<string, Record<string, string>>, column: string) {
  return LETTERS.map((letter) => {
    const text = rows[letter][column];
    return text === "" ? null : Number(text);
  });
}

function close(actual: (number | null)[], expected: (number | null)[], what: string) {
  expected.forEach((e, i) => {
    const a = actual[i];
    if (e === null) assertEquals(a, null, `${what} of ${LETTERS[i]}: expected empty, got ${a}`);
    // the CSV writes 12 significant digits
    else {ok(
        a !== null && Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)),
        `${what} of ${LETTERS[i]}: expected ${e}, got ${a}`,
      );}
  });
}

Deno.test("economics probe: every organization's economics columns by hand", async () => {
  const rows = await csvRows();
  assertEquals(rows.A.org_name, "Zero Seats");
  assertEquals(Object.values(rows).every((row) => row !== undefined), true);
  // 12 organizations, none left out: K, created inside the window, is exported
  const { result } = await probeExport();
  assertEquals(result.data.frame.height, 12);
  //                 A     B     C      D     E      F     G     H     I     J    K     L
  close(
    cells(rows, "requests_30d"),
    [500, 300, 1000, 300, 1000, 100, 100, 400, 100, 50, 100, 1000],
    "requests_30d",
  );
  close(cells(rows, "llm_cost_30d"), [2, 3, 50, 4, 300, 1, 5, 4, 10, 1, 1, 1], "llm_cost_30d");
  // pass-through: B, D, E, G, I, J (D's 100 requests with no cost recorded add nothing)
  close(
    cells(rows, "llm_cost_ptb_30d"),
    [0, 3, 0, 4, 300, 0, 5, 0, 10, 1, 0, 0],
    "llm_cost_ptb_30d",
  );
  // MRR: H 4 × 20 EUR × 1.1 = 88; I 12,000 JPY (no minor unit) × 0.0065 = 78; G's customer is
  // carried on F's row (pro beats free); B and J have no customer (0)
  close(cells(rows, "mrr"), [20, 0, 79, 40, 200, 79, null, 88, 78, 0, 20, 60], "mrr");
  assertEquals(rows.G.revenue_source, "shared_customer");
  // plan: C, F and I match " PRO-20251210 " (case and spaces aside); E's team has no plan
  assertEquals(LETTERS.map((l) => rows[l].plan), [
    "pro (seat, legacy)",
    "unknown tier (no plan)",
    "Pro 2025-12-10",
    "pro (seat, legacy)",
    "",
    "Pro 2025-12-10",
    "free",
    "pro (seat, legacy)",
    "Pro 2025-12-10",
    "free",
    "pro (seat, legacy)",
    "growth (graduated)",
  ]);
  // A 0 seats × 20 raised to the 20 minimum; D 2 × 20; H 4 × 20 (USD: the price book's);
  // K 1 × 20; C, F, I 79 flat; G, J free at 0; L 2 seats × 5 + exactly 1,000 requests, all in
  // the first band at 10 per 1,000 = 10 + 10; B (no plan, MRR as billed) and E (no plan): empty
  close(
    cells(rows, "list_price_mrr"),
    [20, null, 79, 40, null, 79, 0, 80, 79, 0, 20, 20],
    "list_price_mrr",
  );
  // D 10 USD of credits; I 1,500 JPY × 0.0065 = 9.75; G shared_customer: empty; others 0
  close(
    cells(rows, "ptb_revenue_30d"),
    [0, 0, 0, 10, 0, 0, null, 0, 9.75, 0, 0, 0],
    "ptb_revenue_30d",
  );
  // PTB cost + requests / 1,000 × 2: A 0 + 1; B 3 + 0.6; C 0 + 2 (BYOK only: no LLM cost to us);
  // D 4 + 0.6; E 300 + 2; F 0.2; G 5 + 0.2; H 0.8; I 10 + 0.2; J 1 + 0.1; K 0.2; L 2
  close(
    cells(rows, "company_cost_30d"),
    [1, 3.6, 2, 4.6, 302, 0.2, 5.2, 0.8, 10.2, 1.1, 0.2, 2],
    "company_cost_30d",
  );
  // (mrr − llm_cost_30d) / mrr × 100: E (200 − 300) / 200 = −50; no MRR (B, J) or G's on F's row: empty
  close(cells(rows, "gross_margin_pct"), [
    90,
    null,
    29 / 79 * 100,
    90,
    -50,
    78 / 79 * 100,
    null,
    84 / 88 * 100,
    68 / 78 * 100,
    null,
    95,
    59 / 60 * 100,
  ], "gross_margin_pct");
  // (mrr + PTB revenue − company cost) / (mrr + PTB revenue) × 100: A 19 / 20; C 77 / 79;
  // D (40 + 10 − 4.6) / 50; E (200 − 302) / 200; F 78.8 / 79; H 87.2 / 88;
  // I (78 + 9.75 − 10.2) / 87.75; K 19.8 / 20; L 58 / 60; B, J revenue 0 and G: empty
  close(cells(rows, "gross_margin_company_pct"), [
    95,
    null,
    77 / 79 * 100,
    90.8,
    -51,
    78.8 / 79 * 100,
    null,
    87.2 / 88 * 100,
    77.55 / 87.75 * 100,
    null,
    99,
    58 / 60 * 100,
  ], "gross_margin_company_pct");
  // D's 100 pass-through requests with no cost recorded; nobody else's
  close(
    cells(rows, "requests_cost_unknown_30d"),
    [0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0],
    "requests_cost_unknown_30d",
  );
  close(
    cells(rows, "ptb_requests_cost_unknown_30d"),
    [0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0],
    "ptb_requests_cost_unknown_30d",
  );
  assertEquals(LETTERS.map((l) => rows[l].currency), [
    "USD",
    "",
    "USD",
    "USD",
    "USD",
    "USD",
    "",
    "EUR",
    "JPY",
    "",
    "USD",
    "USD",
  ]);
});

Deno.test("economics probe: the usage query reads the fixture's requests alike on modern ClickHouse (chdb)", async () => {
  if (!testServers().chdb) throw new Error("modern ClickHouse (chdb) is not installed");
  const rows = await octoberUsageOnModernClickHouse([
    "tests/fixtures/clickhouse_economics_unusual.sql",
  ]);
  const byOrg = new Map(rows.map((r) => [String(r.org_id), r]));
  const of = (letter: string, column: string) => Number(byOrg.get(ORG[letter])?.[column]);
  assertEquals(byOrg.size, 12);
  assertEquals(LETTERS.map((l) => of(l, "requests_30d")), [
    500,
    300,
    1000,
    300,
    1000,
    100,
    100,
    400,
    100,
    50,
    100,
    1000,
  ]);
  assertEquals(of("D", "requests_cost_unknown_30d"), 100);
  assertEquals(of("D", "ptb_requests_cost_unknown_30d"), 100);
});
