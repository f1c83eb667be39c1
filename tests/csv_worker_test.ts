/**
 * The CSV rows formatted on a second thread (lib/formats/csv_worker.ts): the CSV and trimmed CSV
 * are the single-threaded writer's bytes, alone and fed by the XLSX writer, with slices small
 * enough that the worker and the main thread each format many of them; a failing worker fails the
 * writer with one line, leaves no file and is terminated.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pl from "nodejs-polars";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { CsvFilesWriter, writeCsvWithSubset } from "../lib/formats/csv_files.ts";
import { formatSlice, startCsvFormatWorker } from "../lib/formats/csv_worker.ts";
import { writeExportFiles } from "../lib/formats/export_files.ts";
import { exportTypedColumns } from "../lib/formats/cells.ts";
import { keepMask } from "../lib/formats/csv.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";
import type { ExportFormat } from "../lib/core/types.ts";
import { trimmedKeep, trimmedKeepMask } from "../lib/report/brief.ts";
import { countingWorkers, type WorkerCounts } from "./counting_workers.ts";

const data = await goldenDemoData();
/** rows per slice: the demo's ~400 rows in dozens of slices */
const SLICE = 7;

/** Workers started and terminated, and slices posted to them, while `run` runs. */
async function countingSlices<T>(run: (counts: WorkerCounts) => Promise<T>) {
  const counted = await countingWorkers(
    run,
    (message) => Boolean((message as { columns?: unknown }).columns),
  );
  return { ...counted, slices: counted.messages };
}

/** The demo frame with a null tier and a free one (the subset's edge rows), as csv_test does. */
function demoFrame(): pl.DataFrame {
  const tiers = data.frame.getColumn("tier").toArray() as (string | null)[];
  tiers[0] = null;
  tiers[1] = "free";
  return data.frame.withColumns(pl.Series("tier", tiers, pl.Utf8));
}

Deno.test("the worker formats a slice into formatSlice's bytes; the slice's buffers move to it", async () => {
  const frame = demoFrame();
  const worker = startCsvFormatWorker();
  try {
    const keep = keepMask(frame, trimmedKeep(frame));
    const here = formatSlice(exportTypedColumns(frame), keep);
    const concat = (chunks: Uint8Array[]) => new Uint8Array(chunks.flatMap((c) => [...c]));
    const moved = exportTypedColumns(frame);
    const movedKeep = keep.slice();
    const there = await worker.format(moved, movedKeep);
    assertEquals(concat(there.all), concat(here.all));
    assertEquals(concat(there.kept), concat(here.kept));
    ok(here.kept.length > 0 && here.all.length > 0);
    // detached here: moved, not copied
    assertEquals(movedKeep.byteLength, 0);
    ok(moved.every((c) => (c.numbers ?? c.text!.start).byteLength === 0));
  } finally {
    worker.close();
  }
});

