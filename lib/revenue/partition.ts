/**
 * A Stripe list read as `created` ranges paged concurrently (issue 13). Stripe lists newest
 * first, so after a page the objects still to come of a range are those created at or before its
 * last object. Whenever fewer ranges are being read than `slots` (the concurrency setting) — after
 * a page, and when a range ends — the range with the most objects still expected (at least two
 * pages) hands the older part of what it has left to a new range, read alongside, and narrows its
 * own `created` filter to the newer part, keeping its cursor (the cursor's object lies inside it):
 * about half, at most 64 pages' worth kept, moved so what it keeps fills whole pages.
 * The range split need not be the one whose page just came back: one whose request is in flight
 * drops, when it returns, the objects that are now the new range's, and is done if there were any
 * (Stripe's order: every object of its newer part came before them). So no object is read twice;
 * each split costs at most one more, partial, page (or one empty page; none when the density
 * holds), and calls stay ≈ ceil(n/100). Splitting the biggest, not the first to answer, keeps the
 * last ranges ending together (the listing's wall time is its longest chain of pages). Objects
 * come back in Stripe's order, as one sequential listing would return them.
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

/** A range being read: its filter now, and what its pages said (for choosing which to split). */
interface RangeRead {
  range: CreatedRange;
  pages: number;
  objects: number;
  /** created of the first object it read, and of the last (null: none read yet) */
  top: number | null;
  newest: number | null;
  /** split-off ranges, newest first */
  older: Promise<Json[]>[];
}

/** Every object of a list, read as concurrently paged `created` ranges. */
export async function listPartitioned(
  reader: StripeReader,
  { kind, fetchPage, ...options }: PartitionedListOptions & {
    kind: string;
    fetchPage: (startingAfter: string | undefined, range: CreatedRange) => Promise<unknown>;
  },
): Promise<Json[]> {
  const reading = new Set<RangeRead>();
  // Nothing is older than this: an open-below range (or one starting at or below it) came back
  // empty up to its end.
  let emptyBelow = STRIPE_EPOCH;

  const floorOf = (read: RangeRead) => Math.max(read.range.gte ?? emptyBelow, emptyBelow);
  // objects still expected at the density read so far (none known when all share a second)
  const expectedOf = (read: RangeRead) => {
    const { top, newest } = read;
    if (top === null || newest === null || top <= newest) return 0;
    return (read.objects / (top - newest)) * (newest - floorOf(read));
  };
  const splittable = (read: RangeRead) =>
    read.pages >= PAGES_BEFORE_SPLIT && read.newest !== null &&
    read.newest - floorOf(read) >= 2 && expectedOf(read) >= MIN_OBJECTS_TO_SPLIT;

  // Left of a splittable range: created in [gte, newest]. The older half goes to a new range; it
  // narrows its filter to the newer half and keeps its cursor (still inside it).
  const split = (read: RangeRead) => {
    const [top, newest, floor] = [read.top ?? 0, read.newest ?? 0, floorOf(read)];
    const keptAtMost = Math.ceil(((top - newest) * MAX_PAGES_KEPT) / read.pages);
    const half = Math.max(floor + Math.floor((newest - floor) / 2), newest - keptAtMost);
    // …moved so that what it keeps fills whole pages at the density read: its last page full,
    // not partial (a split then costs no call when the density holds)
    const density = read.objects / (top - newest);
    const pagesKept = Math.max(1, Math.round((density * (newest - half)) / 100));
    const mid = Math.max(floor + 1, newest - Math.floor((pagesKept * 100) / density));
    const older = walk({ gte: read.range.gte, lt: mid });
    older.catch(() => {}); // awaited by its splitter; marked handled so an early failure waits
    read.older.unshift(older);
    reader.splits++;
    read.range = { gte: mid, lt: read.range.lt };
  };
  // while fewer ranges are read than slots, the one with the most objects expected splits
  const fillSlots = () => {
    while (reading.size < options.slots) {
      let biggest: RangeRead | undefined;
      for (const read of reading) {
        if (splittable(read) && (!biggest || expectedOf(read) > expectedOf(biggest))) {
          biggest = read;
        }
      }
      if (!biggest) return;
      split(biggest);
    }
  };

  const walk = async (start: CreatedRange): Promise<Json[]> => {
    const read: RangeRead = {
      range: start,
      pages: 0,
      objects: 0,
      top: null,
      newest: null,
      older: [],
    };
    reading.add(read);
    const own: Json[] = [];
    let cursor: string | undefined;
    try {
      for (;;) {
        let sent = read.range;
        const page = await reader.request(
          kind,
          async () => checkedPage(kind, await fetchPage(cursor, sent = read.range)),
          { optional: options.optional },
        );
        // split while in flight: what is older than its filter now is the new range's
        const gte = read.range.gte;
        const data = gte !== null && gte !== sent.gte
          ? page.data.filter((object) => Number(object.created ?? 0) >= gte)
          : page.data;
        own.push(...data);
        if (data.length > 0) options.onPage?.(data);
        const last = data[data.length - 1];
        // checkedPage: a page with has_more has a last
        if (!page.has_more || !last || data.length < page.data.length) break;
        cursor = String(last.id);
        read.pages++;
        read.objects = own.length;
        read.top ??= Number(data[0].created ?? 0);
        read.newest = Number(last.created ?? 0);
        fillSlots();
      }
    } finally {
      reading.delete(read);
    }
    if (own.length === 0 && start.lt !== null && (start.gte ?? emptyBelow) <= emptyBelow) {
      emptyBelow = Math.max(emptyBelow, start.lt);
    }
    fillSlots();
    // newest first: this range, then the split-off ranges from the newest to the oldest
    return [own, ...(await Promise.all(read.older))].flat();
  };

  return await walk(options.range);
}
