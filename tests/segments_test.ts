import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import ExcelJS from "exceljs";
import pl from "nodejs-polars";
import { join } from "node:path";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import {
  SEGMENT_NAMES,
  segmentFrame,
  segmentFrames,
  segmentSheets,
  segmentThresholdsFromEnv,
  writeSegmentFiles,
} from "../lib/report/segments.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";

/** Six organizations; each segment's members below are worked out from these rows. */
const frame = pl.DataFrame({
  org_id: ["o1", "o2", "o3", "o4", "o5", "o6"],
  tier: ["pro", "free", "team", "enterprise", "free", "free"],
  seats: [2, 1, 10, 50, 6, 3],
  seat_utilization_pct: [50, 100, 10, 80, 0, 0],
  requests_30d: [200_000, 60_000, 10_000, 1_000_000, 0, 40_000],
  llm_cost_30d: [800, 30, 600, 1000, 0, 600],
  mrr: pl.Series("mrr", [40, 0, 200, 5000, 0, null], pl.Float64),
  // (mrr − llm_cost_30d) / mrr × 100, empty without mrr > 0 (the metrics stage's column)
  gross_margin_pct: pl.Series("gross_margin_pct", [-1900, null, -200, 80, null, null], pl.Float64),
  is_ptb: [true, false, true, false, false, false],
  is_byok: [false, true, true, true, false, true],
  has_gateway_only: [true, false, false, false, false, false],
});

const members = (name: string, thresholds = {}) =>
  segmentFrame(frame, { name, thresholds }).frame.getColumn("org_id").toArray();

Deno.test("every segment rule, by hand", () => {
  assertEquals(members("ptb_customers"), ["o1", "o3"]);
  assertEquals(members("gateway_only"), ["o1"]);
  assertEquals(members("byok_paying"), ["o3", "o4"]); // o2 pays 0, o6 unknown MRR
  assertEquals(members("free_high_usage"), ["o2"]); // ≥ 50k; o6 has 40k
  assertEquals(members("underpriced"), ["o1"]); // o6 would qualify but its MRR is unknown
  assertEquals(members("negative_margin"), ["o1", "o3"]); // 800 > 40, 600 > 200
  assertEquals(members("low_seat_utilization"), ["o3", "o5"]); // ≥ 5 seats, ≤ 25 %
  assertEquals(members("high_inference_few_seats"), ["o1"]); // ≥ 100k requests, ≤ 2 seats
  assertEquals(members("low_inference_many_seats"), ["o3", "o5"]); // ≤ 10k requests, ≥ 5 seats
});

Deno.test("every threshold is inclusive: an organization exactly on it is in, one unit past it is out", () => {
  // production-schema.md's cohorts (≥ 100k requests and ≤ 2 seats; ≤ 10k requests and ≥ 5 seats;
  // free with ≥ 50k requests) and the kit's own (underpriced ≥ 100k requests or ≥ $500 with
  // mrr ≤ $100; ≥ 5 seats at ≤ 25 %): each pair differs in one value, on and past its threshold
  const edges = pl.DataFrame({
    org_id: ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9"],
    tier: ["free", "free", "pro", "pro", "team", "team", "team", "team", "pro"],
    seats: [2, 2, 2, 2, 3, 5, 4, 5, 2],
    seat_utilization_pct: [50, 50, 50, 50, 100, 25, 25, 25.01, 50],
    requests_30d: [50_000, 49_999, 100_000, 99_999, 0, 10_000, 10_000, 10_001, 100_000],
    llm_cost_30d: [0, 0, 0, 500, 500, 0, 0, 0, 0],
    mrr: pl.Series("mrr", [0, 0, 100, 100.01, 100, 200, 200, 200, 100.01], pl.Float64),
    gross_margin_pct: pl.Series(
      "gross_margin_pct",
      [null, null, 100, -399.96, -400, 100, 100, 100, 100],
      pl.Float64,
    ),
    is_ptb: [false, false, false, false, false, false, false, false, false],
    is_byok: [true, true, true, true, true, true, true, true, true],
    has_gateway_only: [false, false, false, false, false, false, false, false, false],
  });
  const on = (name: string) =>
    segmentFrame(edges, { name, thresholds: {} }).frame.getColumn("org_id").toArray();
  assertEquals(on("free_high_usage"), ["b1"]); // 50,000 in; 49,999 out
  assertEquals(on("high_inference_few_seats"), ["b3", "b9"]); // 100,000 in; b4's 99,999 out
  assertEquals(on("underpriced"), ["b3", "b5"]); // 100,000 or $500 at $100 in; b4, b9 at $100.01 out
  assertEquals(on("low_inference_many_seats"), ["b6"]); // 10,000 with 5 seats; b7 4 seats, b8 10,001
  assertEquals(on("low_seat_utilization"), ["b6"]); // 5 seats at 25 %; b7 4 seats, b8 25.01 %
});

