/**
 * `deno task history` options: which snapshots a report reads without a database, options a
 * command does not take, unknown options and --to's rounding to a month end; import takes whole
 * exports only.
 */
import { deepStrictEqual as assertEquals, match, ok as assert } from "node:assert/strict";
import { HELP } from "../lib/cli/history.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
} from "../lib/history/stored_snapshots.ts";
import { historyDir } from "../lib/history/history_dir.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { runExport } from "../lib/export.ts";
import { join } from "node:path";
import { demoSnapshots, runHistory as run } from "./history_cli_run.ts";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";

/**
 * The same snapshots stored as live ones (an analyst's copy of a shared folder): renamed, and their
 * sidecars recording a live run (the sidecar, not the name, says demo or live).
 */
async function liveSnapshots(dir: string): Promise<void> {
  const demoDir = await Deno.makeTempDir();
  await demoSnapshots(demoDir);
  await Deno.mkdir(dir, { recursive: true });
  for (const entry of Deno.readDirSync(demoDir)) {
    if (!entry.isFile) continue;
    const target = `${dir}/${entry.name.replace("_demo", "")}`;
    if (!entry.name.endsWith(".json")) {
      await Deno.copyFile(`${demoDir}/${entry.name}`, target);
      continue;
    }
    const sidecar = JSON.parse(await Deno.readTextFile(`${demoDir}/${entry.name}`));
    await Deno.writeTextFile(target, JSON.stringify({ ...sidecar, demo: false }), { mode: 0o600 });
  }
  assertEquals((await listSnapshots(dir, false)).length, 2);
}

const reportNames = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("report reads the live snapshots with no --demo/--live, whatever the database", async () => {
  const dir = await Deno.makeTempDir();
  await liveSnapshots(dir);
  const out = await Deno.makeTempDir();
  const result = await run(["report", "--no-charts", "--history-dir", dir, "--out-dir", out]);
  assertEquals(result.code, 0, result.errors.join("\n"));
  assertEquals(reportNames(out), [
    "helicone_pricing_history_2026-06-01.csv",
    "helicone_pricing_history_2026-06-01.md",
    "helicone_pricing_history_2026-06-01_by_currency.csv", // the demo bills some customers in EUR
    "helicone_pricing_history_2026-06-01_plan_changes.csv",
  ]);
  assert(!result.logs.some((line) => line.includes("demo")), result.logs.join("\n"));

  // --demo on a folder without demo snapshots: one line naming the live ones and --live
  const demo = await run(["report", "--demo", "--history-dir", dir, "--out-dir", out]);
  assertEquals(demo.code, 1);
  assertEquals(demo.errors, [
    `error: ${dir} holds 0 demo snapshot month(s) and a report needs two; pass --live for its 2 live snapshot(s)`,
  ]);

  // a mistyped folder is said not to exist (it read as one holding no snapshot)
  const typo = `${dir}-typo`;
  const missing = await run(["report", "--history-dir", typo, "--out-dir", out]);
  assertEquals([missing.code, missing.errors], [1, [
    `error: the history folder ${typo} (--history-dir) does not exist or is no folder; name the folder the exports' snapshots are in, or export at two as-of dates or run deno task history backfill`,
  ]]);
});

