/**
 * `(none)`, the label of the organizations with no plan (no tier) wherever an analyst reads a plan
 * or plans are rows or keys: the history, the per-plan table (brief, summary sheet, MCP), the
 * scenario's By plan and breakdown, the brief's By tier, the comparison's tier changes, the
 * organization tool, the charts. A plan literally named `(none)` reads `(none) plan` instead (and
 * `(none) plan` one " plan" longer, …: one to one; `(none) ` or `(NONE)` too, as a price book
 * refuses them), or its organizations would be summed with, or taken for, those with none.
 */
import pl from "nodejs-polars";
import { INVISIBLE, LINE_BREAKING } from "./invisible.ts";

/** The label of the organizations with no plan. */
export const NO_PLAN = "(none)";

// The characters the Markdown outputs drop (lib/core/invisible.ts), and spaces with those they read
// as one (a control character, a line separator): ignored where a name could read as a label.
// (INVISIBLE is one class, `[…]`; LINE_BREAKING one class repeated, `[…]+`)
const HIDDEN_CLASS = INVISIBLE.source.slice(1, -1);
const SPACE_CLASS = `\\s${LINE_BREAKING.source.slice(1, -2)}`;
const HIDDEN = `[${HIDDEN_CLASS}]`;
const SPACE = `[${SPACE_CLASS}]`;
const SPACE_OR_HIDDEN = `[${SPACE_CLASS}${HIDDEN_CLASS}]`;

/** `text` as a pattern matching it with hidden characters (HIDDEN) after each of its characters. */
function withHidden(text: string): string {
  return [...text].map((c) => `${c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}${HIDDEN}*`).join("");
}

/**
 * `name` as the Markdown outputs show it: the characters they drop (HIDDEN) gone, runs of spaces
 * (or characters read as one) one space, trimmed, in one Unicode form (NFC: é written as e and a
 * combining accent is drawn as the one character é is).
 */
export function nameAsShown(name: string): string {
  return name.replace(new RegExp(HIDDEN, "gu"), "").replace(new RegExp(`${SPACE}+`, "gu"), " ")
    .trim().normalize("NFC");
}

/**
 * nameAsShown's, case aside (lower case). Of a name namesTakenFor matches, the base and its
 * " plan"s as written bare (`(none)` of `(none)` and a zero-width space).
 */
export function nameAsRead(name: string): string {
  return nameAsShown(name).toLowerCase();
}

/**
 * The names a label `base` could be taken for: `base` as a price book refuses it, case and
 * surrounding spaces aside (`(ALL) `; lib/analysis/scenario/validation.ts), then " plan" any number
 * of times; and so as the Markdown outputs read them (visibleLine), characters they drop (a
 * zero-width space) ignored and runs of spaces (or characters read as one) as one. Each such name
 * is labelled one " plan" longer; the set holds every name one " plan" longer than one of its own,
 * so no two names share a label (one to one: `(all) ` reads `(all)  plan`, a plan named that
 * `(all)  plan plan`).
 */
export function namesTakenFor(base: string): RegExp {
  const plan = `${SPACE}${SPACE_OR_HIDDEN}*${withHidden("plan")}`;
  return new RegExp(
    `^${SPACE_OR_HIDDEN}*${withHidden(base)}(?:${plan})*${SPACE_OR_HIDDEN}*$`,
    "iu",
  );
}

/**
 * `pattern` for Polars' `str.contains` (Rust's regex): its case-insensitive flag inline, and each
 * `\uFFFF` or `\u{10FFFF}` escape as Rust's `\x{…}`.
 */
export function polarsPattern(pattern: RegExp): string {
  const source = pattern.source.replace(
    /\\u\{([0-9a-fA-F]+)\}|\\u([0-9a-fA-F]{4})|\\[^]/g,
    (escape, braced, four) => (braced ?? four) ? `\\x{${braced ?? four}}` : escape,
  );
  return `${pattern.flags.includes("i") ? "(?i)" : ""}${source}`;
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
export const ALL_NAMED_PLAN = namesTakenFor(ALL_PLANS_LABEL);

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
