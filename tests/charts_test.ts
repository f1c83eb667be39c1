import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  marginVsMrrChart,
  pricingCharts,
  requestsVsCostChart,
  svgToPng,
  usdTick,
  writeCharts,
} from "../lib/charts.ts";

/** Five orgs: two paying with margins 50 % and −900 % (clipped), one free, one zero-usage, one unknown MRR. */
const frame = pl.DataFrame({
  org_name: ["a", "b", "c", "d", "e"],
  tier: ["pro", "team", "free", "free", "enterprise"],
  mrr: pl.Series("mrr", [100, 10, 0, 0, null], pl.Float64),
  gross_margin_pct: pl.Series("gross_margin_pct", [50, -900, null, null, null], pl.Float64),
  requests_30d: [1000, 50_000, 10, 0, 300],
  llm_cost_30d: [50, 100, 0.5, 0, 0],
});

const count = (svg: string, tag: string) => svg.split(`<${tag}`).length - 1;

Deno.test("margin vs MRR: one dot per paying org, the zero line, clipped points counted", () => {
  const chart = marginVsMrrChart(frame);
  assertEquals(count(chart.svg, "circle"), 2); // a and b; c, d (MRR 0) and e (unknown) not shown
  ok(chart.svg.includes("Gross margin vs MRR per organization"));
  ok(
    chart.svg.includes(
      "2 organizations with MRR &gt; 0 (3 with no or unknown MRR not shown); 1 below -300 %",
    ),
  );
  ok(chart.svg.includes('stroke="#dc2626"'), "zero rule");
  ok(chart.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
});

Deno.test("requests vs LLM cost: zeros left off the log scales and said so", () => {
  const chart = requestsVsCostChart(frame);
  assertEquals(count(chart.svg, "circle"), 3); // a, b, c; d has no requests, e zero cost
  ok(chart.svg.includes("2 with no requests or zero cost not shown"));
});

Deno.test("every chart is a standalone SVG that rasterizes to a PNG of the asked width", () => {
  const charts = pricingCharts(frame);
  assertEquals(charts.map((c) => c.name), [
    "margin_vs_mrr",
    "margin_by_tier",
    "requests_vs_llm_cost",
    "usage_by_tier",
  ]);
  for (const chart of charts) {
    const png = svgToPng(chart.svg, 1000);
    assertEquals([...png.slice(1, 4)].map((b) => String.fromCharCode(b)).join(""), "PNG");
    const view = new DataView(png.buffer, png.byteOffset);
    assertEquals([view.getUint32(16), view.getUint32(20)], [1000, Math.round(1000 * 480 / 880)]);
  }
});

Deno.test("writeCharts writes dated SVG and PNG files", async () => {
  const dir = await Deno.makeTempDir();
  const paths = await writeCharts(frame, dir, "2026-11-01");
  assertEquals(paths.length, 8);
  ok(paths.every((p) => /helicone_pricing_[a-z_]+_2026-11-01\.(svg|png)$/.test(p)));
  assertEquals([...Deno.readDirSync(dir)].length, 8);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("money ticks read as dollars on a log axis", () => {
  assertEquals([usdTick(0.1), usdTick(20), usdTick(1000), usdTick(2_500_000)], [
    "$0.1",
    "$20",
    "$1k",
    "$2.5M",
  ]);
});
