/**
 * A killed run's snapshot work (snapshot_aside.ts) at the edges: a move of an older kit's
 * date-named snapshot to its own name killed between any two renames (the next run leaves a whole
 * pair, a reader reads it at its instant meanwhile), with real SIGKILLs too; a history report on a
 * read-only history folder holding a dead run's aside files reads the month end where it lies,
 * with one warning saying what to run; and a write told its run already put things back does not
 * list the folder for them again.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  asidePath,
  moveSnapshotFiles,
  recoverInterruptedPlacing,
} from "../lib/history/snapshot_aside.ts";
import { ownerTag } from "../lib/formats/staging.ts";
import { prepareSnapshot, writeSnapshot } from "../lib/history/snapshot.ts";
import { listSnapshots } from "../lib/history/stored_snapshots.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { main as historyMain } from "../lib/cli/history.ts";
import { captureConsole } from "./console_capture.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { HANG_GUARD_MS } from "./hang_guard.ts";

/** The date's name an older kit gave a snapshot of 12:00, and that instant's own name. */
const DATE_NAME = "helicone_pricing_data_2026-11-01_demo.parquet";
const OWN_NAME = "helicone_pricing_data_2026-11-01T120000Z_demo.parquet";
const NOON = "2026-11-01T12:00:00.000Z";

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();
const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

/** An owner tag of a process that has ended (this machine's, so it can be told dead). */
async function deadOwner(): Promise<string> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return ownerTag().replace(/^p\d+s\d*/, `p${child.pid}s1`);
}

/** An older kit's snapshot of 12:00 under its date's name, in `dir`: its path. */
async function olderKitsNoon(dir: string): Promise<string> {
  const written = await writeSnapshot(exportFrameFromColumns({ org_id: ["noon"] }), {
    dir,
    asOf: new Date(NOON),
    demo: true,
    origin: "import",
  });
  const path = join(dir, DATE_NAME);
  await Deno.rename(`${written.path}.json`, `${path}.json`);
  await Deno.rename(written.path, path);
  return path;
}

class Killed extends Error {}

