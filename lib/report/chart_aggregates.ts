/**
 * Charts of many organizations drawn from Polars aggregates instead of a mark input per
 * organization: above MAX_DRAWN_POINTS points hexbins sum the counts of a fine grid and box plots
 * draw their quartiles, whiskers and each distinct outlier position computed in Polars. Every
 * organization is counted and the picture is the one Plot draws from every point (within half a
 * pixel; tests/chart_aggregates_test.ts), from a few thousand values out of Polars instead of a
 * million JS values in the chart worker (seconds and hundreds of MB at a million organizations).
 * At or below the limit, box plots are Plot's boxY of every point (everyPointBoxes; its marks with
 * a floor), unless a tier has more than MAX_OUTLIER_DOTS outliers: its outliers are then a strip
 * (outlierStrip) at any size.
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { channel } from "./chart_data.ts";
import { fences, whiskers } from "./box_fences.ts";
import {
  type CrowdedTier,
  MAX_OUTLIER_DOTS,
  outlierStrip,
  STRIP_BINS,
  type StripBin,
} from "./chart_outlier_strip.ts";

/** Above this many points a hexbin or box plot draws from aggregates. */
export const MAX_DRAWN_POINTS = 20_000;

/** Grid cells per axis: a cell is under half a pixel of an 880 × 480 chart. */
export const DENSITY_GRID = 1000;

/** The limit above which a chart draws from aggregates (tests pass a small one). */
export interface DrawnLimit {
  maxDrawnPoints?: number;
  /** the export's window in days (30 when not given): labels of window usage name it */
  windowDays?: number;
  /** the export is demo data: each chart's caption opens saying so (chart_frame.ts DEMO_NOTE) */
  demo?: boolean;
  /**
   * org_name, for a frame without it (the chart worker's, above MAX_DOTS organizations): read
   * only by a chart that draws dots, whose hover titles name organizations (drawnRows)
   */
  orgNames?: () => pl.Series;
}

/** Whether a chart of `points` points draws every point (else from aggregates). */
export function drawsEveryPoint(points: number, { maxDrawnPoints }: DrawnLimit = {}): boolean {
  return points <= (maxDrawnPoints ?? MAX_DRAWN_POINTS);
}

/** An axis of an aggregated chart: its values (an expression of the frame), log scale or not. */
export interface AggregateAxis {
  values: pl.Expr;
  log: boolean;
}

/** The axes of densityHexbins' points, and its dots' style. */
export interface DensityHexbinsOptions {
  x: AggregateAxis;
  y: AggregateAxis;
  /** the dot mark's other options (a symbol other than the hexagon) */
  style?: Plot.DotOptions;
}

/**
 * Hexagons of every point of `frame` from DENSITY_GRID × DENSITY_GRID grid cells over the
 * points' extent (of the logarithms on a log axis): each cell's count placed at its points' mean
 * (on the axis' scale), and Plot's hexbin summing the counts of the cells in each hexagon. A cell
 * is under half a pixel wide, so only a cell across a hexagon's edge can put a point in the
 * hexagon next to its own. Points with a missing or NaN value are left out, as Plot leaves them out.
 * `style`: the dot mark's other options (a symbol other than the hexagon).
 */
export function densityHexbins(
  frame: pl.DataFrame,
  { style = {}, ...axes }: DensityHexbinsOptions,
): Plot.Markish {
  const points = frame.select(scaled(axes.x).alias("x"), scaled(axes.y).alias("y"))
    .filter(known("x").and(known("y")));
  // one integer key per cell (x-major): one group-by column, sorted into grid order
  const cells = points.select(
    gridOf(points, pl.col("x")).mul(DENSITY_GRID).plus(gridOf(points, pl.col("y"))).alias("cell"),
    "x",
    "y",
  ).groupBy("cell").agg(pl.len().alias("n"), pl.col("x").mean(), pl.col("y").mean()).sort("cell");
  const values = (name: string, axis: AggregateAxis) =>
    Array.from(
      cells.getColumn(name).toTypedArray() as Float64Array,
      (v) => axis.log ? 10 ** v : v,
    );
  const count = Array.from(cells.getColumn("n").cast(pl.Float64).toTypedArray() as Float64Array);
  return Plot.dot(
    { length: count.length },
    Plot.hexbin({ fill: "sum" }, {
      x: values("x", axes.x),
      y: values("y", axes.y),
      fill: count,
      ...style,
    }),
  );
}

