/**
 * A NaN LLM cost (a Float64 cost column on the real ClickHouse of `deno task test`) is unknown,
 * and whatever sums it says so or is unknown: the brief's Totals give a partial sum with its
 * organizations, the margins over it (headline, per plan, PTB vs BYOK) are unknown, and a shared
 * Stripe customer whose organization's cost is unknown is not judged by the underpriced and
 * negative-margin segments (nor drawn on a partial sum). The sums beside them say they are partial
 * or are unknown too: By tier, PTB vs BYOK's facts and reading, the underpriced question, and the
 * MCP server's answers (key_question, segment) through the real MCP client.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pg from "pg";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { fakeStripeEnv, fixtureCustomersData, startFakeStripe } from "./fake_stripe.ts";
import { runExport } from "../lib/export.ts";
import {
  churnRisk,
  pricingModelComparison,
  ptbVsByok,
  underpricedCustomers,
} from "../lib/analysis/questions.ts";
import { totalsSection } from "../lib/report/brief_sections.ts";
import { segmentFrame } from "../lib/report/segments.ts";
import { headlineKpis } from "../lib/economics/headline_margins.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { CUSTOMER_CHART_COLUMNS, withCustomerChartColumns } from "../lib/report/chart_customers.ts";
import { tierSection } from "../lib/report/brief_tiers.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { call, connectInMemory, type Values } from "./mcp_client.ts";
import { fixtureClickHouse, REQUEST_COLUMNS, requestTableCopy } from "./request_table_fixture.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
const A = "11111111-1111-4111-8111-111111111111";
const D = "44444444-4444-4444-8444-444444444444";
const E = "55555555-5555-4555-8555-555555555555";

Deno.test("a NaN LLM cost: Totals say the partial sum, margins over it are unknown, a shared customer with it is not judged", async () => {
  const fake = startFakeStripe(fixtureCustomersData());
  const databases = await freshFixtureDatabases("cost_nan");
  const env = databases.env;
  const queriesDir = await Deno.makeTempDir();
  const outDir = await Deno.makeTempDir();
  const ch = fixtureClickHouse(env);
  const db = new pg.Client({ connectionString: env.PRICING_PG_URL });
  try {
    // D (free, no requests) shares A's Stripe customer: A's row carries cus_alpha's $79
    await db.connect();
    await db.query(`UPDATE organization SET stripe_customer_id = 'cus_alpha' WHERE id = $1`, [D]);
    // the fixture's requests with a Float64 cost, plus one BYOK request each of D and E (no
    // requests in the fixture's window) costing NaN
    await ch.command({
      query: (await requestTableCopy("request_float")).replace("cost UInt64", "cost Float64"),
    });
    await ch.command({ query: "INSERT INTO request_float SELECT * FROM request_response_rmt" });
    await ch.command({
      query: `INSERT INTO request_float (${REQUEST_COLUMNS}) VALUES ${
        [[D, "dddddddd-0000-4000-8000-000000009911"], [E, "eeeeeeee-0000-4000-8000-000000009912"]]
          .map(([org, id]) =>
            `('${org}', '${id}', 'openai', 'gpt-4o', 'u', '2026-10-20 00:00:00', '2026-10-20 00:00:00', nan, '', 0)`
          ).join(", ")
      }`,
    });
    // the built-in query summing the Float64 cost as it is (a NaN in it makes the sum NaN)
    const builtIn = await Deno.readTextFile(
      new URL("../queries/clickhouse/usage_30d.sql", import.meta.url),
    );
    const own = builtIn.replaceAll(" * materialize(toDecimal128(1, 0))", "");
    ok(own !== builtIn, "the query was changed");
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    await Deno.writeTextFile(`${queriesDir}/clickhouse/usage_30d.sql`, own);

    const result = await runExport({
      asOf,
      outDir,
      formats: ["csv"],
      charts: false,
      quiet: true,
      log: () => {},
      env: {
        ...env,
        PRICING_QUERIES_DIR: queriesDir,
        PRICING_CH_REQUEST_TABLE: "request_float",
        ...fakeStripeEnv(fake),
      },
    });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray() as string[];
    const cell = (org: string, c: string) => frame.getColumn(c).toArray()[orgs.indexOf(org)];
    // D and E: cost unknown, their one request counted; A: r1 $2.00 + r2 $0.50 + r5 $0.25
    assertEquals([cell(D, "llm_cost_30d"), cell(D, "requests_30d")], [null, 1]);
    assertEquals([cell(E, "llm_cost_30d"), cell(E, "requests_30d"), cell(E, "mrr")], [null, 1, 0]);
    ok(Math.abs((cell(A, "llm_cost_30d") as number) - 2.75) < 1e-9);
    assertEquals([cell(A, "mrr"), cell(D, "revenue_source")], [79, "shared_customer"]);

    // Totals: A $2.75 + B $0.10 + C $3.00 = $5.85, over 3 of the 5; PTB cost is known for all
    // five (D's and E's NaN requests are BYOK): A $2.25 + B $0.10
    const totals = totalsSection(frame);
    ok(
      totals.includes("| $5.85 over 3 of 5 organizations; 2 unknown (NaN or infinite) |"),
      totals,
    );
    ok(/pass-through billed \(cost to the company\) \| \$2\.35 \|/.test(totals), totals);

    // the spec margin counts D's cost (its customer's MRR is known) and E's ($0 MRR, known): not
    // known
    const spec = headlineKpis(frame, { windowDays: 30, costModel: costModelFromEnv({}) })[1];
    assertEquals(spec.value, null);
    ok(spec.basis.startsWith("not known: the llm_cost_30d of 2 organizations"), spec.basis);

    // By tier: free is B ($0.10, 1 request) and D (unknown, 1 request); enterprise E alone
    // (unknown, 1 request); pro A ($2.75, 3 requests), all known
    const tiers = tierSection(frame).split("\n");
    const tierRow = (tier: string) =>
      tiers.find((line) => line.startsWith(`| ${tier} `))!.split("|").map((c) => c.trim());
    assertEquals(tierRow("free").slice(4, 7), [
      "2",
      "1",
      "$0.10 over 1 of 2 organizations; 1 unknown (NaN or infinite)",
    ]);
    assertEquals(
      tierRow("enterprise")[6],
      "$0.00 over 0 of 1 organization; 1 unknown (NaN or infinite)",
    );
    assertEquals(tierRow("pro").slice(4, 7), ["3", "3", "$2.75"]);

    // cus_alpha (A and D) is mixed (A's PTB and BYOK requests): its cost is unknown, and so is
    // the mixed type's margin
    const answer = ptbVsByok(frame);
    const traffic = answer.table.getColumn("traffic").toArray() as string[];
    const mixed = traffic.indexOf("mixed");
    ok(mixed >= 0, traffic.join(", "));
    assertEquals(answer.table.getColumn("llm_cost_30d").toArray()[mixed], null);
    assertEquals(answer.table.getColumn("gross_margin_pct").toArray()[mixed], null);
    // the facts as the table: mixed's LLM cost unknown (A's $2.75 known, D's not), its PTB cost
    // known (A $2.25); BYOK-only is C ($3.00) and E (unknown): its reading says the partial sum
    const m = answer.facts.mixed;
    assertEquals([m.llmCostUsd, m.ptbLlmCostUsd, m.costUnknown], [null, 2.25, {
      llmCostUsd: { organizations: 1, knownUsd: 2.75 },
    }]);
    const b = answer.facts["BYOK only"];
    assertEquals([b.organizations, b.llmCostUsd, b.ptbLlmCostUsd, b.costUnknown], [2, null, 0, {
      llmCostUsd: { organizations: 1, knownUsd: 3 },
    }]);
    const byokWords =
      "BYOK-only ($200 MRR, their $3 (a partial sum over 1 of 2 organizations: 1 unknown: NaN, infinite or empty) of LLM cost paid to the providers by themselves)";
    ok(answer.reading.includes(byokWords), answer.reading);
    // gateway-only (B) has no unknown: its facts carry no costUnknown
    assertEquals(answer.facts["gateway only (PTB)"].costUnknown, undefined);

    // underpriced at ≥ 1 request: cus_alpha (A and D: 4 requests, cost unknown, $79), B ($0.10,
    // $0) and E (unknown, $0); C pays $200. LLM cost known for B alone; PTB cost for all three
    const under = underpricedCustomers(frame, { underpricedMinRequests: 1 });
    assertEquals(
      [under.facts.customers, under.facts.organizations, under.facts.requests, under.facts.unknown],
      [3, 4, 6, { requests: 0, llmCost: 2, ptbLlmCost: 0 }],
    );
    ok(Math.abs(under.facts.llmCostUsd - 0.1) < 1e-9, `${under.facts.llmCostUsd}`);
    const underWords =
      "together $0.10 over 1 of 3 customers; 2 unknown (NaN, infinite or empty) of LLM cost ($2.35 pass-through, paid by the company) against $79 MRR";
    ok(under.reading.includes(underWords), under.reading);

    // $79 against an unknown cost: neither a loss nor not one (E's $0 MRR has no margin to
    // lose); usage 4 requests known low, the cost unknown, MRR $79 ≤ $100: neither underpriced
    // nor not, and so is E (1 request, cost unknown, $0)
    const negative = segmentFrame(frame, { name: "negative_margin" });
    assertEquals(negative.notJudged, {
      organizations: 2,
      text: "2 organizations with an unknown LLM cost (its Stripe customer's) not judged",
      unknownCount: 2,
    });
    const underpriced = segmentFrame(frame, { name: "underpriced" });
    assertEquals(underpriced.frame.height, 0);
    assertEquals(underpriced.notJudged?.unknownCount, 3);

    // churn risk: the paying customers are cus_alpha (A and D, $79, cost unknown) and C ($200,
    // $3.00): C's cost is below its MRR, cus_alpha's may or may not be: its 2 organizations are
    // not judged, as the negative_margin segment counts them (E's $0 MRR has no margin to lose)
    const churn = churnRisk(frame);
    assertEquals(
      [churn.facts.organizations, churn.facts.payingCustomers, churn.facts.llmCostUnknown],
      [0, 2, 2],
    );
    const churnWords =
      "; 2 organizations with an unknown LLM cost (NaN, infinite or empty; their Stripe customer's) not judged.";
    ok(churn.reading.endsWith(churnWords), churn.reading);

    // pricing models: all 5 comparable (every customer's MRR known); 2 % of the known LLM cost
    // A $2.75 + B $0.10 + C $3.00 = $5.85 is $0.117; D and E (unknown) priced at $0. By tier,
    // D counts with cus_alpha in A's pro, E in enterprise
    const models = pricingModelComparison(frame);
    assertEquals(
      [models.facts.comparableOrganizations, models.facts.llmCostUnknown],
      [5, 2],
    );
    assertEquals(models.facts.requestsUnknown, undefined);
    ok(Math.abs(models.facts.pctOfLlmCostUsd! - 0.117) < 1e-9, `${models.facts.pctOfLlmCostUsd}`);
    const modelWords =
      "2 % of LLM cost would bring $0.12 (a partial sum over 3 of 5: 2 organizations with an unknown LLM cost (NaN, infinite or empty) priced at $0) a month";
    ok(models.reading.includes(modelWords), models.reading);
    ok(models.reading.includes("% of the known LLM cost)"), models.reading);
    const modelTiers = models.table.getColumn("tier").toArray() as string[];
    const modelUnknown = models.table.getColumn("unknown_llm_cost").toArray() as number[];
    assertEquals(
      ["pro", "enterprise", "free"].map((tier) => modelUnknown[modelTiers.indexOf(tier)]),
      [1, 1, 0],
    );
    assertEquals(models.table.columns.includes("unknown_requests"), false);

    // the chart draws cus_alpha once, at A's row: requests 3 + 1, margin unknown
    const drawn = withCustomerChartColumns(frame);
    const at = (c: string) => drawn.getColumn(c).toArray()[orgs.indexOf(A)];
    assertEquals(
      [at(CUSTOMER_CHART_COLUMNS.requests), at(CUSTOMER_CHART_COLUMNS.margin)],
      [4, null],
    );

    // the MCP server over the written CSV (NaN written as an empty cell), through the real client
    const { client, close: disconnect } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: outDir })),
    );
    try {
      const ask = async (question: string, thresholds?: Values) =>
        (await call(client, "key_question", { question, ...(thresholds ? { thresholds } : {}) }))
          .structuredContent!;
      const traffic = await ask("ptb_vs_byok");
      const facts = traffic.facts as Record<string, Values>;
      assertEquals(facts["BYOK only"].llmCostUsd, null);
      assertEquals(facts.mixed.costUnknown, { llmCostUsd: { organizations: 1, knownUsd: 2.75 } });
      ok((traffic.reading as string).includes(byokWords), traffic.reading as string);
      const mcpChurn = await ask("churn_risk");
      assertEquals((mcpChurn.facts as Values).llmCostUnknown, 2);
      ok((mcpChurn.reading as string).endsWith(churnWords), mcpChurn.reading as string);
      const mcpModels = await ask("pricing_models");
      assertEquals((mcpModels.facts as Values).llmCostUnknown, 2);
      ok((mcpModels.reading as string).includes(modelWords), mcpModels.reading as string);
      const mcpUnder = await ask("underpriced", { underpricedMinRequests: 1 });
      assertEquals((mcpUnder.facts as Values).unknown, { requests: 0, llmCost: 2, ptbLlmCost: 0 });
      ok((mcpUnder.reading as string).includes(underWords), mcpUnder.reading as string);
      // ptb_customers: A, B and E (PTB spend all time, E's before the window); A's customer
      // whole brings D in: cost A $2.75 + B $0.10 over 2 of 4, D's and E's unknown; requests
      // 3 + 1 + 1 + 1
      const segment = (await call(client, "segment", { name: "ptb_customers" })).structuredContent!;
      const segmentTotals = segment.totals as Values;
      assertEquals([segmentTotals.organizations, segmentTotals.outside_organizations], [3, 1]);
      ok(
        Math.abs((segmentTotals.llm_cost_30d as number) - 2.85) < 1e-9,
        `${segmentTotals.llm_cost_30d}`,
      );
      assertEquals(
        [
          segmentTotals.requests_30d,
          segmentTotals.unknown_llm_cost_30d,
          segmentTotals.unknown_requests_30d,
        ],
        [6, 2, undefined],
      );
      const result = await call(client, "segment", { name: "ptb_customers" });
      const text = result.content.map((c) => c.text ?? "").join("\n");
      ok(
        text.includes(
          "note: llm_cost_30d is a partial sum, over 2 of 4 organizations; 2 with an unknown llm_cost_30d (NaN, infinite or empty) not in it (unknown_llm_cost_30d)",
        ),
        text,
      );
    } finally {
      await disconnect();
    }
  } finally {
    await db.end();
    await ch.close();
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});
