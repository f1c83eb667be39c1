/**
 * lib/mcp/tools_chart.ts through the MCP SDK's Client: every chart the export draws (the names
 * of lib/economics/charts.ts' EXPORT_CHARTS, the eight of docs/analysis.md's chart table) comes
 * back as an image, and it is the export's own PNG of the served export, on a 7-day window too
 * (labels with the window's days, per-plan figures on a 30-day basis).
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { EXPORT_CHART_NAMES } from "../lib/economics/charts.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { chartByName } from "../lib/mcp/tools_chart.ts";
import { usageOnMonthlyBasis } from "../lib/frame/monthly.ts";
import { DEMO_NOTE, svgToPng } from "../lib/report/charts.ts";
import { call, connectInMemory, refused, ROOT, stdioClient, text } from "./mcp_client.ts";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";

/** A demo export with its chart files in a fresh folder. */
async function chartedExport(options: { asOf: string; windowDays?: number }) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_chart_test_" });
  const written = await runExport({
    outDir: dir,
    demo: true,
    asOf: new Date(options.asOf),
    windowDays: options.windowDays,
    formats: ["csv"],
    quiet: true,
    log: () => {},
    env: {},
  });
  return { dir, written };
}

/** The PNG bytes of the `chart` tool's image for `name`. */
async function chartPng(client: Client, name: string): Promise<Uint8Array> {
  const result = await call(client, "chart", { name });
  assertEquals(result.isError, undefined, `${name}: ${text(result)}`);
  const image = result.content.find((c) => c.type === "image");
  ok(image, `${name}: an image`);
  assertEquals(image.mimeType, "image/png");
  assertEquals(result.structuredContent!.chart, name);
  return Uint8Array.from(atob(image.data!), (c) => c.charCodeAt(0));
}

/** The export's PNG file of chart `name`. */
function exportPng(dir: string, name: string, stamp: string): Promise<Uint8Array> {
  return Deno.readFile(`${dir}/helicone_pricing_${name}_${stamp}.png`);
}

