/**
 * A box plot's outliers as a strip when a tier has too many for a dot each (chart_aggregates.ts
 * boxPlot decides and counts them): a bar per bin shaded by how many, the tier's count and share
 * beside it, and the caption's note naming the tiers.
 */
import * as Plot from "@observablehq/plot";
import { formatCount } from "./numbers.ts";

/**
 * A tier with more outliers than this draws them as an outlier strip (outlierStrip), not a dot
 * each: 6-px dots on a ~380-px axis stop being told apart well before (at 100k organizations
 * usage by tier's 11 % of each tier beyond the whiskers merged into a solid black column).
 */
export const MAX_OUTLIER_DOTS = 50;

/** Bins of an outlier strip over the outliers' extent: a bin is ~6 px of the chart's axis. */
export const STRIP_BINS = 64;

/**
 * A tier whose outliers are drawn as a strip: how many there are (a ▼ below a floor is not one)
 * of its points drawn.
 */
export interface CrowdedTier {
  tier: string;
  outliers: number;
  points: number;
}

/**
 * "; outliers of free (5,861) and pro (1,322) drawn as a strip, …" for a caption, when a
 * tier's outliers are drawn as one; "" when none is.
 */
export function outlierStripNote(crowded: CrowdedTier[]): string {
  if (crowded.length === 0) return "";
  const tiers = crowded.map((t) => `${t.tier} (${formatCount(t.outliers)})`);
  const named = tiers.length === 1
    ? tiers[0]
    : `${tiers.slice(0, -1).join(", ")} and ${tiers[tiers.length - 1]}`;
  return `; outliers of ${named} drawn as a strip, darker where more, n and share of the tier beside it`;
}

/** A crowded tier's outliers' share of its points drawn: "11.1 %". */
function outlierShare({ outliers, points }: CrowdedTier): string {
  return `${(outliers / points * 100).toFixed(1)} %`;
}

/** A strip's bins: each bin's centre (as the scale spaces values) and how many outliers are in it. */
export interface StripBin {
  at: number;
  n: number;
}

/**
 * The fill opacity of a strip's bin of one outlier (the fullest bin's is 1): 0.4 of the outlines'
 * #333 is a mid grey. At 0.15 a bin of one among thousands was a pale bar no darker than a grid
 * line (stroke-opacity 0.1) beside it, and read as one.
 */
export const STRIP_LIGHTEST = 0.4;

/** An outlier strip's bin: a bar 16 px wide and 5 high at its centre (Plot's dot, any r). */
const STRIP_BAR = {
  draw(context: { rect(x: number, y: number, w: number, h: number): void }) {
    context.rect(-8, -2.5, 16, 5);
  },
};

/** A crowded tier's strip: its bins, and its median as the scale spaces values. */
export interface Strip extends CrowdedTier {
  bins: StripBin[];
  median: number;
}

/**
 * Where a strip's label goes (as the scale spaces values): halfway along its outliers on the side
 * of the box with more of them (above it on a tie). Halfway along all of them put it on the box,
 * over the median, when a tier had outliers on both sides.
 */
export function stripLabelAt({ bins, median }: Strip): number {
  const above = bins.filter((b) => b.at >= median);
  const below = bins.filter((b) => b.at < median);
  const count = (side: StripBin[]) => side.reduce((sum, b) => sum + b.n, 0);
  const side = count(above) >= count(below) ? above : below;
  return (side[0].at + side[side.length - 1].at) / 2;
}

/**
 * Crowded tiers' outliers as a strip on the tier's line: a bar per bin of STRIP_BINS holding
 * any, shaded by how many (its count's logarithm against the chart's fullest bin: one outlier is
 * STRIP_LIGHTEST, the fullest bin black), and the tier's count and share of outliers beside the
 * strip (stripLabelAt).
 */
export function outlierStrip(
  strips: Strip[],
  { log, stroke }: { log: boolean; stroke: string },
): Plot.Markish[] {
  if (strips.length === 0) return [];
  const bins = strips.flatMap(({ tier, bins }) => bins.map((b) => ({ tier, ...b })));
  const fullest = Math.max(...bins.map((b) => b.n));
  const value = (at: number) => log ? 10 ** at : at;
  const shade = (n: number) =>
    STRIP_LIGHTEST + (1 - STRIP_LIGHTEST) * (fullest > 1 ? Math.log(n) / Math.log(fullest) : 1);
  return [
    Plot.dot(bins, {
      x: "tier",
      y: (b: StripBin) => value(b.at),
      symbol: STRIP_BAR,
      fill: stroke,
      fillOpacity: (b: StripBin) => shade(b.n),
      stroke: null,
    }),
    // two short lines right of the strip: "40,580 outliers (12.2 %)" on one ran off the chart
    // beside the last tier, and to its left it ran into the tier before's
    Plot.text(strips, {
      x: "tier",
      // not at an end of the strip: an end can be on a box or median (a margin's at 100 %)
      y: (strip: Strip) => value(stripLabelAt(strip)),
      text: (s: CrowdedTier) => `n=${formatCount(s.outliers)}\n${outlierShare(s)}`,
      textAnchor: "start",
      dx: 12,
      fontSize: 10,
      fill: stroke,
    }),
  ];
}
