/**
 * lib/mcp/tools_analysis.ts's segment and key_question on exports where current MRR is not known:
 * a segment that judges MRR says it cannot be judged, not "0 organizations, $0 MRR"; totals over
 * the known only, each Stripe customer counted whole; key_question's refusals and numbers in text.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { call, connectInMemory, refused, text, type Values } from "./mcp_client.ts";

Deno.test("segment with no known MRR: a rule that judges MRR cannot be judged, no $0 MRR", async () => {
  // Stripe skipped: revenue_source none, mrr empty. a and b are BYOK (a with $5 of LLM cost), c
  // has $2: byok_paying cannot judge a and b, negative_margin a and c.
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      is_byok: [true, true, false],
      // known (not gateway-only): an empty flag would be an unknown count, not judged
      has_gateway_only: [false, false, false],
      llm_cost_30d: [5, 0, 2],
      revenue_source: ["none", "none", "none"],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const cannot = "cannot be judged: revenue not fetched (2 organizations with unknown MRR)";
    for (const name of ["byok_paying", "negative_margin"]) {
      const result = await call(client, "segment", { name });
      const values = result.structuredContent as Values;
      assertEquals(values.not_judged, { organizations: 2, text: cannot }, name);
      assertEquals((values.totals as Values).organizations, 0);
      assertEquals((values.totals as Values).mrr, null, "no $0 MRR");
      ok(text(result).includes(`\nnote: ${cannot}\n`), text(result));
    }
    // a rule that reads no revenue judges nothing, but its MRR total is unknown, not $0
    const ptb = (await call(client, "segment", { name: "gateway_only" })).structuredContent!;
    assertEquals(ptb.not_judged, null);
  } finally {
    await close();
  }
});

Deno.test("segment totals: MRR over the known only, unknown counted, null when none is known", async () => {
  // a and b are PTB with MRR unknown; c is PTB with $30, d not PTB with $100
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  const write = (mrr: (number | null)[], name: string) =>
    writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b", "c", "d"],
        is_ptb: [true, true, true, false],
        llm_cost_30d: [5, 1, 2, 3],
        // known (an empty count would be unknown, its total null: cost_unknown_test)
        requests_30d: [0, 0, 0, 0],
        mrr,
        revenue_source: mrr.map((v) => v === null ? "none" : "stripe"),
      }),
      join(dir, name),
    );
  await write([null, null, 30, 100], "helicone_pricing_data_2026-11-01.csv");
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const some = await call(client, "segment", { name: "ptb_customers" });
    assertEquals((some.structuredContent as Values).totals, {
      organizations: 3,
      outside_organizations: 0,
      mrr: 30,
      unknown_mrr: 2,
      llm_cost_30d: 8,
      requests_30d: 0,
    });
    ok(
      text(some).includes(
        "\nnote: mrr is the sum over organizations with known MRR; 2 of 3 with unknown MRR not in it\n",
      ),
      text(some),
    );
    // a later export with no revenue at all: the MRR total is unknown, not $0
    await write([null, null, null, null], "helicone_pricing_data_2026-11-02.csv");
    const none = await call(client, "segment", { name: "ptb_customers" });
    const totals = (none.structuredContent as Values).totals as Values;
    assertEquals([totals.mrr, totals.unknown_mrr], [null, 3]);
    ok(!text(none).includes('"mrr":0'), text(none));
    ok(
      text(none).includes(
        "\nnote: mrr unknown: 3 of 3 organizations with unknown MRR, none known\n",
      ),
      text(none),
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment totals count each Stripe customer whole, its organizations outside the segment too", async () => {
  // cus_s pays $200 on t's row (team); h is its free organization (revenue_source
  // shared_customer, mrr empty: known, on t's row).
  //   t  team, cus_s, mrr 200, 1,000 requests, LLM $10, BYOK
  //   h  free, cus_s (shared), 60,000 requests, LLM $600, gateway only
  //   o  pro, cus_o, mrr 40, 2,000 requests, LLM $4, BYOK
  //   n  free, no customer, mrr 0, 500 requests, LLM $1, gateway only
  // byok_paying is t and o; with t's customer whole h comes in: 3 organizations,
  //   mrr 200 + 40 = 240, LLM 10 + 600 + 4 = 614, requests 1,000 + 60,000 + 2,000 = 63,000;
  //   the MRR on h's row: $0.
  // free_high_usage (free, ≥ 50,000 requests) is h alone; with t: mrr 200 (all on t's row,
  //   outside), LLM 610, requests 61,000.
  // The rows listed stay the segment's own (its file's).
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["t", "h", "o", "n"],
      org_name: ["T", "H", "O", "N"],
      tier: ["team", "free", "pro", "free"],
      stripe_customer_id: ["cus_s", "cus_s", "cus_o", null],
      revenue_source: ["stripe", "shared_customer", "stripe", "no_customer"],
      requests_30d: [1_000, 60_000, 2_000, 500],
      llm_cost_30d: [10, 600, 4, 1],
      mrr: [200, null, 40, 0],
      is_byok: [true, false, true, false],
      has_gateway_only: [false, true, false, true],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const byok = await call(client, "segment", { name: "byok_paying" });
    ok(!byok.isError, text(byok));
    assertEquals((byok.structuredContent as Values).totals, {
      organizations: 2,
      outside_organizations: 1,
      mrr: 240,
      unknown_mrr: 0,
      llm_cost_30d: 614,
      requests_30d: 63_000,
    });
    ok(
      text(byok).includes(
        "\nnote: totals count each Stripe customer whole (its revenue is on one organization's row and pays for all of them): mrr, unknown_mrr, llm_cost_30d and requests_30d are over the segment's 2 organizations and 1 outside it sharing a Stripe customer with one in it; $0 of the MRR is on that 1\n",
      ),
      text(byok),
    );
    // the rows listed are the segment's own
    assertEquals(
      ((byok.structuredContent as Values).rows as Values[]).map((r) => r.org_id),
      ["t", "o"],
    );
    const free = await call(client, "segment", { name: "free_high_usage" });
    assertEquals((free.structuredContent as Values).totals, {
      organizations: 1,
      outside_organizations: 1,
      mrr: 200,
      unknown_mrr: 0,
      llm_cost_30d: 610,
      requests_30d: 61_000,
    });
    ok(text(free).includes("; $200 of the MRR is on that 1\n"), text(free));
    // gateway_only is h and n: with t, mrr 200 + 0 = 200, LLM 600 + 1 + 10 = 611
    const gateway = await call(client, "segment", { name: "gateway_only" });
    assertEquals((gateway.structuredContent as Values).totals, {
      organizations: 2,
      outside_organizations: 1,
      mrr: 200,
      unknown_mrr: 0,
      llm_cost_30d: 611,
      requests_30d: 61_500,
    });
    // negative_margin judges cus_s as one ($610 against $200): t and h both in, nothing outside,
    // and nothing said of it
    const negative = await call(client, "segment", { name: "negative_margin" });
    assertEquals((negative.structuredContent as Values).totals, {
      organizations: 2,
      outside_organizations: 0,
      mrr: 200,
      unknown_mrr: 0,
      llm_cost_30d: 610,
      requests_30d: 61_000,
    });
    ok(!text(negative).includes("whole"), text(negative));
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("key_question with Stripe skipped: churn risk, feature adoption and PTB vs BYOK say they cannot be judged, never $0 MRR", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  try {
    // demo data with Stripe skipped: every revenue column empty, as a live export without Stripe
    await runExport({
      outDir: dir,
      demo: true,
      stripe: "skip",
      asOf: new Date("2026-11-01T00:00:00Z"),
      formats: ["csv"],
      charts: false,
      history: false,
      quiet: true,
      log: () => {},
      env: {},
    });
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const reading = async (question: string) => {
        const result = await call(client, "key_question", { question });
        ok(!result.isError, text(result));
        return result.structuredContent!;
      };
      const churn = await reading("churn_risk");
      ok(
        String(churn.reading).startsWith("Churn risk cannot be judged without revenue"),
        String(churn.reading),
      );
      ok((churn.facts as Values).unknownMrr as number > 0);
      const adoption = String((await reading("feature_adoption")).reading);
      ok(adoption.includes("cannot be said without revenue"), adoption);
      const traffic = await reading("ptb_vs_byok");
      ok(
        String(traffic.reading).startsWith("PTB vs BYOK cannot be judged without revenue"),
        String(traffic.reading),
      );
      for (const row of traffic.table as Values[]) {
        assertEquals([row.mrr, row.ptb_revenue_30d, row.mrr_per_org], [null, null, null]);
      }
      for (const answer of [churn, traffic]) ok(!/\$0 MRR/.test(String(answer.reading)));
    } finally {
      await close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("key_question refuses a threshold or prices the question does not read, naming where they apply", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    refused(
      await call(client, "key_question", {
        question: "churn_risk",
        thresholds: { underpricedMaxMrrUsd: 1 },
      }),
      /^error: thresholds\.underpricedMaxMrrUsd applies to underpriced, not churn_risk; churn_risk takes thresholds top$/,
    );
    refused(
      await call(client, "key_question", {
        question: "underpriced",
        prices: { seatPriceUsd: 999 },
      }),
      /^error: prices apply to pricing_models only, not underpriced: leave prices out$/,
    );
    refused(
      await call(client, "key_question", { question: "ptb_vs_byok", thresholds: { top: 3 } }),
      /^error: thresholds\.top applies to underpriced, upgrade_candidates, churn_risk, not ptb_vs_byok; ptb_vs_byok takes no thresholds: leave thresholds out$/,
    );
    // what applies is taken
    const churn = await call(client, "key_question", {
      question: "churn_risk",
      thresholds: { top: 1 },
    });
    ok(!churn.isError, text(churn));
    ok((churn.structuredContent!.table as Values[]).length <= 1, text(churn));
    const models = await call(client, "key_question", {
      question: "pricing_models",
      prices: { seatPriceUsd: 999 },
    });
    ok(!models.isError, text(models));
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment lists a column named twice once, where first named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const twice = await call(client, "segment", {
      name: "negative_margin",
      columns: ["org_name", "tier", "org_name"],
      limit: 2,
    });
    ok(!twice.isError, text(twice));
    const once = await call(client, "segment", {
      name: "negative_margin",
      columns: ["org_name", "tier"],
      limit: 2,
    });
    assertEquals(twice.structuredContent, once.structuredContent);
    const rows = twice.structuredContent!.rows as Values[];
    assertEquals(rows.length, 2);
    assertEquals(Object.keys(rows[0]), ["org_name", "tier"]);
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment totals and key_question facts in text: numbers as the CSV writes them, no float noise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  // 0.1 + 0.2 sums to 0.30000000000000004 in floats
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b"],
      is_ptb: [true, true],
      llm_cost_30d: [0.1, 0.2],
      requests_30d: [0, 0],
      mrr: [0.1, 0.2],
      revenue_source: ["stripe", "stripe"],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const segment = await call(client, "segment", { name: "ptb_customers" });
    ok(!segment.isError, text(segment));
    ok(
      text(segment).includes(
        '\ntotals: {"organizations":2,"outside_organizations":0,"mrr":0.3,"unknown_mrr":0,"llm_cost_30d":0.3,"requests_30d":0}\n',
      ),
      text(segment),
    );
    // structuredContent keeps the full float
    assertEquals(((segment.structuredContent as Values).totals as Values).mrr, 0.1 + 0.2);
    for (const question of ["ptb_vs_byok", "pricing_models"]) {
      const answer = await call(client, "key_question", { question });
      ok(!answer.isError, text(answer));
      const facts = text(answer).split("\n").find((line) => line.startsWith("facts: "))!;
      ok(facts, text(answer));
      ok(!/\d\.\d*0000000000|\d\.\d*9999999999|\de[-+]?\d/.test(facts), facts);
      ok(facts.includes("0.3"), facts);
      // the text's facts are JSON still
      JSON.parse(facts.slice("facts: ".length));
    }
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("segment totals: an organization sharing a customer whose revenue row's MRR is unknown counts as unknown MRR", async () => {
  // cus_e's revenue row e could not be put in USD (unconverted, mrr empty); s is its free
  // organization (shared_customer): its MRR is its customer's, unknown too.
  //   e  team, cus_e, mrr unknown, 1,000 requests, LLM $10
  //   s  free, cus_e (shared), 60,000 requests, LLM $600
  // free_high_usage is s alone; with e (its customer whole): 2 organizations, both unknown MRR,
  // none known: mrr null, LLM 610, requests 61,000.
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["e", "s"],
      org_name: ["E", "S"],
      tier: ["team", "free"],
      stripe_customer_id: ["cus_e", "cus_e"],
      revenue_source: ["unconverted", "shared_customer"],
      requests_30d: [1_000, 60_000],
      llm_cost_30d: [10, 600],
      mrr: [null, null],
      is_byok: [true, false],
      has_gateway_only: [false, true],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const free = await call(client, "segment", { name: "free_high_usage" });
    ok(!free.isError, text(free));
    assertEquals((free.structuredContent as Values).totals, {
      organizations: 1,
      outside_organizations: 1,
      mrr: null,
      unknown_mrr: 2,
      llm_cost_30d: 610,
      requests_30d: 61_000,
    });
    ok(
      text(free).includes("mrr unknown: 2 of 2 organizations with unknown MRR, none known"),
      text(free),
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
