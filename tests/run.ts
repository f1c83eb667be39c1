/**
 * `deno task test`: installs what the tests need when it can (Debian packages as root, chdb with
 * npm), starts a throwaway PostgreSQL and ClickHouse, runs `deno test` with their settings in the
 * environment (tests/env.ts reads them) and a temporary folder of its own as TMPDIR (removed
 * after a passing or interrupted run, kept and named after a failing one: tests/run_tmp.ts), stops
 * the servers whatever happens, and exits with `deno test`'s exit code. Extra arguments go to
 * `deno test` (e.g. a file, or --filter NAME).
 */
import { fileURLToPath } from "node:url";
import {
  clickHouseServerBinary,
  exists,
  modernClickHouseInstalled,
  type RunningServer,
  startClickHouse,
  startPostgres,
} from "./servers.ts";
import { withRunTmpDir } from "./run_tmp.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

const NEEDED: { present: () => boolean; packages: string[] }[] = [
  {
    present: () => exists("/usr/lib/postgresql/15/bin/initdb"),
    packages: ["postgresql-15"],
  },
  {
    present: () => clickHouseServerBinary() !== undefined,
    packages: ["clickhouse-server", "clickhouse-client"],
  },
  { present: () => exists("/usr/bin/chromium"), packages: ["chromium"] }, // admin page browser test
  {
    // the workbook prints (tests/economics_xlsx_test.ts): XLSX → PDF, pages counted and read
    present: () => exists("/usr/bin/soffice") && exists("/usr/bin/pdftotext"),
    packages: ["libreoffice-calc", "poppler-utils"],
  },
  {
    present: () => exists("/usr/share/fonts/truetype/dejavu"), // chart PNG text
    packages: ["fonts-dejavu-core"],
  },
  {
    present: () =>
      exists("/usr/lib/python3/dist-packages/nbconvert") &&
      exists("/usr/lib/python3/dist-packages/jupyter_client"),
    packages: ["python3-nbconvert", "python3-jupyter-client"],
  },
  {
    // the XLSX writer's output read back by independent readers
    present: () => exists("/usr/lib/python3/dist-packages/openpyxl"),
    packages: ["python3-openpyxl"],
  },
  { present: () => exists("/usr/bin/soffice"), packages: ["libreoffice-calc"] },
];

async function installMissingPackages(): Promise<void> {
  const missing = NEEDED.filter((n) => !n.present()).flatMap((n) => n.packages);
  if (missing.length === 0) return;
  if (Deno.uid?.() !== 0) {
    console.error(
      `error: the tests need Debian packages that are missing: sudo apt-get install ${
        missing.join(" ")
      }`,
    );
    Deno.exit(1);
  }
  console.error(`installing ${missing.join(", ")} …`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", ...missing]]) {
    const status = await new Deno.Command("apt-get", { args, env, stdin: "null", stdout: "null" })
      .spawn().status;
    if (!status.success) {
      console.error(`error: apt-get ${args.join(" ")} failed`);
      Deno.exit(1);
    }
  }
}

/**
 * Modern ClickHouse (chdb) for the compatibility tests: `npm install` in tests/chdb when missing
 * (it keeps the locked versions; `npm ci` refuses the lock, which lists only linux-x64's engine).
 */
async function installChdb(): Promise<void> {
  if (modernClickHouseInstalled()) return;
  const chdbDir = `${ROOT}tests/chdb`;
  console.error("installing modern ClickHouse (chdb): npm install in tests/chdb …");
  try {
    const output = await new Deno.Command("npm", {
      args: ["install", "--no-audit", "--no-fund", "--loglevel=error"],
      cwd: chdbDir,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!output.success) {
      const reason = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
      console.error(`warning: npm install in tests/chdb failed: ${reason}`);
    }
  } catch (error) {
    console.error(`warning: cannot run npm (${(error as Error).message}): install Node.js and npm`);
  }
}

/** `deno test` arguments: the caller's, plus tests/ when they name no existing file or folder. */
function denoTestArgs(args: string[]): string[] {
  const namesAPath = args.some((arg) => !arg.startsWith("-") && exists(arg));
  return ["test", "-A", "--no-check=remote", ...args, ...(namesAPath ? [] : ["tests/"])];
}

await installMissingPackages();
await installChdb();

const servers: RunningServer[] = [];
let tests: Deno.ChildProcess | undefined;
let testsTmp: string | undefined;
let interrupted = false;
// stop() is idempotent: the signal handler and the finally below may both wait on the same stops.
const stopServers = async () => {
  await Promise.allSettled(servers.map((server) => server.stop()));
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  Deno.addSignalListener(signal, async () => {
    interrupted = true;
    try {
      tests?.kill("SIGTERM");
    } catch { /* already gone */ }
    await stopServers();
    if (testsTmp) await Deno.remove(testsTmp, { recursive: true }).catch(() => {});
    Deno.exit(130);
  });
}

let code = 1;
try {
  const started = performance.now();
  // Each server joins `servers` as soon as it is up, so a failure of the other still stops it.
  const tracked = async (start: Promise<RunningServer>) => {
    const server = await start;
    servers.push(server);
    return server;
  };
  const [postgres, clickhouse] = await Promise.all([
    tracked(startPostgres()),
    tracked(startClickHouse()),
  ]);
  console.error(
    `test servers: PostgreSQL and ClickHouse on 127.0.0.1 (${
      Math.round(performance.now() - started)
    } ms)`,
  );
  const env: Record<string, string> = {
    PRICING_TEST_PG_URL: postgres.url,
    PRICING_TEST_CH_URL: clickhouse.url,
    PRICING_TEST_CH_USER: clickhouse.user,
    PRICING_TEST_CH_PASSWORD: clickhouse.password,
  };
  if (modernClickHouseInstalled()) env.PRICING_TEST_CHDB = "1";
  // the tests' own temporary folder: what they leave in it goes with a passing run
  code = await withRunTmpDir(async (tmp) => {
    testsTmp = tmp;
    tests = new Deno.Command(Deno.execPath(), {
      args: denoTestArgs(Deno.args),
      // INIT_CWD, the folder `deno task test` was typed in, is the project folder for the tests:
      // the CLIs they run in-process read a relative path from it (typed in tests/, the
      // scenario retention_test passes as scenarios/per_request.json was looked for in tests/)
      env: { ...env, TMPDIR: tmp, INIT_CWD: Deno.cwd() },
      stdin: "null",
    }).spawn();
    return (await tests.status).code;
  }, { interrupted: () => interrupted });
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
} finally {
  await stopServers();
}
// (the signal's handler may still be stopping the servers: the exit code is the interruption's)
Deno.exit(interrupted ? 130 : code);
