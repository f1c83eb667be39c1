/**
 * Float sums the same to the bit from run to run (lib/core/polars_sums.ts): the kit's processes
 * set POLARS_NO_PARTITION, so a group-by of only sums, which Polars' partitioned group-by added
 * in a different order nearly every run at a million rows (bench/sum_bits.ts), gives one answer
 * in every run. The frame is seeded (costs like 0.000123…, MRR like 49.0, nulls) and large enough
 * for Polars to partition its group-by without the variable.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
// the export's module sets the variable on import, as every command's (lib/cli/args.ts) does
import "../lib/export.ts";
import { seededRandom } from "../lib/core/random.ts";
import { sqlProcessEnv } from "../lib/mcp/sql_launch.ts";

/** The variable lib/core/polars_sums.ts sets (spelled out: this file runs on the code before it too). */
const POLARS_NO_PARTITION = "POLARS_NO_PARTITION";
const ROWS = 500_000;
const RUNS = 12;

/** Seven plans' organizations: cents, MRR, requests and LLM costs (every twentieth unknown). */
function seededLong(rows: number): pl.DataFrame {
  const random = seededRandom(13);
  const prices = [0, 49, 99, 199.99, 499, 1499.5, 12.34];
  const plan = new Int32Array(rows);
  const [mrr, requests, cost, ptb] = [0, 1, 2, 3].map(() => new Float64Array(rows));
  for (let i = 0; i < rows; i++) {
    plan[i] = Math.floor(random() * prices.length);
    mrr[i] = prices[plan[i]] * (random() < 0.1 ? 0.8 : 1);
    requests[i] = Math.floor(random() ** 3 * 50_000);
    cost[i] = requests[i] * 0.000123 * (0.5 + random());
    ptb[i] = random() < 0.3 ? cost[i] * 0.7 : 0;
  }
  // every twentieth cost unknown, as a query's NaN becomes
  const unknown = (name: string) =>
    pl.when(pl.intRange(0, rows).modulo(20).eq(0)).then(pl.lit(null)).otherwise(pl.col(name))
      .alias(name);
  return pl.DataFrame([
    pl.Series("idx", new Int32Array(rows)),
    pl.Series("plan", plan).cast(pl.Utf8),
    pl.Series("mrr", mrr),
    pl.Series("requests", requests),
    pl.Series("llm_cost", cost),
    pl.Series("llm_cost_ptb", ptb),
  ]).withColumns(
    pl.col("mrr").mul(100).round(0).cast(pl.Int64).alias("cents"),
    unknown("llm_cost"),
    unknown("llm_cost_ptb"),
  );
}

/** Each Float64 cell's bits as hex, rows in plan order. */
function bitsOf(frame: pl.DataFrame): string {
  const view = new DataView(new ArrayBuffer(8));
  const hex = (v: unknown) => {
    if (typeof v !== "number") return String(v);
    view.setFloat64(0, v);
    return view.getBigUint64(0).toString(16);
  };
  return frame.sort(frame.columns.filter((c) => c === "idx" || c === "plan")).toRecords()
    .map((row) => Object.values(row).map(hex).join(",")).join(";");
}

Deno.test("polars sums: the kit's processes keep group-by float sums in row order", () => {
  ok(Deno.env.get(POLARS_NO_PARTITION) !== undefined, "lib/export.ts sets POLARS_NO_PARTITION");
  // the SQL process gets it from the server's environment (and sets it itself: sql_child.ts)
  ok(POLARS_NO_PARTITION in sqlProcessEnv(), "the SQL process's environment keeps it");
});

/** The answers of `runs` runs of `aggregate`, as bits. */
function answersOf(runs: number, aggregate: () => pl.DataFrame): Set<string> {
  return new Set(Array.from({ length: runs }, () => bitsOf(aggregate())));
}

Deno.test("polars sums: a group-by of sums, or of means, gives the same bits in every run", () => {
  const long = seededLong(ROWS);
  const [cost, mrr] = [pl.col("llm_cost"), pl.col("mrr")];
  // only sums (with a count or not); means and a count (the hexbins' cells)
  const shapes: [string, () => pl.DataFrame][] = [
    ["sums", () => long.groupBy("plan").agg(cost.sum(), mrr.sum())],
    ["count and sums", () => long.groupBy("plan").agg(pl.len().alias("n"), cost.sum(), mrr.sum())],
    ["count and means", () => long.groupBy("plan").agg(pl.len().alias("n"), cost.mean())],
    ["lazy sums", () => long.lazy().groupBy("plan").agg(cost.sum(), mrr.sum()).collectSync()],
  ];
  for (const [name, aggregate] of shapes) {
    const answers = answersOf(RUNS, aggregate);
    assertEquals(answers.size, 1, `${name}: ${answers.size} different answers in ${RUNS} runs`);
  }
});

Deno.test("polars sums: SQLContext's GROUP BY sums give the same bits in every run", () => {
  const long = seededLong(ROWS);
  const context = pl.SQLContext({ t: long } as unknown as Record<string, pl.DataFrame>);
  const sql = "SELECT plan, SUM(llm_cost) AS cost, SUM(mrr) AS mrr FROM t GROUP BY plan";
  const answers = answersOf(RUNS, () => context.execute(sql).collectSync());
  assertEquals(answers.size, 1, `${answers.size} different answers in ${RUNS} runs`);
});
