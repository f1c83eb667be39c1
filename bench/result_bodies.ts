/**
 * The kit's own CPU for each of the queries stage's four results, without the rest of the export:
 * each query run through the kit's source (`queryFrame`: the answer received and spooled to a
 * file, then read into Polars, as the export reads it) alone, in a process of its own, then the
 * collection the stage makes after it. Per query and round: the process's CPU-seconds
 * (`process.cpuUsage()`: every thread, Polars' pool too), the main thread's (Linux's /proc, where
 * the protocol and the spool run), wall, rows and a digest of the frame. Figures, not assertions;
 * the databases' own CPU is not in them. `--other DIR` runs each query with another checkout's
 * sources too (its modules and deno.json, this checkout's servers), alternating. Reuses the seeded
 * servers of `deno task bench` (outputs/bench/data-<scale>/; run it first).
 *
 *   deno run -A bench/result_bodies.ts --scale large --rounds 3
 *   deno run -A bench/result_bodies.ts --only organizations --other ../old --rounds 4
 */
import process from "node:process";
import { resolve } from "node:path";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { benchChoice, benchFlags, benchWholeNumber } from "./args.ts";
import { AS_OF, ROOT, say, SCALES, seeded } from "./seed.ts";
import { benchEnv } from "./export_run.ts";

const QUERIES = [
  ["postgres", "organizations"],
  ["postgres", "prompts_created"],
  ["clickhouse", "usage_30d"],
  ["clickhouse", "ptb_spend"],
] as const;

const values = benchFlags(Deno.args, {
  options: {
    scale: { type: "string", default: "large" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
    other: { type: "string" },
    // (the process of one measurement: its query, and the checkout whose sources it runs)
    query: { type: "string" },
    root: { type: "string" },
  },
  usage:
    "Usage: deno run -A bench/result_bodies.ts [--scale small|default|large] [--rounds 3] [--only organizations|prompts_created|usage_30d|ptb_spend] [--other DIR]",
});
const scaleName = benchChoice("scale", values.scale, Object.keys(SCALES));
const rounds = benchWholeNumber("rounds", values.rounds, 1);
const only = values.only === undefined
  ? undefined
  : benchChoice("only", values.only, QUERIES.map(([, name]) => name));

/** CPU-seconds of the whole process (every thread). */
function processCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU-seconds of the main thread (its task in /proc: utime + stime), NaN off Linux. */
function mainThreadCpu(): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/self/task/${Deno.pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // (clock ticks: 100 a second)
  } catch {
    return NaN;
  }
}

/** The environment variable that hands a measurement's process the servers' settings. */
const SETTINGS_VARIABLE = "RESULT_BODIES_ENV";

/** One measurement, in its own process: `query` through the sources of the checkout at `root`. */
async function measureOne(name: string, root: string): Promise<void> {
  const at = pathToFileURL(`${resolve(root)}/`);
  const module = (path: string) => import(new URL(path, at).href);
  const [config, memory, exported, postgres, clickhouse, queries, sql] = await Promise.all([
    module("lib/core/config.ts"),
    module("lib/core/memory.ts"),
    module("lib/export.ts"),
    module("lib/sources/postgres.ts"),
    module("lib/sources/clickhouse.ts"),
    module("lib/sources/queries.ts"),
    module("lib/sources/sql.ts"),
  ]);
  const settings = config.sourceSettings(JSON.parse(Deno.env.get(SETTINGS_VARIABLE)!));
  const window = exportWindow(exported, AS_OF);
  const params = {
    window_start: window.start,
    window_end: window.end,
    as_of: window.end,
    request_table: settings.clickhouse.requestTable,
    ptb_table: settings.clickhouse.ptbTable,
  };
  const engine = QUERIES.find(([, query]) => query === name)![0];
  const file = await sql.loadSql(engine, name);
  const source = engine === "postgres"
    ? postgres.openPostgres(settings.postgres)
    : clickhouse.openClickHouse(settings.clickhouse);
  try {
    const [cpu, main, started] = [processCpu(), mainThreadCpu(), performance.now()];
    const frame = await source.queryFrame(file, params, queries.QUERY_COLUMNS[name]);
    const [cpuRead, mainRead, wall] = [processCpu(), mainThreadCpu(), performance.now()];
    await memory.collectDroppedFrames({ rows: frame.height });
    const collected = processCpu() - cpuRead;
    // the frame's digest (its CSV's, by org_id: ClickHouse's GROUP BY answers in any order), to
    // see both checkouts read the same
    const digest = createHash("sha256").update(frame.sort("org_id").writeCSV())
      .digest("hex").slice(0, 12);
    console.log(
      `${frame.height} rows, CPU ${(cpuRead - cpu).toFixed(3)} s (main thread ${
        (mainRead - main).toFixed(2)
      }), wall ${((wall - started) / 1000).toFixed(2)} s; the collection after it ${
        collected.toFixed(3)
      } s; frame ${digest}`,
    );
  } finally {
    await source.close();
  }
}

/** The export's window at the bench's as-of (30 days), by that checkout's own rule. */
function exportWindow(exported: { exportWindow(asOf: Date, days: number): Window }, asOf: Date) {
  return exported.exportWindow(asOf, 30);
}
type Window = { start: Date; end: Date };

if (values.query !== undefined) {
  await measureOne(values.query, values.root ?? ROOT);
  Deno.exit(0);
}

/** The checkouts measured: this one, and --other. */
const checkouts = [{ name: "this", root: ROOT }];
if (values.other !== undefined) checkouts.push({ name: "other", root: resolve(values.other) });

const servers = await seeded(scaleName, SCALES[scaleName]);
const env = benchEnv(servers, { apiKey: "unused", port: 0 });
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [, name] of QUERIES) {
      if (only && only !== name) continue;
      for (const checkout of checkouts) {
        // as `deno task export` runs: with the collector exposed (lib/core/memory.ts), the
        // checkout's own deno.json (its packages)
        const child = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--v8-flags=--expose-gc",
            `--config=${checkout.root}/deno.json`,
            `${ROOT}bench/result_bodies.ts`,
            `--query=${name}`,
            `--root=${checkout.root}`,
          ],
          env: { [SETTINGS_VARIABLE]: JSON.stringify(env), NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const out = new TextDecoder().decode(child.stdout).trim();
        if (!child.success) {
          const error = new TextDecoder().decode(child.stderr).trim().split("\n").slice(-3);
          throw new Error(`${checkout.name} ${name} failed: ${error.join(" ")}`);
        }
        say(`round ${round} ${checkout.name} ${name}: ${out}`);
      }
    }
  }
} finally {
  await Promise.allSettled([servers.postgres.stop(), servers.clickhouse.stop()]);
}
