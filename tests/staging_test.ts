/**
 * Staging folders and publishing (lib/formats/staging.ts): folders of killed runs are removed by
 * the next run and by retention, a live run's folder stays, writeFileSet replaces a set whole, and
 * an output folder's errors name it as the user chose it. A publish that fails or is killed
 * half-way putting the previous set of files back exactly (issue 10, items 4 and 5) is in
 * staging_publish_test.ts.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { hostname } from "node:os";
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import {
  ensureWritableDir,
  makeStagingDir,
  publishesSettled,
  publishStaged,
  removeDeadStaging,
  writeFileSet,
} from "../lib/formats/staging.ts";
import { pruneExports } from "../lib/delivery/retention.ts";
import { withPublishLock } from "../lib/formats/publish_lock.ts";
import { writeChunksFile } from "../lib/formats/csv.ts";
import { ANOTHER_OUTPUT_FOLDER, outDirFlag } from "../lib/core/chosen_by.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { asOf, childWithStaging, demoExport, names } from "./staging_fixture.ts";

const stagingNames = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith(".staging-")).sort();

Deno.test("a run removes staging folders of killed runs and keeps those of live runs", async () => {
  const outDir = await Deno.makeTempDir();
  const { child, staging } = await childWithStaging(outDir);
  try {
    await Deno.writeFile(
      join(staging, "helicone_pricing_data_2026-11-01.csv"),
      new Uint8Array(1000),
    );
    // The child is alive: its folder is a run still writing and must stay.
    await demoExport(outDir);
    assertEquals(stagingNames(outDir), [staging.split("/").pop()]);
    child.kill("SIGKILL");
    await child.status;
    // Killed: the next run removes its folder (before the fix, nothing ever did).
    await demoExport(outDir);
    assertEquals(stagingNames(outDir), []);
  } finally {
    await child.stdin.close().catch(() => {});
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("retention removes dead and old staging folders, never a live run's", async () => {
  const outDir = await Deno.makeTempDir();
  const { child, staging: dead } = await childWithStaging(outDir);
  child.kill("SIGKILL");
  await child.status;
  await child.stdin.close().catch(() => {});
  // One written by another machine sharing the folder: its pid cannot be checked here, so only
  // its age counts; one old (10 days), one fresh.
  const foreign = async (name: string, ageDays: number) => {
    const path = join(outDir, name);
    await Deno.mkdir(path);
    await Deno.writeTextFile(
      join(path, ".owner.json"),
      JSON.stringify({ pid: 1, host: `not-${hostname()}`, started: "2026-01-01T00:00:00Z" }),
    );
    const when = new Date(Date.now() - ageDays * 86_400_000);
    await Deno.utime(path, when, when);
    return path;
  };
  const oldForeign = await foreign(".staging-oldforeign", 10);
  await foreign(".staging-freshforeign", 0);
  // A killed run whose pid now belongs to another process (here: this one): its start differs.
  const reused = join(outDir, ".staging-reusedpid");
  await Deno.mkdir(reused);
  await Deno.writeTextFile(
    join(reused, ".owner.json"),
    JSON.stringify({
      pid: Deno.pid,
      host: hostname(),
      started: "2026-01-01T00:00:00Z",
      procStart: "1",
    }),
  );
  const live = await makeStagingDir(outDir, { chosenBy: ANOTHER_OUTPUT_FOLDER }); // this process: alive
  await Deno.utime(live, new Date(0), new Date(0)); // however old it looks
  try {
    const pruned = await pruneExports(outDir, { keepDays: 3, now: new Date() });
    assertEquals(pruned.staging, [dead, oldForeign, reused].sort());
    assertEquals(stagingNames(outDir), [".staging-freshforeign", live.split("/").pop()].sort());
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("retention 0 leaves another machine's staging folder for an hour, then removes it", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    // Another host (NFS, or a container with its own hostname) writing its export right now.
    const writing = join(outDir, ".staging-abc123");
    await Deno.mkdir(writing);
    await Deno.writeTextFile(
      join(writing, ".owner.json"),
      JSON.stringify({ pid: 4242, host: `not-${hostname()}`, started: new Date().toISOString() }),
    );
    await Deno.writeFile(
      join(writing, "helicone_pricing_data_2026-11-01.csv"),
      new Uint8Array(100),
    );
    const touched = (await Deno.stat(writing)).mtime!.getTime();
    // one second later: "keep 0 days" must not mean "its folder goes now"
    const second = await pruneExports(outDir, { keepDays: 0, now: new Date(touched + 1000) });
    assertEquals(second, { deleted: [], staging: [], keptNewest: [] });
    assertEquals(stagingNames(outDir), [".staging-abc123"]);
    // the floor is one hour (UNOWNED_GRACE_MS), whatever the retention: 59 minutes stays
    const minutes = (n: number) => new Date(touched + n * 60_000);
    assertEquals(await removeDeadStaging(outDir, { now: minutes(59), olderThanDays: 0 }), []);
    // untouched for 61 minutes: a run that long gone from a folder it has not written to
    assertEquals((await pruneExports(outDir, { keepDays: 0, now: minutes(61) })).staging, [
      writing,
    ]);
    assertEquals(stagingNames(outDir), []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

// writeFileSet: a report's files (a comparison's, a scenario's) appear together or not at all.

Deno.test("writeFileSet: the whole set appears, replacing the previous one, nothing left behind", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const write = (text: string) => async (staging: string) => {
      const paths = ["a.csv", "a.md"].map((name) => join(staging, name));
      for (const path of paths) await Deno.writeTextFile(path, text);
      return paths;
    };
    assertEquals(await writeFileSet(outDir, write("first"), { chosenBy: ANOTHER_OUTPUT_FOLDER }), [
      join(outDir, "a.csv"),
      join(outDir, "a.md"),
    ]);
    await writeFileSet(outDir, write("second"), { chosenBy: ANOTHER_OUTPUT_FOLDER });
    assertEquals(names(outDir), ["a.csv", "a.md"]);
    assertEquals(await Deno.readTextFile(join(outDir, "a.md")), "second");
    // a publish that fails names the files, not "the export" (a comparison said it was one)
    await Deno.remove(join(outDir, "a.md"));
    await Deno.mkdir(join(outDir, "a.md"));
    await rejects(
      writeFileSet(outDir, write("third"), { chosenBy: ANOTHER_OUTPUT_FOLDER }),
      /^UserError: publishing the files failed \(.*a\.md exists and is not a file; move it away\); nothing new was written, the previous files are unchanged$/,
    );
    assertEquals(await Deno.readTextFile(join(outDir, "a.csv")), "second");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeFileSet stopped by its signal while writing: the reason thrown, nothing published, the previous set unchanged", async () => {
  // (a command's Ctrl-C during the write: the set staged whole is never published once stopped)
  const outDir = await Deno.makeTempDir();
  try {
    const write = (text: string, stop?: () => void) => async (staging: string) => {
      const paths = ["a.csv", "a.md"].map((name) => join(staging, name));
      for (const path of paths) await Deno.writeTextFile(path, text);
      stop?.();
      return paths;
    };
    await writeFileSet(outDir, write("first"), { chosenBy: ANOTHER_OUTPUT_FOLDER });
    const controller = new AbortController();
    const reason = new Error("stopped while writing");
    await rejects(
      writeFileSet(outDir, write("second", () => controller.abort(reason)), {
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        signal: controller.signal,
      }),
      (error) => error === reason,
    );
    assertEquals(names(outDir), ["a.csv", "a.md"]);
    assertEquals(await Deno.readTextFile(join(outDir, "a.md")), "first");
    assertEquals(stagingNames(outDir), []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeFileSet: a set that fails halfway leaves the previous files as they were", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(outDir, "a.csv"), "previous");
    await rejects(
      writeFileSet(outDir, async (staging) => {
        await Deno.writeTextFile(join(staging, "a.csv"), "new");
        await Deno.writeTextFile(join(staging, "b.csv"), "new");
        throw new Error("the summary could not be written");
      }, { chosenBy: ANOTHER_OUTPUT_FOLDER }),
      /the summary could not be written/,
    );
    assertEquals(names(outDir), ["a.csv"]);
    assertEquals(await Deno.readTextFile(join(outDir, "a.csv")), "previous");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("ensureWritableDir: two checks of one folder at the same moment both pass, leaving nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Started together, so they run in the same millisecond: a clock-named probe was shared.
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => ensureWritableDir(dir)),
    );
    assertEquals(results.map((r) => r.status), Array(8).fill("fulfilled"));
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every entry under `dir`, dot-files included, as paths relative to it. */
function everything(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    const path = `${prefix}${entry.name}`;
    return entry.isDirectory ? [path, ...everything(join(dir, entry.name), `${path}/`)] : [path];
  }).sort();
}