export interface BoxStyle {
  fillOpacity: number;
  stroke: string;
}

/**
 * Outlier symbols of a box plot clipped at a floor: ▼ for a value below it, filled with the
 * outlines' colour as the caption's ▼ is (a hollow ▽ did not match it), else a hollow circle, both
 * of Plot's default outlier size (a symbol channel would make them 4.5 px). The fill bypasses the
 * chart's colour scale (tiers): it is a colour already.
 */
function floorSymbols(below: boolean[], stroke: string) {
  return {
    symbol: below.map((b) => b ? "triangle" : "circle"),
    rotate: below.map((b) => b ? 180 : 0),
    fill: { value: below.map((b) => b ? stroke : "none"), scale: null },
    r: 3,
  };
}

/**
 * Plot's boxes per tier from every point of `frame`: channels as arrays over an index, no row
 * object each. With a `floor` or on a log axis, customBoxes.
 */
export function everyPointBoxes(
  frame: pl.DataFrame,
  { column, style, floor, log = false }: {
    column: string;
    style: BoxStyle;
    floor?: number;
    log?: boolean;
  },
): Plot.Markish {
  const tierOf = channel(frame, "tier");
  const values = channel(frame, column) as number[];
  const data = { length: frame.height };
  if (floor === undefined && !log) {
    return Plot.boxY(data, { x: tierOf, y: values, fill: tierOf, ...style });
  }
  return customBoxes(data, { tierOf, values, style, floor, log });
}

/**
 * Plot.boxY's marks (marks/box.js) with its fences on the logarithms on a log axis (box_fences.ts),
 * and with a `floor` the statistics of the real values drawn no lower than it: a quartile, median
 * or whisker end below it on it (the caption says so), and every value below it a ▼ on it, an
 * outlier or not. Clamping the values first moved the quartiles and median (an enterprise tier at
 * +80 % and −1,100 % drew its median at −110 %, not −510 %) and left a value below the floor
 * without its ▼ unless it was an outlier of the clamped values.
 */
function customBoxes(
  data: { length: number },
  { tierOf, values, style, floor, log }: {
    tierOf: unknown[];
    values: number[];
    style: BoxStyle;
    floor?: number;
    log: boolean;
  },
): Plot.Markish {
  const { fillOpacity, stroke } = style;
  const at = (stat: (v: number[]) => number) => (v: number[]) =>
    floor === undefined ? stat(v) : Math.max(floor, stat(v));
  const xy = { x: tierOf, y: values };
  const ends = (v: number[]) => whiskers(v, { q1: quantile(v, 0.25), q3: quantile(v, 0.75), log });
  // an outlier at its value, a value below the floor on it; NaN (not drawn) for the rest
  const dots = (v: number[]) => {
    const [low, high] = ends(v);
    return v.map((d) => floor !== undefined && d < floor ? floor : d < low || d > high ? d : NaN);
  };
  return Plot.marks(
    Plot.ruleX(
      data,
      Plot.groupX({ y1: at((v) => ends(v)[0]), y2: at((v) => ends(v)[1]) }, {
        ...xy,
        stroke,
      }),
    ),
    Plot.barY(
      data,
      Plot.groupX({ y1: at((v) => quantile(v, 0.25)), y2: at((v) => quantile(v, 0.75)) }, {
        ...xy,
        fill: tierOf,
        fillOpacity,
      }),
    ),
    Plot.tickY(
      data,
      Plot.groupX({ y: at((v) => quantile(v, 0.5)) }, { ...xy, stroke, strokeWidth: 2 }),
    ),
    Plot.dot(
      data,
      Plot.map({ y: dots }, {
        ...xy,
        z: tierOf,
        stroke,
        ...(floor === undefined ? {} : floorSymbols(values.map((v) => v < floor), stroke)),
      }),
    ),
  );
}

