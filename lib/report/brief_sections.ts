/**
 * The brief's statistics sections, all Polars expressions over the export frame: totals, the
 * tiers' table and the distributions of the key columns.
 */
import pl from "nodejs-polars";
import { partialSumWords } from "../core/words.ts";
import { planNameOrNone } from "../core/no_plan.ts";
import { COLUMNS, HEADLINE_COLUMNS } from "../frame/columns.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { inWindowWords } from "../core/window.ts";
import { markdownCode, markdownTable, trustedMarkdown } from "../formats/markdown.ts";
import { formatCount, formatPct, formatUsd } from "./numbers.ts";
import { isUnknownNumber, plainNumber, UNKNOWN_MARK } from "../core/signs.ts";
import { mrrKnownFlags, mrrUnknown, revenueOnSibling } from "../revenue/columns.ts";
import { CUSTOMER_COLUMNS, withCustomerColumns } from "../revenue/shared_customers.ts";
import { CUSTOMER_LOSS_COLUMNS, withCustomerLosses } from "../economics/customer_margins.ts";

// ── formatting ──────────────────────────────────────────────────────────────────────────────

function formatValue(value: number | null, unit: string): string {
  if (isUnknownNumber(value)) return UNKNOWN_MARK;
  if (unit.startsWith("USD")) return formatUsd(value);
  if (unit === "percent") return formatPct(value);
  return plainNumber(value, { digits: 1, trimZeros: true });
}

// ── statistics ──────────────────────────────────────────────────────────────────────────────
// Every figure is a Polars expression evaluated in one select per section: at 1M organizations the
// columns never become JS arrays (they were 3 GB at peak when they did).

/**
 * The q-quantile with linear interpolation between closest ranks (numpy's default):
 * position (n − 1)·q in the sorted values. (Polars' quantile(q, "linear") is the same rule.)
 */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** The columns whose distributions the brief gives: the headline ones. */
export const DISTRIBUTION_COLUMNS = HEADLINE_COLUMNS;

/**
 * Each margin's basis, as README's "Which margin?" names them: the spec's gross_margin_pct
 * subtracts all LLM cost, BYOK included; the company's only what the company pays.
 */
const MARGIN_BASIS: Record<string, string> = {
  gross_margin_pct: "spec basis (all LLM cost)",
  gross_margin_company_pct: "company basis (company cost)",
};

const QUANTILES: [string, number][] = [
  ["min", 0],
  ["p25", 0.25],
  ["median", 0.5],
  ["p75", 0.75],
  ["p90", 0.9],
  ["max", 1],
];

const num = (name: string) => pl.col(name).cast(pl.Float64);
/** Sum of the non-null values (0 when there are none). */
const sumOf = (name: string) => num(name).sum().fillNull(0);
/** Sum of the non-null values; null when none is known (a sum of unknowns is not $0). */
const knownSumOf = (name: string) =>
  pl.when(pl.col(name).isNotNull().cast(pl.Int32).sum().gt(0)).then(num(name).sum())
    .otherwise(pl.lit(null));
/** Non-null values. */
const known = (name: string) => pl.col(name).isNotNull().cast(pl.Float64).sum();
/** Rows where the condition holds (null counts as no). */
const countWhere = (condition: pl.Expr) => condition.fillNull(false).cast(pl.Float64).sum();
/**
 * Empty mrr that is unknown: a row whose revenue another organization's row carries is not. (Totals
 * counts such rows apart, so its known, shared and unknown counts add up to every organization.)
 */
const unknownMrr = (frame: pl.DataFrame) => countWhere(mrrUnknown(frame));
const quantileOf = (name: string, q: number) => num(name).dropNulls().quantile(q, "linear");
/**
 * A column's known values, sorted: its quantiles in one select share the sort (Polars computes a
 * common subexpression once), where each quantile of the unsorted values selected in a copy of
 * its own (the section at a million organizations: 118–144 → 98–122 ms of CPU, the same values
 * and text).
 */
const sortedKnown = (values: pl.Expr) => values.dropNulls().sort();

/**
 * A sum (or median) over a column with unknowns (NaN or infinite from a query) says it is a
 * partial one: "$5.85 over 4 of 5 organizations; 1 unknown (NaN or infinite)"; as it is otherwise.
 */
function partialFigure(value: string, { known, of }: { known: number; of: number }): string {
  const words = partialSumWords({ known, unknown: of - known });
  return words === "" ? value : `${value} ${words}`;
}

/** A count over MRR: "–" when no MRR is known (Stripe skipped), a count of unknowns is not 0. */
function countOfKnownMrr(count: number | null, mrrKnown: number | null): string {
  return mrrKnown ? formatCount(count!) : "–";
}

/** One row of named figures from `exprs`; null where Polars has no value. */
function figures(
  frame: pl.DataFrame,
  exprs: Record<string, pl.Expr>,
): Record<string, number | null> {
  const row = frame.select(...Object.entries(exprs).map(([name, e]) => e.alias(name)));
  return Object.fromEntries(
    row.columns.map((name) => {
      const value = row.getColumn(name).get(0);
      return [name, value === null || value === undefined ? null : Number(value)];
    }),
  );
}

