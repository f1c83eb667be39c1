/**
 * The questions notebook's page (lib/notebooks/questions_page.ts): its parameters (csvPath, demo,
 * thresholds), its export file read and typed, and its errors in one line.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import {
  answerDisplays,
  loadQuestionsFrame,
  sourceDisplays,
  stoppedSource,
} from "../lib/notebooks/questions_page.ts";
import { UserError } from "../lib/core/config.ts";
import { mimeBundle } from "../lib/report/display.ts";
import { exportFrameFromColumns, readExportFile } from "../lib/formats/read_export.ts";
import pl from "nodejs-polars";
import { goldenDemoData } from "./fixtures/golden_demo.ts";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { DEMO_WEEK_STEM, writeDemoWeekExport } from "./export_demo_fixture.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { underpricedCustomers } from "../lib/analysis/questions.ts";
import { underpricedChart } from "../lib/analysis/question_charts.ts";
import { allReadings, windowUsage } from "./questions_fixture.ts";

Deno.test("the questions notebook says which parameters a csvPath file overrules (its window, its demo flag), not dropping them without a word", async () => {
  const dir = await Deno.makeTempDir({ prefix: "questions_unused_" });
  try {
    // a 30-day demo export, by its name
    const path = `${dir}/helicone_pricing_data_2026-11-01_demo.csv`;
    await writeCsvFile((await goldenDemoData()).frame, path);
    const overruled = await loadQuestionsFrame({
      asOf: new Date(),
      csvPath: path,
      windowDays: 7,
      demo: false,
    });
    assertEquals([overruled.windowDays, overruled.demo], [30, true]);
    ok(
      overruled.label.endsWith(
        "; **Not used with csvPath:** `windowDays = 7` (the file's window is 30 days), `demo = false` (the file holds demo data)",
      ),
      overruled.label,
    );
    // the parameters cell's defaults agree with the file: nothing to say
    const agreeing = await loadQuestionsFrame({ asOf: new Date(), csvPath: path, windowDays: 30 });
    ok(!agreeing.label.includes("Not used"), agreeing.label);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook checks thresholds and model prices in its loading cell: one line there, defaults in the stopped source", async () => {
  const error = await loadQuestionsFrame({
    asOf: new Date(),
    csvPath: "/nonexistent/never-read.csv",
    thresholds: { underpricedMaxMrr: 200 } as never,
  }).then(() => null, (thrown: unknown) => thrown);
  ok(error instanceof UserError, String(error));
  ok(error.message.startsWith('thresholds has no "underpricedMaxMrr"'), error.message);
  assertEquals(error.stack, `UserError: ${error.message}`);
  await rejects(
    loadQuestionsFrame({
      asOf: new Date(),
      csvPath: "/nonexistent/never-read.csv",
      modelPrices: { pctOfLlmCost: -1 },
    }),
    /^UserError: modelPrices\.pctOfLlmCost must be a number ≥ 0, got -1$/,
  );
  // the answer cells ask with the source's parameters: the defaults, not the bad ones again
  const source = stoppedSource(error);
  assertEquals(source.thresholds.top, 15);
  assertEquals(source.modelPrices.seatPriceUsd, 20);
  const answer = underpricedCustomers(source.frame, source.thresholds);
  const shown = answerDisplays({ answer, chart: underpricedChart(answer), rows: 15, source });
  assertEquals(shown.length, 1);
});

Deno.test("the questions notebook's export file: read in pieces as the readers read it; a missing one in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/helicone_pricing_data_2026-11-01.csv`;
    const written = exportFrameFromColumns({
      org_id: ["a", "b"],
      org_name: ["Acme", "=Bee, Inc."],
      tier: ["pro", "free"],
      seats: [3, 1],
      mrr: [50, null],
    });
    await writeCsvFile(written, path);
    const { frame, label } = await loadQuestionsFrame({ asOf: new Date(), csvPath: path });
    assertEquals(frame.toRecords(), (await readExportFile(path)).frame.toRecords());
    assertEquals(frame.getColumn("org_name").toArray(), ["Acme", "=Bee, Inc."]);
    ok(label.includes(path), label);
    await rejects(
      loadQuestionsFrame({ asOf: new Date(), csvPath: `${dir}/gone.csv` }),
      /gone\.csv does not exist/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook's csvPath typed from the repository's root: the error says the notebook runs in notebooks/ and names ../<path> when it exists", async () => {
  const root = await Deno.makeTempDir();
  const cwd = Deno.cwd();
  try {
    await Deno.mkdir(`${root}/notebooks`);
    await Deno.mkdir(`${root}/outputs`);
    await writeCsvFile(
      exportFrameFromColumns({ org_id: ["a"] }),
      `${root}/outputs/helicone_pricing_data_2026-11-01.csv`,
    );
    Deno.chdir(`${root}/notebooks`);
    await rejects(
      loadQuestionsFrame({
        asOf: new Date(),
        csvPath: "outputs/helicone_pricing_data_2026-11-01.csv",
      }),
      (error: Error) => {
        assertEquals(
          error.message,
          'csvPath: outputs/helicone_pricing_data_2026-11-01.csv does not exist (the notebook runs in notebooks/: ../outputs/helicone_pricing_data_2026-11-01.csv exists; set csvPath = "../outputs/helicone_pricing_data_2026-11-01.csv")',
        );
        return true;
      },
    );
    await rejects(
      loadQuestionsFrame({ asOf: new Date(), csvPath: "outputs/gone.csv" }),
      /^UserError: csvPath: outputs\/gone\.csv does not exist \(the notebook runs in notebooks\/: a path from the repository's root starts with \.\.\/, e\.g\. "\.\.\/outputs\/helicone_pricing_data_2026-11-01\.csv"\)$/,
    );
    // a path already from notebooks/ gets no advice to go up again
    await rejects(
      loadQuestionsFrame({ asOf: new Date(), csvPath: "../outputs/gone.csv" }),
      (error: Error) => {
        assertEquals(error.message, "csvPath: ../outputs/gone.csv does not exist");
        return true;
      },
    );
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the questions notebook's file: demo and window from the name, else from the manifest beside it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const demo = `${dir}/helicone_pricing_data_2026-11-01_demo.csv`;
    await writeCsvFile(windowUsage(1), demo);
    const fromName = await loadQuestionsFrame({ asOf: new Date(), csvPath: demo });
    ok(fromName.demo && fromName.label.startsWith("**Demo data**"), fromName.label);

    const renamed = `${dir}/week.csv`;
    await writeCsvFile(windowUsage(7 / 30), renamed);
    const plain = await loadQuestionsFrame({ asOf: new Date(), csvPath: renamed });
    assertEquals([plain.demo, plain.windowDays], [false, 30]);
    ok(!plain.label.includes("Demo"), plain.label);
    // nothing says its window or kind: what was assumed is said, and how to make it known
    ok(
      plain.label.includes("**Assumed:**") &&
        plain.label.includes("assumed live data and a 30-day window") &&
        plain.label.includes("copy its manifest beside it as week.manifest.json"),
      plain.label,
    );
    await Deno.writeTextFile(
      `${dir}/week.manifest.json`,
      JSON.stringify({ demo: true, window: { days: 7 } }),
    );
    const withManifest = await loadQuestionsFrame({ asOf: new Date(), csvPath: renamed });
    assertEquals([withManifest.demo, withManifest.windowDays], [true, 7]);
    ok(withManifest.label.startsWith("**Demo data**"), withManifest.label);
    ok(withManifest.label.includes("(× 30/7)"), withManifest.label);
    ok(!withManifest.label.includes("Assumed"), withManifest.label);
    assertEquals(allReadings(withManifest.frame), allReadings(fromName.frame));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook's file: a renamed demo export is demo data by its rows; a renamed workbook gives its window", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const written = await writeDemoWeekExport(dir);
    const stamp = `${dir}/${DEMO_WEEK_STEM}`;
    // a copy without its manifest: 180 rows of revenue_source demo (the demo generator's)
    const renamed = `${dir}/renamed.csv`;
    await Deno.copyFile(`${stamp}.csv`, renamed);
    const csv = await loadQuestionsFrame({ asOf: new Date(), csvPath: renamed });
    assertEquals(csv.demo, true);
    ok(csv.label.startsWith("**Demo data**"), csv.label);
    ok(csv.label.includes("revenue_source is demo"), csv.label);
    // its window is nowhere in a CSV: assumed, and said (not "live data": the rows said demo)
    assertEquals(csv.windowDays, 30);
    ok(csv.label.includes("assumed a 30-day window"), csv.label);
    ok(!csv.label.includes("live data"), csv.label);
    // a workbook carries its window (and its DEMO DATA title): 7 days, nothing assumed
    const workbook = `${dir}/renamed.xlsx`;
    await Deno.copyFile(`${stamp}.xlsx`, workbook);
    const xlsx = await loadQuestionsFrame({ asOf: new Date(), csvPath: workbook });
    assertEquals([xlsx.demo, xlsx.windowDays], [true, 7]);
    ok(xlsx.label.includes("7-day export, usage put on a 30-day basis (× 30/7)"), xlsx.label);
    ok(!xlsx.label.includes("Assumed"), xlsx.label);
    // live rows (revenue from Stripe) renamed are never called demo
    const live = `${dir}/live.csv`;
    await writeCsvFile(
      written.data.frame.withColumns(pl.lit("stripe").alias("revenue_source")),
      live,
    );
    const liveSource = await loadQuestionsFrame({ asOf: new Date(), csvPath: live });
    assertEquals(liveSource.demo, false);
    ok(!liveSource.label.includes("Demo"), liveSource.label);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the questions notebook's errors name its parameters: csvPath, demo", async () => {
  await rejects(
    loadQuestionsFrame({ asOf: new Date(), csvPath: "../outputs/notes.txt" }),
    (error: Error) =>
      error.message.startsWith("csvPath ../outputs/notes.txt is not a .csv, .xlsx or .parquet") &&
      error.message.includes('"../outputs/helicone_pricing_data_2026-11-01.csv"') &&
      !error.message.includes("\n"),
  );
  await rejects(
    loadQuestionsFrame({ asOf: new Date(), demo: false, envFile: "/nonexistent/.env" }),
    /^UserError: no database configured: .*pass --demo \(a notebook: demo = true\)/,
  );
});

Deno.test("the questions notebook stopped at a parameter's error: one line, then notes, no answers over nothing", async () => {
  const error = await loadQuestionsFrame({ asOf: new Date(), csvPath: "/nonexistent/gone.csv" })
    .then(() => null, (thrown: unknown) => thrown);
  ok(error instanceof UserError, String(error));
  const message = "csvPath: /nonexistent/gone.csv does not exist";
  assertEquals([error.message, error.stack], [message, `UserError: ${message}`]);
  // `.catch(stoppedSource)`: `frame` stays defined (every column, no row), so the answer cells run
  const source = stoppedSource(error);
  assertEquals(source.frame.height, 0);
  assertEquals(source.frame.columns, [...COLUMN_NAMES]);
  let thrown: unknown;
  try {
    sourceDisplays(source);
  } catch (caught) {
    thrown = caught;
  }
  assertEquals(thrown, error, "the loading cell shows the error");
  const answer = underpricedCustomers(source.frame);
  const shown = answerDisplays({ answer, chart: underpricedChart(answer), rows: 5, source });
  assertEquals(shown.map((d) => mimeBundle(d)["text/markdown"]), [
    "_Nothing to show: loading the data stopped at the error above (fix it, then run again)._",
  ]);
});
