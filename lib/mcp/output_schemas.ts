/**
 * Output schemas of the tools that return structuredContent: the SDK validates every result
 * against them (the server before sending, the client on receipt), and a model can plan on the
 * shape before calling. Keep them in step with the structured objects in tools_data.ts.
 */
import { z } from "zod";
import { COUNTED_ROWS } from "./sql_protocol.ts";

/**
 * A table cell as results carry it (text.ts Cell): a number JSON has not travels as a string
 * (text.ts jsonText), so z.string() takes it.
 */
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]).describe(
  'a value; null: no value. Infinity and NaN (a division by zero) are the strings "Infinity", "-Infinity", "NaN": JSON has no such numbers',
);
const row = z.record(z.string(), cell);
const metricValues = z.record(z.string(), z.number().nullable());
const count = z.number().int().min(0);

/** Present when the answer is from an older export: the newest cannot be read (served_note.ts). */
const notNewest = z.object({
  file: z.string().describe("the export this answer is from"),
  as_of: z.string().describe("its as-of: older than the newest export's"),
  window_days: count,
  unreadable: z.array(z.object({
    file: z.string(),
    problem: z.string().describe("why it cannot be read and what to do (export again, or move it)"),
  })).describe("the newer exports that cannot be read, newest first (the first three)"),
  unreadable_total: count,
}).optional().describe(
  "present only when the newest export cannot be read: this answer is from an older export, not current data",
);

/** The MRR of Stripe customers no organization maps to, as a manifest or sidecar records it. */
const unmappedFigures = z.object({
  customers: count.describe("Stripe customers with MRR above $0 at the as-of"),
  mrr_usd: z.number().describe("their mrr, USD a month"),
  mrr_recurring_usd: z.number().describe("their mrr_recurring, USD a month"),
  unknown_mrr_customers: count.describe(
    "more such customers whose MRR is not stated in USD (billed in a currency without a rate, or on a price without an amount in the currency billed)",
  ),
});

export const DESCRIBE_DATASET_OUTPUT = {
  as_of: z.string().describe("ISO time the data is as of"),
  window: z.object({
    start: z.string(),
    end: z.string(),
    days: count,
  }).describe("the usage window [start, end): columns named *_30d cover it"),
  demo: z.boolean().describe("true: demo data, not production"),
  source: z.string().describe("the export file served, or the in-memory demo"),
  row_count: count,
  sql_table: z.string().describe("the table query_sql selects from"),
  columns: z.array(z.object({
    name: z.string(),
    type: z.string(),
    unit: z.string(),
    source: z.string(),
    definition: z.string(),
    description: z.string().describe("its whole description but the as-of sentence: as_of_effects"),
  })),
  as_of_effects: z.array(z.object({ effect: z.string(), columns: z.array(z.string()) })).describe(
    "what the as-of does to each column (when earlier than the export's run), each sentence once with the columns it applies to",
  ),
  column_notes: z.array(z.object({ name: z.string(), text: z.string() })).describe(
    "notes a column's description points to, (column note NAME): said once here",
  ),
  cost_model: z.object({
    infra_usd_per_1k_requests: z.number().nullable(),
    infra_usd_per_gb_stored: z.number().nullable(),
    ptb_revenue_read: z.boolean(),
    price_book: z.string(),
    price_book_path: z.string().nullable().describe(
      "where the export read its price book; null: its manifest does not record it",
    ),
    price_book_sha256: z.string().nullable().describe(
      "SHA-256 of the price book the export read; null: its manifest does not record it",
    ),
    from: z.enum(["manifest", "settings"]),
    definition: z.array(z.string()),
  }).describe("what company_cost_30d was computed with"),
  margin_bases: z.array(z.object({
    column: z.string(),
    basis: z.string(),
  })).describe(
    "both margin columns' bases; each column's formula (its definition) and description are in columns",
  ),
  per_plan: z.object({
    basis: z.string().nullable().describe(
      "another window's: its usage on a 30-day basis in every ratio and margin; null for 30 days",
    ),
    columns: z.array(z.object({ name: z.string(), definition: z.string() })),
    rows: z.array(row),
    notes: z.array(z.string()).describe(
      "what this data says of the rows, as the brief prints under its table: organizations created inside the window (a few days' cost against a month's mrr: margins read higher), customers billed in another currency (mrr_to_list_pct reads the exchange rate); empty when neither applies",
    ),
  }).describe("unit economics per price-book plan; the last row, plan all, is every organization"),
  unmapped_stripe_customers: unmappedFigures.optional().describe(
    "Stripe customers no organization's stripe_customer_id names: their MRR is in Stripe's dashboard, not in any row (nor per_plan's all); absent when there are none (the manifest's record all 0) or the manifest does not record them",
  ),
  history: z.object({
    sql_table: z.string(),
    folder: z.string(),
    total: count.describe("snapshots there are (snapshots lists the newest when not all fit)"),
    snapshots: z.array(z.object({
      as_of: z.string(),
      file: z.string(),
      rows: count.nullable(),
      origin: z.string().nullable(),
    })),
    columns: z.array(z.object({
      name: z.string(),
      type: z.string(),
      unit: z.string(),
      definition: z.string(),
    })).describe(
      "the SQL table's columns after as_of, as_of_time and the export's (`columns`): the native recurring MRR a snapshot stores, and whether it stores it",
    ),
  }).describe("history snapshots of the served kind (demo or live), oldest first"),
  warnings: z.array(z.string()),
  limits: z.object({ max_rows: count, max_bytes: count }),
  not_newest: notNewest,
};