Deno.test("runExport stopped by its signal before publishing: the reason thrown, nothing written or left", async () => {
  // Aborted as the history stage starts: the snapshot stage refuses to start. Aborted as the write
  // starts: it completes (with the charts and the staged manifest), and publishing refuses to begin.
  for (const stage of ["history", "write"]) {
    const outDir = await Deno.makeTempDir();
    try {
      const controller = new AbortController();
      const reason = new Error(`stopped at ${stage}`);
      await rejects(
        runExport({
          demo: true,
          asOf,
          outDir,
          env: {},
          log: () => {},
          signal: controller.signal,
          onStageTime: (name, phase) => {
            if (name === stage && phase === "start") controller.abort(reason);
          },
        }),
        (error) => error === reason,
      );
      // no staging folder, no published file, no snapshot or its temp files, and not the history
      // folder the snapshot stage made before the write (a discarded snapshot takes it along)
      assertEquals(everything(outDir), [], stage);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  }
});

Deno.test("publishesSettled waits for a publish under way, which completes", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const staging = await makeStagingDir(outDir, { chosenBy: ANOTHER_OUTPUT_FOLDER });
    const names = ["helicone_pricing_data_2026-11-01.csv", "helicone_pricing_data_2026-11-01.md"];
    for (const name of names) await Deno.writeTextFile(join(staging, name), name);
    // moves start holding the folder's publish lock (as the export's do, under its own lock)
    let entered = () => {};
    const holding = new Promise<void>((resolve) => entered = resolve);
    const publish = withPublishLock(outDir, () => {
      const moves = publishStaged(staging, {
        chosenBy: ANOTHER_OUTPUT_FOLDER,
        outDir,
        files: names.map((n) => join(staging, n)),
        lockHeld: true,
      });
      entered();
      return moves;
    });
    await holding;
    await publishesSettled(); // what a second Ctrl-C waits for before exiting
    for (const name of names) assertEquals(await Deno.readTextFile(join(outDir, name)), name);
    assertEquals(Deno.readDirSync(outDir).some((e) => e.name === ".publish.lock"), false);
    await publish;
    await publishesSettled(); // none under way: settles at once
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

// The output folder the user named, made or written: its errors name it as they chose it (the
// flag, the notebook's argument), never the kit's own staging folder, with that choice's fix.

const NOTEBOOK_OUT_DIR = { named: "outDir", otherwise: "set outDir" };

readOnlyFolderTest(
  "writeFileSet: an output folder under a read-only parent is named as chosen, not as a staging folder",
  async (folder) => {
    await folder.readOnly();
    const outDir = join(folder.dir, "reports");
    await rejects(
      writeFileSet(outDir, () => Promise.resolve([]), { chosenBy: NOTEBOOK_OUT_DIR }),
      {
        name: "UserError",
        message: `outDir ${outDir} is not writable (${folder.reason}); ${
          folder.fix.replace(/ there$/, "")
        } or set outDir to another folder`,
      },
    );
  },
);

Deno.test("writeFileSet: an output folder under a file is named with the file in its way", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "a-file");
    await Deno.writeTextFile(file, "not a folder");
    const outDir = join(file, "reports");
    await rejects(writeFileSet(outDir, () => Promise.resolve([]), { chosenBy: outDirFlag(true) }), {
      name: "UserError",
      message:
        `--out-dir ${file} (in ${outDir}) is a file, not a folder; pass a folder (made if missing)`,
    });
    assertEquals(await Deno.readTextFile(file), "not a folder");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

readOnlyFolderTest(
  "makeStagingDir: an output folder gone read-only since its check is named as the user chose it",
  async (folder) => {
    await folder.readOnly();
    await rejects(makeStagingDir(folder.dir, { chosenBy: outDirFlag(true) }), {
      name: "UserError",
      message: `--out-dir ${folder.dir} is not writable (${folder.reason}); ${
        folder.fix.replace(/ there$/, "")
      } or pass another folder to --out-dir`,
    });
    // (its default outputs/, no flag passed: the fix says to pass one)
    await rejects(makeStagingDir(folder.dir, { chosenBy: outDirFlag(false) }), {
      message: `output folder ${folder.dir} is not writable (${folder.reason}); ${
        folder.fix.replace(/ there$/, "")
      } or pass --out-dir`,
    });
  },
);

readOnlyFolderTest(
  "writeFileSet: a file the folder refuses mid-write is named with the fix for how the folder was chosen; the previous set stays",
  async (folder) => {
    await Deno.writeTextFile(join(folder.dir, "a.csv"), "previous");
    await rejects(
      writeFileSet(folder.dir, async (staging) => {
        await folder.readOnly(); // (the staging folder is made: the disk goes read-only under it)
        const path = join(staging, "a.csv");
        await writeChunksFile(["new"], path, { chosenBy: NOTEBOOK_OUT_DIR });
        return [path];
      }, { chosenBy: NOTEBOOK_OUT_DIR }),
      {
        name: "UserError",
        message:
          `a.csv could not be written in ${folder.dir} (${folder.reason}); nothing new was written: ${folder.fix} or set outDir to another folder`,
      },
    );
    assertEquals(await Deno.readTextFile(join(folder.dir, "a.csv")), "previous");
  },
);
