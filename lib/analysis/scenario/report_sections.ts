/**
 * The scenario summary's sections beyond revenue, and their stdout lines: the company margin
 * before and after (margins.ts) and the proposal against the price book (price_book_baseline.ts).
 */
import pl from "nodejs-polars";
import {
  formatChangePct,
  formatCount,
  formatPct,
  formatUsd,
  UNKNOWN_MARK,
} from "../../report/numbers.ts";
import { escapeMarkdown, markdownTable } from "../../formats/markdown.ts";
import { signedUsd } from "../../core/usd.ts";
import { MONTH_DAYS } from "../../frame/monthly.ts";
import { type CompanyMargin, marginBoundBrief, marginBoundText } from "./margins.ts";
import type { PriceBookBaseline } from "./price_book_baseline.ts";
import { COST_MODEL_SETTINGS } from "../../economics/cost_model.ts";
import { MARGIN_WITHOUT_INFRASTRUCTURE } from "../../economics/infrastructure_cost.ts";

function organizations(n: number): string {
  return `${formatCount(n)} organization${n === 1 ? "" : "s"}`;
}

/** A column of a movers table: the frame's column, its header, how a cell is written. */
interface MoverColumn {
  name: string;
  header: string;
  cell: (value: unknown) => string;
}

const text = (value: unknown) => String(value ?? "");
const usd = (value: unknown) => formatUsd(value as number);

/** Who the customer is: the columns every movers table starts with. */
const MOVER_WHO: readonly MoverColumn[] = [
  { name: "org_id", header: "org_id", cell: String },
  { name: "org_name", header: "org_name", cell: text },
  { name: "tier", header: "tier", cell: text },
  { name: "plan", header: "plan", cell: text },
];

/** The customers whose MRR moves most, as a Markdown table ("None." when there are none). */
export function moversMarkdown(
  movers: pl.DataFrame,
  { against }: { against: "current" | "price book" },
): string {
  if (movers.height === 0) return "None.";
  const columns: readonly MoverColumn[] = [
    ...MOVER_WHO,
    { name: "current_mrr", header: "current_mrr", cell: usd },
    ...(against === "price book"
      ? [{ name: "price_book_mrr", header: "price_book_mrr", cell: usd }]
      : []),
    { name: "proposed_mrr", header: "proposed_mrr", cell: usd },
    against === "price book"
      ? {
        name: "delta_vs_price_book_usd",
        header: "change vs book",
        cell: (value) => signedUsd(value as number),
      }
      : { name: "delta_usd", header: "delta", cell: (value) => signedUsd(value as number) },
    {
      name: "customer_organizations",
      header: "organizations",
      cell: (value) => formatCount(value as number),
    },
  ];
  const values = columns.map(({ name }) => movers.getColumn(name).toArray() as unknown[]);
  return markdownTable(
    columns.map(({ header }) => header),
    values[0].map((_, row) => columns.map(({ cell }, column) => cell(values[column][row]))),
  );
}

/** 62.5 %, – for null (no revenue to set the cost against) */
export function marginText(value: number | null): string {
  return formatPct(value ?? NaN);
}

/** +3.2 points, -0.4 points, 0.0 points; – when not known (formatChangePct's signs) */
export function pointsText(value: number | null): string {
  const shown = formatChangePct(value);
  return shown === UNKNOWN_MARK ? shown : shown.replace(/ %$/, " points");
}

/** The company margin's definition and what is assumed of cost, said once per summary. */
const MARGIN_BASIS =
  'On the company cost basis, the one to price on (README, "Which margin?"): margin = (MRR + PTB revenue − company cost) / (MRR + PTB revenue), company cost (`company_cost_30d`) = PTB LLM cost + infrastructure. The proposed margin takes each organization\'s company cost and PTB revenue as they are: the same usage costs the same (not modelled: see above).';

/**
 * Whether the data's run counted infrastructure cost in company_cost_30d: false, every company
 * margin here is an upper bound (infrastructure counted as $0), said; null, not recorded.
 */
interface InfrastructureBasis {
  infrastructureSet: boolean | null;
}

