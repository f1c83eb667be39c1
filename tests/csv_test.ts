/**
 * The CSV writer (lib/formats/csv.ts): the bytes the writer produced before it read the frame in
 * slices, on the demo dataset (tests/fixtures/golden_demo_export.json holds their SHA-256 over the
 * columns that existed then, so columns added later do not void the check), whatever the slice.
 */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createHash } from "node:crypto";
import { golden, goldenDemoData } from "./fixtures/golden_demo.ts";
import pl from "nodejs-polars";
import {
  csvChunks,
  formatNumber,
  frameCsvChunks,
  keepMask,
  writeCsvFile,
} from "../lib/formats/csv.ts";
import { writeCsvWithSubset } from "../lib/formats/csv_files.ts";
import { writeExportFiles } from "../lib/formats/export_files.ts";
import { entryBytes, readZipEntries } from "../lib/formats/zip.ts";
import type { ExportFormat } from "../lib/core/types.ts";
import { trimmedExportFrame, trimmedKeep } from "../lib/report/brief.ts";

const data = await goldenDemoData();
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

Deno.test("CSV bytes unchanged from the previous writer on the demo dataset", () => {
  const csv = [...frameCsvChunks(data.frame.select(...golden.columns))].join("");
  assertEquals(csv.length, golden.csvBytes);
  assertEquals(sha(csv), golden.csvSha256);
  const trimmed = trimmedExportFrame(data.frame).select(...golden.columns);
  assertEquals(trimmed.height, golden.trimmedRows);
  assertEquals(sha([...frameCsvChunks(trimmed)].join("")), golden.trimmedSha256);
});

Deno.test("CSV bytes do not depend on the slice size", () => {
  const whole = [...csvChunks(data.frame)].join("");
  assertEquals([...csvChunks(data.frame, { sliceRows: 7 })].join(""), whole);
  assertEquals(
    [...csvChunks(data.frame.head(0), { sliceRows: 7 })].join(""),
    whole.split("\r\n")[0] + "\r\n",
  );
});

Deno.test("formatNumber: plain decimals, 12 significant digits", () => {
  assertEquals(
    [0.1 + 0.2, 1e-7, 123456789.125, 1e21, -2.5, 42].map(formatNumber),
    ["0.3", "0.0000001", "123456789.125", "1000000000000000000000", "-2.5", "42"],
  );
  // the extremes too: 12 significant digits (toPrecision's), then zeros; never an exponent
  assertEquals(
    [1e300, 1.23456789012345e300, 5e-324, -1.5e-200, 2 ** 70].map(formatNumber),
    [
      `1${"0".repeat(300)}`,
      `123456789012${"0".repeat(289)}`,
      `0.${"0".repeat(323)}494065645841`,
      `-0.${"0".repeat(199)}15`,
      "1180591620720000000000",
    ],
  );
});

Deno.test("the trimmed CSV from the export's own pass is the bytes writeCsvFile writes for the filtered frame", async () => {
  const tiers = data.frame.getColumn("tier").toArray() as (string | null)[];
  tiers[0] = null; // a null tier: Polars' filter drops the row, so must the subset
  tiers[1] = "free";
  const frame = data.frame.withColumns(pl.Series("tier", tiers, pl.Utf8));
  const dir = await Deno.makeTempDir();
  const written = await writeCsvWithSubset(frame, {
    chosenBy: ANOTHER_OUTPUT_FOLDER,
    path: `${dir}/all.csv`,
    subset: { path: `${dir}/trimmed.csv`, keep: keepMask(frame, trimmedKeep(frame)) },
  });
  await writeCsvFile(frame, `${dir}/all_reference.csv`);
  await writeCsvFile(trimmedExportFrame(frame), `${dir}/trimmed_reference.csv`);
  assertEquals(
    await Deno.readFile(`${dir}/all.csv`),
    await Deno.readFile(`${dir}/all_reference.csv`),
  );
  const trimmed = await Deno.readFile(`${dir}/trimmed.csv`);
  assertEquals(trimmed, await Deno.readFile(`${dir}/trimmed_reference.csv`));
  assertEquals(written.bytes, (await Deno.stat(`${dir}/all.csv`)).size);
  assertEquals(written.subset, {
    path: `${dir}/trimmed.csv`,
    bytes: trimmed.byteLength,
    rows: trimmedExportFrame(frame).height,
  });
  await Deno.remove(dir, { recursive: true });
});

