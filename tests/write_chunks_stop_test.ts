/**
 * writeChunksFile's and writeExportFiles' signal (a command's Ctrl-C or SIGTERM): checked between
 * chunks or slices, so a long file made as it is written (compare's per-organization rows, the
 * export's CSV and XLSX) stops at the next one, with the signal's reason as its error, nothing at
 * the path and no temporary file left.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { join } from "node:path";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { writeChunksFile } from "../lib/formats/csv.ts";
import { writeExportFiles } from "../lib/formats/export_files.ts";
import { tinyExportFrame } from "./tiny_frame.ts";
import { abortingAtCheck } from "./aborting_signal.ts";

Deno.test("writeChunksFile stops at the chunk after its signal aborts: no file, no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const controller = new AbortController();
    const reason = new Error("interrupted (SIGINT)");
    const made: number[] = [];
    // the stop comes while the second chunk is made (as a signal during a slice's join)
    const chunks = function* (): Generator<string> {
      for (let i = 0; i < 5; i++) {
        made.push(i);
        if (i === 1) controller.abort(reason);
        yield `row ${i}\n`;
      }
    };
    const path = join(dir, "per_org.csv");
    await rejects(writeChunksFile(chunks(), path, { signal: controller.signal }), (error) => {
      assertEquals(error, reason);
      return true;
    });
    // the chunk made as the stop came is the last one asked for
    assertEquals(made, [0, 1]);
    assertEquals([...Deno.readDirSync(dir)], [], "no file and no temporary file");
    // without a stop, every chunk is written
    assertEquals(
      await writeChunksFile(["a\n", "b\n"], path, { signal: new AbortController().signal }),
      4,
    );
    assertEquals(await Deno.readTextFile(path), "a\nb\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeExportFiles stops at the slice after its signal aborts (CSV, XLSX, both): no file, no temporary file", async () => {
  const frame = tinyExportFrame(["a", "b", "c", "d"]);
  for (const formats of [["csv"], ["xlsx"], ["csv", "xlsx"]] as const) {
    const dir = await Deno.makeTempDir();
    try {
      const reason = new Error("interrupted (SIGINT)");
      // one row a slice: the stop comes at the second slice's check, of four
      const stop = abortingAtCheck(2, reason);
      await rejects(
        writeExportFiles({
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          frame,
          formats: [...formats],
          pathOf: (ext) => join(dir, `export.${ext}`),
          xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
          subset: { path: join(dir, "trimmed.csv"), keep: Uint8Array.from([1, 0, 1, 0]) },
          sliceRows: 1,
          signal: stop.signal,
        }),
        (error) => {
          assertEquals(error, reason, formats.join("+"));
          return true;
        },
      );
      assertEquals(stop.checks(), 2, `${formats.join("+")}: no slice after the stop`);
      assertEquals([...Deno.readDirSync(dir)], [], `${formats.join("+")}: nothing written`);
      // without a stop, every slice is written
      const written = await writeExportFiles({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        frame,
        formats: [...formats],
        pathOf: (ext) => join(dir, `export.${ext}`),
        xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
        sliceRows: 1,
        signal: new AbortController().signal,
      });
      assertEquals(written.paths, formats.map((ext) => join(dir, `export.${ext}`)));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});
