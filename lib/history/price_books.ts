/**
 * Whether a history's snapshots were priced by different price books. A snapshot's `plan` is its
 * price book's plan name, so between two books every paying organization reads as changing plan
 * (enterprise (contract) → enterprise_contracts, at the same MRR): the plan changes and the plans'
 * moved in/out of that month are the books' renaming, not customers moving. Sidecars written since
 * 2026-12 record the book (snapshot.ts; an import its manifest's); for older ones and imports
 * without a manifest the honest signal left is the paying organizations' plan names changing
 * wholesale (none in common).
 */
import { escapeMarkdown } from "../formats/markdown.ts";
import type { PriceBookId } from "./snapshot.ts";

/** Two consecutive snapshots (as-of keys) of which the second looks priced by another book. */
export interface PriceBookChange {
  before: string;
  after: string;
  /** both books, when both sidecars record one; else the plan names changed wholesale */
  books: [PriceBookId, PriceBookId] | null;
}

/** What priceBookChanges reads of one snapshot. */
export interface PricedSnapshot {
  /** as-of key */
  month: string;
  priceBook?: PriceBookId;
  /**
   * its paying organizations' plan names when it has plan versions (a price book's names), null
   * when its plan is the tier (no book priced it)
   */
  plans: ReadonlySet<string> | null;
}

/**
 * Each pair of consecutive snapshots priced by different books: the recorded books differ, or,
 * where either sidecar records none, two plan-versioned snapshots of two or more paying plans each
 * have no plan name in common (one paying organization moving plan is not a new book).
 */
export function priceBookChanges(snapshots: PricedSnapshot[]): PriceBookChange[] {
  return snapshots.slice(1).flatMap((after, i): PriceBookChange[] => {
    const before = snapshots[i];
    const pair = { before: before.month, after: after.month };
    if (before.priceBook && after.priceBook) {
      return before.priceBook.sha256 === after.priceBook.sha256
        ? []
        : [{ ...pair, books: [before.priceBook, after.priceBook] }];
    }
    const [a, b] = [before.plans, after.plans];
    if (!a || !b || a.size < 2 || b.size < 2) return [];
    return [...a].some((plan) => b.has(plan)) ? [] : [{ ...pair, books: null }];
  });
}

const bookText = (book: PriceBookId) =>
  `${escapeMarkdown(book.name)} (SHA-256 ${book.sha256.slice(0, 12)}…)`;

/** The Markdown paragraph on each change (report and brief), with what it does to the plans. */
export function priceBookSentences(
  changes: PriceBookChange[],
  monthOf: (asOf: string) => string,
): string[] {
  return changes.map(({ before, after, books }) => {
    const consequence = `The \`plan\` column is the price book's plan name, so in ${
      monthOf(after)
    } the plan changes and the plans' moved in/out are mostly the books' renaming, not customers moving; the company bridge does not depend on plans. Compare plans across snapshots priced by one book.`;
    return books
      ? `**Different price books:** as-of ${before} was priced by ${
        bookText(books[0])
      }, as-of ${after} by ${bookText(books[1])}. ${consequence}`
      : `**Plan names changed wholesale:** the paying organizations' plans at as-of ${before} and as-of ${after} have no name in common, as when snapshots are priced by different price books (their sidecars do not record which: written before the kit recorded it, or imported). ${consequence}`;
  });
}
