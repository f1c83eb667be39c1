/**
 * The first key pricing question (lib/analysis/questions.ts re-exports it): high requests or LLM
 * cost, low MRR. The spec's rule lets in organizations that pay nothing (free tier, trialing,
 * paused), so the reading says how many of the matches those are, in words the admin page's reading
 * of another window shares (payingNothingWords).
 */
import pl from "nodejs-polars";

import { customerRows, organizationsOf } from "./question_customers.ts";
import {
  type Answer,
  basisDays,
  columnTotal,
  count,
  countWhere,
  mrrKnown,
  onBasis,
  plural,
  type QuestionThresholds,
  requireColumns,
  tableOnBasis,
  thresholds,
  unknownCount,
  type UsageBasis,
  usageWords,
  usd,
  usdOver,
  withOrgId,
} from "./question_common.ts";
import { SUBSCRIPTION_STATUSES } from "../revenue/rules.ts";
import { compareText } from "../core/text_order.ts";

export interface UnderpricedFacts {
  /** organizations over a usage threshold and at or under the MRR ceiling */
  organizations: number;
  /**
   * the Stripe customers they are (the table's rows): fewer than the organizations when some
   * share one, whose usage is summed against its MRR
   */
  customers: number;
  requests: number;
  llmCostUsd: number;
  /** the part of their LLM cost that is pass-through billed (paid by the company) */
  ptbLlmCostUsd: number;
  mrrUsd: number;
  /**
   * of the table's rows, those whose requests, LLM cost or pass-through cost is unknown (a NaN or
   * infinite figure from a query; a customer's when one of its organizations' is): the sums above
   * leave them out. Present only when some is unknown
   */
  unknown?: { requests: number; llmCost: number; ptbLlmCost: number };
  /** organizations over a usage threshold whose MRR is unknown (not judged) */
  unknownMrr: number;
  /** of the matching customers, those paying nothing (MRR $0), and why: PayingNothing */
  payingNothing: PayingNothing;
}

/**
 * Matching customers (the table's rows) whose MRR is $0: on the free tier, else by their Stripe
 * subscriptions' status (subscription_status: "trialing", "paused", "none" for no subscription,
 * "other" for several or an unknown one). The spec's rule counts them as underpriced, though they
 * are prospects rather than customers paying too little.
 */
export interface PayingNothing {
  total: number;
  freeTier: number;
  /** the others per status, most first */
  byStatus: Record<string, number>;
}

/** What the underpriced question reads, and its table's columns. */
const UNDERPRICED_COLUMNS = [
  "org_name",
  "tier",
  "seats",
  "requests_30d",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "mrr",
  "gross_margin_pct",
];

/**
 * Shown after mrr when the frame has it: why a $0 MRR is $0 (trialing, paused, none), which tier
 * alone does not say of an enterprise organization on a trial.
 */
const STATUS_COLUMN = "subscription_status";

/** 1. High requests or LLM cost, low MRR; biggest LLM cost first. */
export function underpricedCustomers(
  frame: pl.DataFrame,
  overrides: Partial<QuestionThresholds> = {},
  basis: UsageBasis = {},
): Answer<UnderpricedFacts> {
  requireColumns(frame, {
    question: "underpriced customers",
    names: UNDERPRICED_COLUMNS,
  });
  const t = thresholds(overrides);
  const windowDays = basisDays(basis);
  // a Stripe customer's organizations judged as one (question_customers.ts)
  const customers = customerRows(frame);
  const heavy = pl.col("requests_30d").gtEq(t.underpricedMinRequests)
    .or(pl.col("llm_cost_30d").gtEq(t.underpricedMinLlmCostUsd));
  const matches = customers
    .filter(heavy.and(mrrKnown()).and(pl.col("mrr").ltEq(t.underpricedMaxMrrUsd)))
    .sort("llm_cost_30d", true);
  const facts: UnderpricedFacts = {
    organizations: organizationsOf(matches),
    customers: matches.height,
    requests: columnTotal(matches, "requests_30d"),
    llmCostUsd: columnTotal(matches, "llm_cost_30d"),
    ptbLlmCostUsd: columnTotal(matches, "llm_cost_ptb_30d"),
    mrrUsd: columnTotal(matches, "mrr"),
    unknownMrr: countWhere(customers, heavy.and(pl.col("mrr").isNull())),
    payingNothing: payingNothing(matches),
  };
  // said only when some figure is unknown: the other answers stay as they were
  const unknown = {
    requests: unknownCount(matches, "requests_30d"),
    llmCost: unknownCount(matches, "llm_cost_30d"),
    ptbLlmCost: unknownCount(matches, "llm_cost_ptb_30d"),
  };
  if (Object.values(unknown).some((n) => n > 0)) facts.unknown = unknown;
  // the rows are customers where some share one (whoMatched)
  const over = (n: number) => ({
    rows: facts.customers,
    unknown: n,
    unit: facts.customers === facts.organizations ? "organization" : "customer",
  });
  const criteria = `sent ≥ ${count(t.underpricedMinRequests)} requests or ≥ ${
    usd(t.underpricedMinLlmCostUsd)
  } of LLM cost ${usageWords(windowDays)} while paying ≤ ${usd(t.underpricedMaxMrrUsd)} MRR`;
  // none found while MRR is unknown: no sums (a "$0 MRR" would read as a finding)
  const reading = facts.organizations === 0 && facts.unknownMrr > 0
    ? `No organization with known MRR ${criteria}; ${
      plural(facts.unknownMrr, { one: "heavy user" })
    } with unknown MRR not judged.`
    // none found: said, not "0 organizations … together $0 of LLM cost against $0 MRR"
    : facts.organizations === 0
    ? `No organization ${criteria}.`
    : `${whoMatched(facts)} ${criteria}: together ${
      usdOver(facts.llmCostUsd, over(unknown.llmCost))
    } of LLM cost (${
      usdOver(facts.ptbLlmCostUsd, over(unknown.ptbLlmCost))
    } pass-through, paid by the company) against ${usd(facts.mrrUsd)} MRR${
      payingNothingWords(facts)
    }${
      facts.unknownMrr > 0
        ? `; ${plural(facts.unknownMrr, { one: "heavy user" })} with unknown MRR not judged`
        : ""
    }.`;
  const columns = withOrgId(
    frame,
    frame.columns.includes(STATUS_COLUMN)
      ? UNDERPRICED_COLUMNS.flatMap((name) => name === "mrr" ? [name, STATUS_COLUMN] : [name])
      : UNDERPRICED_COLUMNS,
  );
  return {
    table: tableOnBasis(matches.select(...columns).head(t.top), windowDays),
    facts,
    reading: onBasis(reading, windowDays),
    ranked: { top: t.top, of: matches.height },
    windowDays,
    criteria,
  };
}

