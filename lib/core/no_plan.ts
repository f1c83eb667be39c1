/**
 * `(none)`, the label of the organizations with no plan (no tier) wherever an analyst reads a plan
 * or plans are rows or keys: the history, the per-plan table (brief, summary sheet, MCP), the
 * scenario's By plan and breakdown, the brief's By tier, the comparison's tier changes, the
 * organization tool, the charts. A plan literally named `(none)` reads `(none) plan` instead (and
 * `(none) plan` one " plan" longer, …: one to one), or its organizations would be summed with, or
 * taken for, those with none.
 */
import pl from "nodejs-polars";

/** The label of the organizations with no plan. */
export const NO_PLAN = "(none)";

/** The names NO_PLAN could be taken for: `(none)` followed by " plan" any number of times. */
export const NONE_NAMED_PLAN = /^\(none\)( plan)*$/;

/** A plan's (tier's) label: NO_PLAN where there is none, a name NO_PLAN could be taken for + " plan". */
export function planNameOrNone(name: string | null | undefined): string {
  if (name === null || name === undefined) return NO_PLAN;
  return NONE_NAMED_PLAN.test(name) ? `${name} plan` : name;
}

/** A plan column (as text) labelled as planNameOrNone labels a name. */
export function planOrNone(plan: pl.Expr): pl.Expr {
  const text = plan.cast(pl.Utf8);
  return pl.when(text.str.contains(NONE_NAMED_PLAN.source))
    .then(pl.concatString([text, pl.lit(" plan")], ""))
    .otherwise(text)
    .fillNull(pl.lit(NO_PLAN));
}
