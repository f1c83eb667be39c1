/**
 * The notes under the per-plan table on this run's data: customers billed in another currency
 * (mrr_to_list_pct reads the exchange rate), organizations created inside the window (a few
 * days' cost against a month's MRR), metered usage Stripe did not bill and metered usage discounts
 * took off (unbilled_usage.ts). The brief and the export notebook print them in Markdown, the
 * workbook's summary sheet as plain text: a reader of the workbook alone reads the same table.
 */
import pl from "nodejs-polars";
import { escapeMarkdown, plainText } from "../formats/markdown.ts";
import { formatNumber } from "../formats/csv_rows.ts";
import { formatPct } from "../report/numbers.ts";
import { listInWords } from "../core/words.ts";
import { nonUsdListed } from "./per_plan.ts";
import { organizationsText } from "./ptb_timing.ts";
import {
  discountedUsage,
  UNBILLED_USAGE_COLUMN,
  unbilledUsage,
  USAGE_DISCOUNTS_COLUMN,
} from "./unbilled_usage.ts";
import { formatUsd } from "../core/usd.ts";

/** How a note writes a column or setting, a plan's name (from the price book) and a currency. */
export interface NoteStyle {
  code(name: string): string;
  plan(name: string): string;
  data(text: string): string;
}

const MARKDOWN: NoteStyle = {
  code: (name) => `\`${name}\``,
  plan: (name) => `**${escapeMarkdown(name)}**`,
  data: (text) => escapeMarkdown(text),
};

// data text on one visible line, as the sheet's other cells of price-book text (the cell's
// formula guard is the sheet's)
const PLAIN: NoteStyle = {
  code: (name) => name,
  plan: (name) => `"${plainText(name, { maxLength: 1000 })}"`,
  data: (text) => plainText(text, { maxLength: 1000 }),
};

/** What the notes need besides the frame. */
export interface RunNotesOptions {
  /** the rates that converted revenue to USD (the currency line's example is at this run's) */
  fxRates?: Record<string, number>;
  /** the window's start: organizations created after it are said to have part of a month */
  windowStart?: Date;
}

/**
 * Under the per-plan table, when mrr_to_list_pct counts customers billed in another currency than
 * USD: their converted MRR against the USD price book reads the exchange rate at list price. The
 * example is at this run's rate (`fxRates`, USD per unit by code) of the first currency it has;
 * without one it names no rate (a fixed one read as this run's).
 */
function nonUsdListedNote(
  frame: pl.DataFrame,
  { fxRates = {}, style }: Pick<RunNotesOptions, "fxRates"> & { style: NoteStyle },
): string[] {
  const found = nonUsdListed(frame);
  if (!found) return [];
  const { organizations, currencies, plans } = found;
  const codes = listInWords(currencies.map((code) => style.data(code)));
  const planList = listInWords(plans.map((plan) => style.plan(plan)));
  const rated = currencies.find((code) => Number.isFinite(fxRates[code]) && fxRates[code] > 0);
  const example = rated === undefined
    ? `79 ${style.data(currencies[0])} for a $79 plan reads 100 × its rate in USD`
    : `79 ${style.data(rated)} for a $79 plan at this run's ${style.data(rated)} ${
      formatNumber(fxRates[rated])
    }: ${formatPct(fxRates[rated] * 100)}`;
  const toList = style.code("mrr_to_list_pct");
  return [
    `Currency: ${organizationsText(organizations)} counted in ${toList} ${
      organizations === 1 ? "is" : "are"
    } billed in ${codes}, not USD (plans ${planList}): their MRR is converted to USD at ${
      style.code("PRICING_FX_RATES")
    } and set against the USD price book, so one paying its plan's list price in its own currency reads the exchange rate (${example}), not a premium, and those plans' ${toList} moves with the rate.`,
  ];
}

/**
 * Under the per-plan table, when organizations were created inside the window: their window
 * columns cover only the days since, yet mrr is a whole month's, so their margins read high (and a
 * list price on usage low). Created exactly at the start, an organization had the whole window.
 */
