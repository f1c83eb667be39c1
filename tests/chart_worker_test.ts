/**
 * The chart worker (lib/report/chart_worker.ts) and how the export uses it: the worker's files and
 * summary PNGs are the bytes the main thread would make, CHART_COLUMNS holds every column a chart
 * reads, a failed chart fails the run with nothing published, and `charts: false` starts no worker.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pl from "nodejs-polars";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { loadPricingData, runExport } from "../lib/export.ts";
import {
  EXPORT_CHARTS,
  reportChartNames,
  reportCharts,
  summaryCharts,
} from "../lib/economics/charts.ts";
import { CHART_MRR_KNOWN, CUSTOMER_CHART_COLUMNS } from "../lib/report/chart_customers.ts";
import { summaryChartNames } from "../lib/economics/xlsx_summary.ts";
import { DEMO_NOTE, writeChartFiles } from "../lib/report/charts.ts";
import {
  CHART_COLUMNS,
  CHART_READS,
  chartColumns,
  chartFrameColumns,
  chartPlanTable,
} from "../lib/report/chart_columns.ts";
import { startChartWorker, writeChartsOffThread } from "../lib/report/chart_worker.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";
import { economicsFrameWithF, frameWithSharedCustomer } from "./economics_fixture.ts";
import { ANOTHER_OUTPUT_FOLDER, outDirFlag } from "../lib/core/chosen_by.ts";
import { assertOutDirWriteRefused, readOnlyFolderTest } from "./read_only_folder.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
const demo = await loadPricingData({ demo: true, asOf, env: {}, log: () => {} });

Deno.test("charts written in a worker are the files the main thread writes, and the summary PNGs", async () => {
  const here = await Deno.makeTempDir();
  const there = await Deno.makeTempDir();
  try {
    // demo data: the worker's charts say so too (the caption's DEMO_NOTE)
    const charts = reportCharts(demo.frame, { demo: true });
    ok(charts.every((c) => c.svg.includes(DEMO_NOTE)), "every chart says demo");
    const direct = await writeChartFiles(charts, {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir: here,
      stamp: "2026-11-01_demo",
    });
    const offThread = await writeChartsOffThread({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame: demo.frame,
      outDir: there,
      stamp: "2026-11-01_demo",
      summary: true,
      windowDays: 30,
      demo: true,
    });
    assertEquals(direct.length, 16); // 8 charts × (SVG, PNG)
    assertEquals(
      offThread.paths.map((p) => p.slice(there.length)),
      direct.map((p) => p.slice(here.length)),
    );
    for (const path of direct) {
      const twin = there + path.slice(here.length);
      assertEquals(await Deno.readFile(twin), await Deno.readFile(path), twin);
    }
    // The summary sheet's PNGs: the same names, titles and bytes as summaryCharts makes here.
    const summary = summaryCharts(charts);
    assertEquals(summary.map((c) => c.name), summaryChartNames(demo.frame));
    assertEquals(
      offThread.summary.map((c) => [c.name, c.title]),
      summary.map((c) => [
        c.name,
        c.title,
      ]),
    );
    summary.forEach((c, i) => ok(Buffer.compare(offThread.summary[i].png, c.png) === 0, c.name));
  } finally {
    await Deno.remove(here, { recursive: true });
    await Deno.remove(there, { recursive: true });
  }
});

Deno.test("CHART_COLUMNS and the per-plan table: every chart drawn from them alone is the chart of the whole frame", async () => {
  type Table = ReturnType<typeof chartPlanTable>;
  const svgs = (frame: pl.DataFrame, table?: Table) =>
    reportCharts(frame, { ...table }).map((c) => [c.name, c.svg]);
  // the demo, the economics fixture, and the demo ×40 (scatter plots become hexbins)
  const times40 = pl.concat(Array.from({ length: 40 }, () => demo.frame));
  // and a Stripe customer two organizations share (its plan is joined by stripe_customer_id)
  const shared = await frameWithSharedCustomer({ tierRaw: "team-20251210" });
  for (const frame of [demo.frame, await economicsFrameWithF(), times40, shared]) {
    const charts = svgs(frame);
    assertEquals(charts.length, 8);
    // A chart reading a column left out fails here (Polars: not found) or draws differently.
    const table = chartPlanTable(frame, 30);
    assertEquals(svgs(chartColumns(frame, 30), table), charts);
    // drawn from aggregates (above a small drawn-points limit) too
    const aggregated = (frame: pl.DataFrame, table?: Table) =>
      reportCharts(frame, { ...table, maxDrawnPoints: 100 }).map((c) => [c.name, c.svg]);
    assertEquals(aggregated(chartColumns(frame, 30), table), aggregated(frame));
    // and the customer columns are worked out where the ids are: without them, every row is its
    // own (the shared customer's charts differ)
    const alone = svgs(frame.select(...CHART_COLUMNS), table);
    assertEquals(alone.every(([, svg], i) => svg === charts[i][1]), frame !== shared);
    // which is all the worker gets when no customer is shared
    assertEquals(chartColumns(frame, 30).columns.length > CHART_COLUMNS.length, frame === shared);
  }
});

Deno.test("CHART_READS: each chart drawn from its own columns alone (as the worker reads them) is the chart of every chart column", async () => {
  // names that are chart columns: a misspelt one would silently leave a column out
  const known = [...CHART_COLUMNS, ...Object.values(CUSTOMER_CHART_COLUMNS), CHART_MRR_KNOWN];
  for (const [name, reads] of Object.entries(CHART_READS)) {
    assertEquals(reads.filter((c) => !known.includes(c)), [], name);
  }
  const times40 = pl.concat(Array.from({ length: 40 }, () => demo.frame));
  const shared = await frameWithSharedCustomer({ tierRaw: "team-20251210" });
  for (const frame of [demo.frame, await economicsFrameWithF(), times40, shared]) {
    const columns = chartColumns(frame, 30);
    const table = chartPlanTable(frame, 30);
    const names = reportChartNames(columns.columns);
    assertEquals(names.length, 8);
    for (const name of names) {
      const read = chartFrameColumns(name, columns.columns);
      // the worker's frame: these columns in the file's order, or none (the per-plan charts)
      const own = read.length > 0 ? columns.select(...read) : pl.DataFrame();
      // every point drawn, and drawn from aggregates (above a small drawn-points limit)
      for (const limit of [{}, { maxDrawnPoints: 100 }]) {
        assertEquals(
          EXPORT_CHARTS[name](own, { ...table, ...limit, windowDays: 30 }).svg,
          EXPORT_CHARTS[name](columns, { ...table, ...limit, windowDays: 30 }).svg,
          `${name} ${JSON.stringify(limit)}`,
        );
      }
    }
  }
});

Deno.test("org_name read later: a scatter drawn without it (the worker's read above MAX_DOTS organizations) reads it only to draw dots, and is the chart drawn with it", async () => {
  const times40 = pl.concat(Array.from({ length: 40 }, () => demo.frame));
  const shared = await frameWithSharedCustomer({ tierRaw: "team-20251210" });
  // the demo and the shared customer's frame draw dots; the demo ×40 hexbins, but for the few
  // paying organizations' scatter
  for (const frame of [demo.frame, shared, times40]) {
    const columns = chartColumns(frame, 30);
    const table = chartPlanTable(frame, 30);
    let reads = 0;
    const orgNames = () => {
      reads++;
      return columns.getColumn("org_name");
    };
    const scatters = reportChartNames(columns.columns)
      .filter((name) => CHART_READS[name].includes("org_name"));
    assertEquals(scatters, ["mrr_vs_requests", "margin_vs_mrr", "requests_vs_llm_cost"]);
    let titled = 0; // scatters drawing dots, whose hover titles name organizations
    for (const name of scatters) {
      const read = chartFrameColumns(name, columns.columns).filter((c) => c !== "org_name");
      const named = EXPORT_CHARTS[name](columns, { ...table, windowDays: 30 }).svg;
      if (named.includes("<title>")) titled++;
      assertEquals(
        EXPORT_CHARTS[name](columns.select(...read), { ...table, windowDays: 30, orgNames }).svg,
        named,
        name,
      );
    }
    assertEquals(reads, titled);
    assertEquals(titled, frame === times40 ? 1 : 3);
  }
  // and the worker's files, where it reads the names later, are the main thread's
  const here = await Deno.makeTempDir();
  const there = await Deno.makeTempDir();
  try {
    const direct = await writeChartFiles(
      reportCharts(times40, { ...chartPlanTable(times40, 30) }),
      {
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        outDir: here,
        stamp: "2026-11-01",
      },
    );
    const offThread = await writeChartsOffThread({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame: times40,
      outDir: there,
      stamp: "2026-11-01",
      summary: false,
      windowDays: 30,
      demo: false,
    });
    assertEquals(
      offThread.paths.map((p) => p.slice(there.length)),
      direct.map((p) => p.slice(here.length)),
    );
    for (const path of direct) {
      assertEquals(
        await Deno.readFile(there + path.slice(here.length)),
        await Deno.readFile(path),
        path,
      );
    }
  } finally {
    await Deno.remove(here, { recursive: true });
    await Deno.remove(there, { recursive: true });
  }
});

Deno.test("the worker draws the charts the main thread draws from the whole frame, its per-plan table after the job or in it: a shared Stripe customer counts in its revenue row's plan", async () => {
  // G (team-20251210) shares B's customer, whose revenue row is on legacy pro: margin by plan
  // counts G in legacy pro (B, F and G, as perPlanTable groups them), in the worker too
  const frame = await frameWithSharedCustomer({ tierRaw: "team-20251210" });
  const inProcess = reportCharts(frame, { windowDays: 30 });
  for (const tableAfterJob of [true, false]) {
    const dir = await Deno.makeTempDir();
    try {
      const { paths } = await writeChartsOffThread({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        frame,
        outDir: dir,
        stamp: "s",
        summary: false,
        windowDays: 30,
        demo: false,
        tableAfterJob,
      });
      // in the export's order, whichever order the worker drew them in
      const svgs = paths.filter((p) => p.endsWith(".svg"));
      assertEquals(svgs.length, inProcess.length);
      for (const [i, chart] of inProcess.entries()) {
        assertEquals(await Deno.readTextFile(svgs[i]), chart.svg, `${chart.name} ${tableAfterJob}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("summaryChartNames: the summary charts reportCharts draws, known before drawing", async () => {
  const economics = await economicsFrameWithF();
  assertEquals(
    summaryChartNames(economics),
    summaryCharts(reportCharts(economics)).map((c) => c.name),
  );
  // Without the economics columns only cost and MRR by tier is drawn.
  const plain = economics.drop("plan", "gross_margin_company_pct", "company_cost_30d");
  assertEquals(summaryChartNames(plain), ["cost_and_mrr_by_tier"]);
  assertEquals(summaryCharts(reportCharts(plain)).map((c) => c.name), ["cost_and_mrr_by_tier"]);
});

Deno.test("a chart that fails in the worker rejects the job with its error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(
      writeChartsOffThread({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        frame: demo.frame.drop("tier"),
        outDir: dir,
        stamp: "x",
        summary: false,
        windowDays: 30,
        demo: false,
      }),
      /charts failed: .*tier/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the main thread shares the chart files with the worker: each written once, the same bytes", async () => {
  const here = await Deno.makeTempDir();
  const there = await Deno.makeTempDir();
  try {
    const direct = await writeChartFiles(reportCharts(demo.frame), {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir: here,
      stamp: "s",
    });
    const worker = startChartWorker();
    const rendered = worker.render({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame: demo.frame,
      outDir: there,
      stamp: "s",
      summary: false,
      windowDays: 30,
      demo: false,
    });
    await worker.shareFileWriting(); // claims charts until none is left
    const { paths } = await rendered;
    assertEquals(paths.map((p) => p.slice(there.length)), direct.map((p) => p.slice(here.length)));
    for (const path of direct) {
      const twin = there + path.slice(here.length);
      ok(
        Buffer.from(await Deno.readFile(twin)).equals(Buffer.from(await Deno.readFile(path))),
        twin,
      );
    }
    // nothing else: no temp file of a second write of the same chart
    assertEquals([...Deno.readDirSync(there)].length, direct.length);
    // no job (closed before drawing): nothing to share
    const idle = startChartWorker();
    idle.close();
    await idle.shareFileWriting();
  } finally {
    await Deno.remove(here, { recursive: true });
    await Deno.remove(there, { recursive: true });
  }
});

Deno.test("drawn settles no later than the job (the worker says so once its charts are drawn), and on failure or close; summary then rejects", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const worker = startChartWorker();
    const order: string[] = [];
    const drawn = worker.drawn.then(() => order.push("drawn"));
    const rendered = worker.render({
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      frame: demo.frame,
      outDir: dir,
      stamp: "x",
      summary: false,
      windowDays: 30,
      demo: false,
    })
      .then((charts) => order.push(`rendered ${charts.paths.length}`));
    await Promise.all([drawn, rendered]);
    assertEquals(order, ["drawn", "rendered 16"]);

    const failing = startChartWorker();
    await rejects(
      failing.render({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        frame: demo.frame.drop("tier"),
        outDir: dir,
        stamp: "y",
        summary: false,
        windowDays: 30,
        demo: false,
      }),
      /charts failed/,
    );
    await failing.drawn; // settled by the failure
    await rejects(failing.summary, /charts failed/); // a writer waiting for the PNGs is told

    const closed = startChartWorker();
    closed.close();
    await closed.drawn; // settled by close: an export that never drew does not wait
    await rejects(closed.summary, /closed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const published = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.startsWith(".")).sort();

Deno.test("a chart failure fails the export: nothing published, no staging left", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    await rejects(
      runExport({
        demo: true,
        asOf,
        outDir,
        env: {},
        log: () => {},
        history: false,
        onStageTime: (name, phase) => {
          if (name !== "charts" || phase !== "start") return;
          // Before the worker gets its job: a folder where its first chart file goes.
          const staging = [...Deno.readDirSync(outDir)].find((e) => e.name.startsWith(".staging"));
          Deno.mkdirSync(
            join(outDir, staging!.name, "helicone_pricing_margin_by_plan_2026-11-01_demo.svg", "x"),
            { recursive: true },
          );
        },
      }),
      /charts failed/,
    );
    assertEquals(published(outDir), []);
    assertEquals([...Deno.readDirSync(outDir)].map((e) => e.name), []); // no staging folder
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("an export lists the worker's chart files in the manifest and embeds its PNGs; charts: false starts no worker, nor chartFiles: false without an XLSX", async () => {
  const outDir = await Deno.makeTempDir();
  const RealWorker = globalThis.Worker;
  try {
    const result = await runExport({
      demo: true,
      asOf,
      outDir,
      env: {},
      log: () => {},
      history: false,
    });
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    const listed = (manifest.files as { name: string }[]).map((f) => f.name);
    const charts = published(outDir).filter((n) => /\.(svg|png)$/.test(n));
    assertEquals(charts.length, 16);
    for (const name of charts) ok(listed.includes(name), `${name} in the manifest`);
    // demo data: every chart the export wrote says so
    for (const name of charts.filter((n) => n.endsWith(".svg"))) {
      ok((await Deno.readTextFile(join(outDir, name))).includes(DEMO_NOTE), `${name} says demo`);
    }
    // The workbook's summary images are the worker's PNGs: the bytes summaryCharts makes here.
    const xlsx = published(outDir).find((n) => n.endsWith(".xlsx"))!;
    const media = readZipEntries(await Deno.readFile(join(outDir, xlsx)))
      .filter((e) => e.name.startsWith("xl/media/")).map((e) => entryBytes(e));
    const pngs = summaryCharts(reportCharts(result.data.frame, { demo: true }));
    assertEquals(media.length, 4);
    pngs.forEach((c, i) => ok(Buffer.compare(media[i], c.png) === 0, c.name));

    let started = 0;
    globalThis.Worker = class extends RealWorker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        started++;
        super(...args);
      }
    };
    const none = await Deno.makeTempDir({ dir: outDir });
    await runExport({
      demo: true,
      asOf,
      outDir: none,
      env: {},
      log: () => {},
      history: false,
      charts: false,
    });
    assertEquals(started, 0);
    assertEquals(published(none).filter((n) => /\.(svg|png)$/.test(n)), []);
    // no chart files and no workbook to draw the summary's charts for: nothing to draw
    const csvOnly = await Deno.makeTempDir({ dir: outDir });
    await runExport({
      demo: true,
      asOf,
      outDir: csvOnly,
      env: {},
      log: () => {},
      history: false,
      formats: ["csv"],
      chartFiles: false,
    });
    assertEquals(started, 0);
  } finally {
    globalThis.Worker = RealWorker;
    await Deno.remove(outDir, { recursive: true });
  }
});

readOnlyFolderTest(
  "a chart job into a read-only folder fails in one line naming the folder and the fix for how it was chosen",
  async (folder) => {
    await folder.readOnly();
    await rejects(
      writeChartsOffThread({
        chosenBy: outDirFlag(true),
        frame: demo.frame,
        outDir: folder.dir,
        stamp: "2026-11-01_demo",
        summary: false,
        windowDays: 30,
        demo: true,
      }),
      // the chart columns' file for the worker, the first file the job writes there
      (error: Error) => assertOutDirWriteRefused(error, folder, /\.chart-columns-[0-9a-f-]+\.ipc/),
    );
  },
);
