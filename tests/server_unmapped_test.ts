/**
 * The admin server on a Stripe account with a customer no organization maps to (lib/revenue/
 * unmapped.ts): over real HTTP, a live server on the fixture databases and the real Stripe SDK
 * against a local fake, the summary JSON carries its MRR (unmappedStripeCustomers), the page says
 * it in one line the Total MRR card points at, and the XLSX summary sheet in a row under MRR; a
 * demo server (every customer mapped) shows none of it. By hand: cus_alpha $79 and cus_charlie
 * $200 are the fixture organizations' (total MRR $279), cus_unmapped's $200 is nobody's.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import type { Env } from "../lib/core/config.ts";
import { loadPricingData } from "../lib/export.ts";
import { createHandler } from "../lib/server/handler.ts";
import { parseServerArgs, serverSettings } from "../lib/server/settings.ts";
import { escapeHtml } from "../lib/report/html_text.ts";
import {
  activeSubscription,
  fakeStripeEnv,
  fixtureCustomersData,
  monthlyPrice,
  startFakeStripe,
} from "./fake_stripe.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";

const TOKEN = "test-token-0123456789abcdef-0123456789";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const BASE = "/v1/admin/pricing-analytics";
const PINNED = "as_of=2026-11-01";
const KPI_LABEL = "MRR not in this export (unmapped Stripe customers)";
const SENTENCE =
  "1 Stripe customer that no organization's stripe_customer_id names had MRR above $0 at the as-of: $200.00 a month of mrr ($200.00 of mrr_recurring), which Stripe's dashboard MRR includes and no organization's row holds.";

/** A server on a free loopback port with `env`; `get` sends the token. */
function serve(args: string[], env: Env, outDir: string) {
  const settings = serverSettings(parseServerArgs(args), { PRICING_SERVER_TOKEN: TOKEN, ...env });
  const handler = createHandler({ ...settings, outDir }, {
    loadData: loadPricingData,
    hooks: { log: () => {} },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  return {
    get: (path: string) => fetch(`http://127.0.0.1:${server.addr.port}${path}`, { headers: AUTH }),
    close: () => server.shutdown(),
  };
}

/** The XLSX download's summary sheet as [measure, value, basis] rows. */
async function summaryRows(response: Response): Promise<unknown[][]> {
  return (await summarySheet(response)).rows;
}

/** The XLSX download's summary sheet: its rows as summaryRows, and the sheet. */
async function summarySheet(
  response: Response,
): Promise<{ rows: unknown[][]; sheet: ExcelJS.Worksheet }> {
  assertEquals(response.status, 200);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await response.arrayBuffer());
  const sheet = workbook.getWorksheet("summary")!;
  const rows = sheet.getSheetValues() as unknown[][];
  return { rows: rows.filter(Boolean).map((row) => row.slice(1, 4)), sheet };
}

Deno.test("server: a Stripe customer no organization maps to, in the summary JSON, one line on the page and a row of the XLSX summary", async (t) => {
  const databases = await freshFixtureDatabases("server_unmapped");
  const stripe = startFakeStripe(
    fixtureCustomersData([
      // no organization's stripe_customer_id names it
      activeSubscription("cus_unmapped", monthlyPrice("team_bundle", 20000)),
    ]),
    "sk_test_fake_123",
  );
  const outDir = await Deno.makeTempDir({ prefix: "server_unmapped_" });
  const server = serve([], {
    ...databases.env,
    ...fakeStripeEnv(stripe),
  }, outDir);
  try {
    await t.step(
      "the summary JSON: its figures beside the total, which leaves them out",
      async () => {
        const response = await server.get(`${BASE}/summary?${PINNED}`);
        assertEquals(response.status, 200);
        const summary = await response.json();
        assertEquals(summary.totalMrrUsd, 279);
        assertEquals(summary.unmappedStripeCustomers, {
          customers: 1,
          mrrUsd: 200,
          mrrRecurringUsd: 200,
          unknownMrrCustomers: 0,
          unknownMrrReasons: { noFxRate: 0, noCurrencyOption: 0 },
        });
        ok(!JSON.stringify(summary).replace(/cus_alpha|cus_charlie/g, "").includes("cus_"));
      },
    );
    await t.step(
      "the page: one line under the cards, the Total MRR card described by it",
      async () => {
        const response = await server.get(`${BASE}/report?${PINNED}`);
        assertEquals(response.status, 200);
        const html = await response.text();
        ok(
          html.includes(
            `<p class="note" id="unmapped-stripe-mrr" data-unmapped-mrr="200">${
              escapeHtml(`Not in the total MRR: ${SENTENCE}`)
            }</p>`,
          ),
          html,
        );
        assertEquals(html.match(/data-unmapped-mrr=/g)?.length, 1);
        ok(
          html.includes(
            '<div class="stat" data-stat="total_mrr" data-value="279" role="group" aria-labelledby="stat-total_mrr-label" aria-describedby="unmapped-stripe-mrr">',
          ),
          html,
        );
        ok(!html.includes("cus_unmapped"));
        // said once: the warnings list under it leaves the run's warning of it out
        assertEquals(html.split("$200.00 a month of mrr").length, 2, html);
        ok(!html.includes("map it to an organization"), html);
        // a segment's page says it is the whole export's, in no segment
        const segment = await (await server.get(`${BASE}/report?${PINNED}&segment=underpriced`))
          .text();
        ok(
          segment.includes(
            escapeHtml(
              `Not in the total MRR, nor in any segment's (the whole export's): ${SENTENCE}`,
            ),
          ),
          segment,
        );
        assertEquals(segment.split("$200.00 a month of mrr").length, 2, segment);
      },
    );
    await t.step("the XLSX summary sheet: a row under MRR with the same figure", async () => {
      const { rows, sheet } = await summarySheet(
        await server.get(`${BASE}/export?${PINNED}&format=xlsx`),
      );
      const mrr = rows.findIndex((row) => row[0] === "MRR");
      assertEquals(rows[mrr][1], 279);
      // its rows: up to the next figure's (a value in B), the label and the sentence in lines,
      // a row each (no merged cell): joined by spaces, each as it is
      const next = rows.findIndex((row, i) => i > mrr + 1 && row[1] !== undefined);
      const kpi = rows.slice(mrr + 1, next);
      assertEquals(kpi[0][1], 200);
      assertEquals(kpi.map((row) => row[0]).filter(Boolean).join(" "), KPI_LABEL);
      assertEquals(kpi.map((row) => row[2]).filter(Boolean).join(" "), SENTENCE);
      // said once: the warning rows leave the run's warning of it out (other warnings stay)
      const texts = rows.flat().map(String);
      // (a text in lines: a column's text cells joined by spaces hold it whole)
      const joined = [0, 1, 2].map((column) =>
        rows.map((row) => row[column]).filter((value) => typeof value === "string").join(" ")
      ).join("\n");
      assertEquals(joined.split("$200.00 a month of mrr").length, 2);
      ok(texts.some((text) => text.startsWith("infrastructure cost not set")), texts.join("\n"));
      // the label (50 characters) is wider than column A (34): in two lines of at most 37
      // (34 × 1.1), "MRR not in this export (unmapped" and "Stripe customers)", not cut off by
      // column B's value as it printed run on
      ok(KPI_LABEL.length > sheet.getColumn(1).width!, `${sheet.getColumn(1).width}`);
      assertEquals(kpi.map((row) => row[0]).filter(Boolean), [
        "MRR not in this export (unmapped",
        "Stripe customers)",
      ]);
    });
  } finally {
    await server.close();
    await stripe.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("server: every customer mapped (the demo): the field is null, and neither the page nor the workbook says anything of it", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "server_unmapped_demo_" });
  const server = serve(["--demo"], {}, outDir);
  try {
    const summary = await (await server.get(`${BASE}/summary?${PINNED}`)).json();
    assertEquals(summary.unmappedStripeCustomers, null);
    const html = await (await server.get(`${BASE}/report?${PINNED}`)).text();
    ok(html.includes('data-stat="total_mrr"'));
    for (const absent of ["data-unmapped-mrr", "aria-describedby", "Not in the total MRR"]) {
      ok(!html.includes(absent), absent);
    }
    const rows = await summaryRows(await server.get(`${BASE}/export?${PINNED}&format=xlsx`));
    ok(rows.some((row) => row[0] === "MRR"));
    ok(!rows.some((row) => row[0] === KPI_LABEL));
  } finally {
    await server.close();
    await Deno.remove(outDir, { recursive: true });
  }
});
