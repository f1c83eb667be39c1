/**
 * The CSV and XLSX writers' pieces on slices of the stacked demo frame (bench/write_stage.ts),
 * each repeated and alternated in one process, best of `--repeat` per 100k rows: columns out of
 * Polars, CSV rows to bytes, XLSX row XML. Figures only; no pass/fail.
 *
 *   deno run -A --v8-flags=--expose-gc bench/write_pieces.ts [--repeat 5]
 */
import { parseArgs } from "node:util";
import type pl from "nodejs-polars";
import { exportTypedColumns, neutraliseText } from "../lib/formats/cells.ts";
import { csvLineBytes, keepMask } from "../lib/formats/csv.ts";
import { sheetRowsXml } from "../lib/formats/xlsx_stream.ts";
import { trimmedKeep } from "../lib/report/brief.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { stackedFrame } from "./write_stage_frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { repeat: { type: "string", default: "5" }, rows: { type: "string", default: "48000" } },
});
const rows = Number(values.rows);
const frame = await stackedFrame(rows);
const slices: pl.DataFrame[] = [];
for (let offset = 0; offset < rows; offset += 16_000) slices.push(frame.slice(offset, 16_000));
const typed = slices.map(exportTypedColumns);
const keep = trimmedKeep(frame);
const keeps = slices.map((s) => keepMask(s, keep));
const styles = COLUMNS.map((_, i) => String(i % 3));

const pieces: Record<string, () => number> = {
  "columns out of Polars": () => slices.reduce((n, s) => n + exportTypedColumns(s).length, 0),
  "CSV rows (and trimmed rows) to bytes": () => {
    let bytes = 0;
    typed.forEach((t, i) => {
      for (const [all, kept] of csvLineBytes(t, { keep: keeps[i] })) {
        bytes += all.length + kept.length;
      }
    });
    return bytes;
  },
  "XLSX row XML bytes": () => {
    let bytes = 0;
    let i = 0;
    for (
      const chunk of sheetRowsXml({
        frame,
        columnsOf: () => typed[i++],
        styles,
        text: neutraliseText,
        sliceRows: 16_000,
      })
    ) bytes += chunk.length;
    return bytes;
  },
};
const best: Record<string, number> = {};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
for (let r = 0; r < Number(values.repeat); r++) {
  for (const [name, piece] of Object.entries(pieces)) {
    gc();
    const t = performance.now();
    piece();
    const per100k = (performance.now() - t) * 100_000 / rows;
    best[name] = Math.min(best[name] ?? Infinity, per100k);
  }
}
for (const [name, ms] of Object.entries(best)) {
  console.log(`${name}: ${ms.toFixed(0)} ms per 100k rows`);
}
