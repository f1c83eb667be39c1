/**
 * History snapshots: written by every export, listed in the manifest, replaced atomically, imported,
 * and the folder they go to. Which snapshot an as-of keeps: tests/history_snapshot_as_of_test.ts.
 */
import { deepStrictEqual as assertEquals, match, ok, rejects, throws } from "node:assert/strict";
import pl from "nodejs-polars";
import { createHash } from "node:crypto";
import { runExport } from "../lib/export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
} from "../lib/history/stored_snapshots.ts";
import { ensureHistoryDir, historyDir, historyDirChosenBy } from "../lib/history/history_dir.ts";
import type { ChosenBy } from "../lib/core/chosen_by.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { main as historyMain } from "../lib/cli/history.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { demoExportAt, quiet } from "./history_snapshot_fixture.ts";

const asOf = new Date("2026-11-01T00:00:00Z");

Deno.test("every export writes a typed Parquet snapshot that the manifest lists", async () => {
  const outDir = await Deno.makeTempDir();
  const result = await runExport({ ...quiet, demo: true, asOf, outDir, formats: ["csv"] });
  const dir = `${outDir}/history`;
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assertEquals(names, [
    "helicone_pricing_data_2026-11-01_demo.parquet",
    "helicone_pricing_data_2026-11-01_demo.parquet.json",
  ]);
  const path = `${dir}/helicone_pricing_data_2026-11-01_demo.parquet`;
  const back = readSnapshotFrame(path);
  ok(back.frameEqual(result.data.frame), "same values");
  assertEquals(back.dtypes.map(String), result.data.frame.dtypes.map(String));

  const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
  const bytes = await Deno.readFile(path);
  assertEquals(manifest.history_snapshot, {
    name: "helicone_pricing_data_2026-11-01_demo.parquet",
    path,
    bytes: bytes.byteLength,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  });
  ok(typeof manifest.stages_ms.snapshot === "number");
  const meta = await readSnapshotMeta(path);
  assertEquals(meta?.origin, "export");
  assertEquals(meta?.row_count, result.data.frame.height);
  // the price book that priced its plans, as the manifest names it (history says when two differ)
  assertEquals(meta?.price_book, {
    name: manifest.cost_model.price_book,
    sha256: manifest.cost_model.price_book_sha256,
  });
});

Deno.test("re-exporting the same as-of replaces the snapshot, leaving no temp files", async () => {
  const dir = await Deno.makeTempDir();
  const frame = (mrr: number) => exportFrameFromColumns({ org_id: ["a"], mrr_recurring: [mrr] });
  const options = { dir, asOf, demo: false, origin: "export" as const };
  await writeSnapshot(frame(1), options);
  await writeSnapshot(frame(2), options);
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "helicone_pricing_data_2026-11-01.parquet",
    "helicone_pricing_data_2026-11-01.parquet.json",
  ]);
  const listed = await listSnapshots(dir, false);
  assertEquals(listed.length, 1);
  assertEquals(readSnapshotFrame(listed[0].path).getColumn("mrr_recurring").toArray(), [2]);
  assertEquals(await listSnapshots(dir, true), [], "demo and live snapshots are kept apart");
});

Deno.test("a snapshot of more rows than one Parquet row group (50,000) reads back the same frame", async () => {
  const dir = await Deno.makeTempDir();
  const rows = 120_001;
  const index = Array.from({ length: rows }, (_, i) => i);
  const frame = exportFrameFromColumns({
    org_id: index.map((i) => `org-${i}`),
    tier: index.map((i) => ["free", "pro", "team"][i % 3]),
    tier_raw: index.map((i) => (i % 7 === 0 ? null : `raw-${i % 5}`)),
    created_at: index.map((i) => new Date(Date.UTC(2025, 0, 1) + i * 60_000)),
    seats: index.map((i) => i % 40),
    mrr: index.map((i) => (i % 4 === 0 ? null : i / 8)),
    is_ptb: index.map((i) => i % 2 === 0),
  });
  const info = await writeSnapshot(frame, { dir, asOf, demo: false, origin: "export" });
  const back = readSnapshotFrame(info.path);
  assertEquals(back.height, rows);
  ok(back.frameEqual(frame, true), "same values, nulls included");
  assertEquals(back.dtypes.map(String), frame.dtypes.map(String));
});

