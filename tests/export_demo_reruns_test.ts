/**
 * Demo exports of one date run again: another window keeps its own files (only 30-day ones store
 * a snapshot) and its brief says whose history it shows; a re-run retires what the earlier run's
 * manifest listed and it does not write.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { type ExportOptions, runExport } from "../lib/export.ts";
import { basename, join } from "node:path";
import { filesLeftByPreviousRun } from "../lib/report/manifest.ts";
import { asOf } from "./export_demo_fixture.ts";

Deno.test("exports of one date with another window keep their own files; only 30-day ones store a snapshot", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const run = (overrides: Partial<ExportOptions>) =>
      runExport({ demo: true, asOf, outDir, env: {}, quiet: true, log: () => {}, ...overrides });
    await run({ charts: false });
    const week = await run({ formats: ["csv"], windowDays: 7, charts: false });
    const names = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assertEquals(names, [
      "helicone_pricing_data_2026-11-01_demo.csv",
      "helicone_pricing_data_2026-11-01_demo.manifest.json",
      "helicone_pricing_data_2026-11-01_demo.md",
      "helicone_pricing_data_2026-11-01_demo.xlsx",
      "helicone_pricing_data_2026-11-01_demo_7d.csv",
      "helicone_pricing_data_2026-11-01_demo_7d.manifest.json",
      "helicone_pricing_data_2026-11-01_demo_7d.md",
      "history",
    ]);
    assertEquals(week.csvPath, join(outDir, "helicone_pricing_data_2026-11-01_demo_7d.csv"));
    // the history folder holds the 30-day export's snapshot alone, unchanged by the 7-day run
    const history = [...Deno.readDirSync(join(outDir, "history"))].map((e) => e.name)
      .filter((name) => name.endsWith(".parquet"));
    assertEquals(history, ["helicone_pricing_data_2026-11-01_demo.parquet"]);
    const month = JSON.parse(
      Deno.readTextFileSync(join(outDir, "helicone_pricing_data_2026-11-01_demo.manifest.json")),
    );
    const weekManifest = JSON.parse(
      Deno.readTextFileSync(join(outDir, "helicone_pricing_data_2026-11-01_demo_7d.manifest.json")),
    );
    assertEquals(month.window.days, 30);
    ok(month.history_snapshot);
    assertEquals(weekManifest.window.days, 7);
    assertEquals(weekManifest.history_snapshot, undefined);
    ok(
      weekManifest.warnings.includes(
        "window is 7 days: no history snapshot stored (history compares 30-day exports only)",
      ),
      weekManifest.warnings.join("\n"),
    );
    ok(
      Deno.readTextFileSync(join(outDir, "helicone_pricing_data_2026-11-01_demo_7d.md"))
        .includes("no history snapshot stored"),
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("another window's brief says its history section is the stored 30-day snapshots'", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const run = (overrides: Partial<ExportOptions>) =>
      runExport({
        demo: true,
        outDir,
        env: {},
        quiet: true,
        log: () => {},
        charts: false,
        formats: ["csv"],
        ...overrides,
      });
    await run({ asOf: new Date("2026-10-01T00:00:00Z") });
    await run({ asOf: new Date("2026-11-01T00:00:00Z") });
    const note =
      "From the stored 30-day exports' snapshots only: this export's window is not 30 days, so it is neither stored nor among them.";
    const week = await run({ asOf: new Date("2026-11-01T00:00:00Z"), windowDays: 7 });
    const brief = Deno.readTextFileSync(week.briefPath);
    const heading = brief.indexOf("## MRR history");
    ok(heading > 0, "the history section is there");
    ok(brief.slice(heading).split("\n\n")[1] === note, brief.slice(heading, heading + 400));
    const month = Deno.readTextFileSync(join(outDir, "helicone_pricing_data_2026-11-01_demo.md"));
    ok(!month.includes(note), "a 30-day brief's history is its own");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a re-run of the same file set retires what the earlier run's manifest listed and it does not write", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const run = (overrides: Partial<ExportOptions>) =>
      runExport({ demo: true, asOf, outDir, env: {}, quiet: true, log: () => {}, ...overrides });
    const first = await run({ segments: true });
    const firstNames = first.files.map((path) => basename(path));
    ok(firstNames.some((name) => name.endsWith(".svg")), "charts written");
    ok(firstNames.includes("helicone_pricing_data_2026-11-01_demo_negative_margin.csv"));
    // files the earlier manifest did not list stay: a user's own, another window's export
    const mine = "helicone_pricing_data_2026-11-01_demo_notes.csv";
    Deno.writeTextFileSync(join(outDir, mine), "mine");
    Deno.writeTextFileSync(join(outDir, "notes.txt"), "mine");
    const second = await run({ formats: ["csv"], charts: false });
    const names = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assertEquals(names, [
      "helicone_pricing_data_2026-11-01_demo.csv",
      "helicone_pricing_data_2026-11-01_demo.manifest.json",
      "helicone_pricing_data_2026-11-01_demo.md",
      mine,
      "history",
      "notes.txt",
    ]);
    const manifest = JSON.parse(Deno.readTextFileSync(second.manifestPath));
    assertEquals(
      manifest.files.map((f: { name: string }) => f.name).sort(),
      ["helicone_pricing_data_2026-11-01_demo.csv", "helicone_pricing_data_2026-11-01_demo.md"],
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("filesLeftByPreviousRun: only plain kit names the earlier manifest listed and the run does not write", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const manifestName = "helicone_pricing_data_2026-11-01.manifest.json";
    const listed = [
      "helicone_pricing_data_2026-11-01.csv",
      "helicone_pricing_data_2026-11-01.xlsx",
      "../helicone_pricing_data_2026-11-01.xlsx", // outside the folder: never
      "/etc/passwd",
      "notes.txt", // not a kit file name
      manifestName,
    ];
    Deno.writeTextFileSync(
      join(outDir, manifestName),
      JSON.stringify({ kit: "pricing-kit", files: listed.map((name) => ({ name })) }),
    );
    assertEquals(
      await filesLeftByPreviousRun(outDir, {
        manifestName,
        written: ["helicone_pricing_data_2026-11-01.csv"],
      }),
      ["helicone_pricing_data_2026-11-01.xlsx"],
    );
    // no manifest, or one that is not the kit's: nothing
    assertEquals(await filesLeftByPreviousRun(outDir, { manifestName: "x.json", written: [] }), []);
    Deno.writeTextFileSync(join(outDir, manifestName), JSON.stringify({ files: listed }));
    assertEquals(await filesLeftByPreviousRun(outDir, { manifestName, written: [] }), []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
