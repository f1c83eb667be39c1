/**
 * tests/run_tmp.ts: `deno task test` gives the tests a temporary folder of their own and removes
 * it after a passing run, whatever the tests left in it; a failing run keeps it and says where; an
 * interrupted one (Ctrl-C: the tests end non-zero as they are stopped) removes it, saying nothing.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { withRunTmpDir } from "./run_tmp.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("the test run's temporary folder: removed after a pass or an interruption, kept and named after a failure", async () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  // a passing run: what the tests left (a folder of files) goes with it
  let passed = "";
  assertEquals(
    await withRunTmpDir(async (tmp) => {
      passed = tmp;
      await Deno.mkdir(join(tmp, "left-behind"));
      await Deno.writeTextFile(join(tmp, "left-behind", "snapshot.parquet"), "x");
      return 0;
    }, { log }),
    0,
  );
  ok(passed.length > 0);
  assertEquals(await exists(passed), false, "removed after a passing run");
  assertEquals(lines, []);

  // a failing run: kept, and the line says where
  let failed = "";
  assertEquals(
    await withRunTmpDir(async (tmp) => {
      failed = tmp;
      await Deno.writeTextFile(join(tmp, "page_390.png"), "png");
      return 1;
    }, { log }),
    1,
  );
  try {
    assertEquals(await exists(join(failed, "page_390.png")), true, "kept after a failing run");
    assertEquals(lines, [
      `the tests failed: their temporary files (screenshots among them) are kept in ${failed}`,
    ]);
  } finally {
    await Deno.remove(failed, { recursive: true });
  }

  // an interrupted run: its tests were stopped (exit 143 after SIGTERM), not failed; removed
  let stopped = "";
  lines.length = 0;
  assertEquals(
    await withRunTmpDir(async (tmp) => {
      stopped = tmp;
      await Deno.writeTextFile(join(tmp, "half.parquet"), "x");
      return 143;
    }, { log, interrupted: () => true }),
    143,
  );
  assertEquals(await exists(stopped), false, "removed after an interrupted run");
  assertEquals(lines, []);

  // a run that could not finish (the tests did not start): nothing to look at, removed
  let broken = "";
  await rejects(
    withRunTmpDir((tmp) => {
      broken = tmp;
      return Promise.reject(new Error("spawn failed"));
    }, { log }),
    /spawn failed/,
  );
  assertEquals(await exists(broken), false);
});
