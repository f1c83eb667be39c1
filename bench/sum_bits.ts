/**
 * Whether Polars' float aggregations give the same bits run to run, for each aggregation shape the
 * kit uses (group-bys of sums only, with a count beside them, with a `when` over an aggregate,
 * means, quantiles, whole-frame sums and means, lazy group-bys, SQLContext SUM, many small groups).
 * Seeded random frames: costs like 0.000123…, MRR like 49.0, ~5% nulls, ~7 plans, ~4 tiers, 200k
 * customers. Each shape runs `--runs` times in one process and once in each of `--runs` fresh
 * processes; a shape whose bits differ between any two runs is printed as VARIES. Figures only.
 * It imports nothing that sets POLARS_NO_PARTITION (lib/core/polars_sums.ts), so it shows
 * Polars' own behaviour; set the variable in its environment to see the kit's.
 *
 *   [POLARS_NO_PARTITION=1] deno run -A bench/sum_bits.ts [--rows 1000000,3000000] [--runs 20]
 *     [--chunks 1] [--shapes gb_sum,select_sum]
 */
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import { seededRandom } from "../lib/core/random.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1000000,3000000" },
    runs: { type: "string", default: "20" },
    chunks: { type: "string", default: "1" },
    shapes: { type: "string" },
    child: { type: "boolean", default: false },
    seed: { type: "string", default: "7" },
  },
});

/** A frame of `rows` seeded rows, in `chunks` stacked chunks (the kit's CSV reads give several). */
export function seededFrame(rows: number, seed: number, chunks = 1): pl.DataFrame {
  const random = seededRandom(seed);
  const plans = ["free", "starter", "team", "business", "enterprise", "legacy", "trial"];
  const tiers = ["low", "mid", "high", "top"];
  const prices = [0, 49, 99, 199.99, 499, 1499.5, 12.34];
  const cost: (number | null)[] = [], mrr: (number | null)[] = [], requests: (number | null)[] = [];
  const plan: string[] = [], tier: string[] = [], customer: string[] = [];
  for (let i = 0; i < rows; i++) {
    const p = Math.floor(random() * plans.length);
    plan.push(plans[p]);
    tier.push(tiers[Math.floor(random() * tiers.length)]);
    customer.push(`cus_${Math.floor(random() * 200_000)}`);
    const r = Math.floor(random() ** 3 * 50_000);
    requests.push(random() < 0.05 ? null : r);
    cost.push(random() < 0.05 ? null : r * 0.000123 * (0.5 + random()));
    mrr.push(random() < 0.05 ? null : prices[p] * (random() < 0.1 ? 0.8 : 1));
  }
  const frame = pl.DataFrame([
    pl.Series("plan", plan, pl.Utf8),
    pl.Series("tier", tier, pl.Utf8),
    pl.Series("customer", customer, pl.Utf8),
    pl.Series("requests", requests, pl.Float64),
    pl.Series("cost", cost, pl.Float64),
    pl.Series("mrr", mrr, pl.Float64),
  ]);
  if (chunks <= 1) return frame;
  const size = Math.ceil(rows / chunks);
  const pieces = Array.from({ length: chunks }, (_, i) => frame.slice(i * size, size));
  return pl.concat(pieces, { rechunk: false, how: "vertical" });
}

