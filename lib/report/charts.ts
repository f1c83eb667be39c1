/**
 * The charts stage: Observable Plot rendered server-side (linkedom), SVG for notebooks and pages,
 * PNG through resvg for files people paste into chats and slides.
 *
 * Log scales cannot show 0 and margins of −5000 % squash everything else, so each chart drops or
 * clips those points and says how many in its caption.
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { channel, rows } from "./chart_data.ts";
import { writeChartFiles } from "./chart_files.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import {
  boxPlot,
  densityHexbins,
  type DrawnLimit,
  drawsEveryPoint,
  finiteOrNull,
  notFinite,
} from "./chart_aggregates.ts";
import { outlierStripNote } from "./chart_outlier_strip.ts";
import { logAxis } from "./chart_axes.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import { STANDARD_WINDOW_DAYS } from "../formats/export_names.ts";
import { formatCount } from "./numbers.ts";
import { monthlyFactor } from "../frame/monthly.ts";
import { mrrKnownFlags } from "../revenue/columns.ts";
import { CHART_MRR_KNOWN } from "./chart_customers.ts";
import { marginByTierChart, marginVsMrrChart } from "./charts_margin.ts";
import {
  type Chart,
  chartLabel,
  DENSITY_COLOR,
  dotsLegend,
  drawnRows,
  framed,
  legend,
  MAX_DOTS,
  monthlyBasisNote,
  nothingDrawn,
  TIER_BOXES,
  tierColor,
  tierLegend,
  usdLabel,
} from "./chart_frame.ts";
import { MEASURE_COLORS, TIER_DOMAIN } from "./chart_colors.ts";
import { nounFor } from "../core/words.ts";

/**
 * "30 days", "7 days": the window's length, which a label of window usage names (a PNG pasted
 * into a deck has no manifest beside it to say it).
 */
export function windowLabel({ windowDays }: DrawnLimit): string {
  return `${windowDays ?? STANDARD_WINDOW_DAYS} days`;
}

// PNGs and chart files (chart_files.ts) and row objects for the economics charts, as before
export { svgToPng, writeChartFiles } from "./chart_files.ts";
export { type Row, rows } from "./chart_data.ts";
export {
  MARGIN_FLOOR,
  MARGIN_FLOOR_LABEL,
  marginByTierChart,
  marginVsMrrChart,
} from "./charts_margin.ts";
export {
  type Chart,
  chartLabel,
  countTick,
  DEMO_NOTE,
  DENSITY_COLOR,
  DENSITY_LEGEND,
  dotsLegend,
  framed,
  legend,
  MAX_DOTS,
  monthlyBasisNote,
  nothingDrawn,
  textWidth,
  usdLabel,
  usdTick,
} from "./chart_frame.ts";
export { TIER_DOMAIN, TIER_RANGE } from "./chart_colors.ts";

export function requestsVsCostChart(frame: pl.DataFrame, limit: DrawnLimit = {}): Chart {
  // null (Kleene) where a count or cost that decides it is unknown (empty, NaN or infinite):
  // counted apart, not as "none"
  const drawn = finiteOrNull("requests_30d").gt(0).and(finiteOrNull("llm_cost_30d").gt(0));
  const drawnFrame = drawnRows(frame, {
    orgNames: limit.orgNames,
    drawn: (source, named) =>
      source.select(
        "requests_30d",
        "llm_cost_30d",
        "tier",
        ...(named ? ["org_name"] : []),
      ).filter(drawn.fillNull(false)),
  });
  const named = drawnFrame.columns.includes("org_name");
  const unknown = frame.select(drawn.isNull().cast(pl.UInt32).sum().alias("n"))
    .getColumn("n").get(0) as number;
  const dense = drawnFrame.height > MAX_DOTS;
  const whole = drawsEveryPoint(drawnFrame.height, limit); // else hexagons of grid counts
  const x = logAxis(drawnFrame, "requests_30d", {
    axis: "x",
    label: `Requests in ${windowLabel(limit)} (log scale)`,
    money: false,
  });
  const y = logAxis(drawnFrame, "llm_cost_30d", {
    axis: "y",
    label: "LLM cost (USD, log scale)",
    money: true,
  });
  // Dots carry a hover title naming the organization; hexbins draw no dot per organization.
  const data = dense ? [] : rows(drawnFrame, drawnFrame.columns).map((r) => ({
    ...r,
    title: `${named ? `${chartLabel(r.org_name)}\n` : ""}${r.tier ?? ""}\n${
      (r.requests_30d as number).toLocaleString("en-US")
    } requests · LLM cost ${usdLabel(r.llm_cost_30d as number)}`,
  }));
  const dots = dense && !whole
    ? densityHexbins(drawnFrame, {
      x: { values: pl.col("requests_30d"), log: true },
      y: { values: pl.col("llm_cost_30d"), log: true },
    })
    : dense
    ? Plot.dot(
      { length: drawnFrame.height },
      Plot.hexbin({ fill: "count" }, {
        x: channel(drawnFrame, "requests_30d"),
        y: channel(drawnFrame, "llm_cost_30d"),
      }),
    )
    : Plot.dot(data, {
      x: "requests_30d",
      y: "llm_cost_30d",
      fill: "tier",
      r: 3,
      fillOpacity: 0.7,
      title: "title",
    });
  return {
    name: "requests_vs_llm_cost",
    title: "Requests vs LLM cost per organization",
    svg: framed({
      title: `Requests vs LLM cost per organization (${windowLabel(limit)})`,
      caption: `${formatCount(drawnFrame.height)} ${
        nounFor(drawnFrame.height, "organization")
      } with requests and cost; ${
        formatCount(frame.height - drawnFrame.height - unknown)
      } with no requests or zero cost not shown (log scales cannot show 0)${
        unknown === 0
          ? ""
          : `; ${
            formatCount(unknown)
          } whose requests or cost is unknown (NaN or infinite) not shown`
      }.`,
      legendSvg: dotsLegend(dense, data),
      demo: limit.demo,
      plot: {
        x: x.scale,
        y: y.scale,
        color: dense ? DENSITY_COLOR : tierColor,
        marks: [
          ...x.marks,
          ...y.marks,
          dots,
          ...(drawnFrame.height === 0
            ? [nothingDrawn("no organization with requests and cost")]
            : []),
        ],
      },
    }),
  };
}