export const QUERY_SQL_OUTPUT = {
  columns: z.array(z.string()),
  rows: z.array(row).describe("one object per row, column name → value"),
  row_count: count.describe("rows returned here"),
  total_rows: count.nullable().describe(
    `rows the statement returned in all, counted up to ${COUNTED_ROWS} (null: more than that)`,
  ),
  truncated: z.boolean().describe(
    "true when the row or byte cap left rows out or cut text values (marked …(cut, N chars))",
  ),
  hint: z.string().optional().describe(
    "present only when the statement compares a text column (=, IN) with a value no " +
      "organization has, which no row matches: each such value with the nearest there is (a " +
      "typo, or a case slip)",
  ),
  not_newest: notNewest,
};

export const ORGANIZATION_OUTPUT = {
  row: row.describe("the organization's export row"),
  tier: z.string().nullable(),
  plan: z.string().nullable().describe("its plan (the `plan` column); null: no plan"),
  peers: z.object({ tier: count, plan: count, all: count }).describe(
    "organizations in its tier, in its plan (the `plan` column) and in all",
  ),
  per_plan_table: z.object({ plan: z.string(), organizations: count }).describe(
    "where describe_dataset's per-plan table counts it: its Stripe customer's revenue row's plan ((none) where none; a customer several organizations share counts there with all of them) and that plan's organizations in the table",
  ),
  revenue: z.object({
    mrr: z.enum(["known", "on_sibling_row", "unknown"]),
    note: z.string().nullable(),
    revenue_row: z.object({
      org_id: z.string(),
      org_name: z.string().nullable(),
      mrr: z.number().nullable(),
      organizations: count,
    }).nullable(),
  }).describe(
    "what its mrr is: known (its own row's), on_sibling_row (empty here: a Stripe customer several organizations share has its revenue on one of their rows, revenue_row, for all of them) or unknown (not $0: in no MRR total; revenue_row names its shared customer's revenue row when that row's mrr is unknown); note says it in words",
  ),
  tier_medians: metricValues,
  plan_medians: metricValues,
  percentiles: metricValues.describe(
    "percent of the organizations with a value (empty cells left out) at or below it, per metric",
  ),
  window_notes: z.array(z.string()).describe(
    "a window other than 30 days: which figures are the window's and which a month's; empty for 30 days",
  ),
  not_newest: notNewest,
};

/**
 * A compare_exports totals row: its column's figures (any cells, as a table row's), and of two
 * exports of different windows the window they are over, as the totals CSV's `window` column.
 */
const totalsRow = z.object({
  window: z.string().nullable().optional().describe(
    "present only when the two cover different windows: old → new (`30 days → 7 days`) on a window figure's row (its change compares two windows, not a change), `30-day basis` on list_price_mrr's, null on monthly amounts and counts",
  ),
}).catchall(cell);

