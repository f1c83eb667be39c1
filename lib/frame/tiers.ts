/** Tier families from production's dated tier names (pro-20251210 → pro). */

export const TIER_FAMILIES = ["free", "pro", "team", "growth", "enterprise"] as const;
export type TierFamily = (typeof TIER_FAMILIES)[number] | "other";

/** The family of a raw `organization.tier`; null and empty count as free (the column default). */
export function tierFamily(raw: string | null | undefined): TierFamily {
  const value = (raw ?? "").trim().toLowerCase();
  if (value === "" || value === "free") return "free";
  for (const family of TIER_FAMILIES) {
    if (value === family || value.startsWith(`${family}-`) || value.startsWith(`${family}_`)) {
      return family;
    }
  }
  return "other";
}
