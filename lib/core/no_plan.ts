/**
 * `(none)`, the label of the organizations with no plan (no tier) wherever plans are rows or keys:
 * the history, the brief's By tier, the comparison's tier changes, the scenario's breakdown. A plan
 * literally named `(none)` reads `(none) plan` instead (and `(none) plan` one " plan" longer, …:
 * one to one), or its organizations would be summed with, or taken for, those with none.
 */

/** The label of the organizations with no plan. */
export const NO_PLAN = "(none)";

/** The names NO_PLAN could be taken for: `(none)` followed by " plan" any number of times. */
export const NONE_NAMED_PLAN = /^\(none\)( plan)*$/;

/** A plan's (tier's) label: NO_PLAN where there is none, a name NO_PLAN could be taken for + " plan". */
export function planNameOrNone(name: string | null | undefined): string {
  if (name === null || name === undefined) return NO_PLAN;
  return NONE_NAMED_PLAN.test(name) ? `${name} plan` : name;
}
