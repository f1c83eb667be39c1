/**
 * The export's history stage (lib/history/export_stage.ts): which snapshot an export stores (none
 * for a live export run long after its as-of: keep.ts's staleLiveExport, which a backfill also
 * reads), and its brief's history section over the stored ones, leaving out unreadable ones. The
 * live test runs on the fixture databases with revenue from the fake Stripe API.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import { loadPricingData, runExport } from "../lib/export.ts";
import { exportHistory } from "../lib/history/export_history.ts";
import { backfill } from "../lib/history/backfill.ts";
import { staleLiveExport } from "../lib/history/keep.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { readSnapshotFrame, readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { invoice } from "./history_backfill_fixture.ts";
import {
  activeSubscription as subscription,
  fakeStripeEnv,
  monthlyPrice as price,
  startFakeStripe,
} from "./fake_stripe.ts";

const quiet = { charts: false, env: {}, log: () => {}, quiet: true };

/** The rows of a brief's history table: `| month | as of |` of each. */
/** The MRR history table's rows (month, as-of), not the bridge per currency's after it. */
const historyRows = (brief: string) =>
  brief.split("\n## MRR per currency\n")[0].split("\n").filter((line) =>
    /^\| 2026-[^|]*\| 2026-/.test(line)
  ).map((line) => line.split(" | ").slice(0, 2).join(" | "));