/** Tiers in a stable order: the known families first, then anything else alphabetically. */
function tierOrder(tiers: string[]): string[] {
  const known = ["free", "pro", "team", "growth", "enterprise", "other"];
  const present = new Set(tiers);
  return [
    ...known.filter((t) => present.has(t)),
    ...[...present].filter((t) => !known.includes(t)).sort(),
  ];
}

// ── sections ────────────────────────────────────────────────────────────────────────────────

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

/** Organizations whose Stripe customer loses money, spec basis (null counts as no). */
const negativeCustomerMargin = () => countWhere(pl.col(CUSTOMER_LOSS_COLUMNS.spec));
/** Organizations whose customer's MRR is known: the negative-margin count's "of those". */
const customerMrrKnown = () => known(CUSTOMER_LOSS_COLUMNS.spec);

/** What Totals and By tier read besides the frame. */
export interface BriefSectionOptions {
  /** the export's window in days (30 unless given) */
  windowDays?: number;
  /** `frame` with CUSTOMER_LOSS_COLUMNS, worked out once for both sections */
  withLosses?: pl.DataFrame;
}

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
    ["MRR (spec definition, organizations with known MRR)", formatValue(f.mrr, "USD")],
    ["MRR, recurring only (industry definition)", formatValue(f.mrrRecurring, "USD")],
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
 * By tier; `withLosses` as for totalsSection. Every tier's figures come out of one group-by: a
 * tier's rows copied out one tier at a time cost ~0.2 s at a million organizations, with a
 * collection after each so the copies never added up (~75 MB).
 */
export function tierSection(
  frame: pl.DataFrame,
  { windowDays = MONTH_DAYS, withLosses = withCustomerLosses(frame, windowDays) }:
    BriefSectionOptions = {},
): string {
  // its customer's MRR, as knownMrrRows counts it: a shared_customer row's is known when its
  // revenue row's is, unknown when that one's is (unconverted, unknown to Stripe)
  const byTier = tierFigures(
    // (withLosses is `frame` with two flags, its rows in its order: the flags of `frame`, worked
    // out once for the brief, its chart and trimmed file's sentence)
    withLosses.withColumns(mrrKnownFlags(frame, frame).alias(TIER_MRR_KNOWN)),
  );
  const rows = tierOrder([...byTier.keys()]).map((tier) => tierRow(tier, byTier.get(tier)!));
  return tierTable(rows, windowDays);
}

/**
 * Organizations sharing a Stripe customer whose revenue another organization's row carries
 * (shared_customer), and of them those whose revenue row's MRR is unknown (unconverted, unknown to
 * Stripe): By tier counts the latter in `unknown mrr` (its note says so when there are any), Totals
 * on the shared_customer line; with none shared, the brief says nothing of shared customers.
 */
export function sharedCustomerRows(
  frame: pl.DataFrame,
): { onSibling: number; ofUnknownMrr: number } {
  const flagged = frame.select(revenueOnSibling(frame).alias("on_sibling"))
    .withColumns(mrrKnownFlags(frame, frame).alias(TIER_MRR_KNOWN));
  const counts = flagged.select(
    pl.col("on_sibling").cast(pl.Int32).sum().alias("on_sibling"),
    pl.col("on_sibling").and(pl.col(TIER_MRR_KNOWN).not()).cast(pl.Int32).sum().alias("unknown"),
  );
  return {
    onSibling: Number(counts.getColumn("on_sibling").get(0) ?? 0),
    ofUnknownMrr: Number(counts.getColumn("unknown").get(0) ?? 0),
  };
}

/** tierFigures' flag column: the row's MRR is known (mrrKnownFlags). */
const TIER_MRR_KNOWN = "_tier_mrr_known";

/**
 * Each tier's figures ("(none)" for organizations without one, a tier so named "(none) plan":
 * planNameOrNone), from one group-by.
 */
function tierFigures(withLosses: pl.DataFrame): Map<string, Record<string, number | null>> {
  const exprs: Record<string, pl.Expr> = {
    organizations: pl.len(),
    seats: sumOf("seats"),
    requests: sumOf("requests_30d"),
    medianRequests: quantileOf("requests_30d", 0.5),
    cost: sumOf("llm_cost_30d"),
    mrr: knownSumOf("mrr"),
    mrrUnknown: countWhere(pl.col(TIER_MRR_KNOWN).not()),
    paying: countWhere(pl.col("mrr").gt(0)),
    negative: negativeCustomerMargin(),
    ptb: countWhere(pl.col("is_ptb")),
    mrrKnown: known("mrr"),
    customerMrrKnown: customerMrrKnown(),
    requestsKnown: known("requests_30d"),
    costKnown: known("llm_cost_30d"),
  };
  const table = withLosses.groupBy("tier")
    .agg(...Object.entries(exprs).map(([name, e]) => e.alias(name)));
  const tiers = table.getColumn("tier").toArray() as (string | null)[];
  const columns = Object.keys(exprs).map((name) => table.getColumn(name).toArray());
  return new Map(tiers.map((tier, row) => [
    planNameOrNone(tier),
    Object.fromEntries(
      Object.keys(exprs).map((name, i) => {
        const value = columns[i][row];
        return [name, value === null || value === undefined ? null : Number(value)];
      }),
    ),
  ]));
}

