/**
 * The box plots (usage_by_tier, margin_by_tier) of an export CSV at several sizes: each chart's
 * drawing in CPU ms (every thread: Polars' pool too), from the chart worker's columns (chartColumns)
 * read back from an Arrow IPC file as the worker reads them, and, with --png-dir, their PNGs to look
 * at. Sizes are the first N organizations of the file (its order is the export's). Figures only.
 *
 *   deno run -A --v8-flags=--expose-gc bench/box_charts.ts --csv FILE [--sizes 10000,100000,0]
 *     [--runs 3] [--png-dir DIR]      (a size of 0: every organization)
 */
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import "../lib/core/polars_sums.ts";
import { exportFrameFromCsvFile } from "../lib/formats/read_export_csv.ts";
import { CHART_COLUMNS, chartColumns, chartFrameColumns } from "../lib/report/chart_columns.ts";
import { CUSTOMER_READ } from "../lib/report/chart_customers.ts";
import { EXPORT_CHARTS } from "../lib/economics/charts.ts";
import { svgToPng } from "../lib/report/chart_files.ts";
import { collectDroppedFrames } from "../lib/core/memory.ts";
import { withCpuMs } from "./cpu_sampler.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    csv: { type: "string" },
    sizes: { type: "string", default: "10000,100000,0" },
    runs: { type: "string", default: "3" },
    "png-dir": { type: "string" },
  },
});
if (!values.csv) throw new Error("--csv FILE: an export CSV to draw");
const whole = await exportFrameFromCsvFile(values.csv, {
  columns: [...CHART_COLUMNS, ...CUSTOMER_READ],
});
const dir = await Deno.makeTempDir({ prefix: "box-charts-" });
for (const size of values.sizes.split(",").map(Number)) {
  const frame = size > 0 ? whole.head(size) : whole;
  const path = `${dir}/cols.ipc`;
  const columns = chartColumns(frame, 30);
  columns.writeIPC(path, { compression: "lz4" });
  for (let run = 0; run < Number(values.runs); run++) {
    const figures = [];
    for (const name of ["usage_by_tier", "margin_by_tier"] as const) {
      const part = pl.readIPC(path, { columns: chartFrameColumns(name, columns.columns) });
      const [chart, ms] = withCpuMs(() => EXPORT_CHARTS[name](part, { windowDays: 30 }));
      figures.push(`${name} ${ms.toFixed(0)}`);
      if (values["png-dir"] && run === 0) {
        await Deno.writeFile(
          `${values["png-dir"]}/${name}_${frame.height}.png`,
          svgToPng(chart.svg),
        );
      }
      await collectDroppedFrames({ rows: frame.height });
    }
    console.log(`${frame.height} organizations, run ${run + 1}: ${figures.join(", ")} ms CPU`);
  }
}
await Deno.remove(dir, { recursive: true });
