/**
 * The daily Stripe cache: one JSON file per Stripe account and as-of day (UTC) under
 * outputs/.stripe-cache/, holding only the trimmed objects of stripe_objects.ts. The account is
 * named by a fingerprint of the key (16 hex digits of its SHA-256; the key itself is never
 * written), so reading the cache makes no API call. A file answers its as-of and the later ones
 * of its day (cache_answers.ts cacheAnswers), and is checked for the shape the rules read
 * (cache_shape.ts). Rules are applied after reading, so a changed setting takes effect without a
 * refetch. Files older than a week are removed when a new one is written. Each distinct price is
 * written once and items name it by index: most of a subscription's JSON is its price, so 200k
 * subscriptions on a few prices take 43 MB, not 104 MB, and parse in two thirds of the time and
 * memory (items then share one price object). The folder is made 0700 and each file 0600 (they
 * hold customers' billing), whatever the umask.
 */
import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isoDate, writeFileAtomic } from "../formats/files.ts";
import { createPrivateFile, makePrivateDir } from "../formats/private_files.ts";
import { withPublishLock } from "../formats/publish_lock.ts";
import { snapshotProblem } from "./cache_shape.ts";
import type { StripeSnapshot } from "./snapshot.ts";
import type { ItemLite, PriceLite, SubscriptionLite } from "./stripe_objects.ts";

/** Bumped whenever the file's shape changes: older files are then ignored. 6: a subscription
 * whose payment collection is paused has status `paused` (it was `active`); `customer_deleted`.
 * 7: an archived tiered price's tiers are read (a 6 file may hold it without, read as $0).
 * 9: usage lines include the closed period's threshold invoices' and those of metered prices
 * swapped off the subscription (an 8 file left both out).
 * 10: usage lines carry their price's months; they include a closed period's threshold invoices
 * created before the invoices listed and the usage of subscriptions holding no metered price now
 * (a 9 file left both out).
 * 11: a threshold invoice both the widened listing and a long period's own listing held gives its
 * usage lines once (a 10 file may hold them twice).
 * 12: a threshold invoice of a subscription whose threshold resets its billing cycle anchor closes
 * the period (an 11 file holds the cycle before it instead).
 * 13: an invoice item is never a usage line (a 12 file may hold one whose metered price another
 * line made known).
 * 14: a closed period's usage counts only while its closing invoice is within the usage look-back
 * (× its price's months), whatever the window (a 13 file of a window longer than the look-back
 * may hold an older period's).
 * 15: subscriptions keep start_date and trial_end (one started, or out of its trial, after the
 * as-of is not counted at it: a 14 file lacks both).
 * 16: subscriptions keep billing_cycle_anchor (one anchored after the as-of is named in a warning).
 * 17: subscriptions keep canceled_at and ended_at (one canceled after the as-of counts at it; a 16
 * file lacks both).
 * 18: discounts keep their start (one applied after the as-of does not count at it), and an
 * item's or a customer's discount of a coupon deleted since carries the coupon's terms, read off
 * a holder (deleted_coupons.ts: a 17 file left such discounts out).
 * 19: subscriptions keep trial_start (a trial put on a running subscription after the as-of was
 * not under way at it: an 18 file lacks it).
 * 20: a subscription's own discount of a coupon deleted since carries the coupon's applies_to and
 * currency_options, read off the subscription (a 19 file holds the embedded coupon without them:
 * a coupon limited to products read as every product's).
 * 21: subscriptions keep created (a discount made with the subscription was never stood in for by
 * the customer's, even at an as-of before its start: a 20 file lacks it).
 * 22: items keep trial_start (an item-level trial put on a running item after the as-of was not
 * under way at it: a 21 file lacks it).
 * 23: usage lines keep their period's end and their price's interval (a repeating coupon on the
 * usage of a price swapped off since is judged by that price's period: a 22 file lacks them).
 * 24: subscriptions keep billing_cycle_anchor_config's day of the month when later than their
 * anchor's (billing_cycle_anchor_day: a 23 file read an anchor configured for the 31st and cut to
 * February 28 as on the 28th).
 * 25: subscriptions in a trial keep what their trial settings do at its end without a payment
 * method when they have none (trial_end_without_payment_method: a 24 file read one canceled or
 * paused at a trial's end passed since the fetch as paying). */
const CACHE_VERSION = 25;

/** A snapshot as the file holds it: `prices` once, each item's price an index into it. */
type FileSnapshot = Omit<StripeSnapshot, "subscriptions"> & {
  prices: PriceLite[];
  subscriptions: (Omit<SubscriptionLite, "items"> & {
    items: (Omit<ItemLite, "price"> & { price: number })[];
  })[];
};

/**
 * The file's `snapshot` as JSON, in pieces: the text JSON.stringify gives of the snapshot with
 * `prices` once (after its own fields) and each item's price an index into it, made one
 * subscription at a time. Stringified whole (with a copy of every subscription), a 200k-subscription
 * cache held ~250 MB more at its write: the revenue worker's peak, beside the queries.
 */