/**
 * Requests per organization by tier: the spread of usage inside each tier, on a log scale. An
 * unknown request count (NaN or infinite, empty) is counted apart from "no requests".
 */
export function usageByTierChart(frame: pl.DataFrame, limit: DrawnLimit = {}): Chart {
  const requests = finiteOrNull("requests_30d"); // NaN or infinite: unknown (null)
  const activeFrame = frame.select("tier", "requests_30d").filter(requests.gt(0).fillNull(false));
  // counted per tier, not filtered out first (no copy of the idle rows)
  const notDrawn = frame.select("tier", "requests_30d").groupBy("tier").agg(
    // Kleene: an unknown count is neither idle nor drawn
    requests.gt(0).not().cast(pl.UInt32).sum().alias("idle"),
    requests.isNull().cast(pl.UInt32).sum().alias("unknown"),
  );
  // the tiers present are the group-by's (no pass of its own for them)
  const present = new Set(notDrawn.getColumn("tier").toArray());
  const tiers = TIER_DOMAIN.filter((t) => present.has(t));
  const perTier = (name: string) => {
    const of = new Map(
      (notDrawn.getColumn("tier").toArray() as unknown[]).map((t, i) => [
        t,
        Number(notDrawn.getColumn(name).get(i)),
      ]),
    );
    return tiers.map((tier) => ({ tier, n: of.get(tier) ?? 0 })).filter((t) => t.n > 0);
  };
  const idle = perTier("idle");
  const unknown = perTier("unknown");
  const boxes = boxPlot(activeFrame, {
    column: "requests_30d",
    whole: drawsEveryPoint(activeFrame.height, limit),
    log: true,
    domain: tiers,
    style: TIER_BOXES,
  });
  const y = logAxis(activeFrame, "requests_30d", {
    axis: "y",
    label: `Requests in ${windowLabel(limit)} (log scale)`,
    money: false,
  });
  // the fences are on the logarithms, as the axis draws the boxes (box_fences.ts)
  const caption = `Box: quartiles and median of ${formatCount(activeFrame.height)} ${
    nounFor(activeFrame.height, "organization")
  } with requests; whiskers reach up to 1.5 × the box's height (on the log scale), outliers beyond; ${
    idle.length === 0
      ? "none without requests"
      : `with no requests, not shown (log scale): ${
        idle.map((t) => `${t.tier} ${formatCount(t.n)}`).join(", ")
      }`
  }${
    unknown.length === 0
      ? ""
      : `; with requests unknown (NaN or infinite), not shown: ${
        unknown.map((t) => `${t.tier} ${formatCount(t.n)}`).join(", ")
      }`
  }${outlierStripNote(boxes.crowded)}.`;
  return {
    name: "usage_by_tier",
    title: "Requests per organization by tier",
    svg: framed({
      title: `Requests per organization by tier (${windowLabel(limit)})`,
      caption,
      legendSvg: tierLegend(tiers),
      demo: limit.demo,
      plot: {
        x: { label: "tier", domain: tiers },
        y: y.scale,
        color: tierColor,
        marks: [
          ...y.marks,
          ...boxes.marks,
          ...(activeFrame.height === 0 ? [nothingDrawn("no organization with requests")] : []),
        ],
      },
    }),
  };
}

