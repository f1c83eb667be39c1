/**
 * `(none)`, the label of the organizations with no plan (no tier) wherever an analyst reads a plan
 * or plans are rows or keys: the history, the per-plan table (brief, summary sheet, MCP), the
 * scenario's By plan and breakdown, the brief's By tier, the comparison's tier changes, the
 * organization tool, the charts. A plan literally named `(none)` reads `(none) plan` instead (and
 * `(none) plan` one " plan" longer, …: one to one; `(none) ` or `(NONE)` too, as a price book
 * refuses them), or its organizations would be summed with, or taken for, those with none.
 */
import pl from "nodejs-polars";

/** The label of the organizations with no plan. */
export const NO_PLAN = "(none)";

/**
 * The names a label `base` could be taken for: `base` as a price book refuses it, case and
 * surrounding spaces aside (`(ALL) `; lib/analysis/scenario/validation.ts), then " plan" any number
 * of times. Each such name is labelled one " plan" longer; the set holds every name one " plan"
 * longer than one of its own, so no two names share a label (one to one: `(all) ` reads
 * `(all)  plan`, a plan named that `(all)  plan plan`).
 */
export function namesTakenFor(base: string): RegExp {
  const literal = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^\\s*${literal}( plan)*\\s*( plan)*$`, "i");
}

/** `pattern` for Polars' `str.contains` (Rust's regex): its case-insensitive flag inline. */
export function polarsPattern(pattern: RegExp): string {
  return `${pattern.flags.includes("i") ? "(?i)" : ""}${pattern.source}`;
}

/**
 * Whether `name`, one of namesTakenFor(base), is `base` itself or `base` followed by " plan" any
 * number of times, as written (not only case and spaces aside).
 */
export function isLabelOrNamedAs(name: string, base: string): boolean {
  let rest = name;
  while (rest !== base && rest.endsWith(" plan")) rest = rest.slice(0, -" plan".length);
  return rest === base;
}

/** The names NO_PLAN could be taken for (namesTakenFor): `(none)`, `(none) `, `(none) plan`, …. */
export const NONE_NAMED_PLAN = namesTakenFor(NO_PLAN);

/** A plan's (tier's) label: NO_PLAN where there is none, a name NO_PLAN could be taken for + " plan". */
export function planNameOrNone(name: string | null | undefined): string {
  if (name === null || name === undefined) return NO_PLAN;
  return NONE_NAMED_PLAN.test(name) ? `${name} plan` : name;
}

/** A plan column (as text) labelled as planNameOrNone labels a name. */
export function planOrNone(plan: pl.Expr): pl.Expr {
  const text = plan.cast(pl.Utf8);
  return pl.when(text.str.contains(polarsPattern(NONE_NAMED_PLAN)))
    .then(pl.concatString([text, pl.lit(" plan")], ""))
    .otherwise(text)
    .fillNull(pl.lit(NO_PLAN));
}

/** The per-plan table's row of every organization (lib/economics/per_plan.ts). */
export const ALL_PLANS_LABEL = "all";

/** The names ALL_PLANS_LABEL could be taken for (namesTakenFor): `all`, `ALL `, `all plan`, …. */
const ALL_NAMED_PLAN = namesTakenFor(ALL_PLANS_LABEL);

/**
 * A plan's label in the per-plan table: planNameOrNone's, and a name ALL_PLANS_LABEL could be
 * taken for one " plan" longer (one to one): price books refuse `all`, but an export made before
 * they did (157db189) holds it, and its row read as the table's every-organization row.
 */
export function perPlanLabel(name: string | null | undefined): string {
  const label = planNameOrNone(name);
  return ALL_NAMED_PLAN.test(label) ? `${label} plan` : label;
}

/** A plan column labelled as perPlanLabel labels a name. */
export function perPlanLabelOf(plan: pl.Expr): pl.Expr {
  const label = planOrNone(plan);
  return pl.when(label.str.contains(polarsPattern(ALL_NAMED_PLAN)))
    .then(pl.concatString([label, pl.lit(" plan")], ""))
    .otherwise(label);
}
