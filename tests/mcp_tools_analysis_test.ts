/**
 * lib/mcp/tools_analysis.ts's run_scenario on an export where no organization's current MRR is
 * known (Stripe skipped): its totals say there is no comparison, not "proposed 0, delta 0", and
 * name the organizations not comparable; what it does not model; its warnings listed to ten.
 * (segment and key_question: mcp_tools_analysis_segment_test.ts.)
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { runExport } from "../lib/export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { SCENARIO_ASSUMPTIONS } from "../lib/analysis/scenario/mod.ts";
import { call, connectInMemory, exportsFolder, text, type Values } from "./mcp_client.ts";
import { noneComparedExport, notComparableExport, SEAT_KEPT } from "./scenario_not_comparable.ts";

Deno.test("run_scenario with no known current MRR: no comparison, the unknown organizations' proposed MRR", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  const written = await runExport({
    outDir: join(dir, "demo"),
    demo: true,
    asOf: new Date("2026-11-01T00:00:00Z"),
    formats: ["csv"],
    charts: false,
    history: false,
    quiet: true,
    log: () => {},
    env: {},
  });
  // the same organizations with their revenue unknown, as an export with Stripe skipped has them
  const unknown = written.data.frame.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr"));
  await writeCsvFile(unknown, join(dir, "helicone_pricing_data_2026-11-01_demo.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    // $1 a seat: the proposed MRR of every organization (none with known current MRR)
    const scenario = { name: "seat", plans: [{ name: "everyone", perSeatUsd: 1 }] };
    const result = await call(client, "run_scenario", { scenario });
    ok(!result.isError, text(result));
    const totals = result.structuredContent!.totals as Values;
    const seats = Number(unknown.getColumn("seats").sum());
    assertEquals([totals.comparable, totals.unknownCurrent], [0, unknown.height]);
    const line = text(result).split("\n")[1];
    assertEquals(
      line,
      `totals: current MRR unknown (no organization with known current MRR), no comparison; unknown current ${unknown.height}, their proposed ${seats} USD/month`,
    );
    ok(!/delta 0/.test(text(result)));
    // the breakeven line says what the price is in
    const solved = await call(client, "run_scenario", {
      scenario,
      breakeven: "plans[0].perSeatUsd",
    });
    assertEquals(
      text(solved).split("\n")[2],
      "breakeven of plans[0].perSeatUsd: none (no organization with known current MRR); scenario value 1 USD per seat per month",
    );
    // by plan as by tier, with its columns: no comparison is empty, not $0; every organization
    // counted as unknown current (their proposed $1 a seat beside it), none not comparable
    const byPlan = {
      plan: "everyone",
      organizations: unknown.height,
      comparable: 0,
      current_mrr: null,
      proposed_mrr: null,
      delta_usd: null,
      change_pct: null,
      pays_more: 0,
      pays_less: 0,
      unchanged: 0,
      unknown_current: unknown.height,
      proposed_mrr_unknown_current: seats,
      proposed_unknown: 0,
      not_comparable: 0,
      current_mrr_not_comparable: 0,
      // none compared: no company margin, and none left out of it
      margin_organizations: 0,
      margin_unknown: 0,
      company_cost: null,
      current_margin_company_pct: null,
      proposed_margin_company_pct: null,
      margin_change_pts: null,
      margin_ptb_requests_cost_unknown: 0,
    };
    assertEquals(result.structuredContent!.by_plan, [byPlan]);
    const { plan: _, ...byTierAll } = byPlan;
    assertEquals((result.structuredContent!.by_tier as Values[]).at(-1), {
      tier: "all",
      ...byTierAll,
    });
    // enterprise keeps its (unknown) current MRR: those organizations' proposed MRR is unknown too
    const kept = await call(client, "run_scenario", {
      scenario: {
        name: "kept",
        plans: [
          { name: "contract", match: { tiers: ["enterprise"] }, keepCurrentMrr: true },
          { name: "everyone", perSeatUsd: 1 },
        ],
      },
    });
    const enterprise = unknown.filter(pl.col("tier").eq(pl.lit("enterprise")));
    ok(enterprise.height > 0);
    const othersSeats = seats - Number(enterprise.getColumn("seats").sum());
    assertEquals(
      text(kept).split("\n")[1],
      `totals: current MRR unknown (no organization with known current MRR), no comparison; unknown current ${unknown.height}, their proposed ${othersSeats} USD/month (${enterprise.height} of them with unknown proposed MRR too, not in it)`,
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run_scenario by_plan and by_tier count the organizations left out as not comparable, with their MRR", async () => {
  // tests/scenario_not_comparable.ts: cus_8 (m1, m2) not comparable, cus_q (q1, q2) and b1 compared
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  await writeCsvFile(notComparableExport(), join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const tool = (await client.listTools()).tools.find((t) => t.name === "run_scenario")!;
    ok(tool.description!.includes("not_comparable, current_mrr_not_comparable"), tool.description);
    const result = await call(client, "run_scenario", { scenario: SEAT_KEPT });
    ok(!result.isError, text(result));
    const s = result.structuredContent!;
    const pick = (rows: Values[], first: string) =>
      rows.map((r) => [
        r[first],
        r.organizations,
        r.comparable,
        r.current_mrr,
        r.proposed_mrr,
        r.not_comparable,
        r.current_mrr_not_comparable,
      ]);
    assertEquals(pick(s.by_plan as Values[], "plan"), [
      ["contract", 2, 0, null, null, 2, 500],
      ["seat", 3, 3, 90, 50, 0, 0],
    ]);
    assertEquals(pick(s.by_tier as Values[], "tier"), [
      ["pro", 3, 3, 90, 50, 0, 0],
      ["enterprise", 2, 0, null, null, 2, 500],
      ["all", 5, 3, 90, 50, 2, 500],
    ]);
    const totals = s.totals as Values;
    assertEquals([totals.notComparable, totals.currentMrrNotComparableUsd], [2, 500]);
    // the text's totals line gives the MRR left out too: cus_q (q1, q2) $60 → $30 and b1 $30 →
    // $20 pay less, delta −40 of 90 = −44.4444444444 %; m1 and m2 not comparable, cus_8's $500
    assertEquals(
      text(result).split("\n")[1],
      "totals (organizations with known current MRR): current 90, proposed 50, delta -40 USD/month (-44.4444444444 %); pays more 0, pays less 3, unchanged 0, unknown current 0, not comparable 2 (their current 500 USD/month left out)",
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run_scenario says what it does not model (no churn, no price response), in its text and structuredContent", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  await writeCsvFile(notComparableExport(), join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const result = await call(client, "run_scenario", { scenario: SEAT_KEPT });
    ok(!result.isError, text(result));
    const lines = text(result).split("\n");
    // right after the totals and breakeven, before the tables: read with the figures
    assertEquals(lines.indexOf(SCENARIO_ASSUMPTIONS), lines.indexOf("by plan:") - 1);
    ok(SCENARIO_ASSUMPTIONS.includes("(no churn, no price elasticity, no new customers)"));
    assertEquals(result.structuredContent!.assumptions, SCENARIO_ASSUMPTIONS);
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run_scenario with none compared: the totals and breakeven lines name the organizations not comparable", async () => {
  // tests/scenario_not_comparable.ts noneComparedExport: m1 and m2 not comparable (cus_8's $500
  // left out), b1 unknown current, 2 seats × $10 = $20 proposed
  const dir = await Deno.makeTempDir({ prefix: "mcp_tools_analysis_test_" });
  await writeCsvFile(noneComparedExport(), join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const result = await call(client, "run_scenario", {
      scenario: SEAT_KEPT,
      breakeven: "plans[1].perSeatUsd",
    });
    ok(!result.isError, text(result));
    const lines = text(result).split("\n");
    assertEquals(
      lines[1],
      "totals: no organization compared: not comparable 2 (their current 500 USD/month left out); unknown current 1, their proposed 20 USD/month",
    );
    // no breakeven, for the same reason (it read "no organization with known current MRR")
    const reason =
      "no organization compared: 2 not comparable (current MRR $500.00 left out), 1 with unknown current MRR";
    assertEquals(
      lines[2],
      `breakeven of plans[1].perSeatUsd: none (${reason}); scenario value 10 USD per seat per month`,
    );
    assertEquals(result.structuredContent!.breakeven, {
      parameter: "plans[1].perSeatUsd",
      value: null,
      scenario_value: 10,
      reason,
    });
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run_scenario with 5,000 plans: the warnings listed to ten and counted, both channels within PRICING_MCP_MAX_BYTES", async () => {
  const folder = await exportsFolder();
  const bytes = (s: string) => new TextEncoder().encode(s).length;
  // a plan without a match prices everyone: plan 0 takes every organization, and each of plans
  // 1–4999 is warned about as shadowed by it, one warning a plan
  const plans = Array.from({ length: 5000 }, (_, i) => ({ name: `plan ${i}`, perSeatUsd: 10 }));
  try {
    for (const maxBytes of [65536, 8192]) {
      const { client, close } = await connectInMemory(
        new DatasetStore(
          mcpSettings({
            PRICING_MCP_EXPORTS_DIR: folder.dir,
            PRICING_MCP_MAX_BYTES: String(maxBytes),
          }),
        ),
      );
      try {
        const one = await call(client, "run_scenario", {
          scenario: { name: "one", plans: plans.slice(0, 1) },
        });
        const oneWarnings = one.structuredContent!.warnings as string[];
        // at 8 KB a quarter of it may not list all of them (five on the demo): counted still
        const oneTotal = one.structuredContent!.warnings_total as number;
        ok(oneWarnings.length >= 1 && oneWarnings.length <= oneTotal, oneWarnings.join("\n"));
        ok(oneTotal < 10, oneWarnings.join("\n"));

        const result = await call(client, "run_scenario", { scenario: { name: "many", plans } });
        assertEquals(result.isError, undefined, text(result).slice(0, 300));
        const s = result.structuredContent!;
        const body = text(result);
        const total = bytes(body) + bytes(JSON.stringify(s));
        ok(total <= maxBytes, `${total} > ${maxBytes}`);
        ok(!body.includes("cut at"), body.slice(-300));
        const all = oneTotal + 4999;
        assertEquals(s.warnings_total, all);
        const shown = s.warnings as string[];
        ok(shown.length >= 1 && shown.length <= 10, `${shown.length} shown`);
        const lines = body.split("\n");
        assertEquals(
          lines.at(-1),
          `… and ${all - shown.length} more warnings (${all} in all)`,
        );
        assertEquals(lines.at(-2), `- ${JSON.stringify(shown.at(-1))}`);
      } finally {
        await close();
      }
    }
  } finally {
    await Deno.remove(folder.dir, { recursive: true });
  }
});
