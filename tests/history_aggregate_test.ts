/**
 * The bridge built one snapshot at a time (lib/history/aggregate.ts) is the long frame's
 * (historyLong → customerMovements → companyBridge, planBridge, planChanges), frame for frame, on
 * a generated history with the boundaries the streaming build treats apart: organizations that
 * never pay (left out of its joins), a month where nobody pays (its company row is made up),
 * unknown MRR, organizations gone and back, plan changes, an empty plan falling back to tier,
 * pauses (organizations at 0 with a paused subscription: in its joins though they do not pay).
 * Also read back from stored snapshots (lazy scans), and through the releasing build.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import {
  companyBridge,
  customerMovements,
  historyLong,
  type HistoryPoint,
} from "../lib/history/bridge.ts";
import { planBridge, planChanges } from "../lib/history/plan_bridge.ts";
import { bridgeOfSources, bridgeOfSourcesReleasing } from "../lib/history/aggregate.ts";
import {
  buildHistoryReport,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { PAUSE_AFTER_BACKFILL_HISTORY } from "./fixtures/history.ts";

const PLANS = ["free", "pro", "team", "enterprise (contract)"];

/** A deterministic month of `orgs` organizations; `nobodyPays` zeroes every MRR. */
function month(asOf: string, k: number, orgs: number, nobodyPays = false): HistoryPoint {
  const ids: string[] = [], tiers: string[] = [], plans: (string | null)[] = [];
  const mrr: (number | null)[] = [], requests: number[] = [], cost: number[] = [];
  const statuses: (string | null)[] = [];
  for (let i = 0; i < orgs; i++) {
    if ((i * 7 + k) % 19 === 0) continue; // gone this month
    ids.push(`org-${i}`);
    tiers.push(PLANS[i % 3]);
    plans.push((i + k) % 23 === 0 ? null : PLANS[(i + (i % 11 === k ? 1 : 0)) % 4]);
    const base = i % 5 === 0 ? 0 : 10 + (i % 97) + 0.01 * (i % 13);
    const value = (i + k) % 17 === 0
      ? null
      : (i + 2 * k) % 9 === 0
      ? 0
      : base * (1 + 0.1 * ((i + k) % 3));
    mrr.push(nobodyPays && value !== null ? 0 : value);
    // a third of those at 0 paused (one in two of them beside a canceled subscription)
    const paying = (mrr.at(-1) ?? 0) > 0;
    statuses.push(
      paying ? "active" : i % 3 !== 0 ? "canceled" : i % 2 ? "paused" : "canceled,paused",
    );
    requests.push((i * 31 + k) % 1000);
    cost.push(((i * 13 + k) % 100) / 7);
  }
  return {
    asOf: new Date(`${asOf}T00:00:00Z`),
    frame: exportFrameFromColumns({
      org_id: ids,
      tier: tiers,
      plan: plans,
      mrr_recurring: mrr,
      mrr: mrr.map((v) => v === null ? null : v * 1.01),
      requests_30d: requests,
      llm_cost_30d: cost.map((c) => c * 3),
      llm_cost_ptb_30d: cost,
      subscription_status: statuses,
    }),
  };
}

const HISTORY = [
  month("2026-06-30", 0, 3000),
  month("2026-07-31", 1, 3000),
  month("2026-08-31", 2, 3000, true), // nobody pays: churn all, then new and reactivation
  month("2026-09-30", 3, 3200),
  month("2026-10-31", 4, 2900),
];

function longBridge(points: HistoryPoint[]) {
  const long = historyLong(points);
  const moves = customerMovements(long);
  return {
    company: companyBridge(long, moves),
    plans: planBridge(long, moves),
    changes: planChanges(long, moves),
    planEnds: long.groupBy(["idx", "month", "plan"])
      .agg(pl.col("cents").sum().cast(pl.Int64).alias("end_cents"))
      .sort(["idx", "plan"]),
  };
}

