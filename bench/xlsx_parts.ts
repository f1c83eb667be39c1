/**
 * The XLSX writer's parts on the stacked demo frame (bench/write_stage_frame.ts), alternated in
 * one process, CPU-seconds (process.cpuUsage, every thread) per part: the whole workbook (no lead
 * sheets) into a discarding stream, at `--rows` and at a tenth of it (fixed vs per-row cost); the
 * data sheet's columns out of Polars, its row XML, the XML's CRC and its deflate. Figures only.
 *
 *   deno run -A --v8-flags=--expose-gc bench/xlsx_parts.ts [--rows 100000] [--repeat 5]
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { Writable } from "node:stream";
import { crc32, createDeflateRaw } from "node:zlib";
import { exportTypedColumns, neutraliseText } from "../lib/formats/cells.ts";
import { sheetRowsXml } from "../lib/formats/xlsx_stream.ts";
import { loadExcelJs, writeXlsxTo } from "../lib/formats/xlsx.ts";
import { COLUMNS } from "../lib/frame/columns.ts";
import { stackedFrame } from "./write_stage_frame.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    repeat: { type: "string", default: "5" },
    rows: { type: "string", default: "100000" },
  },
});
const rows = Number(values.rows);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const frame = await stackedFrame(rows);
const small = frame.head(Math.round(rows / 10));
const tiny = frame.head(1);
const styles = COLUMNS.map((_, i) => String(i % 3));
const xmlChunks: Uint8Array[] = [];

/** The workbooks' document date: any fixed one (the bench measures CPU, not bytes). */
const documentDate = new Date("2026-11-01T00:00:00Z");

/** A stream that takes every chunk and keeps nothing. */
const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

const pieces: Record<string, () => Promise<unknown> | unknown> = {
  "workbook, 1 row": () => writeXlsxTo(tiny, { stream: discard(), documentDate }),
  [`workbook, ${small.height} rows`]: () => writeXlsxTo(small, { stream: discard(), documentDate }),
  [`workbook, ${rows} rows`]: () => writeXlsxTo(frame, { stream: discard(), documentDate }),
  "columns out of Polars": () => {
    for (let o = 0; o < rows; o += 16_000) exportTypedColumns(frame.slice(o, 16_000));
  },
  "row XML (columns included)": () => {
    xmlChunks.length = 0;
    for (
      const chunk of sheetRowsXml({
        frame,
        columnsOf: exportTypedColumns,
        styles,
        text: neutraliseText,
      })
    ) xmlChunks.push(chunk);
  },
  "CRC of the XML": () => xmlChunks.reduce((crc, c) => crc32(c, crc), 0),
  "deflate of the XML (level 1)": async () => {
    const deflater = createDeflateRaw({ level: 1 });
    const done = (async () => {
      for await (const _ of deflater) { /* dropped */ }
    })();
    for (const chunk of xmlChunks) {
      if (!deflater.write(chunk)) await new Promise((r) => deflater.once("drain", r));
    }
    deflater.end();
    await done;
  },
};

await loadExcelJs();
await pieces["row XML (columns included)"]();
const cpu: Record<string, number[]> = {};
for (let run = 0; run < Number(values.repeat); run++) {
  for (const [name, piece] of Object.entries(pieces)) {
    gc();
    const before = process.cpuUsage();
    await piece();
    const used = process.cpuUsage(before);
    (cpu[name] ??= []).push((used.user + used.system) / 1000);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const xmlBytes = xmlChunks.reduce((n, c) => n + c.byteLength, 0);
console.log(`frame ${rows} rows; sheet XML ${(xmlBytes / 1e6).toFixed(0)} MB`);
for (const [name, times] of Object.entries(cpu)) {
  console.log(
    `${name.padEnd(32)} median ${median(times).toFixed(0).padStart(5)} ms CPU ` +
      `(${times.map((t) => t.toFixed(0)).join(", ")})`,
  );
}