Deno.test("chart over stdio: each of docs/analysis.md's eight charts is the export's PNG", async () => {
  const { dir } = await chartedExport({ asOf: "2026-11-01T00:00:00Z" });
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    // the chart table of docs/analysis.md, read from the doc: the names the tool must offer
    const doc = await Deno.readTextFile(`${ROOT}docs/analysis.md`);
    const table = doc.slice(doc.indexOf("| chart "), doc.indexOf("\n\n", doc.indexOf("| chart ")));
    const documented = [...table.matchAll(/^\| `([a-z0-9_]+)`/gm)].map((m) => m[1]);
    assertEquals(documented.length, 8);
    assertEquals([...documented].sort(), [...EXPORT_CHART_NAMES].sort());
    const { tools } = await client.listTools();
    const offered = (tools.find((t) => t.name === "chart")!.inputSchema.properties as {
      name: { enum: string[] };
    }).name.enum;
    for (const name of documented) {
      ok(offered.includes(name), `chart offers ${name}`);
      const png = await chartPng(client, name);
      assertEquals(png, await exportPng(dir, name, "2026-11-01_demo"), `${name}: the export's PNG`);
    }
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chart on a 7-day export: the export's PNGs (its window and basis); economics columns needed", async () => {
  const { dir, written } = await chartedExport({ asOf: "2026-05-08T00:00:00Z", windowDays: 7 });
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    for (const name of EXPORT_CHART_NAMES) {
      const png = await chartPng(client, name);
      assertEquals(png, await exportPng(dir, name, "2026-05-08_demo_7d"), `${name}: export's PNG`);
    }
    // a question's chart of the demo export says demo too (its usage on a 30-day basis, as drawn)
    const question = chartByName(usageOnMonthlyBasis(written.data.frame, 7), "underpriced", {
      windowDays: 7,
      demo: true,
    });
    ok(question.svg.includes(`<tspan font-weight="bold" fill="#92400e">${DEMO_NOTE}</tspan> `));
    const image = (await call(client, "chart", { name: "underpriced" })).content
      .find((c) => c.type === "image")!;
    assertEquals(
      Uint8Array.from(atob(image.data!), (c) => c.charCodeAt(0)),
      new Uint8Array(svgToPng(question.svg)),
    );
    // the headline chart filtered to one tier is that tier's plans only
    const pro = await call(client, "chart", { name: "margin_by_plan", tiers: ["pro"] });
    assertEquals(pro.isError, undefined, text(pro));
    ok(text(pro).startsWith("Gross margin by plan, both bases — "), text(pro));
    refused(await call(client, "chart", { name: "margin_by_plans" }), /name/);
    // a tier the data has not: named, with the tiers there are (not "widen the filter")
    const tiers = [
      ...new Set(written.data.frame.getColumn("tier").toArray() as (string | null)[]),
    ].filter((t): t is string => t !== null).sort();
    ok(tiers.includes("pro") && !tiers.includes("nosuch"), tiers.join());
    refused(
      await call(client, "chart", { name: "margin_by_plan", tiers: ["pro", "nosuch"] }),
      new RegExp(
        `^error: unknown tier "nosuch"; tiers: ${tiers.map((t) => JSON.stringify(t)).join(", ")}$`,
      ),
    );
    // an export without the economics columns (older kit): one line saying what is missing
    throws(
      () => chartByName(written.data.frame.drop("plan"), "margin_by_plan"),
      /^UserError: chart margin_by_plan needs the economics columns \(plan, .*run deno task export again$/,
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chart of a segment splitting a Stripe customer: the customer drawn whole", async () => {
  // cus_s pays $200 on t's row (team); h is its free organization (revenue_source
  // shared_customer, mrr empty); o pays $40 alone. free_high_usage (free, ≥ 50,000 requests) is
  // h alone: drawn with t, whose row carries the revenue that pays for h (2 organizations, by
  // tier free and team), not h's $600 against no MRR.
  const dir = await Deno.makeTempDir({ prefix: "mcp_chart_test_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["t", "h", "o"],
      org_name: ["T", "H", "O"],
      tier: ["team", "free", "pro"],
      plan: ["team 2025-12-10", "free", "pro 2025-12-10"],
      stripe_customer_id: ["cus_s", "cus_s", "cus_o"],
      revenue_source: ["stripe", "shared_customer", "stripe"],
      requests_30d: [1_000, 60_000, 2_000],
      llm_cost_30d: [10, 600, 4],
      company_cost_30d: [0, 600, 0],
      mrr: [200, null, 40],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const result = await call(client, "chart", {
      name: "cost_and_mrr_by_tier",
      segment: "free_high_usage",
    });
    assertEquals(result.isError, undefined, text(result));
    assertEquals(
      text(result),
      "LLM cost and MRR by tier — 2 organizations (segment free_high_usage and 1 organization outside it sharing a Stripe customer with one in it, each customer counted whole)",
    );
    assertEquals(result.structuredContent!.organizations, 2);
    // a segment sharing no customer across its edge (negative_margin judges cus_s as one: t
    // and h) says nothing of it
    const negative = await call(client, "chart", {
      name: "cost_and_mrr_by_tier",
      segment: "negative_margin",
    });
    assertEquals(
      text(negative),
      "LLM cost and MRR by tier — 2 organizations (segment negative_margin)",
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chart on an export with no organizations says so, not that a filter left none", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_chart_test_" });
  await writeCsvFile(
    exportFrameFromColumns({ org_id: [] }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    // before: "no organization is left after the filter (); widen it", with no filter given
    for (const args of [{ name: "margin_by_plan" }, { name: "usage_by_tier", tiers: ["pro"] }]) {
      refused(
        await call(client, "chart", args),
        /^error: the served dataset has no organizations \(helicone_pricing_data_2026-11-01\.csv\): nothing to draw; export again \(deno task export\) if that is not expected$/,
      );
    }
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