/**
 * " (11 of them pay nothing, MRR $0: 9 on the free tier, 1 paused, 1 trialing)", " (it pays
 * nothing, MRR $0: trialing)", or "" when all pay something: the matches' sums alone ("against
 * $135 MRR") hide that most may be prospects, not customers paying too little. "of the N
 * customers" when the rows are customers several organizations share, as whoMatched says.
 */
export function payingNothingWords(
  facts: Pick<UnderpricedFacts, "organizations" | "customers" | "payingNothing">,
): string {
  const { total, freeTier, byStatus } = facts.payingNothing;
  if (total === 0) return "";
  const customers = facts.customers !== facts.organizations;
  const who = total < facts.customers
    ? `${count(total)} of ${
      customers ? `the ${plural(facts.customers, { one: "customer" })}` : "them"
    }`
    : total === 1
    ? customers ? "the customer" : "it"
    : `${total === 2 ? "both" : `all ${count(total)}`}${customers ? " customers" : ""}`;
  const groups: [string, number][] = [
    ...(freeTier > 0 ? [["on the free tier", freeTier] as [string, number]] : []),
    ...Object.entries(byStatus).map(([status, n]) => [STATUS_WORDS[status], n] as [string, number]),
  ];
  // one group is said without its count: it is all of them
  const why = groups.length === 1
    ? groups[0][0]
    : groups.map(([words, n]) => `${count(n)} ${words}`).join(", ");
  return ` (${who} ${total === 1 ? "pays" : "pay"} nothing, MRR $0: ${why})`;
}

/** How payingNothingWords says each status group of PayingNothing.byStatus. */
const STATUS_WORDS: Record<string, string> = {
  ...Object.fromEntries(SUBSCRIPTION_STATUSES.map((s) => [s, s.replaceAll("_", " ")])),
  none: "without a subscription",
  other: "of other subscription statuses",
  unknown: "of unknown subscription status",
};

/**
 * Counts PayingNothing over `matches` (rows with tier, mrr and, when the frame has it,
 * subscription_status). A status is Stripe's own word only when it is one of Stripe's statuses
 * (the frame may come from an edited file): the reading is no place for a cell's text.
 */
function payingNothing(matches: pl.DataFrame): PayingNothing {
  const zero = matches.filter(pl.col("mrr").eq(0));
  const tiers = zero.getColumn("tier").toArray() as (string | null)[];
  const statuses = zero.columns.includes(STATUS_COLUMN)
    ? zero.getColumn(STATUS_COLUMN).toArray() as (string | null)[]
    : null;
  const counts = new Map<string, number>();
  let freeTier = 0;
  tiers.forEach((tier, i) => {
    if (tier === "free") {
      freeTier++;
      return;
    }
    const status = statuses === null ? "unknown" : statusGroup(statuses[i]);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  });
  const byStatus = Object.fromEntries(
    [...counts].sort(([a, x], [b, y]) => y - x || compareText(a, b)),
  );
  return { total: zero.height, freeTier, byStatus };
}

function statusGroup(value: string | null): string {
  if (value === null || value.trim() === "") return "none";
  const statuses = [...new Set(value.split(",").map((s) => s.trim()))];
  return statuses.length === 1 && SUBSCRIPTION_STATUSES.includes(statuses[0])
    ? statuses[0]
    : "other";
}

/**
 * "15 organizations"; with organizations sharing a Stripe customer among them "14 customers (15
 * organizations, those sharing a Stripe customer judged as one)", as the table's rows are.
 */
function whoMatched({ organizations, customers }: { organizations: number; customers: number }) {
  return customers === organizations
    ? plural(organizations, { one: "organization" })
    : `${plural(customers, { one: "customer" })} (${
      plural(organizations, { one: "organization" })
    }, those sharing a Stripe customer judged as one)`;
}