/** formatNumber as it was before its shortest-text shortcut: the reference it must equal. */
function formatNumberReference(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const rounded = Number(value.toPrecision(12));
  const text = String(rounded);
  if (!text.includes("e")) return text;
  if (Math.abs(rounded) >= 1e21) return BigInt(rounded).toString();
  const decimals = Math.min(100, Math.max(0, 11 - Math.floor(Math.log10(Math.abs(rounded)))));
  return rounded.toFixed(decimals).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

Deno.test("formatNumber's shortcut gives the text of the 12-digit rounding, on 200,000 values", () => {
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const values = [
    0.1 + 0.2,
    1 / 3,
    2 / 3,
    0.5,
    1e-6,
    1.5e-7,
    123456789012.5,
    1234567890123.5,
    -0.0001,
  ];
  for (let i = 0; i < 200_000; i++) {
    const scale = 10 ** Math.floor(next() * 30 - 12);
    const value = (next() - 0.3) * scale;
    // ratios, cents, and values with few digits, as the columns hold
    values.push(value, Math.round(value * 100) / 100, Number(value.toPrecision(1 + (i % 14))));
  }
  for (const value of values) {
    if (formatNumber(value) !== formatNumberReference(value)) {
      assertEquals(formatNumber(value), formatNumberReference(value), `value ${value}`);
    }
  }
});

Deno.test("CSV + XLSX in one pass: the CSV, trimmed CSV and sheet the separate writers give", async () => {
  const dir = await Deno.makeTempDir();
  const write = (sub: string, formats: ExportFormat[]) =>
    Deno.mkdir(`${dir}/${sub}`).then(() =>
      writeExportFiles({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        frame: data.frame,
        formats,
        pathOf: (ext) => `${dir}/${sub}/export.${ext}`,
        xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
        subset: {
          path: `${dir}/${sub}/trimmed.csv`,
          keep: keepMask(data.frame, trimmedKeep(data.frame)),
        },
      })
    );
  const both = await write("both", ["csv", "xlsx"]);
  const csvOnly = await write("csv", ["csv"]);
  await write("xlsx", ["xlsx"]);
  assertEquals(both.paths, [`${dir}/both/export.csv`, `${dir}/both/export.xlsx`]);
  assertEquals(both.subset!.rows, csvOnly.subset!.rows);
  for (const name of ["export.csv", "trimmed.csv"]) {
    assertEquals(
      await Deno.readFile(`${dir}/both/${name}`),
      await Deno.readFile(`${dir}/csv/${name}`),
    );
  }
  const sheet = async (sub: string) => {
    const entries = readZipEntries(await Deno.readFile(`${dir}/${sub}/export.xlsx`));
    return entryBytes(entries.find((e) => e.name === "xl/worksheets/sheet1.xml")!);
  };
  assertEquals(await sheet("both"), await sheet("xlsx"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("without a subset only the CSV is written, the same bytes, on this thread and the worker's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeCsvFile(data.frame, `${dir}/reference.csv`);
    const reference = await Deno.readFile(`${dir}/reference.csv`);
    for (
      const [sub, formats, csvOffThread] of [
        ["csv", ["csv"], false],
        ["worker", ["csv"], true],
        ["both", ["csv", "xlsx"], false],
      ] as const
    ) {
      await Deno.mkdir(`${dir}/${sub}`);
      const written = await writeExportFiles({
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        frame: data.frame,
        formats: [...formats],
        pathOf: (ext) => `${dir}/${sub}/export.${ext}`,
        xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
        csvOffThread,
        sliceRows: 7,
      });
      assertEquals(written.subset, undefined, sub);
      assertEquals(await Deno.readFile(`${dir}/${sub}/export.csv`), reference, sub);
      const names = (await Array.fromAsync(Deno.readDir(`${dir}/${sub}`))).map((e) => e.name);
      assertEquals(names.sort(), formats.map((f) => `export.${f}`), sub);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Paths this process holds open (Linux: /proc/self/fd). */
async function openPaths(): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir("/proc/self/fd")) {
    paths.push(await Deno.readLink(`/proc/self/fd/${entry.name}`).catch(() => ""));
  }
  return paths;
}

Deno.test("CSVs synced later: in place at once, the same bytes, closed once `synced` settles", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const keep = keepMask(data.frame, trimmedKeep(data.frame));
    for (const [sub, formats] of [["csv", ["csv"]], ["both", ["csv", "xlsx"]]] as const) {
      for (const csvSyncLater of [false, true]) {
        const folder = `${dir}/${sub}-${csvSyncLater}`;
        await Deno.mkdir(folder);
        const written = await writeExportFiles({
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          frame: data.frame,
          formats: [...formats],
          pathOf: (ext) => `${folder}/export.${ext}`,
          xlsx: { documentDate: new Date("2026-11-01T00:00:00Z") },
          subset: { path: `${folder}/trimmed.csv`, keep },
          csvSyncLater,
          sliceRows: 7,
        });
        // under their names already (the brief reads their sizes), synced or not
        const names = (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name).sort();
        assertEquals(names, [...formats.map((f) => `export.${f}`), "trimmed.csv"].sort());
        assertEquals(written.synced !== undefined, csvSyncLater, folder);
        await written.synced;
        assertEquals((await openPaths()).filter((path) => path.startsWith(folder)), [], folder);
      }
      for (const file of ["export.csv", "trimmed.csv"]) {
        assertEquals(
          await Deno.readFile(`${dir}/${sub}-true/${file}`),
          await Deno.readFile(`${dir}/${sub}-false/${file}`),
          `${sub} ${file}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
