/**
 * lib/report/ charts: the marks of each chart (margin vs MRR, margin by tier, requests vs LLM cost,
 * usage and cost and MRR by tier), standalone SVGs rasterized to PNGs, writeCharts' files, and the
 * demo's SVGs against golden hashes. Captions and text: charts_text_test.ts; scales, ticks and
 * dense data: charts_scales_test.ts.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pl from "nodejs-polars";
import { createHash } from "node:crypto";
import { golden, goldenDemoData } from "./fixtures/golden_demo.ts";
import {
  costAndMrrByTierChart,
  marginByTierChart,
  marginVsMrrChart,
  pricingCharts,
  requestsVsCostChart,
  svgToPng,
  usageByTierChart,
  writeCharts,
} from "../lib/report/charts.ts";
import { drawnBoxes, labels, triangleValues } from "./chart_svg.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { captionLines, pngSize } from "./chart_readers.ts";

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

Deno.test("margin vs MRR: a dot per paying org, the zero line, clipped points as triangles", () => {
  const chart = marginVsMrrChart(frame);
  // a (50 %) is a circle; b (−900 %) is below the −300 % floor: a downward triangle on it.
  // c, d (MRR 0) and e (unknown MRR) are not shown.
  assertEquals(count(chart.svg, "circle"), 1);
  assertEquals(chart.svg.split("rotate(180)").length - 1, 1);
  ok(chart.svg.includes(">Gross margin (spec basis, all LLM cost) vs MRR per organization</text>"));
  // Each dot names its organization on hover, the clipped one with its real margin.
  assertEquals(count(chart.svg, "title"), 2);
  ok(chart.svg.includes("<title>a\npro\nMRR $100 · 50.0 % gross margin, spec basis</title>"));
  ok(chart.svg.includes("<title>b\nteam\nMRR $10 · −900.0 % gross margin, spec basis</title>"));
  // (the caption wraps: its lines read as one)
  assertEquals(
    captionLines(chart.svg).join(" ").replaceAll("&#39;", "'"),
    "2 organizations with MRR &gt; 0 (3 without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row); 1 below −300 % drawn as ▼ at −300 %.",
  );
  ok(chart.svg.includes('stroke="#dc2626"'), "zero rule");
  ok(chart.svg.includes("MRR (USD per month, log scale)"), "x axis label with unit");
  ok(chart.svg.includes("Gross margin, spec basis: all LLM cost (%)"), "y axis: basis and unit");
  ok(chart.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
});

Deno.test("hover titles show an organization's name on one line, without an RTL override", () => {
  const named = frame.withColumns(
    pl.Series("org_name", ["Line one\nLine two", "RTL\u202Eevil", "c", "d", "e"]),
  );
  const margins = marginVsMrrChart(named).svg;
  ok(margins.includes("<title>Line one Line two\npro\nMRR $100"), "one line for the name");
  ok(margins.includes("<title>RTLevil\nteam\n"), "no override");
  ok(!requestsVsCostChart(named).svg.includes("\u202E"));
});

Deno.test("margin by tier: boxes for tiers that have a margin, legend inside the SVG", () => {
  const chart = marginByTierChart(frame);
  ok(
    chart.svg.includes(
      "2 organizations with MRR &gt; 0; 1 below −300 % drawn as one ▼ per tier at −300 %, n beside it: team 1",
    ),
    chart.svg,
  );
  ok(chart.svg.includes(">Gross margin (spec basis, all LLM cost) by tier</text>"));
  ok(chart.svg.includes("Gross margin, spec basis: all LLM cost (%)"), "y axis: basis and unit");
  // An outlier below the floor is a ▼ on it, one above a circle. pro: −900 % (drawn at −300),
  // −50, 50, 60, 70, 80, 90, 95, 100 %: quartiles by rank (n = 9) 50 and 90, lower fence
  // 2.5 × 50 − 1.5 × 90 = −10, so −300 and −50 are outliers.
  const outliers = marginByTierChart(pl.DataFrame({
    tier: Array(9).fill("pro"),
    gross_margin_pct: pl.Series(
      "gross_margin_pct",
      [-900, -50, 50, 60, 70, 80, 90, 95, 100],
      pl.Float64,
    ),
  })).svg;
  const dots = outliers.match(/<g [^>]*aria-label="dot"[^>]*>(.*?)<\/g>/s)![1];
  assertEquals(dots.split("rotate(180)").length - 1, 1);
  assertEquals(dots.split("rotate(0)").length - 1, 1);
  ok(outliers.includes("1 below −300 % drawn as one ▼ per tier at −300 %, n beside it: pro 1"));
  // Legend swatches for pro and team only (free and enterprise have no margin here).
  ok(chart.svg.includes(">pro</text>") && chart.svg.includes(">team</text>"));
  ok(!chart.svg.includes(">enterprise</text>"));
  ok(chart.svg.includes("No margin (no MRR): free, enterprise."));
});

/**
 * Two tiers: pro at 50, 60, 70 % and enterprise at +80 % and −1,100 % (below the −300 % floor).
 * Enterprise's quartiles of the real margins (type 7, n = 2): −1,100 + 1,180 × 0.25 = −805, the
 * median −510, the upper quartile −215. Its fences (−805 × 2.5 + 215 × 1.5 = −1,690 and
 * −215 × 2.5 + 805 × 1.5 = 670) hold both margins: −1,100 is no outlier, but below the floor.
 */
