/**
 * lib/economics/plan_charts.ts on the hand-computed economics fixture: unknown margins and MRR
 * each a '–' with its reason, a margin PTB timing pulls down, long plan names cut or on two legend
 * rows, legends inside the chart.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { mrrVsRequestsChart } from "../lib/economics/charts.ts";
import { marginByPlanChart, mrrPer1kRequestsByPlanChart } from "../lib/economics/plan_charts.ts";
import {
  economicsFixturePtbNotRead,
  economicsFrameWithF,
  frameWithPtbTiming,
} from "./economics_fixture.ts";
import { assertTextInside, labels } from "./chart_svg.ts";
import { CHART_COLUMNS, chartPlanTable } from "../lib/report/chart_columns.ts";
import pl from "nodejs-polars";
import { textWidth } from "../lib/report/chart_frame.ts";
import { caption, count } from "./economics_chart_readers.ts";

Deno.test("margin by plan with PTB revenue not read: every plan on the chart, each unknown margin a '–' with its reason", async () => {
  // a–e with PTB revenue not read: a, c, d and e had PTB cost, so their plans' company margins
  // are not known (as the brief's headline says); b (BYOK only) has one: (200 − 0) / 200 = 100 %.
  // free (e) pays $0: no spec margin either. Spec: enterprise (3,000 − 2,000) / 3,000 = 33.3 %,
  // pro (seat, legacy) (200 − 12) / 200 = 94 %, team −50 %, pro 2025-12-10 (79 − 30) / 79 = 62 %.
  const svg = marginByPlanChart(await economicsFixturePtbNotRead()).svg;
  assertEquals(labels(svg, "fy-axis tick label").map((l) => l.text), [
    "enterprise (contract)",
    "pro (seat, legacy)",
    "team (bundle, legacy)",
    "pro 2025-12-10",
    "free",
  ]);
  // each "–" beside its plan (the nearest plan label: a plan's rows are ±10 px of its label)
  const plans = labels(svg, "fy-axis tick label");
  const beside = (text: string) =>
    labels(svg, "text").filter((l) => l.text === text).map((m) =>
      plans.reduce((a, b) => Math.abs(a.y - m.y) <= Math.abs(b.y - m.y) ? a : b).text
    );
  assertEquals(beside("company cost: – not known, PTB revenue not read"), [
    "enterprise (contract)",
    "team (bundle, legacy)",
    "pro 2025-12-10",
    "free",
  ]);
  assertEquals(beside("all LLM cost (spec): – no margin, MRR $0"), ["free"]);
  const texts = labels(svg, "text").map((l) => l.text);
  for (const margin of ["33.3 %", "100.0 %", "94.0 %", "−50.0 %", "62.0 %"]) {
    ok(texts.includes(`${margin} · n=1`), margin);
  }
  assertEquals(count(svg, "rect"), 5 + 2); // the five known margins and the legend's swatches
  ok(
    caption(svg).endsWith(
      "– = no margin, the reason beside it; PTB revenue not read (the run's warnings say why).",
    ),
    caption(svg),
  );
  assertTextInside(svg, "text");
  assertTextInside(svg, "fy-axis tick label");
  // a alone: its plan stays, its spec margin beside a '–' for the company margin
  const one = marginByPlanChart(await economicsFixturePtbNotRead().then((f) => f.head(1))).svg;
  assertEquals(labels(one, "fy-axis tick label").map((l) => l.text), ["pro 2025-12-10"]);
  assertEquals(labels(one, "text").map((l) => l.text).sort(), [
    "62.0 % · n=1",
    "company cost: – not known, PTB revenue not read",
  ]);
});

Deno.test("MRR per 1,000 requests: a plan whose MRR is not known has a '–' where its MRR bar would be, and the caption says so", async () => {
  // the fixture with enterprise's MRR not read (revenue_source none): its cost bars stay
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  const unread = fixture.withColumns(
    pl.when(pl.col("plan").eq(pl.lit("enterprise (contract)")))
      .then(pl.lit(null).cast(pl.Float64)).otherwise(pl.col("mrr")).alias("mrr"),
  );
  ok(plans.includes("enterprise (contract)"));
  const svg = mrrPer1kRequestsByPlanChart(unread).svg;
  ok(caption(svg).endsWith("– = MRR not known (revenue not read)."), caption(svg));
  assertEquals([...svg.matchAll(/>– not known<\/text>/g)].length, 1);
  ok(!svg.includes("<title>enterprise (contract)\nMRR per 1,000"), "no MRR bar for it");
  ok(svg.includes("<title>enterprise (contract)\nLLM cost, all per 1,000 requests"));
  // every MRR known: no mark, no note
  const known = mrrPer1kRequestsByPlanChart(fixture).svg;
  ok(!known.includes("not known"), caption(known));
});

Deno.test("margin by plan: a company margin PTB timing pulls down (the warnings' plans) says so on its bar and in the caption", async () => {
  // the warnings' two plans (economics_margins_test.ts works them out): free −73.0 % (g, 1 of its 3
  // organizations, with PTB cost and no PTB revenue in the window; e, without a Stripe customer,
  // with PTB cost no revenue can be on record for) and pro 2025-12-10 74.7 % (a)
  const { frame, warnings } = await frameWithPtbTiming();
  ok(warnings.some((w) => w.startsWith('plan "free": company margin -73.0 %')));
  ok(warnings.some((w) => w.startsWith('plan "pro 2025-12-10": company margin 74.7 %')));
  const note =
    "PTB timing = PTB cost without PTB revenue in the window (credits bought before it), not price; see the warnings. PTB, no customer = PTB cost of organizations without a Stripe customer: no PTB revenue can be on record for them, not timing; see the warnings.";
  // drawn here, and in the chart worker from the chart columns and the main thread's table
  const table = chartPlanTable(frame, 30)!;
  for (
    const svg of [
      marginByPlanChart(frame).svg,
      marginByPlanChart(frame.select(...CHART_COLUMNS), table).svg,
    ]
  ) {
    const texts = labels(svg, "text").map((l) => l.text);
    // the company bars of those two plans only
    // (sorted: "74.7" before "−73.0", U+2212 after the digits)
    assertEquals(texts.filter((t) => t.includes("PTB ")).sort(), [
      "74.7 % · n=1 · PTB timing",
      "−73.0 % · n=3 · PTB timing · PTB, no customer",
    ]);
    ok(
      svg.includes(
        "<title>free\ncompany cost: −73.0 % margin, revenue-weighted\nn = 3 organizations\nPTB timing, not price: 1 organization with PTB cost and no PTB revenue in the window (see the warnings)\nPTB, no customer: 1 organization without a Stripe customer had PTB cost no revenue can be on record for (see the warnings)</title>",
      ),
      svg,
    );
    ok(caption(svg).endsWith(note), caption(svg));
  }
  // without PTB cost lacking revenue (economicsFrameWithF: no warning), no hint
  const none = marginByPlanChart(await economicsFrameWithF()).svg;
  ok(!none.includes("PTB timing"), caption(none));
});

Deno.test("a plan name of 40 characters fits the plan charts' left margin, cut with '…', its start kept", async () => {
  // "team bundle legacy 2023-2025 grandfathered" (42 characters, ~290 px at the frame's estimate)
  // was cut to 40 characters only: wider than the margin's 236 px for labels, its first letters
  // fell off the image's left edge ("m bundle legacy…" in the PNG)
  const long = "team bundle legacy 2023-2025 grandfathered";
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  const frame = fixture.withColumns(
    pl.Series("plan", plans.map((p) => p === "team (bundle, legacy)" ? long : p)),
  );
  for (const chart of [marginByPlanChart(frame), mrrPer1kRequestsByPlanChart(frame)]) {
    const shown = labels(chart.svg, "fy-axis tick label").map((l) => l.text)
      .find((text) => text.startsWith("team bundle"));
    ok(shown?.endsWith("…") && long.startsWith(shown.slice(0, -1)), `${chart.name}: ${shown}`);
    assertTextInside(chart.svg, "fy-axis tick label");
    // the whole name on hover
    ok(chart.svg.includes(`<title>${long}\n`), chart.name);
  }
});

/** A chart's legend entries: each swatch's x and y, its label's x, and the label. */
function legendEntries(svg: string): { rect: number; top: number; text: number; label: string }[] {
  return [
    ...svg.matchAll(
      /<rect x="(-?[\d.]+)" y="(\d+)" width="12"[^>]*\/><text x="(-?[\d.]+)"[^>]*>([^<]*)<\/text>/g,
    ),
  ].map((m) => ({ rect: Number(m[1]), top: Number(m[2]), text: Number(m[3]), label: m[4] }));
}