Deno.test("BYOK paying: an organization whose shared customer pays on another row is judged by it", () => {
  // cus_two pays $179 on "staging" (gateway only, no BYOK); "two" (5,000 BYOK requests) reads
  // shared_customer, mrr empty: its customer pays, so it is in. cus_x's revenue row is not
  // converted (mrr unknown): its BYOK sibling "x2" is not judged, with "x1" (unknown itself).
  const shared = pl.DataFrame({
    org_id: ["staging", "two", "x1", "x2", "solo"],
    stripe_customer_id: ["cus_two", "cus_two", "cus_x", "cus_x", "cus_solo"],
    mrr: pl.Series("mrr", [179, null, null, null, 0], pl.Float64),
    revenue_source: ["stripe", "shared_customer", "unconverted", "shared_customer", "stripe"],
    is_byok: [false, true, true, true, true],
  });
  const result = segmentFrame(shared, { name: "byok_paying" });
  assertEquals(result.frame.getColumn("org_id").toArray(), ["two"]);
  assertEquals(result.frame.columns, shared.columns);
  assertEquals(result.notJudged, {
    organizations: 2,
    text: "2 organizations with unknown MRR not judged",
  });
});

Deno.test("underpriced and negative margin judge a shared Stripe customer as one: usage summed against its mrr", () => {
  // cus_a pays $50 on "app" (20,000 requests, $100 of LLM cost); "batch" (shared_customer, mrr
  // empty) sends 90,000 requests for $450. The customer: 110,000 requests ≥ 100,000 and $50 ≤
  // $100, underpriced; $550 of cost > $50, negative margin: both its organizations are in. Row by
  // row "app" (20,000, $100) is not underpriced and "batch" has no MRR to judge.
  // cus_b pays $5,000 on "b1" (cost $1,000); "b2" costs $2,000: $3,000 < $5,000, in neither.
  // "solo" ($40, 200,000 requests, $800) is in both, as before. "x2" shares cus_x, whose revenue
  // row is not in the frame: its customer's MRR is unknown, so it is counted as not judged.
  const shared = pl.DataFrame({
    org_id: ["app", "batch", "b1", "b2", "solo", "x2"],
    stripe_customer_id: ["cus_a", "cus_a", "cus_b", "cus_b", "cus_solo", "cus_x"],
    revenue_source: [
      "stripe",
      "shared_customer",
      "stripe",
      "shared_customer",
      "stripe",
      "shared_customer",
    ],
    mrr: pl.Series("mrr", [50, null, 5000, null, 40, null], pl.Float64),
    requests_30d: [20_000, 90_000, 500_000, 200_000, 200_000, 300_000],
    llm_cost_30d: pl.Series("llm_cost_30d", [100, 450, 1000, 2000, 800, 900], pl.Float64),
  });
  for (const name of ["underpriced", "negative_margin"]) {
    const segment = segmentFrame(shared, { name });
    assertEquals(segment.frame.getColumn("org_id").toArray(), ["app", "batch", "solo"], name);
    assertEquals(segment.frame.columns, shared.columns, name);
    assertEquals(segment.notJudged?.organizations, 1, name);
  }
  // a 7-day window: usage × 30 / 7 against the thresholds and the mrr. cus_a's 7-day 25,000
  // requests are 107,143 a month (in); "solo"'s 7-day $10 of cost is $42.86 a month > $40 (in).
  const week = shared.withColumns(
    pl.Series("requests_30d", [5_000, 20_000, 1, 1, 1, 1]),
    pl.Series("llm_cost_30d", [0, 0, 0, 0, 10, 0], pl.Float64),
  );
  assertEquals(
    segmentFrame(week, { name: "underpriced", windowDays: 7 }).frame.getColumn("org_id").toArray(),
    ["app", "batch"],
  );
  assertEquals(
    segmentFrame(week, { name: "negative_margin", windowDays: 7 }).frame.getColumn("org_id")
      .toArray(),
    ["solo"],
  );
  // the rule is the customer's in either window, not "gross_margin_pct negative": "batch"'s
  // gross_margin_pct is empty, and a paying row's own can be positive on a losing customer
  for (const windowDays of [30, 7]) {
    const { rule } = segmentFrame(week, { name: "negative_margin", windowDays });
    ok(!rule.includes("gross_margin_pct"), rule);
    ok(rule.includes("judged as one"), rule);
  }
});

