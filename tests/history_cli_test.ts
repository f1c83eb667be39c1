/**
 * `deno task history` options: which snapshots a report reads without a database, options a
 * command does not take, unknown options and --to's rounding to a month end; backfill with one
 * month or none to report, a history folder that is a file. Import: tests/history_cli_import_test.ts.
 */
import { deepStrictEqual as assertEquals, match, ok as assert } from "node:assert/strict";
import { HELP } from "../lib/cli/history.ts";
import { listSnapshots } from "../lib/history/stored_snapshots.ts";
import { historyDir } from "../lib/history/history_dir.ts";
import { join } from "node:path";
import { demoSnapshots, runHistory as run } from "./history_cli_run.ts";

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
    "helicone_pricing_history_2026-06-01_cohorts.csv",
    "helicone_pricing_history_2026-06-01_plan_changes.csv",
    "helicone_pricing_history_2026-06-01_retention.csv",
  ]);
  // the lines after the heading name every file written, the bridge per currency's too
  assertEquals(
    result.logs.slice(1).map((line) => line.trim().replace(`${out}/`, "")).sort(),
    reportNames(out),
  );
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
    "helicone_pricing_history_2026-06-01_demo_cohorts.csv",
    "helicone_pricing_history_2026-06-01_demo_plan_changes.csv",
    "helicone_pricing_history_2026-06-01_demo_retention.csv",
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

Deno.test("backfill --to or --from in the future says what leaving it out does, not an export's default", async () => {
  const dir = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  const args = ["backfill", "--demo", "--no-charts", "--history-dir", dir, "--out-dir", out];
  const to = await run([...args, "--to", "2099-02-28"]);
  assertEquals(to.code, 1);
  match(
    to.errors.join("\n"),
    /^error: --to 2099-02-28 is in the future \(it is [^)]+ now\); leave it out for the 1st of this month$/,
  );
  const from = await run([...args, "--from", "2099-02-28"]);
  assertEquals(from.code, 1);
  match(
    from.errors.join("\n"),
    /^error: --from 2099-02-28 is in the future \(it is [^)]+ now\); give a month end up to now, or --months N$/,
  );
});

Deno.test("backfill --from a day that is not a 1st says it rounds up to the next month's 1st", async () => {
  const dir = await Deno.makeTempDir();
  const out = await Deno.makeTempDir();
  // 29 February 2024: its month ends at the as-of 2024-03-01, the first snapshot
  const args = ["backfill", "--demo", "--to", "2024-04-01", "--no-charts", "--history-dir", dir];
  const result = await run([...args, "--from", "2024-02-29", "--out-dir", out]);
  assertEquals(result.code, 0, result.errors.join("\n"));
  assertEquals(
    result.logs[0],
    "--from 2024-02-29 is not the 1st of a month at 00:00 UTC: the first as-of is 2024-03-01 (month ends only)",
  );
  const asOfs = (await listSnapshots(dir, true)).map((s) => s.asOf.toISOString().slice(0, 10));
  assertEquals(asOfs, ["2024-03-01", "2024-04-01"]);
  const exact = await run([...args, "--from", "2024-03-01", "--out-dir", out]);
  assert(!exact.logs.some((line) => line.startsWith("--from")), "no note for a 1st");
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
    // no report file, nor the folder made for it (it went again, empty: nothing was written)
    assertEquals(await Deno.stat(out).then(() => "there", () => "not there"), "not there");
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
      "helicone_pricing_history_2026-12-01_demo_cohorts.csv",
      "helicone_pricing_history_2026-12-01_demo_plan_changes.csv",
      "helicone_pricing_history_2026-12-01_demo_retention.csv",
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

Deno.test("a report or backfill refused after its folder check leaves no folder it made: a new --out-dir two levels down goes with it", async () => {
  const dir = await Deno.makeTempDir();
  const root = join(dir, "root");
  await Deno.mkdir(root);
  const out = ["--out-dir", join(root, "new", "out")];
  const empty = join(dir, "empty.env");
  await Deno.writeTextFile(empty, "");
  const keys = ["PRICING_PG_URL", "PRICING_CH_URL", "STRIPE_SECRET_KEY"];
  const saved = keys.map((key) => [key, Deno.env.get(key)] as const);
  for (const key of keys) Deno.env.delete(key);
  try {
    // report: the output folder is made before the history folder is read, here missing
    const missing = join(dir, "missing");
    const report = await run(["report", "--env-file", empty, "--history-dir", missing, ...out]);
    assertEquals(report.code, 1, report.errors.join("\n"));
    match(
      report.errors.join("\n"),
      /^error: the history folder .*missing \(--history-dir\) does not exist/,
    );
    // (new and new/out were left, empty, beside "error: …")
    assertEquals(reportNames(root), []);
    // backfill: made (with the history folder checked) before the live settings are read
    const backfill = await run([
      "backfill",
      "--live",
      "--months",
      "2",
      "--env-file",
      empty,
      "--history-dir",
      join(dir, "history"),
      ...out,
    ]);
    assertEquals(backfill.code, 1, backfill.errors.join("\n"));
    match(backfill.errors.join("\n"), /^error: a live backfill reads the databases /);
    assertEquals(reportNames(root), []);
    assertEquals(reportNames(dir), ["empty.env", "root"]); // (no history folder either)
    // a folder that was there before stays, as it was
    await Deno.mkdir(join(root, "kept"));
    const kept = await run([
      "report",
      "--env-file",
      empty,
      "--history-dir",
      missing,
      "--out-dir",
      join(root, "kept"),
    ]);
    assertEquals(kept.code, 1, kept.errors.join("\n"));
    assertEquals(reportNames(root), ["kept"]);
    assertEquals(reportNames(join(root, "kept")), []);
  } finally {
    for (const [key, value] of saved) if (value !== undefined) Deno.env.set(key, value);
    await Deno.remove(dir, { recursive: true });
  }
});