/** Every legend row inside the chart, each swatch beside its label, no entry over the next. */
function assertLegendInside(entries: ReturnType<typeof legendEntries>): void {
  for (const top of new Set(entries.map((e) => e.top))) {
    // a row above the plot's frame (FRAME_TOP 84): the first at 54, a second at 70
    ok(top === 54 || top === 70, `legend row at ${top}`);
    const row = entries.filter((e) => e.top === top).sort((a, b) => a.rect - b.rect);
    for (const e of row) ok(e.rect >= 12 && e.text === e.rect + 16, JSON.stringify(e));
    for (let i = 1; i < row.length; i++) {
      ok(row[i].rect >= row[i - 1].text + textWidth(row[i - 1].label) + 12 - 0.01);
    }
    ok(row.at(-1)!.text + textWidth(row.at(-1)!.label) <= 880 - 12 + 0.01);
  }
}

Deno.test("a legend of long plan names stays inside the chart, each swatch beside its label", async () => {
  // plans named ~50 characters: four were ~1,500 px of legend on one 880 px row, which ran off
  // the left edge, the first plan's swatch and the start of its name with it; on two rows they
  // fit whole
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  const longName = (plan: string | null) =>
    plan === null ? null : `${plan}, grandfathered annual contract 2026`;
  const frame = fixture.withColumns(pl.Series("plan", plans.map(longName)));
  const entries = legendEntries(mrrVsRequestsChart(frame).svg);
  // a, b, c, d, f have MRR and requests: their four plans, one entry each, two a row, as the
  // chart names a plan (40 characters at most), not cut further to share one row (~24)
  assertEquals(entries.length, 4);
  assertEquals(entries.map((e) => e.top), [54, 54, 70, 70]);
  for (const e of entries) {
    ok(
      e.label.length >= 30 && plans.map(longName).some((p) => p?.startsWith(e.label.slice(0, -1))),
      e.label,
    );
  }
  assertLegendInside(entries);
  // ten times as long: two rows are not enough, the labels are cut at their end, start kept
  const longer = (plan: string | null) =>
    plan === null ? null : `${plan} ${"contract ".repeat(10)}`;
  const cut = legendEntries(
    mrrVsRequestsChart(fixture.withColumns(pl.Series("plan", plans.map(longer)))).svg,
  );
  assertEquals(cut.length, 4);
  for (const e of cut) {
    ok(
      e.label.endsWith("…") && plans.map(longer).some((p) => p?.startsWith(e.label.slice(0, -1))),
      e.label,
    );
  }
  assertLegendInside(cut);
});

