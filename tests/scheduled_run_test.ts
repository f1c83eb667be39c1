/**
 * docs/server.md's cron line, run as cron runs it (`deno task export`, output to a file, not a
 * terminal): the log gets the run's summary, its files and what retention deleted or kept, as the
 * docs say; the docs' line for cron mail (deno's --quiet and the export's) prints nothing at all,
 * though retention still deletes.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { DEMO_ORGANIZATIONS } from "../lib/sources/demo.ts";
import { taskInCleanProcess } from "./cli_run.ts";

const DOC = fileURLToPath(new URL("../docs/server.md", import.meta.url));

/** The export flags of the docs' cron line (`… deno task export FLAGS >> log 2>&1`). */
function cronExportFlags(doc: string): string[] {
  const block = /```cron\n([\s\S]*?)```/.exec(doc);
  ok(block, "docs/server.md has a cron example");
  const line = block[1].split("\n").find((l) => l.includes("deno task export"));
  ok(line, "its line runs deno task export");
  const command = /deno task export (.*?) >> \S+ 2>&1$/.exec(line);
  ok(command, line);
  return command[1].split(" ");
}

/** An old demo set (retention deletes it) and the only live set (kept: the newest live one). */
async function folderWithOldSets(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "pricing-kit-cron-" });
  await Deno.writeTextFile(join(dir, "helicone_pricing_data_2020-01-01_demo.csv"), "old demo");
  await Deno.writeTextFile(join(dir, "helicone_pricing_data_2020-01-02.csv"), "old live");
  return dir;
}

/** `deno task export ARGS` with stdout and stderr to pipes, as a crontab's `>> log 2>&1`. */
function cronRun(args: string[], { denoQuiet = false } = {}) {
  return taskInCleanProcess("export", args, { denoQuiet });
}

const flags = cronExportFlags(await Deno.readTextFile(DOC));
// (--email is email_test.ts's: no SMTP relay here)
const runFlags = flags.filter((flag) => flag !== "--email");
const pinned = (dir: string) => [
  ...runFlags,
  ...["--demo", "--out-dir", dir, "--as-of", "2026-11-01", "--env-file", "/dev/null"],
];

Deno.test("the docs' cron line logs the run: its files, revenue and what retention deleted and kept", async () => {
  assertEquals(flags.includes("--quiet"), false, "the cron example logs more than errors");
  ok(flags.includes("--retention-days"));
  const dir = await folderWithOldSets();
  try {
    const run = await cronRun(pinned(dir));
    assertEquals(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split("\n");
    assertEquals(lines.slice(0, 3), [
      "━━ DEMO DATA ━━ the demo dataset was asked for (--demo), so these files",
      "hold the built-in synthetic dataset, not your company's numbers. See README → Configuration.",
      `Exported ${DEMO_ORGANIZATIONS} organizations, window 2026-10-02T00:00:00.000Z → 2026-11-01T00:00:00.000Z (30 days)`,
    ]);
    // each file written, with its size: the export, its segment files, brief, charts, manifest
    const files = lines.slice(3).filter((line) => line.startsWith("  /"));
    assertEquals(lines.slice(3, 3 + files.length), files, "the files follow, one a line");
    for (const line of files) {
      const [, path] = /^ {2}(\S+) \([\d.]+ (?:bytes|KB|MB)\)$/.exec(line)!;
      ok(path.startsWith(`${dir}/`) && Deno.statSync(path).isFile, line);
    }
    ok(files.some((l) => l.includes("_2026-11-01_demo_underpriced.csv")), "--segments' files");
    ok(files.at(-1)!.includes("_2026-11-01_demo.manifest.json ("));
    const after = lines.slice(3 + files.length);
    ok(/^Revenue: demo, 0 Stripe API calls, [\d.]+ s$/.test(after[0]), after[0]);
    assertEquals(after.slice(1), [
      "Deleted 1 export set (1 file) dated more than 30 days ago:",
      "  2020-01-01: export set 2020-01-01_demo (1 file)",
      "Kept export set 2020-01-02 though dated more than 30 days ago: the newest live set always stays",
    ]);
    // stderr: deno's Task line, then the run's warnings; no stage progress (a terminal's only)
    const errors = run.stderr.trimEnd().split("\n");
    ok(errors[0].startsWith("Task export deno run "), errors[0]);
    for (const line of errors.slice(1)) ok(line.startsWith("warning: "), line);
    assertEquals(
      [...Deno.readDirSync(dir)].some((e) =>
        e.name === "helicone_pricing_data_2020-01-01_demo.csv"
      ),
      false,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("for cron mail, deno task --quiet export --quiet prints nothing: retention deletes unsaid", async () => {
  const doc = await Deno.readTextFile(DOC);
  ok(doc.includes("`deno task --quiet export --quiet --segments --email --retention-days 30`"));
  const dir = await folderWithOldSets();
  try {
    // (deno's --quiet drops its Task line; the export's, all but errors)
    const run = await cronRun(["--quiet", ...pinned(dir)], { denoQuiet: true });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout, "");
    assertEquals(run.stderr, "");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    ok(!names.includes("helicone_pricing_data_2020-01-01_demo.csv"), "deleted all the same");
    ok(names.includes("helicone_pricing_data_2020-01-02.csv"), "the newest live set stays");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
