/**
 * The export's CSV and XLSX written together (lib/formats/export_files.ts): text cells the XLSX
 * cut to Excel's limit are counted for the export's warning; the CSV keeps the whole text. A full
 * or read-only disk is one line naming the folder and the fix (on a small tmpfs, where this
 * process may mount one).
 */
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { ANOTHER_OUTPUT_FOLDER, outDirFlag } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { writeExportFiles, xlsxCutWarning } from "../lib/formats/export_files.ts";
import { publishStaged } from "../lib/formats/staging.ts";
import { prepareSnapshot } from "../lib/history/snapshot.ts";
import { runExport } from "../lib/export.ts";
import { UserError } from "../lib/core/config.ts";
import { tinyExportFrame } from "./tiny_frame.ts";
import { denoCacheEnv } from "./env.ts";

// two names past 32,767 characters, one at it, one short
const frame = tinyExportFrame(["a".repeat(40_000), "b".repeat(32_767), "c".repeat(32_768), "d"]);

Deno.test("XLSX cells cut to Excel's limit are counted, with or without the CSV; the CSV keeps them whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pathOf = (ext: string) => `${dir}/both.${ext}`;
    const both = await writeExportFiles({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame,
      formats: ["csv", "xlsx"],
      pathOf,
      xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
    });
    assertEquals(both.xlsxCutCells, 2);
    const csv = parseCsvRecords(await Deno.readTextFile(`${dir}/both.csv`));
    assertEquals(csv.records.map((r) => r.org_name.length), [40_000, 32_767, 32_768, 1]);
    const xlsxOnly = await writeExportFiles({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame,
      formats: ["xlsx"],
      pathOf: (ext) => `${dir}/xlsx_only.${ext}`,
      xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
    });
    assertEquals(xlsxOnly.xlsxCutCells, 2);
    const csvOnly = await writeExportFiles({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame,
      formats: ["csv"],
      pathOf: (ext) => `${dir}/csv_only.${ext}`,
      xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
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

/**
 * A test run on its own tmpfs of `kb` KB, given its folder; skipped where this process may not
 * mount one. The disk is unmounted and removed after, whatever the test did.
 */
function diskTest(name: string, kb: number, fn: (disk: string) => Promise<void>): void {
  Deno.test({
    name,
    ignore: !canMount,
    fn: async () => {
      const disk = (await smallDisk(kb))!;
      try {
        await fn(disk);
      } finally {
        await succeeds("umount", [disk]);
        await Deno.remove(disk, { recursive: true });
      }
    },
  });
}

/** `disk` remounted read-only, as the kernel does on I/O errors. */
async function remountReadOnly(disk: string): Promise<void> {
  ok(await succeeds("mount", ["-o", "remount,ro", disk]), `remount ${disk} read-only`);
}

/** A staging folder on `disk`, as the export makes one before writing its files. */
async function stagingOn(disk: string): Promise<string> {
  const staging = `${disk}/.staging-test`;
  await Deno.mkdir(staging);
  return staging;
}

const NAME = "helicone_pricing_data_2026-11-01";

/** The export's files of `frame` in `formats`, written into `staging` under the export's name. */
function writeStaged(
  staging: string,
  frame: ReturnType<typeof tinyExportFrame>,
  formats: ("csv" | "xlsx")[],
): Promise<unknown> {
  return writeExportFiles({
    chosenBy: outDirFlag(true), // (the export's, run with --out-dir)
    frame,
    formats,
    pathOf: (ext) => `${staging}/${NAME}.${ext}`,
    xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
  });
}

// 4 names of 40,000 characters: ~160 KB of CSV (the XLSX compresses them)
const big = tinyExportFrame(["a", "b", "c", "d"].map((c) => c.repeat(40_000)));

diskTest(
  "a full disk under the export's files is one line naming the file, its folder and the fix",
  64,
  async (disk) => {
    const staging = await stagingOn(disk);
    for (const formats of [["csv", "xlsx"], ["csv"]] as const) {
      await rejects(
        writeStaged(staging, big, [...formats]),
        (error: Error) => {
          // both files are written at once: whichever meets the full disk first is named
          const named = formats.length === 1 ? "csv" : "(csv|xlsx)";
          match(
            error.message,
            new RegExp(
              `^${NAME}\\.${named} could not be written in ${disk} \\(no space left on device\\); nothing new was written: free space there or pass another folder to --out-dir$`,
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
  },
);

// room for the CSV (~160 KB) and not for the trimmed copy written after it in the same pass,
// which is published only above the upload size: the user never sees its name
diskTest(
  "a full disk met by the trimmed CSV of the same pass names the export's CSV, not a file it never publishes",
  200,
  async (disk) => {
    const staging = await stagingOn(disk);
    await rejects(
      writeExportFiles({
        chosenBy: outDirFlag(true),
        frame: big,
        formats: ["csv"],
        pathOf: (ext) => `${staging}/${NAME}.${ext}`,
        xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
        subset: { path: `${staging}/${NAME}_trimmed.csv`, keep: new Uint8Array(4).fill(1) },
      }),
      {
        message:
          `${NAME}.csv could not be written in ${disk} (no space left on device); nothing new was written: free space there or pass another folder to --out-dir`,
      },
    );
    assertEquals([...Deno.readDirSync(staging)], []);
  },
);

diskTest(
  "a snapshot's discard on a disk gone read-only resolves: the export's own error is the one reported",
  1024,
  async (disk) => {
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
    await remountReadOnly(disk);
    await prepared.discard();
    assertEquals(temps().length, 2); // left for the next run (removeDeadTempFiles)
  },
);

/**
 * Every file under `dir` and its bytes; not a failed run's staging folder and temporary files,
 * which a read-only disk keeps and the next run removes (removeDeadStaging, removeDeadTempFiles).
 */
function filesUnder(dir: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of Deno.readDirSync(dir)) {
    if (/^\.(staging-|.*\.tmp$)/.test(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) Object.assign(files, filesUnder(path, `${prefix}${entry.name}/`));
    else files[`${prefix}${entry.name}`] = Deno.readTextFileSync(path);
  }
  return files;
}

/** Every file and folder under `dir`, relative to it, hidden ones too. */
function pathsUnder(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => [
    `${prefix}${entry.name}`,
    ...(entry.isDirectory ? pathsUnder(`${dir}/${entry.name}`, `${prefix}${entry.name}/`) : []),
  ]);
}

/** The files under `dir` are still `before`: none changed, none added or removed. */
function assertIntact(dir: string, before: Record<string, string>): void {
  const after = filesUnder(dir);
  assertEquals(Object.keys(after).filter((k) => after[k] !== before[k]), []);
  assertEquals(Object.keys(after), Object.keys(before));
}

const CLI = fileURLToPath(new URL("../lib/cli/export.ts", import.meta.url));

/** `deno task export` as a user runs it: its exit code and stderr. */
async function exportCli(args: string[]): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, "--env-file", "/dev/null", "--quiet", ...args],
    env: { NO_COLOR: "1", ...denoCacheEnv() },
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

diskTest(
  "an output folder on a read-only file system: one line naming it and the fix, exit 1, the previous set intact",
  20 * 1024,
  async (disk) => {
    const out = `${disk}/out`;
    const args = ["--demo", "--as-of", "2026-11-01", "--out-dir", out];
    assertEquals((await exportCli(args)).code, 0);
    const before = filesUnder(out);
    ok(Object.keys(before).length > 10); // the set, its charts and the history snapshot
    await remountReadOnly(disk);
    const run = await exportCli(args);
    assertEquals(run.code, 1);
    assertEquals(
      run.stderr,
      `error: --out-dir ${out} is not writable (read-only file system); remount it read-write or pass another folder to --out-dir\n`,
    );
    assertIntact(out, before);
  },
);

diskTest(
  "a disk gone read-only mid-run fails the export in one line naming the folder and the fix; the previous set stays",
  20 * 1024,
  async (disk) => {
    const out = `${disk}/out`;
    const options = {
      demo: true,
      asOf: new Date("2026-11-01T00:00:00Z"),
      outDir: out,
      // as a notebook's outDir parameter chose it: the error's fix names that parameter
      outDirChosenBy: { named: "outDir", otherwise: "set outDir" },
      charts: false, // no chart file open for writing when the disk is remounted (it would be busy)
      quiet: true,
      log: () => {},
    };
    await runExport(options);
    const before = filesUnder(out);
    // once the snapshot is written: the staging folder is made, the export's files are not
    let remounted = false;
    const error = await runExport({
      ...options,
      onStageTime: (stage, phase) => {
        if (stage !== "snapshot" || phase !== "end") return;
        remounted = new Deno.Command("mount", { args: ["-o", "remount,ro", disk] }).outputSync()
          .success;
      },
    }).then(() => null, (error) => error);
    ok(remounted);
    ok(error instanceof UserError, String(error)); // (the CLI adds no "run with --verbose")
    assertEquals(
      error.message,
      `${NAME}_demo.csv could not be written in ${out} (read-only file system); nothing new was written: remount it read-write or set outDir to another folder`,
    );
    assertIntact(out, before);
  },
);

diskTest(
  "a read-only disk under the export's CSV or XLSX is one line naming the file, its folder and the fix",
  64,
  async (disk) => {
    const staging = await stagingOn(disk);
    await remountReadOnly(disk);
    // the XLSX alone: its file opens in the background (an uncaught error ended the process)
    for (const formats of [["csv", "xlsx"], ["csv"], ["xlsx"]] as const) {
      await rejects(
        writeStaged(staging, frame, [...formats]),
        {
          message: `${NAME}.${
            formats[0]
          } could not be written in ${disk} (read-only file system); nothing new was written: remount it read-write or pass another folder to --out-dir`,
        },
        formats.join(" and "),
      );
    }
  },
);

diskTest(
  "a publish on a disk gone read-only says so in words, with the fix; the previous files are unchanged",
  64,
  async (disk) => {
    const staging = await stagingOn(disk);
    await Deno.writeTextFile(`${disk}/a.csv`, "previous");
    await Deno.writeTextFile(`${staging}/a.csv`, "new");
    await remountReadOnly(disk);
    // (the moves' own wording: the publish lock's file, made first, has its own)
    const publish = {
      outDir: disk,
      files: [`${staging}/a.csv`],
      lockHeld: true,
      chosenBy: outDirFlag(true),
    };
    await rejects(publishStaged(staging, publish), {
      message:
        `publishing the export failed (read-only file system in ${disk}); nothing new was written, the previous files are unchanged: remount it read-write or pass another folder to --out-dir`,
    });
    assertEquals(Deno.readTextFileSync(`${disk}/a.csv`), "previous");
  },
);

// the CSV and the brief (~160 KB) fit in 1 MB, the charts' SVG and PNG files (~1.1 MB) do not
diskTest(
  "a full disk at the chart files is the file's one line, not 'charts failed: …' with a stray --verbose hint",
  1024,
  async (disk) => {
    const out = `${disk}/out`;
    const run = await exportCli([
      "--demo",
      "--as-of",
      "2026-11-01",
      "--format",
      "csv",
      "--out-dir",
      out,
    ]);
    assertEquals(run.code, 1);
    match(
      run.stderr,
      new RegExp(
        `^error: helicone_pricing_\\w+_2026-11-01_demo\\.(svg|png) could not be written in ${out} \\(no space left on device\\); nothing new was written: free space there or pass another folder to --out-dir\n$`,
      ),
    );
    // nothing published, no snapshot: the folder the run made is removed with it (empty)
    assertEquals(existsSync(out) ? Object.keys(filesUnder(out)) : null, null, `${out} is left`);
  },
);

// Less than the XLSX alone (~250 KB with the summary's PNGs): its file stream fails while the
// charts are drawn beside it. The stream's error came between two of the archive's writes, heard
// by no one waiting; the writer then waited for a drain that a failed stream never gives, and
// the export hung with its files half-written (lib/formats/zip.ts whenDrained).
diskTest(
  "a full disk under the workbook while the charts are drawn: one line, exit 1, nothing left, not a hang",
  300,
  async (disk) => {
    const out = `${disk}/out`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CLI, "--env-file", "/dev/null", "--quiet", "--demo"].concat(
        ["--as-of", "2026-11-01", "--out-dir", out],
      ),
      env: { NO_COLOR: "1", ...denoCacheEnv() },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // (the run takes seconds; past two minutes it hangs, and is ended so the test fails, not
    // the whole run)
    let hung = false;
    const guard = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, 600_000); // a hang guard, not a budget: a loaded machine is slow, not hung
    const output = await child.output().finally(() => clearTimeout(guard));
    const stderr = new TextDecoder().decode(output.stderr);
    ok(!hung, `the export hung on the full disk: ${stderr}`);
    assertEquals(output.code, 1, stderr);
    match(
      stderr,
      new RegExp(
        `^error: helicone_pricing_\\w+_2026-11-01_demo\\.(xlsx|csv|svg|png) could not be written in ${out} \\(no space left on device\\); nothing new was written: free space there or pass another folder to --out-dir\n$`,
      ),
    );
    // nothing published, no snapshot, and nothing of the run: no staging folder, temporary file
    // or empty history folder; the folder the run made is removed with it
    assertEquals(existsSync(out) ? pathsUnder(out) : null, null, `${out} is left`);
  },
);