/** d3.quantile (R's type 7, Polars' "linear"), as Plot's box computes it; NaN left out. */
export function quantile(values: number[], p: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const i = (sorted.length - 1) * p;
  const i0 = Math.floor(i);
  const low = sorted[i0];
  return i0 === i ? low : low + (sorted[i0 + 1] - low) * (i - i0);
}

/** What a box plot draws from: its tiers' values and statistics, and how it is styled. */
export interface BoxPlotOptions extends AggregateAxis {
  /** the tiers drawn, in the axis' order */
  domain: string[];
  style: BoxStyle;
  /** the lowest value drawn: values below it are a ▼ on it */
  floor?: number;
}

/** A box plot's marks, and the tiers whose outliers are drawn as a strip (for the caption). */
export interface BoxPlot {
  marks: Plot.Markish[];
  crowded: CrowdedTier[];
}

/**
 * The box plot of `frame` per tier: Plot's boxes of every point (everyPointBoxes of `column`)
 * when `whole` and no tier has more than MAX_OUTLIER_DOTS outliers, else aggregatedBoxes (whose
 * crowded tiers' outliers are a strip).
 */
export function boxPlot(
  frame: pl.DataFrame,
  { column, whole, ...options }: Omit<BoxPlotOptions, "values"> & {
    column: string;
    whole: boolean;
  },
): BoxPlot {
  const plot = { values: pl.col(column), ...options };
  const tiers = tierStatistics(frame, plot);
  const crowded = crowdedTiers(tiers)
    .sort((a, b) => options.domain.indexOf(a.tier) - options.domain.indexOf(b.tier));
  return whole && crowded.length === 0
    ? {
      marks: [
        everyPointBoxes(frame, {
          column,
          style: options.style,
          floor: options.floor,
          log: options.log,
        }),
      ],
      crowded,
    }
    : { marks: aggregatedBoxes(frame, plot, tiers), crowded };
}

/** One tier's points and statistics (tierStatistics). */
interface TierStatistics {
  tier: string;
  points: pl.DataFrame;
  stats: Record<string, unknown>;
}

/** Where a value is drawn: on the floor when below it (below: the expression saying so). */
function drawnValue({ log, floor }: { log: boolean; floor?: number }) {
  const v = pl.col("v");
  const below = floor === undefined ? pl.lit(false) : v.lt(floor);
  const drawn = floor === undefined ? v : pl.when(below).then(pl.lit(floor)).otherwise(v);
  return { v, below, drawn, at: scaled({ values: drawn, log }) };
}

/**
 * Each tier's points (tier, v) and statistics (quartiles, median, fences, whisker ends, its drawn
 * values' extent, its outliers not below the floor), in Polars' sort order of the tiers' names
 * (ASCII), in which the outliers are drawn.
 *
 * The points are split by tier once and each tier's statistics are two selects of its own values
 * (its quartiles, then what its fences hold): group-bys on the tier's text and a fence per row
 * picked by comparing it with each tier's name were ~0.2 s of CPU for 750k points (usage by tier at
 * a million organizations), one select ~0.07.
 */
function tierStatistics(
  frame: pl.DataFrame,
  { values, domain, ...axis }: Pick<BoxPlotOptions, "values" | "domain" | "log" | "floor">,
): TierStatistics[] {
  const { v, below, at } = drawnValue(axis);
  const plotted = at.filter(at.isNan().not());
  return frame.select(pl.col("tier"), values.cast(pl.Float64).alias("v"))
    .filter(pl.col("tier").isIn(domain).and(known("v")))
    .partitionBy("tier", true, true)
    .map((points) => {
      const quartiles = points.select(
        v.quantile(0.25, "linear").alias("q1"),
        v.quantile(0.5, "linear").alias("median"),
        v.quantile(0.75, "linear").alias("q3"),
      ).toRecords()[0];
      // the every-point boxes' fences (box_fences.ts), from the same function: a point outside
      // them is an outlier
      const [fenceLow, fenceHigh] = fences(Number(quartiles.q1), Number(quartiles.q3), axis);
      const inside = v.gtEq(fenceLow).and(v.ltEq(fenceHigh));
      const stats = points.select(
        v.filter(inside).min().alias("low"),
        v.filter(inside).max().alias("high"),
        inside.not().and(below.not()).cast(pl.UInt32).sum().alias("outliers"),
        // this tier's share of the outlier grid's extent (drawn values, as the scale spaces them)
        plotted.min().alias("from"),
        plotted.max().alias("to"),
      ).toRecords()[0];
      return {
        tier: String(points.getColumn("tier").get(0)),
        points,
        stats: { ...quartiles, fenceLow, fenceHigh, ...stats },
      };
    })
    .sort((a, b) => a.tier < b.tier ? -1 : a.tier > b.tier ? 1 : 0);
}

