/**
 * The export notebook's page refusing what it is given: an outDir that is blank, ~/…, relative, a
 * file or read-only, a failed export, a parameter's error or stripe = "require" without a key;
 * each one line naming the notebook's parameter beside the flag.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import {
  type ExportPageParams,
  queriesDisplays,
  runExportPage,
  stoppedRun,
} from "../lib/notebooks/export_page.ts";
import { runExportProcess } from "../lib/notebooks/export_process.ts";
import { UserError } from "../lib/core/config.ts";
import { readOnlyFolderTest } from "./read_only_folder.ts";
import { mimeBundle } from "../lib/report/display.ts";
import { asOf, demoParams } from "./export_page_fixture.ts";

Deno.test("export page: an outDir that is refused makes no folder: a blank one, and one written ~/… (only a shell expands ~; Polars did, and the export failed with a stack)", async () => {
  const kernelDir = await Deno.makeTempDir({ prefix: "export_page_" });
  const cwd = Deno.cwd();
  try {
    Deno.chdir(kernelDir); // where the notebook's kernel runs
    const failure = (outDir: string) =>
      runExportPage(demoParams(outDir)).then(
        () => "the export did not fail",
        (error: Error) => `${error.name}: ${error.message}`,
      );
    assertEquals(
      await failure("  "),
      "UserError: outDir (--out-dir) is empty: leave it out for outputs/, or name a folder",
    );
    // the home folder the fix names, set here: a machine may run the tests without HOME (a
    // service, a cron job), and the message then says "the full path" instead
    const home = Deno.env.get("HOME");
    Deno.env.set("HOME", "/home/ana");
    try {
      assertEquals(
        await failure("~/pk-reports"),
        'UserError: outDir ~/pk-reports starts with ~, which only a shell expands to the home folder; set outDir to "/home/ana/pk-reports"',
      );
    } finally {
      if (home === undefined) Deno.env.delete("HOME");
      else Deno.env.set("HOME", home);
    }
    assertEquals([...Deno.readDirSync(kernelDir)], [], "no folder made");
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(kernelDir, { recursive: true });
  }
});

Deno.test("export page: a relative outDir is the kernel's folder's; the banner names the folder the files went to", async () => {
  const kernelDir = await Deno.makeTempDir({ prefix: "export_page_" });
  const cwd = Deno.cwd();
  try {
    // the notebook's kernel runs in notebooks/: outputs/nb is notebooks/outputs/nb
    Deno.chdir(kernelDir);
    const page = await runExportPage(demoParams("outputs/nb", { writeChartFiles: false }));
    const folder = join(Deno.realPathSync(kernelDir), "outputs", "nb");
    ok(page.result.files.length > 0);
    for (const file of page.result.files) {
      ok(Deno.realPathSync(file).startsWith(`${folder}/`), `${file} not in ${folder}`);
    }
    ok(page.banner.includes(`Files go to \`${join(kernelDir, "outputs", "nb")}\`.`), page.banner);
    assertEquals(page.outDir, join(kernelDir, "outputs", "nb"));
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(kernelDir, { recursive: true });
  }
});

Deno.test("export page: a failed export reaches the notebook as its one-line error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const notADirectory = `${dir}/file`;
    await Deno.writeTextFile(notADirectory, "");
    let error: unknown;
    try {
      await runExportPage(demoParams(notADirectory));
    } catch (thrown) {
      error = thrown;
    }
    ok(error instanceof UserError, String(error));
    ok(error.message.includes(notADirectory) && !error.message.includes("\n"), error.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export page: errors name the notebook's parameter beside the flag", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const failure = async (overrides: Partial<ExportPageParams>) => {
      try {
        await runExportPage(demoParams(outDir, overrides));
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error("the export did not fail");
    };
    // every option the parameters cell sets, refused before the export's process starts
    const cases: [Partial<ExportPageParams>, string][] = [
      [{ formats: [] }, "no output format: set formats (--format) to csv, xlsx or both"],
      [
        { formats: ["pdf" as never] },
        'formats (--format): "pdf" is not an output format; use "csv", "xlsx" or both (lower case)',
      ],
      [
        { stripe: "bogus" as never },
        'stripe (--skip-stripe, --refresh-stripe, --require-stripe): "bogus" is not a Stripe mode; use "auto", "skip", "refresh", "require" or "refresh-require"',
      ],
      [{ windowDays: 0 }, "windowDays (--days) must be a whole number from 1 to 3660, got 0"],
      [{ windowDays: 7.5 }, "windowDays (--days) must be a whole number from 1 to 3660, got 7.5"],
      // a string shows its quotes: "got 30" read as if 30 were refused
      [
        { windowDays: "30" as never },
        'windowDays (--days) must be a whole number from 1 to 3660, got "30"',
      ],
      [
        { formats: "csv" as never },
        'formats (--format) must be a list such as ["csv", "xlsx"], got "csv"',
      ],
      // a string is truthy: demo = "false" ran on the demo data
      [
        { demo: "false" as never },
        'demo (--demo) must be true, false or undefined (undefined: demo data unless both databases are configured), got "false"',
      ],
      [
        { writeChartFiles: "no" as never },
        'writeChartFiles must be true or false, got "no"',
      ],
      [
        { asOf: new Date("2026-13-01") },
        'asOf (--as-of) is no real date: new Date(…) was given no day it can read (such as "2026-13-01"); write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
      ],
      // the parameters cell's `asOf = "2026-11-01"`: a valid day, typed as text
      [
        { asOf: "2026-11-01" as never },
        'asOf (--as-of) must be a Date, got "2026-11-01" (text): write new Date("2026-11-01"), or new Date() for now',
      ],
      // text that is no real day: said so, with the form to write, never new Date("2026-13-01")
      [
        { asOf: "2026-13-01" as never },
        'asOf (--as-of) must be a Date, got "2026-13-01" (text, and no real day: months run 01 to 12): write new Date("YYYY-MM-DD") with a real day, e.g. new Date("2026-11-01"), or new Date() for now',
      ],
      [{ outDir: " " }, "outDir (--out-dir) is empty: leave it out for outputs/, or name a folder"],
    ];
    for (const [overrides, message] of cases) {
      assertEquals(await failure(overrides), message, JSON.stringify(overrides));
    }
    ok(
      /^asOf \(--as-of\) .* is in the future; leave it out \(a notebook: new Date\(\)\)/.test(
        await failure({ asOf: new Date(Date.now() + 86_400_000) }),
      ),
    );
    assertEquals([...Deno.readDirSync(outDir)], []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("export page: an outDir that is a file is named as the notebook's outDir", async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const file = `${dir}/a-file`;
    await Deno.writeTextFile(file, "not a folder");
    const error = await runExportPage(demoParams(file)).then(() => null, (thrown) => thrown);
    ok(error instanceof UserError, String(error));
    assertEquals(
      error.message,
      `outDir ${file} is a file, not a folder; set outDir to a folder (made if missing)`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

readOnlyFolderTest(
  "export page: an outDir the disk refuses is named as the notebook's outDir, with that fix, in the page and in the export's process",
  async (folder) => {
    await folder.readOnly();
    const outDir = `${folder.dir}/nb`;
    const line = (named: string) =>
      `${named} ${outDir} is not writable (${folder.reason}); ${
        folder.fix.replace(/ there$/, "")
      } or set ${named} to another folder`;
    const page = await runExportPage(demoParams(outDir)).then(() => null, (thrown) => thrown);
    ok(page instanceof UserError, String(page));
    assertEquals(page.message, line("outDir"));
    // the export's process (its files' failures mid-run): how the folder was chosen crosses to it
    const inProcess = await runExportProcess({
      params: {
        demo: true,
        windowDays: 30,
        asOf,
        formats: ["csv"],
        stripe: "skip",
        chartFiles: false,
        outDir,
        outDirChosenBy: { named: "PRICING_NOTEBOOK_OUT_DIR", otherwise: "set outDir" },
      },
      env: {},
    }).then(() => null, (thrown) => thrown);
    ok(inProcess instanceof UserError, String(inProcess));
    assertEquals(inProcess.message, line("PRICING_NOTEBOOK_OUT_DIR"));
    assertEquals([...Deno.readDirSync(folder.dir)], []);
  },
);

Deno.test("export page: a parameter's error reaches the cell as one line; a stopped run's cells show a note", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const error = await runExportPage(demoParams(outDir, { windowDays: 0 })).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    ok(error instanceof UserError, String(error));
    const message = "windowDays (--days) must be a whole number from 1 to 3660, got 0";
    // the kernel shows the stack: the one line, no frames into lib/
    assertEquals([error.message, error.stack], [message, `UserError: ${message}`]);
    // `.catch(stoppedRun)` keeps `run` defined: its fields throw the error, the cells say why
    const run = stoppedRun(error);
    let thrown: unknown;
    try {
      run.banner;
    } catch (caught) {
      thrown = caught;
    }
    assertEquals(thrown, error);
    const note = queriesDisplays(run).map((d) => mimeBundle(d)["text/markdown"]);
    assertEquals(note, [
      "_Nothing to show: the export stopped at the error above (fix it, then run again)._",
    ]);
    // a bug is not a parameter's error: thrown again, its stack kept
    const bug = new TypeError("x is undefined");
    let rethrown: unknown;
    try {
      stoppedRun(bug);
    } catch (caught) {
      rethrown = caught;
    }
    assertEquals(rethrown, bug);
    ok(bug.stack!.includes("\n    at "), bug.stack);
    assertEquals([...Deno.readDirSync(outDir)], []);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test('export page: stripe = "require" without a key is refused naming the parameter, before the export starts', async () => {
  const dir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    // live data (both databases set, never reached: the check comes first), no Stripe key
    const envFile = `${dir}/.env`;
    await Deno.writeTextFile(
      envFile,
      "PRICING_PG_URL=postgres://u@127.0.0.1:9/x\nPRICING_CH_URL=http://127.0.0.1:9\n",
    );
    for (const stripe of ["require", "refresh-require"] as const) {
      const error = await runExportPage(
        demoParams(dir, { demo: undefined, stripe, envFile }),
      ).then(() => null, (thrown: unknown) => thrown);
      ok(error instanceof UserError, String(error));
      const message =
        `stripe (--require-stripe) is "${stripe}" but STRIPE_SECRET_KEY is not set: ` +
        `set it (environment or ${envFile}), or set stripe to "auto" or "skip"`;
      assertEquals([error.message, error.stack], [message, `UserError: ${message}`]);
    }
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [".env"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
