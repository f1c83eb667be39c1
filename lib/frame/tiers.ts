/** Tier families from production's dated tier names (pro-20251210 → pro). */
import { someInWords } from "../core/words.ts";

export const TIER_FAMILIES = ["free", "pro", "team", "growth", "enterprise"] as const;
export type TierFamily = (typeof TIER_FAMILIES)[number] | "other";

/** Every value of the export's `tier` column: a family, or "other" for a tier the kit does not know. */
export const TIER_VALUES: readonly TierFamily[] = [...TIER_FAMILIES, "other"];

/**
 * A raw tier as the kit reads it: trimmed, lower-case, `_` read as `-` (Pro_20251210 is
 * pro-20251210). The tier family and a price book's `match.tiersRaw` both read raw tiers so.
 */
export function normalTierRaw(raw: string | null | undefined): string {
  return (raw ?? "").trim().toLowerCase().replaceAll("_", "-");
}

/** The family of a raw `organization.tier`; null and empty count as free (the column default). */
export function tierFamily(raw: string | null | undefined): TierFamily {
  const value = normalTierRaw(raw);
  if (value === "" || value === "free") return "free";
  for (const family of TIER_FAMILIES) {
    if (value === family || value.startsWith(`${family}-`)) return family;
  }
  return "other";
}

/**
 * Raw tier values for a warning line (stderr, manifest, brief): each JSON-quoted (a newline
 * shows as \n, not a line break), cut to 40 characters, at most 10 named.
 */
export function quotedTierValues(values: readonly (string | null)[]): string {
  return someInWords(values, {
    shown: 10,
    show: (v) => {
      const chars = [...(v ?? "")];
      return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 39).join("")}…` : chars.join(""));
    },
  });
}
