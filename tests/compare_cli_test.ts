/**
 * `deno task compare` on files: a snapshot or CSV against XLSX, files that are not this kit's
 * exports, missing files and a read-only output folder, each refused in one line (demo data against
 * live data: compare_cli_demo_test.ts). Expected values are worked out by hand from
 * tests/compare_fixture.ts.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { writeComparison } from "../lib/analysis/compare_files.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import {
  exportFrameFromColumns,
  exportFrameFromCsvText,
  readExportFile,
} from "../lib/formats/read_export.ts";
import { exportNameInfo } from "../lib/formats/export_names.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeXlsxFile } from "../lib/formats/xlsx.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { captureConsole } from "./console_capture.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { after, before, column, SAME_WINDOW_TOTALS_HEADER } from "./compare_fixture.ts";
import { byteLength, cutAtRowEnd, cutInsideLastField } from "./export_cut_fixture.ts";
import { runExport } from "../lib/export.ts";

Deno.test("deno task compare: a snapshot against its CSV and XLSX, guarded text, no change", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    // text the writers guard: a raw tier starting with -, names starting with = + and '=
    const frame = exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      org_name: ["+1 Growth Co", "'=Quoted", "Plain"],
      tier: ["team", "pro", "free"],
      tier_raw: ["-legacy-2024", "-legacy-2024", "free"],
      mrr: [200, 20, 0],
    });
    const snapshot = await writeSnapshot(frame, {
      dir: join(dir, "history"),
      asOf: new Date("2026-10-01T00:00:00Z"),
      demo: false,
      origin: "export",
    });
    const csv = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const xlsx = join(dir, "helicone_pricing_data_2026-10-01.xlsx");
    await writeCsvFile(frame, csv);
    await writeXlsxFile(frame, xlsx, { documentDate: new Date("2026-10-01T00:00:00Z") });
    ok((await Deno.readTextFile(csv)).includes(",'+1 Growth Co,team,"), "the CSV is guarded");
    for (const [old, next] of [[snapshot.path, csv], [csv, snapshot.path], [snapshot.path, xlsx]]) {
      logs.length = 0;
      assertEquals(await compareMain([old, next, "--out-dir", dir, "--quiet"]), 0, errors.join());
      const { records } = parseCsvRecords(
        await Deno.readTextFile(join(dir, "helicone_pricing_compare_2026-10-01_to_2026-10-01.csv")),
      );
      assertEquals(
        records.map((r) => [r.org_name, r.tier_raw_old, r.tier_raw_new, r.tier_raw_changed]),
        [
          ["'+1 Growth Co", "'-legacy-2024", "'-legacy-2024", "false"],
          ["''=Quoted", "'-legacy-2024", "'-legacy-2024", "false"],
          ["Plain", "free", "free", "false"],
        ],
        `${old} → ${next}`,
      );
      const markdown = await Deno.readTextFile(
        join(dir, "helicone_pricing_compare_2026-10-01_to_2026-10-01.md"),
      );
      ok(markdown.includes("| raw tier (`tier_raw`) changed | 0 |"), markdown);
    }
    // read with a projection (as scenario --input reads), the text as entered too
    const read = await readExportFile(csv, { columns: ["tier_raw"] });
    assertEquals(column(read.frame, "tier_raw"), ["-legacy-2024", "-legacy-2024", "free"]);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("files that are not exports of this kit are refused with one line", async () => {
  const header = COLUMN_NAMES.join(",");
  const blank = COLUMN_NAMES.map(() => "").join(",");
  const message = (text: string) => {
    try {
      exportFrameFromCsvText(text, { source: "x.csv" });
    } catch (error) {
      return (error as Error).message;
    }
    return "accepted";
  };
  assertEquals(
    message("name,amount\r\nfoo,1\r\n"),
    "x.csv is not a pricing-kit export: none of its header is ours; an export of this kit starts with org_id,org_name,tier,… (50 columns, lib/frame/columns.ts)",
  );
  assertEquals(
    message(header.replace(",mrr,", ",monthly,") + "\r\n"),
    "x.csv does not match this version's columns: its header lacks mrr and has unexpected monthly; restore the kit's column names (or re-export it with deno task export)",
  );
  const swapped = [...COLUMN_NAMES];
  [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
  assertEquals(
    message(swapped.join(",") + "\r\n"),
    "x.csv is not a pricing-kit export: column 1 is org_name, expected org_id (columns were reordered)",
  );
  const row = (seats: string, id = "o1") =>
    COLUMN_NAMES.map((name) => (name === "org_id" ? id : name === "seats" ? seats : "")).join(",");
  assertEquals(
    message(`${header}\r\n${row("2.5")}\r\n`),
    'x.csv row 2, column seats: "2.5" is not a whole number',
  );
  assertEquals(
    message(`${header}\r\n${row("1")}\r\n${row("2")}\r\n`),
    'x.csv: org_id "o1" appears more than once; an export has one row per organization',
  );
  // an id from the file is quoted and cut, as every value a message shows: not pasted whole
  const longId = `${"x".repeat(60)}\u001b[2J`;
  assertEquals(
    message(`${header}\r\n${row("1", longId)}\r\n${row("2", longId)}\r\n`),
    `x.csv: org_id "${
      "x".repeat(40)
    }"… (64 characters) appears more than once; an export has one row per organization`,
  );
  assertEquals(
    message(`${header}\r\n${blank},extra\r\n`),
    "x.csv row 2 has 51 fields, the header has 50",
  );
  assertEquals(message(""), "x.csv is empty; not an export of this kit");
  assertEquals(exportNameInfo("outputs/notes.csv"), null);
  // a history snapshot not at 00:00 UTC has its time in its name
  assertEquals(exportNameInfo("h/helicone_pricing_data_2026-12-01T120000Z_demo.parquet"), {
    asOf: new Date("2026-12-01T12:00:00Z"),
    demo: true,
    windowDays: 30,
    stamp: "2026-12-01T120000Z_demo",
    suffix: null,
  });
  assertEquals(exportNameInfo("helicone_pricing_data_2026-12-01T250000Z.parquet"), null);

  const dir = await Deno.makeTempDir();
  try {
    const fake = join(dir, "fake.xlsx");
    await Deno.writeTextFile(fake, "not a zip");
    await rejects(readExportFile(fake), /fake\.xlsx is not a readable XLSX workbook/);
    await rejects(
      readExportFile(join(dir, "notes.txt")),
      /notes\.txt is not a \.csv, \.xlsx or \.parquet file/,
    );
    await rejects(readExportFile(join(dir, "gone.csv")), /gone\.csv does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: CSV against XLSX with different as-of dates, written files", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, logs, restore } = captureConsole();
  try {
    const oldPath = join(dir, "helicone_pricing_data_2026-10-01.csv");
    const newPath = join(dir, "helicone_pricing_data_2026-11-01.xlsx");
    await writeCsvFile(before, oldPath);
    await writeXlsxFile(after, newPath, { documentDate: new Date("2026-11-01T00:00:00Z") });
    assertEquals(await compareMain([oldPath, newPath, "--out-dir", dir]), 0, errors.join("\n"));
    const base = join(dir, "helicone_pricing_compare_2026-10-01_to_2026-11-01");
    const { records } = parseCsvRecords(await Deno.readTextFile(`${base}.csv`));
    assertEquals(records.map((r) => [r.org_id, r.presence, r.mrr_delta, r.tier_changed]), [
      ["a", "both", "150", "true"],
      ["c", "both", "", "false"],
      ["d", "appeared", "0", ""],
      ["b", "disappeared", "0", ""],
    ]);
    // CSV text is written with the formula guard (read back, the file said =Bobby)
    assertEquals(records[3].org_name, "'=Bobby");
    const totalsText = await Deno.readTextFile(`${base}_totals.csv`);
    // two 30-day exports: no window column (the totals CSV of two windows has one)
    assertEquals(totalsText.split("\r\n")[0], SAME_WINDOW_TOTALS_HEADER);
    const totals = parseCsvRecords(totalsText).records;
    assertEquals(totals.find((t) => t.column === "llm_cost_30d")?.delta, "58.5");
    const summary = await Deno.readTextFile(`${base}.md`);
    ok(summary.includes("| appeared (only in the new export) | 1 |"));
    ok(summary.includes("| pro | team | 1 |"));
    ok(summary.includes("| `mrr` | $250.00 | $200.00 (1 unknown) | +$150.00 | +300.0 % |"));
    ok(!summary.includes("Warning"), "two 30-day exports: no window warning");
    assertEquals(errors.length, 0, "two 30-day exports: nothing on stderr");
    assertEquals(
      logs[0],
      "Compared helicone_pricing_data_2026-10-01.csv (3 organizations) with helicone_pricing_data_2026-11-01.xlsx (3): 1 appeared, 1 disappeared, 1 changed tier, 0 changed raw tier, 0 changed plan",
    );

    // Not an export: the comparison's own CSV.
    assertEquals(await compareMain([`${base}.csv`, newPath, "--out-dir", dir]), 1);
    assertEquals(errors.length, 1);
    ok(errors[0].startsWith(`error: ${base}.csv is not a pricing-kit export: its header lacks`));
    errors.length = 0;
    // the newer file first: refused before anything is read or written
    const filesBefore = [...Deno.readDirSync(dir)].length;
    assertEquals(await compareMain([newPath, oldPath, "--out-dir", dir]), 1);
    assertEquals(errors, [
      "error: old helicone_pricing_data_2026-11-01.xlsx (as of 2026-11-01) is newer than new helicone_pricing_data_2026-10-01.csv (as of 2026-10-01): swap them, the older export first",
    ]);
    assertEquals([...Deno.readDirSync(dir)].length, filesBefore, "nothing written");
    errors.length = 0;
    assertEquals(await compareMain([oldPath]), 1);
    assertEquals(errors, ["error: pass two exports, old then new (got 1; see --help)"]);
    assertEquals(await compareMain(["--help"]), 0);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: one file as both sides, or an empty argument, is refused in one line", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const file = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(before, file);
    const out = join(dir, "out");
    // (the same file by another path: compared with itself, every delta was 0, exit 0)
    const again = `${dir}/./helicone_pricing_data_2026-10-01.csv`; // (join would drop the ./)
    assertEquals(await compareMain([file, again, "--out-dir", out, "--quiet"]), 1);
    assertEquals(errors, [
      `error: ${file} is given as both the old and the new export; pass two different exports, old then new`,
    ]);
    errors.length = 0;
    // `compare old.csv "$NEW"` with NEW unset (was: "error:  is not a .csv … file")
    assertEquals(await compareMain([file, "", "--out-dir", out, "--quiet"]), 1);
    assertEquals(errors, [
      "error: an argument is empty (an unset shell variable?); fill it in or leave it out (see --help)",
    ]);
    assertEquals(await Deno.stat(out).catch(() => null), null, "nothing written");
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: a missing file, a manifest or a file that is no export is said so, not called live data against demo", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const demo = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    await writeCsvFile(before, demo);
    const manifest = join(dir, "helicone_pricing_data_2026-11-01_demo.manifest.json");
    await Deno.writeTextFile(manifest, '{"demo": true}');
    // a scenario's per-organization CSV: a CSV, named like no export, not an export
    const scenario = join(dir, "helicone_pricing_scenario_per_request_2026-11-01_demo.csv");
    await Deno.writeTextFile(scenario, "org_id,current_mrr\r\na,50\r\n");
    const refusal = async (newPath: string) => {
      errors.length = 0;
      const filesBefore = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assertEquals(await compareMain([demo, newPath, "--out-dir", dir, "--quiet"]), 1);
      assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), filesBefore);
      assertEquals(errors.length, 1, errors.join("\n"));
      return errors[0];
    };
    const gone = join(dir, "x", "nonexistent.csv");
    // (said only that it did not exist: no fix)
    assertEquals(
      await refusal(gone),
      `error: ${gone} does not exist; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`,
    );
    assertEquals(
      await refusal(dir),
      `error: ${dir} is not a .csv, .xlsx or .parquet file; pass an export such as outputs/helicone_pricing_data_2026-11-01.csv or a snapshot from outputs/history/`,
    );
    const folder = join(dir, "folder.csv");
    await Deno.mkdir(folder);
    assertEquals(
      await refusal(folder),
      `error: ${folder} is not a file; pass an export of this kit, such as outputs/helicone_pricing_data_2026-11-01.csv`,
    );
    assertEquals(
      await refusal(manifest),
      `error: ${manifest} is not a .csv, .xlsx or .parquet file; pass an export such as outputs/helicone_pricing_data_2026-11-01.csv or a snapshot from outputs/history/`,
    );
    const notExport = await refusal(scenario);
    ok(
      notExport.startsWith(`error: ${scenario} is not a pricing-kit export: its header lacks`),
      notExport,
    );
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

readOnlyFolderTest(
  "a comparison into a read-only folder is one line naming the folder as chosen, with that fix; nothing written",
  async (folder) => {
    const context = {
      oldLabel: "old",
      newLabel: "new",
      oldStamp: "2026-10-01",
      newStamp: "2026-11-01",
    };
    const files = join(folder.dir, "exports");
    await Deno.mkdir(files);
    const oldPath = join(files, "helicone_pricing_data_2026-10-01.csv");
    const newPath = join(files, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(before, oldPath);
    await writeCsvFile(after, newPath);
    await folder.readOnly();
    const unwritable = (named: string) =>
      `${named} is not writable (${folder.reason}); ${folder.fix.replace(/ there$/, "")}`;
    // the library, given how its caller chose the folder (a notebook's argument)
    const outDir = join(folder.dir, "comparisons");
    await rejects(
      writeComparison(before, after, {
        chosenBy: { named: "outDir", otherwise: "set outDir" },
        outDir,
        context,
      }),
      {
        name: "UserError",
        message: `${unwritable(`outDir ${outDir}`)} or set outDir to another folder`,
      },
    );
    // deno task compare: its --out-dir
    const { errors, restore } = captureConsole();
    try {
      assertEquals(await compareMain([oldPath, newPath, "--out-dir", outDir]), 1);
    } finally {
      restore();
    }
    assertEquals(errors, [
      `error: ${unwritable(`--out-dir ${outDir}`)} or pass another folder to --out-dir`,
    ]);
    assertEquals([...Deno.readDirSync(folder.dir)].map((e) => e.name), ["exports"]);
  },
);

Deno.test("deno task compare: a file holding an organization on several rows is refused in one line, before any join", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    // a snapshot appended to by another tool: `a` on three rows; joined on org_id, n repeats
    // in each file made n×n rows (3,000 in two 3,000-row snapshots: 10 GB, then Polars' "lengths
    // don't match")
    const frame = (ids: string[]) =>
      exportFrameFromColumns({ org_id: ids, tier: ids.map(() => "pro"), mrr: ids.map(() => 10) });
    const store = (ids: string[], date: string) =>
      writeSnapshot(frame(ids), {
        dir: join(dir, "history"),
        asOf: new Date(`${date}T00:00:00Z`),
        demo: false,
        origin: "export",
      });
    const old = (await store(["a", "b", "a", "a"], "2026-10-01")).path;
    const next = (await store(["a", "b"], "2026-11-01")).path;
    const out = join(dir, "out");
    assertEquals(await compareMain([old, next, "--out-dir", out, "--quiet"]), 1);
    assertEquals(errors, [
      `error: ${old} holds organization "a" on 3 rows, and an export has one row per organization: compare the files the kit wrote (one edited or appended to by another tool repeats rows)`,
    ]);
    // nothing written, not even the folder made for the files
    assertEquals(await Deno.stat(out).then(() => "there", () => "not there"), "not there");
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare refused after its folder check leaves no folder it made: a new --out-dir two levels down goes with it", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const old = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(before, old);
    // named as an export, read as one only once the output folder is made (made early, so that
    // one that cannot be written fails before either export is read)
    const garbled = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await Deno.writeTextFile(garbled, "a,b\r\n1,2\r\n");
    const root = join(dir, "root");
    await Deno.mkdir(root);
    const names = () => [...Deno.readDirSync(root)].map((e) => e.name);
    assertEquals(await compareMain([old, garbled, "--out-dir", join(root, "new", "out")]), 1);
    assertEquals(errors.length, 1, errors.join("\n"));
    ok(errors[0].startsWith(`error: ${garbled} is not a pricing-kit export: `), errors[0]);
    assertEquals(names(), []); // (new and new/out were left, empty, beside "error: …")
    // a folder that was there before stays, as it was
    await Deno.mkdir(join(root, "kept"));
    assertEquals(await compareMain([old, garbled, "--out-dir", join(root, "kept")]), 1);
    assertEquals(names(), ["kept"]);
    assertEquals([...Deno.readDirSync(join(root, "kept"))], []);
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: an export CSV cut short (at a row end, inside its last row's last field) is refused in one line naming it and the fix", async () => {
  const dir = await Deno.makeTempDir();
  const { errors, restore } = captureConsole();
  try {
    const demoCsv = async (date: string) => {
      const { data } = await runExport({
        outDir: dir,
        demo: true,
        asOf: new Date(`${date}T00:00:00Z`),
        formats: ["csv"],
        charts: false,
        quiet: true,
        log: () => {},
        env: {},
      });
      return { path: join(dir, `helicone_pricing_data_${date}_demo.csv`), rows: data.frame.height };
    };
    const old = await demoCsv("2026-10-01");
    const next = await demoCsv("2026-11-01");
    const csv = await Deno.readTextFile(next.path);
    const manifest = "helicone_pricing_data_2026-11-01_demo.manifest.json";
    const fix = "export again (deno task export) or restore the whole file";
    const [atRowEnd, inside] = [cutAtRowEnd(csv, 3), cutInsideLastField(csv)];
    const out = join(dir, "out");
    for (
      const [cut, problem] of [
        [
          atRowEnd,
          `3 of the ${next.rows} rows and ${byteLength(atRowEnd)} of the ${
            byteLength(csv)
          } bytes its manifest ${manifest} records; ${fix} (rows removed on purpose: save it ` +
          "under another name)",
        ],
        [
          inside.text,
          `${inside.rows} of the ${next.rows} rows and ${byteLength(inside.text)} of the ${
            byteLength(csv)
          } bytes its manifest ${manifest} records, its last row without its line break; ${fix}`,
        ],
      ]
    ) {
      await Deno.writeTextFile(next.path, cut);
      errors.length = 0;
      assertEquals(await compareMain([old.path, next.path, "--out-dir", out, "--quiet"]), 1);
      assertEquals(errors, [`error: ${next.path} is cut short: ${problem}`]);
      assertEquals(await Array.fromAsync(Deno.readDir(out)).catch(() => []), [], "nothing written");
    }
  } finally {
    restore();
    await Deno.remove(dir, { recursive: true });
  }
});