/** The tiers with more than MAX_OUTLIER_DOTS outliers (not counting ▼ below a floor). */
function crowdedTiers(tiers: TierStatistics[]): CrowdedTier[] {
  return tiers.map(({ tier, points, stats }) => ({
    tier,
    outliers: Number(stats.outliers),
    points: points.height,
  }))
    .filter((t) => t.outliers > MAX_OUTLIER_DOTS);
}

/**
 * Box plots of `values` per tier (tiers in `domain` only, as the axis shows them), as Plot.boxY
 * draws them from every point — whisker rule, quartile bar, median tick, outlier dots with its
 * defaults — from quartiles, whiskers and outliers computed in Polars. Outliers on one tier's line
 * within half a pixel of each other are one dot (the lowest of them): Plot would draw them on top
 * of each other. With a `floor`, as everyPointBoxes draws it: statistics of the real values,
 * drawn no lower than the floor, and each value below it a ▼ on it (one per tier). A tier with
 * more than MAX_OUTLIER_DOTS outliers draws them as an outlier strip (its ▼ stays).
 */
export function aggregatedBoxes(
  frame: pl.DataFrame,
  { values, log, domain, style, floor }: BoxPlotOptions,
  tiers = tierStatistics(frame, { values, log, domain, floor }),
): Plot.Markish[] {
  const { v, below, drawn, at } = drawnValue({ log, floor });
  // (a tier with no value the scale places has no extent; none at all: one cell, as gridOf's)
  const ends = tiers.filter(({ stats }) => stats.from !== null)
    .map(({ stats }) => [Number(stats.from), Number(stats.to)]);
  const [lo, hi] = ends.length === 0
    ? [0, 0]
    : [Math.min(...ends.map(([from]) => from)), Math.max(...ends.map(([, to]) => to))];
  const cell = gridOver(at, { lo, hi });
  const crowded = new Set(crowdedTiers(tiers).map((t) => t.tier));
  const outside = ({ fenceLow, fenceHigh }: Record<string, unknown>) =>
    v.lt(fenceLow as number).or(v.gt(fenceHigh as number));
  const outliers = tiers.map(({ tier, points, stats }) =>
    // a crowded tier's dots are its ▼ only (its outliers are its strip)
    points.filter(crowded.has(tier) ? below : outside(stats).or(below))
      .select(drawn.alias("v"), below.alias("below"), cell.alias("cell"))
      .groupBy(["cell", "below"]).agg(pl.col("v").min()).sort(["cell", "below"])
  );
  const onFloor = (value: unknown) =>
    floor === undefined || value === null ? value : Math.max(floor, value as number);
  const boxes = tiers.map(({ tier, stats }) => ({
    tier,
    ...Object.fromEntries(
      ["q1", "median", "q3", "low", "high"].map((stat) => [stat, onFloor(stats[stat])]),
    ),
  })).sort((a, b) => domain.indexOf(a.tier) - domain.indexOf(b.tier));
  const { fillOpacity, stroke } = style;
  const outlierTier = tiers.flatMap(({ tier }, i) => Array(outliers[i].height).fill(tier));
  const outlierValues = outliers.flatMap((o) =>
    Array.from(o.getColumn("v").toTypedArray() as Float64Array)
  );
  const outlierBelow = outliers.flatMap((o) => o.getColumn("below").toArray() as boolean[]);
  const strips = tiers.filter(({ tier }) => crowded.has(tier)).map(({ tier, points, stats }) => ({
    tier,
    outliers: Number(stats.outliers),
    points: points.height,
    // the median as the scale spaces it: the strip's label goes beside its outliers on one side
    median: log ? Math.log10(Number(stats.median)) : Number(stats.median),
    bins: stripBins(points.filter(outside(stats).and(below.not())).select(at.alias("s")), {
      lo,
      hi,
    }),
  }));
  return [
    Plot.ruleX(boxes, { x: "tier", y1: "low", y2: "high", stroke }),
    Plot.barY(boxes, { x: "tier", y1: "q1", y2: "q3", fill: "tier", fillOpacity }),
    Plot.tickY(boxes, { x: "tier", y: "median", stroke, strokeWidth: 2 }),
    Plot.dot({ length: outlierValues.length }, {
      x: outlierTier,
      y: outlierValues,
      stroke,
      ...(floor === undefined ? {} : floorSymbols(outlierBelow, stroke)),
    }),
    ...outlierStrip(strips, { log, stroke }),
  ];
}

