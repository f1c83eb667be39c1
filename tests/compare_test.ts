/**
 * Before/after comparison of two exports, and reading exports back (CSV and XLSX) with the
 * header check that rejects files that are not this kit's. Expected values are worked out by
 * hand from the two three-organization fixtures below.
 */
import { reversedOrderError } from "../lib/analysis/compare_markdown.ts";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import pl from "nodejs-polars";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import {
  COMPARED_COLUMNS,
  compareExports,
  compareExportsSummary,
  comparisonMarkdown,
  largestMrrChanges,
  MRR_MOVER_COLUMNS,
  sharedWindowNote,
  SUMMARY_COLUMNS,
  summarySide,
  windowMismatchWarning,
} from "../lib/analysis/compare.ts";
import { writeComparison, writeComparisonFiles } from "../lib/analysis/compare_files.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import {
  exportFrameFromColumns,
  exportFrameFromCsvText,
  readExportFile,
} from "../lib/formats/read_export.ts";
import { exportNameInfo } from "../lib/formats/export_names.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { captureConsole } from "./console_capture.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";

/** Before: a pro $50, b free, c team $200. */
const before = exportFrameFromColumns({
  org_id: ["a", "b", "c"],
  org_name: ["Acme", "=Bobby", "Corp, Inc."],
  tier: ["pro", "free", "team"],
  created_at: [Date.UTC(2025, 0, 2, 3, 4, 5), null, Date.UTC(2024, 5, 1)],
  seats: [3, 1, 10],
  requests_30d: [1_000, 500, 50_000],
  llm_cost_30d: [10, 2, 300],
  mrr: [50, 0, 200],
  gross_margin_pct: [80, null, -50],
  is_ptb: [true, false, null],
});

/** After: a moved to team and pays $200, c's MRR is unknown, b left, d arrived. */
const after = exportFrameFromColumns({
  org_id: ["a", "c", "d"],
  org_name: ["Acme", "Corp, Inc.", "Delta"],
  tier: ["team", "team", "free"],
  seats: [5, 12, 2],
  requests_30d: [3_000, 60_000, 100],
  llm_cost_30d: [20, 350, 0.5],
  mrr: [200, null, 0],
  gross_margin_pct: [90, null, null],
});

const column = (df: pl.DataFrame, name: string) => df.getColumn(name).toArray() as unknown[];

Deno.test("per-organization deltas, appeared and disappeared, tier changes", () => {
  const result = compareExports(before, after);
  const perOrg = result.perOrg;
  // New file's order, then the organization that disappeared.
  assertEquals(column(perOrg, "org_id"), ["a", "c", "d", "b"]);
  assertEquals(column(perOrg, "presence"), ["both", "both", "appeared", "disappeared"]);
  assertEquals(column(perOrg, "org_name"), ["Acme", "Corp, Inc.", "Delta", "=Bobby"]);
  assertEquals(column(perOrg, "tier_old"), ["pro", "team", null, "free"]);
  assertEquals(column(perOrg, "tier_new"), ["team", "team", "free", null]);
  assertEquals(column(perOrg, "tier_changed"), [true, false, null, null]);
  // a: 5 − 3, c: 12 − 10, d appeared: 2 − 0, b disappeared: 0 − 1
  assertEquals(column(perOrg, "seats_delta"), [2, 2, 2, -1]);
  assertEquals(column(perOrg, "requests_30d_delta"), [2_000, 10_000, 100, -500]);
  assertEquals(column(perOrg, "llm_cost_30d_delta"), [10, 50, 0.5, -2]);
  // a: 200 − 50; c: new MRR unknown → empty; d: 0 − nothing = 0; b: nothing − 0 = 0
  assertEquals(column(perOrg, "mrr_delta"), [150, null, 0, 0]);
  assertEquals(column(perOrg, "mrr_old"), [50, 200, null, 0]);
  assertEquals(column(perOrg, "mrr_new"), [200, null, 0, null]);
  // A ratio has a delta only for organizations in both files: a 90 − 80; c unknown.
  assertEquals(column(perOrg, "gross_margin_pct_delta"), [10, null, null, null]);
  // Every numeric column of the column table has a delta column.
  const numeric = ["seats", "active_users_30d", "mrr", "ptb_spend_all_time", "cost_per_request"];
  for (const name of numeric) ok(perOrg.columns.includes(`${name}_delta`), name);
  assertEquals(result.counts, {
    organizationsOld: 3,
    organizationsNew: 3,
    inBoth: 2,
    appeared: 1,
    disappeared: 1,
    tierChanged: 1,
    tierRawChanged: 0,
    planChanged: 0,
    renamed: 0,
  });
  assertEquals(column(result.tierChanges, "tier_old"), ["pro"]);
  assertEquals(column(result.tierChanges, "tier_new"), ["team"]);
  assertEquals(column(result.tierChanges, "organizations"), [1]);
});

Deno.test("compared a slice at a time and from the compared columns only: the same comparison", () => {
  const whole = compareExports(before, after);
  const only = (frame: pl.DataFrame) => frame.select(...COMPARED_COLUMNS);
  for (const sliceRows of [1, 2, 3]) {
    const sliced = compareExports(only(before), only(after), { sliceRows });
    assertEquals(sliced.perOrg.schema, whole.perOrg.schema, `${sliceRows} rows a slice`);
    assertEquals(sliced.perOrg.toRecords(), whole.perOrg.toRecords(), `${sliceRows} rows a slice`);
    assertEquals(sliced.totals.toRecords(), whole.totals.toRecords());
    assertEquals(sliced.tierChanges.toRecords(), whole.tierChanges.toRecords());
    assertEquals(sliced.counts, whole.counts);
  }
  // nothing new: only the organizations gone
  const gone = compareExports(before, before.head(0), { sliceRows: 1 });
  assertEquals(column(gone.perOrg, "presence"), ["disappeared", "disappeared", "disappeared"]);
  assertEquals(gone.perOrg.schema, whole.perOrg.schema);
});

Deno.test("the summary without the rows: the same summary, the largest MRR changes, ties in row order", async () => {
  const whole = compareExports(before, after);
  // |mrr_delta|: a 150, c unknown (left out), d 0, b 0 (the gone come last in the rows)
  assertEquals(column(largestMrrChanges(whole.perOrg, 3), "org_id"), ["a", "d", "b"]);
  for (const sliceRows of [1, 2, 3]) {
    for (const [top, expected] of [[1, ["a"]], [2, ["a", "d"]], [4, ["a", "d", "b"]]] as const) {
      // sides of whole frames, or of the summary's columns only (what the MCP tool reads)
      const fromSides = await compareExportsSummary(
        summarySide(before.select(...SUMMARY_COLUMNS)),
        summarySide(after.select(...SUMMARY_COLUMNS)),
        { top, sliceRows },
      );
      for (
        const summary of [
          await compareExportsSummary(summarySide(before), summarySide(after), { top, sliceRows }),
          fromSides,
        ]
      ) {
        const what = `${sliceRows} rows a slice, top ${top}`;
        assertEquals(column(summary.largestMrrChanges, "org_id"), expected, what);
        assertEquals(
          summary.largestMrrChanges.toRecords(),
          largestMrrChanges(whole.perOrg, top).toRecords(),
          what,
        );
        assertEquals(summary.totals.toRecords(), whole.totals.toRecords(), what);
        assertEquals(summary.tierChanges.toRecords(), whole.tierChanges.toRecords(), what);
        assertEquals(summary.counts, whole.counts, what);
        assertEquals(summary.listed, whole.listed, what);
      }
    }
  }
  assertEquals(summarySide(before).frame.columns, [
    "org_id",
    "org_name",
    "tier",
    "tier_raw",
    "plan",
    "mrr",
    "shared_customer", // its Stripe customer's revenue is on one of several organizations' rows
  ]);
  const first = (await compareExportsSummary(summarySide(before), summarySide(after), { top: 1 }))
    .largestMrrChanges;
  assertEquals(first.columns, [...MRR_MOVER_COLUMNS]);
  assertEquals(first.toRecords(), [{
    org_id: "a",
    org_name: "Acme",
    presence: "both",
    tier_old: "pro",
    tier_new: "team",
    mrr_old: 50,
    mrr_new: 200,
    mrr_delta: 150,
    shared_customer_old: false,
    shared_customer_new: false,
    org_name_old: null, // not renamed
  }]);
});

