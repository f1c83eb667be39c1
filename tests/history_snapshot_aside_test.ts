/**
 * Replacing a snapshot killed halfway (snapshot_aside.ts): at every point between the renames the
 * next run or reader puts the old pair back, or tidies a finished replacement; and a real SIGKILL
 * of a child process between the renames loses no month end.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  asidePath,
  placeSnapshotFiles,
  recoverInterruptedPlacing,
} from "../lib/history/snapshot_aside.ts";
import { ownerTag } from "../lib/formats/staging.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { loadHistoryPoints } from "../lib/history/points.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

const NAME = "helicone_pricing_data_2026-11-01_demo.parquet";

/** An owner tag of a process that has ended (this machine's, so it can be told dead). */
async function deadOwner(): Promise<string> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return ownerTag().replace(/^p\d+s\d*/, `p${child.pid}s1`);
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
/** A replacement's aside file (Parquet or sidecar), this kit's names or an older kit's. */
const isAside = (name: string) => /\.aside(\.parquet)?(\.json)?$/.test(name);
const text = (path: string) => Deno.readTextFile(path).catch(() => null);

class Killed extends Error {}

/** placeSnapshotFiles over an old pair, stopped after `steps` renames as a kill would. */
async function killedAfter(
  dir: string,
  steps: number,
  { owner, oldSidecar = true }: { owner: string; oldSidecar?: boolean },
): Promise<void> {
  const path = join(dir, NAME);
  await Deno.writeTextFile(path, "old parquet");
  if (oldSidecar) await Deno.writeTextFile(`${path}.json`, "old sidecar");
  await Deno.writeTextFile(join(dir, ".new.tmp"), "new parquet");
  await Deno.writeTextFile(join(dir, ".new.json.tmp"), "new sidecar");
  let done = 0;
  const move = async (from: string, to: string) => {
    if (done === steps) throw new Killed();
    await Deno.rename(from, to);
    done++;
  };
  try {
    await placeSnapshotFiles(path, {
      written: join(dir, ".new.tmp"),
      writtenMeta: join(dir, ".new.json.tmp"),
      move,
      owner,
    });
  } catch (error) {
    if (!(error instanceof Killed)) throw error;
  }
}

