/**
 * The temporary folder of one `deno task test` run (tests/run.ts): the tests' TMPDIR, so whatever
 * a test leaves there (a history test's snapshots, an export's files, LibreOffice's profile) goes
 * with the run. Removed after a passing or interrupted run; kept after a failing one, and named,
 * so its files (the browser tests' screenshots among them) can be looked at.
 */

/**
 * Runs `run` with a fresh folder for its TMPDIR; `run`'s exit code is returned. `interrupted`
 * says whether the run was stopped (a signal): its tests' non-zero exit is then no failure.
 */
export async function withRunTmpDir(
  run: (tmp: string) => Promise<number>,
  { log = console.error, interrupted = () => false }: {
    log?: (line: string) => void;
    interrupted?: () => boolean;
  } = {},
): Promise<number> {
  const tmp = await Deno.makeTempDir({ prefix: "pricing-kit-tests-" });
  let code = 1;
  let finished = false;
  try {
    code = await run(tmp);
    finished = true;
    return code;
  } finally {
    if (finished && code !== 0 && !interrupted()) {
      log(`the tests failed: their temporary files (screenshots among them) are kept in ${tmp}`);
    } else {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  }
}
