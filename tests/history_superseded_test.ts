/**
 * lib/history/superseded.ts: a closed month's daily snapshots other than the one its report reads
 * go once older than PRICING_HISTORY_KEEP_DAILY_DAYS (35), removed by the next export; the report
 * (and the bridge state it resumes) is the same before and after; backfills', imports', snapshots
 * without a sidecar and files not named like a snapshot stay; a failure is a warning.
 */
import { deepStrictEqual as assertEquals, match, ok, throws } from "node:assert/strict";
import { basename } from "node:path";
import { runExport } from "../lib/export.ts";
import { main as historyMain } from "../lib/cli/history.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { resumedBridgeState } from "../lib/history/bridge_state.ts";
import { type SnapshotOrigin, writeSnapshot } from "../lib/history/snapshot.ts";
import {
  keepDailyDays,
  removeSupersededSnapshots,
  supersededSnapshots,
} from "../lib/history/superseded.ts";

const quiet = { charts: false, env: {}, log: () => {}, quiet: true };

/** Three pro organizations; `mrr` null for all: no revenue (Stripe skipped). */
const frame = (mrr: number | null) =>
  exportFrameFromColumns({
    org_id: ["A", "B", "C"],
    tier: ["pro", "pro", "pro"],
    mrr_recurring: [mrr, mrr === null ? null : 2 * mrr, mrr === null ? null : 3 * mrr],
    mrr: [mrr, mrr === null ? null : 2 * mrr, mrr === null ? null : 3 * mrr],
    requests_30d: [10, 20, 30],
  });