Deno.test("a rule that judges MRR counts the organizations it could not judge, and says so", () => {
  const notJudged = (name: string, rows = frame) => segmentFrame(rows, { name }).notJudged;
  const MRR_RULES = ["byok_paying", "underpriced", "negative_margin"];
  // o6: BYOK, $600 of LLM cost (≥ $500: heavy), MRR unknown; each MRR rule has other members
  for (const name of MRR_RULES) {
    assertEquals(
      notJudged(name),
      { organizations: 1, text: "1 organization with unknown MRR not judged" },
      name,
    );
  }
  // the other rules read no revenue
  for (const name of SEGMENT_NAMES.filter((name) => !MRR_RULES.includes(name))) {
    assertEquals(notJudged(name), null, name);
  }
  // o2 pays $0 (known, not paying), o6 unknown: byok_paying has nobody it could judge in
  assertEquals(notJudged("byok_paying", frame.filter(pl.col("org_id").isIn(["o2", "o6"]))), {
    organizations: 1,
    text: "none with known MRR; 1 organization with unknown MRR not judged",
  });

  // Revenue not fetched: every MRR empty, and gross_margin_pct with it. Each MRR rule is empty.
  const unfetched = frame.withColumns(
    pl.lit(null).cast(pl.Float64).alias("mrr"),
    pl.lit(null).cast(pl.Float64).alias("gross_margin_pct"),
  );
  const cannot = (n: number) => ({
    organizations: n,
    text: `cannot be judged: revenue not fetched (${n} organizations with unknown MRR)`,
  });
  // BYOK: o2, o3, o4, o6
  assertEquals(notJudged("byok_paying", unfetched), cannot(4));
  // ≥ 100,000 requests or ≥ $500: o1 (200,000), o3 ($600), o4 (1,000,000), o6 ($600)
  assertEquals(notJudged("underpriced", unfetched), cannot(4));
  // any LLM cost: o1, o2, o3, o4, o6 (o5 has none, so cannot cost more than an MRR)
  assertEquals(notJudged("negative_margin", unfetched), cannot(5));
  // the export's own marker: revenue_source none on every row
  const none = unfetched.withColumns(pl.lit("none").alias("revenue_source"));
  assertEquals(notJudged("byok_paying", none), cannot(4));

  // o6's revenue is on another organization of its Stripe customer: not unknown, judged (not in)
  const shared = frame.withColumns(
    pl.when(pl.col("org_id").eq(pl.lit("o6"))).then(pl.lit("shared_customer"))
      .otherwise(pl.lit("stripe")).alias("revenue_source"),
  );
  for (const name of MRR_RULES) assertEquals(notJudged(name, shared), null, name);
});

Deno.test("negative_margin's rule says what it filters: the customer's mrr against its LLM cost, another window's × 30 / N", () => {
  assertEquals(
    segmentFrame(frame, { name: "negative_margin" }).rule,
    "mrr > 0 and llm_cost_30d > mrr (a shared Stripe customer's organizations judged as one, usage summed)",
  );
  // A 7-day frame: o3's 7-day cost 60 is below its mrr 200, but × 30 / 7 = 257 is above it, and
  // the export's gross_margin_pct (200 − 257.14) / 200 × 100 = −28.6 says so: o3 is listed, and
  // the rule names the basis instead of "llm_cost_30d > mrr", which o3 breaks.
  const week = frame.withColumns(
    pl.Series("llm_cost_30d", [800, 30, 60, 1000, 0, 600], pl.Float64),
    pl.Series("gross_margin_pct", [
      -(800 * 30 / 7 - 40) / 40 * 100,
      null,
      (200 - 60 * 30 / 7) / 200 * 100,
      80,
      null,
      null,
    ], pl.Float64),
  );
  const segment = segmentFrame(week, { name: "negative_margin", windowDays: 7 });
  assertEquals(segment.frame.getColumn("org_id").toArray(), ["o1", "o3"]);
  assertEquals(
    segment.rule,
    "mrr > 0 and llm_cost_30d × 30 / 7 > mrr (the 7-day LLM cost on a 30-day basis; a shared Stripe customer's organizations judged as one, usage summed)",
  );
  assertEquals(
    segmentFrames(week, { windowDays: 7 }).find((s) => s.name === "negative_margin")!.rule,
    segment.rule,
  );
});

Deno.test("usage thresholds read another window's usage on a 30-day basis, and the rule says so", () => {
  // The same organizations over 7 days: each request and cost figure × 7 / 30. On a 30-day basis
  // (× 30 / 7) they are the 30-day frame's again, so every usage segment has the same members.
  const week = frame.withColumns(
    pl.col("requests_30d").cast(pl.Float64).mul(7 / 30).alias("requests_30d"),
    pl.col("llm_cost_30d").cast(pl.Float64).mul(7 / 30).alias("llm_cost_30d"),
  );
  const weekMembers = (name: string) =>
    segmentFrame(week, { name, windowDays: 7 }).frame.getColumn("org_id").toArray();
  for (
    const name of [
      "free_high_usage",
      "underpriced",
      "high_inference_few_seats",
      "low_inference_many_seats",
    ]
  ) {
    assertEquals(weekMembers(name), members(name), name);
  }
  // read as 30 days, the 7-day values would lose them: o2's 14,000 requests are below 50,000
  assertEquals(segmentFrame(week, { name: "free_high_usage" }).frame.height, 0);
  assertEquals(
    segmentFrame(week, { name: "free_high_usage", windowDays: 7 }).rule,
    "tier = free and requests_30d ≥ 50,000 (the 7-day usage on a 30-day basis: × 30 / 7)",
  );
  assertEquals(
    segmentFrame(frame, { name: "free_high_usage" }).rule,
    "tier = free and requests_30d ≥ 50,000",
  );
});

