/**
 * Retention by export set: the newest set of each kind (live, demo) stays whatever its date, a set
 * being published is waited for (the publish lock), and the summary counts sets and lists what
 * went, one line per date.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { hostname } from "node:os";
import { join } from "node:path";
import { pruneExports } from "../lib/delivery/retention.ts";
import { retentionSummary } from "../lib/delivery/retention_summary.ts";
import { withPublishLock } from "../lib/formats/publish_lock.ts";
import { isoDate } from "../lib/formats/files.ts";
import { main as exportMain } from "../lib/cli/export.ts";
import { captureConsole } from "./console_capture.ts";

const NOW = new Date("2026-11-25T10:00:00Z");

/** Every file in `dir` (not in sub-folders), sorted. */
const filesIn = (dir: string) =>
  [...Deno.readDirSync(dir)].filter((e) => e.isFile).map((e) => e.name).sort();

const data = (stamp: string, ext: string) => `helicone_pricing_data_${stamp}.${ext}`;

Deno.test("the newest live and demo export sets stay whatever their date; older ones go", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // keepDays 30 at 2026-11-25: every file below is dated more than 30 days ago.
    const keptNewest = [
      // the newest live set: of 2026-09-15 the 30-day export is the one served, not the 7-day one
      ...["csv", "manifest.json", "md"].map((ext) => data("2026-09-15", ext)),
      "helicone_pricing_margin_by_tier_2026-09-15.svg",
      // the newest demo set: its XLSX is its data (no CSV)
      ...["xlsx", "manifest.json"].map((ext) => data("2026-08-20_demo", ext)),
    ];
    const thisRuns = data("2026-07-01", "csv"); // this run's own (an old --as-of): stays
    const deleted = [
      ...["csv", "xlsx", "manifest.json", "md"].map((ext) => data("2026-09-01", ext)),
      ...["csv", "manifest.json"].map((ext) => data("2026-09-15_7d", ext)),
      // a newer brief without its data: nothing a server reads, so not the newest set
      data("2026-10-01", "md"),
      ...["csv", "manifest.json"].map((ext) => data("2026-08-01_demo", ext)),
      ...[".csv", ".md"].map((ext) =>
        `helicone_pricing_compare_2026-08-01_demo_to_2026-08-20_demo${ext}`
      ),
      `.${data("2026-09-01", "csv")}.abc123.tmp`, // left by a killed run
    ];
    for (const name of [...keptNewest, thisRuns, ...deleted]) {
      await Deno.writeTextFile(join(dir, name), "x");
    }
    // another machine's staging folder, untouched since 2026-10-01 (more than the 30 days)
    const staging = join(dir, ".staging-oldforeign");
    await Deno.mkdir(staging);
    await Deno.writeTextFile(
      join(staging, ".owner.json"),
      JSON.stringify({ pid: 1, host: `not-${hostname()}`, started: "2026-10-01T00:00:00Z" }),
    );
    const october = new Date("2026-10-01T00:00:00Z");
    await Deno.utime(staging, october, october);

    const result = await pruneExports(dir, {
      keepDays: 30,
      now: NOW,
      protect: [join(dir, thisRuns)],
    });
    assertEquals(result, {
      deleted: deleted.map((name) => join(dir, name)).sort(),
      staging: [staging],
      keptNewest: [{ stamp: "2026-08-20_demo", demo: true }, { stamp: "2026-09-15", demo: false }],
    });
    assertEquals(filesIn(dir), [...keptNewest, thisRuns].sort());
    // sets: 2026-09-01 (4 files), 2026-09-15_7d (2), 2026-10-01 (1), 2026-08-01_demo (2) = 4 sets,
    // 9 files; others: 2 comparison files and 1 temporary file = 3
    assertEquals(retentionSummary(result, 30), [
      "Deleted 4 export sets (9 files) and 3 other files dated more than 30 days ago:",
      "  2026-08-01: export set 2026-08-01_demo (2 files)",
      "  2026-08-20: 2 comparison files",
      "  2026-09-01: export set 2026-09-01 (4 files), 1 temporary file",
      "  2026-09-15: export set 2026-09-15_7d (2 files)",
      "  2026-10-01: export set 2026-10-01 (1 file)",
      "Removed 1 left-over staging folder: .staging-oldforeign",
      "Kept export set 2026-08-20_demo though dated more than 30 days ago: the newest demo set always stays",
      "Kept export set 2026-09-15 though dated more than 30 days ago: the newest live set always stays",
    ]);
    // Run again: nothing left to delete, and the kept sets are said again (still the newest).
    const again = await pruneExports(dir, {
      keepDays: 30,
      now: NOW,
      protect: [join(dir, thisRuns)],
    });
    assertEquals(again.deleted, []);
    assertEquals(retentionSummary(again, 30).length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a summary of other files only, and of nothing, says so", () => {
  const dir = "/out";
  assertEquals(
    retentionSummary({
      deleted: [join(dir, "helicone_pricing_scenario_per_request_2026-10-01_demo.md")],
      staging: [],
      keptNewest: [],
    }, 1),
    [
      "Deleted 1 file dated more than 1 day ago:",
      "  2026-10-01: 1 scenario file",
    ],
  );
  assertEquals(retentionSummary({ deleted: [], staging: [], keptNewest: [] }, 7), []);
});

