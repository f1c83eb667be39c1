/**
 * The two margin charts of the export (gross margin against MRR, gross margin by tier), on the
 * spec basis, with margins below MARGIN_FLOOR drawn on it and counted in the caption.
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { channel, type Row, rows } from "./chart_data.ts";
import {
  boxPlot,
  densityHexbins,
  type DrawnLimit,
  drawsEveryPoint,
  finiteOrNull,
  notFinite,
} from "./chart_aggregates.ts";
import { outlierStripNote } from "./chart_outlier_strip.ts";
import { AXIS_INSET, logAxis } from "./chart_axes.ts";
import { formatCount, pictureMinus } from "./numbers.ts";
import {
  CUSTOMER_CHART_COLUMNS,
  sharedCustomersNote,
  sharedCustomerTitle,
  withCustomerChartColumns,
} from "./chart_customers.ts";
import {
  type Chart,
  chartLabel,
  countTick,
  DENSITY_COLOR,
  dotsLegend,
  drawnRows,
  FRAME_BOTTOM,
  FRAME_TOP,
  framed,
  HEIGHT,
  MAX_DOTS,
  monthlyBasisNote,
  nothingDrawn,
  pctLabel,
  TIER_BOXES,
  tierColor,
  tierLegend,
  usdLabel,
} from "./chart_frame.ts";
import { TIER_DOMAIN } from "./chart_colors.ts";
import { nounFor } from "../core/words.ts";

/**
 * The lowest gross margin a chart draws: margins below are drawn at it and counted in the caption
 * (every margin chart, the economics ones too).
 */
export const MARGIN_FLOOR = -300;
/** MARGIN_FLOOR as a chart's caption says it: "−300 %" (the picture's minus sign, U+2212). */
export const MARGIN_FLOOR_LABEL = `${countTick(MARGIN_FLOOR)} %`;

/**
 * The spec's margin (gross_margin_pct) said with its basis, as README's "Which margin?" names it:
 * the margin charts here are on the spec basis (every token as if we paid it, no infrastructure:
 * not a bound on the company margin).
 */
const SPEC_MARGIN_AXIS = "Gross margin, spec basis: all LLM cost (%)";
const MARGIN_VS_MRR_TITLE = "Gross margin (spec basis, all LLM cost) vs MRR per organization";
const MARGIN_BY_TIER_TITLE = "Gross margin (spec basis, all LLM cost) by tier";

/**
 * Rows of Plot's hexagons (transforms/hexbin.js: 20 px wide, centred on rows this far apart
 * from the SVG's top edge). A point is binned to a hexagon of the row nearest it or of the next.
 */
const HEX_ROW = 20 * (1.5 / Math.sqrt(3));

/**
 * The margin axis' pixel range on a dense chart: from the lowest row of hexagons at least
 * AXIS_INSET above the frame's bottom to the highest at least AXIS_INSET below its top. With
 * both ends on a row no hexagon is centred beyond them: the inset alone centred the top row at
 * ~+108 % (read as margins above 100 %) and the bottom one below the floor.
 */
function hexRowRange(): [number, number] {
  const bottom = HEIGHT - FRAME_BOTTOM - AXIS_INSET;
  const top = FRAME_TOP + AXIS_INSET;
  return [Math.floor(bottom / HEX_ROW) * HEX_ROW, Math.ceil(top / HEX_ROW) * HEX_ROW];
}

/** The ▼ of margins below the floor on a dense chart: hexagon-binned, shaded as the hexagons. */
const FLOOR_TRIANGLES = {
  symbol: "triangle",
  rotate: 180,
  r: 7,
  stroke: "#333",
  strokeWidth: 0.75,
};

/**
 * A dense chart's marks: hexagons of the margins at or above MARGIN_FLOOR, and those below it
 * binned the same way on the floor (the axis' lowest row: hexRowRange) but drawn as ▼, as the
 * caption says (in the hexagons they read as margins near −290 %). From channels; above the
 * drawn limit from grid counts.
 */