Deno.test("a snapshot read for some columns: only those, in table order; ones it predates empty", async () => {
  const dir = await Deno.makeTempDir();
  // an older snapshot: no plan column yet
  const path = `${dir}/helicone_pricing_data_2026-01-01.parquet`;
  pl.DataFrame({ org_id: ["a", "b"], mrr_recurring: [10.5, null], tier: ["pro", "free"] })
    .writeParquet(path, { compression: "zstd" });
  const frame = readSnapshotFrame(path, { columns: ["plan", "mrr_recurring", "org_id"] });
  assertEquals(frame.columns, ["org_id", "mrr_recurring", "plan"]);
  assertEquals(frame.getColumn("mrr_recurring").toArray(), [10.5, null]);
  assertEquals(frame.getColumn("plan").toArray(), [null, null]);
  ok(frame.getColumn("plan").dtype.equals(pl.String), "an empty text column");
  const noId = `${dir}/helicone_pricing_data_2026-02-01.parquet`;
  pl.DataFrame({ tier: ["pro"] }).writeParquet(noId);
  throws(() => readSnapshotFrame(noId, { columns: ["org_id", "tier"] }), /has no org_id column/);
});

Deno.test("PRICING_HISTORY_DIR moves the folder; history: false writes none", async () => {
  const outDir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  assertEquals(historyDir({ PRICING_HISTORY_DIR: elsewhere }, outDir), elsewhere);
  assertEquals(historyDir({}, outDir), `${outDir}/history`);
  await runExport({
    ...quiet,
    env: { PRICING_HISTORY_DIR: elsewhere },
    demo: true,
    asOf,
    outDir,
    formats: ["csv"],
  });
  assertEquals((await listSnapshots(elsewhere, true)).length, 1);
  const noHistory = await Deno.makeTempDir();
  await runExport({
    ...quiet,
    demo: true,
    asOf,
    outDir: noHistory,
    formats: ["csv"],
    history: false,
  });
  assertEquals(await listSnapshots(`${noHistory}/history`, true), []);
});