Deno.test("a demo run after the scheduled live runs failed for longer than N days keeps the last live set", async () => {
  const dir = await Deno.makeTempDir();
  const envFile = join(dir, "empty.env");
  await Deno.writeTextFile(envFile, "");
  const daysAgo = (days: number) => isoDate(new Date(Date.now() - days * 86_400_000));
  // the last live runs were 40 and 50 days ago; retention keeps 30 days
  const [last, before] = [daysAgo(40), daysAgo(50)];
  for (const stamp of [last, before]) {
    for (const ext of ["csv", "manifest.json"]) {
      await Deno.writeTextFile(join(dir, data(stamp, ext)), "x");
    }
  }
  const console = captureConsole();
  let code: number;
  try {
    code = await exportMain([
      ...["--demo", "--no-charts", "--format", "csv", "--retention-days", "30"],
      ...["--out-dir", dir, "--env-file", envFile],
    ]);
  } finally {
    console.restore();
  }
  try {
    assertEquals(code, 0, console.errors.join("\n"));
    // before: both live sets went, leaving the MCP server only demo data to serve
    const live = filesIn(dir).filter((name) => /^helicone_pricing_data_[\d-]+\./.test(name));
    assertEquals(live, [data(last, "csv"), data(last, "manifest.json")]);
    const summary = console.logs.slice(
      console.logs.findIndex((line) => line.startsWith("Deleted")),
    );
    assertEquals(summary, [
      "Deleted 1 export set (2 files) dated more than 30 days ago:",
      `  ${before}: export set ${before} (2 files)`,
      `Kept export set ${last} though dated more than 30 days ago: the newest live set always stays`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention waiting for another run's retention says it prunes, not publishes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const old = ["csv", "manifest.json"].map((ext) => data("2026-09-01", ext));
    for (const name of old) await Deno.writeTextFile(join(dir, name), "x");
    const newer = ["csv", "manifest.json"].map((ext) => data("2026-11-20", ext));
    for (const name of newer) await Deno.writeTextFile(join(dir, name), "x");
    let pruning: ReturnType<typeof pruneExports> | undefined;
    // another run's retention holding the folder's lock, as pruneExports takes it
    await withPublishLock(dir, async () => {
      const waiting = Promise.withResolvers<string>();
      pruning = pruneExports(dir, { keepDays: 30, now: NOW, onWait: waiting.resolve });
      const told = await Promise.race([
        waiting.promise,
        pruning.then(() => "retention finished without waiting"),
      ]);
      assertEquals(
        told,
        `waiting for another run (pid ${Deno.pid}) to finish pruning old files in ${dir}`,
      );
    }, { onWait: () => {}, action: "prune old files" });
    assertEquals((await pruning!).deleted, old.map((name) => join(dir, name)).sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("retention waits for a set being published, then deletes it whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const newer = ["csv", "manifest.json"].map((ext) => data("2026-11-20", ext));
    for (const name of newer) await Deno.writeTextFile(join(dir, name), "x");
    // Another run publishing an old date (2026-09-01) into the folder, one file at a time, as
    // publishStaged moves them, holding the folder's publish lock.
    const old = ["csv", "xlsx", "md", "manifest.json"].map((ext) => data("2026-09-01", ext));
    let pruning: ReturnType<typeof pruneExports> | undefined;
    await withPublishLock(dir, async () => {
      for (const name of old.slice(0, 2)) await Deno.writeTextFile(join(dir, name), "x");
      const waiting = Promise.withResolvers<string>();
      pruning = pruneExports(dir, { keepDays: 30, now: NOW, onWait: waiting.resolve });
      // retention says it waits for this publish (before: it deleted the half already placed)
      const told = await Promise.race([
        waiting.promise,
        pruning.then(() => "retention finished without waiting for the publish"),
      ]);
      ok(told.startsWith(`waiting for another run (pid ${Deno.pid}) to finish publishing`), told);
      assertEquals(filesIn(dir), [".publish.lock", ...newer, ...old.slice(0, 2)].sort());
      for (const name of old.slice(2)) await Deno.writeTextFile(join(dir, name), "x");
    }, { onWait: () => {} });
    // once published, the old set goes whole: no manifest or brief left of it
    const result = await pruning!;
    assertEquals(result.deleted, old.map((name) => join(dir, name)).sort());
    assertEquals(filesIn(dir), newer);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
