/**
 * The spec's six Key Pricing Questions as functions over the export frame (listed in
 * docs/notebooks.md). Each returns an {@link Answer}: a
 * short table, the numbers behind it (over every matching organization, not only the table's
 * rows) and one sentence that reads them. Thresholds are parameters with documented defaults.
 * notebooks/pricing_questions.ipynb shows each answer with its chart. The `_30d` usage columns are
 * read as a month's: lib/notebooks/questions_page.ts puts another window's on a 30-day basis first.
 *
 * Unknown MRR (empty: revenue not fetched for that organization) is never read as $0: such
 * organizations are left out of revenue judgements and counted in the facts instead.
 */
import { UNKNOWN_FROM_QUERY_OR_FILE } from "../core/words.ts";
import pl from "nodejs-polars";
import { inWindowWords } from "../core/window.ts";

import { customerRows, organizationsOf } from "./question_customers.ts";
import { CUSTOMER_COLUMNS, withCustomerColumns } from "../revenue/shared_customers.ts";
import { mrrUnknown } from "../revenue/columns.ts";
import {
  type Answer,
  basisDays,
  columnTotal,
  count,
  countWhere,
  isAre,
  knownSum,
  knownTotal,
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
// Callers keep finding the shared shapes and helpers here.
export {
  type Answer,
  columnTotal,
  DEFAULT_MODEL_PRICES,
  DEFAULT_THRESHOLDS,
  exportFrameFromCsv,
  type ModelPrices,
  type QuestionThresholds,
  TRAFFIC_TYPES,
  TRAFFIC_UNKNOWN,
  type TrafficFacts,
  type TrafficType,
  type TrafficTypeFacts,
  type UsageBasis,
  usd,
} from "./question_common.ts";

// ── 1. Underpriced customers: underpriced.ts ──────────────────────────────────────────────────
export { underpricedCustomers, type UnderpricedFacts } from "./underpriced.ts";

// ── 2. Upgrade candidates ───────────────────────────────────────────────────────────────────

export interface UpgradeFacts {
  /** free organizations at or over the request threshold */
  organizations: number;
  /** all free organizations */
  freeOrganizations: number;
  requests: number;
  llmCostUsd: number;
  /**
   * of them, those whose LLM cost is unknown (a NaN or infinite figure from a query): llmCostUsd
   * leaves them out. Present only when some is
   */
  llmCostUnknown?: number;
  seats: number;
  /** seats × upgradeSeatPriceUsd: their MRR on a seat-priced paid plan */
  seatMrrUsd: number;
  /**
   * free organizations over the threshold left out: their Stripe customer already pays (its
   * revenue on a paying organization's row, or on their own)
   */
  customerPays: number;
}

/** 2. Free tier with high usage; most requests first. */
export function upgradeCandidates(
  frame: pl.DataFrame,
  overrides: Partial<QuestionThresholds> = {},
  basis: UsageBasis = {},
): Answer<UpgradeFacts> {
  requireColumns(frame, {
    question: "upgrade candidates",
    names: [
      "org_name",
      "tier",
      "seats",
      "active_users_30d",
      "requests_30d",
      "llm_cost_30d",
      "is_ptb",
    ],
  });
  const t = thresholds(overrides);
  const windowDays = basisDays(basis);
  const free = pl.col("tier").eq(pl.lit("free"));
  const over = free.and(pl.col("requests_30d").gtEq(t.upgradeMinRequests));
  // a free organization whose Stripe customer already pays (an enterprise's staging org) is no
  // one to upgrade: its usage is the paying customer's (looked up over every row: the revenue
  // row is a paying one)
  const customerColumns = ["stripe_customer_id", "revenue_source", "mrr"]
    .filter((name) => frame.columns.includes(name));
  const pays = withCustomerColumns(frame.select(...customerColumns)).getColumn(
    CUSTOMER_COLUMNS.pays,
  );
  const overThreshold = frame.withColumns(pays.alias(CUSTOMER_COLUMNS.pays)).filter(over);
  const matches = overThreshold.filter(pl.col(CUSTOMER_COLUMNS.pays).not())
    .drop(CUSTOMER_COLUMNS.pays)
    .sort("requests_30d", true);
  const seats = columnTotal(matches, "seats");
  const facts: UpgradeFacts = {
    organizations: matches.height,
    freeOrganizations: countWhere(frame, free),
    requests: columnTotal(matches, "requests_30d"),
    llmCostUsd: columnTotal(matches, "llm_cost_30d"),
    seats,
    seatMrrUsd: seats * t.upgradeSeatPriceUsd,
    customerPays: overThreshold.height - matches.height,
  };
  const costUnknown = unknownCount(matches, "llm_cost_30d");
  if (costUnknown > 0) facts.llmCostUnknown = costUnknown;
  const criteria = `≥ ${count(t.upgradeMinRequests)} requests ${usageWords(windowDays)}`;
  const reading = `${count(facts.organizations)} of ${
    plural(facts.freeOrganizations, { one: "free organization" })
  } sent ${criteria} (${count(facts.requests)} requests, ${
    usdOver(facts.llmCostUsd, { rows: facts.organizations, unknown: costUnknown })
  } of LLM cost); at ${usd(t.upgradeSeatPriceUsd)} a seat their ${
    plural(seats, { one: "seat" })
  } would bring ${usd(facts.seatMrrUsd)} MRR${
    facts.customerPays > 0
      ? `; ${
        plural(facts.customerPays, {
          one: "more free organization",
          many: "more free organizations",
        })
      } over it left out: their Stripe customer already pays`
      : ""
  }.`;
  return {
    table: tableOnBasis(
      matches
        .select(
          ...withOrgId(frame, [
            "org_name",
            "seats",
            "active_users_30d",
            "requests_30d",
            "llm_cost_30d",
            "is_ptb",
          ]),
        )
        .head(t.top),
      windowDays,
    ),
    facts,
    reading: onBasis(reading, windowDays),
    ranked: { top: t.top, of: matches.height },
    windowDays,
    criteria,
  };
}

// ── 3. Churn risk ───────────────────────────────────────────────────────────────────────────

/**
 * A Stripe customer several organizations share is judged as one (one table row): the counts
 * named organizations count its organizations, `customers` and `payingCustomers` the customers.
 */
export interface ChurnFacts {
  /** paying organizations whose (customer's) LLM cost in the window exceeds their MRR */
  organizations: number;
  /**
   * the Stripe customers they are (the table's rows): fewer than the organizations when some
   * share one, whose cost is summed against its MRR
   */
  customers: number;
  /** organizations with MRR > 0 (their customer's) */
  payingOrganizations: number;
  /** customers with MRR > 0 */
  payingCustomers: number;
  /** Σ (llm_cost_30d − mrr) over the matches; null (with mrrUsd) when no MRR is known */
  lossUsd: number | null;
  mrrUsd: number | null;
  /**
   * of the matched organizations, those that lose money on the company's cost basis:
   * gross_margin_company_pct < 0, i.e. MRR + PTB revenue below PTB LLM cost + infrastructure
   * (the export's column; a shared customer's over its organizations)
   */
  companyLossOrganizations: number;
  /**
   * of the matched organizations, those without a company-basis margin (PTB revenue not read,
   * PTB cost > 0)
   */
  companyMarginUnknown: number;
  /**
   * organizations whose (customer's) LLM cost is unknown (a NaN or infinite figure from a query)
   * and whose customer pays or has an unknown MRR: not judged (it may or may not exceed the MRR),
   * as the negative_margin segment counts them. Present only when some is
   */
  llmCostUnknown?: number;
  /** organizations with LLM cost whose MRR is unknown (not judged), and their LLM cost */
  unknownMrr: number;
  unknownMrrLlmCostUsd: number;
  /**
   * organizations with a known MRR on their own row (0 included; a shared customer's is on one of
   * its organizations' rows), as the brief counts them: none means the question cannot be answered
   */
  knownMrr: number;
}

const CHURN_COLUMNS = [
  "org_name",
  "tier",
  "mrr",
  "llm_cost_30d",
  "llm_cost_ptb_30d",
  "loss_usd",
  "gross_margin_pct",
  "gross_margin_company_pct",
];

/**
 * 3. Negative gross margin: paying organizations (MRR > 0) whose LLM cost exceeds their MRR,
 * biggest dollar loss first. Free organizations have no margin; they are question 1 and 2.
 */
export function churnRisk(
  frame: pl.DataFrame,
  overrides: Partial<QuestionThresholds> = {},
  basis: UsageBasis = {},
): Answer<ChurnFacts> {
  requireColumns(frame, {
    question: "churn risk",
    names: [
      "org_name",
      "tier",
      "mrr",
      "llm_cost_30d",
      "llm_cost_ptb_30d",
      "gross_margin_pct",
      "gross_margin_company_pct",
    ],
  });
  const t = thresholds(overrides);
  const windowDays = basisDays(basis);
  const paying = pl.col("mrr").gt(0);
  // a Stripe customer's organizations judged as one (question_customers.ts)
  const customers = customerRows(frame);
  // their cost cannot be set against what they pay: counted and said, never judged at $0
  const unknown = customers.filter(pl.col("mrr").isNull().and(pl.col("llm_cost_30d").gt(0)));
  const matches = customers
    .filter(paying.and(pl.col("llm_cost_30d").gt(pl.col("mrr"))))
    .withColumns(pl.col("llm_cost_30d").minus(pl.col("mrr")).alias("loss_usd"))
    .sort("loss_usd", true);
  // (customers' rows; the organizations they stand for)
  const organizations = (rows: pl.DataFrame, where?: pl.Expr) =>
    organizationsOf(where ? rows.filter(where) : rows);
  // an unknown cost may or may not exceed what the customer pays: counted, never matched
  const costUnknown = organizations(
    customers,
    pl.col("llm_cost_30d").isNull().and(paying.or(pl.col("mrr").isNull())),
  );
  // no MRR known at all, with spend to judge (known or not): the sums over the matches are
  // unknown, not $0
  const judged = countWhere(customers, mrrKnown()) > 0 ||
    (unknown.height === 0 && costUnknown === 0);
  const facts: ChurnFacts = {
    organizations: organizations(matches),
    customers: matches.height,
    payingOrganizations: organizations(customers, paying),
    payingCustomers: countWhere(customers, paying),
    lossUsd: judged ? columnTotal(matches, "loss_usd") : null,
    mrrUsd: judged ? columnTotal(matches, "mrr") : null,
    companyLossOrganizations: organizations(matches, pl.col("gross_margin_company_pct").lt(0)),
    companyMarginUnknown: organizations(matches, pl.col("gross_margin_company_pct").isNull()),
    unknownMrr: organizations(unknown),
    unknownMrrLlmCostUsd: columnTotal(unknown, "llm_cost_30d"),
    knownMrr: countWhere(customers, mrrKnown()), // (a customer's row is its revenue row)
  };
  if (costUnknown > 0) facts.llmCostUnknown = costUnknown;
  const costUnknownWho = `${
    plural(costUnknown, { one: "organization" })
  } with an unknown LLM cost (${UNKNOWN_FROM_QUERY_OR_FILE}; ${
    costUnknown === 1 ? "its" : "their"
  } Stripe customer's)`;
  const costUnknownWords = costUnknown > 0 ? `; ${costUnknownWho} not judged` : "";
  const unknownWords = `${plural(facts.unknownMrr, { one: "organization" })} with ${
    usd(facts.unknownMrrLlmCostUsd)
  } of LLM spend but unknown MRR`;
  // no MRR known (Stripe skipped): "0 of 0 paying organizations" read as no churn risk
  if (facts.knownMrr === 0 && (facts.unknownMrr > 0 || costUnknown > 0)) {
    // (only spend unknown, NaN: those organizations are who is not judged)
    const notJudged = facts.unknownMrr > 0
      ? `${unknownWords} ${isAre(facts.unknownMrr)} not judged${costUnknownWords}`
      : `${costUnknownWho} ${isAre(costUnknown)} not judged`;
    return {
      table: tableOnBasis(
        matches.select(...withOrgId(frame, CHURN_COLUMNS)).head(t.top),
        windowDays,
      ),
      facts,
      reading: onBasis(
        `Churn risk cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched), so ${notJudged}.`,
        windowDays,
      ),
      ranked: { top: t.top, of: matches.height },
      windowDays,
    };
  }
  // with paying organizations sharing a Stripe customer a row is a customer: said so, with the
  // organizations they are, as the brief counts organizations
  const shared = facts.payingCustomers < facts.payingOrganizations;
  const who = shared
    ? `${count(facts.customers)} of ${plural(facts.payingCustomers, { one: "paying customer" })} (${
      count(facts.organizations)
    } of ${
      plural(facts.payingOrganizations, { one: "paying organization" })
    }, those sharing a Stripe customer judged as one)`
    : `${count(facts.organizations)} of ${
      plural(facts.payingOrganizations, { one: "paying organization" })
    }`;
  // their spend, then the loss: "$88,801 over their $46,064 MRR" read as spend of $88,801
  const reading = `${who} cost more in LLM spend than they pay (${
    usd(facts.lossUsd! + facts.mrrUsd!)
  } of LLM spend against their ${usd(facts.mrrUsd!)} MRR: ${
    usd(facts.lossUsd!)
  } more); on the company's cost basis (gross_margin_company_pct: MRR + PTB revenue against PTB LLM cost + infrastructure) ${
    count(facts.companyLossOrganizations)
  } of ${shared ? "those organizations" : "them"} ${
    facts.companyLossOrganizations === 1 ? "loses" : "lose"
  } money${
    facts.companyMarginUnknown > 0
      ? ` and ${count(facts.companyMarginUnknown)} ${
        facts.companyMarginUnknown === 1 ? "has" : "have"
      } no company-basis margin (PTB revenue not read)`
      : ""
  }${facts.unknownMrr > 0 ? `; ${unknownWords} not judged` : ""}${costUnknownWords}.`;
  return {
    table: tableOnBasis(matches.select(...withOrgId(frame, CHURN_COLUMNS)).head(t.top), windowDays),
    facts,
    reading: onBasis(reading, windowDays),
    ranked: { top: t.top, of: matches.height },
    windowDays,
  };
}

// ── 4. Pricing model comparison: lib/analysis/pricing_models.ts ──────────────────────────────

export { type ModelFacts, pricingModelComparison } from "./pricing_models.ts";

// ── 5. Feature adoption ─────────────────────────────────────────────────────────────────────

export interface AdoptionFacts {
  /** organizations with the prompts add-on (billed, or in stripe_metadata) */
  addonOrganizations: number;
  /** … of which used stored prompts in the window */
  addonUsingPrompts: number;
  /** organizations that used stored prompts in the window without the add-on */
  promptUsersWithoutAddon: number;
  /** Σ addon_prompts over organizations whose revenue was read, USD per month; null when none was */
  addonMrrUsd: number | null;
  /**
   * organizations whose revenue was not read (addon_prompts empty): not in addonMrrUsd, and their
   * add-on known from addons_in_metadata only
   */
  unknownRevenue: number;
}

/** "prompts" as one entry of the comma-separated add-on list (not e.g. "prompts_v2"). */
const PROMPTS_IN_METADATA = "(^|,)\\s*prompts\\s*(,|$)";

/**
 * 5. Prompts add-on (billed in Stripe or listed in stripe_metadata) against prompt usage: one row
 * per (has add-on, used prompts in the window) pair.
 */
export function featureAdoption(
  frame: pl.DataFrame,
  basis: UsageBasis = {},
): Answer<AdoptionFacts> {
  const windowDays = basisDays(basis);
  requireColumns(frame, {
    question: "feature adoption",
    names: [
      "addon_prompts",
      "addons_in_metadata",
      "prompts_created",
      "prompts_used_30d",
      "mrr",
    ],
  });
  // its customer's MRR: a shared_customer row's is on its sibling's row, known when that is,
  // unknown when the sibling's is (unconverted, none); a frame without stripe_customer_id (hand-
  // made) names no customer: a shared_customer row is known as its own revenue_source says
  const byCustomer = frame.columns.includes("stripe_customer_id");
  const unknownMrr = byCustomer ? pl.col(CUSTOMER_COLUMNS.mrrKnown).not() : mrrUnknown(frame);
  const flagged = (byCustomer ? withCustomerColumns(frame) : frame).withColumns(
    pl.col("addon_prompts").fillNull(0).gt(0)
      .or(pl.col("addons_in_metadata").fillNull("").str.contains(PROMPTS_IN_METADATA))
      .alias("has_prompts_addon"),
    pl.col("prompts_used_30d").fillNull(0).gt(0).alias("uses_prompts"),
  );
  const table = flagged
    .groupBy(["has_prompts_addon", "uses_prompts"])
    .agg(
      pl.len().alias("organizations"),
      pl.col("prompts_created").sum().alias("prompts_created"),
      pl.col("prompts_used_30d").sum().alias("prompt_requests_30d"),
      // over the organizations with known revenue; empty where none is known (not $0)
      knownSum("addon_prompts").alias("addon_prompts"),
      knownSum("mrr").alias("mrr"),
      unknownMrr.sum().cast(pl.UInt32).alias("unknown_mrr"),
    )
    .sort(["has_prompts_addon", "uses_prompts"], [true, true]);
  const addon = pl.col("has_prompts_addon");
  const uses = pl.col("uses_prompts");
  const facts: AdoptionFacts = {
    addonOrganizations: countWhere(flagged, addon),
    addonUsingPrompts: countWhere(flagged, addon.and(uses)),
    promptUsersWithoutAddon: countWhere(flagged, addon.not().and(uses)),
    addonMrrUsd: knownTotal(frame, "addon_prompts"),
    unknownRevenue: countWhere(flagged, pl.col("addon_prompts").isNull().and(unknownMrr)),
  };
  const unknown = facts.unknownRevenue;
  const revenue = facts.addonMrrUsd === null
    ? "what the add-on brings cannot be said without revenue (not fetched for any organization: the add-on is known from addons_in_metadata only)"
    : unknown === 0
    ? `the add-on brings ${usd(facts.addonMrrUsd)} MRR`
    : `the add-on brings ${usd(facts.addonMrrUsd)} MRR from the organizations with known revenue; ${
      plural(unknown, { one: "organization" })
    } with unknown revenue ${isAre(unknown)} not in it (${
      unknown === 1 ? "its" : "their"
    } add-on known from addons_in_metadata only)`;
  const reading = `${plural(facts.addonOrganizations, { one: "organization" })} ${
    facts.addonOrganizations === 1 ? "has" : "have"
  } the prompts add-on and ${count(facts.addonUsingPrompts)} of them used stored prompts ${
    inWindowWords(windowDays)
  }; ${count(facts.promptUsersWithoutAddon)} used prompts without it; ${revenue}.`;
  // the reading counts organizations (a count > 0 is the same on any basis); the table sums usage
  return { table: tableOnBasis(table, windowDays), facts, reading, windowDays };
}

// ── 6. PTB vs BYOK: lib/analysis/ptb_vs_byok.ts ────────────────────────────────────────────

export { ptbVsByok } from "./ptb_vs_byok.ts";