function* fileSnapshotJson(snapshot: StripeSnapshot): Generator<string> {
  const prices: PriceLite[] = [];
  const indexOf = new Map<string, number>(); // by the price's JSON: only identical prices merge
  const priceIndex = (price: PriceLite) => {
    const key = JSON.stringify(price);
    let index = indexOf.get(key);
    if (index === undefined) indexOf.set(key, index = prices.push(price) - 1);
    return index;
  };
  let separator = "{";
  for (const [key, value] of Object.entries(snapshot)) {
    if (key === "subscriptions") {
      yield `${separator}"subscriptions":[`;
      let comma = "";
      for (const subscription of value as SubscriptionLite[]) {
        const items = subscription.items.map((item) => ({
          ...item,
          price: priceIndex(item.price),
        }));
        yield comma + JSON.stringify({ ...subscription, items });
        comma = ",";
      }
      yield "]";
    } else {
      const json = JSON.stringify(value);
      if (json === undefined) continue; // (an undefined field: left out, as JSON.stringify does)
      yield `${separator}${JSON.stringify(key)}:${json}`;
    }
    separator = ",";
  }
  yield `${separator}"prices":${JSON.stringify(prices)}}`;
}

/** The snapshot of a file whose shape was checked (snapshotProblem): each item given its price. */
function fromFile(file: FileSnapshot): StripeSnapshot {
  const { prices, ...snapshot } = file;
  for (const subscription of file.subscriptions) {
    for (const item of subscription.items as unknown as ItemLite[]) {
      item.price = prices[item.price as unknown as number]; // in place: no second copy
    }
  }
  return { ...snapshot, subscriptions: snapshot.subscriptions as unknown as SubscriptionLite[] };
}

export function keyFingerprint(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 16);
}

export function cachePath(
  cacheDir: string,
  { apiKey, asOf }: { apiKey: string; asOf: Date },
): string {
  return join(cacheDir, `stripe_${keyFingerprint(apiKey)}_${isoDate(asOf)}.json`);
}

/**
 * What readCache found: today's snapshot; or none, with what is wrong (`unusable`) when the file
 * is there but cannot be read or is ill-shaped (loadRevenue warns, naming the file). A file that
 * is simply not today's, or of an older shape, is no snapshot and nothing wrong.
 */
export interface CacheRead {
  snapshot: StripeSnapshot | null;
  unusable?: string;
}

/**
 * Today's snapshot, or none when there is no file, or it was fetched on another day, or is of an
 * older shape, or cannot be used (unreadable, not JSON, ill-shaped: `unusable` says why). The file
 * is named by the export's as-of day: an export of a past as-of made again on a later day would
 * have reused revenue fetched then, so the day it was written (`written_at`, UTC) must be today's.
 */
export async function readCache(
  path: string,
  { now = new Date() }: { now?: Date } = {},
): Promise<CacheRead> {
  let cached;
  try {
    cached = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { snapshot: null };
    return {
      snapshot: null,
      unusable: error instanceof SyntaxError
        ? "not JSON: cut short?"
        : String((error as Error)?.message ?? error).split("\n")[0],
    };
  }
  const writtenAt = typeof cached?.written_at === "string" ? new Date(cached.written_at) : null;
  if (!writtenAt || Number.isNaN(writtenAt.getTime()) || isoDate(writtenAt) !== isoDate(now)) {
    return { snapshot: null }; // fetched on another day (or undated): ask Stripe again
  }
  // an older version lacks what the rules now read (paused collection, deleted customers, tax
  // included in prices, subscriptions' start, trial end and billing anchor)
  if (cached?.version !== CACHE_VERSION) return { snapshot: null };
  const unusable = snapshotProblem(cached.snapshot);
  if (unusable !== null) return { snapshot: null, unusable };
  return { snapshot: fromFile(cached.snapshot) };
}

/** Text written to the file this many UTF-16 units at a time: a megabyte of ASCII, up to three of
 * other text (names and descriptions are written as they are, not escaped). */
const WRITE_CHARS = 1 << 20;

export async function writeCache(path: string, snapshot: StripeSnapshot): Promise<void> {
  await makePrivateDir(dirname(path));
  // its as-of up front: laterCacheOfTheDay reads it without parsing the file
  const head = `{"version":${CACHE_VERSION},"written_at":${
    JSON.stringify(new Date().toISOString())
  },"until":${JSON.stringify(snapshot.invoiceRange?.until ?? null)},"snapshot":`;
  await writeFileAtomic(
    path,
    async (tmp) => {
      await createPrivateFile(tmp);
      using file = await Deno.open(tmp, { write: true });
      const encoder = new TextEncoder();
      let pieces: string[] = [];
      let chars = 0;
      const flush = async () => {
        const bytes = encoder.encode(pieces.join(""));
        pieces = [];
        chars = 0;
        for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
      };
      const whole = function* () {
        yield head;
        yield* fileSnapshotJson(snapshot);
        yield "}";
      };
      for (const piece of whole()) {
        pieces.push(piece);
        chars += piece.length;
        if (chars >= WRITE_CHARS) await flush();
      }
      await flush();
    },
    // a failure is a warning (the next export fetches again): the disk's fix alone, no folder to
    // choose for a cache
    { chosenBy: { otherwise: "" } },
  );
}

