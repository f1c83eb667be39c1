/**
 * The kit's tasks as typed: deno task mcp and serve with a missing --env-file, paths read from
 * INIT_CWD (the folder deno task was typed in), and --quiet for cron; a separate process each.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, match, ok } from "node:assert/strict";
import { taskInCleanProcess } from "./cli_run.ts";

Deno.test("deno task mcp and serve: a named --env-file that is missing is a one-line error", async () => {
  const missing = `${await Deno.makeTempDir()}/missing.env`;
  for (const entry of ["../lib/mcp/main.ts", "../lib/server/main.ts"]) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", fileURLToPath(new URL(entry, import.meta.url)), "--env-file", missing],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const stderr = new TextDecoder().decode(output.stderr).trim();
    assertEquals(output.code, 1, `${entry}: ${stderr}`);
    assertEquals(stderr.split("\n").length, 1, stderr);
    ok(/^error: --env-file ".*missing\.env" does not exist/.test(stderr), stderr);
  }
});

// ── paths typed in another folder ─────────────────────────────────────────────────────────
/** `deno task NAME ARGS` typed in `cwd`, deno's --quiet too. */
function runTask(cwd: string, name: string, args: string[]) {
  return taskInCleanProcess(name, args, { cwd, denoQuiet: true });
}

const namesIn = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("userPath reads a relative path from INIT_CWD, the folder deno task was typed in", async () => {
  const { userPath } = await import("../lib/cli/args.ts");
  assertEquals(userPath("a.csv", { initCwd: "/tmp/typed-here" }), "/tmp/typed-here/a.csv");
  assertEquals(userPath("../b/a.csv", { initCwd: "/tmp/typed-here" }), "/tmp/b/a.csv");
  assertEquals(userPath("/abs/a.csv", { initCwd: "/tmp/typed-here" }), "/abs/a.csv");
  // typed in the project folder, or no deno task (deno run): as typed
  assertEquals(userPath("a.csv", { initCwd: Deno.cwd() }), "a.csv");
  assertEquals(userPath("a.csv", { initCwd: "" }), "a.csv");
  // an empty value stays empty: refused as such, not read as the folder
  assertEquals(userPath("", { initCwd: "/tmp/typed-here" }), "");
  // a process running elsewhere was not started by deno task (which runs in the project folder):
  // an INIT_CWD it inherited (an npm script's) is stale, and the path is read as typed
  assertEquals(
    userPath("a.csv", { initCwd: "/tmp/typed-here", cwd: "/tmp/somewhere-else" }),
    "a.csv",
  );
});

Deno.test("tasks typed in another folder read and write paths there, not in the project folder", async () => {
  const work = await Deno.makeTempDir();
  try {
    // --out-dir and --env-file, relative to where the export was typed
    await Deno.writeTextFile(`${work}/my.env`, "# no database: demo data\n");
    for (const asOf of ["2026-10-01", "2026-11-01"]) {
      const exported = await runTask(work, "export", [
        ...["--demo", "--format", "csv", "--no-charts", "--quiet", "--as-of", asOf],
        ...["--out-dir", "out", "--env-file", "my.env"],
      ]);
      assertEquals(exported.code, 0, exported.stderr);
    }
    const [older, newer] = ["2026-10-01", "2026-11-01"]
      .map((date) => `helicone_pricing_data_${date}_demo.csv`);
    ok(namesIn(`${work}/out`).includes(older) && namesIn(`${work}/out`).includes(newer));
    // compare's files and --out-dir, typed in out/
    const out = `${work}/out`;
    const compared = await runTask(out, "compare", [older, newer, "--out-dir", "cmp", "--quiet"]);
    assertEquals(compared.code, 0, compared.stderr);
    assertEquals(namesIn(`${out}/cmp`), [
      "helicone_pricing_compare_2026-10-01_demo_to_2026-11-01_demo.csv",
      "helicone_pricing_compare_2026-10-01_demo_to_2026-11-01_demo.md",
      "helicone_pricing_compare_2026-10-01_demo_to_2026-11-01_demo_totals.csv",
    ]);
    // scenario's file (from ../, the folder above) and --input
    await Deno.copyFile(
      fileURLToPath(new URL("../scenarios/per_request.json", import.meta.url)),
      `${work}/per_request.json`,
    );
    const priced = await runTask(out, "scenario", [
      ...["../per_request.json", "--input", newer, "--out-dir", "scen", "--quiet"],
    ]);
    assertEquals(priced.code, 0, priced.stderr);
    assertEquals(namesIn(`${out}/scen`).length, 3, namesIn(`${out}/scen`).join());
    // history import's files and --history-dir
    const imported = await runTask(out, "history", [
      ...["import", older, "--history-dir", "hist", "--quiet"],
    ]);
    assertEquals(imported.code, 0, imported.stderr);
    ok(namesIn(`${out}/hist`).includes("helicone_pricing_data_2026-10-01_demo.parquet"));
    // a named settings file that is not where it was typed: the error names the folder meant
    const missing = await runTask(out, "export", ["--env-file", "nope.env"]);
    assertEquals(missing.code, 1);
    assertEquals(
      missing.stderr.trim(),
      `error: --env-file "${out}/nope.env" does not exist; pass a settings file such as .env.example`,
    );
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("--quiet (cron's mail only when something failed): warnings go to the files, not the terminal; errors still print", async () => {
  const work = await Deno.makeTempDir();
  try {
    const args = ["--demo", "--format", "csv", "--no-charts", "--as-of", "2026-11-01"];
    // a run with warnings: listed on stderr without --quiet, in the manifest (and brief) either way
    const loud = await runTask(work, "export", [...args, "--out-dir", "loud"]);
    assertEquals(loud.code, 0, loud.stderr);
    const warned = loud.stderr.split("\n").filter((line) => line.startsWith("warning: "));
    ok(warned.length > 0, loud.stderr);
    const quiet = await runTask(work, "export", [...args, "--out-dir", "quiet", "--quiet"]);
    assertEquals([quiet.code, quiet.stdout, quiet.stderr], [0, "", ""]);
    const manifest = JSON.parse(
      await Deno.readTextFile(`${work}/quiet/helicone_pricing_data_2026-11-01_demo.manifest.json`),
    );
    assertEquals(warned, manifest.warnings.map((w: string) => `warning: ${w}`));
    // a failure is still its one line (the mail cron sends)
    const failed = await runTask(work, "export", [...args, "--as-of", "someday", "--quiet"]);
    assertEquals(failed.code, 1);
    assertEquals(failed.stdout, "");
    match(failed.stderr, /^error: --as-of /);
    assertEquals(failed.stderr.trim().split("\n").length, 1, failed.stderr);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
