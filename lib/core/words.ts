/** A list in a sentence, shared by the kit's messages and reports. */

/** What listInWords puts between the last two items. */
export interface ListInWordsOptions {
  /** "and" unless told (a list of choices takes "or") */
  conjunction?: "and" | "or";
}

/** "", "A", "A and B", "A, B and C" (no comma before the last word); "A, B or C" with "or". */
export function listInWords(
  items: readonly string[],
  { conjunction = "and" }: ListInWordsOptions = {},
): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1)}`;
}

/**
 * The first `shown` items joined by commas, then how many more: "a, b, c and 2 more" (all of them
 * when there are no more than `shown`). With `show`, items are written by it, and only the shown
 * ones are (a long list is not all quoted to name ten).
 */
export function someInWords<T>(
  items: readonly T[],
  options: { shown: number; show: (item: T) => string },
): string;
export function someInWords(items: readonly string[], options: { shown: number }): string;
export function someInWords<T>(
  items: readonly T[],
  { shown, show = String }: { shown: number; show?: (item: T) => string },
): string {
  const more = items.length - shown;
  return `${items.slice(0, shown).map(show).join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

/**
 * Why a value is unknown, in an export's own outputs (brief, per-plan table, MCP over a run): its
 * query gave NaN or an infinity, which the kit holds (and writes) empty.
 */
export const UNKNOWN_FROM_QUERY = "NaN or infinite";

/**
 * Why a value is unknown where the data may be a query's or an export file's (the questions, in
 * the notebook or the MCP server): a query's NaN or infinity, or the file's empty cell (an export
 * writes those empty; a file may leave a cell empty for its own reasons). True of both.
 */
export const UNKNOWN_FROM_QUERY_OR_FILE = "NaN, infinite or empty";

/**
 * What a sum over a column with unknown values covers: "over 3 of 5 organizations; 2 unknown (NaN
 * or infinite)" (`unit` names what is counted: "customer" where rows are Stripe customers; `why`
 * why a value is unknown, UNKNOWN_FROM_QUERY unless told). "" when none is unknown, so outputs
 * without unknowns read as before.
 */
export function partialSumWords(
  { known, unknown, unit = "organization", why = UNKNOWN_FROM_QUERY }: {
    known: number;
    unknown: number;
    unit?: string;
    why?: string;
  },
): string {
  if (unknown === 0) return "";
  const total = known + unknown;
  return `over ${known.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} ${unit}${
    total === 1 ? "" : "s"
  }; ${unknown.toLocaleString("en-US")} unknown (${why})`;
}

/** `noun` as a count of 1 takes it ("snapshot"), else with an s ("snapshots"). */
export function nounFor(count: number, noun: string): string {
  return count === 1 ? noun : `${noun}s`;
}

/** "1 customer", "2 customers": `noun` pluralised with an s, the count in en-US. */
export function counted(count: number, noun: string): string {
  return `${count.toLocaleString("en-US")} ${noun}${count === 1 ? "" : "s"}`;
}