function densityMarks(frame: pl.DataFrame, whole: boolean): Plot.Markish[] {
  const margin = pl.col("gross_margin_pct");
  const inRange = frame.filter(margin.gtEq(MARGIN_FLOOR));
  const below = frame.filter(margin.lt(MARGIN_FLOOR));
  const hexbins = (part: pl.DataFrame, y: "gross_margin_pct" | "floor", style = {}) =>
    whole
      ? Plot.dot(
        { length: part.height },
        Plot.hexbin({ fill: "count" }, {
          x: channel(part, "mrr"),
          y: y === "floor" ? new Array(part.height).fill(MARGIN_FLOOR) : channel(part, y),
          ...style,
        }),
      )
      : densityHexbins(part, {
        x: { values: pl.col("mrr"), log: true },
        y: { values: y === "floor" ? pl.lit(MARGIN_FLOOR) : margin, log: false },
        style,
      });
  return [
    hexbins(inRange, "gross_margin_pct"),
    ...(below.height > 0 ? [hexbins(below, "floor", FLOOR_TRIANGLES)] : []),
  ];
}

/**
 * The gross margin axis of `frame`'s margins: 100 % down to 0, or to the lowest margin when one
 * is negative, but not below MARGIN_FLOOR (a fixed −300 % left most of the chart empty when no
 * margin was negative); niced, and inset so a dot at 100 % or a ▼ at the floor is inside the frame
 * (on a `dense` chart, its ends on rows of hexagons: hexRowRange).
 */
function marginAxis(frame: pl.DataFrame, { dense = false } = {}) {
  const lowest = frame.select(pl.col("gross_margin_pct").min()).getColumn("gross_margin_pct")
    .get(0) as number | null;
  return {
    domain: [Math.max(MARGIN_FLOOR, Math.min(0, lowest ?? 0)), 100],
    nice: true,
    ...(dense ? { range: hexRowRange() } : { inset: AXIS_INSET }),
  };
}

/** "; N below −300 % drawn …" when there are any (the caption says nothing of none). */
function clippedNote(clipped: number, how: string): string {
  return clipped > 0 ? `; ${formatCount(clipped)} below ${MARGIN_FLOOR_LABEL} drawn ${how}` : "";
}

/**
 * "; cut at −300 %: enterprise's median (−510 %) and lower quartile (−805 %)" for the tiers whose
 * box (quartiles, median of the real margins) reaches below MARGIN_FLOOR and is drawn cut at it;
 * "" when none does.
 */
function cutBoxesNote(knownFrame: pl.DataFrame, tiers: string[]): string {
  const stats = knownFrame.groupBy("tier").agg(
    ...(["q1", "median", "q3"] as const).map((name, i) =>
      pl.col("gross_margin_pct").quantile([0.25, 0.5, 0.75][i], "linear").alias(name)
    ),
  );
  const of = new Map(
    (stats.toRecords() as { tier: string; q1: number; median: number; q3: number }[])
      .map((r) => [r.tier, r]),
  );
  const pct = (value: number) => pictureMinus(`${formatCount(value)} %`);
  const cut = tiers.flatMap((tier) => {
    const { q1, median, q3 } = of.get(tier)!;
    if (!(q1 < MARGIN_FLOOR)) return [];
    const parts = [
      ...(median < MARGIN_FLOOR ? [`median (${pct(median)})`] : []),
      q3 < MARGIN_FLOOR ? `quartiles (${pct(q1)}, ${pct(q3)})` : `lower quartile (${pct(q1)})`,
    ];
    return [`${tier}'s ${parts.join(" and ")}`];
  });
  return cut.length > 0 ? `; cut at ${MARGIN_FLOOR_LABEL}: ${cut.join(", ")}` : "";
}

/**
 * `frame` less its rows whose margin is NaN or infinite (a frame built in a notebook; the readers
 * refuse them) and how many: one pass, and no copy when there are none (the usual case).
 */
function withoutUnknownMargins(frame: pl.DataFrame): { known: pl.DataFrame; unknown: number } {
  const unknown = Number(
    frame.select(notFinite("gross_margin_pct").sum().alias("n")).getColumn("n").get(0),
  );
  return unknown === 0
    ? { known: frame, unknown }
    : { known: frame.filter(notFinite("gross_margin_pct").not()), unknown };
}

/** "; N whose margin is unknown (NaN or infinite) not shown" when there are any. */
function unknownMarginsNote(unknown: number): string {
  return unknown > 0
    ? `; ${formatCount(unknown)} whose margin is unknown (NaN or infinite) not shown`
    : "";
}