/**
 * Whether `path` holds today's cache (current version) made for a later as-of than `asOf`: read
 * from the file's first bytes, not parsed whole (tens of MB). A fetch for an earlier as-of then
 * leaves it in place: written over, the day's later exports would read revenue of the earlier
 * as-of (a month-end run of 00:00 after a 10:00 export: every invoice since midnight missed).
 */
export async function laterCacheOfTheDay(
  path: string,
  { asOf, now = new Date() }: { asOf: Date; now?: Date },
): Promise<boolean> {
  let head: string;
  try {
    using file = await Deno.open(path);
    const bytes = new Uint8Array(256);
    const read = await file.read(bytes);
    head = new TextDecoder().decode(bytes.subarray(0, read ?? 0));
  } catch {
    return false; // none, or unreadable: written over
  }
  const fields = /^\{"version":(\d+),"written_at":"([^"]+)","until":(\d+),/.exec(head);
  if (!fields || Number(fields[1]) !== CACHE_VERSION) return false;
  const writtenAt = new Date(fields[2]);
  if (Number.isNaN(writtenAt.getTime()) || isoDate(writtenAt) !== isoDate(now)) return false;
  return Number(fields[3]) > Math.floor(asOf.getTime() / 1000);
}

/**
 * Writes `snapshot` to `path` unless the file holds today's cache of a later as-of than the
 * snapshot's own (laterCacheOfTheDay); returns whether it wrote. The check and the write hold the
 * cache folder's lock (`.publish.lock` there): two exports of one day fetching at once (08:00 and
 * 09:00) both found no later file and wrote in turn, so the earlier as-of could end up over the
 * later one, and the day's later exports read it (warned, their invoices since then missed).
 */
export async function writeCacheUnlessLater(
  path: string,
  snapshot: StripeSnapshot,
  { asOf }: { asOf: Date },
): Promise<boolean> {
  const until = snapshot.invoiceRange?.until;
  const own = until === undefined ? asOf : new Date(until * 1000);
  await makePrivateDir(dirname(path));
  return await withPublishLock(dirname(path), async () => {
    if (await laterCacheOfTheDay(path, { asOf: own })) return false;
    await writeCache(path, snapshot);
    return true;
  }, { onWait: () => {}, action: "write the Stripe cache", chosenBy: { otherwise: "" } });
}

/** Days of cache files kept before the as-of day. */
export const CACHE_KEEP_DAYS = 7;

const DAY = String.raw`\d{4}-\d{2}-\d{2}`;
/** A cache file's name without its date: the live cache's, or a backfill's invoice cache's (its
 * range; read only on the day fetched, which ends its name: invoice_fetch.ts) */
const CACHE_STEM = String.raw`stripe_(?:[0-9a-f]{16}|invoices_[0-9a-f]{16}_${DAY}_${DAY})`;
const CACHE_FILE = new RegExp(String.raw`^${CACHE_STEM}_(${DAY})\.json$`);
/** writeFileAtomic's temp file of a cache file: left behind when the writer was ended mid-write */
const CACHE_TEMP = new RegExp(String.raw`^\.${CACHE_STEM}_${DAY}\.json\.[0-9a-z]+\.tmp$`);
/** A temp file this old is no write in progress (a 200k-subscription cache takes seconds). */
const DEAD_TEMP_MS = 10 * 60_000;

/**
 * Removes the kit's cache files dated more than `keepDays` before `asOf`, and temp files of a
 * cache write ended midway (an interrupted export or backfill) older than ten minutes (only files named like
 * the cache's own; anything else in the folder is left alone). Returns the names removed.
 */
export async function pruneCache(
  cacheDir: string,
  { asOf, keepDays = CACHE_KEEP_DAYS, invoicesOnly = false }: {
    asOf: Date;
    keepDays?: number;
    /** a backfill's: the live cache of an export of a past as-of, fetched today, stays */
    invoicesOnly?: boolean;
  },
): Promise<string[]> {
  const oldest = isoDate(new Date(asOf.getTime() - keepDays * 86_400_000));
  const removed: string[] = [];
  for (const entry of await readdir(cacheDir, { withFileTypes: true })) {
    if (invoicesOnly && !entry.name.replace(/^\./, "").startsWith("stripe_invoices_")) continue;
    if (entry.isFile() && CACHE_TEMP.test(entry.name)) {
      const path = join(cacheDir, entry.name);
      const modified = (await Deno.stat(path).catch(() => null))?.mtime?.getTime();
      if (modified !== undefined && Date.now() - modified > DEAD_TEMP_MS) {
        await rm(path, { force: true });
        removed.push(entry.name);
      }
      continue;
    }
    const date = entry.isFile() ? CACHE_FILE.exec(entry.name)?.[1] : undefined;
    if (date !== undefined && date < oldest) {
      await rm(join(cacheDir, entry.name), { force: true });
      removed.push(entry.name);
    }
  }
  return removed.sort();
}