Deno.test("writeComparison writes, a slice at a time, the files writeComparisonFiles writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const context = {
      oldLabel: "old",
      newLabel: "new",
      oldStamp: "2026-10-01",
      newStamp: "2026-11-01",
    };
    const whole = await writeComparisonFiles(compareExports(before, after), {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir: join(dir, "whole"),
      context,
    });
    for (const sliceRows of [1, 2, 100]) {
      const outDir = join(dir, `sliced-${sliceRows}`);
      const { files, summary } = await writeComparison(before, after, {
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        outDir,
        context,
        sliceRows,
      });
      assertEquals(summary.counts, compareExports(before, after).counts);
      for (const key of ["perOrgPath", "totalsPath", "summaryPath"] as const) {
        assertEquals(
          await Deno.readTextFile(files[key]),
          await Deno.readTextFile(whole[key]),
          `${key}, ${sliceRows} rows a slice`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("totals over each whole export, unknown values counted apart", () => {
  const totals = compareExports(before, after).totals;
  const row = (name: string) => {
    const r = totals.filter(pl.col("column").eq(pl.lit(name)));
    return Object.fromEntries(r.columns.map((c) => [c, r.getColumn(c).get(0)]));
  };
  // seats 3 + 1 + 10 = 14 → 5 + 12 + 2 = 19
  assertEquals(row("seats"), {
    column: "seats",
    unit: "count",
    old_total: 14,
    new_total: 19,
    delta: 5,
    change_pct: 5 / 14 * 100,
    unknown_old: 0,
    unknown_new: 0,
  });
  // MRR 50 + 0 + 200 = 250 → 200 + 0 = 200 (c unknown, skipped and counted); the change like
  // for like, without c, whose new MRR is unknown: 50 + 0 (b, gone) → 200 + 0 (d, new) = +150,
  // +300 % (new − old of the totals, −50, would read c's unknown MRR as a fall of $200)
  assertEquals(row("mrr").old_total, 250);
  assertEquals(row("mrr").new_total, 200);
  assertEquals(row("mrr").delta, 150);
  assertEquals(row("mrr").change_pct, 300);
  assertEquals(row("mrr").unknown_new, 1);
  // LLM cost 10 + 2 + 300 = 312 → 20 + 350 + 0.5 = 370.5: +58.5, +18.75 %
  assertEquals(row("llm_cost_30d").delta, 58.5);
  assertEquals(row("llm_cost_30d").change_pct, 18.75);
  // Ratios are not summed.
  assertEquals(totals.filter(pl.col("column").eq(pl.lit("gross_margin_pct"))).height, 0);
});

Deno.test("totals: a file whose values are all unknown has no total, change or %, not $0 and −100 %", () => {
  // the after file exported without Stripe: every MRR unknown
  const noStripe = after.withColumns(pl.lit(null).cast(pl.Float64).alias("mrr"));
  const result = compareExports(before, noStripe);
  const mrr = result.totals.filter(pl.col("column").eq(pl.lit("mrr"))).toRecords()[0];
  // MRR 50 + 0 + 200 = 250 → nothing known
  assertEquals(
    [mrr.old_total, mrr.new_total, mrr.delta, mrr.change_pct, mrr.unknown_old, mrr.unknown_new],
    [250, null, null, null, 0, 3],
  );
  const context = { oldLabel: "old.csv", newLabel: "new.csv", oldStamp: "o", newStamp: "n" };
  const markdown = comparisonMarkdown(result, context);
  ok(markdown.includes("| `mrr` | $250.00 | unknown | unknown | unknown |"), markdown);
  // seats stay known: a plain sum
  ok(markdown.includes("| `seats` | 14 | 19 | +5 | +35.7 % |"), markdown);
  // the other way round, too
  const back = comparisonMarkdown(compareExports(noStripe, before), context);
  ok(back.includes("| `mrr` | unknown | $250.00 | unknown | unknown |"), back);
  // some unknown (c's new MRR): the sums of the known values, and how many were skipped
  const some = comparisonMarkdown(compareExports(before, after), context);
  ok(some.includes("| `mrr` | $250.00 | $200.00 (1 unknown) | +$150.00 | +300.0 % |"), some);
  // an empty file has nothing unknown: its totals are 0
  const empty = compareExports(before.head(0), before.head(0)).totals;
  assertEquals(empty.filter(pl.col("column").eq(pl.lit("mrr"))).getColumn("old_total").get(0), 0);
});

Deno.test("totals: the change is like for like, so an MRR that became unknown (or known) is no change", async () => {
  // six customers, nobody's MRR changed; Stripe did not answer for two of them in the new
  // export (e, f) and for one in the old (a); g is unknown in both
  const frame = (mrr: (number | null)[]) =>
    exportFrameFromColumns({
      org_id: ["a", "b", "c", "d", "e", "f", "g"],
      org_name: ["A", "B", "C", "D", "E", "F", "G"],
      tier: ["pro", "pro", "pro", "team", "team", "team", "team"],
      seats: [1, 1, 1, 1, 1, 1, 1],
      mrr,
    });
  const old = frame([null, 200, 300, 400, 500, 600, null]);
  const current = frame([100, 200, 300, 400, null, null, null]);
  const expectMrr = (totals: pl.DataFrame) => {
    const mrr = totals.filter(pl.col("column").eq(pl.lit("mrr"))).toRecords()[0];
    // file totals: 200 + 300 + 400 + 500 + 600 = 2,000 (2 unknown) and 100 + 200 + 300 + 400 =
    // 1,000 (3 unknown); new − old would read −50 %. Known in both: b, c, d: 900 → 900
    assertEquals(
      [mrr.old_total, mrr.new_total, mrr.unknown_old, mrr.unknown_new, mrr.delta, mrr.change_pct],
      [2_000, 1_000, 2, 3, 0, 0],
    );
    // seats are known everywhere: new − old
    const seats = totals.filter(pl.col("column").eq(pl.lit("seats"))).toRecords()[0];
    assertEquals([seats.old_total, seats.new_total, seats.delta], [7, 7, 0]);
  };
  expectMrr(compareExports(old, current).totals);
  // the summary path reads the files' values again only for the columns with unknowns
  const reread: string[][] = [];
  const side = (f: pl.DataFrame) =>
    summarySide(f.select(...SUMMARY_COLUMNS), {
      reread: (columns) => {
        reread.push(columns);
        return Promise.resolve(f.select("org_id", ...columns));
      },
    });
  expectMrr((await compareExportsSummary(side(old), side(current), { top: 3 })).totals);
  ok(reread.length === 2 && reread.every((columns) => columns.includes("mrr")), String(reread));
  ok(!reread.flat().includes("seats"), String(reread));
  // d's MRR doubles and e (unknown in the new file) still counts for nothing: +400 over 900
  const doubled = frame([100, 200, 300, 800, null, null, null]);
  const mrr = compareExports(old, doubled).totals.filter(pl.col("column").eq(pl.lit("mrr")))
    .toRecords()[0];
  assertEquals([mrr.delta, mrr.change_pct], [400, 400 / 900 * 100]);
  // an organization that appeared counts from 0, one that left to 0, as in the per-org deltas:
  // h (new, $50) and a (gone from the old file, where its MRR was unknown: nothing to count)
  const later = exportFrameFromColumns({
    org_id: ["b", "c", "d", "e", "f", "g", "h"],
    org_name: ["B", "C", "D", "E", "F", "G", "H"],
    tier: ["pro", "pro", "team", "team", "team", "team", "pro"],
    seats: [1, 1, 1, 1, 1, 1, 1],
    mrr: [200, 300, 400, 500, 600, null, 50],
  });
  const grown = compareExports(old, later).totals.filter(pl.col("column").eq(pl.lit("mrr")))
    .toRecords()[0];
  // old 2,000 (a, g unknown) → 2,050: b..f the same, h +50: +2.5 %
  assertEquals([grown.delta, grown.change_pct], [50, 2.5]);
});

Deno.test("a customer adding an organization moves its revenue, not new business: a shared_customer row's revenue counts 0", async () => {
  // Delta Health's Stripe customer cus_d pays $853 in both files; in the new one a newer
  // organization z carries it and x reads shared_customer with its revenue empty. Yonder (y)
  // pays $100 throughout.
  const old = exportFrameFromColumns({
    org_id: ["x", "y"],
    org_name: ["Delta Health 12", "Yonder"],
    tier: ["team", "pro"],
    stripe_customer_id: ["cus_d", "cus_y"],
    revenue_source: ["stripe", "stripe"],
    mrr: [853, 100],
    base_subscription: [853, 100],
    ptb_revenue_30d: [7, 0],
  });
  const current = exportFrameFromColumns({
    org_id: ["z", "x", "y"],
    org_name: ["Delta Health 34 (EU)", "Delta Health 12", "Yonder"],
    tier: ["team", "team", "pro"],
    stripe_customer_id: ["cus_d", "cus_d", "cus_y"],
    revenue_source: ["stripe", "shared_customer", "stripe"],
    mrr: [853, null, 100],
    base_subscription: [853, null, 100],
    ptb_revenue_30d: [7, null, 0],
  });
  const result = compareExports(old, current);
  // z +853 from nothing, x 853 → 0 (known), y unchanged
  assertEquals(column(result.perOrg, "org_id"), ["z", "x", "y"]);
  assertEquals(column(result.perOrg, "mrr_new"), [853, 0, 100]);
  assertEquals(column(result.perOrg, "mrr_delta"), [853, -853, 0]);
  assertEquals(column(result.perOrg, "ptb_revenue_30d_delta"), [7, -7, 0]);
  assertEquals(column(result.perOrg, "shared_customer_old"), [null, false, false]);
  assertEquals(column(result.perOrg, "shared_customer_new"), [true, true, false]);
  const expectTotals = (totals: pl.DataFrame) => {
    for (const name of ["mrr", "base_subscription"]) {
      const row = totals.filter(pl.col("column").eq(pl.lit(name))).toRecords()[0];
      assertEquals(
        [row.old_total, row.new_total, row.unknown_old, row.unknown_new, row.delta],
        [953, 953, 0, 0, 0],
        name,
      );
    }
  };
  expectTotals(result.totals);
  assertEquals(result.listed.appeared, [
    { org_id: "z", org_name: "Delta Health 34 (EU)", tier: "team", mrr: 853, sharedCustomer: true },
  ]);
  const markdown = comparisonMarkdown(result, {
    oldLabel: "old.csv",
    newLabel: "new.csv",
    oldStamp: "2026-01-01",
    newStamp: "2026-02-01",
  });
  const mrrLine = markdown.split("\n").find((line) => line.startsWith("| `mrr` |"));
  assertEquals(mrrLine, "| `mrr` | $953.00 | $953.00 | $0.00 | 0.0 % |");
  ok(markdown.includes("| z | Delta Health 34 (EU) | team | $853.00 | shared |"), markdown);
  ok(markdown.includes("its MRR is the customer's, not necessarily new business"), markdown);
  // the summary path: the same totals and listing, the files read again with revenue_source
  const side = (f: pl.DataFrame) => summarySide(f.select(...SUMMARY_COLUMNS));
  const summary = await compareExportsSummary(side(old), side(current), { top: 3 });
  expectTotals(summary.totals);
  assertEquals(summary.listed.appeared[0].sharedCustomer, true);
  assertEquals(column(summary.largestMrrChanges, "mrr_delta"), [853, -853, 0]);
});

Deno.test("totals are the floats JS adds in file order: no reassociation, no −0", () => {
  // 1,000 × 0.1 added one after the other is 99.9999999999986; Polars' sum() pairs them up
  // (99.99999999999997)
  const costs = Array.from({ length: 1000 }, () => 0.1);
  let js = 0;
  for (const cost of costs) js += cost;
  assertEquals(js, 99.9999999999986);
  const frame = (llm: (number | null)[]) =>
    exportFrameFromColumns({ org_id: llm.map((_, i) => `o${i}`), llm_cost_30d: llm });
  const total = (result: ReturnType<typeof compareExports>, which: "old_total" | "new_total") =>
    result.totals.filter(pl.col("column").eq(pl.lit("llm_cost_30d"))).getColumn(which).get(0);
  const result = compareExports(frame(costs), frame([-0, -0]));
  assertEquals(total(result, "old_total"), 99.9999999999986);
  ok(Object.is(total(result, "new_total"), 0), "−0 + −0 from 0 is 0, as in JS");
  assertEquals(total(compareExports(frame([]), frame([])), "old_total"), 0);
});

Deno.test("exports read back from CSV and XLSX equal the frame written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    const xlsx = join(dir, "helicone_pricing_data_2026-10-01_demo.xlsx");
    await writeCsvFile(before, csv);
    await writeXlsxFile(before, xlsx);
    for (const path of [csv, xlsx]) {
      const file = await readExportFile(path);
      assertEquals(file.frame.columns, [...COLUMN_NAMES]);
      assertEquals(file.name, {
        asOf: new Date("2026-10-01T00:00:00Z"),
        demo: true,
        windowDays: 30,
        stamp: "2026-10-01_demo",
        suffix: null,
      });
      // Typed as the pipeline's frame: the same schema as a frame built from the column table.
      assertEquals(file.frame.schema, before.schema);
      // Text as entered: the writers' formula guard ('=Bobby in the file) is taken off again.
      assertEquals(column(file.frame, "org_name"), ["Acme", "=Bobby", "Corp, Inc."]);
      assertEquals(column(file.frame, "created_at"), column(before, "created_at"));
      assertEquals(column(file.frame, "is_ptb"), [true, false, null]);
      assertEquals(column(file.frame, "mrr"), [50, 0, 200]);
      assertEquals(column(file.frame, "stripe_customer_id"), [null, null, null]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a snapshot against its CSV and XLSX, guarded text, no change", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // text the writers guard: a raw tier starting with -, names starting with = + and '=
    const frame = exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      org_name: ["+1 Growth Co", "'=Quoted", "Plain"],
      tier: ["team", "pro", "free"],
      tier_raw: ["-legacy-2024", "-legacy-2024", "free"],
      mrr: [200, 20, 0],
    });
    const snapshot = await writeSnapshot(frame, {
      dir: join(dir, "history"),
      asOf: new Date("2026-10-01T00:00:00Z"),
      demo: false,
      origin: "export",
    });
    const csv = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const xlsx = join(dir, "helicone_pricing_data_2026-10-01.xlsx");
    await writeCsvFile(frame, csv);
    await writeXlsxFile(frame, xlsx);
    ok((await Deno.readTextFile(csv)).includes(",'+1 Growth Co,team,"), "the CSV is guarded");
    for (const [old, next] of [[snapshot.path, csv], [csv, snapshot.path], [snapshot.path, xlsx]]) {
      logs.length = 0;
      assertEquals(await compareMain([old, next, "--out-dir", dir, "--quiet"]), 0, errors.join());
      const { records } = parseCsvRecords(
        await Deno.readTextFile(join(dir, "helicone_pricing_compare_2026-10-01_to_2026-10-01.csv")),
      );
      assertEquals(
        records.map((r) => [r.org_name, r.tier_raw_old, r.tier_raw_new, r.tier_raw_changed]),
        [
          ["'+1 Growth Co", "'-legacy-2024", "'-legacy-2024", "false"],
          ["''=Quoted", "'-legacy-2024", "'-legacy-2024", "false"],
          ["Plain", "free", "free", "false"],
        ],
        `${old} → ${next}`,
      );
      const markdown = await Deno.readTextFile(
        join(dir, "helicone_pricing_compare_2026-10-01_to_2026-10-01.md"),
      );
      ok(markdown.includes("| raw tier (`tier_raw`) changed | 0 |"), markdown);
    }
    // read with a projection (as scenario --input reads), the text as entered too
    const read = await readExportFile(csv, { columns: ["tier_raw"] });
    assertEquals(column(read.frame, "tier_raw"), ["-legacy-2024", "-legacy-2024", "free"]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("files that are not exports of this kit are refused with one line", async () => {
  const header = COLUMN_NAMES.join(",");
  const blank = COLUMN_NAMES.map(() => "").join(",");
  const message = (text: string) => {
    try {
      exportFrameFromCsvText(text, "x.csv");
    } catch (error) {
      return (error as Error).message;
    }
    return "accepted";
  };
  assertEquals(
    message("name,amount\r\nfoo,1\r\n"),
    "x.csv is not a pricing-kit export: none of its header is ours; an export of this kit starts with org_id,org_name,tier,… (46 columns, lib/frame/columns.ts)",
  );
  assertEquals(
    message(header.replace(",mrr,", ",monthly,") + "\r\n"),
    "x.csv does not match this version's columns: its header lacks mrr and has unexpected monthly; restore the kit's column names (or re-export it with deno task export)",
  );
  const swapped = [...COLUMN_NAMES];
  [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
  assertEquals(
    message(swapped.join(",") + "\r\n"),
    "x.csv is not a pricing-kit export: column 1 is org_name, expected org_id (columns were reordered)",
  );
  const row = (seats: string, id = "o1") =>
    COLUMN_NAMES.map((name) => (name === "org_id" ? id : name === "seats" ? seats : "")).join(",");
  assertEquals(
    message(`${header}\r\n${row("2.5")}\r\n`),
    'x.csv row 2, column seats: "2.5" is not a whole number',
  );
  assertEquals(
    message(`${header}\r\n${row("1")}\r\n${row("2")}\r\n`),
    'x.csv: org_id "o1" appears more than once; an export has one row per organization',
  );
  // an id from the file is quoted and cut, as every value a message shows: not pasted whole
  const longId = `${"x".repeat(60)}\u001b[2J`;
  assertEquals(
    message(`${header}\r\n${row("1", longId)}\r\n${row("2", longId)}\r\n`),
    `x.csv: org_id "${
      "x".repeat(40)
    }"… (64 characters) appears more than once; an export has one row per organization`,
  );
  assertEquals(
    message(`${header}\r\n${blank},extra\r\n`),
    "x.csv row 2 has 47 fields, the header has 46",
  );
  assertEquals(message(""), "x.csv is empty; not an export of this kit");
  assertEquals(exportNameInfo("outputs/notes.csv"), null);
  // a history snapshot not at 00:00 UTC has its time in its name
  assertEquals(exportNameInfo("h/helicone_pricing_data_2026-12-01T120000Z_demo.parquet"), {
    asOf: new Date("2026-12-01T12:00:00Z"),
    demo: true,
    windowDays: 30,
    stamp: "2026-12-01T120000Z_demo",
    suffix: null,
  });
  assertEquals(exportNameInfo("helicone_pricing_data_2026-12-01T250000Z.parquet"), null);

  const dir = await Deno.makeTempDir();
  try {
    const fake = join(dir, "fake.xlsx");
    await Deno.writeTextFile(fake, "not a zip");
    await rejects(readExportFile(fake), /fake\.xlsx is not a readable XLSX workbook/);
    await rejects(
      readExportFile(join(dir, "notes.txt")),
      /notes\.txt is not a \.csv, \.xlsx or \.parquet file/,
    );
    await rejects(readExportFile(join(dir, "gone.csv")), /gone\.csv does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: CSV against XLSX with different as-of dates, written files", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await writeCsvFile(before, oldPath);
    await writeXlsxFile(after, newPath);
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const base = join(dir, "helicone_pricing_compare_2026-10-01_to_2026-11-01");
    const { records } = parseCsvRecords(await Deno.readTextFile(`${base}.csv`));
    assertEquals(records.map((r) => [r.org_id, r.presence, r.mrr_delta, r.tier_changed]), [
      ["a", "both", "150", "true"],
      ["c", "both", "", "false"],
      ["d", "appeared", "0", ""],
      ["b", "disappeared", "0", ""],
    ]);
    // CSV text is written with the formula guard (read back, the file said =Bobby)
    assertEquals(records[3].org_name, "'=Bobby");
    const totalsText = await Deno.readTextFile(`${base}_totals.csv`);
    // two 30-day exports: no window column (the totals CSV of two windows has one)
    assertEquals(totalsText.split("\r\n")[0], SAME_WINDOW_TOTALS_HEADER);
    const totals = parseCsvRecords(totalsText).records;
    assertEquals(totals.find((t) => t.column === "llm_cost_30d")?.delta, "58.5");
    const summary = await Deno.readTextFile(`${base}.md`);
    ok(summary.includes("| appeared (only in the new export) | 1 |"));
    ok(summary.includes("| pro | team | 1 |"));
    ok(summary.includes("| `mrr` | $250.00 | $200.00 (1 unknown) | +$150.00 | +300.0 % |"));
    ok(!summary.includes("Warning"), "two 30-day exports: no window warning");
    assertEquals(errors.length, 0, "two 30-day exports: nothing on stderr");
    assertEquals(
      logs[0],
      "Compared helicone_pricing_data_2026-10-01.csv (3 organizations) with helicone_pricing_data_2026-11-01.xlsx (3): 1 appeared, 1 disappeared, 1 changed tier, 0 changed raw tier, 0 changed plan",
    );

    // Not an export: the comparison's own CSV.
    assertEquals(await compareMain([`${base}.csv`, newPath, "--out-dir", dir]), 1);
    assertEquals(errors.length, 1);
    ok(errors[0].startsWith(`error: ${base}.csv is not a pricing-kit export: its header lacks`));
    errors.length = 0;
    // the newer file first: refused before anything is read or written
    const filesBefore = [...Deno.readDirSync(dir)].length;
    assertEquals(await compareMain([newPath, oldPath, "--out-dir", dir]), 1);
    assertEquals(errors, [
      "error: old helicone_pricing_data_2026-11-01.xlsx (as of 2026-11-01) is newer than new helicone_pricing_data_2026-10-01.csv (as of 2026-10-01): swap them, the older export first",
    ]);
    assertEquals([...Deno.readDirSync(dir)].length, filesBefore, "nothing written");
    errors.length = 0;
    assertEquals(await compareMain([oldPath]), 1);
    assertEquals(errors, ["error: pass two exports, old then new (got 1; see --help)"]);
    assertEquals(await compareMain(["--help"]), 0);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The totals CSV's header for two exports of one window. */
const SAME_WINDOW_TOTALS_HEADER =
  "column,unit,old_total,new_total,delta,change_pct,unknown_old,unknown_new";

Deno.test("windowMismatchWarning: only for two known windows that differ", () => {
  assertEquals(windowMismatchWarning({ oldWindowDays: 30, newWindowDays: 30 }), null);
  assertEquals(windowMismatchWarning({ oldWindowDays: 30 }), null);
  const warning = windowMismatchWarning({ oldWindowDays: 30, newWindowDays: 1 })!;
  ok(
    warning.startsWith(
      "old covers 30 days, new 1 day: the window figures' deltas (the *_30d columns",
    ),
  );
});

Deno.test("deno task compare: two 7-day exports say their window in the summary, the Totals and the output", async () => {
  assertEquals(sharedWindowNote({ oldWindowDays: 30, newWindowDays: 30 }), null);
  assertEquals(sharedWindowNote({ oldWindowDays: 30, newWindowDays: 7 }), null); // the warning's
  assertEquals(sharedWindowNote({ oldWindowDays: 7 }), null);
  // one day: "1 day's figures", not "1 day' figures"
  const oneDay = sharedWindowNote({ oldWindowDays: 1, newWindowDays: 1 })!;
  ok(oneDay.includes("hold each side's 1 day's figures, so their totals are 1 day's sums"), oneDay);
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-11-24_7d.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-12-01_7d.csv");
    await writeCsvFile(before, oldPath);
    await writeCsvFile(after, newPath);
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const expected =
      "both cover 7 days, not 30: the *_30d columns (and cost_per_seat and seat_utilization_pct) hold each side's 7 days' figures, so their totals are 7 days' sums, while mrr and the other amounts per month are monthly; revenue_per_request, gross_margin_pct, list_price_mrr and gross_margin_company_pct set the window's usage on a 30-day basis";
    assertEquals(errors, []); // no warning: the windows are the same
    ok(logs.includes(`note: ${expected}`), logs.join("\n"));
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-24_7d_to_2026-12-01_7d.md"),
    );
    assertEquals(
      summary.split("\n")[2],
      `> **Note: ${
        expected.replace("*", "\\*").replace(/\b([a-z0-9]+(?:_[a-z0-9]+)+)\b/g, "`$1`")
          .replace("*_30d", "*\\_30d")
      }.**`,
    );
    // Totals: usage rows name the window, mrr (monthly) does not; 1,000 + 500 + 50,000 requests
    // → 3,000 + 60,000 + 100; $10 + $2 + $300 → $20 + $350 + $0.50; mrr $250 → $200 (c unknown)
    const rows = summary.split("\n");
    ok(rows.includes("| `requests_30d` (7 days) | 51,500 | 63,100 | +11,600 | +22.5 % |"));
    ok(rows.some((r) => r.startsWith("| `llm_cost_30d` (7 days) | $312.00 | $370.50 |")));
    ok(rows.some((r) => r.startsWith("| `mrr` | $250.00 | $200.00 (1 unknown) |")), summary);
    // the totals CSV of one window: its columns as ever (its name says 7d on both sides)
    const totalsText = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-24_7d_to_2026-12-01_7d_totals.csv"),
    );
    assertEquals(totalsText.split("\r\n")[0], SAME_WINDOW_TOTALS_HEADER);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a 30-day export against a 7-day one says the windows differ", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01_7d.csv");
    await writeCsvFile(before, oldPath);
    await writeCsvFile(after, newPath);
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const expected =
      "old covers 30 days, new 7 days: the window figures' deltas (the *_30d columns, cost_per_seat and seat_utilization_pct) compare different windows, not a change (values as written, not rescaled); revenue_per_request, gross_margin_pct, list_price_mrr and gross_margin_company_pct set the window's usage on a 30-day basis in both; cost_per_request and ptb_cost_share_pct divide two window figures (the window's length cancels)";
    assertEquals(errors, [`warning: ${expected}`]);
    const summary = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-01_to_2026-11-01_7d.md"),
    );
    // the line right under the heading, escaped for Markdown
    assertEquals(
      summary.split("\n")[2],
      `> **Warning: ${
        expected.replace("*", "\\*").replace(/\b([a-z0-9]+(?:_[a-z0-9]+)+)\b/g, "`$1`")
          .replace("*_30d", "*\\_30d")
      }.**`,
    );
    // the deltas themselves are the values as written: 63,100 − 51,500 requests
    const totalsText = await Deno.readTextFile(
      join(dir, "helicone_pricing_compare_2026-11-01_to_2026-11-01_7d_totals.csv"),
    );
    const totals = parseCsvRecords(totalsText).records;
    assertEquals(totals.find((t) => t.column === "requests_30d")?.delta, "11600");
    // the totals CSV says which window each row's sums are over, in a `window` column after
    // `unit`, as the summary's Totals label them: requests 1,000 + 500 + 50,000 = 51,500 over 30
    // days → 3,000 + 60,000 + 100 = 63,100 over 7; LLM cost $10 + $2 + $300 = $312 → $20 + $350
    // + $0.50 = $370.50 (+$58.50, +18.75 %); seats 14 → 19 and mrr $250 → $200 (like for like
    // +$150, +300 %) are no window's; list_price_mrr (none in these files) is on a 30-day basis
    assertEquals(
      totalsText.split("\r\n")[0],
      "column,unit,window,old_total,new_total,delta,change_pct,unknown_old,unknown_new",
    );
    const row = (name: string) => {
      const { window, old_total, new_total, delta, change_pct } = totals.find((t) =>
        t.column === name
      )!;
      return [window, old_total, new_total, delta, change_pct];
    };
    // (the CSV writes 10 decimals: 11,600 / 51,500 = 22.524271844…%, 5 / 14 = 35.714285714…%)
    assertEquals(row("requests_30d"), [
      "30 days → 7 days",
      "51500",
      "63100",
      "11600",
      "22.5242718447",
    ]);
    assertEquals(row("llm_cost_30d"), ["30 days → 7 days", "312", "370.5", "58.5", "18.75"]);
    assertEquals(row("seats"), ["", "14", "19", "5", "35.7142857143"]);
    assertEquals(row("mrr"), ["", "250", "200", "150", "300"]);
    assertEquals(row("list_price_mrr")[0], "30-day basis");
    // the Totals rows of window figures name both windows, so a row read (or copied) alone
    // still says its change compares two windows; mrr (monthly) names none
    const rows = summary.split("\n");
    ok(
      rows.includes("| `requests_30d` (30 days → 7 days) | 51,500 | 63,100 | +11,600 | +22.5 % |"),
    );
    ok(rows.some((r) => r.startsWith("| `llm_cost_30d` (30 days → 7 days) | $312.00 | $370.50 |")));
    ok(rows.some((r) => r.startsWith("| `list_price_mrr` (30-day basis) |")), summary);
    ok(rows.some((r) => r.startsWith("| `mrr` | $250.00 | $200.00 (1 unknown) |")), summary);
    // --quiet prints nothing, the summary still warns
    errors.length = 0;
    logs.length = 0;
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir, "--quiet"]), 0);
    assertEquals([errors, logs], [[], []]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Plan migrations: m moves from the legacy team bundle (team-20250130, $200) to team-20251210
 * ($799), q from pro-20250202 to pro-20251210; n stays. The tier family changes for nobody.
 */
const beforeMigration = exportFrameFromColumns({
  org_id: ["m", "n", "q"],
  org_name: ["Mover", "Stayer", "Quick"],
  tier: ["team", "pro", "pro"],
  tier_raw: ["team-20250130", "pro", "pro-20250202"],
  plan: ["team (bundle, legacy)", "pro (seat, legacy)", "pro (seat, legacy)"],
  mrr: [200, 40, 20],
});
const afterMigration = exportFrameFromColumns({
  org_id: ["m", "n", "q"],
  org_name: ["Mover", "Stayer", "Quick"],
  tier: ["team", "pro", "pro"],
  tier_raw: ["team-20251210", "pro", "pro-20251210"],
  plan: ["team 2025-12-10", "pro (seat, legacy)", "pro 2025-12-10"],
  mrr: [799, 40, 79],
});

Deno.test("raw tier and plan changes are counted and listed like tier changes", async () => {
  const result = compareExports(beforeMigration, afterMigration);
  assertEquals(column(result.perOrg, "tier_changed"), [false, false, false]);
  assertEquals(column(result.perOrg, "tier_raw_old"), ["team-20250130", "pro", "pro-20250202"]);
  assertEquals(column(result.perOrg, "tier_raw_new"), ["team-20251210", "pro", "pro-20251210"]);
  assertEquals(column(result.perOrg, "tier_raw_changed"), [true, false, true]);
  assertEquals(column(result.perOrg, "plan_changed"), [true, false, true]);
  assertEquals(
    result.perOrg.columns.slice(0, 12),
    [
      "org_id",
      "org_name",
      "presence",
      "tier_old",
      "tier_new",
      "tier_changed",
      "tier_raw_old",
      "tier_raw_new",
      "tier_raw_changed",
      "plan_old",
      "plan_new",
      "plan_changed",
    ],
  );
  const counts = { tierChanged: 0, tierRawChanged: 2, planChanged: 2 };
  const { tierChanged, tierRawChanged, planChanged } = result.counts;
  assertEquals({ tierChanged, tierRawChanged, planChanged }, counts);
  assertEquals(result.tierChanges.height, 0);
  // one organization each, so in name order
  assertEquals(result.tierRawChanges.toRecords(), [
    { tier_raw_old: "pro-20250202", tier_raw_new: "pro-20251210", organizations: 1 },
    { tier_raw_old: "team-20250130", tier_raw_new: "team-20251210", organizations: 1 },
  ]);
  assertEquals(result.planChanges.toRecords(), [
    { plan_old: "pro (seat, legacy)", plan_new: "pro 2025-12-10", organizations: 1 },
    { plan_old: "team (bundle, legacy)", plan_new: "team 2025-12-10", organizations: 1 },
  ]);
  // the summary without the rows, a slice at a time: the same
  const summary = await compareExportsSummary(
    summarySide(beforeMigration),
    summarySide(afterMigration),
    { top: 1, sliceRows: 1 },
  );
  assertEquals(summary.counts, result.counts);
  assertEquals(summary.tierRawChanges.toRecords(), result.tierRawChanges.toRecords());
  assertEquals(summary.planChanges.toRecords(), result.planChanges.toRecords());
  // an organization that appeared has no change of either (it has no old value)
  const appeared = compareExports(beforeMigration.head(0), afterMigration);
  assertEquals(column(appeared.perOrg, "plan_changed"), [null, null, null]);
  assertEquals([appeared.counts.tierRawChanged, appeared.counts.planChanged], [0, 0]);
});

Deno.test("deno task compare: plan migrations in the report, its CSV and its summary", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    // a raw tier from the data is data: escaped in the summary
    await writeCsvFile(beforeMigration, oldPath);
    await writeXlsxFile(
      afterMigration.withColumns(
        pl.Series("tier_raw", ["team-20251210", "pro", "<b>pro</b>|*x*"]),
      ),
      newPath,
    );
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(
      logs[0],
      "Compared helicone_pricing_data_2026-10-01.csv (3 organizations) with helicone_pricing_data_2026-11-01.xlsx (3): 0 appeared, 0 disappeared, 0 changed tier, 2 changed raw tier, 2 changed plan",
    );
    const base = join(dir, "helicone_pricing_compare_2026-10-01_to_2026-11-01");
    const { records } = parseCsvRecords(await Deno.readTextFile(`${base}.csv`));
    assertEquals(
      records.map((r) => [r.org_id, r.tier_raw_old, r.tier_raw_new, r.tier_raw_changed]),
      [
        ["m", "team-20250130", "team-20251210", "true"],
        ["n", "pro", "pro", "false"],
        ["q", "pro-20250202", "<b>pro</b>|*x*", "true"],
      ],
    );
    assertEquals(records.map((r) => [r.plan_old, r.plan_new, r.plan_changed]), [
      ["team (bundle, legacy)", "team 2025-12-10", "true"],
      ["pro (seat, legacy)", "pro (seat, legacy)", "false"],
      ["pro (seat, legacy)", "pro 2025-12-10", "true"],
    ]);
    const summary = await Deno.readTextFile(`${base}.md`);
    ok(summary.includes("| tier changed | 0 |"), summary);
    ok(summary.includes("| raw tier (`tier_raw`) changed | 2 |"), summary);
    ok(summary.includes("| plan changed | 2 |"), summary);
    ok(summary.includes("## Tier changes\n\nNone.\n"), summary);
    ok(
      summary.includes(
        "## Raw tier changes (`tier_raw`)\n\n| from | to | organizations |\n| --- | --- | --- |\n" +
          "| pro-20250202 | &lt;b>pro&lt;/b>\\|\\*x\\* | 1 |\n| team-20250130 | team-20251210 | 1 |\n",
      ),
      summary,
    );
    ok(
      summary.includes(
        "## Plan changes\n\n| from | to | organizations |\n| --- | --- | --- |\n" +
          "| pro (seat, legacy) | pro 2025-12-10 | 1 |\n| team (bundle, legacy) | team 2025-12-10 | 1 |\n",
      ),
      summary,
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a 30-day against a 7-day export names cost_per_seat a window figure", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // $350 of LLM cost over 10 seats in 30 days ($35 a seat), $69 in 7 days ($6.90 a seat)
    const org = (llmCost: number) =>
      exportFrameFromColumns({
        org_id: ["p"],
        org_name: ["Per Seat"],
        seats: [10],
        llm_cost_30d: [llmCost],
        cost_per_seat: [llmCost / 10],
      });
    const oldPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01_7d.xlsx");
    await writeCsvFile(org(350), oldPath);
    await writeXlsxFile(org(69), newPath);
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const { records } = parseCsvRecords(
      await Deno.readTextFile(
        join(dir, "helicone_pricing_compare_2026-11-01_to_2026-11-01_7d.csv"),
      ),
    );
    // 6.9 − 35: the shorter window, not a change, and the warning says cost_per_seat is one
    assertEquals(records[0].cost_per_seat_delta, "-28.1");
    assertEquals(errors.length, 1);
    ok(
      errors[0].includes(
        "the window figures' deltas (the *_30d columns, cost_per_seat and seat_utilization_pct) compare different windows, not a change",
      ),
      errors[0],
    );
    ok(!/margins and other ratios/.test(errors[0]), errors[0]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: an export named for a day after today, or before 1970, is refused as misnamed", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const good = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(before, good);
    for (const date of ["2099-01-01", "1960-01-01"]) {
      const misnamed = join(dir, `helicone_pricing_data_${date}.csv`);
      await writeCsvFile(after, misnamed);
      errors.length = 0;
      const pair = date === "2099-01-01" ? [good, misnamed] : [misnamed, good];
      assertEquals(await compareMain([...pair, "--out-dir", join(dir, "out"), "--quiet"]), 1);
      assertEquals(errors, [
        `error: ${misnamed}: its as-of date ${date} is ${
          date === "2099-01-01" ? "in the future" : "before 1970-01-01"
        }; rename it to the date it was exported (or fix its manifest)`,
      ]);
    }
    assertEquals(await Deno.stat(join(dir, "out")).catch(() => null), null, "nothing written");
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: one file as both sides, or an empty argument, is refused in one line", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const file = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(before, file);
    const out = join(dir, "out");
    // (the same file by another path: compared with itself, every delta was 0, exit 0)
    const again = `${dir}/./helicone_pricing_data_2026-10-01.csv`; // (join would drop the ./)
    assertEquals(await compareMain([file, again, "--out-dir", out, "--quiet"]), 1);
    assertEquals(errors, [
      `error: ${file} is given as both the old and the new export; pass two different exports, old then new`,
    ]);
    errors.length = 0;
    // `compare old.csv "$NEW"` with NEW unset (was: "error:  is not a .csv … file")
    assertEquals(await compareMain([file, "", "--out-dir", out, "--quiet"]), 1);
    assertEquals(errors, [
      "error: an argument is empty (an unset shell variable?); fill it in or leave it out (see --help)",
    ]);
    assertEquals(await Deno.stat(out).catch(() => null), null, "nothing written");
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: demo data against live data is refused in one line, by name, manifest or sidecar", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const live = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const demo = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    await writeCsvFile(before, live);
    await writeCsvFile(after, demo);
    const refused = async (oldPath: string, newPath: string) => {
      errors.length = 0;
      const filesBefore = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir, "--quiet"]), 1);
      assertEquals(
        [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
        filesBefore,
        "nothing written",
      );
      assertEquals(errors.length, 1, errors.join("\n"));
      return errors[0];
    };
    const tail =
      "the synthetic dataset against real data compares nothing; compare two live exports or two demo ones";
    // by name, either way round
    assertEquals(
      await refused(live, demo),
      `error: new helicone_pricing_data_2026-11-01_demo.csv is demo data (its name ends _demo) and old helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    const olderDemo = join(dir, "helicone_pricing_data_2026-09-01_demo.csv");
    await writeCsvFile(before, olderDemo);
    assertEquals(
      await refused(olderDemo, live),
      `error: old helicone_pricing_data_2026-09-01_demo.csv is demo data (its name ends _demo) and new helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    // a renamed file: the manifest written with it says so
    const renamed = join(dir, "last_month.csv");
    await writeCsvFile(before, renamed);
    await Deno.writeTextFile(join(dir, "last_month.manifest.json"), '{"demo": true}');
    assertEquals(
      await refused(renamed, live),
      `error: old last_month.csv is demo data (its manifest says "demo": true) and new helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    // a renamed demo export with nothing beside it: its rows say so (revenue_source demo); the
    // files are read first, and still nothing is written
    const rowsDemo = join(dir, "copy.csv");
    await writeCsvFile(after.withColumns(pl.lit("demo").alias("revenue_source")), rowsDemo);
    assertEquals(
      await refused(live, rowsDemo),
      `error: new copy.csv is demo data (its rows' revenue_source is demo (the demo generator's)) and old helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    await Deno.remove(rowsDemo);
    // a renamed snapshot: its sidecar says so
    const snapshot = await writeSnapshot(after, {
      dir: join(dir, "history"),
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: true,
      origin: "export",
    });
    const copied = join(dir, "november.parquet");
    await Deno.copyFile(snapshot.path, copied);
    await Deno.copyFile(`${snapshot.path}.json`, `${copied}.json`);
    assertEquals(
      await refused(live, copied),
      `error: new november.parquet is demo data (its sidecar says "demo": true) and old helicone_pricing_data_2026-10-01.csv is not: ${tail}`,
    );
    // two demo exports compare
    errors.length = 0;
    assertEquals(await compareMain([olderDemo, demo, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
    // a demo export renamed with nothing beside it, or one named as a live export, is demo data by
    // its rows: not refused against a demo export before they are read
    const demoRows = before.withColumns(pl.lit("demo").alias("revenue_source"));
    const october = join(dir, "october.csv");
    await writeCsvFile(demoRows, october);
    assertEquals(await compareMain([october, demo, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
    const namedLive = join(dir, "helicone_pricing_data_2026-08-01.csv");
    await writeCsvFile(demoRows, namedLive);
    assertEquals(await compareMain([namedLive, demo, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: demo data whose names lack _demo is named and titled demo data, by its rows", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // rows of the demo generator's (revenue_source demo): demo data whatever the names say
    const demoRows = (frame: pl.DataFrame) =>
      frame.withColumns(pl.lit("demo").alias("revenue_source"));
    const written = (out: string) => [...Deno.readDirSync(out)].map((e) => e.name).sort();
    // named as live exports (a 7-day one too) against a demo export
    const namedLive = join(dir, "helicone_pricing_data_2026-10-01_7d.csv");
    const demo = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    await writeCsvFile(demoRows(before), namedLive);
    await writeCsvFile(demoRows(after), demo);
    const named = join(dir, "named");
    assertEquals(await compareMain([namedLive, demo, "--out-dir", named, "--quiet"]), 0);
    assertEquals(errors, []);
    const base = "helicone_pricing_compare_2026-10-01_demo_7d_to_2026-11-01_demo";
    assertEquals(written(named), [`${base}.csv`, `${base}.md`, `${base}_totals.csv`]);
    const title = (await Deno.readTextFile(join(named, `${base}.md`))).split("\n")[0];
    assertEquals(title, "# Export comparison: `2026-10-01_demo_7d` → `2026-11-01_demo`");
    // two renamed copies with nothing beside them: named by their modification date, as demo data
    const bare = join(dir, "bare.csv");
    const bare2 = join(dir, "bare2.csv");
    await writeCsvFile(demoRows(before), bare);
    await writeCsvFile(demoRows(after), bare2);
    const renamed = join(dir, "renamed");
    assertEquals(await compareMain([bare, bare2, "--out-dir", renamed, "--quiet"]), 0);
    const stamp = (path: string) => `${Deno.statSync(path).mtime!.toISOString().slice(0, 10)}_demo`;
    const bareBase = `helicone_pricing_compare_${stamp(bare)}_to_${stamp(bare2)}`;
    assertEquals(written(renamed), [`${bareBase}.csv`, `${bareBase}.md`, `${bareBase}_totals.csv`]);
    ok(
      (await Deno.readTextFile(join(renamed, `${bareBase}.md`))).startsWith(
        `# Export comparison: \`${stamp(bare)}\` → \`${stamp(bare2)}\`\n`,
      ),
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a missing file, a manifest or a file that is no export is said so, not called live data against demo", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const demo = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await writeCsvFile(before, demo);
    const manifest = join(dir, "helicone_pricing_data_2026-11-01_demo.manifest.json");
    await Deno.writeTextFile(manifest, '{"demo": true}');
    // a scenario's per-organization CSV: a CSV, named like no export, not an export
    const scenario = join(dir, "helicone_pricing_scenario_per_request_2026-11-01_demo.csv");
    await Deno.writeTextFile(scenario, "org_id,current_mrr\r\na,50\r\n");
    const refusal = async (newPath: string) => {
      errors.length = 0;
      const filesBefore = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assertEquals(await compareMain([demo, newPath, "--out-dir", dir, "--quiet"]), 1);
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), filesBefore);
      assertEquals(errors.length, 1, errors.join("\n"));
      return errors[0];
    };
    const gone = join(dir, "x", "nonexistent.csv");
    // (said only that it did not exist: no fix)
    assertEquals(
      await refusal(gone),
      `error: ${gone} does not exist; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`,
    );
    assertEquals(
      await refusal(dir),
      `error: ${dir} is not a .csv, .xlsx or .parquet file; pass an export such as outputs/helicone_pricing_data_2026-11-01.csv or a snapshot from outputs/history/`,
    );
    const folder = join(dir, "folder.csv");
    await Deno.mkdir(folder);
    assertEquals(
      await refusal(folder),
      `error: ${folder} is not a file; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`,
    );
    assertEquals(
      await refusal(manifest),
      `error: ${manifest} is not a .csv, .xlsx or .parquet file; pass an export such as outputs/helicone_pricing_data_2026-11-01.csv or a snapshot from outputs/history/`,
    );
    const notExport = await refusal(scenario);
    ok(
      notExport.startsWith(`error: ${scenario} is not a pricing-kit export: its header lacks`),
      notExport,
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: two files of one segment keep it in the output names and say so; a segment against the whole export is refused", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const inSegment = (frame: pl.DataFrame) => frame.filter(pl.col("org_id").isIn(["a", "c"]));
    const wholeOld = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const wholeNew = join(dir, "helicone_pricing_data_2026-11-01.csv");
    const segmentOld = join(dir, "helicone_pricing_data_2026-10-01_underpriced.csv");
    const segmentNew = join(dir, "helicone_pricing_data_2026-11-01_underpriced.csv");
    await writeCsvFile(before, wholeOld);
    await writeCsvFile(after, wholeNew);
    await writeCsvFile(inSegment(before), segmentOld);
    await writeCsvFile(inSegment(after), segmentNew);
    assertEquals(await compareMain([wholeOld, wholeNew, "--out-dir", dir, "--quiet"]), 0);
    const whole = join(dir, "helicone_pricing_compare_2026-10-01_to_2026-11-01");
    const wholeSummary = await Deno.readTextFile(`${whole}.md`);

    assertEquals(await compareMain([segmentOld, segmentNew, "--out-dir", dir]), 0, errors.join());
    const base = join(
      dir,
      "helicone_pricing_compare_2026-10-01_underpriced_to_2026-11-01_underpriced",
    );
    assertEquals(logs.slice(1), [`  ${base}.csv`, `  ${base}_totals.csv`, `  ${base}.md`]);
    assertEquals(await Deno.readTextFile(`${whole}.md`), wholeSummary, "the whole one is kept");
    // a and c in both: nobody appeared; MRR $250 → $200 (c unknown)
    const summary = await Deno.readTextFile(`${base}.md`);
    assertEquals(
      summary.split("\n")[0],
      "# Export comparison: `2026-10-01_underpriced` → `2026-11-01_underpriced`",
    );
    ok(
      summary.includes(
        "Both files are the underpriced segment only (Underpriced: high usage or LLM cost, low MRR): an organization that appeared or disappeared entered or left it (not necessarily joined or left the company), and the totals are its organizations'.",
      ),
      summary,
    );
    ok(summary.includes("| appeared (only in the new export) | 0 |"), summary);
    ok(summary.includes("| `mrr` | $250.00 | $200.00 (1 unknown) | +$150.00 | +300.0 % |"));
    ok(!wholeSummary.includes("Both files are"));

    // a segment against the whole export, or the trimmed CSV against it: refused, nothing written
    const filesBefore = [...Deno.readDirSync(dir)].length;
    errors.length = 0;
    assertEquals(await compareMain([segmentOld, wholeNew, "--out-dir", dir]), 1);
    const trimmed = join(dir, "helicone_pricing_data_2026-11-01_trimmed.csv");
    await writeCsvFile(after, trimmed);
    assertEquals(await compareMain([wholeOld, trimmed, "--out-dir", dir]), 1);
    assertEquals(errors, [
      "error: old helicone_pricing_data_2026-10-01_underpriced.csv is the underpriced segment and new helicone_pricing_data_2026-11-01.csv is the whole export: organizations in one and not the other would read as appeared or disappeared and every total as a change; compare files of one kind (two …_underpriced.csv files, or the two whole exports)",
      "error: old helicone_pricing_data_2026-10-01.csv is the whole export and new helicone_pricing_data_2026-11-01_trimmed.csv is the trimmed CSV: organizations in one and not the other would read as appeared or disappeared and every total as a change; compare files of one kind (two …_trimmed.csv files, or the two whole exports)",
    ]);
    assertEquals([...Deno.readDirSync(dir)].length, filesBefore + 1, "only the trimmed CSV added");

    // a suffix the kit never writes is not judged, but kept in the names
    const copy = join(dir, "helicone_pricing_data_2026-10-01_copy.csv");
    await writeCsvFile(before, copy);
    assertEquals(await compareMain([copy, wholeNew, "--out-dir", dir, "--quiet"]), 0);
    ok(Deno.statSync(join(dir, "helicone_pricing_compare_2026-10-01_copy_to_2026-11-01.md")));
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a renamed file is read by the manifest beside it (date, window, order); without one a warning says what was assumed", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const newPath = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(after, newPath);
    // a 7-day export of 2026-10-01, renamed, its manifest copied beside it
    const october = join(dir, "october.csv");
    await writeCsvFile(before, october);
    const manifest = (asOf: string) =>
      JSON.stringify({ demo: false, as_of: asOf, window: { days: 7 } });
    await Deno.writeTextFile(join(dir, "october.manifest.json"), manifest("2026-10-01T00:00:00Z"));
    assertEquals(await compareMain([october, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(errors.length, 1, errors.join("\n"));
    ok(errors[0].startsWith("warning: old covers 7 days, new 30 days:"), errors[0]);
    ok(Deno.statSync(join(dir, "helicone_pricing_compare_2026-10-01_7d_to_2026-11-01.md")));
    // the manifest's date orders the two: a later old file is refused
    const december = join(dir, "december.csv");
    await writeCsvFile(before, december);
    await Deno.writeTextFile(join(dir, "december.manifest.json"), manifest("2026-12-01T00:00:00Z"));
    errors.length = 0;
    assertEquals(await compareMain([december, newPath, "--out-dir", dir]), 1);
    assertEquals(errors, [
      "error: old december.csv (as of 2026-12-01) is newer than new helicone_pricing_data_2026-11-01.csv (as of 2026-11-01): swap them, the older export first",
    ]);
    // nothing beside it: said, not silent
    const alone = join(dir, "alone.csv");
    await writeCsvFile(before, alone);
    errors.length = 0;
    assertEquals(await compareMain([alone, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    assertEquals(errors, [
      "warning: alone.csv is not named as an export (helicone_pricing_data_<date>[_demo][_<N>d].csv) and has no manifest beside it (alone.manifest.json): assumed live data, an unknown window (not checked against the other file's) and its modification date in the output names (the order of the files not checked); keep the export's name, or copy its manifest beside it as alone.manifest.json",
    ]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: an export of an earlier kit version is refused in one line saying so (its missing plan would read as every organization changing plan)", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const old = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await Deno.copyFile(
      new URL("./fixtures/export_columns_f6d6c0c.csv", import.meta.url).pathname,
      old,
    );
    const newer = join(dir, "helicone_pricing_data_2026-11-01_demo.csv");
    await writeCsvFile(after, newer);
    assertEquals(await compareMain([old, newer, "--out-dir", dir, "--quiet"]), 1);
    assertEquals(errors, [
      `error: ${old} is an export of an earlier kit version: its header lacks plan, list_price_mrr, ptb_revenue_30d, company_cost_30d, gross_margin_company_pct (added since); re-export it with deno task export (history import and scenario --input read it as it is)`,
    ]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a snapshot of an earlier kit version's export (written then, or imported from its export) is refused in one line, as its CSV is", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // this version's: a on team 2025-12-10, c on free (both plans known)
    const newer = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "c"],
        tier: ["team", "free"],
        plan: ["team 2025-12-10", "free"],
        mrr: [200, 0],
        company_cost_30d: [20, 1],
      }),
      newer,
    );
    const lacks = [
      "plan",
      "list_price_mrr",
      "ptb_revenue_30d",
      "company_cost_30d",
      "gross_margin_company_pct",
    ];
    // written by the earlier version: the columns added since are not in the file
    const written = join(dir, "history", "helicone_pricing_data_2026-09-01.parquet");
    await Deno.mkdir(join(dir, "history"));
    before.drop(lacks).writeParquet(written);
    // imported from its export: those columns empty in every row, the sidecar says import
    const imported = await writeSnapshot(before, {
      dir: join(dir, "history"),
      asOf: new Date("2026-10-01T00:00:00Z"),
      demo: false,
      origin: "import",
    });
    for (const old of [written, imported.path]) {
      errors.length = 0;
      // before, 3 organizations "changed plan" ((none) → team 2025-12-10, (none) → free)
      assertEquals(await compareMain([old, newer, "--out-dir", dir, "--quiet"]), 1, old);
      assertEquals(errors, [
        `error: ${old} is a snapshot of an earlier kit version's export: it has no ${
          lacks.join(", ")
        } (added since), so every organization would read as changing plan; compare a snapshot or export of this version (deno task history report and scenario --input read it as it is)`,
      ]);
      // history import and scenario --input still read it
      const read = await readExportFile(old, { earlier: true });
      assertEquals(column(read.frame, "org_id"), ["a", "b", "c"]);
    }
    // the imported one copied elsewhere without its sidecar: nothing says it was imported, but a
    // snapshot of this version's export has company_cost_30d (its PTB LLM cost, 0 without usage)
    const alone = join(dir, "copied", "helicone_pricing_data_2026-10-01.parquet");
    await Deno.mkdir(join(dir, "copied"));
    await Deno.copyFile(imported.path, alone);
    errors.length = 0;
    // before, compared: 3 organizations "changed plan" ((none) → team 2025-12-10, (none) → free)
    assertEquals(await compareMain([alone, newer, "--out-dir", dir, "--quiet"]), 1);
    assertEquals(errors, [
      `error: ${alone} has no sidecar (helicone_pricing_data_2026-10-01.parquet.json) and its ${
        lacks.join(", ")
      } are empty in every row: a snapshot imported from an earlier kit version's export, so every organization would read as changing plan; compare a snapshot or export of this version (deno task history report and scenario --input read it as it is)`,
    ]);
    // a damaged sidecar beside it is read as missing, and the refusal says damaged, not absent
    await Deno.writeTextFile(`${alone}.json`, "{not json");
    errors.length = 0;
    assertEquals(await compareMain([alone, newer, "--out-dir", dir, "--quiet"]), 1);
    assertEquals(errors.length, 1);
    ok(
      errors[0].startsWith(
        `error: ${alone} has no readable sidecar (helicone_pricing_data_2026-10-01.parquet.json is damaged) and its `,
      ),
      errors[0],
    );
    // a snapshot an export wrote whose plan is empty (a fixture's) is this version's: compared
    const exported = await writeSnapshot(before, {
      dir: join(dir, "history"),
      asOf: new Date("2026-10-01T00:00:00Z"),
      demo: false,
      origin: "export",
    });
    errors.length = 0;
    assertEquals(await compareMain([exported.path, newer, "--out-dir", dir, "--quiet"]), 0);
    assertEquals(errors, []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare order: as-ofs with a time are ordered by instant (.250 after .000 of the same second), a date alone by date", () => {
  const side = (asOfDate: string) => ({ label: asOfDate, asOfDate });
  // as text "…00.250Z" sorts before "…00Z": the later instant read as the earlier one
  assertEquals(
    reversedOrderError(side("2026-05-01T12:00:00Z"), side("2026-05-01T12:00:00.250Z")),
    null,
  );
  assertEquals(
    reversedOrderError(side("2026-05-01T12:00:00.250Z"), side("2026-05-01T12:00:00Z")),
    "old 2026-05-01T12:00:00.250Z (as of 2026-05-01T12:00:00.250Z) is newer than new 2026-05-01T12:00:00Z (as of 2026-05-01T12:00:00Z): swap them, the older export first",
  );
  // a date alone (an export file's name) has no time: the same date is no order either way
  assertEquals(reversedOrderError(side("2026-05-01T12:00:00Z"), side("2026-05-01")), null);
  assertEquals(reversedOrderError(side("2026-05-01"), side("2026-05-01T00:00:00.500Z")), null);
  ok(reversedOrderError(side("2026-05-02"), side("2026-05-01T23:59:59.999Z")) !== null);
});

readOnlyFolderTest(
  "a comparison into a read-only folder is one line naming the folder as chosen, with that fix; nothing written",
  async (folder) => {
    const context = {
      oldLabel: "old",
      newLabel: "new",
      oldStamp: "2026-10-01",
      newStamp: "2026-11-01",
    };
    const files = join(folder.dir, "exports");
    await Deno.mkdir(files);
    const oldPath = join(files, "helicone_pricing_data_2026-10-01.csv");
    const newPath = join(files, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(before, oldPath);
    await writeCsvFile(after, newPath);
    await folder.readOnly();
    const unwritable = (named: string) =>
      `${named} is not writable (${folder.reason}); ${folder.fix.replace(/ there$/, "")}`;
    // the library, given how its caller chose the folder (a notebook's argument)
    const outDir = join(folder.dir, "comparisons");
    await rejects(
      writeComparison(before, after, {
        chosenBy: { named: "outDir", otherwise: "set outDir" },
        outDir,
        context,
      }),
      {
        name: "UserError",
        message: `${unwritable(`outDir ${outDir}`)} or set outDir to another folder`,
      },
    );
    // deno task compare: its --out-dir
    const { errors, restore } = captureConsole();
    try {
      assertEquals(await compareMain([oldPath, newPath, "--out-dir", outDir]), 1);
    } finally {
      restore();
    }
    assertEquals(errors, [
      `error: ${unwritable(`--out-dir ${outDir}`)} or pass another folder to --out-dir`,
    ]);
    assertEquals([...Deno.readDirSync(folder.dir)].map((e) => e.name), ["exports"]);
  },
);

Deno.test("renamed organizations: counted in the summary, their old name last in the per-organization rows", async () => {
  // a renamed Acme → Acme AI, b kept its name, c got a name (no rename an empty cell could say),
  // e disappeared and d appeared under e's old name (not the same organization: no rename)
  const old = exportFrameFromColumns({
    org_id: ["a", "b", "c", "e"],
    org_name: ["Acme", "Beta", null, "Delta"],
    tier: ["pro", "pro", "free", "free"],
    mrr: [50, 20, 0, 0],
  });
  const newer = exportFrameFromColumns({
    org_id: ["a", "b", "c", "d"],
    org_name: ["Acme AI", "Beta", "Gamma", "Delta"],
    tier: ["pro", "pro", "free", "free"],
    mrr: [50, 20, 0, 0],
  });
  const result = compareExports(old, newer);
  assertEquals(column(result.perOrg, "org_name"), ["Acme AI", "Beta", "Gamma", "Delta", "Delta"]);
  assertEquals(column(result.perOrg, "org_name_old"), ["Acme", null, null, null, null]);
  assertEquals(result.perOrg.columns.at(-1), "org_name_old");
  assertEquals(result.counts.renamed, 1);
  // the summary MCP's compare_exports makes, its movers too
  const side = (frame: pl.DataFrame) => summarySide(frame);
  const summary = await compareExportsSummary(side(old), side(newer), { top: 5 });
  assertEquals(summary.counts.renamed, 1);
  assertEquals(column(summary.largestMrrChanges, "org_name_old"), ["Acme", null, null, null, null]);
  const dir = await Deno.makeTempDir();
  try {
    const context = {
      oldLabel: "old",
      newLabel: "new",
      oldStamp: "2026-10-01",
      newStamp: "2026-11-01",
    };
    const { files } = await writeComparison(old, newer, {
      outDir: dir,
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      context,
    });
    const text = await Deno.readTextFile(files.perOrgPath);
    // the columns before it keep their places: it is the header's last
    assertEquals(text.split("\r\n")[0].split(",").at(-1), "org_name_old");
    const { records } = parseCsvRecords(text);
    assertEquals(records.map((r) => [r.org_id, r.org_name, r.org_name_old]), [
      ["a", "Acme AI", "Acme"],
      ["b", "Beta", ""],
      ["c", "Gamma", ""],
      ["d", "Delta", ""],
      ["e", "Delta", ""],
    ]);
    const markdown = await Deno.readTextFile(files.summaryPath);
    ok(
      markdown.includes(
        "| renamed (`org_name` changed; the per-organization CSV's `org_name_old`) | 1 |",
      ),
      markdown,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