function assertSameBridge(
  streamed: ReturnType<typeof bridgeOfSources>,
  expected: ReturnType<typeof longBridge>,
) {
  for (const part of ["company", "plans", "changes", "planEnds"] as const) {
    ok(streamed[part].frameEqual(expected[part], true), `${part} differs`);
  }
}

Deno.test("the bridge one snapshot at a time is the long frame's", async () => {
  const expected = longBridge(HISTORY);
  const company = expected.company.toRecords();
  // the generated history has every movement, a month without payers and plan changes
  const movements = ["new", "expansion", "contraction", "churn", "reactivation"];
  for (const name of [...movements, "paused", "resumed"]) {
    ok(company.some((r) => (r[`${name}_cents`] as number) > 0), name);
  }
  assertEquals(company[1].end_cents, 0);
  ok(expected.changes.height > 0);
  const streamed = bridgeOfSources(HISTORY);
  assertSameBridge(streamed, expected);
  assertEquals(streamed.months, [
    "2026-06-30",
    "2026-07-31",
    "2026-08-31",
    "2026-09-30",
    "2026-10-31",
  ]);
  assertSameBridge(await bridgeOfSourcesReleasing(HISTORY), expected);
  // lazy sources and a frame in memory side by side
  assertSameBridge(
    bridgeOfSources(HISTORY.map((p, i) => i % 2 ? { asOf: p.asOf, frame: p.frame.lazy() } : p)),
    expected,
  );
});

Deno.test("two months where nobody pays: their bridge row is all zeros, as the long frame's", () => {
  const points = [month("2026-06-30", 0, 500), month("2026-07-31", 1, 500, true)];
  points.push(month("2026-08-31", 2, 500, true));
  const expected = longBridge(points);
  assertSameBridge(bridgeOfSources(points), expected);
  assertEquals(expected.company.toRecords()[1].start_cents, 0);
  assertEquals(expected.company.height, 2);
});

Deno.test("the report from stored snapshots (lazy scans) is the one from frames in memory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of HISTORY.slice(0, 4)) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const current = HISTORY[4];
    const stored = await loadMonthlyHistoryPoints(dir, { demo: false, current });
    assertEquals(stored.length, 4);
    const fromFiles = await loadHistoryReport([...stored, current], false);
    const inMemory = buildHistoryReport(HISTORY, false);
    for (const part of ["company", "plans", "changes", "planEnds"] as const) {
      ok(fromFiles[part].frameEqual(inMemory[part], true), part);
    }
    assertEquals(fromFiles.unknownMrr, inMemory.unknownMrr);
    ok(inMemory.unknownMrr.length > 0);
    assertEquals(fromFiles.failures, []);
    assertEquals(inMemory.failures, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resumed only from an open pause, one snapshot at a time as in the long frame", async () => {
  // tests/fixtures/history.ts: N new and P, W reactivation in November, K resumed in December
  const expected = longBridge(PAUSE_AFTER_BACKFILL_HISTORY);
  const pick = (frame: pl.DataFrame) =>
    frame.select("month", "new_cents", "reactivation_cents", "paused_cents", "resumed_cents")
      .toRecords();
  const streamed = bridgeOfSources(PAUSE_AFTER_BACKFILL_HISTORY);
  assertEquals(pick(streamed.company), pick(expected.company));
  assertEquals(pick(streamed.company).slice(2), [
    {
      month: "2026-11-01",
      new_cents: 7900,
      reactivation_cents: 21000,
      paused_cents: 0,
      resumed_cents: 0,
    },
    {
      month: "2026-12-01",
      new_cents: 0,
      reactivation_cents: 0,
      paused_cents: 0,
      resumed_cents: 7000,
    },
  ]);
  assertSameBridge(streamed, expected);
  assertSameBridge(await bridgeOfSourcesReleasing(PAUSE_AFTER_BACKFILL_HISTORY), expected);
});
