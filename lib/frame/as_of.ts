/**
 * What the as-of does to each export column, appended to its description (lib/frame/columns.ts), so the
 * dictionary, the XLSX dictionary sheet and the brief say it. With an as-of in the past some
 * columns are as of that instant, others are today's values: the reader must know which.
 * Every column needs an entry (columns.ts refuses to load otherwise). A sentence that ten columns
 * would repeat is a column note they point to, `(column note NAME)`, said once under the columns.
 */

const SNAPSHOT =
  "As-of: today's value, not the value at the as-of (the database keeps no history).";
const WINDOW = "As-of: the window is [as-of − days × 24 h, as-of), in UTC.";
const DERIVED_WINDOW = "As-of: derived from window columns, so it ends at the as-of too.";
const STRIPE_NOW =
  "As-of: Stripe's subscriptions as held today, judged at the as-of (column note stripe_now).";
const MRR_PER =
  "As-of: mrr as Stripe holds it when the export runs, over a window column that ends at the as-of.";

/**
 * Notes column descriptions point to by name, each said once under the column table (the
 * dictionaries, docs/columns.md, describe_dataset's column_notes): the Stripe sentence on ten
 * columns was 3.3 KB of describe_dataset's answer, read ten times for one fact.
 */
export const COLUMN_NOTES: readonly { name: string; text: string }[] = [
  {
    name: "stripe_now",
    text:
      "From the subscriptions Stripe holds when the export runs, or held when today's Stripe cache was fetched (not as they were at the as-of); discounts (one applied since is not counted), trials, starts (a subscription started since is not counted), ends (one canceled since counts as active, at the items it ended with) and scheduled cancellations are judged at the as-of.",
  },
];

export const AS_OF_EFFECT: Record<string, string> = {
  org_id:
    "As-of: organizations created at or after the as-of are not exported (an unknown created_at is kept).",
  org_name: SNAPSHOT,
  tier: SNAPSHOT,
  created_at: "As-of: always before the as-of (later organizations are not exported).",
  stripe_customer_id: SNAPSHOT,
  seats:
    "As-of: members who joined before the as-of (organization_member.created_at; an unknown join time counts); members who left before today are missing, as the table keeps no history.",
  active_users_30d:
    "As-of: members who joined before the as-of and whose last sign-in falls in the window; last_sign_in_at is overwritten at each sign-in, so a member who signed in in the window and again after the as-of is missed.",
  requests_30d: WINDOW,
  llm_cost_30d: WINDOW,
  prompts_created:
    "As-of: prompts created before the as-of (a null created_at counts); prompts deleted since are missing, as soft_delete keeps no date.",
  prompts_used_30d: WINDOW,
  mrr: `${STRIPE_NOW} Its usage part is usage_charges: invoices created before the as-of.`,
  base_subscription: STRIPE_NOW,
  usage_charges:
    "As-of: the last closed billing-cycle invoice created before the as-of and its period's threshold invoices (within the look-back); from today's Stripe cache, before the cache's as-of.",
  addon_prompts: STRIPE_NOW,
  is_ptb:
    "As-of: not cut: organization_ptb_spend has no timestamps, so spend after the as-of counts too.",
  is_byok: DERIVED_WINDOW,
  has_gateway_only: DERIVED_WINDOW,
  cost_per_seat: "As-of: window cost over seats at the as-of.",
  revenue_per_seat: "As-of: mrr as Stripe holds it when the export runs, over seats at the as-of.",
  cost_per_request: DERIVED_WINDOW,
  revenue_per_request: MRR_PER,
  gross_margin_pct: MRR_PER,
  seat_utilization_pct: "As-of: active members in the window over seats at the as-of.",
  tier_raw: SNAPSHOT,
  org_subscription_status: SNAPSHOT,
  addons_in_metadata: SNAPSHOT,
  ptb_requests_30d: WINDOW,
  byok_requests_30d: WINDOW,
  llm_cost_ptb_30d: WINDOW,
  llm_cost_byok_30d: WINDOW,
  requests_cost_unknown_30d: WINDOW,
  ptb_requests_cost_unknown_30d: WINDOW,
  ptb_cost_share_pct: DERIVED_WINDOW,
  ptb_spend_all_time:
    "As-of: not cut: organization_ptb_spend has no timestamps, so spend after the as-of counts too.",
  mrr_recurring: STRIPE_NOW,
  mrr_recurring_minor: STRIPE_NOW,
  addon_other: STRIPE_NOW,
  subscription_status: STRIPE_NOW,
  billing_interval: STRIPE_NOW,
  currency: STRIPE_NOW,
  stripe_plan_names: STRIPE_NOW,
  cancel_at_period_end: STRIPE_NOW,
  revenue_source:
    "As-of: a Stripe cache is read only when it was fetched today for an as-of of the same date, at or before the export's (never a later one): usage_charges and ptb_revenue_30d then count invoices and payments up to the cache's as-of, not those created since (--refresh-stripe reads them).",
  plan: SNAPSHOT,
  list_price_mrr:
    "As-of: today's price book over seats at the as-of and today's add-ons (the database keeps no history).",
  ptb_revenue_30d: WINDOW,
  company_cost_30d: DERIVED_WINDOW,
  gross_margin_company_pct: MRR_PER,
  unbilled_usage_usd:
    "As-of: window requests against usage_charges before the as-of; today's price book.",
  usage_discounts: "As-of: as usage_charges.",
};