const proAndEnterprise = pl.DataFrame({
  tier: ["pro", "pro", "pro", "enterprise", "enterprise"],
  gross_margin_pct: pl.Series("gross_margin_pct", [50, 60, 70, 80, -1100], pl.Float64),
});

Deno.test("margin by tier: margins below the floor are one filled ▼ per tier, their n beside it and per tier in the caption", () => {
  // pro at 50, 60, 70, −500 and −900 % (two below the −300 % floor, drawn at one spot),
  // enterprise at 80, 90 and −1,100 % (one)
  const frame = pl.DataFrame({
    tier: ["pro", "pro", "pro", "pro", "pro", "enterprise", "enterprise", "enterprise"],
    gross_margin_pct: pl.Series(
      "gross_margin_pct",
      [50, 60, 70, -500, -900, 80, 90, -1100],
      pl.Float64,
    ),
  });
  // from every point and from aggregates alike
  for (const limit of [{}, { maxDrawnPoints: 1 }]) {
    const svg = marginByTierChart(frame, limit).svg;
    const caption = captionLines(svg).join(" ");
    ok(
      caption.includes(
        "3 below −300 % drawn as one ▼ per tier at −300 %, n beside it: pro 2, enterprise 1",
      ),
      caption,
    );
    assertEquals(labels(svg, "text").map((l) => l.text), ["n=2", "n=1"]);
    // each ▼ filled with its outline's colour, as the caption's ▼; circles stay hollow
    const dots = svg.match(/<g [^>]*aria-label="dot"[^>]*>(.*?)<\/g>/s)![1];
    const triangles = [...dots.matchAll(/<path fill="([^"]+)"[^>]*rotate\(180\)/g)];
    ok(triangles.length >= 2, dots);
    ok(triangles.every((m) => m[1] === "#333"), dots);
    ok([...dots.matchAll(/<path fill="([^"]+)"[^>]*rotate\(0\)/g)].every((m) => m[1] === "none"));
  }
});

Deno.test("margin by tier: the box of the real margins, cut at the floor and said so; every margin below it a ▼", () => {
  // drawn from every point and from aggregates: the same boxes
  for (const limit of [{}, { maxDrawnPoints: 1 }]) {
    const svg = marginByTierChart(proAndEnterprise, limit).svg;
    const near = (a: number, b: number) => Math.abs(a - b) < 0.5;
    const [pro, enterprise] = drawnBoxes(svg);
    // pro: 55 … 65, median 60
    ok(near(pro.low, 55) && near(pro.high, 65) && near(pro.median, 60), JSON.stringify(pro));
    // enterprise: −805 … −215 drawn from the floor to −215, the median −510 on the floor (they
    // were −205 … −15 and −110: quartiles of the margins clamped to −300 first)
    ok(
      near(enterprise.low, -300) && near(enterprise.high, -215) && near(enterprise.median, -300),
      JSON.stringify(enterprise),
    );
    // −1,100 %, inside the whiskers, is the ▼ the caption counts (it was drawn only as an outlier)
    const triangles = triangleValues(svg);
    assertEquals(triangles.length, 1);
    ok(near(triangles[0], -300), `${triangles}`);
    // (the caption wraps: its lines read as one)
    const caption = captionLines(svg).join(" ").replaceAll("&#39;", "'");
    ok(
      caption.endsWith(
        "5 organizations with MRR &gt; 0; 1 below −300 % drawn as one ▼ per tier at −300 %, n beside it: enterprise 1; cut at −300 %: enterprise's median (−510 %) and lower quartile (−805 %).",
      ),
      caption,
    );
  }
});

Deno.test("requests vs LLM cost: zeros left off the log scales and said so", () => {
  const chart = requestsVsCostChart(frame);
  assertEquals(count(chart.svg, "circle"), 3); // a, b, c; d has no requests, e zero cost
  ok(chart.svg.includes("2 with no requests or zero cost not shown"));
  // each dot names its organization on hover
  assertEquals(count(chart.svg, "title"), 3);
  ok(chart.svg.includes("<title>b\nteam\n50,000 requests · LLM cost $100</title>"));
});

Deno.test("usage by tier: orgs with no requests counted per tier in the caption", () => {
  const chart = usageByTierChart(frame);
  const caption = captionLines(chart.svg).join(" ");
  ok(
    caption.includes(
      "4 organizations with requests; whiskers reach up to 1.5 × the box's height (on the log scale), outliers beyond; with no requests, not shown (log scale): free 1.",
    ),
    caption,
  );
  ok(chart.svg.includes("Requests in 30 days (log scale)"));
});

Deno.test("cost and MRR by tier: two bars per tier; a tier with no MRR known has a – mark, not a $0 bar", () => {
  const chart = costAndMrrByTierChart(frame);
  // 4 tiers × (cost, MRR) bars but enterprise's MRR (e's, unknown) + 2 legend swatches
  assertEquals(count(chart.svg, "rect"), 4 * 2 - 1 + 2);
  // the bars' labels in tier order, cost then MRR (free $0.50 + $0); enterprise's MRR "–"
  const labels = [...chart.svg.matchAll(/>(\$[^<]*|– not known)<\/text>/g)].map((m) => m[1]);
  assertEquals(labels, ["$0.5", "$0", "$50", "$100", "$100", "$10", "$0", "– not known"]);
  ok(!chart.svg.includes("<title>enterprise: MRR"), "no MRR bar for enterprise");
  // too long for one line at 880 px: it wraps at a space onto a second line (it ran off the edge)
  const lines = captionLines(chart.svg);
  assertEquals(lines.length, 2);
  ok(
    lines.join(" ").includes(
      "Organizations: free 2, pro 1, team 1, enterprise 1. 1 with unknown MRR left out of their tier's MRR (– = no MRR known in the tier).",
    ),
    lines.join(" "),
  );
  // a tier with some MRR known keeps its bar, the known part: e joins pro ($100 known)
  const inPro = frame.withColumns(pl.Series("tier", ["pro", "team", "free", "free", "pro"]));
  const partly = costAndMrrByTierChart(inPro);
  assertEquals(count(partly.svg, "rect"), 3 * 2 + 2);
  ok(
    captionLines(partly.svg).join(" ").endsWith("1 with unknown MRR left out of their tier's MRR."),
  );
});

Deno.test("cost and MRR by tier: an unknown LLM cost is left out of its tier's sum and counted, and a tier with none known has a – mark, not a $0 bar", () => {
  // b's cost (team) NaN and d's (free) null: team has no cost known, free c's $0.50 alone
  const unknownCost = frame.withColumns(
    pl.Series("llm_cost_30d", [50, Number.NaN, 0.5, null, 0], pl.Float64),
  );
  const chart = costAndMrrByTierChart(unknownCost);
  // 4 tiers × 2 bars but team's cost and enterprise's MRR + 2 legend swatches
  assertEquals(count(chart.svg, "rect"), 4 * 2 - 2 + 2);
  const labels = [...chart.svg.matchAll(/>(\$[^<]*|– not known)<\/text>/g)].map((m) => m[1]);
  assertEquals(labels, ["$0.5", "$0", "$50", "$100", "– not known", "$10", "$0", "– not known"]);
  ok(!chart.svg.includes("<title>team: LLM cost"), "no cost bar for team");
  const caption = captionLines(chart.svg).join(" ");
  ok(
    caption.includes(
      "2 with unknown LLM cost left out of their tier's LLM cost (– = no LLM cost known in the tier). 1 with unknown MRR left out of their tier's MRR (– = no MRR known in the tier).",
    ),
    caption,
  );
});

Deno.test("cost and MRR by tier: an organization whose MRR is on a sibling's row (shared_customer) is not unknown MRR", () => {
  // f shares a Stripe customer whose revenue is on another row: its mrr is empty, not unknown;
  // e's is unknown (revenue not read), so 1 unknown, as the brief counts
  const shared = frame.vstack(pl.DataFrame({
    org_name: ["f"],
    tier: ["pro"],
    mrr: pl.Series("mrr", [null], pl.Float64),
    gross_margin_pct: pl.Series("gross_margin_pct", [null], pl.Float64),
    requests_30d: [20],
    llm_cost_30d: [1],
  })).withColumns(
    pl.Series("revenue_source", [
      "stripe",
      "stripe",
      "no_customer",
      "no_customer",
      "none",
      "shared_customer",
    ]),
  );
  const caption = captionLines(costAndMrrByTierChart(shared).svg).join(" ");
  ok(
    caption.includes(
      "Organizations: free 2, pro 2, team 1, enterprise 1. 1 with unknown MRR left out of their tier's MRR",
    ),
    caption,
  );
});

Deno.test("every chart is a standalone SVG that rasterizes to a PNG of the asked width", () => {
  const charts = pricingCharts(frame);
  assertEquals(charts.map((c) => c.name), [
    "margin_vs_mrr",
    "margin_by_tier",
    "requests_vs_llm_cost",
    "usage_by_tier",
    "cost_and_mrr_by_tier",
  ]);
  for (const chart of charts) {
    // 880 × 480 SVG at 1000 px wide: 1000 × 480 / 880 ≈ 545 px high
    assertEquals(pngSize(svgToPng(chart.svg, 1000)), [1000, Math.round(1000 * 480 / 880)]);
  }
  assertEquals(pngSize(svgToPng(charts[0].svg)), [1760, 960]); // default: twice the SVG size
});

Deno.test("text renders: the PNG of a chart with a title differs from the same chart untitled", () => {
  // Without a usable font resvg drops <text> silently; a title must change the pixels.
  const chart = marginVsMrrChart(frame);
  const untitled = chart.svg.replace(
    />Gross margin \(spec basis, all LLM cost\) vs MRR per organization</,
    "><",
  );
  const a = svgToPng(chart.svg, 600);
  const b = svgToPng(untitled, 600);
  ok(a.length !== b.length || a.some((byte, i) => byte !== b[i]));
});

Deno.test("writeCharts writes dated SVG and PNG files", async () => {
  const dir = await Deno.makeTempDir();
  const paths = await writeCharts(frame, {
    outDir: dir,
    stamp: "2026-11-01",
    chosenBy: { named: "outDir", otherwise: "" },
  });
  assertEquals(paths.length, 10); // 5 charts × (SVG, PNG)
  ok(paths.every((p) => /helicone_pricing_[a-z_]+_2026-11-01\.(svg|png)$/.test(p)));
  assertEquals(
    [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
    paths.map((p) => p.slice(dir.length + 1)).sort(),
  ); // no temp files left
  await Deno.remove(dir, { recursive: true });
});

Deno.test("charts drawn from columns: the same SVG as from row objects (demo, and ×40 for hexbins)", async () => {
  const data = await goldenDemoData();
  const prefixes = (frame: pl.DataFrame) =>
    Object.fromEntries(
      pricingCharts(frame).filter((c) => c.name in golden.chartSvgSha256Prefix).map((c) => [
        c.name,
        createHash("sha256").update(c.svg).digest("hex").slice(0, 12),
      ]),
    );
  assertEquals(prefixes(data.frame), golden.chartSvgSha256Prefix);
  const times40 = pl.concat(Array.from({ length: 40 }, () => data.frame));
  assertEquals(prefixes(times40), golden.chartSvgSha256PrefixTimes40);
});

readOnlyFolderTest(
  "writeCharts into a read-only folder: one line naming the chart file, the folder and the fix for how it was chosen",
  async (folder) => {
    await folder.readOnly();
    const first = writeCharts(frame, {
      outDir: folder.dir,
      stamp: "2026-11-01",
      chosenBy: { named: "outDir", otherwise: "set outDir" },
    });
    await rejects(first, (error: Error) => {
      assertEquals(error.name, "UserError");
      const [name] = error.message.split(" ");
      ok(/^helicone_pricing_[a-z_]+_2026-11-01\.svg$/.test(name), name);
      assertEquals(
        error.message,
        `${name} could not be written in ${folder.dir} (${folder.reason}): ${folder.fix} or set outDir to another folder`,
      );
      return true;
    });
    assertEquals([...Deno.readDirSync(folder.dir)], []);
  },
);
