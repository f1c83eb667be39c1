/**
 * Charts of many organizations drawn from Polars aggregates instead of a mark input per
 * organization: above MAX_DRAWN_POINTS points hexbins sum the counts of a fine grid and box plots
 * draw their quartiles, whiskers and each distinct outlier position computed in Polars. Every
 * organization is counted and the picture is the one Plot draws from every point (within half a
 * pixel; tests/chart_aggregates_test.ts), from a few thousand values out of Polars instead of a
 * million JS values in the chart worker (seconds and hundreds of MB at a million organizations).
 * At or below the limit, box plots are Plot's boxY of every point (everyPointBoxes).
 */
import * as Plot from "@observablehq/plot";
import pl from "nodejs-polars";
import { channel } from "./chart_data.ts";

/** Above this many points a hexbin or box plot draws from aggregates. */
export const MAX_DRAWN_POINTS = 20_000;

/** Grid cells per axis: a cell is under half a pixel of an 880 × 480 chart. */
export const DENSITY_GRID = 1000;

/** The limit above which a chart draws from aggregates (tests pass a small one). */
export interface DrawnLimit {
  maxDrawnPoints?: number;
  /**
   * the export's window in days (30 when not given): the charts' labels of window usage say
   * "(window)" for 30 days and "(N days)" for another window
   */
  windowDays?: number;
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

/**
 * Hexagons of every point of `frame` from DENSITY_GRID × DENSITY_GRID grid cells over the
 * points' extent (of the logarithms on a log axis): each cell's count placed at its points' mean
 * (on the axis' scale), and Plot's hexbin summing the counts of the cells in each hexagon. A cell
 * is under half a pixel wide, so only a cell across a hexagon's edge can put a point in the
 * hexagon next to its own. Points with a missing or NaN value are left out, as Plot leaves them out.
 */
export function densityHexbins(
  frame: pl.DataFrame,
  axes: { x: AggregateAxis; y: AggregateAxis },
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
    Plot.hexbin({ fill: "sum" }, { x: values("x", axes.x), y: values("y", axes.y), fill: count }),
  );
}

export interface BoxStyle {
  fillOpacity: number;
  stroke: string;
}

/**
 * Outlier symbols of a box plot clipped at a floor: ▼ for a value below it, else a circle, both
 * of Plot's default outlier size (a symbol channel would make them 4.5 px).
 */
function floorSymbols(below: boolean[]) {
  return {
    symbol: below.map((b) => b ? "triangle" : "circle"),
    rotate: below.map((b) => b ? 180 : 0),
    r: 3,
  };
}

/**
 * Plot's boxes per tier from every point of `frame`: channels as arrays over an index, no row
 * object each. With a `floor`, values below it are drawn on it, their outliers as ▼.
 */
export function everyPointBoxes(
  frame: pl.DataFrame,
  { column, style, floor }: { column: string; style: BoxStyle; floor?: number },
) {
  const tierOf = channel(frame, "tier");
  const values = channel(frame, column) as number[];
  return Plot.boxY({ length: frame.height }, {
    x: tierOf,
    y: floor === undefined ? values : values.map((v) => Math.max(floor, v)),
    fill: tierOf,
    ...style,
    ...(floor === undefined ? {} : floorSymbols(values.map((v) => v < floor))),
  });
}

/**
 * Box plots of `values` per tier (tiers in `domain` only, as the axis shows them), as Plot.boxY
 * draws them from every point — whisker rule, quartile bar, median tick, outlier dots with its
 * defaults — from quartiles, whiskers and outliers computed in Polars. Outliers on one tier's line
 * within half a pixel of each other are one dot (the lowest of them): Plot would draw them on top
 * of each other. With a `floor`, values below it are drawn on it, their outliers as ▼ (as
 * everyPointBoxes draws them).
 */