Deno.test("history import: older CSV and XLSX exports become snapshots; bad input is one line", async () => {
  const outDir = await Deno.makeTempDir();
  const result = await runExport({
    ...quiet,
    demo: true,
    asOf,
    outDir,
    history: false,
    formats: ["csv", "xlsx"],
  });
  const dir = `${outDir}/imported`;
  const csv = result.csvPath!;
  const older = `${outDir}/helicone_pricing_data_2026-10-01_demo.xlsx`;
  await Deno.rename(`${outDir}/helicone_pricing_data_2026-11-01_demo.xlsx`, older);
  assertEquals(await historyMain(["import", csv, older, "--history-dir", dir, "--quiet"]), 0);
  const listed = await listSnapshots(dir, true);
  assertEquals(listed.map((s) => s.asOf.toISOString().slice(0, 10)), ["2026-10-01", "2026-11-01"]);
  // the CSV's text and integer columns come back exactly (floats as the CSV printed them), the
  // text as entered: the CSV's `'+1 Growth Co` is the demo's +1 Growth Co
  const fromCsv = readSnapshotFrame(listed[1].path);
  const fromXlsx = readSnapshotFrame(listed[0].path);
  ok((await Deno.readTextFile(csv)).includes(",'+1 Growth Co,"), "the CSV holds the guarded name");
  ok(fromCsv.getColumn("org_name").toArray().includes("+1 Growth Co"));
  for (const name of ["org_id", "org_name", "tier", "tier_raw", "seats", "requests_30d"]) {
    ok(fromCsv.getColumn(name).seriesEqual(result.data.frame.getColumn(name)), name);
    ok(fromXlsx.getColumn(name).seriesEqual(result.data.frame.getColumn(name)), `${name} (XLSX)`);
  }
  ok(fromCsv.getColumn("created_at").seriesEqual(result.data.frame.getColumn("created_at")));
  assertEquals(fromXlsx.height, result.data.frame.height);
  assertEquals((await readSnapshotMeta(listed[0].path))?.origin, "import");

  const renamed = `${outDir}/old.csv`;
  await Deno.copyFile(csv, renamed);
  // a 7-day export (its name says so): history compares 30-day exports only
  const week = `${outDir}/helicone_pricing_data_2026-09-01_demo_7d.csv`;
  await Deno.copyFile(csv, week);
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    assertEquals(await historyMain(["import", renamed, "--history-dir", dir]), 1);
    assertEquals(await historyMain(["import", `${outDir}/missing.csv`, "--history-dir", dir]), 1);
    assertEquals(await historyMain(["import", week, "--history-dir", dir]), 1);
  } finally {
    console.error = original;
  }
  match(errors[0], /^error: .*old\.csv: the as-of date comes from the name/);
  match(errors[1], /missing\.csv does not exist/);
  match(
    errors[2],
    /_demo_7d\.csv: a 7-day export; history compares 30-day exports only \(export without --days\)$/,
  );
  assertEquals((await listSnapshots(dir, true)).length, 2, "nothing written on error");
});

Deno.test("an export that fails to publish leaves no snapshot, no temp file and no history folder it made", async () => {
  const outDir = await Deno.makeTempDir();
  // A non-empty directory where a segment file must go: publishing fails (lib/formats/staging.ts).
  const blocker = `${outDir}/helicone_pricing_data_2026-11-01_demo_gateway_only.csv`;
  await Deno.mkdir(blocker);
  await Deno.writeTextFile(`${blocker}/keep.txt`, "mine");
  await rejects(
    runExport({ ...quiet, demo: true, asOf, outDir, formats: ["csv"], segments: true }),
    /publishing the export failed/,
  );
  // the history folder the run made for its snapshot goes with it, empty
  assertEquals([...Deno.readDirSync(outDir)].map((e) => e.name).includes("history"), false);
});