/**
 * Total LLM cost in the window against total MRR, per tier, each tier on its own scale (enterprise
 * would dwarf the rest on a shared one): bars are a share of the tier's larger amount and carry
 * their dollars. With the economics columns, the company's cost is a third bar.
 */
export function costAndMrrByTierChart(frame: pl.DataFrame, limit: DrawnLimit = {}): Chart {
  const company = frame.columns.includes("company_cost_30d");
  // Another window's costs go on a 30-day basis (× 30/N) beside monthly MRR, as every other
  // comparison with MRR does (lib/frame/monthly.ts); a 30-day window's sums are used as they are.
  const days = limit.windowDays ?? STANDARD_WINDOW_DAYS;
  const factor = days === STANDARD_WINDOW_DAYS ? 1 : monthlyFactor(days);
  const basis = factor === 1 ? windowLabel(limit) : `${STANDARD_WINDOW_DAYS}-day basis`;
  const measures = company
    ? [`LLM cost, all (${basis})`, "company cost", "MRR"]
    : [`LLM cost (${basis})`, "MRR"];
  const colors = company
    ? [MEASURE_COLORS.llmCost, MEASURE_COLORS.companyCost, MEASURE_COLORS.mrr]
    : [MEASURE_COLORS.llmCost, MEASURE_COLORS.mrr];
  // Sums per tier in export order, as a loop over row objects added them (the same dollars to the
  // last bit), in one pass over typed arrays; an unknown amount (null or NaN) is left out of its
  // tier's sum and counted, never drawn as $0.
  const columns = ["llm_cost_30d", ...(company ? ["company_cost_30d"] : []), "mrr"];
  const nouns = ["LLM cost", ...(company ? ["company cost"] : []), "MRR"];
  // the tier's index in TIER_DOMAIN, 255 for none or another
  const tierCode = TIER_DOMAIN.reduceRight(
    (other: pl.Expr, tier, i) =>
      pl.when(pl.col("tier").eq(pl.lit(tier))).then(pl.lit(i)).otherwise(other),
    pl.lit(255),
  );
  const typed = frame.select(
    tierCode.cast(pl.UInt8).alias("tier"),
    ...columns.map((c) => pl.col(c).cast(pl.Float64).fillNull(Number.NaN)),
    notFinite("mrr").alias("_mrr_not_finite"),
  ).withColumns(
    // (the chart worker's frame has them worked out: it lacks the customer ids they need)
    (frame.columns.includes(CHART_MRR_KNOWN)
      ? frame.getColumn(CHART_MRR_KNOWN)
      : mrrKnownFlags(frame, frame)).alias("_mrr_known"),
  ).select(
    "tier",
    ...columns,
    // empty MRR on a shared customer's other organizations is its revenue row's, known or unknown
    // with it (knownMrrRows); a NaN or infinite one is unknown
    pl.col("_mrr_known").not().or(pl.col("_mrr_not_finite")).cast(pl.UInt8).alias("_mrr_unknown"),
  );
  const codes = typed.getColumn("tier").toTypedArray() as Uint8Array;
  const values = columns.map((c) => typed.getColumn(c).toTypedArray() as Float64Array);
  const mrrUnknownFlags = typed.getColumn("_mrr_unknown").toTypedArray() as Uint8Array;
  const mrrIndex = columns.length - 1;
  const tiers = TIER_DOMAIN.map((tier) => ({
    tier,
    organizations: 0,
    usd: columns.map(() => 0),
    unknown: columns.map(() => 0),
  }));
  for (let i = 0; i < codes.length; i++) {
    const t = tiers[codes[i]]; // undefined: no tier, or not one of TIER_DOMAIN
    if (!t) continue;
    t.organizations++;
    for (let j = 0; j < columns.length; j++) {
      const v = values[j][i];
      if (Number.isFinite(v)) t.usd[j] += v;
      else if (j !== mrrIndex) t.unknown[j]++; // a cost NaN or infinite, or not read
    }
    t.unknown[mrrIndex] += mrrUnknownFlags[i];
  }
  const totals = tiers.filter((t) => t.organizations > 0);
  if (factor !== 1) {
    for (const t of totals) {
      for (let j = 0; j < columns.length - 1; j++) t.usd[j] *= factor; // costs, not MRR
    }
  }
  // a measure none of whose amounts is known in a tier has no bar (a $0 bar would read as none):
  // "–"
  const notKnown = (t: typeof totals[number], i: number) => t.unknown[i] === t.organizations;
  const long = totals.flatMap((t) => {
    const known = t.usd.filter((_, i) => !notKnown(t, i));
    const largest = Math.max(0, ...known);
    return t.usd.map((usd, i) => {
      const none = notKnown(t, i);
      return {
        tier: t.tier,
        measure: measures[i],
        usd,
        share: none ? 0 : largest > 0 ? usd / largest * 100 : 0,
        label: none ? "– not known" : usdLabel(usd),
        title: `${t.tier}: ${measures[i]} ${none ? "not known" : usdLabel(usd)}`,
        notKnown: none,
      };
    });
  });
  const unknownNote = nouns.map((noun, i) => {
    const unknown = totals.reduce((s, t) => s + t.unknown[i], 0);
    if (unknown === 0) return "";
    const noneTiers = totals.filter((t) => notKnown(t, i)).length;
    return ` ${formatCount(unknown)} with unknown ${noun} left out of their tier's ${noun}${
      noneTiers > 0 ? ` (– = no ${noun} known in the tier)` : ""
    }.`;
  }).join("");
  return {
    name: "cost_and_mrr_by_tier",
    title: "LLM cost and MRR by tier",
    svg: framed({
      title: `LLM cost and MRR by tier (USD${
        factor === 1 ? "" : `, costs on a ${STANDARD_WINDOW_DAYS}-day basis`
      }, each tier on its own scale)`,
      caption: `${
        monthlyBasisNote(days, "costs")
      }Totals per tier; bar height = share of the tier's larger amount, labels in USD. Organizations: ${
        totals.map((t) => `${t.tier} ${formatCount(t.organizations)}`).join(", ")
      }.${unknownNote}`,
      legendSvg: legend(measures.map((m, i) => ({ label: m, color: colors[i] }))),
      demo: limit.demo,
      plot: {
        fx: { label: "tier", domain: totals.map((t) => t.tier) },
        x: { axis: null, domain: measures },
        // room above 100 for the bars' dollar labels, with no tick there: no bar passes 100 %
        y: {
          label: "% of the tier's larger amount",
          grid: true,
          domain: [0, 112],
          ticks: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
        },
        color: { domain: measures, range: colors },
        marks: [
          Plot.barY(long.filter((d) => !d.notKnown), {
            fx: "tier",
            x: "measure",
            y: "share",
            fill: "measure",
            title: "title",
          }),
          Plot.text(long, {
            fx: "tier",
            x: "measure",
            y: "share",
            text: "label",
            dy: -6,
            fontSize: 10,
          }),
          Plot.ruleY([0]),
        ],
      },
    }),
  };
}

