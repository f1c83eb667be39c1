/**
 * The export's CSV and XLSX written together (lib/formats/export_files.ts): text cells the XLSX
 * cut to Excel's limit are counted for the export's warning; the CSV keeps the whole text. A full
 * disk is one line naming the file and the fix (on a small tmpfs, where this process may mount one).
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { writeExportFiles, xlsxCutWarning } from "../lib/formats/export_files.ts";
import { prepareSnapshot } from "../lib/history/snapshot.ts";
import { tinyExportFrame } from "./tiny_frame.ts";

// two names past 32,767 characters, one at it, one short
const frame = tinyExportFrame(["a".repeat(40_000), "b".repeat(32_767), "c".repeat(32_768), "d"]);

Deno.test("XLSX cells cut to Excel's limit are counted, with or without the CSV; the CSV keeps them whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pathOf = (ext: string) => `${dir}/both.${ext}`;
    const both = await writeExportFiles({ frame, formats: ["csv", "xlsx"], pathOf, xlsx: {} });
    assertEquals(both.xlsxCutCells, 2);
    const csv = parseCsvRecords(await Deno.readTextFile(`${dir}/both.csv`));
    assertEquals(csv.records.map((r) => r.org_name.length), [40_000, 32_767, 32_768, 1]);
    const xlsxOnly = await writeExportFiles({
      frame,
      formats: ["xlsx"],
      pathOf: (ext) => `${dir}/xlsx_only.${ext}`,
      xlsx: {},
    });
    assertEquals(xlsxOnly.xlsxCutCells, 2);
    const csvOnly = await writeExportFiles({
      frame,
      formats: ["csv"],
      pathOf: (ext) => `${dir}/csv_only.${ext}`,
      xlsx: {},
    });
    assertEquals(csvOnly.xlsxCutCells, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the warning names how many cells were cut and that the CSV has the full text", () => {
  assertEquals(
    xlsxCutWarning(2),
    "2 cells of the XLSX held text longer than Excel's 32,767 characters a cell and were cut to that; the CSV has the full text",
  );
  assertEquals(
    xlsxCutWarning(1),
    "1 cell of the XLSX held text longer than Excel's 32,767 characters a cell and was cut to that; the CSV has the full text",
  );
});

/** Runs `command`; whether it succeeded. */
async function succeeds(command: string, args: string[]): Promise<boolean> {
  const run = await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output()
    .catch(() => null);
  return run?.success ?? false;
}

/** A tmpfs of `kb` KB mounted at a new folder (root only), or null where mounting is not allowed. */
async function smallDisk(kb: number): Promise<string | null> {
  const dir = await Deno.makeTempDir();
  if (await succeeds("mount", ["-t", "tmpfs", "-o", `size=${kb}k`, "tmpfs", dir])) return dir;
  await Deno.remove(dir);
  return null;
}

const canMount = await smallDisk(4).then(async (dir) => {
  if (!dir) return false;
  await succeeds("umount", [dir]);
  await Deno.remove(dir);
  return true;
});

Deno.test({
  name: "a full disk under the export's files is one line naming the file, its folder and the fix",
  ignore: !canMount,
  fn: async () => {
    const disk = (await smallDisk(64))!;
    try {
      // 4 names of 40,000 characters: ~160 KB of CSV on a 64 KB disk (the XLSX compresses them)
      const big = tinyExportFrame(["a", "b", "c", "d"].map((c) => c.repeat(40_000)));
      const staging = `${disk}/.staging-test`;
      await Deno.mkdir(staging);
      for (const formats of [["csv", "xlsx"], ["csv"]] as const) {
        await rejects(
          writeExportFiles({
            frame: big,
            formats: [...formats],
            pathOf: (ext) => `${staging}/helicone_pricing_data_2026-11-01.${ext}`,
            xlsx: {},
          }),
          (error: Error) => {
            // both files are written at once: whichever meets the full disk first is named
            const named = formats.length === 1 ? "csv" : "(csv|xlsx)";
            match(
              error.message,
              new RegExp(
                `^helicone_pricing_data_2026-11-01\\.${named} could not be written in ${disk} \\(no space left on device\\); nothing new was written: free space there or choose another folder \\(--out-dir\\)$`,
              ),
            );
            return true;
          },
          formats.join(" and "),
        );
        // no temp file left behind (a workbook that fitted may stay: the staging folder goes)
        const left = [...Deno.readDirSync(staging)].map((e) => e.name);
        assertEquals(left.filter((name) => name.startsWith(".")), []);
      }
    } finally {
      await succeeds("umount", [disk]);
      await Deno.remove(disk, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a full disk met by the trimmed CSV of the same pass names the export's CSV, not a file it never publishes",
  ignore: !canMount,
  fn: async () => {
    // room for the CSV (~160 KB) and not for the trimmed copy written after it in the same pass,
    // which is published only above the upload size: the user never sees its name
    const disk = (await smallDisk(200))!;
    try {
      const big = tinyExportFrame(["a", "b", "c", "d"].map((c) => c.repeat(40_000)));
      const staging = `${disk}/.staging-test`;
      await Deno.mkdir(staging);
      const name = "helicone_pricing_data_2026-11-01";
      await rejects(
        writeExportFiles({
          frame: big,
          formats: ["csv"],
          pathOf: (ext) => `${staging}/${name}.${ext}`,
          xlsx: {},
          subset: { path: `${staging}/${name}_trimmed.csv`, keep: new Uint8Array(4).fill(1) },
        }),
        {
          message:
            `${name}.csv could not be written in ${disk} (no space left on device); nothing new was written: free space there or choose another folder (--out-dir)`,
        },
      );
      assertEquals([...Deno.readDirSync(staging)], []);
    } finally {
      await succeeds("umount", [disk]);
      await Deno.remove(disk, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a snapshot's discard on a disk gone read-only resolves: the export's own error is the one reported",
  ignore: !canMount,
  fn: async () => {
    const disk = (await smallDisk(1024))!;
    try {
      const prepared = await prepareSnapshot(frame, {
        dir: disk,
        asOf: new Date("2026-11-01T00:00:00Z"),
        demo: true,
        origin: "export",
      });
      const temps = () =>
        [...Deno.readDirSync(disk)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));
      assertEquals(temps().length, 2); // the Parquet file and its sidecar, not yet placed
      // a disk the kernel remounts read-only on errors: the export's write fails, and so does
      // removing its temporary files in its cleanup, which must not replace the write's error
      ok(await succeeds("mount", ["-o", "remount,ro", disk]));
      await prepared.discard();
      assertEquals(temps().length, 2); // left for the next run (removeDeadTempFiles)
    } finally {
      await succeeds("umount", [disk]);
      await Deno.remove(disk, { recursive: true });
    }
  },
});
