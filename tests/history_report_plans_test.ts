/**
 * Plan changes in the history report: changes at the same MRR are counted, snapshots priced by
 * different price books are said, and the switch from tiers to plan versions (snapshots from before
 * the plan column, or imported with an empty plan) is no plan change.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import {
  buildHistoryReport,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { historySection } from "../lib/history/report_markdown.ts";
import { HISTORY, snapshot } from "./fixtures/history.ts";
import { snapshotAt } from "./history_snapshot_fixture.ts";

Deno.test("plan changes at the same MRR are counted; snapshots priced by different price books are said", () => {
  // Two month ends priced by two books (plan names of each), MRR in USD:
  //   A  pro (seat)     100   →  usage      100   same MRR
  //   B  team (bundle)  300   →  contracts  300   same MRR
  //   C  pro (seat)      50   →  usage       80   upgrade
  // By hand: 3 customers moved (no customer ids: each organization its own), 1 upgrade, 0
  // downgrades, 3 − 1 − 0 = 2 at the same MRR; pro (seat) → usage: 2 customers, 1 upgrade, 2 − 1 = 1 at the same MRR, $150 → $180.
  const priced = (asOf: string, plans: string[], mrr: number[]) => {
    const point = snapshot(asOf, [
      ["A", "pro", mrr[0], 100, 0],
      ["B", "team", mrr[1], 100, 0],
      ["C", "pro", mrr[2], 100, 0],
    ]);
    return { ...point, frame: point.frame.withColumns(pl.Series("plan", plans)) };
  };
  const january = priced("2026-02-01", ["pro (seat)", "team (bundle)", "pro (seat)"], [
    100,
    300,
    50,
  ]);
  const february = priced("2026-03-01", ["usage", "contracts", "usage"], [100, 300, 80]);
  const bookA = { name: "current_seat_based.json", sha256: "a".repeat(64) };
  // a file name is data: its Markdown is escaped
  const bookB = { name: "per *request*.json", sha256: "b".repeat(64) };

  const recorded = buildHistoryReport([
    { ...january, priceBook: bookA },
    { ...february, priceBook: bookB },
  ], false);
  const section = historySection(recorded);
  ok(
    section.includes(
      "Plan changes while paying: 3 customers moved plan: 1 upgrade, 0 downgrades, 2 at the same MRR.",
    ),
    section,
  );
  ok(
    section.includes(
      "| month | from plan | to plan | customers | upgrades | downgrades | at the same MRR | MRR before | MRR after |",
    ),
    section,
  );
  ok(section.includes("| 2026-02 | pro (seat) | usage | 2 | 1 | 0 | 1 | $150.00 | $180.00 |"));
  ok(
    section.includes("| 2026-02 | team (bundle) | contracts | 1 | 0 | 0 | 1 | $300.00 | $300.00 |"),
  );
  ok(
    section.includes(
      "**Different price books:** as-of 2026-02-01 was priced by `current_seat_based.json` (SHA-256 aaaaaaaaaaaa…), as-of 2026-03-01 by per \\*request\\*.json (SHA-256 bbbbbbbbbbbb…). The `plan` column is the price book's plan name, so in 2026-02 the plan changes",
    ),
    section,
  );

  // sidecars without the book (older ones, imports): no plan name in common is the signal
  const unrecorded = historySection(buildHistoryReport([january, february], false));
  ok(
    unrecorded.includes(
      "**Plan names changed wholesale:** the paying organizations' plans at as-of 2026-02-01 and as-of 2026-03-01 have no name in common",
    ),
    unrecorded,
  );
  ok(!unrecorded.includes("Different price books"));

  // one book: nothing said, whatever the plans do; nor when a plan name stays
  const oneBook = buildHistoryReport([
    { ...january, priceBook: bookA },
    { ...february, priceBook: bookA },
  ], false);
  assertEquals(oneBook.priceBookChanges, []);
  const kept = priced("2026-03-01", ["usage", "team (bundle)", "usage"], [100, 300, 80]);
  assertEquals(buildHistoryReport([january, kept], false).priceBookChanges, []);
  // the hand-built history (tiers for plans): no book priced it, nothing said
  assertEquals(buildHistoryReport(HISTORY, false).priceBookChanges, []);
});

Deno.test("snapshots from before the plan column: the switch from tier to plan version is no plan change", async () => {
  const dir = await Deno.makeTempDir();
  // January, written before the price book: no plan column (the plan is the tier)
  pl.DataFrame({
    org_id: ["A", "B"],
    tier: ["pro", "team"],
    mrr_recurring: [20, 100],
    mrr: [20, 100],
    requests_30d: [10, 20],
    llm_cost_30d: [1, 2],
    llm_cost_ptb_30d: [0, 0],
  }).writeParquet(`${dir}/helicone_pricing_data_2026-02-01.parquet`);
  const withPlans = (plan: string[], mrr: number[]) =>
    exportFrameFromColumns({
      org_id: ["A", "B"],
      tier: ["pro", "team"],
      plan,
      mrr_recurring: mrr,
      mrr,
      requests_30d: [10, 20],
      llm_cost_30d: [1, 2],
      llm_cost_ptb_30d: [0, 0],
    });
  // February: A on pro 2025-12-10 at $79 (an expansion), B on team (seat) at $100
  await snapshotAt(dir, "2026-03-01", withPlans(["pro 2025-12-10", "team (seat)"], [79, 100]));
  // March: B moves to pro 2025-12-10 at $79, a real downgrade
  await snapshotAt(dir, "2026-04-01", withPlans(["pro 2025-12-10", "pro 2025-12-10"], [79, 79]));
  const report = await loadHistoryReport(
    await loadMonthlyHistoryPoints(dir, { demo: false }),
    false,
  );
  assertEquals(report.tierAsPlan, ["2026-02-01"]);
  assertEquals(report.failures, []);
  // only March's change is listed: February's tier → plan renaming is not a customer's move
  assertEquals(
    report.changes.select("month", "from_plan", "to_plan", "upgrades", "downgrades").toRecords(),
    [{
      month: "2026-04-01",
      from_plan: "team (seat)",
      to_plan: "pro 2025-12-10",
      upgrades: 0,
      downgrades: 1,
    }],
  );
  // February's plan bridge still moves A out of pro into pro 2025-12-10 (it reconciles)
  const febPro = report.plans.filter(
    pl.col("month").eq(pl.lit("2026-03-01")).and(pl.col("plan").eq(pl.lit("pro"))),
  ).toRecords()[0];
  assertEquals([febPro.start_cents, febPro.moved_out_cents, febPro.end_cents], [2000, 2000, 0]);
  const section = historySection(report);
  ok(section.includes("whose plan is the tier: as-of 2026-02-01."), section);
  ok(
    section.includes(
      "Plan changes while paying: 1 customer moved plan: 0 upgrades, 1 downgrade, 0 at the same MRR.",
    ),
    section,
  );
});

Deno.test("the month plan versions first appear keeps its real plan changes, not the renaming", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // January, written before the price book: no plan column (the plan is the tier)
    pl.DataFrame({
      org_id: ["A", "B", "C", "D"],
      tier: ["pro", "team", "pro", "team"],
      mrr_recurring: [20, 100, 20, 100],
    }).writeParquet(`${dir}/helicone_pricing_data_2026-02-01.parquet`);
    // February, with plans: A and B keep their tier (renamed to its plan version, same MRR); C
    // upgrades pro → team ($20 → $100), D team → enterprise ($100 → $500)
    await snapshotAt(
      dir,
      "2026-03-01",
      exportFrameFromColumns({
        org_id: ["A", "B", "C", "D"],
        tier: ["pro", "team", "team", "enterprise"],
        plan: ["pro 2025-12-10", "team (seat)", "team (seat)", "enterprise (contract)"],
        mrr_recurring: [20, 100, 100, 500],
      }),
    );
    const report = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    assertEquals(report.failures, []);
    assertEquals(
      report.changes.select(
        "month",
        "from_plan",
        "to_plan",
        "organizations",
        "upgrades",
        "downgrades",
        "mrr_before_cents",
        "mrr_after_cents",
      ).toRecords(),
      [
        {
          month: "2026-03-01",
          from_plan: "pro",
          to_plan: "team (seat)",
          organizations: 1,
          upgrades: 1,
          downgrades: 0,
          mrr_before_cents: 2000,
          mrr_after_cents: 10000,
        },
        {
          month: "2026-03-01",
          from_plan: "team",
          to_plan: "enterprise (contract)",
          organizations: 1,
          upgrades: 1,
          downgrades: 0,
          mrr_before_cents: 10000,
          mrr_after_cents: 50000,
        },
      ],
    );
    const section = historySection(report);
    ok(section.includes("that renaming is not counted as plan changes (a change of tier is)."));
    ok(
      section.includes(
        "Plan changes while paying: 2 customers moved plan: 2 upgrades, 0 downgrades, 0 at the same MRR.",
      ),
      section,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("snapshots whose plan is all empty (imported earlier-version exports) count as without plan versions, both ways", async () => {
  const changesOf = (report: Awaited<ReturnType<typeof loadHistoryReport>>) =>
    report.changes.select(
      "month",
      "from_plan",
      "to_plan",
      "organizations",
      "upgrades",
      "downgrades",
      "mrr_before_cents",
      "mrr_after_cents",
    ).toRecords();
  // an earlier kit version's export, imported: every column of the snapshot, `plan` all null
  const imported = (tier: string[], mrr: number[]) =>
    exportFrameFromColumns({ org_id: ["A", "B"], tier, mrr_recurring: mrr });
  const withPlans = (tier: string[], plan: string[], mrr: number[]) =>
    exportFrameFromColumns({ org_id: ["A", "B"], tier, plan, mrr_recurring: mrr });
  const dir = await Deno.makeTempDir();
  try {
    // January and February imported (plan = tier); March with plan versions: A keeps pro
    // (renamed to pro 2025-12-10, $20 → $20), B upgrades team → enterprise ($100 → $500)
    await snapshotAt(dir, "2026-02-01", imported(["pro", "team"], [20, 100]));
    await snapshotAt(dir, "2026-03-01", imported(["pro", "team"], [20, 100]));
    await snapshotAt(
      dir,
      "2026-04-01",
      withPlans(["pro", "enterprise"], ["pro 2025-12-10", "enterprise (contract)"], [20, 500]),
    );
    const report = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    assertEquals(report.failures, []);
    assertEquals(report.tierAsPlan, ["2026-02-01", "2026-03-01"]);
    assertEquals(changesOf(report), [{
      month: "2026-04-01",
      from_plan: "team",
      to_plan: "enterprise (contract)",
      organizations: 1,
      upgrades: 1,
      downgrades: 0,
      mrr_before_cents: 10000,
      mrr_after_cents: 50000,
    }]);
    const section = historySection(report);
    ok(section.includes("whose plan is the tier: as-of 2026-02-01, 2026-03-01."), section);
    ok(section.includes("that renaming is not counted as plan changes (a change of tier is)."));
    ok(
      section.includes(
        "Plan changes while paying: 1 customer moved plan: 1 upgrade, 0 downgrades, 0 at the same MRR.",
      ),
      section,
    );
    // the snapshots handed on without their sidecars (nor the sums kept there): the same report,
    // the plan told from the rows alone (compare refuses such a snapshot: compare_plans_test.ts)
    for (const name of await Array.fromAsync(Deno.readDir(dir))) {
      if (name.name.endsWith(".json")) await Deno.remove(`${dir}/${name.name}`);
    }
    const alone = await loadHistoryReport(
      await loadMonthlyHistoryPoints(dir, { demo: false }),
      false,
    );
    assertEquals(alone.tierAsPlan, ["2026-02-01", "2026-03-01"]);
    assertEquals(changesOf(alone), changesOf(report));
    assertEquals(alone.plans.toRecords(), report.plans.toRecords());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const between = await Deno.makeTempDir();
  try {
    // January with plans (A and B on pro 2025-12-10, $79 each); February imported between
    // current snapshots: B moved up to team ($100), A stayed; March with plans again, no move
    await snapshotAt(
      between,
      "2026-02-01",
      withPlans(["pro", "pro"], ["pro 2025-12-10", "pro 2025-12-10"], [79, 79]),
    );
    await snapshotAt(between, "2026-03-01", imported(["pro", "team"], [79, 100]));
    await snapshotAt(
      between,
      "2026-04-01",
      withPlans(["pro", "team"], ["pro 2025-12-10", "team (seat)"], [79, 100]),
    );
    const report = await loadHistoryReport(
      await loadMonthlyHistoryPoints(between, { demo: false }),
      false,
    );
    assertEquals(report.failures, []);
    assertEquals(report.tierAsPlan, ["2026-03-01"]);
    // February's upgrade only: not pro 2025-12-10 → pro (A) nor, in March, pro → pro 2025-12-10
    // and team → team (seat), the renaming out of and back into plan versions
    assertEquals(changesOf(report), [{
      month: "2026-03-01",
      from_plan: "pro 2025-12-10",
      to_plan: "team",
      organizations: 1,
      upgrades: 1,
      downgrades: 0,
      mrr_before_cents: 7900,
      mrr_after_cents: 10000,
    }]);
  } finally {
    await Deno.remove(between, { recursive: true });
  }
});