const cost = pl.col("cost"), mrr = pl.col("mrr");
const paying = mrr.gt(0).fillNull(false);
/** Each shape: the frame in, a frame (or number) out whose float bits are compared. */
export const SHAPES: Record<string, (f: pl.DataFrame) => pl.DataFrame | number> = {
  // group-bys by plan (7 groups)
  gb_sum: (f) => f.groupBy("plan").agg(cost.sum(), mrr.sum()),
  gb_sum_len: (f) => f.groupBy("plan").agg(pl.len().alias("n"), cost.sum(), mrr.sum()),
  gb_when_sum: (f) =>
    f.groupBy("plan").agg(pl.when(paying).then(cost).otherwise(pl.lit(0)).sum().alias("c")),
  gb_when_over_agg: (f) =>
    f.groupBy("plan").agg(
      pl.when(mrr.isNotNull().cast(pl.Int32).sum().gt(0)).then(mrr.sum()).otherwise(pl.lit(null))
        .alias("m"),
      cost.sum(),
    ),
  gb_cast_int_sum: (f) => f.groupBy("plan").agg(paying.cast(pl.Int64).sum().alias("n"), cost.sum()),
  gb_mean: (f) => f.groupBy("plan").agg(cost.mean(), mrr.mean()),
  gb_quantile: (f) => f.groupBy("tier").agg(cost.quantile(0.25, "linear"), mrr.median()),
  // the lazy API's groupBy keeps the groups' order unless told not to (the eager one does not)
  lazy_gb_sum: (f) => f.lazy().groupBy("plan").agg(cost.sum(), mrr.sum()).collectSync(),
  lazy_gb_sum_unordered: (f) =>
    f.lazy().groupBy("plan", false).agg(cost.sum(), mrr.sum()).collectSync(),
  lazy_gb_sum_len: (f) =>
    f.lazy().groupBy("plan").agg(pl.len().alias("n"), cost.sum(), mrr.sum()).collectSync(),
  sql_sum: (f) => {
    const ctx = pl.SQLContext({ t: f } as unknown as Record<string, pl.DataFrame>);
    return ctx.execute("SELECT plan, SUM(cost) AS c, SUM(mrr) AS m FROM t GROUP BY plan")
      .collectSync();
  },
  // many small groups (200k customers) and grid cells (~2,500)
  gb_customer_sum: (f) => f.groupBy("customer").agg(cost.sum(), mrr.sum()),
  gb_cells_mean_len: (f) =>
    f.withColumns(pl.col("requests").div(20).floor().clip(0, 2499).alias("cell"))
      .groupBy("cell").agg(pl.len().alias("n"), cost.mean(), mrr.mean()),
  // fewer than ~1,000 cells, as a hexbin chart of a sparse scatter has
  gb_300_cells_mean_len: (f) =>
    f.withColumns(pl.col("requests").div(200).floor().clip(0, 299).alias("cell"))
      .groupBy("cell").agg(pl.len().alias("n"), cost.mean(), mrr.mean()),
  // whole frame
  select_sum: (f) => f.select(cost.sum(), mrr.sum()),
  select_mean: (f) => f.select(cost.mean(), mrr.mean()),
  select_quantile: (f) => f.select(cost.quantile(0.5, "linear"), mrr.quantile(0.9, "linear")),
  select_filter_sum: (f) => f.select(mrr.filter(paying).sum().fillNull(0)),
  // the brief's free organizations' own MRR, as it was and as it is
  select_when_null_sum: (f) =>
    f.select(pl.when(paying).then(mrr).otherwise(pl.lit(null)).sum().fillNull(0)),
  select_when_sum: (f) => f.select(pl.when(paying).then(cost).otherwise(pl.lit(0)).sum()),
  series_sum: (f) => Number(f.getColumn("cost").sum()),
  series_mean: (f) => Number(f.getColumn("cost").mean()),
  cumsum_tail: (f) => f.select(cost.fillNull(0).cumSum().tail(1).sum()),
};

/** The float bits of a result: every Float64 cell's hex, sorted by its row's text for group-bys. */
function bitsOf(result: pl.DataFrame | number): string {
  const hex = (v: unknown) => {
    if (typeof v !== "number") return String(v);
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v);
    return view.getBigUint64(0).toString(16);
  };
  if (typeof result === "number") return hex(result);
  const rows = result.toRecords().map((r) => Object.values(r).map(hex).join(","));
  return rows.sort().join(";");
}

function runShapes(frame: pl.DataFrame, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, bitsOf(SHAPES[name](frame))]));
}

const names = values.shapes?.split(",") ?? Object.keys(SHAPES);
if (values.child) {
  const frame = seededFrame(Number(values.rows), Number(values.seed), Number(values.chunks));
  console.log(JSON.stringify(runShapes(frame, names)));
} else if (import.meta.main) {
  for (const rows of values.rows.split(",").map(Number)) {
    const runs = Number(values.runs);
    const frame = seededFrame(rows, Number(values.seed), Number(values.chunks));
    const inProcess: Record<string, Set<string>> = {};
    for (let i = 0; i < runs; i++) {
      for (const [name, bits] of Object.entries(runShapes(frame, names))) {
        (inProcess[name] ??= new Set()).add(bits);
      }
    }
    const processes: Record<string, Set<string>> = {};
    for (let i = 0; i < runs; i++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          import.meta.filename!,
          "--child",
          `--rows=${rows}`,
          `--chunks=${values.chunks}`,
          `--seed=${values.seed}`,
          `--shapes=${names.join(",")}`,
        ],
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`child run ${i} failed`);
      const digests = JSON.parse(new TextDecoder().decode(out.stdout));
      for (const [name, bits] of Object.entries(digests)) {
        (processes[name] ??= new Set()).add(bits as string);
      }
    }
    const order = Deno.env.get("POLARS_NO_PARTITION") === undefined ? "" : ", POLARS_NO_PARTITION";
    console.log(`${rows} rows, ${values.chunks} chunk(s), ${runs} runs${order}:`);
    for (const name of names) {
      const a = inProcess[name].size, b = processes[name].size;
      const same = [...inProcess[name]].every((bits) => processes[name].has(bits))
        ? ""
        : " (differ)";
      const verdict = a > 1 || b > 1 ? "VARIES" : "same";
      console.log(
        `  ${name.padEnd(22)} ${verdict.padEnd(6)} in one process ${a} result(s), ` +
          `in ${runs} processes ${b}${a === 1 && b === 1 ? same : ""}`,
      );
    }
  }
}