Deno.test("a move to its own name killed after any rename: a reader reads it at its instant, the next run leaves a whole pair", async () => {
  const owner = await deadOwner();
  // renames: Parquet file to the moving name, sidecar to the new name, Parquet file to it
  for (let steps = 0; steps <= 3; steps++) {
    const dir = await Deno.makeTempDir();
    try {
      const from = await olderKitsNoon(dir);
      const sidecar = await Deno.readTextFile(`${from}.json`);
      let done = 0;
      await moveSnapshotFiles(from, join(dir, OWN_NAME), {
        owner,
        move: async (a, b) => {
          if (done === steps) throw new Killed();
          await Deno.rename(a, b);
          done++;
        },
      }).catch((error) => {
        if (!(error instanceof Killed)) throw error;
      });
      const at = `killed after ${steps} of 3 renames: ${names(dir)}`;
      // before any run puts it back: one snapshot, at 12:00 (never read as the month end)
      const listed = await listSnapshots(dir, true);
      assertEquals(listed.map((s) => s.asOf.toISOString()), [NOON], at);

      await recoverInterruptedPlacing(dir);
      // the whole pair, at the date's name (undone) or its own (finished), nothing else
      const whole = steps >= 2 ? OWN_NAME : DATE_NAME;
      assertEquals(names(dir), [whole, `${whole}.json`], at);
      assertEquals(await Deno.readTextFile(join(dir, `${whole}.json`)), sidecar, at);
      const read = await listSnapshots(dir, true);
      assertEquals(read.map((s) => [s.asOf.toISOString(), s.asideWarning]), [[NOON, undefined]]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

/**
 * Runs `call` of snapshot_aside.ts on `args` (JavaScript, naming the child's `move`) in a child
 * process whose moves stop after `renames` (the child says so in a file), then SIGKILLs it there.
 */
async function killedChild(
  dir: string,
  { call, args, renames }: { call: string; args: string; renames: number },
): Promise<void> {
  const ready = join(dir, "ready");
  const module = new URL("../lib/history/snapshot_aside.ts", import.meta.url).href;
  const script = `const aside = await import(${JSON.stringify(module)});
    let done = 0;
    setInterval(() => {}, 1 << 30);
    const move = async (from, to) => {
      if (done === ${renames}) {
        await Deno.writeTextFile(${JSON.stringify(ready)}, "");
        await new Promise(() => {});
      }
      await Deno.rename(from, to);
      done++;
    };
    await aside.${call}(${args});`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!(await exists(ready))) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`the child never reached rename ${renames + 1}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGKILL");
  assertEquals((await child.status).signal, "SIGKILL");
  await child.stderr.cancel();
  await Deno.remove(ready);
}

Deno.test("a child SIGKILLed inside a move to its own name: the next run finishes or undoes it", async () => {
  for (const renames of [1, 2]) {
    const dir = await Deno.makeTempDir();
    try {
      const from = await olderKitsNoon(dir);
      const to = join(dir, OWN_NAME);
      await killedChild(dir, {
        call: "moveSnapshotFiles",
        args: `${JSON.stringify(from)}, ${JSON.stringify(to)}, { move }`,
        renames,
      });
      // the Parquet file is under the moving name, its sidecar at the old name (1) or the new (2)
      assertEquals(names(dir).filter((name) => name.endsWith(".moving.parquet")).length, 1);
      assertEquals(await exists(`${from}.json`), renames === 1);

      assertEquals(await recoverInterruptedPlacing(dir), {
        restored: renames === 1 ? [from] : [],
      });
      const whole = renames === 1 ? DATE_NAME : OWN_NAME;
      assertEquals(names(dir), [whole, `${whole}.json`]);
      const listed = await listSnapshots(dir, true);
      assertEquals(listed.map((s) => s.asOf.toISOString()), [NOON]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

readOnlyFolderTest(
  "a history report on a read-only history folder a killed run left a month end aside in: read where it lies, one warning naming what to run",
  async (folder) => {
    const dir = join(folder.dir, "history");
    const outDir = await Deno.makeTempDir();
    try {
      const live = (asOf: string, mrr: number[]) =>
        writeSnapshot(
          exportFrameFromColumns({ org_id: ["a", "b"].slice(0, mrr.length), mrr_recurring: mrr }),
          { dir, asOf: new Date(asOf), demo: false, origin: "import" },
        );
      await live("2026-10-01T00:00:00Z", [10]);
      const november = (await live("2026-11-01T00:00:00Z", [10, 20])).path;
      // a replacement of November SIGKILLed with both old files aside and nothing new in
      await Deno.writeTextFile(join(dir, ".new.tmp"), "new parquet");
      await Deno.writeTextFile(join(dir, ".new.json.tmp"), "new sidecar");
      await killedChild(dir, {
        call: "placeSnapshotFiles",
        args: `${JSON.stringify(november)}, { written: ${
          JSON.stringify(join(dir, ".new.tmp"))
        }, writtenMeta: ${JSON.stringify(join(dir, ".new.json.tmp"))}, move }`,
        renames: 2,
      });
      ok(!(await exists(november)), `November is aside: ${names(dir)}`);
      const before = names(dir);
      await folder.readOnly();

      const captured = captureConsole();
      let code;
      try {
        code = await historyMain([
          "report",
          "--history-dir",
          dir,
          "--out-dir",
          outDir,
          "--no-charts",
        ]);
      } finally {
        captured.restore();
      }
      assertEquals(code, 0, captured.errors.join("\n"));
      // November read (a report needs two months; it is named by its last one)
      ok(
        await exists(join(outDir, "helicone_pricing_history_2026-11-01.csv")),
        `${names(outDir)}`,
      );
      assertEquals(captured.errors.filter((line) => line.includes("killed run")), [
        `warning: history folder ${dir} holds 1 snapshot(s) a killed run was replacing or moving (helicone_pricing_data_2026-11-01.parquet), read where that run left them, not put back (the folder cannot be written: ${folder.reason}); run \`deno task history report\` or an export with write access to ${dir} to put them back`,
      ]);
      assertEquals(names(dir), before); // nothing moved, nothing written
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
);

Deno.test("a write whose run put the folder back already does not list it for that again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const frame = exportFrameFromColumns({ org_id: ["a"] });
    const options = { dir, demo: true, origin: "import" as const };
    const path = (await writeSnapshot(frame, { ...options, asOf: new Date(NOON) })).path;
    // a dead run's replacement of it, both old files aside
    const owner = await deadOwner();
    await Deno.rename(`${path}.json`, asidePath(`${path}.json`, owner));
    await Deno.rename(path, asidePath(path, owner));
    const december = { ...options, asOf: new Date("2026-12-01T00:00:00Z") };
    // told its run did (an export's history stage): the aside pair is left for the next run
    const told = await prepareSnapshot(frame, { ...december, recovered: true });
    await told.discard();
    assertEquals(names(dir).filter((name) => name.includes(".aside.")).length, 2);
    // not told: put back first
    const untold = await prepareSnapshot(frame, december);
    await untold.discard();
    assertEquals(names(dir), [OWN_NAME, `${OWN_NAME}.json`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
