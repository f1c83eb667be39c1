/**
 * Float sums the same to the bit from run to run (lib/core/polars_sums.ts): the kit's processes
 * set POLARS_NO_PARTITION, so a group-by of only sums, which Polars' partitioned group-by added
 * in a different order nearly every run at a million rows (bench/sum_bits.ts), gives one answer
 * in every run. The frame is seeded (costs like 0.000123…, MRR like 49.0, nulls) and large enough
 * for Polars to partition its group-by without the variable.
 */
import { fileURLToPath } from "node:url";
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

/** The modules `entry` loads (file URLs, `npm:/name@version`), as `deno info --json` lists them. */
async function moduleGraph(entry: string): Promise<string[]> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", entry] })
    .output();
  ok(info.success, `deno info ${entry}: ${new TextDecoder().decode(info.stderr)}`);
  const graph: { modules: { specifier: string }[] } = JSON.parse(
    new TextDecoder().decode(info.stdout),
  );
  return graph.modules.map((module) => module.specifier);
}

const loadsPolars = (graph: string[]) => graph.some((m) => m.startsWith("npm:/nodejs-polars@"));
const setsIt = (graph: string[]) => graph.some((m) => m.endsWith("/lib/core/polars_sums.ts"));

const ROOT = new URL("../", import.meta.url);

Deno.test("polars sums: every bench script with Polars work runs under the kit's setting", async () => {
  const benchDir = new URL("bench/", ROOT);
  const names = [...Deno.readDirSync(benchDir)].map((e) => e.name).filter((n) => n.endsWith(".ts"));
  const graphs = new Map<string, string[]>();
  for (const name of names) {
    graphs.set(name, await moduleGraph(fileURLToPath(new URL(name, benchDir))));
  }
  const sources = names.map((name) => Deno.readTextFileSync(new URL(name, benchDir)));
  // a script another imports, or starts as a worker (one process, one environment), runs in its
  // process: only the scripts run on their own need to set it
  const partOfAnother = (name: string) =>
    names.some((other, i) =>
      other !== name &&
      (graphs.get(other)!.some((m) => m.endsWith(`/bench/${name}`)) ||
        sources[i].includes(`new URL("./${name}"`))
    );
  const run = names.filter((name) => loadsPolars(graphs.get(name)!) && !partOfAnother(name));
  ok(run.includes("after_queries.ts") && run.includes("read_back.ts"), run.join(", "));
  // sum_bits.ts shows what the variable changes, so it must not import the module that sets it
  assertEquals(run.filter((name) => !setsIt(graphs.get(name)!)), ["sum_bits.ts"]);
});

Deno.test("polars sums: each notebook's first imports set it before any Polars work", async () => {
  const notebooks = new URL("notebooks/", ROOT);
  for (const name of ["export.ipynb", "pricing_questions.ipynb"]) {
    const cells: { cell_type: string; source: string[] | string }[] =
      JSON.parse(Deno.readTextFileSync(new URL(name, notebooks))).cells;
    const code = cells.filter((c) => c.cell_type === "code")
      .map((c) => Array.isArray(c.source) ? c.source.join("") : c.source);
    const first = code.findIndex((source) => /^import /m.test(source));
    ok(first >= 0, `${name}: no cell imports anything`);
    // the cells before it (the parameters) load no module and so run no Polars
    ok(code.slice(0, first).every((source) => !source.includes("import")), name);
    const imported = [...code[first].matchAll(/from "(\.\.\/lib\/[^"]+)"/g)].map((m) => m[1]);
    const graphs = await Promise.all(
      imported.map((path) => moduleGraph(fileURLToPath(new URL(path, notebooks)))),
    );
    ok(graphs.some(setsIt), `${name}: ${imported.join(", ")} set no POLARS_NO_PARTITION`);
  }
  // and on import in a fresh kernel-like process, with the variable not in its environment
  const script = `Deno.env.delete("${POLARS_NO_PARTITION}");
    await import("${new URL("lib/notebooks/mod.ts", ROOT).href}");
    console.log(Deno.env.get("${POLARS_NO_PARTITION}"));`;
  const run = await new Deno.Command(Deno.execPath(), { args: ["eval", script] }).output();
  ok(run.success, new TextDecoder().decode(run.stderr));
  assertEquals(new TextDecoder().decode(run.stdout).trim(), "1");
});