/** A shared Stripe customer's revenue row's margin is its customer's (chart_customers.ts). */
const CUSTOMER_MARGIN = pl.col(CUSTOMER_CHART_COLUMNS.margin).alias("gross_margin_pct");
const ORGANIZATIONS = CUSTOMER_CHART_COLUMNS.organizations;

export function marginVsMrrChart(frame: pl.DataFrame, limit: DrawnLimit = {}): Chart {
  // Only paying organizations with a margin are drawn: filtered in Polars, in export order.
  // (an MRR that is NaN or infinite is unknown: not shown, counted with the ones without MRR)
  const { known: payingFrame, unknown: unknownMargins } = withoutUnknownMargins(
    drawnRows(frame, {
      orgNames: limit.orgNames,
      drawn: (source, named) =>
        withCustomerChartColumns(source, limit.windowDays)
          .select("mrr", CUSTOMER_MARGIN, "tier", ...(named ? ["org_name"] : []), ORGANIZATIONS)
          .filter(
            finiteOrNull("mrr").gt(0).and(pl.col("gross_margin_pct").isNotNull()).fillNull(false),
          ),
    }),
  );
  const dense = payingFrame.height > MAX_DOTS;
  const whole = drawsEveryPoint(payingFrame.height, limit);
  // Hover titles name the organization (org_name is data: Plot sets it as the title's text).
  const titled = (r: Row, margin: number) => ({
    ...r,
    title: `${chartLabel(r.org_name)}\n${r.tier ?? ""}\nMRR ${usdLabel(r.mrr as number)} · ${
      pctLabel(margin)
    } gross margin, spec basis${sharedCustomerTitle(r[ORGANIZATIONS] as number, "LLM cost")}`,
  });
  // Dots need row objects (tier colours); hexbins draw from two channels or grid counts.
  const paying = dense
    ? []
    : rows(payingFrame, ["mrr", "gross_margin_pct", "tier", "org_name", ORGANIZATIONS]);
  const inRange = paying.filter((r) => (r.gross_margin_pct as number) >= MARGIN_FLOOR)
    .map((r) => titled(r, r.gross_margin_pct as number));
  // Below the floor: drawn on it as downward triangles, so they are seen and not mistaken.
  const clipped = paying
    .filter((r) => (r.gross_margin_pct as number) < MARGIN_FLOOR)
    .map((r) => ({ ...titled(r, r.gross_margin_pct as number), gross_margin_pct: MARGIN_FLOOR }));
  const clippedCount = payingFrame.filter(pl.col("gross_margin_pct").lt(MARGIN_FLOOR)).height;
  const caption = `${monthlyBasisNote(limit.windowDays, "LLM cost")}${
    formatCount(payingFrame.height)
  } ${nounFor(payingFrame.height, "organization")} with MRR > 0 (${
    formatCount(frame.height - payingFrame.height - unknownMargins)
  } without MRR on their row not shown: none, unknown, or on a shared Stripe customer's other row)${
    unknownMarginsNote(unknownMargins)
  }${sharedCustomersNote(payingFrame, "LLM cost")}${
    clippedNote(
      clippedCount,
      `as ▼ at ${MARGIN_FLOOR_LABEL}${dense ? " (binned and shaded as the hexagons)" : ""}`,
    )
  }.`;
  const xy = { x: "mrr", y: "gross_margin_pct" };
  const marks = dense ? densityMarks(payingFrame, whole) : [
    Plot.dot(inRange, { ...xy, fill: "tier", r: 3.5, fillOpacity: 0.75, title: "title" }),
    Plot.dot(clipped, {
      ...xy,
      fill: "tier",
      symbol: "triangle",
      rotate: 180,
      r: 4.5,
      fillOpacity: 0.9,
      title: "title",
    }),
  ];
  const legendSvg = dotsLegend(dense, paying);
  const x = logAxis(payingFrame, "mrr", {
    axis: "x",
    label: "MRR (USD per month, log scale)",
    money: true,
  });
  return {
    name: "margin_vs_mrr",
    title: MARGIN_VS_MRR_TITLE,
    svg: framed({
      title: MARGIN_VS_MRR_TITLE,
      caption,
      legendSvg,
      demo: limit.demo,
      plot: {
        x: x.scale,
        y: {
          label: SPEC_MARGIN_AXIS,
          grid: true,
          ...marginAxis(payingFrame, { dense }),
        },
        color: dense ? DENSITY_COLOR : tierColor,
        marks: [
          ...x.marks,
          Plot.ruleY([0], { stroke: "#dc2626", strokeWidth: 1.5 }),
          ...marks,
          ...(payingFrame.height === 0 ? [nothingDrawn("no organization with MRR > 0")] : []),
        ],
      },
    }),
  };
}