Deno.test("eight plans' legend names each plan whole on two rows (one row cut two to 'team 2025-…')", async () => {
  // the fixture's six organizations, then the same six again under other plans of the same
  // tiers: the legend's eight-odd names need ~1,100 px, more than one 856 px row
  const fixture = await economicsFrameWithF();
  const plans = fixture.getColumn("plan").toArray() as (string | null)[];
  // "pro 2025-12-10 2025-12", "pro seat 2025-12", … "enterprise contract 2024-01"
  const short = (plan: string) => plan.replace(/[(),]/g, "").split(" ").slice(0, 2).join(" ");
  const renamed = (suffix: string) =>
    fixture.withColumns(
      pl.Series("plan", plans.map((p) => p === null ? null : `${short(p)} ${suffix}`)),
      pl.Series(
        "org_id",
        (fixture.getColumn("org_id").toArray() as string[]).map((id) => id + suffix),
      ),
    );
  const frame = pl.concat([renamed("2025-12"), renamed("2024-01")]);
  const svg = mrrVsRequestsChart(frame).svg;
  const entries = legendEntries(svg);
  const shown = new Set(
    frame.filter(pl.col("mrr").gt(0).and(pl.col("requests_30d").gt(0))).getColumn("plan")
      .toArray() as string[],
  );
  assertEquals(entries.length, shown.size);
  // every label whole, so no two alike
  assertEquals(new Set(entries.map((e) => e.label)), shown);
  assertEquals(new Set(entries.map((e) => e.top)), new Set([54, 70]));
  assertLegendInside(entries);
});
