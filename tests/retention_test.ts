/** Retention: only the kit's own files older than the window go; everything else stays. */
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import { deepStrictEqual as assertEquals, ok, rejects, throws } from "node:assert/strict";
import { join } from "node:path";
import {
  kitFileDate,
  pruneExports,
  retentionDays,
  RetentionError,
} from "../lib/delivery/retention.ts";
import { runExport } from "../lib/export.ts";
import { isoDate } from "../lib/formats/files.ts";
import { exportStamp } from "../lib/formats/export_names.ts";
import { MAX_WINDOW_DAYS } from "../lib/core/window.ts";
import { snapshotFileName } from "../lib/history/snapshot_names.ts";
import { main as compareMain } from "../lib/cli/compare.ts";
import { main as exportMain } from "../lib/cli/export.ts";
import { main as scenarioMain } from "../lib/cli/scenario.ts";
import { buildHistoryReport } from "../lib/history/report.ts";
import { writeHistoryReport } from "../lib/history/report_files.ts";
import { HISTORY } from "./fixtures/history.ts";
import { captureConsole } from "./console_capture.ts";

const NOW = new Date("2026-11-25T10:00:00Z");

Deno.test("prunes the kit's files older than keepDays and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // keepDays 14 at 2026-11-25: a file dated D is 25 − D days old (UTC days); > 14 goes.
    const pruned = [
      "helicone_pricing_data_2026-11-01.csv", // 24 days
      "helicone_pricing_data_2026-11-10_demo.md", // 15 days: one past the limit
      "helicone_pricing_margin_by_tier_2026-10-01_demo.png", // a chart
      "helicone_pricing_scenario_per_request_2026-10-15_demo_by_tier.csv",
      "helicone_pricing_data_2026-10-20_ptb_customers.csv", // a segment file
      ".helicone_pricing_data_2026-10-01.csv.lx2k9a.tmp", // left by a killed run
    ];
    const kept = [
      "helicone_pricing_data_2026-11-11.xlsx", // 14 days: exactly the limit
      "helicone_pricing_data_2026-11-25_demo.manifest.json", // today
      "helicone_pricing_compare_2026-09-01_to_2026-11-19.md", // newest date in the name counts
      "helicone_pricing_data_2026-02-31.csv", // not a real date
      "notes_2026-01-01.csv", // not the kit's
      "my_helicone_pricing_data_2026-01-01.csv",
      "helicone_pricing_data_2026-01-01.csv.bak",
      "helicone_pricing_data.csv", // no date
      "helicone_pricing_data_2020-01-01_backup.csv", // a user's renamed copy: no writer's name
      "helicone_pricing_margin_by_tier_2020-01-01 (1).png",
      "helicone_pricing_data_2026-10-01_demo.parquet.json", // a snapshot's sidecar
      "README.md",
    ];
    for (const name of [...pruned, ...kept]) await Deno.writeTextFile(join(dir, name), "x");
    // Folders and links are never deleted, even with a kit-like name.
    await Deno.mkdir(join(dir, "helicone_pricing_data_2026-01-01.csv"));
    await Deno.mkdir(join(dir, ".stripe-cache"));
    await Deno.writeTextFile(
      join(dir, ".stripe-cache", "helicone_pricing_data_2026-01-01.csv"),
      "x",
    );
    await Deno.symlink(join(dir, "README.md"), join(dir, "helicone_pricing_data_2026-01-02.csv"));

    const removed = await pruneExports(dir, { keepDays: 14, now: NOW });
    assertEquals(removed.deleted, pruned.map((name) => join(dir, name)).sort());
    const left: string[] = [];
    for await (const entry of Deno.readDir(dir)) left.push(entry.name);
    assertEquals(
      left.sort(),
      [
        ...kept,
        "helicone_pricing_data_2026-01-01.csv",
        ".stripe-cache",
        "helicone_pricing_data_2026-01-02.csv",
      ].sort(),
    );
    await Deno.stat(join(dir, ".stripe-cache", "helicone_pricing_data_2026-01-01.csv"));
    // keepDays 0 keeps only today's files, and the files this run wrote (here an --as-of export).
    const today = await pruneExports(dir, {
      keepDays: 0,
      now: NOW,
      protect: [join(dir, "helicone_pricing_data_2026-11-11.xlsx")],
    });
    assertEquals(today.deleted, [
      join(dir, "helicone_pricing_compare_2026-09-01_to_2026-11-19.md"),
    ]);
    await Deno.stat(join(dir, "helicone_pricing_data_2026-11-11.xlsx"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing folder prunes nothing; bad settings are one-line errors", async () => {
  assertEquals(
    await pruneExports("/nonexistent/pricing-kit-outputs", { keepDays: 7, now: NOW }),
    { deleted: [], staging: [], keptNewest: [] },
  );
  await rejects(
    pruneExports(".", { keepDays: -1, now: NOW }),
    /retention must be a whole number of days ≥ 0, got -1/,
  );
  assertEquals(retentionDays(undefined, {}), undefined);
  assertEquals(retentionDays(undefined, { PRICING_RETENTION_DAYS: "30" }), 30);
  assertEquals(retentionDays("7", { PRICING_RETENTION_DAYS: "30" }), 7); // the flag wins
  throws(
    () => retentionDays("a week", {}),
    /--retention-days must be a whole number of days ≥ 0, got "a week"/,
  );
  throws(
    () => retentionDays(undefined, { PRICING_RETENTION_DAYS: "-3" }),
    /PRICING_RETENTION_DAYS must be a whole number/,
  );
  assertEquals(
    kitFileDate("helicone_pricing_data_2026-11-01.csv"),
    new Date("2026-11-01T00:00:00Z"),
  );
  assertEquals(kitFileDate("other_2026-11-01.csv"), null);
});

/** Every file in `dir` (not in sub-folders). */
const filesIn = (dir: string) =>
  [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort();

Deno.test("every name the kit's writers produce is pruned; renamed copies of them stay", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The writers themselves: exports (charts, segments, a trimmed CSV; demo, 7-day window and a
    // live-named copy of the data for the scenario input), a scenario, a comparison, the history
    // report with its charts. A trim threshold (100 KB) below the demo CSV (~107 KB) and above
    // its trimmed file (~91 KB) makes the trimmed CSV appear.
    const env = { PRICING_BRIEF_TRIM_ABOVE_MB: "0.1" };
    const exportOf = (asOf: string, windowDays: number) =>
      runExport({
        demo: true,
        asOf: new Date(asOf),
        windowDays,
        outDir: dir,
        segments: true,
        env,
        log: () => {},
        history: false,
      });
    const first = await exportOf("2026-10-01T00:00:00Z", 30);
    const second = await exportOf("2026-10-08T00:00:00Z", 7);
    const console = captureConsole();
    try {
      const compared = await compareMain([first.csvPath!, second.csvPath!, "--out-dir", dir]);
      assertEquals(compared, 0, console.errors.join("\n"));
      const scenario = ["scenarios/per_request.json", "--input", first.csvPath!, "--out-dir", dir];
      assertEquals(await scenarioMain(scenario), 0, console.errors.join("\n"));
    } finally {
      console.restore();
    }
    // (compare warns that the windows differ, which is the point here)
    assertEquals(console.errors.filter((line) => line.startsWith("error")), []);
    await writeHistoryReport(buildHistoryReport(HISTORY, true), {
      chosenBy: ANOTHER_OUTPUT_FOLDER,
      outDir: dir,
      charts: true,
    });
    const written = filesIn(dir);
    // What was written, by kind (so the test fails loudly if a writer stops writing one).
    const count = (pattern: RegExp) => written.filter((name) => pattern.test(name)).length;
    assertEquals(count(/_trimmed\.csv$/), 2);
    assertEquals(count(/^helicone_pricing_data_.*_ptb_customers\.csv$/), 2);
    assertEquals(count(/^helicone_pricing_(?!history_)[a-z0-9_]+_2026-10-08_demo_7d\.svg$/), 8);
    assertEquals(count(/^helicone_pricing_history_.*\.(svg|png)$/), 8);
    assertEquals(count(/^helicone_pricing_compare_2026-10-01_demo_to_2026-10-08_demo_7d/), 3);
    assertEquals(count(/^helicone_pricing_scenario_per_request_2026-10-01_demo/), 3);
    assertEquals(count(/\.manifest\.json$/), 2);

    // A renamed copy of each (a word before the extension, a copy number) is the user's.
    const copies = written.flatMap((name) => [
      name.replace(/(\.[a-z.]+)$/, "_backup$1"),
      name.replace(/(\.[a-z.]+)$/, " (1)$1"),
    ]);
    for (const name of copies) await Deno.copyFile(join(dir, written[0]), join(dir, name));
    // a newer demo set, which stays as the newest demo one (then every set written goes)
    const newest = ["csv", "manifest.json"].map((ext) =>
      `helicone_pricing_data_2026-12-31_demo.${ext}`
    );
    for (const name of newest) await Deno.writeTextFile(join(dir, name), "x");
    const removed = await pruneExports(dir, { keepDays: 0, now: new Date("2027-01-01T00:00:00Z") });
    assertEquals(removed.deleted, written.map((name) => join(dir, name)).sort());
    assertEquals(removed.keptNewest, [{ stamp: "2026-12-31_demo", demo: true }]);
    assertEquals(filesIn(dir), [...copies, ...newest].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("comparisons of history snapshots go; a window suffix the kit never writes stays", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Two exports at 12:00 UTC: their history snapshots are named with the time, and so is the
    // comparison of the two.
    const snapshots: string[] = [];
    for (const asOf of ["2026-10-01T12:00:00Z", "2026-10-15T12:00:00Z"]) {
      await runExport({
        demo: true,
        asOf: new Date(asOf),
        outDir: dir,
        formats: ["csv"],
        charts: false,
        env: {},
        log: () => {},
      });
      const snapshot = join(dir, "history", snapshotFileName(new Date(asOf), true));
      await Deno.stat(snapshot);
      snapshots.push(snapshot);
    }
    const console = captureConsole();
    try {
      assertEquals(await compareMain([...snapshots, "--out-dir", dir, "--quiet"]), 0);
    } finally {
      console.restore();
    }
    const base = "helicone_pricing_compare_2026-10-01T120000Z_demo_to_2026-10-15T120000Z_demo";
    const compared = [".csv", ".md", "_totals.csv"].map((ext) => `${base}${ext}`);
    assertEquals(
      filesIn(dir).filter((name) => name.startsWith("helicone_pricing_compare_")),
      compared,
    );
    // a user's file with a window suffix no export has (a 30-day export's names carry none)
    const users = "helicone_pricing_data_2026-09-08_demo_30d.csv";
    await Deno.writeTextFile(join(dir, users), "x");
    // a newer demo export (within the 30 days), so neither old one stays as the newest
    const newer = "helicone_pricing_data_2026-11-30_demo.csv";
    await Deno.writeTextFile(join(dir, newer), "x");
    const removed = await pruneExports(dir, {
      keepDays: 30,
      now: new Date("2026-12-01T00:00:00Z"),
    });
    for (const name of compared) ok(removed.deleted.includes(join(dir, name)), `${name} was kept`);
    assertEquals(filesIn(dir), [newer, users].sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a window suffix is the kit's only as exportStamp writes it: 1 to 3660 days, not 30", () => {
  const asOf = new Date("2026-11-01T00:00:00Z");
  for (let days = 1; days <= MAX_WINDOW_DAYS; days++) {
    const name = `helicone_pricing_data_${
      exportStamp({ asOf, demo: days % 2 === 0, windowDays: days })
    }.csv`;
    assertEquals(kitFileDate(name), asOf, name);
  }
  for (const window of ["_30d", `_${MAX_WINDOW_DAYS + 1}d`, "_0d", "_07d", "_030d"]) {
    for (const demo of ["", "_demo"]) {
      const stamp = `2026-11-01${demo}${window}`;
      assertEquals(kitFileDate(`helicone_pricing_data_${stamp}.csv`), null, stamp);
      assertEquals(kitFileDate(`helicone_pricing_compare_2026-10-01_to_${stamp}.md`), null, stamp);
    }
  }
});

/** Makes `path` undeletable (chattr +i, as root); the function returned undoes it. */
async function undeletable(path: string): Promise<() => Promise<void>> {
  const chattr = (flag: string) => new Deno.Command("chattr", { args: [flag, path] }).output();
  const { success, stderr } = await chattr("+i");
  if (!success) throw new Error(`chattr +i ${path}: ${new TextDecoder().decode(stderr)}`);
  return async () => void await chattr("-i");
}

// (root only: a read-only folder would stop the export too, and root deletes through one)
Deno.test({
  name: "a file retention cannot delete is named, with why, and the other old files still go",
  ignore: Deno.uid() !== 0,
}, async () => {
  const dir = await Deno.makeTempDir();
  const name = (date: string) => join(dir, `helicone_pricing_data_${date}.csv`);
  const envFile = join(dir, "empty.env");
  await Deno.writeTextFile(envFile, "");
  // three old live exports, and a newer one (the newest live set stays whatever its date)
  const newer = isoDate(new Date(Date.now() - 10 * 86_400_000));
  for (const date of ["2025-12-31", "2026-01-01", "2026-01-02", newer]) {
    await Deno.writeTextFile(name(date), "x");
  }
  const release = await undeletable(name("2026-01-01"));
  const console = captureConsole();
  let code: number;
  try {
    code = await exportMain([
      ...["--demo", "--no-charts", "--format", "csv", "--retention-days", "30"],
      ...["--out-dir", dir, "--env-file", envFile],
    ]);
  } finally {
    console.restore();
    await release();
  }
  try {
    // exit 2, as for a failed email: the export was written, a delivery step failed
    assertEquals(code, 2, console.errors.join("\n"));
    // one line for the file that stayed: which, why, and what to do
    assertEquals(
      console.errors.filter((line) => line.startsWith("error:")),
      [
        `error: retention: could not delete ${
          name("2026-01-01")
        }: EPERM: operation not permitted; it is immutable or append-only (lsattr shows it; chattr -i clears it), or the folder is sticky and the file another user's (the export itself was written)`,
      ],
    );
    // the files before and after it went, and the summary says so
    for (const date of ["2025-12-31", "2026-01-02"]) {
      await rejects(Deno.stat(name(date)), Deno.errors.NotFound);
    }
    const summary = console.logs.slice(
      console.logs.findIndex((line) => line.startsWith("Deleted")),
    );
    assertEquals(summary, [
      "Deleted 2 export sets (2 files) dated more than 30 days ago:",
      "  2025-12-31: export set 2025-12-31 (1 file)",
      "  2026-01-02: export set 2026-01-02 (1 file)",
    ]);
    await Deno.stat(name("2026-01-01"));
    await Deno.stat(name(newer));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "staging folders retention cannot delete are each named; the others still go",
  ignore: Deno.uid() !== 0,
}, async () => {
  const dir = await Deno.makeTempDir();
  // three old staging folders of another machine's runs (only their age counts), two holding a
  // file no one may delete
  const staging = async (name: string) => {
    const path = join(dir, name);
    await Deno.mkdir(path);
    await Deno.writeTextFile(
      join(path, ".owner.json"),
      JSON.stringify({ pid: 1, host: "another-machine", started: "2026-01-01T00:00:00Z" }),
    );
    await Deno.writeTextFile(join(path, "part.csv"), "x");
    const when = new Date(Date.now() - 10 * 86_400_000);
    await Deno.utime(path, when, when);
    return path;
  };
  const [a, b, c] = [
    await staging(".staging-deada"),
    await staging(".staging-deadb"),
    await staging(".staging-deadc"),
  ];
  const releases = [await undeletable(join(a, "part.csv")), await undeletable(join(b, "part.csv"))];
  let error: unknown;
  try {
    await pruneExports(dir, { keepDays: 1, now: new Date() });
  } catch (caught) {
    error = caught;
  } finally {
    for (const release of releases) await release();
  }
  try {
    // before: the first failure stopped it, and "<dir>/.staging-*" was named instead of either
    ok(error instanceof RetentionError, String(error));
    assertEquals(error.failures.map((f) => f.path), [a, b]);
    assertEquals(error.result.staging, [c]);
    await rejects(Deno.stat(c), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
