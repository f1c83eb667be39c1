/**
 * The brief's Totals table and its paying-free caveat, Polars expressions over the export frame.
 * By tier is brief_tiers.ts's, Distributions brief_distributions.ts's; the expressions they share,
 * brief_figures.ts's.
 */
import pl from "nodejs-polars";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { inWindowWords } from "../core/window.ts";
import { markdownTable } from "../formats/markdown.ts";
import { formatCount, formatUsd } from "./numbers.ts";
import { revenueOnSibling } from "../revenue/columns.ts";
import { CUSTOMER_COLUMNS, withCustomerColumns } from "../revenue/shared_customers.ts";
import { CUSTOMER_LOSS_COLUMNS, withCustomerLosses } from "../economics/customer_margins.ts";
import {
  type BriefSectionOptions,
  countOfKnownMrr,
  countWhere,
  customerMrrKnown,
  figures,
  formatFigure,
  known,
  knownSumOf,
  negativeCustomerMargin,
  num,
  partialFigure,
  sumOf,
  unknownMrr,
} from "./brief_figures.ts";

/**
 * The negative-margin count's words: organizations of loss-making Stripe customers, a shared
 * customer judged as one (lib/economics/customer_margins.ts), as the negative_margin segment and
 * the per-plan negative_margin_all count them.
 */
export const NEGATIVE_MARGIN_COUNTED =
  "organizations of Stripe customers with negative gross margin, spec basis (a shared customer judged as one: its organizations' LLM cost against its MRR), of those whose customer's MRR is known";

/**
 * The company-basis count's words: BYOK LLM cost, which the spec basis subtracts, is the
 * customer's, so a reader asking which customers lose the company money needs this count beside
 * the spec's (the per-plan negative_margin_company's `all`).
 */
export const NEGATIVE_COMPANY_MARGIN_COUNTED =
  "organizations of Stripe customers with negative margin, company basis (PTB LLM cost + infrastructure above MRR + PTB revenue; BYOK LLM cost is the customer's), of those whose margin is known";

/**
 * Totals. `withLosses` is `frame` with CUSTOMER_LOSS_COLUMNS (withCustomerLosses): a customer join
 * over the whole frame, which the brief works out once for Totals and By tier.
 */
export function totalsSection(
  frame: pl.DataFrame,
  { windowDays = MONTH_DAYS, withLosses = withCustomerLosses(frame, windowDays) }:
    BriefSectionOptions = {},
): string {
  const onSibling = revenueOnSibling(frame);
  const f = figures(withLosses, {
    seats: sumOf("seats"),
    active: sumOf("active_users_30d"),
    requests: sumOf("requests_30d"),
    cost: sumOf("llm_cost_30d"),
    costPtb: sumOf("llm_cost_ptb_30d"),
    mrr: knownSumOf("mrr"),
    mrrUnknown: unknownMrr(frame),
    onSibling: countWhere(onSibling),
    sharedCustomers: frame.columns.includes("stripe_customer_id")
      ? pl.col("stripe_customer_id").filter(onSibling.and(pl.col("stripe_customer_id").isNotNull()))
        .nUnique().cast(pl.Float64)
      : pl.lit(0),
    mrrRecurring: knownSumOf("mrr_recurring"),
    paying: countWhere(pl.col("mrr").gt(0)),
    negative: negativeCustomerMargin(),
    customerMrrKnown: customerMrrKnown(),
    negativeCompany: countWhere(pl.col(CUSTOMER_LOSS_COLUMNS.company)),
    companyKnown: known(CUSTOMER_LOSS_COLUMNS.company),
    mrrKnown: known("mrr"),
    requestsKnown: known("requests_30d"),
    costKnown: known("llm_cost_30d"),
    costPtbKnown: known("llm_cost_ptb_30d"),
  });
  const partial = (value: string, knownCount: number) =>
    partialFigure(value, { known: knownCount, of: frame.height });
  // the window's length named: a 7-day brief's totals are not a month's
  const inWindow = inWindowWords(windowDays);
  const rows: [string, string][] = [
    ["organizations", formatCount(frame.height)],
    ["seats", formatCount(f.seats!)],
    // the sum of a per-organization column: a person is counted once per organization
    [
      `active memberships ${inWindow} (a user active in two organizations counts twice)`,
      formatCount(f.active!),
    ],
    [`requests ${inWindow}`, partial(formatCount(f.requests!), f.requestsKnown!)],
    [`LLM cost ${inWindow} (all traffic)`, partial(formatUsd(f.cost!), f.costKnown!)],
    [
      `LLM cost ${inWindow}, pass-through billed (cost to the company)`,
      partial(formatUsd(f.costPtb!), f.costPtbKnown!),
    ],
    ["MRR (spec definition, organizations with known MRR)", formatFigure(f.mrr, "USD")],
    ["MRR, recurring only (industry definition)", formatFigure(f.mrrRecurring, "USD")],
    ["organizations with MRR > 0, of those with known MRR", countOfKnownMrr(f.paying, f.mrrKnown)],
    ["organizations with unknown MRR (empty cell)", formatCount(f.mrrUnknown!)],
    ...(f.onSibling! > 0
      ? [[
        "organizations sharing a Stripe customer whose revenue another organization's row carries (shared_customer, empty MRR)",
        formatCount(f.onSibling!),
      ] as [string, string], [
        "Stripe customers shared by several organizations (their row ratios are the whole customer's revenue against one organization: group by stripe_customer_id)",
        formatCount(f.sharedCustomers!),
      ] as [string, string]]
      : []),
    [NEGATIVE_MARGIN_COUNTED, countOfKnownMrr(f.negative, f.customerMrrKnown)],
    // (a frame without the company cost, an export without the cost model's columns, has no row)
    ...(frame.columns.includes("company_cost_30d")
      ? [[
        NEGATIVE_COMPANY_MARGIN_COUNTED,
        countOfKnownMrr(f.negativeCompany, f.companyKnown),
      ] as [string, string]]
      : []),
  ];
  return markdownTable(["measure", "value"], rows);
}