export const COMPARE_EXPORTS_OUTPUT = {
  old: z.string().describe("the older export file name, or snapshot <as-of>"),
  new: z.string().describe("the newer export file name, or snapshot <as-of>"),
  warning: z.string().optional().describe(
    "present when the two cover different windows (e.g. 30 and 7 days): which columns' deltas are window figures (no change), which are on a 30-day basis in both",
  ),
  snapshot_warnings: z.array(z.string()).optional().describe(
    "present when old or new is a history snapshot dated after now (a clock set ahead, a file renamed), one warning each: mrr_history leaves it out",
  ),
  window_note: z.string().optional().describe(
    "present when both cover one window other than 30 days (e.g. 7): the *_30d totals are that window's sums, mrr is monthly",
  ),
  fx_change: z.object({
    warning: z.string().describe("the same warning as the text's, in words"),
    rates: z.array(z.object({
      currency: z.string(),
      old_rate: z.number().describe("USD per unit, as the old export ran"),
      new_rate: z.number().describe("USD per unit, as the new export ran"),
    })).describe("the currencies whose PRICING_FX_RATES rate differs between the two"),
    mrr_recurring_from_rates: z.number().describe(
      "USD of the mrr_recurring change that is the rate: the valued organizations' new recurring MRR at the new rate less at the old one (the history report's fx_impact)",
    ),
    organizations_valued: count.describe("billed in one changed currency alone"),
    organizations_mixed: count.describe(
      "billed in a changed currency beside another: moved by the rate too, not valued",
    ),
  }).optional().describe(
    "present when the two were converted at different FX rates for a currency an organization of the new one is billed in: its USD revenue moves with the rate at the same price",
  ),
  lacked_columns: z.object({
    old: z.array(z.string()).describe("the columns the old file did not have (empty: it has all)"),
    new: z.array(z.string()).describe("the columns the new file did not have"),
    note: z.string().describe("the text's note, in words"),
  }).optional().describe(
    "present when a file was written by an earlier kit version, before columns every reader takes as they are (e.g. ptb_requests_cost_unknown_30d): read as empty, so their totals and changes are null (empty in the text), not a change",
  ),
  unmapped_stripe_customers: z.object({
    old: unmappedFigures.nullable().describe(
      "the old file's; null: it does not record them (an older kit's export, one that read no revenue, a backfill's snapshot): unknown, not $0",
    ),
    new: unmappedFigures.nullable().describe("the new file's; null as for old"),
    mrr_change_usd: z.number().nullable().describe(
      "new mrr_usd less old, USD a month; null unless both record them",
    ),
    mrr_recurring_change_usd: z.number().nullable().describe(
      "new mrr_recurring_usd less old; null unless both record them",
    ),
    note: z.string().optional().describe(
      "the text's note, present when either file records some (not all 0)",
    ),
  }).optional().describe(
    "Stripe customers no organization's stripe_customer_id names: their MRR is in Stripe's dashboard and in neither file's totals; present when either file records them (all 0: none)",
  ),
  exports: z.array(z.string()).describe("export files in the folder, newest first"),
  counts: z.object({
    organizationsOld: count,
    organizationsNew: count,
    inBoth: count,
    appeared: count,
    disappeared: count,
    tierChanged: count,
    tierRawChanged: count,
    planChanged: count,
    renamed: count.describe("organizations in both whose org_name changed"),
  }),
  totals: z.array(totalsRow).describe(
    "per additive column: old total, new total (each file's known values), change and change_pct like for like (over organizations whose value both files know), unknown counts; of two windows, the window each row is over",
  ),
  tier_changes: z.array(row),
  tier_raw_changes: z.array(row).describe(
    "tier_raw old → new: plan migrations within a tier family",
  ),
  plan_changes: z.array(row).describe("priced plan old → new"),
  mrr_movers: z.array(row).describe(
    "organizations with the largest MRR change; shared_customer_old / shared_customer_new: its Stripe customer is shared with other organizations of that export (empty: not in it); org_name_old: its old name when renamed (org_name is the new one), else empty",
  ),
  mrr_movers_note: z.string().optional().describe(
    "present when a listed organization's Stripe customer is shared: its MRR change is the customer's moving between its organizations, not necessarily new or lost business",
  ),
  mrr_movers_usage_note: z.string().optional().describe(
    "present when either file has usage charges: mrr_delta is mrr, metered usage included, not the recurring MRR mrr_history's bridge moves, so the changes listed do not add up to the bridge's; both totals' changes",
  ),
  native_mrr: z.object({
    note: z.string().optional().describe("what the amounts are"),
    by_currency: z.array(row).optional().describe(
      "per billing currency: organizations counted, old, new and change in the currency's units, then the same in its minor units (exact integers: old_minor, new_minor, change_minor)",
    ),
    left_out: z.object({
      currency_changed: count,
      unknown: count.describe("an amount one file does not know"),
      on_sibling: count.describe("on a shared Stripe customer's sibling row in one file"),
      note: z.string().optional(),
    }).optional().describe("organizations counted in no currency, never converted or guessed"),
    not_compared: z.string().optional().describe(
      "present instead of the rest when a file has no native amounts (an export file, a snapshot stored before them): which, and why",
    ),
  }).optional().describe(
    "recurring MRR in each billing currency (the history snapshots' mrr_recurring_minor): present when old or new is a history snapshot",
  ),
};