Deno.test("an unreadable snapshot is left out of the export's history with one warning naming it; the export is whole", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const exportAt = (date: string) =>
    runExport({
      ...quiet,
      demo: true,
      asOf: new Date(`${date}T00:00:00Z`),
      outDir,
      formats: ["csv", "xlsx"],
    });
  const snapshot = (date: string) => `${dir}/helicone_pricing_data_${date}_demo.parquet`;
  try {
    for (const date of ["2026-08-01", "2026-09-01", "2026-10-01"]) await exportAt(date);
    // October's cut short (its footer gone: unreadable as the folder is listed); September's
    // data pages zeroed (its footer intact: it fails only as its values are read, mid-bridge)
    await Deno.truncate(snapshot("2026-10-01"), 5_000);
    const september = await Deno.readFile(snapshot("2026-09-01"));
    september.fill(0, 4, 4 + 512);
    await Deno.writeFile(snapshot("2026-09-01"), september);

    const result = await exportAt("2026-11-01");
    const leftOut = result.data.warnings.filter((w) => w.startsWith("history snapshot left out"));
    assertEquals(leftOut.length, 2, leftOut.join("\n"));
    for (const [i, date] of ["2026-09-01", "2026-10-01"].entries()) {
      const prefix = `history snapshot left out of the history section: ${
        snapshot(date)
      } is not a readable Parquet snapshot (`;
      ok(leftOut.some((w) => w.startsWith(prefix)), `${i}: ${leftOut.join("\n")}`);
    }
    for (const warning of leftOut) {
      ok(warning.endsWith("); move it out of the history folder or write it again"), warning);
      assertEquals(warning.split("\n").length, 1);
    }
    // everything else written: the CSV, the workbook with its history sheet, the brief with its
    // section from August's end to November's as-of (two months without a readable snapshot)
    ok((await Deno.stat(result.csvPath!)).size > 0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(result.xlsxPath!);
    ok(workbook.getWorksheet("history"), "a history sheet");
    const brief = await Deno.readTextFile(result.briefPath);
    assertEquals(historyRows(brief), ["| 2026-08 → 2026-10 | 2026-11-01"]);
    ok(brief.includes("history snapshot left out of the history section:"), "the brief says so");
    // the brief's outlook (signs of leaving, expansion candidates) leaves them out too, each said
    const trends = result.data.warnings.filter((w) =>
      w.startsWith("signs of leaving and expansion candidates")
    );
    assertEquals(trends.length, 2, trends.join("\n"));
    for (const [i, date] of ["2026-10-01", "2026-09-01"].entries()) {
      ok(
        trends[i].startsWith(
          `signs of leaving and expansion candidates: history snapshot left out: ${
            snapshot(date)
          } is not a readable Parquet snapshot (`,
        ),
        trends[i],
      );
    }
    // (both were stored: none readable, not none stored)
    ok(brief.includes("\nNo readable history snapshot from 30 to 62 days before the as-of"));
    ok((await Deno.stat(snapshot("2026-11-01"))).isFile, "its own snapshot stored");

    // written again, both are read; nothing cached from the damaged files (sums in sidecars, the
    // bridge state) stands in for them: the section is the one made from scratch
    await exportAt("2026-09-01");
    await exportAt("2026-10-01");
    const again = await exportAt("2026-11-01");
    assertEquals(
      again.data.warnings.filter((w) => w.startsWith("history snapshot left out")),
      [],
    );
    const section = historyRows(await Deno.readTextFile(again.briefPath));
    assertEquals(section, [
      "| 2026-08 | 2026-09-01",
      "| 2026-09 | 2026-10-01",
      "| 2026-10 | 2026-11-01",
    ]);
    const tableOf = (brief: string) => brief.split("\n").filter((line) => /^\| 2026-/.test(line));
    await Deno.remove(`${dir}/.bridge-state`, { recursive: true });
    for (const date of ["2026-08-01", "2026-09-01", "2026-10-01", "2026-11-01"]) {
      const meta = JSON.parse(await Deno.readTextFile(`${snapshot(date)}.json`));
      delete meta.history_sums;
      await Deno.writeTextFile(`${snapshot(date)}.json`, JSON.stringify(meta));
    }
    const fresh = await exportHistory(dir, { demo: true, asOf: new Date("2026-11-01T00:00:00Z") });
    // (the MRR history's tables, then the per-currency section's: the demo bills in EUR)
    assertEquals(
      tableOf(await Deno.readTextFile(again.briefPath)),
      tableOf(`${fresh!.section}\n${fresh!.currencySection ?? ""}`),
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a CSV-only export's history section points at the history report, not at a workbook it does not have", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const exportAt = (date: string, formats: ("csv" | "xlsx")[]) =>
      runExport({ ...quiet, demo: true, asOf: new Date(`${date}T00:00:00Z`), outDir, formats });
    await exportAt("2026-10-01", ["csv"]);
    const csvOnly = await Deno.readTextFile((await exportAt("2026-11-01", ["csv"])).briefPath);
    ok(csvOnly.includes("## MRR history"), "a history section over two months");
    ok(!csvOnly.includes("workbook"), "no workbook named");
    ok(
      csvOnly.includes(
        "`deno task history report` writes the bridge per month for the company (plan `(all)`) and per plan, and draws the charts.",
      ),
    );
    const both = await Deno.readTextFile((await exportAt("2026-11-01", ["csv", "xlsx"])).briefPath);
    ok(both.includes("The workbook's `history` sheet has the bridge per month"));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("exports priced by different price books: the brief's history section says so", async () => {
  const outDir = await Deno.makeTempDir();
  const exportAt = (date: string, env: Record<string, string>) =>
    runExport({
      ...quiet,
      env,
      demo: true,
      asOf: new Date(`${date}T00:00:00Z`),
      outDir,
      formats: ["csv"],
    });
  try {
    await exportAt("2026-10-01", {});
    const result = await exportAt("2026-11-01", {
      PRICING_PRICE_BOOK: "scenarios/per_request.json",
    });
    const brief = await Deno.readTextFile(result.briefPath);
    match(
      brief,
      /\*\*Different price books:\*\* as-of 2026-10-01 was priced by `current_seat_based\.json` \(SHA-256 [0-9a-f]{12}…\), as-of 2026-11-01 by `per_request\.json` \(SHA-256 [0-9a-f]{12}…\)\./,
    );
    // the per-request book's plans are other names: its organizations moved at the same MRR
    match(
      brief,
      /Plan changes while paying: \d+ customers? moved plan: .* \d+ at the same MRR\./,
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("staleLiveExport: a live export stores its snapshot within 24 h of its as-of; demo data always", () => {
  const asOf = new Date("2026-11-01T00:00:00Z");
  const at = (hours: number) => new Date(asOf.getTime() + hours * 3_600_000);
  assertEquals(staleLiveExport({ asOf, demo: false, ranAt: at(0) }), null);
  // the month-end run started after midnight, a scheduled job run late that day
  assertEquals(staleLiveExport({ asOf, demo: false, ranAt: at(2) }), null);
  assertEquals(staleLiveExport({ asOf, demo: false, ranAt: at(24) }), null);
  const reason = (lag: string) =>
    `as-of 2026-11-01 is ${lag} before the export ran, and a live export's MRR is Stripe's subscriptions as it runs, not as of then (a snapshot is stored within 24 h of its as-of)`;
  assertEquals(staleLiveExport({ asOf, demo: false, ranAt: at(30) }), reason("30.0 h"));
  assertEquals(staleLiveExport({ asOf, demo: false, ranAt: at(49) }), reason("2.0 days"));
  // demo data is made for its as-of
  assertEquals(staleLiveExport({ asOf, demo: true, ranAt: at(49) }), null);
});

const ALPHA = "11111111-1111-4111-8111-111111111111";
const CHARLIE = "33333333-3333-4333-8333-333333333333";

Deno.test("a live export of a past as-of stores no snapshot, keeps the backfilled one and says so; a backfill replaces an older kit's", async () => {
  // alpha paid $79 in September and October and has 2 seats at $79 today ($158); charlie pays
  // $200 from October
  const alpha = subscription("cus_alpha", price("price_pro", 7900));
  alpha.items.data[0].quantity = 2;
  const fake = startFakeStripe({
    subscriptions: [alpha, subscription("cus_charlie", price("price_team", 20000))],
    products: [
      { id: "prod_price_pro", name: "pro-20251210", metadata: {} },
      { id: "prod_price_team", name: "team_bundle", metadata: {} },
    ],
    invoices: [
      invoice("cus_alpha", "price_pro", 7900, "2026-09-01", "2026-10-01"),
      invoice("cus_alpha", "price_pro", 7900, "2026-10-01", "2026-11-01"),
      invoice("cus_charlie", "price_team", 20000, "2026-10-01", "2026-11-01"),
    ],
  });
  const databases = await freshFixtureDatabases("export_stage");
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  const env = {
    ...databases.env,
    ...fakeStripeEnv(fake),
  };
  const snapshot = (date: string) => `${dir}/helicone_pricing_data_${date}.parquet`;
  const backfillTo = (last: string, log: (line: string) => void = () => {}) =>
    backfill({
      historyDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      outDirChosenBy: ANOTHER_OUTPUT_FOLDER,
      load: loadPricingData,
      env,
      historyDir: dir,
      outDir,
      months: 2,
      last: new Date(`${last}T00:00:00Z`),
      now: new Date("2026-11-20T00:00:00Z"),
      quiet: true,
      log,
    });
  const mrrOf = (path: string) => {
    const frame = readSnapshotFrame(path, { columns: ["org_id", "mrr_recurring"] });
    const ids = frame.getColumn("org_id").toArray() as string[];
    const mrr = frame.getColumn("mrr_recurring").toArray() as (number | null)[];
    return [ALPHA, CHARLIE].map((id) => mrr[ids.indexOf(id)]);
  };
  try {
    // month ends from invoices: 10-01 alpha $79; 11-01 alpha $79, charlie $200
    await backfillTo("2026-11-01");
    assertEquals([mrrOf(snapshot("2026-10-01")), mrrOf(snapshot("2026-11-01"))], [
      [79, 0],
      [79, 200],
    ]);
    const backfilled = await Deno.readFile(snapshot("2026-11-01"));

    // the export as-of 11-01, run weeks later: its MRR is today's ($158 for alpha)
    const result = await runExport({
      ...quiet,
      env,
      demo: false,
      stripe: "auto",
      asOf: new Date("2026-11-01T00:00:00Z"),
      outDir,
      formats: ["csv"],
    });
    const ids = result.data.frame.getColumn("org_id").toArray() as string[];
    assertEquals(result.data.frame.getColumn("mrr_recurring").toArray()[ids.indexOf(ALPHA)], 158);
    const notStored = result.data.warnings.filter((w) => w.startsWith("history snapshot not"));
    assertEquals(notStored.length, 1, result.data.warnings.join("\n"));
    match(
      notStored[0],
      /^history snapshot not stored: as-of 2026-11-01 is [\d.]+ days before the export ran, and a live export's MRR is Stripe's subscriptions as it runs, not as of then \(a snapshot is stored within 24 h of its as-of\); history backfill makes past month ends$/,
    );
    // the backfilled month end stays, untouched; the manifest lists no snapshot
    assertEquals(await Deno.readFile(snapshot("2026-11-01")), backfilled);
    assertEquals((await readSnapshotMeta(snapshot("2026-11-01")))?.origin, "backfill");
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    assertEquals(manifest.history_snapshot, undefined);
    // its brief's history is the stored snapshots': October, charlie new at $200, ending $279
    const brief = await Deno.readTextFile(result.briefPath);
    ok(brief.includes("## MRR history 2026-10\n\nFrom the stored snapshots only:"), brief);
    ok(
      brief.includes(
        "| 2026-10 | 2026-11-01 | $79.00 | $200.00 | $0.00 | $0.00 | $0.00 | $0.00 | $0.00 | $0.00 | $279.00 |",
      ),
      brief,
    );

    // an older kit stored a snapshot for any as-of: 10-01's by an export run on 12-03 at 10:00
    // (today's MRR) is backfilled over; 11-01's, run at 00:05 that day, is kept
    const sidecarAt = async (path: string, writtenAt: string) => {
      const meta = JSON.parse(await Deno.readTextFile(`${path}.json`));
      await Deno.writeTextFile(`${path}.json`, JSON.stringify({ ...meta, written_at: writtenAt }));
    };
    const today = exportFrameFromColumns({
      org_id: [ALPHA, CHARLIE],
      stripe_customer_id: ["cus_alpha", "cus_charlie"],
      mrr_recurring: [158, 200],
    });
    for (
      const [date, writtenAt] of [["2026-10-01", "2026-12-03T10:00:00Z"], [
        "2026-11-01",
        "2026-11-01T00:05:00Z",
      ]]
    ) {
      const written = await writeSnapshot(today, {
        dir,
        asOf: new Date(`${date}T00:00:00Z`),
        demo: false,
        origin: "export",
      });
      await sidecarAt(written.path, writtenAt);
    }
    const lines: string[] = [];
    const again = await backfillTo("2026-11-01", (line) => lines.push(line));
    assertEquals(again.snapshots.map((x) => x.path), [snapshot("2026-10-01")]);
    assertEquals(again.kept.map((k) => k.info.path), [snapshot("2026-11-01")]);
    // 63 days from 10-01 to 12-03, and 10 hours: 63.4 days
    ok(
      lines.includes(
        "snapshot 2026-10-01: replacing helicone_pricing_data_2026-10-01.parquet (written by an export): as-of 2026-10-01 is 63.4 days before the export ran, and a live export's MRR is Stripe's subscriptions as it runs, not as of then (a snapshot is stored within 24 h of its as-of)",
      ),
      lines.join("\n"),
    );
    assertEquals(mrrOf(snapshot("2026-10-01")), [79, 0]);
    assertEquals((await readSnapshotMeta(snapshot("2026-11-01")))?.origin, "export");
  } finally {
    await fake.close();
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("ranAt: a live export of a fixed as-of run as if minutes after it (the benchmark) stores its snapshot", async () => {
  const databases = await freshFixtureDatabases("export_stage_ran_at");
  const outDir = await Deno.makeTempDir();
  try {
    const asOf = new Date("2026-11-01T00:00:00Z");
    const result = await runExport({
      ...quiet,
      env: databases.env,
      demo: false,
      stripe: "skip",
      asOf,
      ranAt: new Date("2026-11-01T00:10:00Z"),
      outDir,
      formats: ["csv"],
    });
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    assertEquals(manifest.history_snapshot?.name, "helicone_pricing_data_2026-11-01.parquet");
    ok(!result.data.warnings.some((w) => w.startsWith("history snapshot not stored")));
  } finally {
    await Deno.remove(outDir, { recursive: true });
    await databases.drop();
  }
});
