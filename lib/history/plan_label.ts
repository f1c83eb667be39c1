/**
 * The all-customers label, `(all)`: the company's rows in the history, retention and cohorts CSVs
 * and sheets carry it in `plan` (`cohort_plan`). A plan literally named `(all)` would read there
 * as the company, and the kit's own readers (the retention headline, the MCP mrr_history) would
 * take its rows for the company's. So its rows are labelled `(all) plan` instead, and the report
 * says so: in those files, `(all)` is always every customer. A plan named `(all) plan` (or
 * `(all) plan plan`, …) gains a " plan" too, so two plans never share a label (their rows would be
 * summed as one in the bridge's checks and joined with each other in the cohorts). A price book
 * refuses these names (HISTORY_RELABELLED_PLAN), so the per-plan table and the history never name
 * one plan two ways; a snapshot from before that (or a tier so named, where the plan is empty) may
 * still hold one. Case and surrounding spaces aside, as the price book refuses them: `(all) `
 * (a trailing space) reads `(all)  plan`, one " plan" longer as `(all)` does (namesTakenFor).
 * Likewise `(none)`, the plan of the organizations with none: a plan so named reads `(none) plan`.
 */
import pl from "nodejs-polars";
import { HISTORY_ALL_PLANS_LABEL, HISTORY_RELABELLED_PLAN } from "../analysis/scenario/model.ts";
import { INVISIBLE, LINE_BREAKING } from "../core/invisible.ts";
import {
  isLabelOrNamedAs,
  nameAsRead,
  NO_PLAN,
  NONE_NAMED_PLAN,
  polarsPattern,
} from "../core/no_plan.ts";

/** The all-customers rows' plan (and cohort_plan). */
export const ALL_PLANS = HISTORY_ALL_PLANS_LABEL;

/** The label of a plan named ALL_PLANS in the reports. */
export const ALL_NAMED_PLAN = "(all) plan";

/** The plans relabelled: `(all)` and `(all)` followed by " plan" any number of times. */
const LABELLED_PLAN = HISTORY_RELABELLED_PLAN;

/**
 * A plan column's labels (as text): ALL_PLANS → ALL_NAMED_PLAN, and each name ALL_NAMED_PLAN could
 * be taken for, `(all) plan`, `(all) plan plan`, …, one " plan" longer (one to one).
 */
export function planLabel(plan: pl.Expr): pl.Expr {
  const text = plan.cast(pl.Utf8);
  return pl.when(text.str.contains(polarsPattern(LABELLED_PLAN)))
    .then(pl.concatString([text, pl.lit(" plan")], "")).otherwise(text);
}

/** Whether `column` of `frame` holds a name planLabel relabels. */
function holdsRelabelledPlan(frame: pl.DataFrame, column: string): boolean {
  return (frame.getColumn(column).cast(pl.Utf8).toArray() as (string | null)[])
    .some((plan) => plan !== null && LABELLED_PLAN.test(plan));
}

/** `frame` with its `plan` labelled (planLabel); as it is (a category) without a plan relabelled. */
function withPlanLabel(frame: pl.DataFrame): pl.DataFrame {
  return holdsRelabelledPlan(frame, "plan")
    ? frame.withColumns(planLabel(pl.col("plan")).alias("plan"))
    : frame;
}

/**
 * Plan changes (`from_plan`, `to_plan`: the `…_plan_changes.csv` and the report's table) labelled
 * as the plans' rows are (planLabel), so a plan named `(all)` reads `(all) plan` there too; as they
 * are without a plan relabelled.
 */
export function withPlanChangeLabels(changes: pl.DataFrame): pl.DataFrame {
  return ["from_plan", "to_plan"].some((column) => holdsRelabelledPlan(changes, column))
    ? changes.withColumns(
      planLabel(pl.col("from_plan")).alias("from_plan"),
      planLabel(pl.col("to_plan")).alias("to_plan"),
    )
    : changes;
}

/**
 * The bridge with its per-plan rows labelled (withPlanLabel): plans, planEnds (checked against
 * them) and planTrends. (Its period's plans are retention_period.ts's, its cohorts cohorts.ts's.)
 */
export function withPlanLabels<
  T extends { plans: pl.DataFrame; planEnds: pl.DataFrame; planTrends: pl.DataFrame },
>(bridge: T): T {
  return {
    ...bridge,
    plans: withPlanLabel(bridge.plans),
    planEnds: withPlanLabel(bridge.planEnds),
    planTrends: withPlanLabel(bridge.planTrends),
  };
}

/**
 * The report's line on a plan named `(all)` or `(none)` (null without one): how its rows are
 * labelled, and those of a plan named as another is labelled (`(all) plan`, …), from `plans'` labels.
 */
export function allNamedPlanSentence(plans: pl.DataFrame): string | null {
  const labels = new Set(plans.getColumn("plan").cast(pl.Utf8).toArray() as (string | null)[]);
  const said = [
    { base: ALL_PLANS, named: LABELLED_PLAN, what: "the label of every customer's rows" },
    { base: NO_PLAN, named: NONE_NAMED_PLAN, what: "the label of the organizations with no plan" },
  ].flatMap(({ base, named, what }) =>
    // each label one " plan" longer than the name it stands for, the base's first
    [...labels].filter((label): label is string =>
      label !== null && label !== base && named.test(label)
    ).sort((a, b) => a.length - b.length).map((label) => {
      const name = label.slice(0, -" plan".length);
      const labelOf = name === base
        ? what
        : isLabelOrNamedAs(name, base)
        ? `the label of a plan named ${codeSpanOf(name.slice(0, -" plan".length))}`
        // (`(all) `, `(ALL) plan`, `\u200b(all)`: what it reads as, spaces, case, hidden aside)
        : `${codeSpanOf(nameAsRead(name))} but for its spaces, case or hidden characters`;
      return `A plan is named ${codeSpanOf(name)}, ${labelOf}: its rows read ${
        codeSpanOf(label)
      } (rename the plan in the price book to see its own name).`;
    })
  );
  return said.length === 0 ? null : said.join(" ");
}

// each character the Markdown outputs drop or read as a space (lib/core/invisible.ts)
const UNSEEN = new RegExp(`${LINE_BREAKING.source.replace(/\+$/, "")}|${INVISIBLE.source}`, "gu");

/**
 * A plan name (data) as a code span, exactly: each character UNSEEN holds written as its escape
 * (`\n`, `\u202e`, `\u{e0041}`), which a Markdown reader sees, where the character itself would
 * draw the rest of the line reversed (a bidi override), spell text no reader sees (a tag
 * character) or end the paragraph inside the span (a blank line). Names here are a base and
 * " plan"s (namesTakenFor): no backtick.
 */
function codeSpanOf(name: string): string {
  const shown = name.replace(UNSEEN, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
  // a span beginning and ending with a space loses one at each end when read (CommonMark): ` (all) `
  // read (all), the very label the name differs from
  const padded = shown.startsWith(" ") && shown.endsWith(" ") && shown.trim() !== "";
  return padded ? `\` ${shown} \`` : `\`${shown}\``;
}