export const MRR_HISTORY_OUTPUT = {
  history_dir: z.string().describe("the history folder the snapshots were read from"),
  months: count.describe("months in the bridge (each a month end or the month to date)"),
  months_left_out: count.describe(
    "the oldest months left out of company, by_currency and retention within PRICING_MCP_MAX_BYTES (the text has them)",
  ),
  company: z.array(row).describe(
    "per month: month, as_of, month_to_date, months_covered, start_mrr_usd, new_usd, expansion_usd, contraction_usd, churn_usd, … end_mrr_usd (recurring MRR, USD a month), customers per movement and the month's figures",
  ),
  by_currency: z.array(row).nullable().describe(
    "per month and billing currency: the bridge in that currency's units (start_mrr, new_mrr, … end_mrr) and customers per movement; null when every customer is billed in USD",
  ),
  retention: z.array(row).describe(
    "revenue retention: per month (period month) and over one period, from_as_of → as_of over months_covered months, ending at the last month end (a month to date after it is in its month rows only; it ends at a month to date only when no month end follows the first snapshot): period trailing_12_months when it starts at the month end 12 months before, else months_stored (from the oldest snapshot within those 12 months, a month to date among them too, or the one just before the end when none is, more than 12 months then); for the company (plan (all)) and per plan at the start: start_mrr_usd of the customers paying at from_as_of, retained_mrr_usd (their MRR at as_of, at from_as_of's FX rates), kept_mrr_usd (capped at each start), net_revenue_retention_pct, gross_revenue_retention_pct, start_customers, lost_customers (paying nothing at as_of), logo_churn_pct; new and returning customers left out",
  ),
  by_plan: z.array(row).describe(
    "per plan over the retention period (from_as_of → as_of, as retention's trailing_12_months or months_stored rows): start_mrr_usd, new_usd, expansion_usd, contraction_usd, churn_usd, reactivation_usd, paused_usd, resumed_usd, moved_in_usd, moved_out_usd, fx_impact_usd (each summed over its months, losses positive as in company), end_mrr_usd",
  ),
  cohorts: z.array(row).optional().describe(
    "with cohorts: true, per cohort (first paid month) and later month end: cohort, cohort_as_of, months_since, month, as_of, cohort_customers, cohort_mrr_usd (its MRR at its first month), paying_customers, mrr_usd (USD at each snapshot's FX rates), mrr_retained_pct, customers_retained_pct, cohort_plan ((all): every customer's rows, first; then each plan's, the plan its customers first paid on: each customer is in (all) and in one plan's rows, so sum one or the other, never both)",
  ),
  warnings: z.array(z.string()).describe(
    "a stored snapshot dated after now, left out of the bridge (a clock set ahead, a file renamed), one line each: what to do",
  ),
  not_newest: notNewest,
};
