/**
 * lib/notebooks/export_page.ts and export_process.ts: the export notebook's page runs the export
 * in a process of its own (the task's V8 flags) and keeps what its cells show of each stage
 * (tables of a few rows), not the stages' frames; the export's frame crosses over intact, one at
 * a time; the chart files the export wrote are shown instead of drawing the charts again. Refused
 * folders and parameters: export_page_errors_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import pl from "nodejs-polars";
import {
  chartDisplays,
  economicsDisplays,
  joinDisplays,
  metricsDisplays,
  revenueDisplays,
  runExportPage,
} from "../lib/notebooks/export_page.ts";
import ExcelJS from "exceljs";
import { PER_PLAN_MARGINS_NOTE } from "../lib/economics/report.ts";
import { NO_CHARTS_NOTE } from "../lib/economics/xlsx_summary.ts";
import { reportCharts } from "../lib/economics/charts.ts";
import { svgToPng } from "../lib/report/charts.ts";
import { markdownList } from "../lib/formats/markdown.ts";
import { EXPORT_TASK_V8_FLAGS, runExportProcess } from "../lib/notebooks/export_process.ts";
import { loadPricingData } from "../lib/export.ts";
import { UserError } from "../lib/core/config.ts";
import { type Displayable, mimeBundle } from "../lib/report/display.ts";
import { asOf, demoParams } from "./export_page_fixture.ts";

/** Every Polars frame reachable from `value`, with its path. */
function framesIn(value: unknown, path: string, seen = new Set<unknown>()): string[] {
  if (value instanceof pl.DataFrame) return [path];
  if (typeof value !== "object" || value === null || seen.has(value)) return [];
  seen.add(value);
  return Object.entries(value).flatMap(([key, inner]) => framesIn(inner, `${path}.${key}`, seen));
}

