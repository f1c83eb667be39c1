/**
 * The daily Stripe cache: one JSON file per Stripe account and as-of day under outputs/, holding
 * only the trimmed objects of stripe_objects.ts. The account is named by a fingerprint of the
 * key (a hash; the key itself is never written), so reading the cache makes no API call.
 */
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { isoDate, writeFileAtomic } from "../files.ts";
import type { StripeSnapshot } from "./fetch.ts";

const CACHE_VERSION = 1;

export function keyFingerprint(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 16);
}

export function cachePath(cacheDir: string, apiKey: string, asOf: Date): string {
  return join(cacheDir, `stripe_${keyFingerprint(apiKey)}_${isoDate(asOf)}.json`);
}

export async function readCache(path: string): Promise<StripeSnapshot | null> {
  try {
    const cached = JSON.parse(await Deno.readTextFile(path));
    return cached.version === CACHE_VERSION ? cached.snapshot : null;
  } catch {
    return null; // missing or unreadable: fetch again
  }
}

export async function writeCache(path: string, snapshot: StripeSnapshot): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFileAtomic(
    path,
    (tmp) =>
      Deno.writeTextFile(
        tmp,
        JSON.stringify({ version: CACHE_VERSION, written_at: new Date().toISOString(), snapshot }),
      ),
  );
}