export function marginByTierChart(frame: pl.DataFrame, limit: DrawnLimit = {}): Chart {
  const { known: knownFrame, unknown: unknownMargins } = withoutUnknownMargins(
    withCustomerChartColumns(frame, limit.windowDays)
      .select("tier", CUSTOMER_MARGIN, ORGANIZATIONS)
      .filter(pl.col("gross_margin_pct").isNotNull()),
  );
  const present = new Set(frame.select(pl.col("tier").unique()).getColumn("tier").toArray());
  // organizations with a margin per tier (all of them: the axis says n), and those below the floor
  const counts = knownFrame.groupBy("tier").agg(
    pl.len().alias("n"),
    pl.col("gross_margin_pct").lt(MARGIN_FLOOR).sum().alias("below"),
  );
  const countedTiers = counts.getColumn("tier").toArray() as unknown[];
  const perTier = (column: string) =>
    new Map(countedTiers.map((t, i) => [t, Number(counts.getColumn(column).get(i))]));
  const countOf = perTier("n");
  const belowOf = perTier("below");
  const clipped = [...belowOf.values()].reduce((sum, n) => sum + n, 0);
  const withMargin = new Set(countOf.keys());
  const tiers = TIER_DOMAIN.filter((t) => withMargin.has(t));
  const withoutMargin = TIER_DOMAIN.filter((t) => !tiers.includes(t) && present.has(t));
  // A tier's margins below the floor are all drawn at one spot, one ▼ on top of the others: their
  // count is written beside it and named per tier in the caption (4 said, 2 seen before).
  const floorCounts = tiers.filter((t) => belowOf.get(t)! > 0).map((tier) => ({
    tier,
    n: formatCount(belowOf.get(tier)!),
  }));
  const boxes = boxPlot(knownFrame, {
    column: "gross_margin_pct",
    whole: drawsEveryPoint(knownFrame.height, limit),
    floor: MARGIN_FLOOR,
    log: false,
    domain: tiers,
    style: TIER_BOXES,
  });
  return {
    name: "margin_by_tier",
    title: MARGIN_BY_TIER_TITLE,
    svg: framed({
      title: MARGIN_BY_TIER_TITLE,
      caption: `${monthlyBasisNote(limit.windowDays, "LLM cost")}Box: quartiles and median; ${
        formatCount(knownFrame.height)
      } ${nounFor(knownFrame.height, "organization")} with MRR > 0${
        unknownMarginsNote(unknownMargins)
      }${sharedCustomersNote(knownFrame, "LLM cost")}${
        clippedNote(
          clipped,
          `as one ▼ per tier at ${MARGIN_FLOOR_LABEL}, n beside it: ${
            floorCounts.map((c) => `${c.tier} ${c.n}`).join(", ")
          }`,
        )
      }${cutBoxesNote(knownFrame, tiers)}${outlierStripNote(boxes.crowded)}.${
        withoutMargin.length > 0 ? ` No margin (no MRR): ${withoutMargin.join(", ")}.` : ""
      }`,
      legendSvg: tierLegend(tiers),
      demo: limit.demo,
      plot: {
        x: {
          label: "tier (n = organizations with a margin)",
          domain: tiers,
          tickFormat: (t: string) => `${t} (n=${formatCount(countOf.get(t) ?? 0)})`,
        },
        y: { label: SPEC_MARGIN_AXIS, grid: true, ...marginAxis(knownFrame) },
        color: tierColor,
        marks: [
          Plot.ruleY([0], { stroke: "#dc2626", strokeWidth: 1.5 }),
          ...boxes.marks,
          Plot.text(floorCounts, {
            x: "tier",
            y: () => MARGIN_FLOOR,
            text: (c: { n: string }) => `n=${c.n}`,
            textAnchor: "start",
            dx: 8,
            fontSize: 10,
            fill: TIER_BOXES.stroke,
          }),
          ...(knownFrame.height === 0 ? [nothingDrawn("no organization with MRR > 0")] : []),
        ],
      },
    }),
  };
}