/**
 * The kit's standard charts by name, in the export's order: with ECONOMICS_CHARTS
 * (lib/economics/charts.ts) the one list of the export's charts, which the MCP `chart` tool offers.
 */
export const PRICING_CHARTS = {
  margin_vs_mrr: marginVsMrrChart,
  margin_by_tier: marginByTierChart,
  requests_vs_llm_cost: requestsVsCostChart,
  usage_by_tier: usageByTierChart,
  cost_and_mrr_by_tier: costAndMrrByTierChart,
} as const satisfies Record<string, (frame: pl.DataFrame, limit: DrawnLimit) => Chart>;

/** The kit's standard charts for one export, one builder each (the chart worker frees between). */
export function pricingChartBuilders(frame: pl.DataFrame, limit: DrawnLimit = {}): (() => Chart)[] {
  return Object.values(PRICING_CHARTS).map((build) => () => build(frame, limit));
}

/** The kit's standard charts for one export. */
export function pricingCharts(frame: pl.DataFrame, limit: DrawnLimit = {}): Chart[] {
  return pricingChartBuilders(frame, limit).map((build) => {
    const chart = build();
    // A chart's Plot work (100–150 MB at a million organizations) is garbage once its SVG exists.
    collectDroppedFrames({ rows: frame.height });
    return chart;
  });
}

/**
 * Dated SVG and PNG of every chart in `outDir`; returns the paths. `chosenBy`: how the user chose
 * `outDir`, for the fix a write failure names.
 */
export function writeCharts(
  frame: pl.DataFrame,
  { outDir, stamp, chosenBy }: { outDir: string; stamp: string; chosenBy: ChosenBy },
): Promise<string[]> {
  return writeChartFiles(pricingCharts(frame), { outDir, stamp, chosenBy });
}
