/**
 * The history folder written by two runs at once. A snapshot of one as-of placed by two runs (an
 * export and a history backfill --replace or import) takes turns on the folder's publish lock.
 * A stored snapshot replaced by another run (an export, history backfill or import of its as-of)
 * after a reader scanned it and before it read it: Polars keeps the scanned file's footer, so the
 * read mixed the old file's layout with the new file's bytes. The reader now says the file was
 * replaced (never "not a readable Parquet snapshot … move it out"), caches nothing for either
 * file, and the export's history section reads the folder again instead of leaving it out.
 * Sequential steps stand for the interleaving: no timing.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { loadHistoryReport, loadMonthlyHistoryPoints } from "../lib/history/report.ts";
import { exportHistory } from "../lib/history/export_history.ts";
import { readableHistory } from "../lib/history/export_stage.ts";
import { mrrStats } from "../lib/history/history_source.ts";
import { prepareSnapshot, writeSnapshot } from "../lib/history/snapshot.ts";
import { withPublishLock } from "../lib/formats/publish_lock.ts";
import {
  readAgainIfReplaced,
  REPLACED_READS,
  SnapshotReplaced,
} from "../lib/history/snapshot_scan.ts";
import { HISTORY } from "./fixtures/history.ts";

const [january, february, march] = [...HISTORY].sort((a, b) => a.asOf.getTime() - b.asOf.getTime());

const sidecarOf = (dir: string, date: string) =>
  `${dir}/helicone_pricing_data_${date}.parquet.json`;

/** January and February stored; then January's as-of written again, with February's rows. */
async function replaceJanuary(dir: string) {
  await writeSnapshot(february.frame, {
    dir,
    asOf: january.asOf,
    demo: false,
    origin: "backfill",
  });
}

Deno.test("a snapshot replaced after it was scanned: SnapshotReplaced, not 'unreadable'; nothing cached; read again, it is the new file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of [january, february]) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const points = await loadMonthlyHistoryPoints(dir, { demo: false, current: march });
    await replaceJanuary(dir);
    const stored = points.find((p) => p.asOf.getTime() === january.asOf.getTime())!;
    await rejects(loadHistoryReport([...points, march], false), (error: Error) => {
      ok(error instanceof SnapshotReplaced, `${error.constructor.name}: ${error.message}`);
      assertEquals(
        error.message,
        `${stored.path} was replaced while it was read (another run wrote its as-of: an export, history backfill or history import); run again`,
      );
      return true;
    });
    const sidecar = JSON.parse(await Deno.readTextFile(sidecarOf(dir, "2026-01-31")));
    assertEquals(sidecar.origin, "backfill", "the new sidecar stays the new writer's");
    assertEquals(sidecar.history_sums, undefined, "no sums cached from the old file for the new");

    // listed again: the new file, whole (February's six organizations under January's as-of)
    const again = await loadMonthlyHistoryPoints(dir, { demo: false, current: march });
    assertEquals(mrrStats(again.find((p) => p.asOf.getTime() === january.asOf.getTime())!).rows, 6);
    const report = await loadHistoryReport([...again, march], false);
    assertEquals(report.months, ["2026-01-31", "2026-02-28", "2026-03-31"]);
    const entry = JSON.parse(await Deno.readTextFile(sidecarOf(dir, "2026-01-31"))).history_sums;
    assertEquals([entry.sums.rows, entry.parquet.bytes], [6, (await Deno.stat(stored.path!)).size]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the export's history: a snapshot replaced while read is read again, not left out as damaged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of [january, february]) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const warnings: string[] = [];
    let reads = 0;
    const history = await readableHistory(dir, {
      demo: false,
      current: march,
      asOf: march.asOf,
      warnings,
      read: async (folder, options) => {
        if (++reads > 1) return await exportHistory(folder, options);
        // exportHistory's first read, with the backfill's rename between listing and reading
        const points = await loadMonthlyHistoryPoints(folder, { demo: false, current: march });
        await replaceJanuary(dir);
        await loadHistoryReport([...points, march], false);
        throw new Error("the replaced snapshot was read");
      },
    });
    assertEquals(reads, 2);
    assertEquals(warnings, [], "nothing left out");
    ok(history?.section.includes("2026-01-31"), history?.section);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history report's read: a snapshot replaced while read is listed and read again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const point of [january, february, march]) {
      await writeSnapshot(point.frame, { dir, asOf: point.asOf, demo: false, origin: "export" });
    }
    const agains: boolean[] = [];
    const report = await readAgainIfReplaced(async (again) => {
      agains.push(again);
      const points = await loadMonthlyHistoryPoints(dir, { demo: false });
      if (!again) await replaceJanuary(dir); // the backfill's rename between listing and reading
      return await loadHistoryReport(points, false);
    });
    assertEquals(agains, [false, true]);
    assertEquals(report.months, ["2026-01-31", "2026-02-28", "2026-03-31"]);

    // replaced at every read: said after REPLACED_READS
    let reads = 0;
    await rejects(
      readAgainIfReplaced(async () => {
        reads++;
        const points = await loadMonthlyHistoryPoints(dir, { demo: false });
        await replaceJanuary(dir);
        return await loadHistoryReport(points, false);
      }),
      SnapshotReplaced,
    );
    assertEquals(reads, REPLACED_READS);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a snapshot is placed holding the history folder's lock: another run's placing waits, and each pair stays one writer's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeSnapshot(january.frame, { dir, asOf: january.asOf, demo: false, origin: "export" });
    const held = Promise.withResolvers<void>();
    const granted = Promise.withResolvers<void>();
    // another run (an export publishing its snapshot of this as-of) holds the folder
    const other = withPublishLock(dir, () => {
      granted.resolve();
      return held.promise;
    }, { onWait: () => {} });
    await granted.promise;
    const waiting = Promise.withResolvers<string>();
    const writing = writeSnapshot(february.frame, {
      dir,
      asOf: january.asOf,
      demo: false,
      origin: "backfill",
      onLockWait: waiting.resolve,
    });
    const first = await Promise.race([writing.then(() => "placed"), waiting.promise]);
    ok(/^waiting for another run \(pid \d+\) to finish publishing into /.test(first), first);
    const sidecar = async () => JSON.parse(await Deno.readTextFile(sidecarOf(dir, "2026-01-31")));
    assertEquals((await sidecar()).origin, "export", "nothing moved while the folder was held");
    held.resolve();
    await other;
    await writing;
    assertEquals([(await sidecar()).origin, (await sidecar()).row_count], ["backfill", 6]);
    assertEquals((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      "helicone_pricing_data_2026-01-31.parquet",
      "helicone_pricing_data_2026-01-31.parquet.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export whose history folder is its output folder places its snapshot under the lock it holds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const prepared = await prepareSnapshot(january.frame, {
      dir,
      asOf: january.asOf,
      demo: false,
      origin: "export",
      lockHeldOn: `${dir}/.`,
    });
    await withPublishLock(dir, () => prepared.place());
    assertEquals(JSON.parse(await Deno.readTextFile(sidecarOf(dir, "2026-01-31"))).row_count, 7);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