/** The summary's sentence where infrastructure cost is not set. */
const WITHOUT_INFRASTRUCTURE =
  `Every company margin here is an upper bound: the run that made the data set no infrastructure cost (\`${COST_MODEL_SETTINGS.infraUsdPer1kRequests}\` unset), so company cost is PTB LLM cost alone, infrastructure counted as $0.`;

/** The mark of a margin that is an upper bound (margin_ptb_requests_cost_unknown above 0). */
const UPPER_BOUND_MARK = "≤";

/**
 * What the mark means, under a table that has it; the counts are the window's own (not put on
 * the 30-day basis of the margins' cost: usageOnMonthlyBasis leaves them).
 */
const rowBoundNote = (windowDays: number) =>
  `${UPPER_BOUND_MARK}: an upper bound: the organizations counted in the row sent the pass-through requests with no cost recorded in its last column (\`ptb_requests_cost_unknown_30d\`${
    windowDays === MONTH_DAYS
      ? ""
      : `: the ${windowDays}-day window's own count, not on the ${MONTH_DAYS}-day basis`
  }), so their company cost is a lower bound.`;

/**
 * The margin columns of a breakdown frame (breakdown.ts) as a table, `first` its rows' column;
 * where a row's organizations sent pass-through requests with no cost recorded, its margins are
 * marked upper bounds and a last column counts the requests (absent when no row has any).
 */
function marginTable(
  first: "tier" | "plan",
  { breakdown, windowDays }: { breakdown: pl.DataFrame; windowDays: number },
): string[] {
  const get = (name: string) => breakdown.getColumn(name).toArray() as (number | null)[];
  const names = breakdown.getColumn(first).toArray() as string[];
  const [counted, unknown, cost, current, proposed, change, unrecorded] = [
    "margin_organizations",
    "margin_unknown",
    "company_cost",
    "current_margin_company_pct",
    "proposed_margin_company_pct",
    "margin_change_pts",
    "margin_ptb_requests_cost_unknown",
  ].map(get);
  const bounded = unrecorded.some((n) => n! > 0);
  const margin = (value: number | null, i: number) =>
    value !== null && unrecorded[i]! > 0
      ? `${UPPER_BOUND_MARK} ${marginText(value)}`
      : marginText(value);
  const table = markdownTable(
    [
      first,
      "organizations",
      "left out",
      "company cost",
      "current margin",
      "proposed margin",
      "change",
      ...(bounded ? ["PTB requests without cost"] : []),
    ],
    names.map((name, i) => [
      name,
      formatCount(counted[i]!),
      formatCount(unknown[i]!),
      cost[i] === null ? "–" : formatUsd(cost[i]!),
      margin(current[i], i),
      margin(proposed[i], i),
      pointsText(change[i]),
      ...(bounded ? [formatCount(unrecorded[i]!)] : []),
    ]),
  );
  return bounded ? [table, "", rowBoundNote(windowDays)] : [table];
}

/** The summary's Company margin section: totals, then by tier and by plan. */
export function marginMarkdown(
  { margin, byTier, byPlan }: {
    margin: CompanyMargin;
    byTier: pl.DataFrame;
    byPlan: pl.DataFrame;
  },
  { infrastructureSet }: InfrastructureBasis,
): string[] {
  const leftOut = margin.costUnknown + margin.ptbRevenueUnknown;
  const { windowDays } = margin.costUnrecorded;
  const lines = ["## Company margin", "", MARGIN_BASIS, ""];
  if (margin.organizations === 0) {
    lines.push(
      `No compared organization's company cost is known: no margin${
        leftOut > 0 ? ` (${formatCount(leftOut)} left out: see Warnings)` : ""
      }.`,
      "",
    );
    return lines;
  }
  lines.push(
    `Over the ${organizations(margin.organizations)} compared whose company cost is known${
      leftOut > 0 ? ` (${formatCount(leftOut)} left out: see Warnings)` : ""
    }:`,
    "",
    markdownTable(["measure", "current", "proposed"], [
      [
        "revenue (MRR + PTB revenue)",
        formatUsd(margin.currentRevenueUsd),
        formatUsd(margin.proposedRevenueUsd),
      ],
      [
        "company cost (unchanged)",
        formatUsd(margin.companyCostUsd),
        formatUsd(margin.companyCostUsd),
      ],
      [
        "company margin",
        marginText(margin.currentMarginPct),
        `${marginText(margin.proposedMarginPct)} (${pointsText(margin.changePts)})`,
      ],
    ]),
    "",
  );
  if (infrastructureSet === false) lines.push(WITHOUT_INFRASTRUCTURE, "");
  const bound = marginBoundText(margin);
  if (bound) lines.push(`${bound}.`, "");
  lines.push(
    "By tier (a Stripe customer in its revenue row's tier; `left out`: compared, company margin unknown):",
    "",
    ...marginTable("tier", { breakdown: byTier, windowDays }),
    "",
    "By plan:",
    "",
    ...marginTable("plan", { breakdown: byPlan, windowDays }),
    "",
  );
  return lines;
}

/** The stdout line of the company margin; an upper bound said as run_scenario's margin line says it. */
export function marginLine(
  margin: CompanyMargin,
  { infrastructureSet }: InfrastructureBasis,
): string {
  const leftOut = margin.costUnknown + margin.ptbRevenueUnknown;
  if (margin.organizations === 0) {
    return leftOut === 0
      ? "  company margin: no organization compared"
      : `  company margin: unknown, no company cost or PTB revenue known for the ${
        organizations(leftOut)
      } compared (see the warnings)`;
  }
  const bounds = [
    marginBoundBrief(margin),
    infrastructureSet === false ? MARGIN_WITHOUT_INFRASTRUCTURE : null,
  ].filter((bound) => bound !== null);
  return `  company margin (${organizations(margin.organizations)}, company cost unchanged)${
    bounds.map((bound) => `, ${bound}`).join("")
  }: ${marginText(margin.currentMarginPct)} → ${marginText(margin.proposedMarginPct)} (${
    pointsText(margin.changePts)
  })${
    leftOut > 0
      ? `; ${formatCount(leftOut)} left out, their company margin unknown (see the warnings)`
      : ""
  }`;
}

/**
 * The summary's Against the price book section: the proposal's own change, apart from the book's
 * gap to billed MRR, and the customers its prices raise most. `book` names the price book when the
 * scenario is the book itself (no baseline).
 */
export function priceBookMarkdown(
  baseline: PriceBookBaseline | null,
  { book }: { book: string },
): string[] {
  const lines = ["## Against the price book", ""];
  if (baseline === null) {
    lines.push(
      `This scenario's prices are the price book's (${
        escapeMarkdown(book)
      }): nothing to set against it.`,
      "",
    );
    return lines;
  }
  const b = baseline;
  lines.push(
    `Current MRR is what Stripe bills, which list prices miss by discounts, term billing, exchange rates (MRR billed in another currency is converted to USD at \`PRICING_FX_RATES\`) and prices the book does not list. The price book (${
      escapeMarkdown(b.price_book)
    }, \`PRICING_PRICE_BOOK\`) prices the same ${organizations(b.organizations)} at ${
      formatUsd(b.price_book_mrr)
    }, ${signedUsd(b.price_book_vs_current_usd)} from their current MRR of ${
      formatUsd(b.current_mrr)
    } (not this scenario's doing). This scenario prices them at ${
      formatUsd(b.proposed_mrr)
    }: its own prices change MRR by **${signedUsd(b.delta_vs_price_book_usd)}** (${
      formatChangePct(b.change_vs_price_book_pct)
    }) from the book's. Organizations paying more than under the book: ${
      formatCount(b.pays_more_than_price_book)
    }; less: ${formatCount(b.pays_less_than_price_book)}.`,
    "",
    "Biggest increases against the price book (what this scenario's prices raise):",
    "",
    moversMarkdown(b.biggest_increases, { against: "price book" }),
    "",
  );
  return lines;
}

/** The stdout line of the proposal against the price book. */
export function priceBookLine(baseline: PriceBookBaseline): string {
  const b = baseline;
  return `  against the price book ${JSON.stringify(b.price_book)} on the same ${
    organizations(b.organizations)
  }: ${signedUsd(b.delta_vs_price_book_usd)} (${
    formatChangePct(b.change_vs_price_book_pct)
  }) from its ${formatUsd(b.price_book_mrr)}, which is ${
    signedUsd(b.price_book_vs_current_usd)
  } from current MRR (discounts, term billing, exchange rates: not this scenario)`;
}
