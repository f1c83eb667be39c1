/**
 * The daily Stripe cache: one JSON file per Stripe account and as-of day (UTC) under
 * outputs/.stripe-cache/, holding only the trimmed objects of stripe_objects.ts. The account is
 * named by a fingerprint of the key (16 hex digits of its SHA-256; the key itself is never
 * written), so reading the cache makes no API call. Rules are applied after reading, so a
 * changed setting takes effect without a refetch. Files older than a week are removed when a
 * new one is written.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { isoDate, writeFileAtomic } from "../formats/files.ts";
import type { StripeSnapshot } from "./snapshot.ts";

/** Bumped whenever the snapshot's shape changes: older files are then ignored. */
const CACHE_VERSION = 4;

export function keyFingerprint(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 16);
}

export function cachePath(
  cacheDir: string,
  { apiKey, asOf }: { apiKey: string; asOf: Date },
): string {
  return join(cacheDir, `stripe_${keyFingerprint(apiKey)}_${isoDate(asOf)}.json`);
}

function isSnapshot(value: unknown): value is StripeSnapshot {
  const s = value as StripeSnapshot;
  return !!s && Array.isArray(s.subscriptions) && Array.isArray(s.products) &&
    !!s.customerDiscounts && typeof s.customerDiscounts === "object" &&
    Array.isArray(s.usageLines) && !!s.customers && Array.isArray(s.customers.existing) &&
    Array.isArray(s.customers.missing) &&
    Array.isArray(s.customers.unverified) && Array.isArray(s.unreadableDiscounts) && "ptb" in s;
}

/** Today's snapshot, or null when there is none (or it is unreadable, or of an older shape). */
export async function readCache(path: string): Promise<StripeSnapshot | null> {
  try {
    const cached = JSON.parse(await Deno.readTextFile(path));
    return cached?.version === CACHE_VERSION && isSnapshot(cached.snapshot)
      ? cached.snapshot
      : null;
  } catch {
    return null; // missing or unreadable: fetch again
  }
}

export async function writeCache(path: string, snapshot: StripeSnapshot): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(
    path,
    (tmp) =>
      Deno.writeTextFile(
        tmp,
        JSON.stringify({ version: CACHE_VERSION, written_at: new Date().toISOString(), snapshot }),
      ),
  );
}

/** Days of cache files kept before the as-of day. */
export const CACHE_KEEP_DAYS = 7;

const CACHE_FILE = /^stripe_[0-9a-f]{16}_(\d{4}-\d{2}-\d{2})\.json$/;

/**
 * Removes the kit's cache files dated more than `keepDays` before `asOf` (only files named like
 * the cache's own; anything else in the folder is left alone). Returns the names removed.
 */
export async function pruneCache(
  cacheDir: string,
  { asOf, keepDays = CACHE_KEEP_DAYS }: { asOf: Date; keepDays?: number },
): Promise<string[]> {
  const oldest = isoDate(new Date(asOf.getTime() - keepDays * 86_400_000));
  const removed: string[] = [];
  for (const entry of await readdir(cacheDir, { withFileTypes: true })) {
    const date = entry.isFile() ? CACHE_FILE.exec(entry.name)?.[1] : undefined;
    if (date !== undefined && date < oldest) {
      await rm(join(cacheDir, entry.name), { force: true });
      removed.push(entry.name);
    }
  }
  return removed.sort();
}