Deno.test("report reads a demo-only folder as demo; with both kinds it says which and how to choose", async () => {
  const dir = await Deno.makeTempDir();
  await demoSnapshots(dir);
  const out = await Deno.makeTempDir();
  const demoOnly = await run(["report", "--no-charts", "--history-dir", dir, "--out-dir", out]);
  assertEquals(demoOnly.code, 0, demoOnly.errors.join("\n"));
  assertEquals(reportNames(out), [
    "helicone_pricing_history_2026-06-01_demo.csv",
    "helicone_pricing_history_2026-06-01_demo.md",
    "helicone_pricing_history_2026-06-01_demo_by_currency.csv", // the demo bills some customers in EUR
    "helicone_pricing_history_2026-06-01_demo_plan_changes.csv",
  ]);
  const live = await run(["report", "--live", "--history-dir", dir, "--out-dir", out]);
  assertEquals(live.errors, [
    `error: ${dir} holds 0 live snapshot month(s) and a report needs two; pass --demo for its 2 demo snapshot(s)`,
  ]);

  // one live snapshot beside the demo ones: the live kind is taken, and the one line says why it
  // cannot report (no note before it claiming it reports the live ones)
  const oneLive = await Deno.makeTempDir();
  await demoSnapshots(oneLive);
  const [first] = [...Deno.readDirSync(oneLive)].map((e) => e.name)
    .filter((name) => name.endsWith("_demo.parquet")).sort();
  await Deno.copyFile(join(oneLive, first), join(oneLive, first.replace("_demo", "")));
  const single = await run(["report", "--no-charts", "--history-dir", oneLive, "--out-dir", out]);
  assertEquals([single.code, single.logs, single.errors], [1, [], [
    `error: ${oneLive} holds 1 live snapshot month(s) and a report needs two; pass --demo for its 2 demo snapshot(s)`,
  ]]);

  await liveSnapshots(dir);
  const both = await Deno.makeTempDir();
  const result = await run(["report", "--no-charts", "--history-dir", dir, "--out-dir", both]);
  assertEquals(result.code, 0, result.errors.join("\n"));
  assertEquals(
    result.logs[0],
    `${dir} holds 2 live and 2 demo snapshot(s): reporting the live ones (pass --demo for the demo ones)`,
  );
  assert(reportNames(both).includes("helicone_pricing_history_2026-06-01.csv"));
  const chosen = await Deno.makeTempDir();
  const demo = await run([
    "report",
    "--demo",
    "--no-charts",
    "--history-dir",
    dir,
    "--out-dir",
    chosen,
  ]);
  assertEquals(demo.code, 0, demo.errors.join("\n"));
  assert(!demo.logs.some((line) => line.includes("holds")), "no note when --demo chooses");
  assert(reportNames(chosen).includes("helicone_pricing_history_2026-06-01_demo.csv"));
});

Deno.test("options a command does not take, unknown ones and --demo with --live are one line each", async () => {
  const dir = await Deno.makeTempDir();
  const cases: [string[], string][] = [
    [
      ["report", "--months", "3"],
      "--months is backfill only; history report does not take it (see --help)",
    ],
    [
      ["report", "--to", "2026-06-01"],
      "--to is backfill only; history report does not take it (see --help)",
    ],
    [
      ["import", "--demo", "x.csv"],
      "--demo is backfill/report only; history import does not take it (see --help)",
    ],
    [
      ["import", "--no-charts", "x.csv"],
      "--no-charts is backfill/report only; history import does not take it (see --help)",
    ],
    [["report", "--bogus"], "Unknown option '--bogus' (see --help)"],
    [["backfill", "--month", "3"], "Unknown option '--month' (did you mean --months? see --help)"],
    [
      ["reprot"],
      'unknown command "reprot" (did you mean report?): use import, backfill or report (see --help)',
    ],
    [
      ["import", ""],
      "an argument is empty (an unset shell variable?); fill it in or leave it out (see --help)",
    ],
    [["report", "--demo", "--live"], "--demo and --live contradict each other; pick one"],
  ];
  for (const [args, message] of cases) {
    const result = await run([...args, "--history-dir", dir]);
    assertEquals(result.code, 1, args.join(" "));
    assertEquals(result.errors, [`error: ${message}`], args.join(" "));
  }
  assertEquals([...Deno.readDirSync(dir)], [], "nothing written");
});

