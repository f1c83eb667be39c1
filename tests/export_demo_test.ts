/**
 * The demo export end to end: files written, read back, typed, deterministic; segments, refused
 * formats and options, --skip-stripe, the discount setting and the demo's invariants. Windows and
 * re-runs of one date: export_demo_reruns_test.ts.
 */
import { createHash } from "node:crypto";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import ExcelJS from "exceljs";
import type pl from "nodejs-polars";
import { COLUMN_NAMES, COLUMN_NOTES, COLUMNS, SPEC_COLUMN_NAMES } from "../lib/frame/columns.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { DEFAULT_OUT_DIR, type ExportFormat, exportOptions, runExport } from "../lib/export.ts";
import { join } from "node:path";
import { UserError } from "../lib/core/config.ts";
import { asOf } from "./export_demo_fixture.ts";

Deno.test("demo export: CSV, XLSX and manifest, read back", async (t) => {
  const outDir = await Deno.makeTempDir();
  const result = await runExport({
    demo: true,
    asOf,
    outDir,
    charts: false,
    env: {},
    log: () => {},
  });
  const names = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();

  await t.step("dated file names with _demo, and no temp files left", () => {
    assertEquals(names, [
      "helicone_pricing_data_2026-11-01_demo.csv",
      "helicone_pricing_data_2026-11-01_demo.manifest.json",
      "helicone_pricing_data_2026-11-01_demo.md", // the brief for an AI assistant
      "helicone_pricing_data_2026-11-01_demo.xlsx",
      "history", // the Parquet snapshot (tests/history_snapshot_test.ts)
    ]);
  });

  const csv = await Deno.readTextFile(`${outDir}/helicone_pricing_data_2026-11-01_demo.csv`);
  const { header, records } = parseCsvRecords(csv);

  await t.step("the spec's 24 columns first, in order, then the extras", () => {
    assertEquals(SPEC_COLUMN_NAMES.length, 24);
    assertEquals(header.slice(0, 24), SPEC_COLUMN_NAMES);
    assertEquals(header, COLUMN_NAMES);
  });

  await t.step("one row per organization, no NaN or Infinity anywhere", () => {
    assertEquals(records.length, result.data.frame.height);
    assertEquals(new Set(records.map((r) => r.org_id)).size, records.length);
    ok(!/NaN|Infinity/.test(csv));
  });

  await t.step("the dataset has the shapes it promises", () => {
    const count = (test: (r: Record<string, string>) => boolean) => records.filter(test).length;
    ok(count((r) => r.tier === "free") > records.length / 2, "mostly free");
    ok(count((r) => r.seats === "0") > 0, "zero-seat orgs");
    ok(count((r) => r.requests_30d === "0") > 0, "orgs without requests");
    ok(count((r) => r.has_gateway_only === "true") > 0, "gateway-only");
    ok(count((r) => r.is_byok === "true" && r.is_ptb === "true") > 0, "mixed PTB and BYOK");
    ok(
      count((r) => r.is_ptb === "true" && r.requests_30d === "0") > 0,
      "PTB without window requests",
    );
    ok(new Set(records.map((r) => r.tier)).size >= 5, "a mix of tiers");
    ok(count((r) => r.cost_per_seat === "") > 0, "empty ratio when seats = 0");
  });

  await t.step("manifest says demo and lists the files with their hashes", async () => {
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    assertEquals(manifest.demo, true);
    assertEquals(manifest.row_count, records.length);
    assertEquals(manifest.window, {
      start: "2026-10-02T00:00:00.000Z",
      end: "2026-11-01T00:00:00.000Z",
      days: 30,
    });
    assertEquals(manifest.files.map((f: { name: string }) => f.name), [
      "helicone_pricing_data_2026-11-01_demo.csv",
      "helicone_pricing_data_2026-11-01_demo.xlsx",
      "helicone_pricing_data_2026-11-01_demo.md",
    ]);
    assertEquals(manifest.files[0].bytes, new TextEncoder().encode(csv).byteLength);
    // each file's digest is the published file's (the CSV's is made as it is written)
    for (const file of manifest.files as { name: string; bytes: number; sha256: string }[]) {
      const bytes = await Deno.readFile(`${outDir}/${file.name}`);
      assertEquals(
        { bytes: file.bytes, sha256: file.sha256 },
        { bytes: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") },
        file.name,
      );
    }
  });

  await t.step(
    "XLSX: typed cells, formats, frozen bold header, autofilter, dictionary, no merged data cells",
    async () => {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(`${outDir}/helicone_pricing_data_2026-11-01_demo.xlsx`);
      const sheet = workbook.getWorksheet("pricing_data")!;
      assertEquals(sheet.rowCount, records.length + 1);
      const headerRow = sheet.getRow(1).values as unknown[];
      assertEquals(headerRow.slice(1), COLUMN_NAMES);
      ok(sheet.getRow(1).getCell(1).font?.bold, "bold header");
      assertEquals(sheet.views[0].state, "frozen");
      ok(sheet.autoFilter, "autofilter");
      const col = (name: string) => COLUMN_NAMES.indexOf(name) + 1;
      const row2 = sheet.getRow(2);
      assertEquals(typeof row2.getCell(col("seats")).value, "number");
      assertEquals(typeof row2.getCell(col("is_ptb")).value, "boolean");
      ok(row2.getCell(col("created_at")).value instanceof Date);
      assertEquals(row2.getCell(col("org_id")).value, records[0].org_id);
      assertEquals(
        sheet.getColumn(col("llm_cost_30d")).numFmt ?? row2.getCell(col("llm_cost_30d")).numFmt,
        '"$"#,##0.00',
      );
      assertEquals(row2.getCell(col("gross_margin_pct")).numFmt, '#,##0.0"%"');
      const dictionary = workbook.getWorksheet("dictionary")!;
      // the header, a row per column, a blank row, then the column notes' header and the note
      assertEquals(dictionary.rowCount, COLUMNS.length + 1 + 3);
      assertEquals(dictionary.getRow(2).getCell(1).value, "org_id");
      const notesAt = COLUMNS.length + 3;
      assertEquals(dictionary.getRow(notesAt).getCell(1).value, "column note");
      assertEquals(dictionary.getRow(notesAt + 1).getCell(1).value, "stripe_now");
      assertEquals(dictionary.getRow(notesAt + 1).getCell(6).value, COLUMN_NOTES[0].text);
      const mrrRow = dictionary.getRow(2 + COLUMNS.findIndex((c) => c.name === "mrr"));
      ok(String(mrrRow.getCell(6).value).includes("(column note stripe_now)"));
      // revenue-rules.md: one header row, one record per row, no merged cells, on every sheet;
      // the summary's long lines of text are a row a line (tests/xlsx_no_merged_cells_test.ts)
      assertEquals(sheet.model.merges, []);
      assertEquals(dictionary.model.merges, []);
      assertEquals(workbook.getWorksheet("summary")!.model.merges, []);
    },
  );

  await t.step("the same seed and as-of give the same CSV bytes", async () => {
    const again = await Deno.makeTempDir();
    await runExport({
      demo: true,
      asOf,
      outDir: again,
      formats: ["csv"],
      charts: false,
      env: {},
      log: () => {},
    });
    assertEquals(
      await Deno.readTextFile(`${again}/helicone_pricing_data_2026-11-01_demo.csv`),
      csv,
    );
    await Deno.remove(again, { recursive: true });
  });

  await Deno.remove(outDir, { recursive: true });
});

Deno.test("loadPricingData's frame has the column table's columns, in order", async () => {
  const { loadPricingData } = await import("../lib/export.ts");
  const data = await loadPricingData({ demo: true, asOf, env: {}, log: () => {} });
  assertEquals(data.frame.columns, COLUMN_NAMES);
});

Deno.test("--segments: one CSV and one XLSX sheet per segment, listed in the brief", async () => {
  const { SEGMENT_NAMES, segmentFrame } = await import("../lib/report/segments.ts");
  const outDir = await Deno.makeTempDir();
  const result = await runExport({
    demo: true,
    asOf,
    outDir,
    charts: false,
    segments: true,
    env: {},
    log: () => {},
  });
  for (const name of SEGMENT_NAMES) {
    const path = `${outDir}/helicone_pricing_data_2026-11-01_demo_${name}.csv`;
    const { records } = parseCsvRecords(await Deno.readTextFile(path));
    assertEquals(records.length, segmentFrame(result.data.frame, { name }).frame.height, name);
  }
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(`${outDir}/helicone_pricing_data_2026-11-01_demo.xlsx`);
  assertEquals(workbook.worksheets.map((w) => w.name), [
    "summary",
    "pricing_data",
    "dictionary",
    ...SEGMENT_NAMES,
  ]);
  const brief = await Deno.readTextFile(result.briefPath);
  for (const name of SEGMENT_NAMES) ok(brief.includes(name), `brief names ${name}`);
  await Deno.remove(outDir, { recursive: true });
});

Deno.test("runExport's formats: one it does not write is refused in one line, nothing written; one given twice is written once", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_formats_" });
  try {
    for (const formats of [["CSV"], ["csv", "pdf"]]) {
      let error: unknown;
      try {
        await runExport({
          demo: true,
          formats: formats as ExportFormat[],
          outDir,
          quiet: true,
          log: () => {},
          env: {},
        });
      } catch (thrown) {
        error = thrown;
      }
      ok(error instanceof UserError, String(error));
      const unknown = formats.find((f) => f !== "csv")!;
      assertEquals(
        error.message,
        `formats (--format): ${
          JSON.stringify(unknown)
        } is not an output format; use "csv", "xlsx" or both (lower case)`,
      );
      assertEquals([...Deno.readDirSync(outDir)], [], "nothing written");
    }
    const result = await runExport({
      demo: true,
      formats: ["xlsx", "xlsx"],
      outDir,
      quiet: true,
      log: () => {},
      env: {},
      charts: false,
    });
    assertEquals(result.files.filter((path) => path.endsWith(".xlsx")).length, 1);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("runExport's options: an unknown Stripe mode, an empty folder or an as-of that is no date is refused in one line; an undefined option keeps its default", async () => {
  for (
    const [overrides, message] of [
      [
        { stripe: "sometimes" },
        'stripe (--skip-stripe, --refresh-stripe, --require-stripe): "sometimes" is not a Stripe mode; use "auto", "skip", "refresh", "require" or "refresh-require"',
      ],
      [{ outDir: " " }, "outDir (--out-dir) is empty: leave it out for outputs/, or name a folder"],
      [
        { asOf: new Date("2026-13-01") },
        'asOf (--as-of) is no real date: new Date(…) was given no day it can read (such as "2026-13-01"); write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
      ],
      [
        { asOf: "2026-11-01" }, // text, not a Date: named as typed, with the Date to write
        'asOf (--as-of) must be a Date, got "2026-11-01" (text): write new Date("2026-11-01"), or new Date() for now',
      ],
      [
        { asOf: "yesterday" },
        'asOf (--as-of) must be a Date, got "yesterday" (text): write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
      ],
    ] as const
  ) {
    let error: unknown;
    try {
      await runExport({ demo: true, quiet: true, log: () => {}, env: {}, ...overrides } as never);
    } catch (thrown) {
      error = thrown;
    }
    ok(error instanceof UserError, String(error));
    assertEquals(error.message, message);
  }
  const options = exportOptions({ outDir: undefined, stripe: undefined, formats: undefined });
  assertEquals([options.outDir, options.stripe, options.formats], [
    DEFAULT_OUT_DIR,
    "auto",
    ["csv", "xlsx"],
  ]);
});

Deno.test("--skip-stripe on demo data: revenue columns empty and the brief says revenue was skipped, as live", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const result = await runExport({
      demo: true,
      asOf,
      outDir,
      stripe: "skip",
      formats: ["csv"],
      charts: false,
      history: false,
      env: {},
      quiet: true,
      log: () => {},
    });
    const { frame, revenue } = result.data;
    assertEquals(revenue.source, "none");
    for (const name of ["mrr", "mrr_recurring", "usage_charges", "ptb_revenue_30d"]) {
      assertEquals(frame.getColumn(name).nullCount(), frame.height, `${name} is empty`);
    }
    assertEquals(result.data.economics.ptbRevenueRead, false);
    const brief = Deno.readTextFileSync(result.briefPath);
    ok(brief.includes("Stripe skipped: revenue columns are empty"));
    ok(brief.includes("PTB revenue not read"));
    ok(!brief.includes("PTB revenue was read"));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("the discount setting a run used is in its manifest and its brief's Scope; none takes no discount off", async () => {
  const outDir = await Deno.makeTempDir();
  const run = (env: Record<string, string>, stripe?: "skip") =>
    runExport({
      demo: true,
      asOf,
      outDir: join(outDir, env.PRICING_STRIPE_DISCOUNTS ?? stripe ?? "default"),
      stripe,
      formats: ["csv"],
      charts: false,
      history: false,
      env,
      quiet: true,
      log: () => {},
    });
  const manifestOf = async (result: { manifestPath: string }) =>
    JSON.parse(await Deno.readTextFile(result.manifestPath));
  const mrrTotal = (result: { data: { frame: pl.DataFrame } }) =>
    (result.data.frame.getColumn("mrr").toArray() as (number | null)[])
      .reduce((sum: number, v) => sum + (v ?? 0), 0);
  try {
    const byDefault = await run({});
    assertEquals((await manifestOf(byDefault)).revenue.discount_policy, "recurring");
    ok(
      Deno.readTextFileSync(byDefault.briefPath).includes(
        "- Discounts (`PRICING_STRIPE_DISCOUNTS` = `recurring`, the default): forever discounts and repeating ones that covered the invoice of the billing period under way come off, once ones do not; a discount never takes an amount below 0.",
      ),
    );
    const listPrices = await run({ PRICING_STRIPE_DISCOUNTS: "none" });
    assertEquals((await manifestOf(listPrices)).revenue.discount_policy, "none");
    ok(
      Deno.readTextFileSync(listPrices.briefPath).includes(
        "- Discounts (`PRICING_STRIPE_DISCOUNTS` = `none`; the default is `recurring`): no discount comes off: list prices;",
      ),
    );
    // the demo gives some subscriptions discounts (revenue_demo_test): list prices are more
    ok(mrrTotal(listPrices) > mrrTotal(byDefault), "list-price MRR above discounted MRR");
    // no revenue read, no discount to name
    const skipped = await run({}, "skip");
    assertEquals("discount_policy" in (await manifestOf(skipped)).revenue, false);
    ok(!Deno.readTextFileSync(skipped.briefPath).includes("- Discounts ("));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("demo data keeps its documented invariants whatever the window", async () => {
  const { loadPricingData } = await import("../lib/export.ts");
  const byOrg = (frame: pl.DataFrame, name: string) => {
    const ids = frame.getColumn("org_id").toArray() as string[];
    const values = frame.getColumn(name).toArray() as (number | null)[];
    return new Map(ids.map((id, i) => [id, values[i]]));
  };
  let month: pl.DataFrame | undefined;
  for (const windowDays of [30, 1, 7, 90, 400]) {
    const { frame } = await loadPricingData({
      demo: true,
      asOf,
      windowDays,
      env: {},
      log: () => {},
    });
    // all-time PTB spend holds the window's PTB cost (spend is not cut at the as-of)
    const spend = frame.getColumn("ptb_spend_all_time").toArray() as (number | null)[];
    const cost = frame.getColumn("llm_cost_ptb_30d").toArray() as number[];
    const below = spend.map((s, i) => (s ?? 0) < cost[i] ? i : -1).filter((i) => i >= 0);
    assertEquals(below, [], `${windowDays} days: all-time PTB spend below the window's PTB cost`);
    month ??= frame;
    // usage_charges (the last closed billing period) and all-time PTB spend do not move with
    // the window
    for (const name of ["usage_charges", "ptb_spend_all_time"]) {
      assertEquals(byOrg(frame, name), byOrg(month, name), `${windowDays} days: ${name}`);
    }
  }
});