export function aggregatedBoxes(
  frame: pl.DataFrame,
  { values, log, domain, style, floor }: AggregateAxis & {
    domain: string[];
    style: BoxStyle;
    floor?: number;
  },
): Plot.Markish[] {
  const value = values.cast(pl.Float64);
  const points = frame.select(
    pl.col("tier"),
    (floor === undefined ? value : pl.when(value.lt(floor)).then(pl.lit(floor)).otherwise(value))
      .alias("v"),
    (floor === undefined ? pl.lit(false) : value.lt(floor)).alias("below"),
  ).filter(pl.col("tier").isIn(domain).and(known("v")));
  const quartiles = points.groupBy("tier").agg(
    pl.col("v").quantile(0.25, "linear").alias("q1"),
    pl.col("v").quantile(0.5, "linear").alias("median"),
    pl.col("v").quantile(0.75, "linear").alias("q3"),
  );
  const tiers = quartiles.getColumn("tier").toArray() as string[];
  const q1 = quartiles.getColumn("q1").toTypedArray() as Float64Array;
  const q3 = quartiles.getColumn("q3").toTypedArray() as Float64Array;
  // Plot's fences (marks/box.js), computed as it does; a point outside them is an outlier. Per
  // tier as an expression: no copy of the points joined to them.
  const fence = (bound: (i: number) => number) =>
    tiers.reduceRight(
      (other: pl.Expr, tier, i) =>
        pl.when(pl.col("tier").eq(pl.lit(tier))).then(pl.lit(bound(i))).otherwise(other),
      pl.lit(null).cast(pl.Float64),
    );
  const inside = pl.col("v").gtEq(fence((i) => q1[i] * 2.5 - q3[i] * 1.5))
    .and(pl.col("v").ltEq(fence((i) => q3[i] * 2.5 - q1[i] * 1.5)));
  const whiskers = points.groupBy("tier").agg(
    pl.col("v").filter(inside).min().alias("low"),
    pl.col("v").filter(inside).max().alias("high"),
  );
  const cell = gridOf(points, scaled({ values: pl.col("v"), log }));
  const outliers = points.filter(inside.not())
    .select(pl.col("tier"), pl.col("v"), pl.col("below"), cell.alias("cell"))
    .groupBy(["tier", "cell", "below"]).agg(pl.col("v").min()).sort(["tier", "cell", "below"]);
  const boxes = quartiles.join(whiskers, { on: "tier", how: "left" }).toRecords()
    .sort((a, b) => domain.indexOf(a.tier as string) - domain.indexOf(b.tier as string));
  const { fillOpacity, stroke } = style;
  return [
    Plot.ruleX(boxes, { x: "tier", y1: "low", y2: "high", stroke }),
    Plot.barY(boxes, { x: "tier", y1: "q1", y2: "q3", fill: "tier", fillOpacity }),
    Plot.tickY(boxes, { x: "tier", y: "median", stroke, strokeWidth: 2 }),
    Plot.dot({ length: outliers.height }, {
      x: outliers.getColumn("tier").toArray(),
      y: Array.from(outliers.getColumn("v").toTypedArray() as Float64Array),
      stroke,
      ...(floor === undefined
        ? {}
        : floorSymbols(outliers.getColumn("below").toArray() as boolean[])),
    }),
  ];
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
  const step = (hi - lo) / DENSITY_GRID;
  return step > 0
    ? value.minus(lo).div(step).floor().clip(0, DENSITY_GRID - 1).cast(pl.Int32)
    : pl.lit(0).cast(pl.Int32);
}

/** [min, max] of an expression over the frame, NaN left out. */
export function extentOf(frame: pl.DataFrame, expr: pl.Expr): [number, number] {
  const values = expr.cast(pl.Float64);
  const known = values.filter(values.isNan().not());
  const range = frame.select(known.min().alias("min"), known.max().alias("max"));
  return [Number(range.getColumn("min").get(0)), Number(range.getColumn("max").get(0))];
}
