/**
 * Before/after comparison of two exports (lib/analysis/compare*.ts): per-organization deltas,
 * summaries, totals, and exports read back from CSV and XLSX. Expected values are worked out by
 * hand from the two three-organization fixtures (tests/compare_fixture.ts).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
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
  repeatedOrganizationError,
  SUMMARY_COLUMNS,
  summarySide,
} from "../lib/analysis/compare.ts";
import { writeComparison, writeComparisonFiles } from "../lib/analysis/compare_files.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { after, before, column } from "./compare_fixture.ts";

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
  // table cells not known read "–", as every table of the kit's text (docs/development.md, "Signs
  // and unknowns"); the sentence above the table says "unknown"
  ok(markdown.includes("| `mrr` | $250.00 | – | – | – |"), markdown);
  ok(markdown.includes("its total reads – (unknown), and so do the change and %"), markdown);
  // seats stay known: a plain sum
  ok(markdown.includes("| `seats` | 14 | 19 | +5 | +35.7 % |"), markdown);
  // the other way round, too
  const back = comparisonMarkdown(compareExports(noStripe, before), context);
  ok(back.includes("| `mrr` | – | $250.00 | – | – |"), back);
  // some unknown (c's new MRR): the sums of the known values, and how many were skipped
  const some = comparisonMarkdown(compareExports(before, after), context);
  ok(some.includes("| `mrr` | $250.00 | $200.00 (1 unknown) | +$150.00 | +300.0 % |"), some);
  // a fall reads with the hyphen-minus, as the per-currency table's "-$25.00" and the CSV beside
  // it (lib/core/signs.ts): after → before, MRR like for like without c (unknown in the old
  // file): 200 + 0 → 50 + 0 = −150, −75.0 %; seats 19 → 14: −5, −5 / 19 = −26.3 %
  const fall = comparisonMarkdown(compareExports(after, before), context);
  ok(fall.includes("| `mrr` | $200.00 (1 unknown) | $250.00 | -$150.00 | -75.0 % |"), fall);
  ok(fall.includes("| `seats` | 19 | 14 | -5 | -26.3 % |"), fall);
  ok(!/\u2212[$\d]/.test(fall), fall); // no number signed with U+2212 (the words say "new − old")
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
    await writeXlsxFile(before, xlsx, { documentDate: new Date("2026-10-01T00:00:00Z") });
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

Deno.test("a file repeating an empty org_id is refused naming it empty, not 'null', and how to fix it", () => {
  // a snapshot edited by another tool: two rows whose org_id is missing (null) or blank (""),
  // beside organization b once
  // beside organization b once. A blank one and a missing one are the same missing id to a
  // reader (each once, they are not told apart): refused too.
  for (const ids of [[null, "b", null], ["", "b", ""], ["", "b", null]]) {
    const frame = pl.DataFrame([pl.Series("org_id", ids, pl.Utf8)]);
    assertEquals(
      repeatedOrganizationError(frame, "old.parquet"),
      "old.parquet holds 2 rows with an empty org_id (data rows 1 and 3), and an export has one row per organization: fill in each row's org_id or delete those rows, or compare the files the kit wrote",
      JSON.stringify(ids),
    );
  }
  // five: the first three named, then how many more
  const five = pl.DataFrame([pl.Series("org_id", ["a", null, "", " b", null, "", ""], pl.Utf8)]);
  ok(
    repeatedOrganizationError(five, "new.csv")!.startsWith(
      "new.csv holds 5 rows with an empty org_id (data rows 2, 3, 5 and 2 more), ",
    ),
  );
  // one empty id alone is no repeat
  const once = pl.DataFrame([pl.Series("org_id", ["a", "", "b"], pl.Utf8)]);
  assertEquals(repeatedOrganizationError(once, "old.parquet"), null);
  const named = pl.DataFrame([pl.Series("org_id", ["a", "b", "a"], pl.Utf8)]);
  assertEquals(
    repeatedOrganizationError(named, "old.parquet"),
    `old.parquet holds organization "a" on 2 rows, and an export has one row per organization: compare the files the kit wrote (one edited or appended to by another tool repeats rows)`,
  );
});
