/**
 * The history folder's checks (history_dir.ts): a folder an older kit made readable by others is
 * warned of once per run, naming the chmod, and its modes are left as they are.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { historyFolderExposure } from "../lib/history/history_dir.ts";
import { runExport } from "../lib/export.ts";
import { main as historyMain } from "../lib/cli/history.ts";
import { captureConsole } from "./console_capture.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
const quiet = { charts: false, env: {}, log: () => {}, quiet: true };
const modeOf = (path: string) => Deno.statSync(path).mode! & 0o777;

Deno.test("a history folder others can read is one warning naming the chmod; the modes stay", async () => {
  const outDir = await Deno.makeTempDir();
  try {
    const dir = join(outDir, "history");
    // the kit's own folder: its alone
    await runExport({ ...quiet, demo: true, asOf, outDir, formats: ["csv"] });
    assertEquals(await historyFolderExposure(dir), null);
    // as an older kit left it: the folder 0755, the snapshot and its sidecar 0644
    const snapshot = join(dir, "helicone_pricing_data_2026-11-01_demo.parquet");
    Deno.chmodSync(dir, 0o755);
    Deno.chmodSync(snapshot, 0o644);
    Deno.chmodSync(`${snapshot}.json`, 0o644);
    const line =
      `history folder ${dir}: 3 entries are readable by other users of this host (an older kit's modes); \`chmod -R go= ${dir}\` makes them yours alone`;
    assertEquals(await historyFolderExposure(dir), line);
    // an export says it once, among its warnings, and changes no mode
    const next = await runExport({
      ...quiet,
      demo: true,
      asOf: new Date("2026-12-01T00:00:00Z"),
      outDir,
      formats: ["csv"],
    });
    assertEquals(next.data.warnings.filter((w) => w.startsWith("history folder ")), [line]);
    // (its sidecar the export wrote again, keeping the snapshot's sums in it: 0600 as every write)
    assertEquals([modeOf(dir), modeOf(snapshot)], [0o755, 0o644]);
    // so does the history report, on stderr (the folder and the snapshot: 2 now)
    const left = line.replace(": 3 entries", ": 2 entries");
    assertEquals(await historyFolderExposure(dir), left);
    const captured = captureConsole();
    let code;
    try {
      code = await historyMain(["report", "--demo", "--history-dir", dir, "--out-dir", outDir]);
    } finally {
      captured.restore();
    }
    assertEquals(code, 0, captured.errors.join("\n"));
    assertEquals(captured.errors.filter((l) => l.startsWith("warning: history folder ")), [
      `warning: ${left}`,
    ]);
    // one file left open: named in the count; after the chmod, nothing
    Deno.chmodSync(dir, 0o700);
    assertEquals(
      await historyFolderExposure(dir),
      `history folder ${dir}: 1 entry is readable by other users of this host (an older kit's modes); \`chmod -R go= ${dir}\` makes them yours alone`,
    );
    await new Deno.Command("chmod", { args: ["-R", "go=", dir] }).output();
    assertEquals(await historyFolderExposure(dir), null);
    // a name with a space or quote is quoted for the shell
    const odd = join(outDir, "it's here");
    Deno.mkdirSync(odd, { mode: 0o700 });
    Deno.chmodSync(odd, 0o750);
    assertEquals(
      await historyFolderExposure(odd),
      `history folder ${odd}: 1 entry is readable by other users of this host (an older kit's modes); \`chmod -R go= '${outDir}/it'\\''s here'\` makes them yours alone`,
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("a history folder written ~/… is refused in one line naming the full path, before anything is written", async () => {
  // only a shell expands ~: from a .env or an unexpanded --history-dir=~/… the kit got it as
  // written, and Polars (which expands it) failed the export at its end with a raw ENOENT
  const home = Deno.env.get("HOME") || Deno.env.get("USERPROFILE");
  const full = home ? JSON.stringify(join(home, "pk-history")) : "the full path";
  const outDir = await Deno.makeTempDir();
  try {
    const out = join(outDir, "new");
    let message = "";
    await runExport({
      ...quiet,
      env: { PRICING_HISTORY_DIR: "~/pk-history" },
      demo: true,
      asOf,
      outDir,
      formats: ["csv"],
    }).catch((error) => message = error.message);
    assertEquals(
      message,
      `PRICING_HISTORY_DIR ~/pk-history starts with ~, which only a shell expands to the home folder; set PRICING_HISTORY_DIR to ${full}`,
    );
    assertEquals([...Deno.readDirSync(outDir)].map((e) => e.name), []);
    // the commands' --out-dir a new folder: a failed run takes it away again
    for (const command of ["backfill", "report"]) {
      const captured = captureConsole();
      let code;
      try {
        code = await historyMain([
          command,
          ...(command === "backfill" ? ["--months", "1"] : []),
          "--demo",
          "--history-dir",
          "~/pk-history",
          "--out-dir",
          out,
        ]);
      } finally {
        captured.restore();
      }
      assertEquals([code, captured.errors], [1, [
        `error: --history-dir ~/pk-history starts with ~, which only a shell expands to the home folder; pass ${full} to --history-dir`,
      ]]);
      assertEquals([...Deno.readDirSync(outDir)].map((e) => e.name), [], command);
    }
    if (home) {
      assertEquals(await Deno.stat(join(home, "pk-history")).then(() => true, () => false), false);
    }
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
