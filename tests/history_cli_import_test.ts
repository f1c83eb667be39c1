/**
 * `deno task history import`: whole exports only (not a segment, the trimmed CSV, a comparison,
 * scenario or history file), the stored snapshot of its as-of it keeps or replaces, demo exports
 * stored as demo, the manifest's as-of, and exports an earlier kit version wrote.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, match, ok as assert } from "node:assert/strict";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
} from "../lib/history/stored_snapshots.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { runExport } from "../lib/export.ts";
import { join } from "node:path";
import { runHistory as run } from "./history_cli_run.ts";
import { COLUMN_NAMES } from "../lib/frame/columns.ts";
import { F6D6C0C_CSV } from "./fixtures/earlier_export.ts";

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
    const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
    const csv = join(dir, "helicone_pricing_data_2026-10-01_demo.csv");
    const xlsx = join(dir, "helicone_pricing_data_2026-09-01_demo.xlsx");
    await Deno.copyFile(join(fixtures, "export_columns_f6d6c0c.csv"), csv);
    await Deno.copyFile(join(fixtures, "export_columns_f6d6c0c.xlsx"), xlsx);
    const history = join(dir, "history");
    const result = await run(["import", csv, xlsx, "--history-dir", history]);
    assertEquals(result.code, 0, result.errors.join("\n"));
    const lacks =
      "an export of an earlier kit version: it has no plan, list_price_mrr, ptb_revenue_30d, company_cost_30d, gross_margin_company_pct, requests_cost_unknown_30d, ptb_requests_cost_unknown_30d, unbilled_usage_usd and usage_discounts (added since), left empty in its snapshot";
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
      F6D6C0C_CSV,
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
