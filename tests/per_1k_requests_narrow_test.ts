/**
 * lib/economics/per_1k_requests_narrow.ts, the admin page's MRR and LLM cost per 1,000 requests by
 * plan on a phone: each plan's name above its three bars, each bar's amount beside it (inside a
 * bar too long for it to fit after), every text inside its 340 px as resvg draws it, the title in
 * lines, the wide chart's "–" marks and caption. The page's use of it in Chromium:
 * server_page_phone_chart_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { mrrPer1kRequestsNarrowSvg } from "../lib/economics/per_1k_requests_narrow.ts";
import { NARROW_WIDTH } from "../lib/economics/plan_chart_narrow.ts";
import { mrrPer1kRequestsByPlanChart } from "../lib/economics/plan_charts.ts";
import type { PerPlanRow } from "../lib/economics/per_plan.ts";
import { drawnWidth, type Label, labels } from "./chart_svg.ts";
import { caption } from "./economics_chart_readers.ts";

/** A plan of the per-plan table with these amounts per 1,000 requests (the rest unused). */
function planRow(
  plan: string,
  mrr: number | null,
  [mrrPer1k, llmPer1k, companyPer1k]: (number | null)[],
): PerPlanRow {
  return {
    plan,
    mrr,
    mrr_per_1k_requests: mrrPer1k,
    llm_cost_per_1k_requests: llmPer1k,
    company_llm_cost_per_1k_requests: companyPer1k,
  } as unknown as PerPlanRow;
}

// by MRR: pro, team, then basic and free at no MRR known / $0, by name. team's $9.85 MRR per
// 1,000 requests is the longest bar: the axis runs $0–$10 (niced for 4 ticks), so its end is at
// 14 + 0.985 × 304 = 313.4 px of 340, and "$9.85" (~32 px at 11 px) does not fit after it before
// 336: inside its end. Company cost not known for team: no bar, no label.
const PLANS = [
  planRow("team", 300, [9.85, 4, null]),
  planRow("pro", 900, [2.5, 1.2, 0.3]),
  planRow("free", 0, [0, 1.5, 0.75]),
  planRow("basic", null, [null, 2, 0.25]),
];

const svg = mrrPer1kRequestsNarrowSvg(pl.DataFrame({ plan: [] }), { plans: PLANS });

/** The title's lines (17 px bold, outside the plot). */
const titleLines = (svg: string) =>
  [...svg.matchAll(/font-size="17" font-weight="bold"[^>]*>([^<]*)</g)].map((m) => m[1]);

/** The plan names (the plot's bold texts) and the bars' labels and "–" marks (the others). */
function texts(svg: string): { names: Label[]; marks: Label[] } {
  const all = labels(svg, "text");
  const bold = new Set(
    [...svg.matchAll(/font-weight="bold"[^>]*><text[^>]*>([^<]*)</g)].map((m) => m[1]),
  );
  return {
    names: all.filter((l) => bold.has(l.text)),
    marks: all.filter((l) => !bold.has(l.text)),
  };
}

Deno.test("narrow MRR and LLM cost per 1,000 requests: names above their bars, each amount beside its bar", () => {
  ok(svg.includes(`width="${NARROW_WIDTH}"`));
  const { names, marks } = texts(svg);
  assertEquals(names.map((n) => n.text), ["pro", "team", "basic", "free"]);
  for (const name of names) assertEquals(name.x, 12);
  // each plan's bars' labels (or "– not known") below its name and above the next plan's
  const own = names.map((name, i) =>
    marks.filter((m) => m.y > name.y && m.y < (names[i + 1]?.y ?? Infinity))
      .map((m) => m.text).sort()
  );
  assertEquals(own, [
    ["$2.5", "$1.2", "$0.3"].sort(),
    ["$9.85", "$4"].sort(),
    ["– not known", "$2", "$0.25"].sort(),
    ["$0", "$1.5", "$0.75"].sort(),
  ]);
  // only team's MRR is inside its bar (white, from its end); the rest right of their bars
  assertEquals(marks.filter((m) => m.anchor === "end").map((m) => m.text), ["$9.85"]);
  ok(/fill="white"[^>]*>(<[^>]*>)*<text[^>]*>\$9\.85</.test(svg), "team's MRR label in white");
  const wide = mrrPer1kRequestsByPlanChart(pl.DataFrame({ plan: [] }), { plans: PLANS });
  assertEquals(caption(svg), caption(wide.svg));
  ok(caption(svg).includes("– = MRR not known (revenue not read)."), caption(svg));
});

Deno.test("narrow MRR and LLM cost per 1,000 requests: every text inside 340 px as drawn, the title in lines", () => {
  const title = titleLines(svg);
  assertEquals(title.join(" "), "MRR and LLM cost per 1,000 requests by plan");
  assertEquals(title.length, 2);
  for (const line of title) {
    ok(12 + drawnWidth(line, 17, { bold: true }) <= NARROW_WIDTH, line);
  }
  const { names, marks } = texts(svg);
  const sized = [
    ...names.map((label) => ({ label, size: 12, bold: true })),
    ...marks.map((label) => ({ label, size: 11, bold: false })),
  ];
  for (const { label, size, bold } of sized) {
    const w = drawnWidth(label.text, size, { bold });
    const left = label.anchor === "end" ? label.x - w : label.x;
    ok(
      left >= 0 && left + w <= NARROW_WIDTH,
      `"${label.text}" spans ${left.toFixed(0)}–${(left + w).toFixed(0)}`,
    );
  }
  // the legend under the title's two lines, not over them
  const legendTop = Math.min(
    ...[...svg.matchAll(/<rect x="\d+" y="(\d+)" width="12" height="12"/g)].map((m) => +m[1]),
  );
  ok(legendTop > 22 + 21, `legend at ${legendTop}`);
});
