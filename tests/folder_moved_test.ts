/**
 * An output folder moved (renamed) or removed while an export writes into it
 * (lib/formats/folder_watch.ts): the run fails in one line saying what happened and where the
 * folder went, and leaves nothing half-written anywhere, the moved folder's staging folder and
 * history snapshot's temporary files included; what the folder held before stays as it was.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import { folderGoneError, movedPath } from "../lib/formats/folder_watch.ts";

const asOf = new Date("2026-11-01T00:00:00Z");

/** Every entry under `dir`, dot-files included, as paths relative to it. */
function everything(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = `${prefix}${entry.name}`;
    return entry.isDirectory ? [path, ...everything(join(dir, entry.name), `${path}/`)] : [path];
  }).sort();
}

/** Each file's bytes under `dir`, by its path relative to it. */
async function contents(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const path of everything(dir)) {
    const full = join(dir, path);
    if ((await Deno.stat(full)).isFile) files.set(path, await Deno.readFile(full));
  }
  return files;
}

/** The run's error, or a failure when it succeeded. */
async function errorOf(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("the export succeeded; it should have failed");
}

// "snapshot": the staging folder is made, the history folder is made again at the old path by
// the snapshot's write (its temporary files land there); "write": the snapshot's temporary files
// went along with the folder, the CSV's write meets the missing path.
for (const stage of ["snapshot", "write"]) {
  Deno.test(`an output folder moved as the ${stage} starts: one line naming where it went; nothing left, the previous set as it was`, async () => {
    const parent = await Deno.makeTempDir({ prefix: "folder_moved_" });
    const outDir = join(parent, "outputs");
    const moved = join(parent, "moved");
    try {
      await runExport({ demo: true, asOf, outDir, charts: false, env: {}, log: () => {} });
      await Deno.writeTextFile(join(outDir, "notes.txt"), "mine");
      const before = await contents(outDir);
      const names = everything(outDir);
      const error = await errorOf(() =>
        runExport({
          demo: true,
          asOf,
          outDir,
          charts: false,
          env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "1" }, // other numbers than the previous set's
          log: () => {},
          onStageTime: (name, phase) => {
            if (name === stage && phase === "start") Deno.renameSync(outDir, moved);
          },
        })
      );
      assertEquals(error.name, "UserError");
      assertEquals(
        error.message,
        `the output folder ${outDir} was moved to ${moved} while the run wrote its files: ` +
          `nothing was published, and the run's unfinished files were removed from it; move it ` +
          `back and run again, or choose another output folder`,
      );
      // the moved folder holds exactly what it held: no .staging-*, no snapshot temp file
      assertEquals(everything(moved), names, stage);
      assertEquals(await contents(moved), before, stage);
      // and nothing at the old path (a history folder made again there is gone with its files)
      assertEquals(everything(parent), ["moved", ...names.map((name) => `moved/${name}`)]);
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  });
}

Deno.test("an output folder removed as the write starts: one line saying so; nothing made again", async () => {
  const parent = await Deno.makeTempDir({ prefix: "folder_removed_" });
  const outDir = join(parent, "outputs");
  try {
    await Deno.mkdir(outDir);
    const error = await errorOf(() =>
      runExport({
        demo: true,
        asOf,
        outDir,
        charts: false,
        env: {},
        log: () => {},
        onStageTime: (name, phase) => {
          if (name === "write" && phase === "start") Deno.removeSync(outDir, { recursive: true });
        },
      })
    );
    assertEquals(
      error.message,
      `the output folder ${outDir} was removed while the run wrote its files: nothing was ` +
        `published; make ${outDir} again and run again, or choose another output folder`,
    );
    assertEquals(everything(parent), []);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("movedPath: a path inside the folder follows it; the folder itself and others do not", () => {
  const move = { from: "/data/outputs", to: "/data/moved" };
  assertEquals(movedPath("/data/outputs/.staging-1/a.csv", move), "/data/moved/.staging-1/a.csv");
  assertEquals(movedPath("/data/outputs", move), "/data/outputs");
  assertEquals(movedPath("/data/outputs2/a.csv", move), "/data/outputs2/a.csv");
  assertEquals(movedPath("/elsewhere/history/x.tmp", move), "/elsewhere/history/x.tmp");
});

Deno.test("folderGoneError: a folder gone where no /proc tells where says its unfinished files only when the run had any", () => {
  const dir = "/data/outputs";
  const again = `make ${dir} again and run again, or pass another folder to --out-dir`;
  const chosenBy = { named: "--out-dir", otherwise: "pass --out-dir" };
  assertEquals(
    folderGoneError({ kind: "unknown" }, { dir, left: [".staging-1"], chosenBy }).message,
    `the output folder ${dir} is gone (moved or removed while the run wrote its files): nothing ` +
      `was published; if it was moved, the run's unfinished files are left in it (.staging-1): ` +
      `remove them; ${again}`,
  );
  // no staging folder made yet: nothing of the run's is in it (not "left in it (): remove them")
  assertEquals(
    folderGoneError({ kind: "unknown" }, { dir, left: [], chosenBy }).message,
    `the output folder ${dir} is gone (moved or removed while the run wrote its files): nothing ` +
      `was published, and none of the run's unfinished files are in it; ${again}`,
  );
});
