import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { createHash } from "node:crypto";
import { golden, goldenDemoData } from "./fixtures/golden_demo.ts";
import {
  costAndMrrByTierChart,
  countTick,
  DEMO_NOTE,
  framed,
  legend,
  marginByTierChart,
  marginVsMrrChart,
  pricingCharts,
  requestsVsCostChart,
  svgToPng,
  textWidth,
  usageByTierChart,
  usdTick,
  writeCharts,
} from "../lib/report/charts.ts";
import {
  assertMarksInside,
  assertTextInside,
  drawnBoxes,
  drawnWidth,
  hexagonValues,
  labels,
  ticks,
  triangleValues,
} from "./chart_svg.ts";
import { economicsFixturePtbNotRead, economicsFrameWithF } from "./economics_fixture.ts";
import { reportCharts } from "../lib/economics/charts.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";

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

/** The PNG header's width and height (IHDR is the first chunk: bytes 16–23, big-endian). */
function pngSize(png: Uint8Array): [number, number] {
  assertEquals([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assertEquals(new TextDecoder().decode(png.slice(12, 16)), "IHDR");
  const view = new DataView(png.buffer, png.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
}

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
  ok(chart.svg.includes("<title>b\nteam\nMRR $10 · -900.0 % gross margin, spec basis</title>"));
  // (the caption wraps: its lines read as one)
  assertEquals(
    captionLines(chart.svg).join(" ").replaceAll("&#39;", "'"),
    "2 organizations with MRR &gt; 0 (3 without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row); 1 below -300 % drawn as ▼ at -300 %.",
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
      "2 organizations with MRR &gt; 0; 1 below -300 % drawn as one ▼ per tier at -300 %, n beside it: team 1",
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
  ok(outliers.includes("1 below -300 % drawn as one ▼ per tier at -300 %, n beside it: pro 1"));
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
        "3 below -300 % drawn as one ▼ per tier at -300 %, n beside it: pro 2, enterprise 1",
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
        "5 organizations with MRR &gt; 0; 1 below -300 % drawn as one ▼ per tier at -300 %, n beside it: enterprise 1; cut at -300 %: enterprise's median (-510 %) and lower quartile (-805 %).",
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
  ok(
    chart.svg.includes(
      "4 organizations with requests; with no requests, not shown (log scale): free 1.",
    ),
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

/** The caption's lines: the grey 11 px texts under the title. */
function captionLines(svg: string): string[] {
  return [...svg.matchAll(/font-size="11" fill="#555"[^>]*>([^<]*)</g)].map((m) => m[1]);
}

Deno.test("a caption longer than the chart wraps: each line inside the width, later ones left of the legend", () => {
  const caption = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
  const legendSvg = legend([{ label: "a long legend entry", color: "#000" }]);
  const svg = framed("t", caption, legendSvg, { marks: [] });
  const lines = captionLines(svg);
  ok(lines.length >= 2, `${lines.length} lines`);
  assertEquals(lines.join(" "), caption);
  const legendLeft = Number(/<rect x="([\d.]+)"/.exec(legendSvg)![1]);
  // the frame's own estimate (12 px text, scaled to 11 px)
  const width = (line: string) => textWidth(line) * (11 / 12);
  ok(12 + width(lines[0]) <= 880 - 4, lines[0]);
  for (const line of lines.slice(1)) ok(12 + width(line) <= legendLeft - 24, line);
  // y steps down a line at a time, above the plot (its top margin is 84 px)
  const ys = [...svg.matchAll(/<text x="12" y="(\d+)"[^>]*font-size="11"/g)].map((m) =>
    Number(m[1])
  );
  assertEquals(ys, lines.map((_, i) => 42 + 14 * i));
});

Deno.test("a demo chart's caption opens with DEMO_NOTE in bold on its first line; the rest wraps as before", () => {
  const caption = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
  const legendSvg = legend([{ label: "a long legend entry", color: "#000" }]);
  const svg = framed("t", caption, legendSvg, { marks: [] }, { demo: true });
  const lines = [...svg.matchAll(/font-size="11" fill="#555"[^>]*>(.*?)<\/text>/g)].map((m) =>
    m[1]
  );
  ok(
    lines[0].startsWith(`<tspan font-weight="bold" fill="#92400e">${DEMO_NOTE}</tspan> word0`),
    lines[0],
  );
  const words = lines.map((line) => line.replace(/<[^>]+>/g, ""));
  assertEquals(words.join(" "), `${DEMO_NOTE} ${caption}`);
  ok(lines.slice(1).every((line) => !line.includes("<tspan")), "bold only in the first line");
  // the lines after it stop short of the legend, as without the note
  const legendLeft = Number(/<rect x="([\d.]+)"/.exec(legendSvg)![1]);
  for (const line of words.slice(1)) ok(12 + textWidth(line) * (11 / 12) <= legendLeft - 24, line);
  // not demo: no note
  ok(!framed("t", caption, legendSvg, { marks: [] }).includes("Demo data"));
});

Deno.test("a caption of more than three lines moves the plot below its last line; the chart grows by as much", () => {
  const caption = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ");
  const legendSvg = legend([{ label: "a long legend entry", color: "#000" }]);
  const svg = framed("t", caption, legendSvg, { marks: [Plot.frame()] });
  const lines = captionLines(svg);
  ok(lines.length > 3, `${lines.length} lines`);
  const lastLine = 42 + 14 * (lines.length - 1);
  // the plot's frame starts a line below the last line, as it does below a third line (y 70, 84)
  const frameTop = Number(/<rect[^>]*\by="([\d.]+)"[^>]*aria-label="frame"/.exec(svg)![1]);
  assertEquals(frameTop, lastLine + 14);
  assertEquals(svg.match(/<svg[^>]*height="(\d+)"/)![1], String(480 + 14 * (lines.length - 3)));
  // three lines or fewer: the frame as it was
  const short = framed("t", "a short caption", legendSvg, { marks: [Plot.frame()] });
  assertEquals(short.match(/<svg[^>]*height="(\d+)"/)![1], "480");
});

Deno.test("a `$1` or `$&` in a title, legend or caption is text, not a replacement pattern", () => {
  // a price-book plan "pro $19/seat" in a legend, a model price "$1.00 per 1,000 requests" in a
  // caption: the SVG stayed whole only while no label held a `$` pattern
  const svg = framed(
    "t $& $1",
    "usage: $1.00 per 1,000 requests $'",
    legend([
      { label: "pro legacy $19/seat", color: "#000" },
    ]),
    { marks: [] },
  );
  ok(svg.startsWith("<svg"), svg.slice(0, 80));
  assertEquals(svg.match(/<svg/g)?.length, 1);
  ok(svg.includes(">t $&amp; $1<"), "title as written");
  ok(svg.includes("pro legacy $19/seat"), "legend as written");
  assertEquals(captionLines(svg), ["usage: $1.00 per 1,000 requests $'"]);
  assertEquals(pngSize(svgToPng(svg, 880)), [880, 480]);
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

Deno.test("money ticks read as dollars on a log axis", () => {
  assertEquals([usdTick(0.1), usdTick(20), usdTick(1000), usdTick(2_500_000)], [
    "$0.1",
    "$20",
    "$1k",
    "$2.5M",
  ]);
});

Deno.test("ticks past a million read B and T, rounded before the suffix is chosen (not 1000M, 1000k)", () => {
  assertEquals(
    [usdTick(1e9), usdTick(2.5e9), usdTick(1e12), usdTick(999_999), usdTick(999.9)],
    ["$1B", "$2.5B", "$1T", "$1M", "$1k"],
  );
  assertEquals(
    [countTick(1e8), countTick(1e9), countTick(3e10), countTick(1e12), countTick(999_500_000)],
    ["100M", "1B", "30B", "1T", "1B"],
  );
  assertEquals([countTick(0), countTick(12_345), usdTick(-2_000_000)], ["0", "12.3k", "$-2M"]);
});

Deno.test("a chart of billions of requests labels its axis 1B, 10B, … (was 1000M, 10000M)", () => {
  // three organizations from 1M to 300B requests: the x axis spans decades past a billion
  const frame = pl.DataFrame({
    requests_30d: [1e6, 2e9, 3e11],
    llm_cost_30d: [10, 20_000, 3e6],
    tier: ["pro", "team", "enterprise"],
  });
  const svg = requestsVsCostChart(frame).svg;
  const xLabels = labels(svg, "x-axis tick label").map((l) => l.text);
  ok(xLabels.includes("1B") && xLabels.includes("100B"), xLabels.join(" "));
  ok(xLabels.every((t) => !/\d{4}M/.test(t)), xLabels.join(" "));
  assertEquals(ticks(svg, "x").at(-1), 3e11); // "300B"
  assertTextInside(svg, "x-axis tick label");
  // money: $3M of cost on the y axis
  ok(labels(svg, "y-axis tick label").some((l) => l.text === "$1M"));
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

/** The y axis' tick labels of a chart (Plot writes a minus sign as U+2212). */
function yTicks(svg: string): string[] {
  const axis = svg.match(/<g [^>]*aria-label="y-axis tick label"[^>]*>(.*?)<\/g>/s)![1];
  return [...axis.matchAll(/>([^<]+)<\/text>/g)].map((m) => m[1].replace("−", "-"));
}

Deno.test("margin axes fit the margins: from 0 when none is negative, to the lowest one above the floor", () => {
  const paying = (margins: number[]) =>
    pl.DataFrame({
      org_name: margins.map((_, i) => `o${i}`),
      tier: margins.map(() => "pro"),
      mrr: pl.Series("mrr", margins.map(() => 100), pl.Float64),
      gross_margin_pct: pl.Series("gross_margin_pct", margins, pl.Float64),
    });
  for (const chart of [marginVsMrrChart, marginByTierChart]) {
    const positive = chart(paying([40, 60, 95])).svg;
    assertEquals(yTicks(positive).map(Number).sort((a, b) => a - b)[0], 0);
    ok(!positive.includes("below -300"), "no clipped note when nothing is clipped");
    const negative = yTicks(chart(paying([-120, 60])).svg).map(Number);
    const lowest = Math.min(...negative);
    ok(lowest <= -120 && lowest > -300, `lowest tick ${lowest}`);
  }
});

Deno.test("captions count with thousands separators; every hexagon of a dense chart is visibly blue", () => {
  const n = 6000; // above MAX_DOTS: hexagons
  const dense = pl.DataFrame({
    org_name: Array.from({ length: n }, (_, i) => `o${i}`),
    tier: Array.from({ length: n }, () => "pro"),
    // one organization far from the rest: a hexagon of one next to hexagons of thousands
    mrr: pl.Series("mrr", Array.from({ length: n }, (_, i) => i === 0 ? 5000 : 100), pl.Float64),
    gross_margin_pct: pl.Series(
      "gross_margin_pct",
      Array.from({ length: n }, (_, i) => i === 0 ? -50 : 50 + (i % 40)),
      pl.Float64,
    ),
    requests_30d: Array.from({ length: n }, (_, i) => i === 0 ? 1_000_000 : 100 + i),
    llm_cost_30d: Array.from({ length: n }, (_, i) => i === 0 ? 900 : 1 + i / 1000),
  });
  const margin = marginVsMrrChart(dense).svg;
  ok(
    margin.includes(
      "6,000 organizations with MRR &gt; 0 (0 without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row).",
    ),
  );
  ok(requestsVsCostChart(dense).svg.includes("6,000 organizations with requests and cost; 0 "));
  for (const svg of [margin, requestsVsCostChart(dense).svg]) {
    const fills = [...svg.matchAll(/<path fill="rgb\((\d+), (\d+), (\d+)\)" d="M/g)]
      .map((m) => (Number(m[1]) + Number(m[2]) + Number(m[3])) / 3);
    ok(fills.length > 2, `${fills.length} hexagons`);
    // Blues from 0.3 up: the palest hexagon (one organization) is rgb(181, 212, 233)-ish, not white
    ok(Math.max(...fills) < 215, `palest hexagon's mean channel ${Math.max(...fills)}`);
  }
  ok(margin.includes("darker = more organizations (log scale)"));
});

Deno.test("a dense margin vs MRR: margins below the floor are ▼ on it, no hexagon centred above 100 % or holding them", () => {
  // 6,000 paying organizations (above MAX_DOTS: hexagons): every third at 100 %, the others
  // 60–99 %; and 10 more at −1,000 %, below the −300 % floor
  const n = 6000;
  const margins = Array.from({ length: n }, (_, i) => i % 3 === 0 ? 100 : 60 + (i % 40));
  const dense = pl.DataFrame({
    org_name: Array.from({ length: n + 10 }, (_, i) => `o${i}`),
    tier: Array.from({ length: n + 10 }, () => "pro"),
    mrr: pl.Series(
      "mrr",
      Array.from({ length: n + 10 }, (_, i) => i < n ? 100 + (i % 50) * 10 : 2000 + 300 * (i - n)),
      pl.Float64,
    ),
    gross_margin_pct: pl.Series(
      "gross_margin_pct",
      [...margins, ...Array(10).fill(-1000)],
      pl.Float64,
    ),
  });
  // drawn from every point and from grid counts
  for (const limit of [{}, { maxDrawnPoints: 1000 }]) {
    const svg = marginVsMrrChart(dense, limit).svg;
    const hexagons = hexagonValues(svg);
    ok(hexagons.length > 10, `${hexagons.length} hexagons`);
    // the top row was centred at ~+108 %, and the −1,000 % ones were hexagons near −290 %
    const [lowest, highest] = [Math.min(...hexagons), Math.max(...hexagons)];
    ok(highest <= 100 + 1e-6, `a hexagon centred at ${highest} %`);
    ok(lowest >= 60 - 22, `a hexagon centred at ${lowest} %`); // (a row is 22 % apart here)
    const triangles = triangleValues(svg);
    ok(triangles.length > 0, "no ▼");
    ok(triangles.every((v) => Math.abs(v - -300) < 1e-6), `${triangles}`);
    const caption = captionLines(svg).join(" ").replaceAll("&#39;", "'");
    ok(
      caption.endsWith(
        "; 10 below -300 % drawn as ▼ at -300 % (binned and shaded as the hexagons).",
      ),
      caption,
    );
  }
});

Deno.test("charts of window usage name the window's days, 30 as well as 7 (not '(window)')", async () => {
  const { frame } = await goldenDemoData();
  const titles = (windowDays?: number) =>
    [requestsVsCostChart, usageByTierChart, costAndMrrByTierChart].map((draw) =>
      draw(frame, { windowDays }).svg
    ).join("\n");
  const standard = titles();
  ok(standard.includes("LLM cost, all (30 days)"), "cost_and_mrr_by_tier's legend");
  ok(standard.includes("Requests vs LLM cost per organization (30 days)"));
  ok(standard.includes("Requests per organization by tier (30 days)"));
  ok(standard.includes("Requests in 30 days (log scale)"), "the request axes");
  ok(!standard.includes("window)") && !standard.includes("in window"), "no unnamed window");
  assertEquals(titles(30), standard);
  const week = titles(7);
  // the 7-day cost beside monthly MRR is put on a 30-day basis (× 30/7), as the margins are
  ok(week.includes("LLM cost, all (30-day basis)"), "cost_and_mrr_by_tier's legend");
  ok(week.includes("7-day costs × 30/7, beside monthly MRR."));
  ok(week.includes("Requests vs LLM cost per organization (7 days)"));
  ok(week.includes("Requests per organization by tier (7 days)"));
  ok(week.includes("Requests in 7 days (log scale)"), "the request axes");
  ok(!week.includes("window)") && !week.includes("in window"));
});

/**
 * The scatter and box charts of 1, 3 and 5 organizations of the economics fixture (a: 20,000
 * requests, $30 LLM cost, $79; b: 2,000, $12, $200; c: 100,000, $300, $200; d: 1,000,000,
 * $2,000, $3,000; e: 500, $1, $0) and of the demo: every mark inside the frame, labelled ticks
 * at or beyond the lowest and highest values, request counts in whole numbers, no tick label
 * past the edge. They sat on the frame's corners and edges, half over the axes, a $79 dot below
 * the lowest labelled tick ($100), and 1, 1.2, 1.4 … requests.
 */
Deno.test("scatter and box charts on tiny data and the demo: marks inside the frame, ticks around them, whole requests", async () => {
  const fixture = await economicsFrameWithF();
  const demo = (await goldenDemoData()).frame;
  const charts = {
    margin_vs_mrr: marginVsMrrChart,
    margin_by_tier: marginByTierChart,
    requests_vs_llm_cost: requestsVsCostChart,
    usage_by_tier: usageByTierChart,
  };
  const requestsAxis = { requests_vs_llm_cost: "x", usage_by_tier: "y" } as const;
  const frames: [number | string, pl.DataFrame][] = [
    [1, fixture.head(1)],
    [3, fixture.head(3)],
    [5, fixture.head(5)],
    ["demo", demo],
  ];
  for (const [name, frame] of frames) {
    for (const [chart, draw] of Object.entries(charts)) {
      const svg = draw(frame).svg;
      const what = `${chart} of ${name}`;
      assertMarksInside(svg, 6, what);
      for (const axis of ["x", "y"] as const) assertTextInside(svg, `${axis}-axis tick label`);
      const axis = requestsAxis[chart as keyof typeof requestsAxis];
      if (axis) {
        const counts = ticks(svg, axis);
        ok(counts.length >= 2 && counts.every(Number.isInteger), `${what}: ${counts}`);
      }
    }
  }
  // the ticks, worked out by hand: 1-2-5 values (1…9 within a decade, 1 and 3 over more than
  // three decades) from one at or below the lowest value to one at or above the highest
  const requestsVsCost = (n: number) => requestsVsCostChart(fixture.head(n)).svg;
  // a alone: 20,000 requests between 10k and 30k, $30 between $20 and $40
  assertEquals(ticks(requestsVsCost(1), "x"), [10_000, 20_000, 30_000]);
  assertEquals(ticks(requestsVsCost(1), "y"), [20, 30, 40]);
  // a, b, c: 2,000 to 100,000 requests; $12 to $300
  assertEquals(ticks(requestsVsCost(3), "x"), [2e3, 5e3, 1e4, 2e4, 5e4, 1e5]);
  assertEquals(ticks(requestsVsCost(3), "y"), [10, 20, 50, 100, 200, 500]);
  // a–e: 500 to 1,000,000 requests (3.3 decades); $1 to $2,000
  assertEquals(ticks(requestsVsCost(5), "x"), [300, 1e3, 3e3, 1e4, 3e4, 1e5, 3e5, 1e6]);
  assertEquals(ticks(requestsVsCost(5), "y"), [1, 3, 10, 30, 100, 300, 1e3, 3e3]);
  // margin vs MRR of a–d (e pays $0): $79 to $3,000 → $50 to $5k; margins −50 % (c) to 94 %
  // (b) on a niced −60 … 100
  const marginVsMrr = marginVsMrrChart(fixture.head(5)).svg;
  assertEquals(ticks(marginVsMrr, "x"), [50, 100, 200, 500, 1e3, 2e3, 5e3]);
  assertEquals(Math.min(...ticks(marginVsMrr, "y")), -60);
});

Deno.test("caption lines and legends fit as resvg draws them (DejaVu Sans), textWidth at or above the drawn width", async () => {
  // textWidth counted 7 px for a lowercase letter (7.6 drawn) and for + − = (10.1): the margin by
  // plan caption it put on one line ran ~30 px past the edge
  for (const text of ["(MRR + PTB revenue − company cost) / MRR", "mmmwww MW %", "abc 123 $4.5k"]) {
    ok(textWidth(text) >= drawnWidth(text, 12), text);
  }
  // Chinese and Japanese plan or organization names (7.6 px a character counted, 11.9 drawn: a
  // legend's "growth 成長プラン" ran over the next swatch), full-width forms too
  for (
    const text of [
      "growth 成長プラン",
      "株式会社サンプル",
      "北京人工智能科技有限公司",
      "ＡＢＣ（株）",
    ]
  ) {
    ok(textWidth(text) >= drawnWidth(text, 12), `${text}: ${drawnWidth(text, 12).toFixed(1)} px`);
    ok(textWidth(text) <= drawnWidth(text, 12) * 1.2, `${text}: counted far wider than drawn`);
  }
  const { frame } = await goldenDemoData();
  const svgs = [
    ...reportCharts(frame).map((c) => c.svg),
    ...reportCharts(await economicsFixturePtbNotRead()).map((c) => c.svg),
  ];
  for (const svg of svgs) {
    for (const line of captionLines(svg)) {
      ok(12 + drawnWidth(line, 11) <= 880 - 4, `${drawnWidth(line, 11).toFixed(0)} px: ${line}`);
    }
  }
});

Deno.test("svgToPng draws Chinese and Japanese names, not empty boxes", () => {
  const label = (text: string) =>
    svgToPng(
      `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text x="10" y="28" font-family="DejaVu Sans" font-size="20">${text}</text></svg>`,
      300,
    );
  // private-use characters no font draws: the missing-glyph box each; the CJK names must differ
  const boxes = label("\uE000\uE001\uE002");
  for (const name of ["日本語", "ひらがな", "中文名"]) {
    ok(!equalBytes(label(name), boxes), `${name} drawn as boxes`);
  }
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

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
