/**
 * The chart stage's pieces at `--rows` rows on the stacked demo frame (bench/write_stage_frame.ts),
 * on one thread: the per-plan table, the chart columns' IPC file, each chart's read and drawing,
 * the collections between them and the PNGs (each column read once a run: chart_reads.ts), in CPU seconds (every thread: Polars' pool too).
 * Figures only.
 *
 *   deno run -A --v8-flags=--expose-gc bench/chart_pieces.ts [--rows 1000000] [--runs 3]
 *     [--names-later]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import pl from "nodejs-polars";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { chartColumns, chartFrameColumns, chartPlanTable } from "../lib/report/chart_columns.ts";
import { EXPORT_CHARTS, reportChartNames } from "../lib/economics/charts.ts";
import { svgToPng } from "../lib/report/chart_files.ts";
import { collectDroppedFrames } from "../lib/core/memory.ts";
import { chartFrameReader } from "../lib/report/chart_reads.ts";
import { stackedFrame, withUniqueIds } from "./write_stage_frame.ts";
import { withCpuMs } from "./cpu_sampler.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1000000" },
    runs: { type: "string", default: "3" },
    /** read org_name only for a scatter that draws dots, as the chart worker does (else: always) */
    "names-later": { type: "boolean", default: false },
  },
});
const rows = Number(values.rows);
// organization and customer ids made unique after the metrics stage (as the figures were taken)
const frame = withUniqueIds(await stackedFrame(rows)).select(...COLUMN_NAMES).rechunk();

const dir = await Deno.makeTempDir({ prefix: "chart-pieces-" });
for (let run = 0; run < Number(values.runs); run++) {
  const figures: string[] = [];
  const [table, tableMs] = withCpuMs(() => chartPlanTable(frame, 30));
  figures.push(`table ${tableMs.toFixed(0)}`);
  const path = `${dir}/cols.ipc`;
  const [columns, ipcMs] = withCpuMs(() => {
    const written = chartColumns(frame, 30);
    written.writeIPC(path, { compression: "lz4" });
    return written.columns;
  });
  figures.push(`ipc ${ipcMs.toFixed(0)}`);
  let readMs = 0, drawMs = 0, gcMs = 0, pngMs = 0;
  const charts = [];
  const namesLater = values["names-later"];
  const orgNames = () => pl.readIPC(path, { columns: ["org_name"] }).getColumn("org_name");
  const names = reportChartNames(columns);
  const reads = names.map((name) =>
    chartFrameColumns(name, columns).filter((c) => !(namesLater && c === "org_name"))
  );
  const frameOf = chartFrameReader(path, reads);
  for (const [i, name] of names.entries()) {
    const [part, r] = withCpuMs(() => frameOf(i));
    readMs += r;
    const [chart, d] = withCpuMs(() =>
      EXPORT_CHARTS[name](part, {
        ...table,
        windowDays: 30,
        demo: true,
        ...(namesLater ? { orgNames } : {}),
      })
    );
    drawMs += d;
    figures.push(`${name} ${r.toFixed(0)}+${d.toFixed(0)}`);
    charts.push(chart);
    const s = process.cpuUsage();
    await collectDroppedFrames({ rows });
    const u = process.cpuUsage(s);
    gcMs += (u.user + u.system) / 1000;
  }
  for (const chart of charts) pngMs += withCpuMs(() => svgToPng(chart.svg))[1];
  console.log(
    `run ${run + 1}: read ${readMs.toFixed(0)}, draw ${drawMs.toFixed(0)}, collect ${
      gcMs.toFixed(0)
    }, png ${pngMs.toFixed(0)} ms CPU; ${figures.join(", ")}`,
  );
}
await Deno.remove(dir, { recursive: true });
