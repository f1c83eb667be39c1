/**
 * Text in the charts: captions wrapped inside the width (the demo note first, the plot moved below
 * long ones), `$` patterns kept as text, window days named, text measured as resvg draws it, and
 * Chinese and Japanese names drawn.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import {
  costAndMrrByTierChart,
  DEMO_NOTE,
  framed,
  legend,
  requestsVsCostChart,
  svgToPng,
  textWidth,
  usageByTierChart,
} from "../lib/report/charts.ts";
import { drawnWidth } from "./chart_svg.ts";
import { economicsFixturePtbNotRead } from "./economics_fixture.ts";
import { reportCharts } from "../lib/economics/charts.ts";
import { captionLines, pngSize } from "./chart_readers.ts";

Deno.test("a caption longer than the chart wraps: each line inside the width, later ones left of the legend", () => {
  const caption = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
  const legendSvg = legend([{ label: "a long legend entry", color: "#000" }]);
  const svg = framed({ title: "t", caption, legendSvg, plot: { marks: [] } });
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
  const svg = framed({ title: "t", caption, legendSvg, demo: true, plot: { marks: [] } });
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
  ok(!framed({ title: "t", caption, legendSvg, plot: { marks: [] } }).includes("Demo data"));
});

Deno.test("a caption of more than three lines moves the plot below its last line; the chart grows by as much", () => {
  const caption = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ");
  const legendSvg = legend([{ label: "a long legend entry", color: "#000" }]);
  const svg = framed({ title: "t", caption, legendSvg, plot: { marks: [Plot.frame()] } });
  const lines = captionLines(svg);
  ok(lines.length > 3, `${lines.length} lines`);
  const lastLine = 42 + 14 * (lines.length - 1);
  // the plot's frame starts a line below the last line, as it does below a third line (y 70, 84)
  const frameTop = Number(/<rect[^>]*\by="([\d.]+)"[^>]*aria-label="frame"/.exec(svg)![1]);
  assertEquals(frameTop, lastLine + 14);
  assertEquals(svg.match(/<svg[^>]*height="(\d+)"/)![1], String(480 + 14 * (lines.length - 3)));
  // three lines or fewer: the frame as it was
  const short = framed({
    title: "t",
    caption: "a short caption",
    legendSvg,
    plot: { marks: [Plot.frame()] },
  });
  assertEquals(short.match(/<svg[^>]*height="(\d+)"/)![1], "480");
});

Deno.test("a `$1` or `$&` in a title, legend or caption is text, not a replacement pattern", () => {
  // a price-book plan "pro $19/seat" in a legend, a model price "$1.00 per 1,000 requests" in a
  // caption: the SVG stayed whole only while no label held a `$` pattern
  const svg = framed({
    title: "t $& $1",
    caption: "usage: $1.00 per 1,000 requests $'",
    legendSvg: legend([
      { label: "pro legacy $19/seat", color: "#000" },
    ]),
    plot: { marks: [] },
  });
  ok(svg.startsWith("<svg"), svg.slice(0, 80));
  assertEquals(svg.match(/<svg/g)?.length, 1);
  ok(svg.includes(">t $&amp; $1<"), "title as written");
  ok(svg.includes("pro legacy $19/seat"), "legend as written");
  assertEquals(captionLines(svg), ["usage: $1.00 per 1,000 requests $'"]);
  assertEquals(pngSize(svgToPng(svg, 880)), [880, 480]);
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
