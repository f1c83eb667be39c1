/**
 * Publishing an export's files (lib/formats/staging.ts): a failed move, a failed upload or a run
 * killed while publishing or retiring a file leaves, or the next run puts back, the previous set
 * of files exactly (issue 10, items 4 and 5).
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { runExport } from "../lib/export.ts";
import {
  makeStagingDir,
  removeDeadStaging,
  removeStagingDir,
  writeFileSet,
} from "../lib/formats/staging.ts";
import { asOf, childWithStaging, demoExport, names } from "./staging_fixture.ts";

Deno.test("a failed move during publishing leaves the previous set exactly as it was", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    await demoExport(outDir); // the previous set: CSV, XLSX, brief, manifest
    const before = new Map<string, Uint8Array>();
    for (const entry of Deno.readDirSync(outDir)) {
      before.set(entry.name, await Deno.readFile(join(outDir, entry.name)));
    }
    assertEquals(before.size, 4);
    // A non-empty directory where the second segment file must go: that move fails after the CSV
    // and XLSX (which replace the old ones) and the first segment file (new) have been moved.
    const blocker = join(outDir, "helicone_pricing_data_2026-11-01_demo_gateway_only.csv");
    await Deno.mkdir(blocker);
    await Deno.writeTextFile(join(blocker, "keep.txt"), "mine");
    await rejects(
      runExport({
        demo: true,
        asOf,
        outDir,
        charts: false,
        segments: true,
        // different numbers than the previous set
        env: { PRICING_INFRA_USD_PER_1K_REQUESTS: "1" },
        log: () => {},
        history: false,
      }),
      (error: Error) =>
        /^publishing the export failed \(.*gateway_only\.csv exists and is not a file; move it away\); nothing new was written, the previous files are unchanged$/
          .test(error.message),
    );
    const after = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assertEquals(
      after,
      [...before.keys(), "helicone_pricing_data_2026-11-01_demo_gateway_only.csv"].sort(),
    );
    for (const [name, bytes] of before) {
      assertEquals(await Deno.readFile(join(outDir, name)), bytes, `${name} changed`);
    }
    assertEquals(await Deno.readTextFile(join(blocker, "keep.txt")), "mine");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("an export without a trimmed CSV retires an earlier run's; a failed publish puts it back", async () => {
  const outDir = await Deno.makeTempDir();
  const trimmed = "helicone_pricing_data_2026-11-01_demo_trimmed.csv";
  const exportWith = (env: Record<string, string>, more: { segments?: boolean } = {}) =>
    runExport({
      demo: true,
      asOf,
      outDir,
      charts: false,
      env,
      log: () => {},
      history: false,
      ...more,
    });
  try {
    // a limit (100 KB) below the demo CSV's size (~111 KB) and above its trimmed file's (~94 KB):
    // the trimmed CSV is written (the demo has free organizations without requests)
    await exportWith({ PRICING_BRIEF_TRIM_ABOVE_MB: "0.1" });
    const trimmedBytes = await Deno.readFile(join(outDir, trimmed));
    // the same date again, the CSV under the default limit: no trimmed CSV, and a publish that
    // fails (a directory where a segment file goes) leaves the earlier one in place
    const blocker = join(outDir, "helicone_pricing_data_2026-11-01_demo_gateway_only.csv");
    await Deno.mkdir(blocker);
    await rejects(
      exportWith({}, { segments: true }),
      /publishing the export failed .* nothing new was written/,
    );
    assertEquals(await Deno.readFile(join(outDir, trimmed)), trimmedBytes);
    await Deno.remove(blocker);
    // published: the earlier trimmed CSV is gone, and the brief says to upload the CSV
    const result = await exportWith({});
    assertEquals(result.trimmedPath, undefined);
    assertEquals(names(outDir).includes(trimmed), false);
    assertEquals(names(outDir).filter((n) => !n.startsWith(".")), [
      "helicone_pricing_data_2026-11-01_demo.csv",
      "helicone_pricing_data_2026-11-01_demo.manifest.json",
      "helicone_pricing_data_2026-11-01_demo.md",
      "helicone_pricing_data_2026-11-01_demo.xlsx",
    ]);
    const brief = await Deno.readTextFile(join(outDir, "helicone_pricing_data_2026-11-01_demo.md"));
    assertEquals(brief.includes("**Upload:** `helicone_pricing_data_2026-11-01_demo.csv`"), true);
    // an XLSX-only run of the same date retires the earlier run's CSV and its trimmed file: its
    // manifest lists neither (filesLeftByPreviousRun)
    await exportWith({ PRICING_BRIEF_TRIM_ABOVE_MB: "0.1" });
    ok(names(outDir).includes(trimmed));
    await runExport({
      demo: true,
      asOf,
      outDir,
      formats: ["xlsx"],
      charts: false,
      env: {},
      log: () => {},
      history: false,
    });
    assertEquals(names(outDir).filter((n) => !n.startsWith(".")), [
      "helicone_pricing_data_2026-11-01_demo.manifest.json",
      "helicone_pricing_data_2026-11-01_demo.md",
      "helicone_pricing_data_2026-11-01_demo.xlsx",
    ]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a trimmed CSV that could not be uploaded either is not written; an earlier one is retired", async () => {
  const outDir = await Deno.makeTempDir();
  const stem = "helicone_pricing_data_2026-11-01_demo";
  const exportWith = (trimAboveMb: string) =>
    runExport({
      demo: true,
      asOf,
      outDir,
      formats: ["csv"],
      charts: false,
      env: { PRICING_BRIEF_TRIM_ABOVE_MB: trimAboveMb },
      log: () => {},
      history: false,
    });
  try {
    // 0.1 MB: below the demo CSV (~111 KB), above its trimmed file (~94 KB): written
    ok((await exportWith("0.1")).trimmedPath);
    ok(names(outDir).includes(`${stem}_trimmed.csv`));
    // 0.05 MB (51.2 KB): even the trimmed file's fewest bytes are above it
    const result = await exportWith("0.05");
    assertEquals(result.trimmedPath, undefined);
    assertEquals(names(outDir).filter((n) => !n.startsWith(".")), [
      `${stem}.csv`,
      `${stem}.manifest.json`,
      `${stem}.md`,
    ]);
    const brief = await Deno.readTextFile(join(outDir, `${stem}.md`));
    ok(brief.includes(", above the 51.2 KB that AI assistants take comfortably"), brief);
    ok(brief.includes("A trimmed file would be above it too, so none was written: without the "));
    ok(!brief.includes("_trimmed.csv"), brief);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a run killed while publishing: the next run puts the previous set back", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    await demoExport(outDir); // the previous set: CSV, XLSX, brief, manifest
    const before = new Map<string, Uint8Array>();
    for (const entry of Deno.readDirSync(outDir)) {
      before.set(entry.name, await Deno.readFile(join(outDir, entry.name)));
    }
    // What a killed run leaves, step by step as publishStaged moves: its journal (names and
    // inodes, written before the first move), a new segment file and the new CSV moved in (the old
    // CSV aside in .previous), the old XLSX moved aside but the new one not yet in (killed there).
    const { child, staging } = await childWithStaging(outDir);
    child.kill("SIGKILL");
    await child.status;
    await child.stdin.close().catch(() => {});
    const stem = "helicone_pricing_data_2026-11-01_demo";
    const names = [`${stem}_gateway_only.csv`, `${stem}.csv`, `${stem}.xlsx`, `${stem}.md`];
    const journal = [];
    for (const name of names) {
      await Deno.writeTextFile(join(staging, name), `new ${name}`);
      journal.push({ name, ino: (await Deno.stat(join(staging, name))).ino });
    }
    await Deno.writeTextFile(join(staging, ".publish.json"), JSON.stringify(journal));
    await Deno.mkdir(join(staging, ".previous"));
    const move = (from: string, to: string) => Deno.rename(from, to);
    await move(join(staging, names[0]), join(outDir, names[0]));
    await move(join(outDir, names[1]), join(staging, ".previous", names[1]));
    await move(join(staging, names[1]), join(outDir, names[1]));
    await move(join(outDir, names[2]), join(staging, ".previous", names[2]));

    // The next run (runExport calls this first) undoes the half-done publish.
    assertEquals(await removeDeadStaging(outDir), [staging]);
    assertEquals(
      [...Deno.readDirSync(outDir)].map((e) => e.name).sort(),
      [...before.keys()].sort(),
    );
    for (const [name, bytes] of before) {
      assertEquals(await Deno.readFile(join(outDir, name)), bytes, `${name} changed`);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a run killed while retiring a file: the next run puts it back", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const trimmed = "helicone_pricing_data_2026-11-01_demo_trimmed.csv";
    await Deno.writeTextFile(join(outDir, trimmed), "earlier run");
    const { child, staging } = await childWithStaging(outDir);
    child.kill("SIGKILL");
    await child.status;
    await child.stdin.close().catch(() => {});
    // publishStaged's journal lists a retired name without an inode, then moves it aside
    await Deno.writeTextFile(
      join(staging, ".publish.json"),
      JSON.stringify([{ name: trimmed, ino: null }]),
    );
    await Deno.mkdir(join(staging, ".previous"));
    await Deno.rename(join(outDir, trimmed), join(staging, ".previous", trimmed));
    assertEquals(await removeDeadStaging(outDir), [staging]);
    assertEquals(await Deno.readTextFile(join(outDir, trimmed)), "earlier run");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a dead run's journal naming a path outside the output folder is not followed: nothing moved or removed there", async () => {
  // root/outputs/out is the output folder; whoever can write it left a dead run's staging folder
  const root = await Deno.makeTempDir();
  try {
    const outDir = join(root, "outputs", "out");
    await Deno.mkdir(outDir, { recursive: true });
    const outside = join(root, "outside.txt");
    await Deno.writeTextFile(outside, "not the kit's");
    const { child, staging } = await childWithStaging(outDir);
    child.kill("SIGKILL");
    await child.status;
    await child.stdin.close().catch(() => {});
    // "../../planted.txt": its backup, .previous/../../planted.txt, is out/planted.txt (written
    // there), and its real name root/planted.txt; "../../outside.txt" is root's file by its inode
    await Deno.writeTextFile(join(outDir, "planted.txt"), "written in the output folder");
    await Deno.mkdir(join(staging, ".previous"));
    await Deno.writeTextFile(
      join(staging, ".publish.json"),
      JSON.stringify([
        { name: "../../planted.txt", ino: null },
        { name: "../../outside.txt", ino: (await Deno.stat(outside)).ino },
      ]),
    );
    assertEquals(await removeDeadStaging(outDir), [staging]);
    assertEquals(names(root), ["outputs", "outside.txt"]);
    assertEquals(await Deno.readTextFile(outside), "not the kit's");
    assertEquals(names(outDir), ["planted.txt"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeFileSet (scenario, compare, history report) clears a killed run's staging folder, its half-done publish undone", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const set = ["scenario_x.csv", "scenario_x.md"];
    for (const name of set) await Deno.writeTextFile(join(outDir, name), `old ${name}`);
    // a scenario run killed while publishing: its new CSV moved in, the old one aside, the
    // Markdown not yet moved (a mixed set under the final names)
    const { child, staging } = await childWithStaging(outDir);
    child.kill("SIGKILL");
    await child.status;
    await child.stdin.close().catch(() => {});
    const journal = [];
    for (const name of set) {
      await Deno.writeTextFile(join(staging, name), `new ${name}`);
      journal.push({ name, ino: (await Deno.stat(join(staging, name))).ino });
    }
    await Deno.writeTextFile(join(staging, ".publish.json"), JSON.stringify(journal));
    await Deno.mkdir(join(staging, ".previous"));
    await Deno.rename(join(outDir, set[0]), join(staging, ".previous", set[0]));
    await Deno.rename(join(staging, set[0]), join(outDir, set[0]));

    // the next run of another set into the folder (no export runs there)
    await writeFileSet(outDir, async (dir) => {
      await Deno.writeTextFile(join(dir, "compare_y.csv"), "y");
      return [join(dir, "compare_y.csv")];
    }, { chosenBy: { otherwise: "" } });
    assertEquals(names(outDir), ["compare_y.csv", ...set]);
    for (const name of set) {
      assertEquals(await Deno.readTextFile(join(outDir, name)), `old ${name}`, name);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("removeStagingDir: at every turn of the event loop while it removes (where a second signal's exit lands) the folder is owned or gone, never unowned with files in it", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const staging = await makeStagingDir(outDir, { chosenBy: { otherwise: "" } });
    // enough files that a one-step recursive removal (a background thread) is seen half done
    for (let n = 0; n < 2000; n++) {
      await Deno.writeTextFile(join(staging, `file_${n}.csv`), "a\n1\n");
    }
    await Deno.mkdir(join(staging, "charts"));
    await Deno.writeTextFile(join(staging, "charts", "one.svg"), "<svg/>");
    const owned = () => {
      try {
        return Deno.statSync(join(staging, ".owner.json")).isFile ? "owned" : "other";
      } catch {
        try {
          Deno.statSync(staging);
          return "unowned";
        } catch {
          return "gone";
        }
      }
    };
    let done = false;
    const removal = removeStagingDir(staging).then(() => done = true);
    const seen = new Set<string>();
    while (!done) {
      seen.add(owned());
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await removal;
    seen.add(owned());
    assertEquals([...seen].sort(), ["gone", "owned"]);
    assertEquals([...Deno.readDirSync(outDir)], []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