Deno.test("backfill --to a day that is not a 1st says it rounds down to that month's 1st", async () => {
  const dir = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  const args = ["backfill", "--demo", "--months", "2", "--no-charts", "--history-dir", dir];
  const result = await run([...args, "--to", "2026-06-15", "--out-dir", out]);
  assertEquals(result.code, 0, result.errors.join("\n"));
  assertEquals(
    result.logs[0],
    "--to 2026-06-15 is not the 1st of a month at 00:00 UTC: the last as-of is 2026-06-01 (month ends only)",
  );
  const asOfs = (await listSnapshots(dir, true)).map((s) => s.asOf.toISOString().slice(0, 10));
  assertEquals(asOfs, ["2026-05-01", "2026-06-01"]);
  const exact = await run([...args, "--to", "2026-06-01", "--out-dir", out]);
  assert(!exact.logs.some((line) => line.startsWith("--to")), "no note for a 1st");
  match(HELP, /--to DATE +backfill: the last as-of, rounded down to the 1st of DATE's month/);
  match(HELP, /--live +backfill\/report/);
});

Deno.test("--help gives --history-dir's default as the command finds it: <out-dir>/history", () => {
  match(
    HELP,
    /--history-dir DIR +the history folder \(default PRICING_HISTORY_DIR, else <out-dir>\/history\)/,
  );
  // what the command reads: --out-dir X without the setting is X/history
  assertEquals(historyDir({}, "elsewhere"), join("elsewhere", "history"));
  assertEquals(historyDir({ PRICING_HISTORY_DIR: "/h" }, "elsewhere"), "/h");
});

Deno.test("backfill --months 1 into an empty folder keeps its snapshot and exits 0, saying the report needs a second month", async () => {
  const root = await Deno.makeTempDir();
  const [dir, out] = [join(root, "history"), join(root, "out")];
  try {
    const args = ["backfill", "--demo", "--months", "1", "--to", "2026-12-01"];
    const one = await run([...args, "--history-dir", dir, "--out-dir", out]);
    assertEquals(one.code, 0, one.errors.join("\n"));
    assertEquals(one.errors, []);
    assert(
      one.logs.includes(
        `no history report yet: ${dir} holds 1 demo snapshot month (as-of 2026-12-01, kept) and a report needs two; backfill more months (--months 2) or export at the next month end, then run deno task history report`,
      ),
      one.logs.join("\n"),
    );
    assertEquals((await listSnapshots(dir, true)).map((s) => s.asOf.toISOString()), [
      "2026-12-01T00:00:00.000Z",
    ]);
    assertEquals([...Deno.readDirSync(out)], [], "no report file");
    // `report` itself still refuses one month: it was asked for a report
    const report = await run(["report", "--history-dir", dir, "--out-dir", out]);
    assertEquals(report.code, 1);
    // the month before: now two, the report is written
    const two = await run([
      "backfill",
      "--demo",
      "--months",
      "1",
      "--to",
      "2026-11-01",
      "--no-charts",
      "--history-dir",
      dir,
      "--out-dir",
      out,
    ]);
    assertEquals(two.code, 0, two.errors.join("\n"));
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
      "helicone_pricing_history_2026-12-01_demo.csv",
      "helicone_pricing_history_2026-12-01_demo.md",
      "helicone_pricing_history_2026-12-01_demo_by_currency.csv", // the demo bills some customers in EUR
      "helicone_pricing_history_2026-12-01_demo_plan_changes.csv",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("snapshots of months before the first organization: one line, no report, exit 0", async () => {
  const dir = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  // the demo's first organization signs up in late 2023: 2019-12 and 2020-01 hold none
  const folders = ["--history-dir", dir, "--out-dir", out, "--no-charts"];
  const backfilled = await run([
    "backfill",
    "--demo",
    "--to",
    "2020-01-01",
    "--months",
    "2",
    ...folders,
  ]);
  assertEquals(backfilled.code, 0, backfilled.errors.join("\n"));
  assertEquals(backfilled.errors, []);
  const none =
    `${dir}: its 2 demo snapshot month(s), 2019-12-01 to 2020-01-01, hold no organizations: no history report written (nothing to bridge)`;
  assertEquals(backfilled.logs.at(-1), none);
  const reported = await run(["report", ...folders]);
  assertEquals([reported.code, reported.errors, reported.logs], [0, [], [none]]);
  assertEquals(reportNames(out), []);
});

Deno.test("a history folder that is a file: the error names --history-dir or PRICING_HISTORY_DIR as given", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "a-file");
  await Deno.writeTextFile(file, "not a folder");
  const out = ["--out-dir", join(dir, "out")];
  // report reads the folder and refuses a missing one: the fix is an existing folder; backfill
  // makes a missing one
  const existing = "the existing folder that holds the snapshots";
  for (
    const [command, wanted] of [
      [["report"], existing],
      [["backfill", "--demo", "--months", "2"], "a folder (made if missing)"],
    ] as const
  ) {
    const flag = await run([...command, "--history-dir", file, ...out]);
    assertEquals([flag.code, flag.errors], [1, [
      `error: --history-dir ${file} is a file, not a folder; pass ${wanted}`,
    ]]);
  }
  const settings = join(dir, "settings.env");
  await Deno.writeTextFile(settings, `PRICING_HISTORY_DIR=${file}\n`);
  for (
    const [command, wanted] of [
      [["report"], existing],
      [["backfill", "--demo", "--months", "2"], "a folder (made if missing)"],
    ] as const
  ) {
    const set = await run([...command, "--env-file", settings, ...out]);
    assertEquals([set.code, set.errors], [1, [
      `error: PRICING_HISTORY_DIR ${file} is a file, not a folder; set PRICING_HISTORY_DIR to ${wanted}`,
    ]]);
  }
});

Deno.test("import refuses a segment, the trimmed CSV or another suffix in one line, naming the whole export to import", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await importRefusals(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function importRefusals(dir: string): Promise<void> {
  const history = join(dir, "history");
  const header = `${COLUMN_NAMES.join(",")}\r\n`;
  const refusal = async (name: string) => {
    const file = join(dir, name);
    await Deno.writeTextFile(file, header);
    const whole = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await Deno.writeTextFile(whole, header);
    const result = await run(["import", whole, file, "--history-dir", history]);
    assertEquals(result.code, 1);
    assertEquals(result.logs, []);
    assertEquals(result.errors.length, 1, result.errors.join("\n"));
    return result.errors[0];
  };
  assertEquals(
    await refusal("helicone_pricing_data_2026-11-01_demo_underpriced.csv"),
    `error: ${dir}/helicone_pricing_data_2026-11-01_demo_underpriced.csv is the underpriced segment (Underpriced: high usage or LLM cost, low MRR), not the whole company a snapshot stands for; import the whole export ${dir}/helicone_pricing_data_2026-11-01_demo.csv (or its .xlsx)`,
  );
  assertEquals(
    await refusal("helicone_pricing_data_2026-11-01_trimmed.csv"),
    `error: ${dir}/helicone_pricing_data_2026-11-01_trimmed.csv is the trimmed CSV (the export without the free organizations that sent no request in the window), not the whole company a snapshot stands for; import the whole export ${dir}/helicone_pricing_data_2026-11-01.csv (or its .xlsx)`,
  );
  assertEquals(
    await refusal("helicone_pricing_data_2026-11-01_final.xlsx"),
    `error: ${dir}/helicone_pricing_data_2026-11-01_final.xlsx: "_final" after the date is not a name the kit gives a whole export; if it is the whole export, rename it helicone_pricing_data_2026-11-01.xlsx`,
  );
  // a name of the export's form whose date is no day: said, not the form (2026 is no leap year,
  // so its February has 28 days)
  assertEquals(
    await refusal("helicone_pricing_data_2026-02-30_demo.csv"),
    `error: ${dir}/helicone_pricing_data_2026-02-30_demo.csv: the as-of date comes from the name, and 2026-02-30 is not a date: 2026-02 has 28 days; rename the file to the date it was exported`,
  );
  // all or none: nothing imported, not even the whole export named before them
  assertEquals(await listSnapshots(history, false), []);
}

Deno.test("backfill --live with nothing configured names every missing setting in one line", async () => {
  const dir = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  const empty = join(dir, "empty.env");
  await Deno.writeTextFile(empty, "");
  const keys = ["PRICING_PG_URL", "PRICING_CH_URL", "STRIPE_SECRET_KEY"];
  const saved = keys.map((key) => [key, Deno.env.get(key)] as const);
  for (const key of keys) Deno.env.delete(key);
  try {
    const result = await run([
      "backfill",
      "--live",
      "--months",
      "2",
      "--env-file",
      empty,
      "--history-dir",
      join(dir, "history"),
      "--out-dir",
      out,
    ]);
    assertEquals([result.code, result.errors], [1, [
      "error: a live backfill reads the databases and revenue from Stripe invoices: set PRICING_PG_URL and PRICING_CH_URL and STRIPE_SECRET_KEY (or run with --demo)",
    ]]);
  } finally {
    for (const [key, value] of saved) if (value !== undefined) Deno.env.set(key, value);
  }
});

Deno.test("import without revenue keeps the stored snapshot of its as-of that has revenue, and says so; --replace imports over it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const history = join(dir, "history");
    const november = new Date("2026-11-01T00:00:00Z");
    // the export's snapshot of 2026-11-01: a pays $10, b $20
    const stored = await writeSnapshot(
      exportFrameFromColumns({ org_id: ["a", "b"], mrr_recurring: [10, 20] }),
      { dir: history, asOf: november, demo: false, origin: "export" },
    );
    const withRevenue = await Deno.readFile(stored.path);
    const byName = "its name's date at 00:00 UTC: no manifest beside it gives the time";
    // the same as-of exported with Stripe skipped: no MRR known
    const noRevenue = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b"],
        mrr_recurring: [null, null],
        revenue_source: ["none", "none"],
      }),
      noRevenue,
    );
    // October has no stored snapshot: it is imported beside the one kept
    const october = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(exportFrameFromColumns({ org_id: ["a"], mrr_recurring: [10] }), october);
    const kept = await run(["import", october, noRevenue, "--history-dir", history]);
    assertEquals(kept.code, 0, kept.errors.join("\n"));
    assertEquals(kept.logs, [
      `imported ${october} as 2026-10-01 (${byName}) → ${history}/helicone_pricing_data_2026-10-01.parquet`,
      `${noRevenue}: not imported: helicone_pricing_data_2026-11-01.parquet (written by an export) has revenue and this file has none (Stripe skipped or failed), so it is kept; pass --replace to import over it`,
    ]);
    assertEquals(await Deno.readFile(stored.path), withRevenue, "the snapshot with revenue stays");
    assertEquals((await readSnapshotMeta(stored.path))?.mrr_known, 2);

    const replaced = await run(["import", noRevenue, "--replace", "--history-dir", history]);
    assertEquals(replaced.code, 0, replaced.errors.join("\n"));
    assertEquals(replaced.logs, [
      `imported ${noRevenue} as 2026-11-01 (${byName}) → ${stored.path} (replaced helicone_pricing_data_2026-11-01.parquet, written by an export, which had revenue; this file has none)`,
    ]);
    const meta = await readSnapshotMeta(stored.path);
    assertEquals([meta?.origin, meta?.mrr_known], ["import", 0]);

    // a file with revenue replaces a stored one without, and says so
    const again = join(dir, "again", "helicone_pricing_data_2026-11-01.csv");
    await Deno.mkdir(join(dir, "again"));
    await writeCsvFile(
      exportFrameFromColumns({ org_id: ["a", "b"], mrr_recurring: [10, 20] }),
      again,
    );
    const over = await run(["import", again, "--history-dir", history]);
    assertEquals(over.logs, [
      `imported ${again} as 2026-11-01 (${byName}) → ${stored.path} (replaced helicone_pricing_data_2026-11-01.parquet, written by an import)`,
    ]);
    assertEquals((await readSnapshotMeta(stored.path))?.mrr_known, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import of a renamed demo export (its rows' revenue_source is demo) stores a demo snapshot, not a live one, and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const history = join(dir, "history");
    const byName = "its name's date at 00:00 UTC: no manifest beside it gives the time";
    // October: the demo generator's rows under a live export's name; November: live rows
    const october = join(dir, "helicone_pricing_data_2026-10-01.csv");
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b"],
        mrr_recurring: [10, 20],
        revenue_source: ["demo", "demo"],
      }),
      october,
    );
    const november = join(dir, "helicone_pricing_data_2026-11-01.csv");
    await writeCsvFile(
      exportFrameFromColumns({
        org_id: ["a", "b"],
        mrr_recurring: [10, 20],
        revenue_source: ["stripe", "stripe"],
      }),
      november,
    );
    const demoLine =
      "stored as a demo snapshot, not a live one: its rows' revenue_source is demo (the demo generator's)";
    const result = await run(["import", october, november, "--history-dir", history]);
    assertEquals(result.code, 0, result.errors.join("\n"));
    assertEquals(result.logs, [
      `${october}: ${demoLine}`,
      `imported ${october} as 2026-10-01 (${byName}) → ${history}/helicone_pricing_data_2026-10-01_demo.parquet`,
      `imported ${november} as 2026-11-01 (${byName}) → ${history}/helicone_pricing_data_2026-11-01.parquet`,
    ]);
    const live = await listSnapshots(history, false);
    const demo = await listSnapshots(history, true);
    assertEquals(live.map((s) => s.asOf.toISOString()), ["2026-11-01T00:00:00.000Z"]);
    assertEquals(demo.map((s) => s.asOf.toISOString()), ["2026-10-01T00:00:00.000Z"]);
    const meta = await readSnapshotMeta(demo[0].path);
    assertEquals([meta?.demo, meta?.warnings], [true, [`imported from ${october}`, demoLine]]);

    // beside the same export under its _demo name, both would be one demo snapshot: refused
    await Deno.mkdir(join(dir, "named"));
    const named = join(dir, "named", "helicone_pricing_data_2026-10-01_demo.csv");
    await Deno.copyFile(october, named);
    const other = join(dir, "other");
    const both = await run(["import", october, named, "--history-dir", other]);
    assertEquals([both.code, both.logs], [1, []]);
    assertEquals(both.errors, [
      `error: ${october} and ${named} are both dated 2026-10-01_demo; import one`,
    ]);
    assertEquals(await listSnapshots(other, true), [], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import of an export made later on the 1st stores it at the manifest's as-of, not the month end; without a manifest, the name's date", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // December to date at 13:00: its own snapshot is …T130000Z, beside November's month end
    const out = join(dir, "out");
    const exported = await runExport({
      demo: true,
      asOf: new Date("2026-12-01T13:00:00Z"),
      outDir: out,
      historyDir: join(dir, "exported"),
      formats: ["csv", "xlsx"],
      charts: false,
      env: {},
      log: () => {},
      quiet: true,
    });
    const name = "helicone_pricing_data_2026-12-01_demo";
    assertEquals(exported.csvPath, join(out, `${name}.csv`));
    const own = "helicone_pricing_data_2026-12-01T130000Z_demo.parquet";
    assert(Deno.statSync(join(dir, "exported", own)).isFile, "the export's own snapshot");
    // the same CSV alone (no manifest beside it): the name's date, 00:00 UTC, as before
    await Deno.mkdir(join(dir, "alone"));
    const alone = join(dir, "alone", `${name}.csv`);
    await Deno.copyFile(exported.csvPath!, alone);

    const history = join(dir, "history");
    const result = await run(["import", exported.csvPath!, alone, "--history-dir", history]);
    assertEquals(result.code, 0, result.errors.join("\n"));
    assertEquals(result.logs, [
      `imported ${exported.csvPath} as 2026-12-01T13:00:00Z (the as-of in its manifest ${name}.manifest.json) → ${history}/${own}`,
      `imported ${alone} as 2026-12-01 (its name's date at 00:00 UTC: no manifest beside it gives the time) → ${history}/${name}.parquet`,
    ]);
    const listed = await listSnapshots(history, true);
    assertEquals(listed.map((s) => [s.path, s.asOf.toISOString()]), [
      [join(history, `${name}.parquet`), "2026-12-01T00:00:00.000Z"],
      [join(history, own), "2026-12-01T13:00:00.000Z"],
    ]);
    assertEquals((await readSnapshotMeta(join(history, own)))?.as_of, "2026-12-01T13:00:00.000Z");
    // the price book that priced its plan column, as its manifest records it; none without one
    const manifest = JSON.parse(
      await Deno.readTextFile(join(out, `${name}.manifest.json`)),
    ).cost_model;
    assertEquals((await readSnapshotMeta(join(history, own)))?.price_book, {
      name: "current_seat_based.json",
      sha256: manifest.price_book_sha256,
    });
    assertEquals((await readSnapshotMeta(join(history, `${name}.parquet`)))?.price_book, undefined);

    // the XLSX beside the same manifest: the same as-of
    const fromXlsx = join(dir, "from_xlsx");
    const xlsx = await run(["import", join(out, `${name}.xlsx`), "--history-dir", fromXlsx]);
    assertEquals(xlsx.code, 0, xlsx.errors.join("\n"));
    assertEquals((await listSnapshots(fromXlsx, true)).map((s) => s.asOf.toISOString()), [
      "2026-12-01T13:00:00.000Z",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import of an export an earlier kit version wrote (f6d6c0c's 41 columns, CSV and XLSX): the columns added since left empty, one line naming them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // three organizations of f6d6c0c's demo export as-of 2026-10-01, as it wrote them (the XLSX by
    // its writeXlsxFile from the CSV): Harbor Bank 391 free $0, Granite Games 32 team $799,
    // Delta Bank 118 pro $70 recurring
    const fixtures = new URL("./fixtures/", import.meta.url).pathname;
    const csv = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    const xlsx = join(dir, "helicone_pricing_data_2026-09-01_demo.xlsx");
    await Deno.copyFile(join(fixtures, "export_columns_f6d6c0c.csv"), csv);
    await Deno.copyFile(join(fixtures, "export_columns_f6d6c0c.xlsx"), xlsx);
    const history = join(dir, "history");
    const result = await run(["import", csv, xlsx, "--history-dir", history]);
    assertEquals(result.code, 0, result.errors.join("\n"));
    const lacks =
      "an export of an earlier kit version: it has no plan, list_price_mrr, ptb_revenue_30d, company_cost_30d and gross_margin_company_pct (added since), left empty in its snapshot";
    const byName = "its name's date at 00:00 UTC: no manifest beside it gives the time";
    assertEquals(result.logs, [
      `${csv}: ${lacks}`,
      `imported ${csv} as 2026-10-01 (${byName}) → ${history}/helicone_pricing_data_2026-10-01_demo.parquet`,
      `${xlsx}: ${lacks}`,
      `imported ${xlsx} as 2026-09-01 (${byName}) → ${history}/helicone_pricing_data_2026-09-01_demo.parquet`,
    ]);
    for (const snapshot of await listSnapshots(history, true)) {
      const frame = readSnapshotFrame(snapshot.path);
      assertEquals(frame.columns, COLUMN_NAMES);
      assertEquals(frame.getColumn("org_name").toArray(), [
        "Harbor Bank 391",
        "Granite Games 32",
        "Delta Bank 118",
      ]);
      assertEquals(frame.getColumn("mrr_recurring").toArray(), [0, 799, 70]);
      assertEquals(frame.getColumn("is_ptb").toArray(), [false, false, true]);
      assertEquals(
        frame.getColumn("created_at").toArray()[0],
        new Date("2026-09-29T09:46:58.577Z"),
      );
      for (const name of ["plan", "list_price_mrr", "company_cost_30d"]) {
        assertEquals(frame.getColumn(name).nullCount(), 3, name);
      }
      const meta = await readSnapshotMeta(snapshot.path);
      assertEquals(meta?.mrr_known, 3);
      assert(meta?.warnings.includes(lacks), "the sidecar says so too");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import still refuses a header that is no kit version's: a column renamed, missing, unknown or moved", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const fixture = await Deno.readTextFile(
      new URL("./fixtures/export_columns_f6d6c0c.csv", import.meta.url),
    );
    const [header, ...rows] = fixture.split("\r\n");
    const earlier = header.split(",");
    const refused = async (names: string[], width = names.length) => {
      const file = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
      const row = Array(width).fill("").map((_, i) => (i === 0 ? "o1" : "")).join(",");
      await Deno.writeTextFile(file, `${names.join(",")}\r\n${row}\r\n`);
      const result = await run(["import", file, "--history-dir", join(dir, "history")]);
      assertEquals(result.code, 1, names.join(","));
      assertEquals(result.errors.length, 1);
      return result.errors[0].replace(`error: ${file} `, "");
    };
    assert(rows.length > 1, "the fixture has rows");
    // this version's header without mrr (a column every version has)
    assertEquals(
      await refused(COLUMN_NAMES.filter((name) => name !== "mrr")),
      "does not match this version's columns: its header lacks mrr; restore the column (or re-export it with deno task export)",
    );
    // the earlier header with tier renamed, with a column of no version, with two columns swapped
    const renamed = earlier.map((name) => (name === "tier" ? "tier_family" : name));
    match(
      await refused(renamed),
      /^does not match this version's columns: .*has unexpected tier_family/,
    );
    match(await refused([...earlier, "notes"]), /has unexpected notes/);
    const swapped = [earlier[1], earlier[0], ...earlier.slice(2)];
    match(await refused(swapped), /^does not match this version's columns: its header lacks plan/);
    assertEquals(await listSnapshots(join(dir, "history"), true), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("import of a comparison, scenario or history file says what it is, not to rename it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [name, kind] of [
        ["helicone_pricing_compare_2026-11-01_to_2026-11-01.csv", "compare"],
        ["helicone_pricing_scenario_per_request_2026-11-01.csv", "scenario"],
        ["helicone_pricing_history_2026-06-01.csv", "history"],
      ]
    ) {
      const file = join(dir, name);
      await Deno.writeTextFile(file, "org_id\na\n");
      const result = await run(["import", file, "--history-dir", join(dir, "history")]);
      assertEquals([result.code, result.errors], [1, [
        `error: ${file} is a ${kind} file, not an export: import takes the exports the kit wrote (helicone_pricing_data_<YYYY-MM-DD>[_demo].csv or .xlsx)`,
      ]]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