function partialMonthNote(
  frame: pl.DataFrame,
  { windowStart, style }: Pick<RunNotesOptions, "windowStart"> & { style: NoteStyle },
): string[] {
  if (!windowStart || !frame.columns.includes("created_at")) return [];
  const created = frame.select(
    pl.col("created_at").gt(pl.lit(windowStart)).fillNull(false).sum().alias("n"),
  ).getColumn("n").toArray()[0] as number;
  if (!created) return [];
  const start = windowStart.toISOString().replace(/T00:00:00\.000Z$/, "").replace(/\.000Z$/, "Z");
  const one = created === 1;
  return [
    `Partial month: ${organizationsText(created)} ${
      one ? "was" : "were"
    } created inside the window (after its start, ${start}): ${one ? "its" : "their"} ${
      style.code("_30d")
    } usage and cost cover only the days since, set against a whole month's ${
      style.code("mrr")
    }, so ${
      one ? "its" : "their"
    } margins read higher, and a list price on usage lower, than a whole month of ${
      one ? "its" : "their"
    } use would make them.`,
  ];
}

/**
 * Under the per-plan table, when organizations on a plan with metered request prices sent more
 * requests than it includes and Stripe billed them no metered usage (unbilled_usage.ts): how many,
 * and what that usage comes to at list price, a month.
 */
function unbilledUsageNote(frame: pl.DataFrame, style: NoteStyle): string[] {
  const found = unbilledUsage(frame);
  if (!found) return [];
  const one = found.organizations === 1;
  return [
    `Unbilled metered usage: ${organizationsText(found.organizations)} on ${
      listInWords(found.plans.map((plan) => style.plan(plan)))
    } sent more requests than ${
      one ? "its plan includes and was" : "their plan includes and were"
    } billed no metered usage: ${formatUsd(found.usd)} a month at list price (${
      style.code(UNBILLED_USAGE_COLUMN)
    }). Check ${one ? "its subscription" : "their subscriptions"} (${
      style.code("usage_charges")
    } is the last closed period's).`,
  ];
}

/**
 * Under the per-plan table, when discounts took metered usage off among the organizations
 * unbilled_usage_usd judges: billed, then discounted on purpose (a concession), which that column
 * does not count whatever the discount setting (unbilled_usage.ts discountedUsage).
 */
function discountedUsageNote(frame: pl.DataFrame, style: NoteStyle): string[] {
  const found = discountedUsage(frame);
  if (!found) return [];
  return [
    `Discounted metered usage: ${organizationsText(found.organizations)} on ${
      listInWords(found.plans.map((plan) => style.plan(plan)))
    } ${found.organizations === 1 ? "was" : "were"} billed metered usage that discounts took ${
      formatUsd(found.usd)
    } a month off (${style.code(USAGE_DISCOUNTS_COLUMN)}): a concession, not unbilled.`,
  ];
}

/**
 * Under the per-plan table, what this run's data says of its figures: customers billed in another
 * currency and organizations created inside the window (Markdown lines, each followed by ""; none
 * when neither applies). The brief prints them, and so does the export notebook's economics cell.
 */
export function perPlanRunNotes(frame: pl.DataFrame, options: RunNotesOptions): string[] {
  return perPlanNotes(frame, { ...options, style: MARKDOWN }).flatMap((note) => [note, ""]);
}

/**
 * perPlanRunNotes as plain text, a note each: the workbook's summary sheet and the admin page print
 * them; `style` writes a plan's name and a currency otherwise (the MCP server: as literals).
 */
export function perPlanRunNotesText(
  frame: pl.DataFrame,
  { style = {}, ...options }: RunNotesOptions & {
    style?: Partial<Pick<NoteStyle, "plan" | "data">>;
  },
): string[] {
  return perPlanNotes(frame, { ...options, style: { ...PLAIN, ...style } });
}

function perPlanNotes(
  frame: pl.DataFrame,
  { fxRates, windowStart, style }: RunNotesOptions & { style: NoteStyle },
): string[] {
  return [
    ...nonUsdListedNote(frame, { fxRates, style }),
    ...partialMonthNote(frame, { windowStart, style }),
    ...unbilledUsageNote(frame, style),
    ...discountedUsageNote(frame, style),
  ];
}
