/**
 * How a demo organization changes with the as-of date, so the demo history has every kind of MRR
 * movement (issue 14): organizations sign up (they exist from created_at on), grow seats and
 * usage, upgrade, downgrade, churn and come back, and new subscriptions after the price change of
 * 2025-12-10 (as Helicone's) take the dated plans. Legacy organizations on a dated plan in the
 * base draw migrated to it some weeks after the change.
 *
 * The base draw (lib/sources/demo.ts) is the organization's state at DEMO_ANCHOR; the story of each
 * organization comes from its own seeded stream, so one organization's change never reshuffles
 * another's, and the same as-of always gives the same data.
 */
import { seededRandom } from "../core/random.ts";

/** The base draw describes the organizations at this instant; events happen around it. */
export const DEMO_ANCHOR = new Date("2026-11-01T00:00:00Z");
/** New pro/team subscriptions from here on take the dated plans (pro-20251210, team-20251210). */
export const DEMO_PRICE_CHANGE = new Date("2025-12-10T00:00:00Z");

const DAY_MS = 86_400_000;
/** Events fall between these instants (before and after the anchor). */
const EVENTS_FROM = new Date("2025-09-01T00:00:00Z").getTime();
const EVENTS_TO = new Date("2027-03-01T00:00:00Z").getTime();

export type DemoFamily = "free" | "pro" | "team" | "growth" | "enterprise";

export interface DemoBase {
  index: number;
  seed: number;
  /** the base draw's raw tier (its family is the organization's plan at the anchor) */
  tierRaw: string | null;
  createdAtMs: number;
  seats: number;
}

export interface DemoState {
  /** false before the organization signed up */
  exists: boolean;
  /** paying at the as-of (a paid tier) */
  paid: boolean;
  tierRaw: string | null;
  /** multiplier for seats and usage: 1 at the anchor, lower before, up to 1.2 after */
  growth: number;
  seats: number;
}

type Story =
  | { kind: "steady" }
  | { kind: "upgrade"; at: number }
  | { kind: "downgrade"; at: number }
  | { kind: "churn"; at: number }
  | { kind: "return"; at: number; back: number };

function familyOf(raw: string | null): DemoFamily {
  if (!raw || raw === "free") return "free";
  return raw.split("-")[0] as DemoFamily;
}

/** The plan one step down (downgrades; an upgrade starts from it). */
const LOWER: Record<DemoFamily, DemoFamily> = {
  free: "free",
  pro: "free",
  team: "pro",
  growth: "pro",
  enterprise: "team",
};

function story(base: DemoBase, next: () => number): Story {
  const from = Math.max(EVENTS_FROM, base.createdAtMs + 20 * DAY_MS);
  const at = () => from + Math.floor(next() * Math.max(0, EVENTS_TO - from));
  const roll = next();
  if (familyOf(base.tierRaw) === "free") {
    return roll < 0.1 ? { kind: "upgrade", at: at() } : { kind: "steady" };
  }
  if (roll < 0.12) return { kind: "upgrade", at: at() };
  if (roll < 0.2) return { kind: "downgrade", at: at() };
  if (roll < 0.28) return { kind: "churn", at: at() };
  if (roll < 0.36) {
    const churnAt = at();
    return {
      kind: "return",
      at: churnAt,
      back: churnAt + (40 + Math.floor(next() * 120)) * DAY_MS,
    };
  }
  return { kind: "steady" };
}

/** The raw tier of `family` for a subscription that started at `startMs`. */
function rawTier(
  family: DemoFamily,
  { startMs, base, migrateMs }: { startMs: number; base: DemoBase; migrateMs: number },
): string {
  if (family === "free") return "free";
  if (family !== "pro" && family !== "team") return family;
  const dated = `${family}-20251210`;
  if (startMs >= DEMO_PRICE_CHANGE.getTime()) return dated;
  const baseRaw = familyOf(base.tierRaw) === family ? base.tierRaw : null;
  // A legacy organization whose base draw is on the dated plan moved to it at migrateMs.
  if (baseRaw === dated) return startMs >= migrateMs ? dated : legacyOf(family);
  return baseRaw ?? legacyOf(family);
}

function legacyOf(family: "pro" | "team"): string {
  return family === "pro" ? "pro-20250202" : "team-20250130";
}

/** The organization at `asOfMs`. */
export function demoState(base: DemoBase, asOfMs: number): DemoState {
  const next = seededRandom((base.seed * 31 + base.index * 7919 + 17) >>> 0);
  const s = story(base, next);
  const migrateMs = DEMO_PRICE_CHANGE.getTime() + Math.floor(next() * 120) * DAY_MS;
  const anchorFamily = familyOf(base.tierRaw);
  // Seats and usage grow with age: 0.6 at sign-up, 1 at the anchor, at most 1.2 later.
  const age = (asOfMs - base.createdAtMs) /
    Math.max(DAY_MS, DEMO_ANCHOR.getTime() - base.createdAtMs);
  const growth = 0.6 + 0.4 * Math.min(1.5, Math.max(0, age));

  let family: DemoFamily = anchorFamily;
  let startMs = base.createdAtMs; // when the current subscription started
  switch (s.kind) {
    case "upgrade":
      family = asOfMs < s.at ? LOWER[anchorFamily === "free" ? "pro" : anchorFamily] : anchorFamily;
      if (anchorFamily === "free") family = asOfMs < s.at ? "free" : "pro";
      if (asOfMs >= s.at) startMs = s.at;
      break;
    case "downgrade":
      if (asOfMs >= s.at) {
        family = LOWER[anchorFamily];
        startMs = s.at;
      }
      break;
    case "churn":
      if (asOfMs >= s.at) family = "free";
      break;
    case "return":
      if (asOfMs >= s.at && asOfMs < s.back) family = "free";
      if (asOfMs >= s.back) startMs = s.back;
      break;
  }
  const tierRaw = family === anchorFamily && startMs === base.createdAtMs && family !== "pro" &&
      family !== "team"
    ? base.tierRaw
    : rawTier(family, { startMs, base, migrateMs });
  return {
    exists: asOfMs > base.createdAtMs,
    paid: family !== "free",
    tierRaw,
    growth,
    seats: base.seats === 0 ? 0 : Math.max(1, Math.round(base.seats * growth)),
  };
}
