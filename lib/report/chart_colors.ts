/**
 * What each colour means, the same in every chart (the export's, the economics', the history's,
 * the question charts'): a tier's hue, its plans in shades of it, the money measures in colours no
 * tier uses. Before, blue was the pro tier in one chart, MRR in the next and LLM cost in a third,
 * and the enterprise plan was drawn in the pro tier's blue.
 */

/**
 * Tiers in their order, and their hues: a tier's colour stays the same in every chart. Enterprise
 * is dark gold, not purple: to a red-green colour-blind reader (about one man in twelve) violet and
 * pro's blue are the same blue, and the two tiers meet in every tier and plan chart
 * (tests/chart_colors_cvd_test.ts).
 */
export const TIER_DOMAIN = ["free", "pro", "team", "growth", "enterprise", "other"];
export const TIER_RANGE = ["#9ca3af", "#2563eb", "#16a34a", "#0891b2", "#a16207", "#db2777"];

/**
 * The money measures, in colours no tier has: revenue dark, costs in oranges (the company's own
 * part of the LLM cost, pass-through, darker than all of it). A margin on a cost basis takes its
 * cost's colour.
 */
export const MEASURE_COLORS = {
  mrr: "#1f2937",
  llmCost: "#f97316",
  companyCost: "#9a3412",
  /** requests or organizations counted, alone in a chart */
  count: "#64748b",
} as const;

/**
 * Colours for series that are neither a tier nor one of the measures above (alternative prices,
 * a plan of no tier): none is a tier's hue or a measure's. The first three stay apart from each
 * other and from MRR's near-black for colour-blind readers too (the pricing-model chart draws them
 * beside MRR); olive, once third, was the first one's amber to them.
 */
export const SPARE_COLORS = ["#be123c", "#78716c", "#4338ca", "#4d7c0f", "#0f766e", "#a21caf"];

/** A bridge's movements, as gains and losses are usually read (its start and end are MRR). */
export const FLOW_COLORS = { gain: "#16a34a", loss: "#dc2626" } as const;

/** A legend's "+3 more" swatch: no series' colour. */
export const MORE_SWATCH = "#e5e7eb";

/**
 * A colour per plan: a plan of a tier (`tierOf`) in a shade of the tier's hue (several plans of one
 * tier, in name order, from darker to lighter), a plan of no tier in SPARE_COLORS, in name order.
 */
export function planColors(
  plans: readonly string[],
  tierOf: (plan: string) => string | null,
): { domain: string[]; range: string[] } {
  const domain = [...new Set(plans)].sort();
  const byTier = new Map<string, string[]>();
  for (const plan of domain) {
    const tier = tierOf(plan);
    if (tier === null || !TIER_DOMAIN.includes(tier)) continue;
    byTier.set(tier, [...(byTier.get(tier) ?? []), plan]);
  }
  let spare = 0;
  const range = domain.map((plan) => {
    const tier = tierOf(plan);
    const siblings = tier === null ? undefined : byTier.get(tier);
    if (tier === null || siblings === undefined) {
      return SPARE_COLORS[spare++ % SPARE_COLORS.length];
    }
    const hue = TIER_RANGE[TIER_DOMAIN.indexOf(tier)];
    return shade(hue, shadeStep(siblings.indexOf(plan), siblings.length));
  });
  return { domain, range };
}

/** The tier a plan's name starts with (`pro 2025-12-10`, `team (bundle, legacy)`), or null. */
export function tierOfPlanName(plan: string): string | null {
  const first = plan.trim().split(/[\s(_-]/, 1)[0].toLowerCase();
  return TIER_DOMAIN.includes(first) && first !== "other" ? first : null;
}

/** The i-th of n shades: 0 for one plan; else from 35 % darker to 35 % lighter. */
function shadeStep(i: number, n: number): number {
  return n <= 1 ? 0 : -0.35 + (0.7 * i) / (n - 1);
}

/** `#rrggbb` mixed toward black (step < 0) or white (step > 0) by |step|. */
export function shade(hex: string, step: number): string {
  const target = step < 0 ? 0 : 255;
  const amount = Math.abs(step);
  const channels = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
  return "#" + channels
    .map((c) => Math.round(c + (target - c) * amount).toString(16).padStart(2, "0"))
    .join("");
}
