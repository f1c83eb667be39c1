/**
 * The demo evolves with the as-of, deterministically, and a 12-month demo backfill writes 12
 * snapshots and a report whose bridge reconciles to the cent every month and shows every kind of
 * movement.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { demoQueryResults } from "../lib/sources/demo.ts";
import { loadPricingData } from "../lib/export.ts";
import { companyBridge, historyLong } from "../lib/history/bridge.ts";
import { planBridge, planChanges } from "../lib/history/plan_bridge.ts";
import { main as historyMain, monthsFrom } from "../lib/cli/history.ts";
import { loadHistoryPoints } from "../lib/history/report.ts";
import {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
} from "../lib/history/stored_snapshots.ts";
import { monthEndAsOfs } from "../lib/history/backfill.ts";
import { DEMO_ANCHOR, DEMO_PRICE_CHANGE } from "../lib/sources/demo_lifecycle.ts";
import { HISTORY_CHARTS } from "../lib/history/report_names.ts";
import { DEMO_NOTE } from "../lib/report/chart_frame.ts";

const at = (date: string) => new Date(`${date}T00:00:00Z`);
const orgs = (date: string) => demoQueryResults(at(date), 30).frames.organizations;

Deno.test("demo: organizations sign up over time, and the anchor has all of them", () => {
  const counts = ["2025-06-01", "2026-01-01", "2026-06-01", "2026-11-01", "2027-06-01"].map((d) =>
    orgs(d).height
  );
  for (let i = 1; i < counts.length; i++) ok(counts[i] >= counts[i - 1], `${counts}`);
  ok(counts[0] < counts[3], "fewer organizations a year and a half before the anchor");
  assertEquals(counts[3], 400);
  assertEquals(counts[4], 400);
  assertEquals(DEMO_ANCHOR.toISOString(), "2026-11-01T00:00:00.000Z");
});

Deno.test("demo: the same as-of gives the same data; another as-of changes plans and seats", () => {
  const a = orgs("2026-05-01");
  ok(a.frameEqual(orgs("2026-05-01")));
  const b = orgs("2026-09-01");
  const tiers = (frame: typeof a) =>
    new Map(
      (frame.getColumn("org_id").toArray() as string[]).map((id, i) => [
        id,
        `${frame.getColumn("tier_raw").get(i)}|${frame.getColumn("seats").get(i)}`,
      ]),
    );
  const before = tiers(a), after = tiers(b);
  const changed = [...before].filter(([id, v]) => after.get(id) !== v).length;
  ok(changed > 10, `${changed} organizations changed tier or seats in four months`);
});

Deno.test("demo: pro and team organizations that subscribe after 2025-12-10 are on dated plans", () => {
  const frame = orgs("2026-11-01");
  const created = frame.getColumn("created_at").toArray() as unknown[];
  const raw = frame.getColumn("tier_raw").toArray() as (string | null)[];
  const late = raw.filter((r, i) =>
    /^(pro|team)/.test(r ?? "") &&
    new Date(created[i] as number | Date).getTime() > DEMO_PRICE_CHANGE.getTime()
  );
  ok(late.length > 5, `${late.length} late pro/team organizations`);
  assertEquals(late.filter((r) => !r!.endsWith("-20251210")), []);
  ok(raw.some((r) => r === "pro-20250202" || r === "pro"), "legacy plans remain");
});

Deno.test("monthEndAsOfs: the first instant of each month, oldest first", () => {
  assertEquals(
    monthEndAsOfs(3, new Date("2026-02-17T12:00:00Z")).map((d) => d.toISOString().slice(0, 10)),
    ["2025-12-01", "2026-01-01", "2026-02-01"],
  );
});

Deno.test("demo backfill of 12 months: 12 snapshots, every month reconciles, every movement", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const args = ["backfill", "--demo", "--months", "12", "--to", "2026-12-01", "--out-dir", outDir];
  assertEquals(await historyMain([...args, "--quiet"]), 0);
  const snapshots = await listSnapshots(dir, true);
  assertEquals(
    snapshots.map((s) => s.asOf.toISOString().slice(0, 10)),
    monthEndAsOfs(12, at("2026-12-01")).map((d) => d.toISOString().slice(0, 10)),
  );
  const meta = await readSnapshotMeta(snapshots[0].path);
  assertEquals(meta?.origin, "backfill");
  // the built-in price book priced every month: recorded, and no change of book said
  const book = await Deno.readFile(
    new URL("../scenarios/current_seat_based.json", import.meta.url),
  );
  assertEquals(meta?.price_book, {
    name: "current_seat_based.json",
    sha256: createHash("sha256").update(book).digest("hex"),
  });

  // Each snapshot is the demo pipeline's frame at its as-of.
  const points = await loadHistoryPoints(dir, true);
  const june = await loadPricingData({
    demo: true,
    asOf: at("2026-06-01"),
    env: {},
    log: () => {},
  });
  ok(points[5].frame.frameEqual(june.frame), "2026-06-01 snapshot = loadPricingData at 2026-06-01");
  const long = historyLong(points);
  const company = companyBridge(long).toRecords();
  assertEquals(company.length, 11);
  // Reconciliation, recomputed here from the snapshots in integer cents, independently of
  // checkBridges: end = Σ round(mrr_recurring × 100) of the snapshot; start = the previous end;
  // start + movements = end.
  const snapshotCents = points.map((p) =>
    (p.frame.getColumn("mrr_recurring").toArray() as (number | null)[])
      .reduce((sum: number, v) => sum + Math.round((v ?? 0) * 100), 0)
  );
  company.forEach((row, i) => {
    const c = (name: string) => row[`${name}_cents`] as number;
    assertEquals(c("start"), snapshotCents[i], `${row.month} start`);
    assertEquals(c("end"), snapshotCents[i + 1], `${row.month} end`);
    assertEquals(
      c("start") + c("new") + c("expansion") + c("reactivation") + c("resumed") -
        c("contraction") - c("churn") - c("paused"),
      c("end"),
      `${row.month} balances`,
    );
  });
  for (const name of ["new", "expansion", "contraction", "churn", "reactivation"]) {
    ok(company.some((r) => (r[`${name}_cents`] as number) > 0), `some ${name}`);
  }
  const plans = planBridge(long).toRecords();
  ok(plans.some((r) => (r.moved_in_cents as number) > 0), "moved in");
  const changes = planChanges(long).toRecords();
  ok(changes.some((r) => (r.upgrades as number) > 0), "an upgrade");
  ok(changes.some((r) => (r.downgrades as number) > 0), "a downgrade");

  // The report was written, and the same backfill again gives the same snapshots.
  const report = await Deno.readTextFile(`${outDir}/helicone_pricing_history_2026-12-01_demo.md`);
  ok(report.includes("Every month's bridge reconciles to the cent"));
  ok(!report.includes("price books") && !report.includes("changed wholesale"), "one book");
  // a report of demo snapshots: each chart's first caption line (y 42) opens with the bold note
  for (const name of HISTORY_CHARTS) {
    const svg = await Deno.readTextFile(`${outDir}/helicone_pricing_${name}_2026-12-01_demo.svg`);
    ok(
      new RegExp(`<text x="12" y="42"[^>]*><tspan font-weight="bold"[^>]*>${DEMO_NOTE}</tspan> `)
        .test(svg),
      name,
    );
  }
  const again = await Deno.makeTempDir();
  assertEquals(
    await historyMain([
      "backfill",
      "--demo",
      "--months",
      "2",
      "--to",
      "2026-12-01",
      "--out-dir",
      again,
      "--no-charts",
      "--quiet",
    ]),
    0,
  );
  ok(
    readSnapshotFrame(`${again}/history/helicone_pricing_data_2026-12-01_demo.parquet`)
      .frameEqual(points.at(-1)!.frame),
  );
});

Deno.test("backfill --from: month ends from the 1st after the date to --to; bad steps refused", async () => {
  assertEquals(monthsFrom(at("2026-09-01"), at("2026-12-01")), 4); // 09-01, 10-01, 11-01, 12-01
  assertEquals(monthsFrom(at("2026-09-15"), at("2026-12-01")), 3); // 10-01, 11-01, 12-01
  const outDir = await Deno.makeTempDir();
  const base = ["backfill", "--demo", "--to", "2026-12-01", "--out-dir", outDir, "--quiet"];
  assertEquals(
    await historyMain([...base, "--from", "2026-09-15", "--every", "month", "--no-charts"]),
    0,
  );
  assertEquals((await listSnapshots(`${outDir}/history`, true)).length, 3);
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    assertEquals(await historyMain([...base, "--from", "2026-09-01", "--every", "week"]), 1);
    assertEquals(
      await historyMain(["backfill", "--demo", "--to", "2026-10-01", "--from", "2026-11-05"]),
      1,
    );
  } finally {
    console.error = original;
  }
  assertEquals(errors, [
    "error: --every takes month (one snapshot per month end), got week",
    "error: --from 2026-11-05 is after the last as-of 2026-10-01",
  ]);
});

Deno.test("history backfill and report: a missing --out-dir is made, a blocked one fails before writing", async () => {
  const dir = await Deno.makeTempDir();
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    const history = `${dir}/h`;
    const common = ["--demo", "--history-dir", history, "--quiet", "--env-file", "/dev/null"];
    // --out-dir a file: refused before the first snapshot is written
    await Deno.writeTextFile(`${dir}/file`, "");
    const backfill = ["backfill", "--to", "2026-12-01", ...common];
    const backfillArgs = [...backfill, "--months", "2"];
    assertEquals(await historyMain([...backfillArgs, "--out-dir", `${dir}/file`]), 1);
    assertEquals(await Deno.stat(history).catch(() => null), null, "no snapshot written");
    for (const months of ["abc", "1.5"]) {
      assertEquals(await historyMain([...backfill, "--months", months, "--out-dir", dir]), 1);
    }
    assertEquals(errors, [
      `error: --out-dir ${dir}/file is a file, not a folder; pass a folder (made if missing)`,
      'error: --months must be a whole number from 1 to 120, got "abc"',
      'error: --months must be a whole number from 1 to 120, got "1.5"',
    ]);
    // a folder that does not exist yet is made, as the export makes its own
    assertEquals(await historyMain([...backfillArgs, "--out-dir", `${dir}/new/deep`]), 0);
    assertEquals([...Deno.readDirSync(`${dir}/new/deep`)].length, 14); // 5 CSVs (by currency: the demo bills in EUR too; retention; cohorts), MD, 4 charts × 2

    // report: one chart's place taken by a folder; nothing new appears, the old files stay
    const out = `${dir}/report`;
    errors.length = 0;
    assertEquals(await historyMain(["report", ...common, "--out-dir", out]), 0);
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    const png = names.find((name) => name.endsWith(".png"))!;
    await Deno.remove(`${out}/${png}`);
    await Deno.mkdir(`${out}/${png}`);
    const csv = names.find((name) => name.endsWith(".csv"))!;
    await Deno.writeTextFile(`${out}/${csv}`, "the previous report");
    await Deno.remove(`${out}/${names.find((name) => name.endsWith(".svg"))!}`);
    const before = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(await historyMain(["report", ...common, "--out-dir", out]), 1);
    assertEquals(errors.length, 1, errors.join("\n"));
    ok(errors[0].includes(`${out}/${png} exists and is not a file; move it away`), errors[0]);
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name).sort(), before);
    assertEquals(await Deno.readTextFile(`${out}/${csv}`), "the previous report");
  } finally {
    console.error = original;
    await Deno.remove(dir, { recursive: true });
  }
});