/**
 * A "Read with care" line when free-tier organizations already pay: `tier` is Helicone's own
 * record, and the spec's "upgrade candidates: tier = free with high usage" would count them (the
 * kit's own answer leaves them out). Paying: MRR > 0 on the organization's row, or on the row of
 * another organization with its Stripe customer (shared_customer). None when no free one pays.
 */
export function payingFreeCaveat(frame: pl.DataFrame): string[] {
  const needed = ["tier", "mrr", "stripe_customer_id", "revenue_source"];
  if (!needed.every((name) => frame.columns.includes(name))) return [];
  const free = pl.col("tier").eq(pl.lit("free")).fillNull(false);
  const ownPays = pl.col("mrr").gt(0).fillNull(false);
  const f = figures(
    withCustomerColumns(frame.select(...needed)),
    {
      own: countWhere(free.and(ownPays)),
      // not filter(…).sum(): at a million rows its sum's last bits differed between runs (the
      // filtered values' chunks: docs/performance_history.md "Stop 50: float sums run to run")
      ownMrr: pl.when(free.and(ownPays)).then(num("mrr")).otherwise(pl.lit(null)).sum().fillNull(0),
      sibling: countWhere(free.and(ownPays.not()).and(pl.col(CUSTOMER_COLUMNS.pays))),
    },
  );
  const own = f.own ?? 0;
  const sibling = f.sibling ?? 0;
  if (own + sibling === 0) return [];
  const orgs = (n: number) => `${formatCount(n)} organization${n === 1 ? "" : "s"}`;
  const parts = [
    ...(own > 0
      ? [
        `${orgs(own)} with \`mrr\` > 0 on ${own === 1 ? "its" : "their"} own row (${
          formatUsd(f.ownMrr ?? 0)
        } a month)`,
      ]
      : []),
    ...(sibling > 0
      ? [
        `${
          orgs(sibling)
        } whose Stripe customer pays on another organization's row (\`revenue_source\` shared_customer)`,
      ]
      : []),
  ];
  return [
    `\`tier\` is Helicone's own record, and free-tier organizations already pay: ${
      parts.join(", and ")
    }. Leave them out of upgrade candidates (question 7; the kit's own answer, in the MCP server and the questions notebook, does), and read a free tier's \`mrr\` as revenue the tier does not explain (a tier not updated, or a free staging organization of a paying customer).`,
  ];
}