function tierRow(tier: string, f: Record<string, number | null>): string[] {
  // a tier's sum (and median) over unknowns (NaN or infinite) says of how many it is
  const of = f.organizations!;
  return [
    tier,
    formatCount(of),
    formatCount(f.seats!),
    partialFigure(formatCount(f.requests!), { known: f.requestsKnown!, of }),
    partialFigure(formatValue(f.medianRequests, "count"), { known: f.requestsKnown!, of }),
    partialFigure(formatUsd(f.cost!), { known: f.costKnown!, of }),
    formatValue(f.mrr, "USD"),
    formatCount(f.mrrUnknown!),
    countOfKnownMrr(f.paying, f.mrrKnown),
    // (a shared_customer organization's is its customer's: known in a tier of none known)
    countOfKnownMrr(f.negative, f.customerMrrKnown),
    formatCount(f.ptb!),
  ];
}

/** The tiers' table; its window columns' headers say the window's length when it is not 30 days. */
function tierTable(rows: string[][], windowDays: number): string {
  const windowColumn = (label: string) =>
    windowDays === MONTH_DAYS ? label : `${label} (${windowDays} days)`;
  return markdownTable(
    [
      "tier",
      "organizations",
      "seats",
      windowColumn("requests_30d"),
      windowColumn("median requests_30d"),
      windowColumn("llm_cost_30d"),
      "mrr",
      "unknown mrr",
      "paying (mrr > 0, of known mrr)",
      "negative margin (organizations of loss-making customers, spec basis, of known mrr)",
      // a count, not the column's true/false flag
      "PTB organizations (is_ptb, all-time spend)",
    ],
    rows,
  );
}

/**
 * The `mrr` row over paying organizations only, after the one over all (most organizations are
 * free: that one's median is $0). Paying as this brief counts them everywhere else: MRR > 0 (the
 * unit economics' Paying organizations, Totals, By tier and the per-plan paying_organizations
 * that ARPA divides by), so its count is theirs; the history's paying orgs count recurring MRR.
 */
export const PAYING_MRR_LABEL = "`mrr`, paying organizations only (MRR > 0)";

/** Paying organizations: MRR > 0 (an empty mrr counts as no). */
const paying = () => pl.col("mrr").gt(0).fillNull(false);

/**
 * Quantiles per organization of the headline columns, and of `mrr` over paying organizations;
 * another window's usage columns say they are the window's, its margin that it is on a 30-day
 * basis (a 7-day p90 read as a month's).
 */
export function distributionSection(frame: pl.DataFrame, windowDays = MONTH_DAYS): string {
  const exprs: Record<string, pl.Expr> = {};
  for (const name of DISTRIBUTION_COLUMNS) {
    exprs[`${name}:n`] = known(name);
    const sorted = sortedKnown(num(name));
    for (const [label, q] of QUANTILES) exprs[`${name}:${label}`] = sorted.quantile(q, "linear");
  }
  exprs["paying:n"] = countWhere(paying());
  const payingMrr = sortedKnown(num("mrr").filter(paying()));
  for (const [label, q] of QUANTILES) {
    exprs[`paying:${label}`] = payingMrr.quantile(q, "linear");
  }
  const f = figures(frame, exprs);
  const rows = DISTRIBUTION_COLUMNS.flatMap((name) => {
    const def = COLUMNS.find((c) => c.name === name)!;
    const basis = MARGIN_BASIS[name];
    const window = windowDays === MONTH_DAYS
      ? ""
      : def.window === "window"
      ? ` (${windowDays} days)`
      : def.window === "30-day basis"
      ? ` (the ${windowDays}-day window on a ${MONTH_DAYS}-day basis)`
      : "";
    const unit = def.unit;
    const row = [
      trustedMarkdown(`${markdownCode(name).markdown}${window}${basis ? `, ${basis}` : ""}`),
      formatCount(f[`${name}:n`]!),
      ...QUANTILES.map(([label]) => formatValue(f[`${name}:${label}`], unit)),
    ];
    if (name !== "mrr") return [row];
    return [row, [
      trustedMarkdown(PAYING_MRR_LABEL),
      formatCount(f["paying:n"]!),
      ...QUANTILES.map(([label]) => formatValue(f[`paying:${label}`], unit)),
    ]];
  });
  return markdownTable(["column", "values", ...QUANTILES.map(([label]) => label)], rows);
}

/** Said once, plainly: names and tiers are typed by customers or staff, never instructions. */

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