Deno.test("export page: a 7-day metrics table says cost_per_seat is the week's beside monthly revenue_per_seat", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const week = await runExportPage(demoParams(outDir, { windowDays: 7 }));
    const [note, table] = metricsDisplays(week);
    const text = mimeBundle(note)["text/markdown"] as string;
    ok(text.startsWith("Window of 7 days: the columns named `*_30d` hold 7-day values;"), text);
    ok(
      text.includes(
        "Not rescaled: `cost_per_seat` is a 7-day figure beside monthly `revenue_per_seat`",
      ),
      text,
    );
    ok((mimeBundle(table)["text/html"] as string).includes("<table"));
    // a 30-day one shows the table alone
    const month = await runExportPage(demoParams(outDir));
    assertEquals(metricsDisplays(month).length, 1);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("export page: the stages' tables, not their frames; the charts from the files written", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const page = await runExportPage(demoParams(outDir));
    const organizations = page.result.data.frame.height;
    ok(organizations > 15, `${organizations} organizations`);

    // Only the export's own frame is held: the query results, the joined frame and the frame
    // with revenue went with their stages.
    assertEquals(
      framesIn({ queries: page.queries, join: page.join, revenue: page.revenue }, "page"),
      [],
    );
    ok(page.metrics.frame === page.result.data.frame, "metrics.frame is the export's frame");

    // The tables were made as the stages ran, with the frames' sizes.
    assertEquals(page.queries.tables.map((t) => t.name), [
      "organizations",
      "promptsCreated",
      "usage",
      "ptbSpend",
    ]);
    const html = (display: Displayable) => String(mimeBundle(display)["text/html"]);
    const joinTable = html(page.join.table);
    ok(joinTable.includes(`10 of ${organizations.toLocaleString("en-US")} rows`), joinTable);
    assertEquals(joinTable.match(/<tr>/g)?.length, 1 + 10);
    const revenueTable = html(page.revenue.table);
    ok(revenueTable.includes("<th") && revenueTable.includes("revenue_source"), revenueTable);

    // demo = true asked for the demo data: the banner says so (not "no database is configured")
    ok(
      page.banner.startsWith(
        "**Demo data**: the demo dataset was asked for (demo = true), so every number below is synthetic.",
      ),
      page.banner,
    );
    // the window as the brief names it, not two ISO instants with milliseconds
    ok(
      page.banner.includes(
        "Window: 30 days, 2026-10-02 to 2026-10-31 (as of 2026-11-01 00:00 UTC).",
      ),
      page.banner,
    );

    // Every warning of the run (the manifest's) once, under the banner; the stages count theirs.
    const { warnings } = page.result.data;
    ok(warnings.some((w) => w.startsWith("infrastructure cost not set")), warnings.join("\n"));
    const manifest = JSON.parse(await Deno.readTextFile(page.result.manifestPath));
    assertEquals(manifest.warnings, warnings);
    const markdownOf = (displays: Displayable[]) =>
      displays.map((d) => String(mimeBundle(d)["text/markdown"] ?? "")).join("\n");
    const shownText = [
      page.banner,
      markdownOf(joinDisplays(page)),
      markdownOf(revenueDisplays(page)),
      markdownOf(economicsDisplays(page)),
    ].join("\n");
    for (const line of markdownList(warnings)) {
      assertEquals(shownText.split(line).length - 1, 1, line);
      ok(page.banner.includes(line), line);
    }

    // Unit economics: the headline, the words that set the per-plan margins apart from it (the
    // summary sheet's), the per-plan table, the cost model (an unset infrastructure cost).
    const economics = economicsDisplays(page).map((d) => mimeBundle(d));
    ok(String(economics[0]["text/markdown"]).includes("| measure | value | basis |"));
    assertEquals(economics[1]["text/markdown"], PER_PLAN_MARGINS_NOTE);
    ok(String(economics[2]["text/html"]).includes(">all</div></td>"));
    // its figures as the brief prints them: per 1,000 requests to 4 decimals in $, margins in %
    // (they were rounded to 2 decimals, without units: "2" for $1.9979)
    ok(/>\$\d+\.\d{4}<\/td>/.test(String(economics[2]["text/html"])));
    ok(/>-?[\d,]+\.\d %<\/td>/.test(String(economics[2]["text/html"])));
    // the cost model last, after the brief's run notes under the table (a partial month, a
    // currency), which this run may or may not have
    const costModel = economics.at(-1)!;
    ok(String(costModel["text/markdown"]).startsWith("**Cost model**"));
    ok(
      String(costModel["text/plain"]).includes(
        "Infrastructure cost not set (counted as $0): margins on the company basis are an upper bound.",
      ),
    );
    // (its Markdown writes the dollar as text: `$…$` would read as maths)
    ok(String(costModel["text/markdown"]).includes("(counted as \\$0)"));

    // The query stage's costs are dollars by then: shown as *_usd, not *_nano.
    const usage = html(page.queries.tables.find((t) => t.name === "usage")!.table);
    const ptbSpend = html(page.queries.tables.find((t) => t.name === "ptbSpend")!.table);
    for (const name of ["llm_cost_usd", "llm_cost_ptb_usd", "llm_cost_byok_usd"]) {
      ok(usage.includes(`>${name}<`), name);
    }
    ok(ptbSpend.includes(">ptb_spend_usd<"), ptbSpend);
    ok(!usage.includes("_nano") && !ptbSpend.includes("_nano"));

    // One image per PNG file the export wrote, its bytes those of the file.
    const pngs = page.result.files.filter((path) => path.endsWith(".png"));
    ok(pngs.length >= 5, `${pngs.length} chart PNGs`);
    const shown = chartDisplays(page).map((display) => mimeBundle(display)["image/png"]);
    assertEquals(
      shown,
      pngs.map((path) => Buffer.from(Deno.readFileSync(path)).toString("base64")),
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("export page: the frame from the export's process is the pipeline's; a second run lets the first's go", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const first = await runExportPage(demoParams(outDir));
    const inProcess = await loadPricingData({
      demo: true,
      windowDays: 30,
      asOf,
      stripe: "skip",
      env: {},
      log: () => {},
    });
    ok(first.metrics.frame.frameEqual(inProcess.frame, true), "same frame as loadPricingData's");
    assertEquals(first.metrics.frame.dtypes.map(String), inProcess.frame.dtypes.map(String));
    // the economics tables were made over that frame, in the export's process
    const kpis = String(mimeBundle(economicsDisplays(first)[0])["text/markdown"]);
    ok(kpis.includes("| measure | value | basis |"), kpis);

    const second = await runExportPage(demoParams(outDir));
    ok(second.metrics.frame.frameEqual(inProcess.frame, true));
    for (const read of [() => first.metrics.frame, () => first.result.data.frame]) {
      let error: unknown;
      try {
        read();
      } catch (thrown) {
        error = thrown;
      }
      ok(error instanceof UserError && /let go when the export ran again/.test(error.message));
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("export page: writeChartFiles = false writes no chart files; the workbook keeps its charts, the cell draws them", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const page = await runExportPage(
      demoParams(outDir, { writeChartFiles: false, formats: ["csv", "xlsx"] }),
    );
    assertEquals(page.result.files.filter((path) => /\.(svg|png)$/.test(path)), []);
    const pngs = chartDisplays(page).map((display) => mimeBundle(display)["image/png"]);
    ok(pngs.length >= 5, `${pngs.length} charts`);
    for (const png of pngs) {
      assertEquals([...Buffer.from(png, "base64").subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    }
    // demo data: the charts the export's process drew for the cell say so, as its files do
    const demoCharts = reportCharts(page.metrics.frame, { windowDays: 30, demo: true })
      .map((chart) => Buffer.from(svgToPng(chart.svg)).toString("base64"));
    assertEquals(pngs, demoCharts);
    // the parameter is about the files beside the data: the summary sheet's charts stay
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(page.result.files.find((path) => path.endsWith(".xlsx"))!);
    const summary = workbook.getWorksheet("summary")!;
    assertEquals(summary.getImages().length, 4);
    const texts = (summary.getSheetValues() as unknown[][]).flatMap((row) => row ?? []);
    ok(!texts.includes(NO_CHARTS_NOTE), "no 'Not drawn' line");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

/** The export notebook's process as runExportPage starts it, sent a demo request for `outDir`. */
async function spawnExportProcess(dir: string, outDir: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      join(import.meta.dirname!, "..", "deno.json"),
      join(import.meta.dirname!, "..", "lib", "notebooks", "export_process.ts"),
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const params = {
    demo: true,
    windowDays: 30,
    asOf: "2026-11-01T00:00:00.000Z",
    formats: ["csv", "xlsx"],
    stripe: "skip",
    chartFiles: false,
    outDir,
  };
  await stdin.write(new TextEncoder().encode(JSON.stringify({ params, env: {}, dir }) + "\n"));
  return { child, stdin };
}

Deno.test("export page: the export's process, its kernel gone (an interrupt ends the Deno kernel), removes the request's folder the kernel would have", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_page_request_" });
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const { child, stdin } = await spawnExportProcess(dir, outDir);
    await stdin.close(); // what the process sees when the kernel is gone
    assertEquals((await child.status).code, 130, "ended by its lifeline");
    ok(!(await exists(dir)), "the request's folder is removed");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("export page: a notebook's interrupt (SIGINT to the kernel's process group, then the kernel gone) stops the export's process as Ctrl-C stops the export: no staging folder or temporary file left, no request folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_page_request_" });
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const { child, stdin } = await spawnExportProcess(dir, outDir);
    const status = child.status.then((s) => (exited = true, s));
    let exited = false;
    const staging = () => [...Deno.readDirSync(outDir)].some((e) => e.name.startsWith(".staging-"));
    while (!exited && !staging()) await new Promise((resolve) => setTimeout(resolve, 2));
    ok(!exited, "the export ended before its staging folder was seen");
    child.kill("SIGINT");
    await stdin.close().catch(() => {});
    assertEquals((await status).code, 130);
    const dotted = (folder: string) =>
      [...Deno.readDirSync(folder)].map((e) => e.name).filter((n) => n.startsWith("."));
    const history = join(outDir, "history");
    assertEquals(
      [...dotted(outDir), ...(await exists(history) ? dotted(history) : [])],
      [],
      "no staging folder or temporary file left",
    );
    ok(!(await exists(dir)), "the request's folder is removed");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(outDir, { recursive: true });
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("export page: the export's process refuses an asOf that is no date (it crosses the pipe as null), never exporting 1970", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    let error: unknown;
    try {
      // runExportProcess directly: the page's own check is not in the way
      await runExportProcess({
        params: {
          demo: true,
          windowDays: 30,
          asOf: new Date("2026-13-01"),
          formats: ["csv"],
          stripe: "skip",
          chartFiles: false,
          outDir,
        },
        env: {},
      });
    } catch (thrown) {
      error = thrown;
    }
    ok(error instanceof UserError, String(error));
    assertEquals(
      error.message,
      'asOf (--as-of) is no real date: new Date(…) was given no day it can read (such as "2026-13-01"); write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
    );
    assertEquals([...Deno.readDirSync(outDir)], [], "nothing written (no 1970-01-01 files)");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("export page: the export's process runs with the export task's V8 flags", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url))).tasks;
  ok(
    String(tasks.export).includes(` --v8-flags=${EXPORT_TASK_V8_FLAGS} `),
    `deno.json's export task: ${tasks.export}`,
  );
});

Deno.test("export page: reading a run's frame after a re-run is one line naming what to read instead", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const first = await runExportPage(demoParams(outDir));
    await runExportPage(demoParams(outDir));
    for (const read of [() => first.metrics.frame, () => first.result.data.frame]) {
      const error = (() => {
        try {
          read();
        } catch (thrown) {
          return thrown;
        }
      })();
      ok(error instanceof UserError, String(error));
      // what the kernel shows: no frame into lib/notebooks/export_page.ts
      assertEquals(error.stack, `UserError: ${error.message}`);
      ok(error.message.includes("run.result.data.frame"), error.message);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