/** A snapshot of `asOf` with MRR `mrr` (each one different, so a wrong pick shows in the report). */
async function store(
  dir: string,
  asOf: string,
  { mrr, origin = "export", demo = false }: {
    mrr: number | null;
    origin?: SnapshotOrigin;
    demo?: boolean;
  },
): Promise<void> {
  await writeSnapshot(frame(mrr), { dir, asOf: new Date(asOf), demo, origin });
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const snap = (key: string, demo = false) =>
  `helicone_pricing_data_${key}${demo ? "_demo" : ""}.parquet`;

/**
 * September and October as a daily export leaves them, and November under way. Against an as-of
 * of 2026-11-10T12:00Z with 35 days kept (bound 2026-10-06T12:00Z): September's latest with
 * revenue (09-28) and its latest (09-30, no revenue: the report names it) stay, its earlier
 * dailies go; October's month end (11-01 00:00) stays, its dailies before the bound go, except the
 * import's, the backfill's and the one without a sidecar; those after the bound stay.
 */
async function dailyFolder(dir: string, demo = false): Promise<void> {
  const at = async (asOf: string, mrr: number | null, origin?: SnapshotOrigin) =>
    await store(dir, asOf, { mrr, origin, demo });
  await at("2026-09-10T12:00:00Z", 100);
  await at("2026-09-20T12:00:00Z", 101);
  await at("2026-09-25T12:00:00Z", 102);
  await at("2026-09-28T12:00:00Z", 103);
  await at("2026-09-30T12:00:00Z", null);
  await at("2026-10-02T12:00:00Z", 110);
  await at("2026-10-04T00:00:00Z", 111); // a day's 00:00 (`--as-of 2026-10-04`), not a month end
  await at("2026-10-05T12:00:00Z", 112, "import");
  await at("2026-10-06T00:00:00Z", 113, "backfill");
  await at("2026-10-08T12:00:00Z", 114);
  await at("2026-10-31T12:00:00Z", 115);
  await at("2026-11-01T00:00:00Z", 120);
  await at("2026-11-03T12:00:00Z", 130);
  await at("2026-11-05T12:00:00Z", 131);
  // copied in without its sidecar: origin unknown
  await Deno.remove(`${dir}/${snap("2026-09-25T120000Z", demo)}.json`);
}

const REMOVED = ["2026-09-10T120000Z", "2026-09-20T120000Z", "2026-10-02T120000Z", "2026-10-04"];

Deno.test("a closed month's dailies older than the bound go; the report's picks, backfills, imports, unknown origins, the open month and other files stay", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await dailyFolder(dir);
    await Deno.writeTextFile(`${dir}/notes.txt`, "mine");
    await Deno.copyFile(`${dir}/${snap("2026-09-10T120000Z")}`, `${dir}/old_copy.parquet`);
    const before = names(dir);
    const now = new Date("2026-11-10T12:00:00Z");
    const gone = await supersededSnapshots(dir, { demo: false, now, keepDays: 35 });
    assertEquals(gone.map((s) => s.path), REMOVED.map((key) => `${dir}/${snap(key)}`));
    assertEquals(await supersededSnapshots(dir, { demo: true, now, keepDays: 35 }), []);

    const { removed, warning } = await removeSupersededSnapshots(dir, {
      demo: false,
      now,
      keepDays: 35,
    });
    assertEquals(warning, null);
    assertEquals(removed.length, 4);
    const goneFiles = REMOVED.flatMap((key) => [snap(key), `${snap(key)}.json`]);
    assertEquals(names(dir), before.filter((name) => !goneFiles.includes(name)));
    ok(names(dir).includes("notes.txt") && names(dir).includes("old_copy.parquet"));

    // the open month (November) is never pruned, however short the bound; `all` removes nothing
    const later = new Date("2026-11-30T12:00:00Z");
    const soon = await supersededSnapshots(dir, { demo: false, now: later, keepDays: 1 });
    assertEquals(soon.map((s) => s.path), [
      `${dir}/${snap("2026-10-08T120000Z")}`,
      `${dir}/${snap("2026-10-31T120000Z")}`,
    ]);
    const kept = await removeSupersededSnapshots(dir, { demo: false, now: later, keepDays: null });
    assertEquals(kept, { removed: [], warning: null });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the history report is byte-identical before and after the removal, and its bridge state is resumed", async () => {
  const root = await Deno.makeTempDir();
  const dir = `${root}/history`;
  const report = async (out: string) => {
    const args = ["report", "--live", "--no-charts", "--quiet", "--env-file", "/dev/null"];
    assertEquals(await historyMain([...args, "--history-dir", dir, "--out-dir", out]), 0);
    return Object.fromEntries(
      names(out).map((name) => [name, Deno.readTextFileSync(`${out}/${name}`)]),
    );
  };
  try {
    await Deno.mkdir(dir);
    await dailyFolder(dir);
    const first = await report(`${root}/before`);
    const state = Deno.readTextFileSync(`${dir}/.bridge-state/state.json`);
    const stateTime = Deno.statSync(`${dir}/.bridge-state/state.json`).mtime;
    const { removed } = await removeSupersededSnapshots(dir, {
      demo: false,
      now: new Date("2026-11-10T12:00:00Z"),
      keepDays: 35,
    });
    // the same but for the Markdown's "Snapshots not read", which named the removed dailies
    const after = await report(`${root}/after`);
    assertEquals(withoutSnapshotsNotRead(after), withoutSnapshotsNotRead(first));
    const markdownOf = (files: Record<string, string>) =>
      Object.entries(files).find(([name]) => name.endsWith(".md"))![1];
    for (const gone of removed) ok(markdownOf(first).includes(basename(gone)), basename(gone));
    for (const gone of removed) ok(!markdownOf(after).includes(basename(gone)), basename(gone));
    assertEquals(removed.length, 4);
    ok(Object.keys(first).some((name) => name.endsWith(".csv")), "a CSV compared");
    // the files the state was made from all stay, unchanged: it is resumed, not made again
    assertEquals(Deno.readTextFileSync(`${dir}/.bridge-state/state.json`), state);
    assertEquals(Deno.statSync(`${dir}/.bridge-state/state.json`).mtime, stateTime);
    const madeFrom = JSON.parse(state).snapshots.map((s: { name: string }) => `${dir}/${s.name}`);
    // November's is a month to date: the state kept stops at the month end before it (an export
    // the next day stands in for it, history.md), so the state is September's and October's
    assertEquals(madeFrom.length, 2, "September's and October's");
    assertEquals(resumedBridgeState(madeFrom)?.covers, madeFrom.length);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an export removes the superseded dailies of its kind after placing its snapshot; the other kind is untouched", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  try {
    await Deno.mkdir(dir);
    await dailyFolder(dir, true);
    await dailyFolder(dir, false);
    const asOf = new Date("2026-11-10T12:00:00Z");
    const result = await runExport({ ...quiet, demo: true, asOf, outDir, formats: ["csv"] });
    ok(!result.data.warnings.some((w) => w.startsWith("history: superseded")));
    const left = names(dir);
    ok(left.includes(snap("2026-11-10T120000Z", true)), "its own snapshot");
    for (const key of REMOVED) {
      ok(!left.includes(snap(key, true)), `${key} demo removed`);
      ok(left.includes(snap(key)), `${key} live kept: a demo export leaves live history alone`);
    }
    ok(left.includes(snap("2026-11-01", true)) && left.includes(snap("2026-09-30T120000Z", true)));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a snapshot that cannot be removed is one warning; the export succeeds and the rest go", async () => {
  const outDir = await Deno.makeTempDir();
  const dir = `${outDir}/history`;
  try {
    await Deno.mkdir(dir);
    await dailyFolder(dir, true);
    // a folder under a superseded snapshot's name: rm (not recursive) fails on it
    const blocked = `${dir}/${snap("2026-09-10T120000Z", true)}`;
    await Deno.remove(blocked);
    await Deno.mkdir(blocked);
    const asOf = new Date("2026-11-10T12:00:00Z");
    const result = await runExport({ ...quiet, demo: true, asOf, outDir, formats: ["csv"] });
    const warnings = result.data.warnings.filter((w) => w.startsWith("history: superseded"));
    assertEquals(warnings.length, 1);
    match(
      warnings[0],
      /^history: superseded daily snapshots in .* could not all be removed \(helicone_pricing_data_2026-09-10T120000Z_demo\.parquet \(.+\)\); the export is complete, and the next one tries again \(PRICING_HISTORY_KEEP_DAILY_DAYS=all keeps every snapshot\)$/,
    );
    ok(!names(dir).includes(snap("2026-09-20T120000Z", true)), "the others still go");
    ok(names(dir).includes(snap("2026-11-10T120000Z", true)), "the export's snapshot is stored");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("PRICING_HISTORY_KEEP_DAILY_DAYS: 35 by default, `all` keeps everything, 0 and others refused before any query", async () => {
  assertEquals(keepDailyDays({}), 35);
  assertEquals(keepDailyDays({ PRICING_HISTORY_KEEP_DAILY_DAYS: " 60 " }), 60);
  assertEquals(keepDailyDays({ PRICING_HISTORY_KEEP_DAILY_DAYS: "ALL" }), null);
  for (const bad of ["0", "-3", "1.5", "forever"]) {
    throws(
      () => keepDailyDays({ PRICING_HISTORY_KEEP_DAILY_DAYS: bad }),
      new RegExp(
        `: PRICING_HISTORY_KEEP_DAILY_DAYS must be a whole number of days ≥ 1, or all to keep every history snapshot, got "${
          bad.replace(".", "\\.")
        }"$`,
      ),
    );
  }
  const outDir = await Deno.makeTempDir();
  try {
    let failure: Error | undefined;
    await runExport({
      ...quiet,
      env: { PRICING_HISTORY_KEEP_DAILY_DAYS: "0" },
      demo: true,
      outDir,
      formats: ["csv"],
    }).catch((error) => failure = error);
    match(String(failure), /PRICING_HISTORY_KEEP_DAILY_DAYS must be a whole number/);
    assertEquals(names(outDir), [], "nothing written");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

/** A report's files with its Markdown's "Snapshots not read" section left out. */
function withoutSnapshotsNotRead(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([name, text]) => [
      name,
      name.endsWith(".md") ? text.replace(/## Snapshots not read\n[\s\S]*?(?=\n## |$)/, "") : text,
    ]),
  );
}