Deno.test("history import: all the files or none; a future as-of date is refused", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      ...quiet,
      demo: true,
      asOf,
      outDir,
      history: false,
      formats: ["csv"],
    });
    const dir = `${outDir}/imported`;
    const good = result.csvPath!;
    const notExport = `${outDir}/helicone_pricing_data_2026-10-01_demo.csv`;
    await Deno.writeTextFile(notExport, "a,b\n1,2\n");
    const future = `${outDir}/helicone_pricing_data_2030-01-01_demo.csv`;
    await Deno.copyFile(good, future);
    const early = `${outDir}/helicone_pricing_data_1960-01-01_demo.csv`; // (was stored as 1960)
    await Deno.copyFile(good, early);
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      // the bad file comes after the good one: the good one is not imported either
      assertEquals(await historyMain(["import", good, notExport, "--history-dir", dir]), 1);
      assertEquals(await historyMain(["import", good, future, "--history-dir", dir]), 1);
      assertEquals(await historyMain(["import", good, good, "--history-dir", dir]), 1);
      assertEquals(await historyMain(["import", good, early, "--history-dir", dir]), 1);
    } finally {
      console.error = original;
    }
    assertEquals(errors.length, 4, errors.join("\n"));
    assertEquals(
      errors[3],
      `error: ${early}: its as-of date 1960-01-01 is before 1970-01-01; rename it to the date it was exported`,
    );
    match(errors[0], /helicone_pricing_data_2026-10-01_demo\.csv is not a pricing-kit export/);
    assertEquals(
      errors[1],
      `error: ${future}: its as-of date 2030-01-01 is in the future; rename it to the date it was exported`,
    );
    match(errors[2], /both dated 2026-11-01_demo; import one$/);
    // the folder made for each attempt goes with it, empty: no snapshot, no temp file
    assertEquals([...Deno.readDirSync(outDir)].map((e) => e.name).includes("imported"), false);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a snapshot write removes the temp files of killed runs, not a live run's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const name = "helicone_pricing_data_2026-10-01_demo.parquet";
    // a run that wrote its temp file and died (as a SIGKILLed export leaves it)
    const staging = new URL("../lib/formats/staging.ts", import.meta.url).href;
    const script = `const { ownedTempPath } = await import(${JSON.stringify(staging)});
      await Deno.writeTextFile(ownedTempPath(${
      JSON.stringify(`${dir}/${name}`)
    }), "x".repeat(1000));`;
    const child = await new Deno.Command(Deno.execPath(), { args: ["eval", script] }).output();
    assertEquals(child.code, 0, new TextDecoder().decode(child.stderr));
    const [dead] = [...Deno.readDirSync(dir)].map((e) => e.name);
    match(
      dead,
      /^\.helicone_pricing_data_2026-10-01_demo\.parquet\.[a-z0-9]+\.p\d+s\d*h[0-9a-f]{8}\.tmp$/,
    );
    // an older kit's untagged temp file, two hours old, and one a minute old (maybe still written)
    const untaggedOld = `.${name}.lx2k9a.tmp`;
    const untaggedNew = `.${name}.lx2k9b.tmp`;
    await Deno.writeTextFile(`${dir}/${untaggedOld}`, "old");
    await Deno.utime(
      `${dir}/${untaggedOld}`,
      new Date(Date.now() - 2 * 3600_000),
      new Date(Date.now() - 2 * 3600_000),
    );
    await Deno.writeTextFile(`${dir}/${untaggedNew}`, "new");
    // this (live) process's temp file, and a file that is not the kit's
    const { ownedTempPath } = await import("../lib/formats/staging.ts");
    const live = ownedTempPath(`${dir}/${name}`);
    await Deno.writeTextFile(live, "live");
    await Deno.writeTextFile(`${dir}/.notes.tmp`, "mine");

    await writeSnapshot(exportFrameFromColumns({ org_id: ["o1"] }), {
      dir,
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: true,
      origin: "import",
    });
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [
        ".notes.tmp",
        live.slice(dir.length + 1),
        untaggedNew,
        "helicone_pricing_data_2026-11-01_demo.parquet",
        "helicone_pricing_data_2026-11-01_demo.parquet.json",
      ].sort(),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureHistoryDir: checks of one folder at the same moment in one process all pass, leaving nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // one process, one millisecond: a probe named by pid and clock was shared, one removed the other's
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => ensureHistoryDir(dir)),
    );
    assertEquals(results.map((r) => r.status), Array(8).fill("fulfilled"));
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot that cannot be put in place fails the export before its files are published", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const at = "2026-12-03T11:00:00Z";
  const first = await demoExportAt(at, { outDir, historyDir: dir });
  const files = (folder: string) => [...Deno.readDirSync(folder)].map((e) => e.name).sort();
  const before = new Map(first.files.map((path) => [path, Deno.readFileSync(path)]));
  const manifest = Deno.readFileSync(first.manifestPath);
  const parquet = `${dir}/helicone_pricing_data_2026-12-03T110000Z_demo.parquet`;
  const snapshot = Deno.readFileSync(parquet);
  // a folder where the snapshot's sidecar goes: its rename fails (EISDIR)
  await Deno.remove(`${parquet}.json`);
  await Deno.mkdir(`${parquet}.json`);
  const outFiles = files(outDir);
  await rejects(
    demoExportAt(at, { outDir, historyDir: dir }),
    (error: Error) => {
      assertEquals(error.message.split("\n").length, 1);
      match(
        error.message,
        /^history snapshot .*T110000Z_demo\.parquet could not be put in place \(.*T110000Z_demo\.parquet\.json exists and is not a file\); nothing new was written: move what is in the way, or fix the history folder /,
      );
      return true;
    },
  );
  // the previous set and its snapshot as they were; no staging folder or temp file left
  assertEquals(files(outDir), outFiles);
  for (const [path, bytes] of before) assertEquals(Deno.readFileSync(path), bytes, path);
  assertEquals(Deno.readFileSync(first.manifestPath), manifest);
  assertEquals(files(dir), [
    "helicone_pricing_data_2026-12-03T110000Z_demo.parquet",
    "helicone_pricing_data_2026-12-03T110000Z_demo.parquet.json",
  ]);
  assertEquals(Deno.readFileSync(parquet), snapshot);
  ok(Deno.statSync(`${parquet}.json`).isDirectory);
});

