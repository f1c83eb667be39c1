/**
 * The write stage alone, on the demo frame stacked to `--rows` rows (numbers jittered so floats
 * are not repeated) or a saved export frame: times the whole CSV and CSV + XLSX writes. Figures only; no pass/fail.
 *
 *   deno run -A --v8-flags=--expose-gc bench/write_stage.ts [--rows 1000000] [--only csv|both]
 *     [--runs 1] [--frame export.arrow] [--out DIR]
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { parseArgs } from "node:util";
import process from "node:process";
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { stackedFrame } from "./write_stage_frame.ts";
import { writeExportFiles } from "../lib/formats/export_files.ts";
import { keepMask } from "../lib/formats/csv.ts";
import { trimmedKeep } from "../lib/report/brief.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1000000" },
    only: { type: "string", default: "all" },
    runs: { type: "string", default: "1" },
    /** an export frame saved as Arrow IPC (frame.writeIPC) instead of the stacked demo */
    frame: { type: "string" },
    /** keep the files written in this folder (to compare bytes across versions) */
    out: { type: "string" },
  },
});
const rows = Number(values.rows);
const only = values.only;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const ms = (t: number) => `${(performance.now() - t).toFixed(0)} ms`;

const frame = values.frame
  ? pl.readIPC(Buffer.from(await Deno.readFile(values.frame)))
  : await stackedFrame(rows);
console.log(`frame: ${frame.height} rows × ${frame.width} columns`);
gc();

const dir = values.out ?? await Deno.makeTempDir();
for (let run = 0; run < Number(values.runs); run++) {
  for (const formats of [["csv"], ["csv", "xlsx"]] as const) {
    const name = formats.join("+");
    if (
      !(only === "all" || (only === "csv" && name === "csv") || (only === "both" && name !== "csv"))
    ) continue;
    gc();
    const t = performance.now();
    const cpu = process.cpuUsage();
    await writeExportFiles({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame,
      formats: [...formats],
      pathOf: (f) => `${dir}/out.${f}`,
      xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
      subset: { path: `${dir}/trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
    });
    const used = process.cpuUsage(cpu);
    console.log(
      `write ${name}: ${ms(t)} wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU; ` +
        `rss ${(Deno.memoryUsage().rss / 1e6).toFixed(0)} MB`,
    );
  }
}
if (!values.out) await Deno.remove(dir, { recursive: true });