Deno.test("CSV and trimmed CSV off the main thread: the single-threaded bytes, in many slices", async () => {
  const frame = demoFrame();
  const dir = await Deno.makeTempDir();
  const write = (name: string, offThread: boolean) =>
    writeCsvWithSubset(frame, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      path: `${dir}/${name}.csv`,
      subset: { path: `${dir}/${name}_trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
      sliceRows: SLICE,
      offThread,
    });
  const single = await countingSlices(() => write("single", false));
  assertEquals(single.started, 0);
  const threaded = await countingSlices(() => write("threaded", true));
  assertEquals([threaded.started, threaded.terminated], [1, 1]);
  ok(threaded.slices > 0, "no slice was formatted in the worker");
  for (const name of ["", "_trimmed"]) {
    assertEquals(
      await Deno.readFile(`${dir}/threaded${name}.csv`),
      await Deno.readFile(`${dir}/single${name}.csv`),
    );
  }
  assertEquals(threaded.value!.bytes, single.value!.bytes);
  assertEquals(threaded.value!.subset!.rows, single.value!.subset!.rows);
  assertEquals(threaded.value!.subset!.bytes, single.value!.subset!.bytes);
  ok(single.value!.subset!.rows > 0 && single.value!.subset!.rows < frame.height);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("CSV + XLSX with the CSV off the main thread: the CSV, trimmed CSV and sheet of one thread", async () => {
  const frame = demoFrame();
  const dir = await Deno.makeTempDir();
  const write = (sub: string, formats: ExportFormat[], csvOffThread: boolean) =>
    Deno.mkdir(`${dir}/${sub}`).then(() =>
      writeExportFiles({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        frame,
        formats,
        pathOf: (ext) => `${dir}/${sub}/export.${ext}`,
        xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
        subset: { path: `${dir}/${sub}/trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
        csvOffThread,
        sliceRows: SLICE,
      })
    );
  const threaded = await countingSlices(() => write("threaded", ["csv", "xlsx"], true));
  assertEquals([threaded.started, threaded.terminated], [1, 1]);
  ok(threaded.slices > 0, "no slice was formatted in the worker");
  await write("single", ["csv", "xlsx"], false);
  for (const name of ["export.csv", "trimmed.csv"]) {
    assertEquals(
      await Deno.readFile(`${dir}/threaded/${name}`),
      await Deno.readFile(`${dir}/single/${name}`),
    );
  }
  const sheet = async (sub: string) => {
    const entries = readZipEntries(await Deno.readFile(`${dir}/${sub}/export.xlsx`));
    return entryBytes(entries.find((e) => e.name === "xl/worksheets/sheet1.xml")!);
  };
  assertEquals(await sheet("threaded"), await sheet("single"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a slice that fails in the worker fails the writer with one line; no file is left and the worker ends", async () => {
  const dir = await Deno.makeTempDir();
  const run = await countingSlices(async () => {
    const good = data.frame.head(3);
    const writer = await CsvFilesWriter.open({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      path: `${dir}/export.csv`,
      // (its rows are given twice)
      subset: {
        path: `${dir}/trimmed.csv`,
        keep: trimmedKeepMask(pl.concat([good, good])),
      },
      offThread: true,
    });
    try {
      writer.slice(good, exportTypedColumns(good));
      // a text column with neither strings nor doubles: csvLineBytes throws on it, in the worker
      const columns = exportTypedColumns(good);
      const last = columns.length - 1;
      columns[last] = {
        def: { ...columns[last].def, type: "string" },
        numbers: null,
        strings: null,
      };
      writer.slice(good, columns);
      await writer.close(good);
    } catch (error) {
      await writer.abort();
      throw error;
    }
  });
  await rejects(Promise.reject(run.error), (error: Error) => {
    ok(/^CSV formatting failed: /.test(error.message), error.message);
    ok(!error.message.includes("\n"), error.message);
    return true;
  });
  assertEquals([run.started, run.terminated], [1, 1]);
  assertEquals([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the CSV's worker starts once the second core is free, and not after the writer is done", async () => {
  const frame = demoFrame();
  const dir = await Deno.makeTempDir();
  let free = () => {};
  const secondCoreFree = new Promise<void>((resolve) => free = resolve);
  const run = await countingSlices(async (counts) => {
    const writer = await CsvFilesWriter.open({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      path: `${dir}/export.csv`,
      subset: { path: `${dir}/trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
      offThread: true,
      secondCoreFree,
    });
    const slices = [
      frame.slice(0, SLICE),
      frame.slice(SLICE, SLICE),
      frame.slice(2 * SLICE, frame.height),
    ];
    writer.slice(slices[0], exportTypedColumns(slices[0]));
    const before = { ...counts };
    free();
    await secondCoreFree; // the writer's own callback on it ran first
    for (const slice of slices.slice(1)) writer.slice(slice, exportTypedColumns(slice));
    await writer.close(frame);
    return before;
  });
  assertEquals(run.value, { started: 0, messages: 0, terminated: 0 }); // (messages: slices)
  assertEquals([run.started, run.terminated], [1, 1]);
  ok(run.slices > 0);
  const reference = await writeCsvWithSubset(frame, {
    chosenBy: ANOTHER_OUTPUT_FOLDER,
    path: `${dir}/reference.csv`,
    subset: { path: `${dir}/reference_trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
    offThread: false,
  });
  assertEquals(
    await Deno.readFile(`${dir}/export.csv`),
    await Deno.readFile(`${dir}/reference.csv`),
  );
  assertEquals(
    await Deno.readFile(`${dir}/trimmed.csv`),
    await Deno.readFile(`${dir}/reference_trimmed.csv`),
  );
  ok(reference.subset!.rows > 0);

  // settling after the writer closed starts nothing
  let late = () => {};
  const lateFree = new Promise<void>((resolve) => late = resolve);
  const closed = await countingSlices(async () => {
    const writer = await CsvFilesWriter.open({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      path: `${dir}/late.csv`,
      subset: { path: `${dir}/late_trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
      offThread: true,
      secondCoreFree: lateFree,
    });
    writer.slice(frame, exportTypedColumns(frame));
    await writer.close(frame);
    late();
    await lateFree;
  });
  assertEquals(closed.started, 0);
  assertEquals(await Deno.readFile(`${dir}/late.csv`), await Deno.readFile(`${dir}/reference.csv`));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the writer's slices must be the frame's rows in order: past its end is an error", async () => {
  const dir = await Deno.makeTempDir();
  const frame = data.frame.head(2);
  const writer = await CsvFilesWriter.open({
    chosenBy: ANOTHER_OUTPUT_FOLDER,
    path: `${dir}/export.csv`,
    subset: { path: `${dir}/trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
  });
  const three = data.frame.head(3);
  let message = "";
  try {
    writer.slice(three, exportTypedColumns(three));
  } catch (error) {
    message = (error as Error).message;
  }
  await writer.abort();
  assertEquals(message, "CSV slices past the end of the frame");
  assertEquals([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});