Deno.test("thresholds are parameters, also from the environment, and fill in the rule", () => {
  assertEquals(members("free_high_usage", { freeHighUsageMinRequests: 30_000 }), ["o2", "o6"]);
  const t = segmentThresholdsFromEnv({ PRICING_SEGMENT_FREE_HIGH_USAGE_MIN_REQUESTS: "30000" });
  assertEquals(t.freeHighUsageMinRequests, 30_000);
  assertEquals(
    segmentFrame(frame, { name: "free_high_usage", thresholds: t }).rule,
    "tier = free and requests_30d ≥ 30,000",
  );
  throws(
    () => segmentThresholdsFromEnv({ PRICING_SEGMENT_LOW_UTILIZATION_MAX_PCT: "lots" }),
    /PRICING_SEGMENT_LOW_UTILIZATION_MAX_PCT must be a number/,
  );
  // a share of seats above 100 % put every organization with enough seats in the segment
  throws(
    () => segmentThresholdsFromEnv({ PRICING_SEGMENT_LOW_UTILIZATION_MAX_PCT: "250" }),
    /^UserError: PRICING_SEGMENT_LOW_UTILIZATION_MAX_PCT must be a percentage from 0 to 100 \(e\.g\. 25\), got "250"$/,
  );
  assertEquals(
    segmentThresholdsFromEnv({ PRICING_SEGMENT_LOW_UTILIZATION_MAX_PCT: "100" })
      .lowUtilizationMaxPct,
    100,
  );
});

Deno.test("all segments at once; an unknown name lists the known ones", () => {
  assertEquals(segmentFrames(frame).map((s) => s.name), SEGMENT_NAMES);
  throws(
    () => segmentFrame(frame, { name: "whales" }),
    /unknown segment "whales"; segments: ptb_customers/,
  );
});

Deno.test("segment files are complete exports; segments become XLSX sheets", async () => {
  // The fixture above as a full export frame (the other columns empty).
  const full = exportFrameFromColumns(
    Object.fromEntries(frame.columns.map((name) => [name, frame.getColumn(name).toArray()])),
  );
  const segments = segmentFrames(full);
  const dir = await Deno.makeTempDir();
  try {
    const paths = await writeSegmentFiles(segments, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir: dir,
      stamp: "2026-11-01_demo",
    });
    assertEquals(paths[0], join(dir, "helicone_pricing_data_2026-11-01_demo_ptb_customers.csv"));
    assertEquals(paths.length, SEGMENT_NAMES.length);
    // Read back through the export reader (same header, so they pass its check).
    const negative = await readExportFile(
      join(dir, "helicone_pricing_data_2026-11-01_demo_negative_margin.csv"),
    );
    assertEquals(negative.frame.getColumn("org_id").toArray(), ["o1", "o3"]);
    const xlsx = join(dir, "with_segments.xlsx");
    await writeXlsxFile(full, xlsx, {
      sheets: segmentSheets(segments),
      documentDate: new Date("2026-11-01T00:00:00Z"),
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    assertEquals(
      workbook.worksheets.map((sheet) => sheet.name),
      ["pricing_data", "dictionary", ...SEGMENT_NAMES],
    );
    // Header + o3, o5 in the low-utilisation sheet.
    assertEquals(workbook.getWorksheet("low_seat_utilization")!.rowCount, 3);
    // each segment's rule and count (and those not judged) on the dictionary sheet, under the
    // columns: the segment sheets' rows stay the export's
    // (negative_margin: o1 $40 < $800, o3 $200 < $600; o6 costs $600 with its MRR unknown)
    const dictionary = workbook.getWorksheet("dictionary")!;
    const listed = new Map<string, string>();
    dictionary.eachRow((row) => {
      const name = row.getCell(1).value as string;
      if (SEGMENT_NAMES.includes(name)) listed.set(name, row.getCell(6).value as string);
    });
    assertEquals([...listed.keys()], [...SEGMENT_NAMES]);
    assertEquals(
      listed.get("negative_margin"),
      "Negative gross margin (churn risk): mrr > 0 and llm_cost_30d > mrr (a shared Stripe customer's organizations judged as one, usage summed); 2 organizations — 1 organization with unknown MRR not judged",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