/** Outliers (their scaled values, column "s") counted in STRIP_BINS bins over [lo, hi]. */
function stripBins(outliers: pl.DataFrame, { lo, hi }: { lo: number; hi: number }): StripBin[] {
  const step = (hi - lo) / STRIP_BINS;
  const bins = outliers.select(gridOver(pl.col("s"), { lo, hi, cells: STRIP_BINS }).alias("bin"))
    .groupBy("bin").agg(pl.len().alias("n")).sort("bin").toRecords();
  return bins.map((b) => ({ at: lo + (Number(b.bin) + 0.5) * step, n: Number(b.n) }));
}

/** Not missing and not NaN. */
function known(name: string): pl.Expr {
  return pl.col(name).isNotNull().and(pl.col(name).isNan().not());
}

/** An axis' values as Float64, as its scale spaces them: their logarithms on a log axis. */
function scaled(axis: AggregateAxis): pl.Expr {
  const v = axis.values.cast(pl.Float64);
  return axis.log ? v.log(10) : v;
}

/**
 * The DENSITY_GRID cell of each point along one axis: an Int32 expression of `value` (as the
 * scale spaces the values), the grid spanning its extent over `points`.
 */
function gridOf(points: pl.DataFrame, value: pl.Expr): pl.Expr {
  const [lo, hi] = extentOf(points, value);
  return gridOver(value, { lo, hi });
}

/** gridOf over the extent [lo, hi] (known already), in `cells` cells (DENSITY_GRID). */
function gridOver(
  value: pl.Expr,
  { lo, hi, cells = DENSITY_GRID }: { lo: number; hi: number; cells?: number },
): pl.Expr {
  const step = (hi - lo) / cells;
  return step > 0
    ? value.minus(lo).div(step).floor().clip(0, cells - 1).cast(pl.Int32)
    : pl.lit(0).cast(pl.Int32);
}

/** [min, max] of an expression over the frame, NaN and ±Infinity left out. */
export function extentOf(frame: pl.DataFrame, expr: pl.Expr): [number, number] {
  const values = expr.cast(pl.Float64);
  // ±Infinity too: an infinite end made logAxis' tick list infinitely long (RangeError)
  const known = values.filter(values.isFinite());
  const range = frame.select(known.min().alias("min"), known.max().alias("max"));
  return [Number(range.getColumn("min").get(0)), Number(range.getColumn("max").get(0))];
}

/**
 * `column`'s value where it is a finite number, else null: a NaN or ±Infinity (a frame built in a
 * notebook; the readers refuse them) is unknown, counted and said as an empty value is, never
 * drawn (log axes have no end for it, Plot no position) nor read as "none".
 */
export function finiteOrNull(column: string): pl.Expr {
  return pl.when(pl.col(column).cast(pl.Float64).isFinite()).then(pl.col(column)).otherwise(
    pl.lit(null),
  );
}

/** Whether `column` holds a value that is no finite number (NaN, ±Infinity; null is not one). */
export function notFinite(column: string): pl.Expr {
  const values = pl.col(column).cast(pl.Float64);
  return values.isNotNull().and(values.isFinite().not());
}
