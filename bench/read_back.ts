/**
 * Reading an export back (`readExportFile`: compare, scenario --input, the MCP server): wall time
 * and peak RSS of one read, in this process (sampled every 10 ms).
 *
 *   deno run -A bench/read_back.ts outputs/bench/exports-large/helicone_pricing_data_2026-11-01.csv
 */
// the kit's readers run under its Polars setting (lib/cli/args.ts imports it): like with like
import "../lib/core/polars_sums.ts";
import { readExportFile } from "../lib/formats/read_export.ts";

const path = Deno.args[0];
if (!path) {
  console.error("usage: deno run -A bench/read_back.ts EXPORT_FILE (.csv, .xlsx or .parquet)");
  Deno.exit(1);
}
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const before = Deno.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 10);
const started = performance.now();
const file = await readExportFile(path);
const seconds = (performance.now() - started) / 1000;
peak = Math.max(peak, Deno.memoryUsage().rss);
clearInterval(sampler);
console.log(
  `${file.frame.height} rows × ${file.frame.width} columns: ${seconds.toFixed(2)} s, RSS ${
    mb(before)
  } before, ${mb(peak)} peak`,
);
