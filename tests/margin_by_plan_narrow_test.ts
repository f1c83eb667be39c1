/**
 * lib/economics/margin_by_plan_narrow.ts, the admin page's margin by plan on a phone: each plan's
 * name above its two bars, every text inside its 340 px (a label that fits right of its bar there,
 * else left of it), the wide chart's "–" reasons and caption. The page's use of it in Chromium:
 * server_page_phone_chart_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { marginByPlanNarrowSvg } from "../lib/economics/margin_by_plan_narrow.ts";
import { NARROW_WIDTH } from "../lib/economics/plan_chart_narrow.ts";
import { marginByPlanChart } from "../lib/economics/plan_charts.ts";
import type { PerPlanRow } from "../lib/economics/per_plan.ts";
import type { PtbTimingPlan } from "../lib/economics/ptb_timing.ts";
import { economicsFixturePtbNotRead } from "./economics_fixture.ts";
import { type Label, labels } from "./chart_svg.ts";
import { caption } from "./economics_chart_readers.ts";
import { textWidth } from "../lib/report/chart_frame.ts";

/** The plan names (bold texts) and the bars' labels and "–" marks (the other texts). */
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

/**
 * Every line of the names (12 px) and the labels (11 px) inside the chart's width, by the frame's
 * width estimate (textWidth's 12 px, scaled).
 */
function assertInside(svg: string): void {
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  const { names, marks } = texts(svg);
  const sized = [
    ...names.map((label) => ({ label, size: 12 })),
    ...marks.map((label) => ({ label, size: 11 })),
  ];
  for (const { label, size } of sized) {
    for (const line of label.text.split("\n")) {
      const w = textWidth(line) * size / 12;
      const left = label.anchor === "end" ? label.x - w : label.x;
      ok(
        left >= 0 && left + w <= width,
        `"${line}" spans ${left.toFixed(0)}–${(left + w).toFixed(0)}`,
      );
    }
  }
}

Deno.test("narrow margin by plan: names above their bars, the wide chart's marks and caption, inside 340 px", async () => {
  const frame = await economicsFixturePtbNotRead();
  const svg = marginByPlanNarrowSvg(frame);
  ok(svg.includes(`width="${NARROW_WIDTH}"`));
  const { names, marks } = texts(svg);
  // plans by MRR, as the wide chart's axis (economics_plan_charts_test.ts)
  assertEquals(names.map((n) => n.text), [
    "enterprise (contract)",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
    "pro 2025-12-10",
    "free",
  ]);
  // the names and the "–" marks (no bar: the most room) from the chart's left
  for (const name of names) assertEquals(name.x, 12);
  for (const mark of marks.filter((m) => m.text.includes("–"))) assertEquals(mark.x, 12);
  // each plan's two rows (bars, labels or "–") below its name and above the next plan's
  for (const [i, name] of names.entries()) {
    const next = names[i + 1]?.y ?? Infinity;
    const own = marks.filter((m) => m.y > name.y && m.y < next);
    assertEquals(own.length, 2, name.text);
  }
  // the wide chart's margins and reasons, the basis in a word
  const shown = marks.map((m) => m.text);
  for (const margin of ["33.3 %", "100.0 %", "94.0 %", "−50.0 %", "62.0 %"]) {
    ok(shown.includes(`${margin} · n=1`), margin);
  }
  assertEquals(shown.filter((t) => t === "company: – not known, PTB revenue not read").length, 4);
  ok(shown.includes("spec: – no margin, MRR $0"));
  assertEquals(caption(svg), `Revenue-weighted. ${caption(marginByPlanChart(frame).svg)}`);
  assertInside(svg);
});

/** A plan of the per-plan table with these margins (the rest of its row unused by the chart). */
function planRow(plan: string, mrr: number, company: number | null, spec: number | null) {
  return { plan, mrr, margin_company_pct: company, margin_all_pct: spec } as unknown as PerPlanRow;
}

Deno.test("narrow margin by plan: a −250 % bar's label too long for either side is whole, in lines", () => {
  // the axis runs −300 … 100: 0 sits three quarters along, so a negative bar's label right of 0
  // has ~80 px; PTB timing and no customer make it ~250 px
  const plans = [planRow("pro", 900, 95, 90), planRow("team", 300, -250, -320)];
  const timing: PtbTimingPlan = {
    plan: "team",
    organizations: 3,
    theirPtbCost: 1,
    withoutCustomer: 2,
    withoutCustomerPtbCost: 1,
    ptbCost: 2,
    ptbRevenue: 0,
    companyPct: -250,
    withoutPtbPct: 10,
    withoutCustomerCostPct: -100,
    timing: true,
    noCustomer: true,
  };
  const svg = marginByPlanNarrowSvg(pl.DataFrame({ plan: [] }), {
    plans,
    marginCounts: {
      pro: { gross_margin_pct: 4, gross_margin_company_pct: 4, ptb_revenue_unknown: 0 },
      team: { gross_margin_pct: 5, gross_margin_company_pct: 5, ptb_revenue_unknown: 0 },
    },
    ptbTiming: [timing],
  });
  const { marks } = texts(svg);
  // too long for the room right of 0 (or left of its bar): in lines, one per part
  const long = "−250.0 % · n=5\nPTB timing\nPTB, no customer";
  assertEquals(
    marks.map((m) => m.text).sort(),
    [
      "90.0 % · n=4",
      "95.0 % · n=4",
      long,
      "−320.0 % · n=5", // drawn at −300, its label says the margin
    ].sort(),
  );
  assertInside(svg);
  ok(caption(svg).includes("1 bars below −300 % drawn at −300 %"), caption(svg));
});
