/**
 * The built-in demo dataset: a deterministic synthetic company (fixed seed) shaped like
 * production — mostly free organizations, long-tailed usage, dated tier names, PTB / BYOK /
 * gateway-only traffic, zero-seat organizations, organizations without requests, and heavy users
 * on cheap plans (negative margins). It produces the same frames the SQL queries return, so the
 * rest of the pipeline runs unchanged.
 *
 * The data evolves with the as-of (lib/sources/demo_lifecycle.ts): the draw below is the state at
 * DEMO_ANCHOR; organizations exist from their sign-up, grow, change plan, churn and come back.
 * The draw's random sequence does not depend on the as-of, so each organization keeps its identity.
 */
import { QUERY_COLUMNS, type QueryFrames, type QueryResults } from "./queries.ts";
import { columnsToFrame } from "./frames.ts";
import { seededRandom } from "../core/random.ts";
import { DEMO_ANCHOR, demoState } from "./demo_lifecycle.ts";

export const DEMO_SEED = 20260101;
export const DEMO_ORGANIZATIONS = 400;

const NAME_FIRST = [
  "Acme",
  "Blue",
  "Cobalt",
  "Delta",
  "Echo",
  "Fable",
  "Granite",
  "Harbor",
  "Iris",
  "Juniper",
  "Kite",
  "Lumen",
  "Maple",
  "Nimbus",
  "Orbit",
  "Pixel",
  "Quartz",
  "Rivet",
  "Summit",
  "Tidal",
];
const NAME_SECOND = [
  "AI",
  "Labs",
  "Health",
  "Robotics",
  "Analytics",
  "Studio",
  "Systems",
  "Bank",
  "Legal",
  "Games",
];
/** A few names real users type, so the demo shows how the files cope with them. */
const AWKWARD_NAMES = [
  '=HYPERLINK("http://example.com","click")',
  "Müller & Söhne GmbH",
  'Lyon, Paris and "Nice" SAS',
  "株式会社サンプル",
  "+1 Growth Co",
];

interface Draw {
  next: () => number;
  pick<T>(items: readonly T[]): T;
  int(min: number, max: number): number;
  /** log-normal with the given median and spread (sigma of the underlying normal) */
  logNormal(median: number, sigma: number): number;
}

function draw(seed: number): Draw {
  const next = seededRandom(seed);
  const normal = () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return {
    next,
    pick: (items) => items[Math.floor(next() * items.length)],
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
  };
}

