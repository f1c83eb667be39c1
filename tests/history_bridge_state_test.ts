/**
 * lib/history/bridge_state.ts: the bridge's state after the stored snapshots is kept in the
 * history folder and resumed when those snapshots are the first of a bridge, so an export computes
 * its own step only; the report is the one computed from scratch, to the bit, whatever was stored.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import type { HistoryPoint } from "../lib/history/bridge.ts";
import {
  buildHistoryReport,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
} from "../lib/history/report.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { basename } from "node:path";
import { ownedTempPath } from "../lib/formats/staging.ts";
import {
  assertSameHistoryReport,
  HISTORY,
  PAUSE_AFTER_BACKFILL_HISTORY,
  PAUSED_HISTORY,
  snapshot,
} from "./fixtures/history.ts";
import { yenFrame } from "./history_native_fixture.ts";

// (the fixture lists them out of order)
const [january, february, march] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());
const april = snapshot("2026-04-30", [
  ["A", "pro", 150.10, 1700, 10],
  ["B", "pro", 0, 0, 0],
  ["C", "team", 450, 8500, 90],
  ["D", "pro", 100, 4000, 20],
  ["E", "pro", 79, 950, 0],
  ["F", "pro", 20, 40, 0],
]);

const store = async (dir: string, points: HistoryPoint[]) => {
  for (const point of points) {
    await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
  }
};

/** The export's report: the folder's snapshots, then `current` in memory. */
const reportOf = async (dir: string, current: HistoryPoint) =>
  await loadHistoryReport([
    ...await loadMonthlyHistoryPoints(dir, { demo: false, current }),
    current,
  ], false);

const stateOf = async (dir: string) =>
  JSON.parse(await Deno.readTextFile(`${dir}/.bridge-state/state.json`));