/**
 * Each as-of sentence in a few words, keyed by a column it applies to (the group's first):
 * describe_dataset's text says the groups in these, as the sentences in full with their columns
 * took ~3 KB, past its room under the 64 KB cap. A group without one is said by its sentence's
 * first words.
 */
export const AS_OF_GIST: Record<string, string> = {
  org_id: "created before the as-of only",
  org_name: "today's value",
  created_at: "before the as-of",
  seats: "joined before the as-of; leavers missing",
  active_users_30d: "last sign-in in the window",
  requests_30d: "the window, ending at the as-of",
  prompts_created: "created before the as-of (deletions missing)",
  mrr: "today's Stripe, judged at the as-of",
  base_subscription: "today's Stripe, judged at the as-of",
  usage_charges: "invoices before the as-of",
  is_ptb: "not cut (all-time spend)",
  is_byok: "from window columns",
  cost_per_seat: "window cost over seats at the as-of",
  revenue_per_seat: "today's mrr over seats at the as-of",
  revenue_per_request: "today's mrr over a window column",
  seat_utilization_pct: "window sign-ins over seats at the as-of",
  revenue_source: "today's cache, only for the as-of's date",
  list_price_mrr: "today's price book, seats at the as-of",
  unbilled_usage_usd: "window requests, today's price book",
  usage_discounts: "as usage_charges",
};

/** `description` followed by what the as-of does to the column; throws when a column has none. */
export function withAsOfEffect<T extends { name: string; description: string }>(column: T): T {
  const effect = AS_OF_EFFECT[column.name];
  if (!effect) {
    throw new Error(`column ${column.name} has no as-of effect in lib/frame/as_of.ts`);
  }
  return { ...column, description: `${column.description} ${effect}` };
}

/** `description` of column `name` without the as-of sentence withAsOfEffect appended to it. */
export function withoutAsOfEffect(name: string, description: string): string {
  const effect = ` ${AS_OF_EFFECT[name]}`;
  if (!description.endsWith(effect)) {
    throw new Error(`column ${name}: as-of sentence not at the end`);
  }
  return description.slice(0, -effect.length);
}

/**
 * Each distinct as-of sentence once (without its "As-of: "), with the columns of `names` it
 * applies to, in their order: how the brief's dictionary and describe_dataset say them (nine
 * columns share one, ten another).
 */
export function asOfEffectGroups(
  names: readonly string[],
): { effect: string; columns: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const effect = AS_OF_EFFECT[name].replace(/^As-of: /, "");
    groups.set(effect, [...(groups.get(effect) ?? []), name]);
  }
  return [...groups].map(([effect, columns]) => ({ effect, columns }));
}