function uuid(d: Draw): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(d.next() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`;
}

const DAY_MS = 86_400_000;

/** Raw tier, seat range and request median of each synthetic customer kind. */
const KINDS = [
  { share: 0.66, tiers: ["free", "free", "free", null], seats: [1, 3], requests: 800 },
  {
    share: 0.16,
    tiers: ["pro", "pro-20240913", "pro-20250202", "pro-20251210"],
    seats: [1, 12],
    requests: 25_000,
  },
  { share: 0.08, tiers: ["team-20250130", "team-20251210"], seats: [3, 40], requests: 120_000 },
  { share: 0.03, tiers: ["growth"], seats: [2, 10], requests: 60_000 },
  { share: 0.07, tiers: ["enterprise"], seats: [10, 150], requests: 400_000 },
] as const;

/**
 * Each organization's requests in the 30 days before `asOf` (org_id → requests): what the demo's
 * last closed billing period bills as usage, whatever the export's window.
 */
export function demoRequestsPer30Days(asOf: Date): Map<string, number> {
  const usage = demoQueryResults(asOf, 30).frames.usage;
  const ids = usage.getColumn("org_id").toArray() as string[];
  const requests = usage.getColumn("requests_30d").toArray() as number[];
  return new Map(ids.map((id, i) => [id, Number(requests[i])]));
}

/**
 * Members who signed in during a `days` window, from those who did in 30 days: each member's last
 * sign-in falls on a day with the same chance, so a 7-day window has fewer and a 90-day one more
 * (up to the seats), as production's last_sign_in_at gives; a window longer than the
 * organization's life has as many as its life does. 30 days gives `activeUsers30d` itself.
 */
export function activeUsersInWindow(
  { activeUsers30d, seats, days, lifeDays }: {
    activeUsers30d: number;
    seats: number;
    days: number;
    lifeDays: number;
  },
): number {
  if (activeUsers30d === 0 || seats === 0) return activeUsers30d;
  // the share of members whose last sign-in is within x days: 1 − (1 − share30)^(x/30)
  const share30 = Math.min(1, activeUsers30d / seats);
  const within = (x: number) => 1 - (1 - share30) ** (x / 30);
  const base = within(Math.min(30, lifeDays));
  if (base === 0) return activeUsers30d;
  const ratio = within(Math.min(days, lifeDays)) / base;
  return Math.min(seats, Math.round(activeUsers30d * ratio));
}

/**
 * Requests of demo organization `i` with no cost recorded: a few organizations (every 45th) send
 * some to a model the gateway does not price, so the brief's sentence about them shows. Taken from
 * the index, not the draws, so every other demo figure stays as it was (llm_cost_30d too: the
 * demo draws an organization's cost, not each request's).
 */
function costUnknownRequests(i: number, requests: number): number {
  return i % 45 === 11 ? Math.max(1, Math.round(requests * 0.04)) : 0;
}

/** The demo's query frames, as if read from production at `asOf` over `days`. */
export function demoQueryResults(asOf: Date, days: number): QueryResults {
  const d = draw(DEMO_SEED);
  const orgs: Record<string, unknown[]> = Object.fromEntries(
    Object.keys(QUERY_COLUMNS.organizations).map((k) => [k, []]),
  );
  const prompts: Record<string, unknown[]> = { org_id: [], prompts_created: [] };
  const usage: Record<string, unknown[]> = Object.fromEntries(
    Object.keys(QUERY_COLUMNS.usage_30d).map((k) => [k, []]),
  );
  const ptb: Record<string, unknown[]> = { org_id: [], ptb_spend_nano: [] };

  for (let i = 0; i < DEMO_ORGANIZATIONS; i++) {
    const orgId = uuid(d);
    let roll = d.next();
    const kind = KINDS.find((k) => (roll -= k.share) < 0) ?? KINDS[0];
    const baseTierRaw = d.pick(kind.tiers);
    const basePaid = baseTierRaw !== null && baseTierRaw !== "free";
    const zeroSeats = d.next() < 0.03;
    const baseSeats = zeroSeats ? 0 : d.int(kind.seats[0], kind.seats[1]);
    const baseActiveUsers = Math.min(baseSeats, Math.round(baseSeats * d.next() * 1.1));
    const name = i % 80 === 7
      ? AWKWARD_NAMES[(i - 7) / 80 % AWKWARD_NAMES.length]
      : `${d.pick(NAME_FIRST)} ${d.pick(NAME_SECOND)} ${i + 1}`;
    const ageDays = d.int(1, 1100);
    const baseCustomerId = basePaid || d.next() < 0.08
      ? `cus_demo${String(i + 1).padStart(5, "0")}`
      : null;
    const baseAddons = basePaid && d.next() < 0.25
      ? "prompts"
      : basePaid && d.next() < 0.1
      ? "evals,prompts"
      : null;
    // drawn here, after the add-ons, as the draw always was: the sequence stays the same
    const createdAtMs = DEMO_ANCHOR.getTime() - ageDays * DAY_MS - d.int(0, DAY_MS - 1);

    // The organization at the as-of (the draws above and below do not depend on it).
    const state = demoState(
      { index: i, seed: DEMO_SEED, tierRaw: baseTierRaw, createdAtMs, seats: baseSeats },
      asOf.getTime(),
    );
    const keep = state.exists;
    const paid = state.paid;
    const tierRaw = state.tierRaw;
    const seats = state.seats;
    const activeUsers30d = Math.min(seats, Math.round(baseActiveUsers * state.growth));
    const customerId = baseCustomerId ??
      (paid ? `cus_demo${String(i + 1).padStart(5, "0")}` : null);
    const addons = paid ? baseAddons : null;

    const lifeDays = Math.max(0, (asOf.getTime() - createdAtMs) / DAY_MS);
    const activeUsers = activeUsersInWindow({ activeUsers30d, seats, days, lifeDays });
    if (keep) {
      orgs.org_id.push(orgId);
      orgs.org_name.push(name);
      orgs.tier_raw.push(tierRaw);
      orgs.created_at.push(createdAtMs);
      orgs.stripe_customer_id.push(customerId);
      orgs.org_subscription_status.push(paid ? "active" : customerId ? "canceled" : null);
      orgs.addons_in_metadata.push(addons);
      orgs.seats.push(seats);
      orgs.active_users_30d.push(activeUsers);
    }

    const promptCount = baseAddons || d.next() < 0.2 ? d.int(1, 60) : 0;
    if (promptCount > 0 && keep) {
      prompts.org_id.push(orgId);
      prompts.prompts_created.push(promptCount);
    }

    // A quarter of organizations sent nothing in the window; the rest are long-tailed.
    const silent = d.next() < (basePaid ? 0.08 : 0.35);
    const traffic = d.next();
    const ptbShare = traffic < 0.15 ? 1 : traffic < 0.3 ? d.next() : 0; // gateway-only / mixed / BYOK
    // Days of the organization's life before the as-of: usage covers the part of the window it
    // existed for (a 7-day export shows about a quarter of a 30-day one), and its all-time PTB
    // spend holds every day of it, so it is never below a window's PTB cost.
    const windowScale = Math.min(days, lifeDays) / 30;
    let ptbCostPerDayUsd = 0; // at the window's rate, before rounding to whole requests
    if (!silent) {
      // A few free organizations are power users: the upgrade candidates.
      const powerUser = !basePaid && d.next() < 0.06 ? 100 : 1;
      const requestsPer30Days = d.logNormal(kind.requests, 1.6);
      const requests = Math.max(
        1,
        Math.round(requestsPer30Days * windowScale * powerUser * state.growth),
      );
      const ptbRequests = Math.round(requests * ptbShare);
      const costPerRequestUsd = d.logNormal(0.0007, 1.0);
      ptbCostPerDayUsd = requestsPer30Days / 30 * powerUser * state.growth * ptbShare *
        costPerRequestUsd;
      const costNano = BigInt(Math.round(requests * costPerRequestUsd * 1e9));
      const ptbCostNano = BigInt(Math.round(Number(costNano) * (ptbRequests / requests)));
      const promptsUsed = promptCount > 0 ? Math.round(requests * d.next() * 0.6) : 0;
      if (keep) {
        usage.org_id.push(orgId);
        usage.requests_30d.push(requests);
        usage.ptb_requests_30d.push(ptbRequests);
        usage.byok_requests_30d.push(requests - ptbRequests);
        usage.prompts_used_30d.push(promptsUsed);
        const costUnknown = costUnknownRequests(i, requests);
        usage.requests_cost_unknown_30d.push(costUnknown);
        // pass-through in the share of the organization's requests that are (no cache hits)
        usage.ptb_requests_cost_unknown_30d.push(Math.round(costUnknown * ptbRequests / requests));
        usage.llm_cost_nano.push(Number(costNano) / 1e9);
        usage.llm_cost_ptb_nano.push(Number(ptbCostNano) / 1e9);
        usage.llm_cost_byok_nano.push(Number(costNano - ptbCostNano) / 1e9);
      }
    }
    // All-time PTB spend: every org with PTB traffic, plus some that used the gateway before.
    if (ptbShare > 0 || d.next() < 0.05) {
      const before = d.logNormal(300, 1.5); // spend before the usage drawn above
      const spend = Math.ceil((before + ptbCostPerDayUsd * lifeDays) * 100) / 100;
      if (keep) {
        ptb.org_id.push(orgId);
        ptb.ptb_spend_nano.push(spend);
      }
    }
  }

  const frames: QueryFrames = {
    organizations: columnsToFrame(orgs, QUERY_COLUMNS.organizations),
    promptsCreated: columnsToFrame(prompts, QUERY_COLUMNS.prompts_created),
    usage: columnsToFrame(usage, QUERY_COLUMNS.usage_30d),
    ptbSpend: columnsToFrame(ptb, QUERY_COLUMNS.ptb_spend),
  };
  const stats = [
    { name: "organizations", frame: frames.organizations },
    { name: "prompts_created", frame: frames.promptsCreated },
    { name: "ptb_spend", frame: frames.ptbSpend },
    { name: "usage_30d", frame: frames.usage },
  ].map(({ name, frame }) => ({
    name,
    file: `demo:${name}`,
    sha256: "",
    rows: frame.height,
    durationMs: 0,
  }));
  return { frames, stats };
}
