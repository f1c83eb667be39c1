/**
 * The per-plan table's CPU at `--rows` rows on the stacked demo frame (bench/chart_pieces.ts's
 * frame: organization and customer ids unique), on one thread: the whole table (perPlanTable with
 * its customer flags and group-by, worked out afresh each run on a new frame object) and, with
 * `--pieces`, the customer-loss flags alone. CPU milliseconds of the process (every thread:
 * Polars' pool too) and the table's peak RSS above the RSS before it (Linux). Figures only.
 *
 *   deno run -A --v8-flags=--expose-gc bench/per_plan_pieces.ts [--rows 1000000] [--runs 5]
 *     [--pieces]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { marginCountsOf, perPlanTable } from "../lib/economics/per_plan.ts";
import { withCustomerLosses } from "../lib/economics/customer_margins.ts";
import { stackedFrame, withUniqueIds } from "./write_stage_frame.ts";
import { withCpuMs } from "./cpu_sampler.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1000000" },
    runs: { type: "string", default: "5" },
    pieces: { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
// organization and customer ids made unique after the metrics stage (as the figures were taken)
const frame = withUniqueIds(await stackedFrame(rows)).select(...COLUMN_NAMES).rechunk();

const gc = (globalThis as { gc?: () => void }).gc;
// the process's peak RSS from here on: Linux resets VmHWM to the current RSS on a "5" written to
// clear_refs (null where it cannot)
const peakFromHere = (): () => number | null => {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch {
    return () => null;
  }
  return () => {
    const kb = /VmHWM:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  };
};
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
for (let run = 0; run < Number(values.runs); run++) {
  gc?.();
  // a new frame object each run: the table's sums and flags are kept per frame object
  const fresh = frame.select(...frame.columns);
  const figures: string[] = [];
  if (values.pieces) {
    const [, lossMs] = withCpuMs(() => withCustomerLosses(fresh, 30));
    figures.push(`losses ${lossMs.toFixed(0)}`);
  }
  const before = rssMb();
  const peak = peakFromHere();
  const [, tableMs] = withCpuMs(() => perPlanTable(fresh, { windowDays: 30 }));
  const peakMb = peak();
  const [, countsMs] = withCpuMs(() => marginCountsOf(fresh, { windowDays: 30 }));
  figures.push(`table ${tableMs.toFixed(0)}`, `counts ${countsMs.toFixed(0)}`);
  const above = peakMb === null
    ? ""
    : `; peak ${(peakMb - before).toFixed(0)} MB above the RSS before`;
  console.log(`run ${run + 1}: ${figures.join(", ")} ms CPU${above}`);
}
