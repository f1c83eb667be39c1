/**
 * The copies an export keeps of its own files for the email (lib/delivery/kept_files.ts): hard
 * links in a private folder of the output folder, and, when that folder refuses them, one line
 * naming the output folder as the user chose it.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { keepForDelivery, removeDeliveryFiles } from "../lib/delivery/kept_files.ts";
import { outDirFlag } from "../lib/core/chosen_by.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";

Deno.test("the kept files are the staged files' bytes, named as they are, in a folder of outDir", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const briefPath = join(outDir, "brief.md");
    await Deno.writeTextFile(briefPath, "the brief");
    const kept = await keepForDelivery({ briefPath }, { outDir, chosenBy: outDirFlag(true) });
    assertEquals(kept.briefPath, join(kept.dir, "brief.md"));
    assertEquals(await Deno.readTextFile(kept.briefPath), "the brief");
    ok(kept.dir.startsWith(join(outDir, ".staging-")), kept.dir);
    await removeDeliveryFiles(kept);
    assertEquals([...Deno.readDirSync(outDir)].map((e) => e.name), ["brief.md"]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

readOnlyFolderTest(
  "an output folder that refuses the kept files is named as --out-dir, with the fix, not as a staging folder",
  async (folder) => {
    const briefPath = join(folder.dir, "brief.md");
    await Deno.writeTextFile(briefPath, "the brief");
    await folder.readOnly();
    await rejects(
      keepForDelivery({ briefPath }, { outDir: folder.dir, chosenBy: outDirFlag(true) }),
      {
        name: "UserError",
        message: `--out-dir ${folder.dir} is not writable (${folder.reason}); ${
          folder.fix.replace(/ there$/, "")
        } or pass another folder to --out-dir`,
      },
    );
    assertEquals([...Deno.readDirSync(folder.dir)].map((e) => e.name), ["brief.md"]);
  },
);
