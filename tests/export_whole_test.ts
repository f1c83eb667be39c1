/**
 * An export CSV cut short is refused by its readers (lib/formats/export_whole.ts, through
 * readExportFile): cut at a row end it read as a smaller valid export, cut inside its last row's
 * last field it read with that value short. The manifest beside it records its bytes and rows.
 * Files edited by hand that still hold every row (saved again with LF line ends, by LibreOffice),
 * and rows removed on purpose under another name, still load; a publish caught half-way is waited
 * for, not taken for a cut file.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { demoExport } from "./demo_export_fixture.ts";
import { runExport } from "../lib/export.ts";
import { UserError } from "../lib/core/config.ts";
import { readExportFile } from "../lib/formats/read_export.ts";
import { readWholeCsv } from "../lib/formats/export_whole.ts";
import { unlessHung } from "./hang_guard.ts";
import { withPublishLock } from "../lib/formats/publish_lock.ts";
import { sofficeConvert } from "./libreoffice.ts";
import {
  byteLength,
  csvLines,
  cutAtRowEnd,
  cutInsideLastField,
  lockWaitedOrSettled,
  manifestFor,
  placeFile,
} from "./export_cut_fixture.ts";

const STEM = "helicone_pricing_data_2026-11-01_demo";
const FIX = "export again (deno task export) or restore the whole file";

/** A demo export of 2026-11-01 (400 organizations) in a folder of its own, CSV only. */
async function withExport(
  check: (files: { dir: string; csvPath: string; csv: string; rows: number }) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "export_whole_" });
  try {
    const result = await demoExport(dir);
    const csvPath = join(dir, `${STEM}.csv`);
    const csv = await Deno.readTextFile(csvPath);
    assertEquals(csvLines(csv).length - 1, result.data.frame.height);
    await check({ dir, csvPath, csv, rows: result.data.frame.height });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("an export CSV cut at a row end is refused as cut short, naming the file, the counts and the fix", async () => {
  await withExport(async ({ csvPath, csv, rows }) => {
    const cut = cutAtRowEnd(csv, 3);
    await Deno.writeTextFile(csvPath, cut);
    await rejects(readExportFile(csvPath), (error: Error) => {
      ok(error instanceof UserError, String(error));
      assertEquals(
        error.message,
        `${csvPath} is cut short: 3 of the ${rows} rows and ${byteLength(cut)} of the ${
          byteLength(csv)
        } bytes its manifest ${STEM}.manifest.json records; ${FIX} (rows removed on purpose: ` +
          "save it under another name)",
      );
      return true;
    });
    // only the columns compare reads: refused alike (the rows are the file's, whatever is read)
    await rejects(readExportFile(csvPath, { columns: ["mrr"] }), /is cut short: 3 of the /);
  });
});

Deno.test("an export CSV cut inside its last row's last field, or before its final line break, is refused as cut short", async () => {
  await withExport(async ({ csvPath, csv, rows }) => {
    const inside = cutInsideLastField(csv);
    ok(inside.value.length >= 2, inside.value);
    await Deno.writeTextFile(csvPath, inside.text);
    await rejects(readExportFile(csvPath), (error: Error) => {
      assertEquals(
        error.message,
        `${csvPath} is cut short: ${inside.rows} of the ${rows} rows and ${
          byteLength(inside.text)
        } of the ${byteLength(csv)} bytes its manifest ${STEM}.manifest.json records, its ` +
          `last row without its line break; ${FIX}`,
      );
      return true;
    });
    // every row there, its last value whole, but the final CRLF gone: not the file written
    const noBreak = csv.slice(0, -2);
    await Deno.writeTextFile(csvPath, noBreak);
    await rejects(readExportFile(csvPath), (error: Error) => {
      assertEquals(
        error.message,
        `${csvPath} is cut short: ${byteLength(noBreak)} of the ${
          byteLength(csv)
        } bytes its manifest ${STEM}.manifest.json records, its last row without its line ` +
          `break; ${FIX}`,
      );
      return true;
    });
  });
});

Deno.test("an export CSV edited by hand with every row still loads: LF line ends, a value shortened, saved again by LibreOffice; rows removed under another name", async () => {
  await withExport(async ({ dir, csvPath, csv, rows }) => {
    const whole = (await readExportFile(csvPath)).frame;
    // LF line ends (smaller by a byte a row) and the first organization's name shortened
    const lines = csvLines(csv);
    const [firstId, firstName] = lines[1].split(",");
    ok(firstName.length > 1 && !firstName.startsWith('"'), firstName);
    const edited = [lines[0], lines[1].replace(`,${firstName},`, `,${firstName[0]},`)]
      .concat(lines.slice(2)).map((line) => `${line}\n`).join("");
    ok(byteLength(edited) < byteLength(csv));
    await Deno.writeTextFile(csvPath, edited);
    const read = (await readExportFile(csvPath)).frame;
    assertEquals(read.height, rows);
    assertEquals(read.getColumn("org_id").get(0), firstId);
    assertEquals(read.getColumn("org_name").get(0), firstName[0]);
    assertEquals(read.drop("org_name").frameEqual(whole.drop("org_name"), true), true);

    // saved again by LibreOffice (LF line ends, TRUE/FALSE): the kit's own rows
    const original = join(dir, "original");
    await Deno.mkdir(original);
    await Deno.writeTextFile(join(original, `${STEM}.csv`), csv);
    await sofficeConvert(join(original, `${STEM}.csv`), {
      to: "csv",
      outDir: dir,
      infilter: "CSV:44,34,76,1,,0,false,true,true",
    });
    const saved = await Deno.readTextFile(csvPath);
    ok(saved.includes(",TRUE,") || saved.includes(",FALSE,"), "LibreOffice wrote TRUE/FALSE");
    ok(byteLength(saved) < byteLength(csv), "smaller than the manifest records");
    assertEquals((await readExportFile(csvPath)).frame.height, rows);

    // rows removed on purpose, saved under another name: the manifest does not list it
    const kept = join(dir, `${STEM}_kept.csv`);
    await Deno.writeTextFile(kept, cutAtRowEnd(csv, 3));
    assertEquals((await readExportFile(kept)).frame.height, 3);
  });
});

Deno.test("an export published again while it is read, its smaller CSV in place before its manifest, is waited for and read whole, not taken for a cut file", async () => {
  await withExport(async ({ dir, csvPath, csv }) => {
    const manifestPath = join(dir, `${STEM}.manifest.json`);
    const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
    // the new run has 300 organizations: its CSV is smaller, with fewer rows, than the old
    // manifest records
    const newCsv = cutAtRowEnd(csv, 300);
    const newManifest = manifestFor(manifest, { csvName: `${STEM}.csv`, csv: newCsv });
    let read: Promise<Awaited<ReturnType<typeof readExportFile>>> | undefined;
    await withPublishLock(dir, async () => {
      await placeFile(csvPath, newCsv);
      read = readExportFile(csvPath);
      read.catch(() => {}); // (awaited below)
      await lockWaitedOrSettled(dir, read);
      await placeFile(manifestPath, JSON.stringify(newManifest, null, 2));
    }, { onWait: () => {} });
    assertEquals((await read!).frame.height, 300);
  });
});

Deno.test("a segment CSV is judged by its own bytes and line end, not the export's rows: saved again with every row it loads, without its final line break it is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_whole_" });
  try {
    await runExport({
      outDir: dir,
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      formats: ["csv"],
      charts: false,
      segments: true,
      quiet: true,
      log: () => {},
      env: {},
    });
    const segmentPath = join(dir, `${STEM}_underpriced.csv`);
    const csv = await Deno.readTextFile(segmentPath);
    const rows = csvLines(csv).length - 1;
    ok(rows > 0 && rows < 400, `${rows} of the export's 400 organizations`);
    assertEquals((await readExportFile(segmentPath)).frame.height, rows);
    // LF line ends: smaller than the manifest records, every one of the segment's rows there
    const lf = csvLines(csv).map((line) => `${line}\n`).join("");
    await Deno.writeTextFile(segmentPath, lf);
    assertEquals((await readExportFile(segmentPath)).frame.height, rows);
    // the final line break gone: cut short, said with the segment's bytes (no rows to count)
    const noBreak = csv.slice(0, -2);
    await Deno.writeTextFile(segmentPath, noBreak);
    await rejects(readExportFile(segmentPath), (error: Error) => {
      assertEquals(
        error.message,
        `${segmentPath} is cut short: ${byteLength(noBreak)} of the ${
          byteLength(csv)
        } bytes its manifest ${STEM}.manifest.json records, its last row without its line ` +
          `break; ${FIX}`,
      );
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readWholeCsv: a CSV found changed after each read is read three times at most, then refused as cut short", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_whole_" });
  try {
    const csvPath = join(dir, `${STEM}.csv`);
    // the manifest records 3 rows in 1,000 bytes; each read finds the CSV written again (by runs
    // publishing one after another), one row each time and a byte longer
    await Deno.writeTextFile(
      join(dir, `${STEM}.manifest.json`),
      JSON.stringify({ row_count: 3, files: [{ name: `${STEM}.csv`, bytes: 1_000 }] }),
    );
    await Deno.writeTextFile(csvPath, "org_id\r\n");
    let reads = 0;
    const read = async () => {
      reads++;
      await Deno.writeTextFile(csvPath, `org_id\r\n${"x".repeat(reads)}\r\n`);
      return { height: 1 };
    };
    await rejects(
      unlessHung("a read of a CSV written again at every read", readWholeCsv(csvPath, read)),
      (error: Error) => {
        ok(error instanceof UserError, String(error));
        ok(
          error.message.startsWith(`${csvPath} is cut short: 1 of the 3 rows and 13 of`),
          error.message,
        );
        return true;
      },
    );
    assertEquals(reads, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a reader waiting for a publish under way stops at its signal, the lock still held: the signal's reason, not a wait until the publish ends", async () => {
  await withExport(async ({ dir, csvPath, csv }) => {
    const stopped = new AbortController();
    const seen: { outcome: unknown } = { outcome: "not settled" };
    await withPublishLock(dir, async () => {
      // a publish caught half-way: the new, smaller CSV in place before its manifest
      await placeFile(csvPath, cutAtRowEnd(csv, 300));
      const read = readExportFile(csvPath, { signal: stopped.signal });
      read.then(() => seen.outcome = "read", (error) => seen.outcome = error);
      await lockWaitedOrSettled(dir, read);
      ok(seen.outcome === "not settled", String(seen.outcome)); // waiting for the lock
      stopped.abort(new Error("stopped by the test"));
      await unlessHung("the stopped read", read.catch(() => {}));
      // settled while the publish still holds the lock
      const outcome = seen.outcome as unknown; // (set by the read, after the check above)
      ok(outcome instanceof Error && outcome.message === "stopped by the test", String(outcome));
    }, { onWait: () => {} });
  });
});