Deno.test("the stored snapshots' state is kept and resumed: the same report, and read, not computed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await store(dir, [january, february]);
    const expected = buildHistoryReport([january, february, march], false);
    assertSameHistoryReport(await reportOf(dir, march), expected);
    const state = await stateOf(dir);
    assertEquals(state.snapshots.map((s: { name: string }) => s.name), [
      "helicone_pricing_data_2026-01-31.parquet",
      "helicone_pricing_data_2026-02-28.parquet",
    ]);
    assertEquals(state.rowsOf, [7, 6]);
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((name) => name.endsWith(".tmp")),
      [],
      "no temporary folder left",
    );
    assertSameHistoryReport(await reportOf(dir, march), expected);

    // read, not computed: February's totals changed by hand in the state show in the report
    const path = `${dir}/.bridge-state/totals.ipc`;
    const totals = pl.readIPC(path);
    assertEquals(totals.getColumn("idx").toArray(), [0, 1]);
    totals.withColumns(
      pl.when(pl.col("idx").eq(1)).then(pl.lit(12345.5)).otherwise(pl.col("mrr_usd")).alias(
        "mrr_usd",
      ),
    ).writeIPC(path);
    const read = await reportOf(dir, march);
    assertEquals(
      read.company.filter(pl.col("month").eq(pl.lit("2026-02-28"))).getColumn("mrr_usd").toArray(),
      [12345.5],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a month stored after the state resumes it; one replaced or put before it starts again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await store(dir, [february, march]);
    await reportOf(dir, april); // state over February and March
    // March's file replaced by another frame: the state no longer fits; made again from scratch
    const altered = snapshot("2026-03-31", [["A", "pro", 999, 1, 0], ["B", "team", 5, 1, 0]]);
    await store(dir, [altered]);
    assertSameHistoryReport(
      await reportOf(dir, april),
      buildHistoryReport([february, altered, april], false),
    );
    // January stored before the state's first snapshot: made again
    await store(dir, [january]);
    assertSameHistoryReport(
      await reportOf(dir, april),
      buildHistoryReport([january, february, altered, april], false),
    );
    assertEquals((await stateOf(dir)).snapshots.length, 3);
    // April stored after it: resumed for the first three, April's step computed
    await store(dir, [april]);
    const may = snapshot("2026-05-31", [["A", "pro", 160, 1800, 12], ["F", "pro", 20, 50, 0]]);
    assertSameHistoryReport(
      await reportOf(dir, may),
      buildHistoryReport([january, february, altered, april, may], false),
    );
    assertEquals((await stateOf(dir)).snapshots.length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the retention period's start customers are kept in the state; a later month's start is read then kept", async () => {
  // month ends as-of 2025-01-01 … 2026-02-01: B grows a dollar a month, C pays $0 in one month
  const monthEnds = Array.from({ length: 14 }, (_, m) => {
    const asOf = new Date(Date.UTC(2025, m, 1)).toISOString().slice(0, 10);
    return snapshot(asOf, [
      ["A", "pro", 100, 10, 0],
      ["B", "team", 50 + m, 10, 0],
      ["C", "pro", m === 5 ? 0 : 30, 10, 0],
    ]);
  });
  const dir = await Deno.makeTempDir();
  try {
    // twelve stored, as-of 2026-01-01 in memory: trailing 12 months from 2025-01-01 (idx 0)
    await store(dir, monthEnds.slice(0, 12));
    const first = await reportOf(dir, monthEnds[12]);
    assertSameHistoryReport(first, buildHistoryReport(monthEnds.slice(0, 13), false));
    assertEquals(first.retention.period.span.fromAsOf, "2025-01-01");
    assertEquals((await stateOf(dir)).periodStartIdx, 0);
    // a month later the period starts at 2025-02-01 (idx 1), which the state resumed does not keep
    await store(dir, [monthEnds[12]]);
    const next = await reportOf(dir, monthEnds[13]);
    assertSameHistoryReport(next, buildHistoryReport(monthEnds.slice(0, 14), false));
    assertEquals(next.retention.period.span.fromAsOf, "2025-02-01");
    assertEquals((await stateOf(dir)).periodStartIdx, 1);
    // resumed with that start: the same again
    assertSameHistoryReport(
      await reportOf(dir, monthEnds[13]),
      buildHistoryReport(monthEnds.slice(0, 14), false),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a month to date after the stored month ends: the period ends at the last one, resumed or read again; the state kept is the month ends'", async () => {
  // month ends as-of 2025-12-01 … 2026-12-01 (B leaves at the last), then as-of 2026-12-06 12:00
  const monthEnds = Array.from({ length: 13 }, (_, m) => {
    const asOf = new Date(Date.UTC(2025, 11 + m, 1)).toISOString().slice(0, 10);
    return snapshot(asOf, [["A", "pro", 100 + m, 10, 0], ["B", "team", m === 12 ? 0 : 50, 10, 0]]);
  });
  const toDate = {
    ...snapshot("2026-12-06", [["A", "pro", 0, 10, 0], ["B", "team", 0, 10, 0]]),
    asOf: new Date("2026-12-06T12:00:00Z"),
  };
  const all = [...monthEnds, toDate];
  const expected = buildHistoryReport(all, false);
  assertEquals(expected.retention.period.span.toAsOf, "2026-12-01");
  const dir = await Deno.makeTempDir();
  try {
    // the export: the last month end is the state's last snapshot (resumed the second time)
    await store(dir, monthEnds);
    assertSameHistoryReport(await reportOf(dir, toDate), expected);
    assertSameHistoryReport(await reportOf(dir, toDate), expected);
    // the month to date stored too (history report, mrr_history): the month end before it is
    // read again, and the state stays the month ends' (the next export stands in for the month to
    // date: a state made with it would be resumed by nothing)
    await store(dir, [toDate]);
    const stored = async () =>
      await loadHistoryReport(await loadMonthlyHistoryPoints(dir, { demo: false }), false);
    assertSameHistoryReport(await stored(), expected);
    assertEquals((await stateOf(dir)).snapshots.length, 13);
    assertSameHistoryReport(await stored(), expected);
    // the next day's export resumes it, not made again: a total changed by hand in it shows
    const path = `${dir}/.bridge-state/totals.ipc`;
    pl.readIPC(path).withColumns(
      pl.when(pl.col("idx").eq(1)).then(pl.lit(12345.5)).otherwise(pl.col("mrr_usd"))
        .alias("mrr_usd"),
    ).writeIPC(path);
    const nextDay = { ...toDate, asOf: new Date("2026-12-07T12:00:00Z") };
    const read = await reportOf(dir, nextDay);
    assertEquals(
      read.company.filter(pl.col("month").eq(pl.lit("2026-01-01"))).getColumn("mrr_usd").toArray(),
      [12345.5],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state stored before pauses were told from churn is not resumed: made again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [january, february, march, april] = PAUSED_HISTORY;
    await store(dir, [january, february, march]);
    const expected = buildHistoryReport(PAUSED_HISTORY, false);
    // April: P resumes after two months paused (tests/fixtures/history.ts)
    const aprilRow = (report: Awaited<ReturnType<typeof reportOf>>) =>
      report.company.filter(pl.col("month").eq(pl.lit("2026-05-01")))
        .select("reactivation_cents", "resumed_cents").toRecords();
    assertEquals(aprilRow(expected), [{ reactivation_cents: 0, resumed_cents: 12000 }]);
    await reportOf(dir, april); // the state over January to March

    // That state as the kit stored it before (version 2): the last month's paying organizations
    // only (P, paused at 0, left out: it would resume as reactivation), no pause movements; and
    // February's MRR changed by hand, which shows if the state is read.
    const state = `${dir}/.bridge-state`;
    const paying = pl.readIPC(`${state}/previousPayingOrPaused.ipc`);
    paying.filter(pl.col("cents").gt(0)).drop("is_paused").writeIPC(`${state}/previousPaying.ipc`);
    await Deno.remove(`${state}/previousPayingOrPaused.ipc`);
    for (const name of ["moveSums", "planSums"]) {
      pl.readIPC(`${state}/${name}.ipc`).drop("paused_cents", "resumed_cents")
        .writeIPC(`${state}/${name}.ipc`);
    }
    pl.readIPC(`${state}/totals.ipc`).withColumns(pl.lit(12345.5).alias("mrr_usd"))
      .writeIPC(`${state}/totals.ipc`);
    await Deno.writeTextFile(
      `${state}/state.json`,
      JSON.stringify({ ...await stateOf(dir), version: 2 }),
    );

    const report = await reportOf(dir, april);
    assertSameHistoryReport(report, expected);
    assertEquals(aprilRow(report), [{ reactivation_cents: 0, resumed_cents: 12000 }]);
    assertEquals((await stateOf(dir)).version > 2, true, "stored again, in the new version");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state stored before open pauses were kept (version 3) is not resumed: made again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // August to November of tests/fixtures/history.ts's PAUSE_AFTER_BACKFILL_HISTORY
    const points = PAUSE_AFTER_BACKFILL_HISTORY.slice(0, 4);
    const november = points[3];
    await store(dir, points.slice(0, 3));
    const expected = buildHistoryReport(points, false);
    const novemberRow = (report: Awaited<ReturnType<typeof reportOf>>) =>
      report.company.filter(pl.col("month").eq(pl.lit("2026-11-01")))
        .select("new_cents", "reactivation_cents", "resumed_cents").toRecords();
    // N never paid (new 7900); P and W churned in the backfill (reactivation 12000 + 9000)
    const right = [{ new_cents: 7900, reactivation_cents: 21000, resumed_cents: 0 }];
    assertEquals(novemberRow(expected), right);
    await reportOf(dir, november); // the state over August to October

    // That state as the kit stored it before (version 3): October's paying and paused
    // organizations without open_pause; and August's MRR changed by hand, which shows if the state
    // is read.
    const state = `${dir}/.bridge-state`;
    const previous = pl.readIPC(`${state}/previousPayingOrPaused.ipc`);
    (previous.columns.includes("open_pause") ? previous.drop("open_pause") : previous)
      .writeIPC(`${state}/previousPayingOrPaused.ipc`);
    pl.readIPC(`${state}/totals.ipc`).withColumns(pl.lit(12345.5).alias("mrr_usd"))
      .writeIPC(`${state}/totals.ipc`);
    await Deno.writeTextFile(
      `${state}/state.json`,
      JSON.stringify({ ...await stateOf(dir), version: 3 }),
    );

    const report = await reportOf(dir, november);
    assertSameHistoryReport(report, expected);
    assertEquals(novemberRow(report), right);
    assertEquals((await stateOf(dir)).version > 3, true, "stored again, in the new version");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state stored before native amounts (version 11, an older kit's) is not resumed: made again, the yen exact", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // org_jpy's yen as stored: ¥14,000, ¥15,002 ($100.51: derived back ¥15,001), ¥18,000
    const points = [["2026-01-31", 14000], ["2026-02-28", 15002], ["2026-03-31", 18000]].map((
      [day, yen],
    ) => ({
      asOf: new Date(`${day}T00:00:00Z`),
      frame: yenFrame(yen as number, true),
      fxRates: { JPY: 0.0067 },
    }));
    for (const point of points.slice(0, 2)) {
      await writeSnapshot(point.frame, { ...point, dir, demo: false, origin: "export" });
    }
    const yen = (report: Awaited<ReturnType<typeof reportOf>>) =>
      report.currencies.filter(pl.col("currency").eq(pl.lit("JPY")))
        .select("month", "start_minor", "expansion_minor", "end_minor").toRecords();
    // March: 18000 − 15002 = 2998 (from February's derived ¥15,001 it would be 2999)
    const right = [
      { month: "2026-02-28", start_minor: 14000, expansion_minor: 1002, end_minor: 15002 },
      { month: "2026-03-31", start_minor: 15002, expansion_minor: 2998, end_minor: 18000 },
    ];
    assertEquals(yen(buildHistoryReport(points, false)), right);
    await reportOf(dir, points[2]); // the state over January and February

    // That state as the older kit stored it (version 11): February's customers without their
    // stored yen (native_minor), no derivedOf
    const state = `${dir}/.bridge-state`;
    pl.readIPC(`${state}/previousPayingOrPaused.ipc`).drop("native_minor")
      .writeIPC(`${state}/previousPayingOrPaused.ipc`);
    const { derivedOf: _, ...older } = await stateOf(dir);
    await Deno.writeTextFile(`${state}/state.json`, JSON.stringify({ ...older, version: 11 }));

    assertEquals(yen(await reportOf(dir, points[2])), right);
    assertEquals((await stateOf(dir)).version > 11, true, "stored again, in the new version");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The names `count` state folders get from storeBridgeState (ownedTempPath of `.bridge-state`) in a
 * process that has exited since: a killed run's, as it leaves them.
 */
async function deadRunsStateFolders(dir: string, count: number): Promise<string[]> {
  const staging = new URL("../lib/formats/staging.ts", import.meta.url).href;
  const code = `import { ownedTempPath } from ${JSON.stringify(staging)};
    import { basename } from "node:path";
    for (let i = 0; i < ${count}; i++) {
      console.log(basename(ownedTempPath(${JSON.stringify(`${dir}/.bridge-state`)})));
    }`;
  const { stdout } = await new Deno.Command(Deno.execPath(), { args: ["eval", code] }).output();
  return new TextDecoder().decode(stdout).trim().split("\n");
}

Deno.test("the state folders killed runs were writing (..bridge-state.….tmp, as the writer names them) are removed by the next store; a live run's stays", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await store(dir, [january, february]);
    // three killed runs' (an MCP mrr_history's process killed as its client left, each time)
    const dead = await deadRunsStateFolders(dir, 3);
    assertEquals(dead.length, 3);
    const alive = basename(ownedTempPath(`${dir}/.bridge-state`));
    for (const name of [...dead, alive]) {
      await Deno.mkdir(`${dir}/${name}`);
      await Deno.writeTextFile(`${dir}/${name}/totals.ipc`, "a killed run's half");
    }
    await reportOf(dir, march); // stores the state of January and February
    // (the temporary names start with two dots: tempPathFor's and the folder's own)
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n.includes("bridge-state")
    );
    assertEquals(left.sort(), [".bridge-state", alive].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state keyed by two hashes of the customer (version 15) is not resumed: made again, keyed by ids", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await store(dir, [january, february, march]);
    const expected = buildHistoryReport([january, february, march, april], false);
    await reportOf(dir, april); // the state over January to March

    // That state as the older kit stored it (version 15): its customer frames keyed by two 64-bit
    // hashes (org_key_1, org_key_2), no customer ids; and January's MRR changed by hand, which
    // shows if the state is read.
    const state = `${dir}/.bridge-state`;
    for (const name of ["previousPayingOrPaused", "firstPaid", "periodStart"]) {
      const path = `${state}/${name}.ipc`;
      pl.readIPC(path).withColumns(
        pl.col("customer_id").cast(pl.UInt64).alias("org_key_1"),
        pl.lit(7).cast(pl.UInt64).alias("org_key_2"),
      ).drop("customer_id").writeIPC(path);
    }
    await Deno.remove(`${state}/customerIds.ipc`);
    pl.readIPC(`${state}/totals.ipc`).withColumns(pl.lit(12345.5).alias("mrr_usd"))
      .writeIPC(`${state}/totals.ipc`);
    await Deno.writeTextFile(
      `${state}/state.json`,
      JSON.stringify({ ...await stateOf(dir), version: 15 }),
    );

    assertSameHistoryReport(await reportOf(dir, april), expected);
    assertEquals((await stateOf(dir)).version > 15, true, "stored again, in the new version");
    assertEquals(pl.readIPC(`${state}/firstPaid.ipc`).columns.includes("customer_id"), true);
    // and resumed as stored now: the same report again
    assertSameHistoryReport(await reportOf(dir, april), expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