Deno.test("a replacement killed after any rename: the next run puts the old pair back, or tidies the new one", async () => {
  const owner = await deadOwner();
  // renames: old sidecar aside, old Parquet aside, new sidecar in, new Parquet in
  for (const oldSidecar of [true, false]) {
    const moves = oldSidecar ? 4 : 3;
    for (let steps = 0; steps <= moves; steps++) {
      const dir = await Deno.makeTempDir();
      try {
        await killedAfter(dir, steps, { owner, oldSidecar });
        const { restored } = await recoverInterruptedPlacing(dir);
        const path = join(dir, NAME);
        const finished = steps === moves;
        const at = `${steps} of ${moves} renames, old sidecar ${oldSidecar}`;
        assertEquals(await text(path), finished ? "new parquet" : "old parquet", at);
        assertEquals(
          await text(`${path}.json`),
          finished ? "new sidecar" : oldSidecar ? "old sidecar" : null,
          at,
        );
        // nothing aside is left; the new temp files are the dead run's (removeDeadTempFiles')
        ok(!names(dir).some(isAside), `${at}: ${names(dir)}`);
        // put back only what had been moved: after 0 renames nothing was
        assertEquals(restored.length, steps > 0 && !finished ? 1 : 0, at);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  }
});

Deno.test("a live run's aside files are left alone (it may still take its replacement back)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await killedAfter(dir, 2, { owner: ownerTag() });
    assertEquals(await recoverInterruptedPlacing(dir), { restored: [] });
    assertEquals(await text(join(dir, NAME)), null);
    assertEquals(names(dir).filter(isAside).length, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a month end moved aside by a killed run: the history reads it, and a snapshot write keeps it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = (asOf: string, org: string) =>
      writeSnapshot(exportFrameFromColumns({ org_id: [org] }), {
        dir,
        asOf: new Date(asOf),
        demo: true,
        origin: "import",
      });
    await write("2026-10-01T00:00:00Z", "october");
    const path = (await write("2026-11-01T00:00:00Z", "november")).path;
    // a replacement of November killed with both old files aside and nothing new in
    const owner = await deadOwner();
    await Deno.rename(`${path}.json`, asidePath(`${path}.json`, owner));
    await Deno.rename(path, asidePath(path, owner));

    // read where it lies (the next run puts it back), with its sidecar's as-of
    const points = await loadHistoryPoints(dir, true);
    assertEquals(points.map((p) => p.asOf.toISOString().slice(0, 10)), [
      "2026-10-01",
      "2026-11-01",
    ]);
    assertEquals(points[1].frame.getColumn("org_id").toArray(), ["november"]);

    // a write of another as-of (the next export) puts it back before anything else
    await write("2026-12-01T00:00:00Z", "december");
    assertEquals(names(dir), [
      "helicone_pricing_data_2026-10-01_demo.parquet",
      "helicone_pricing_data_2026-10-01_demo.parquet.json",
      NAME,
      `${NAME}.json`,
      "helicone_pricing_data_2026-12-01_demo.parquet",
      "helicone_pricing_data_2026-12-01_demo.parquet.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a child SIGKILLed between the renames of a replacement loses no month end", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, NAME);
    await Deno.writeTextFile(path, "old parquet");
    await Deno.writeTextFile(`${path}.json`, "old sidecar");
    await Deno.writeTextFile(join(dir, ".new.tmp"), "new parquet");
    await Deno.writeTextFile(join(dir, ".new.json.tmp"), "new sidecar");
    const ready = join(dir, "ready");
    const module = new URL("../lib/history/snapshot_aside.ts", import.meta.url).href;
    // the child renames both old files aside, says so in `ready`, then waits to be killed
    const script = `const { placeSnapshotFiles } = await import(${JSON.stringify(module)});
      let done = 0;
      setInterval(() => {}, 1 << 30);
      await placeSnapshotFiles(${JSON.stringify(path)}, {
        written: ${JSON.stringify(join(dir, ".new.tmp"))},
        writtenMeta: ${JSON.stringify(join(dir, ".new.json.tmp"))},
        move: async (from, to) => {
          if (done === 2) {
            await Deno.writeTextFile(${JSON.stringify(ready)}, "");
            await new Promise(() => {});
          }
          await Deno.rename(from, to);
          done++;
        },
      });`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const deadline = Date.now() + HANG_GUARD_MS;
    while (!(await Deno.stat(ready).then(() => true, () => false))) {
      ok(Date.now() < deadline, "the child never reached its second rename");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    assertEquals(status.signal, "SIGKILL");
    await child.stderr.cancel();
    // the month end is gone from its name, and is no temp file a dead run's cleanup removes
    assertEquals(await text(path), null);
    assertEquals(names(dir).filter(isAside).length, 2);

    assertEquals(await recoverInterruptedPlacing(dir), { restored: [path] });
    assertEquals(await text(path), "old parquet");
    assertEquals(await text(`${path}.json`), "old sidecar");
    ok(!names(dir).some(isAside));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an older kit's aside names (`.<name>.json.<owner>.aside`) are put back too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const owner = await deadOwner();
    const path = join(dir, NAME);
    await Deno.writeTextFile(join(dir, `.${NAME}.json.${owner}.aside`), "old sidecar");
    await Deno.writeTextFile(join(dir, `.${NAME}.${owner}.aside`), "old parquet");
    assertEquals(await recoverInterruptedPlacing(dir), { restored: [path] });
    assertEquals(names(dir), [NAME, `${NAME}.json`]);
    assertEquals(await text(path), "old parquet");
    assertEquals(await text(`${path}.json`), "old sidecar");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