Deno.test("a snapshot in place whose folder cannot be tidied is a warning: the export and its snapshot stand", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  // an earlier snapshot of the day that is a folder: removing it fails
  await Deno.mkdir(`${dir}/helicone_pricing_data_2026-12-03T100000Z_demo.parquet`, {
    recursive: true,
  });
  const result = await demoExportAt("2026-12-03T11:00:00Z", { outDir, historyDir: dir });
  const path = `${dir}/helicone_pricing_data_2026-12-03T110000Z_demo.parquet`;
  ok(
    result.data.warnings.some((w) =>
      w.startsWith(`history snapshot ${path} is stored, but tidying the history folder failed (`)
    ),
    result.data.warnings.join("\n"),
  );
  const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
  assertEquals(manifest.history_snapshot.path, path);
  assertEquals(Deno.statSync(path).size, manifest.history_snapshot.bytes);
  ok(Deno.statSync(`${path}.json`).isFile);
});

readOnlyFolderTest(
  "a snapshot the history folder refuses names the flag or setting that chose the folder, with that fix",
  async (folder) => {
    await folder.readOnly();
    const frame = exportFrameFromColumns({ org_id: ["a"], mrr_recurring: [1] });
    const name = "helicone_pricing_data_2026-11-01.parquet";
    const written = (dirChosenBy?: ChosenBy) =>
      writeSnapshot(frame, { dir: folder.dir, dirChosenBy, asOf, demo: false, origin: "export" });
    const line = (another: string) =>
      `${name} could not be written in ${folder.dir} (${folder.reason}): ${folder.fix} or ${another}`;
    // --history-dir (deno task history backfill or import): not PRICING_HISTORY_DIR, which it overrides
    await rejects(written(historyDirChosenBy("--history-dir")), {
      name: "UserError",
      message: line("pass another folder to --history-dir"),
    });
    await rejects(written(historyDirChosenBy("PRICING_HISTORY_DIR")), {
      message: line("set PRICING_HISTORY_DIR to another folder"),
    });
    // the default <out-dir>/history (and the default when a caller says nothing): the setting moves it
    await rejects(written(historyDirChosenBy(undefined)), {
      message: line("set PRICING_HISTORY_DIR"),
    });
    await rejects(written(), { message: line("set PRICING_HISTORY_DIR") });
    assertEquals([...Deno.readDirSync(folder.dir)], []);
    // a folder that cannot be made under it is named as chosen too
    const under = `${folder.dir}/history`;
    await rejects(
      writeSnapshot(frame, {
        dir: under,
        dirChosenBy: historyDirChosenBy("--history-dir"),
        asOf,
        demo: false,
        origin: "export",
      }),
      {
        message: `--history-dir ${under} cannot be created (${folder.reason}); ${
          folder.fix.replace(/ there$/, "")
        } or pass another folder to --history-dir`,
      },
    );
  },
);
