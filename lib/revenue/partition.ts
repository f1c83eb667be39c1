/**
 * A Stripe list read as `created` ranges paged concurrently (issue 13). Stripe lists newest
 * first, so after a page the objects still to come of a range are those created at or before its
 * last object. While fewer ranges are being read than `slots` (the concurrency setting), a range
 * with at least two pages still expected hands the older half of what it has left to a new
 * range, read alongside, and narrows its own `created` filter to the newer half, keeping its
 * cursor (the cursor's object lies inside it). So no object is read twice; each split costs at
 * most one more, partial, page (or one empty page), and calls stay ≈ ceil(n/100). Objects come
 * back in Stripe's order, as one sequential listing would return them.
 */
import { checkedPage, type Json, type StripeReader } from "./reader.ts";

/** A `created` range: gte inclusive, lt exclusive (null: open). */
export interface CreatedRange {
  gte: number | null;
  lt: number | null;
}

export interface PartitionedListOptions {
  /** the range to list (an open range lists everything) */
  range: CreatedRange;
  /** ranges read at once, at most (the concurrency setting) */
  slots: number;
  onPage?: (objects: Json[]) => void;
  /** its failure fails this list only, not the reader's other requests (StripeReader.request) */
  optional?: boolean;
}

/** `created` as Stripe's list parameters take it, or undefined for an open range. */
export function createdParam(range: CreatedRange): { gte?: number; lt?: number } | undefined {
  if (range.gte === null && range.lt === null) return undefined;
  return {
    ...(range.gte !== null ? { gte: range.gte } : {}),
    ...(range.lt !== null ? { lt: range.lt } : {}),
  };
}

/** Stripe Billing's first year (2011-01-01): no subscription or invoice is older. */
const STRIPE_EPOCH = 1_293_840_000;
/** A range splits only after reading this many pages: short lists stay one range. */
const PAGES_BEFORE_SPLIT = 1;
/** …and only when at least this many objects are still expected (two pages' worth). */
const MIN_OBJECTS_TO_SPLIT = 200;
/**
 * A range keeps at most this many pages' worth of time (at the density it has read) when it
 * splits: a burst of objects far from Stripe's epoch is not halved towards it one empty range at
 * a time.
 */
const MAX_PAGES_KEPT = 64;

/** Every object of a list, read as concurrently paged `created` ranges. */
export async function listPartitioned(
  reader: StripeReader,
  { kind, fetchPage, ...options }: PartitionedListOptions & {
    kind: string;
    fetchPage: (startingAfter: string | undefined, range: CreatedRange) => Promise<unknown>;
  },
): Promise<Json[]> {
  let active = 0;
  // Nothing is older than this: an open-below range (or one starting at or below it) came back
  // empty up to its end.
  let emptyBelow = STRIPE_EPOCH;

  const walk = async (start: CreatedRange): Promise<Json[]> => {
    active++;
    let range = start;
    const own: Json[] = [];
    const older: Promise<Json[]>[] = []; // split-off ranges, newest first
    let cursor: string | undefined;
    let top: number | null = null; // created of the first object this range read
    try {
      for (let pages = 1;; pages++) {
        const page = await reader.request(
          kind,
          async () => checkedPage(kind, await fetchPage(cursor, range)),
          { optional: options.optional },
        );
        own.push(...page.data);
        if (page.data.length > 0) options.onPage?.(page.data);
        const last = page.data[page.data.length - 1];
        if (!page.has_more || !last) break; // checkedPage: a page with has_more has a last
        cursor = String(last.id);
        top ??= Number(page.data[0].created ?? 0);
        // Left: created in [gte, last.created]. Hand the older half to a new range; this one
        // narrows its filter to the newer half and keeps its cursor (still inside it).
        const newest = Number(last.created ?? 0);
        const floor = Math.max(range.gte ?? emptyBelow, emptyBelow);
        // objects still expected at the density read so far (none known when all share a second)
        const expected = top > newest ? (own.length / (top - newest)) * (newest - floor) : 0;
        if (
          active < options.slots && pages >= PAGES_BEFORE_SPLIT && newest - floor >= 2 &&
          expected >= MIN_OBJECTS_TO_SPLIT
        ) {
          const keptAtMost = Math.ceil(((top - newest) * MAX_PAGES_KEPT) / pages);
          const mid = Math.max(floor + Math.floor((newest - floor) / 2), newest - keptAtMost);
          const split = walk({ gte: range.gte, lt: mid });
          split.catch(() => {}); // awaited below; marked handled so an early failure waits
          older.unshift(split);
          reader.splits++;
          range = { gte: mid, lt: range.lt };
        }
      }
    } finally {
      active--;
    }
    if (own.length === 0 && start.lt !== null && (start.gte ?? emptyBelow) <= emptyBelow) {
      emptyBelow = Math.max(emptyBelow, start.lt);
    }
    // newest first: this range, then the split-off ranges from the newest to the oldest
    return [own, ...(await Promise.all(older))].flat();
  };

  return await walk(options.range);
}
