/**
 * writeSnapshot refuses a frame built by hand with a NaN or ±Infinity in a number column, in one
 * line naming the row, column and organization, and writes nothing (lib/history/snapshot_finite.ts):
 * the snapshot readers refuse such a file, so it was written and never read. Nulls write and read.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { readSnapshotFrame } from "../lib/history/stored_snapshots.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";

const options = (dir: string) => ({
  dir,
  asOf: new Date("2026-10-01T00:00:00Z"),
  demo: false,
  origin: "export" as const,
});

Deno.test("writeSnapshot: NaN or ±Infinity refused naming row, column and org; nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "snapshot_finite_" });
  try {
    const history = join(dir, "history");
    for (
      const [value, shown] of [[NaN, "NaN"], [Infinity, "Infinity"], [-Infinity, "-Infinity"]] as [
        number,
        string,
      ][]
    ) {
      const frame = exportFrameFromColumns({
        org_id: ["a", "b", "c"],
        mrr: [200, 20, 0],
        llm_cost_30d: [1, 2, value],
      });
      await rejects(writeSnapshot(frame, options(history)), {
        name: "UserError",
        message:
          `snapshot not written: row 3, column llm_cost_30d (organization "c") holds ${shown}; a snapshot holds an unknown figure as null, as the kit's exports write it: set it to null (e.g. pl.when(pl.col("llm_cost_30d").isFinite()).then(pl.col("llm_cost_30d"))) and write again`,
      });
      // not even the folder
      await rejects(Deno.stat(history), Deno.errors.NotFound);
    }
    // the same with null: written, and read back as unknown
    const frame = exportFrameFromColumns({
      org_id: ["a", "b", "c"],
      mrr: [200, 20, 0],
      llm_cost_30d: [1, 2, null],
    });
    const info = await writeSnapshot(frame, options(history));
    assertEquals(readSnapshotFrame(info.path).getColumn("llm_cost_30d").toArray(), [1, 2, null]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
