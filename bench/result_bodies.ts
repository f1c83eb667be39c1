/**
 * The kit's own CPU for each of the queries stage's four results, without the rest of the export:
 * each query run through the kit's source (`queryFrame`: the answer received and spooled to a
 * file, then read into Polars, as the export reads it) one at a time, so each one's CPU is its
 * own, then the collection the stage makes after it. Per query and round: the process's
 * CPU-seconds (`process.cpuUsage()`: every thread, Polars' pool too), the main thread's (Linux's
 * /proc, where the protocol and the spool run), wall and rows. Figures, not assertions; the
 * databases' own CPU is not in them. `--other DIR` runs each query with another checkout's
 * sources too, alternating (its lib/sources/ modules, this checkout's servers). Reuses the seeded
 * servers of `deno task bench` (outputs/bench/data-<scale>/; run it first).
 *
 *   deno run -A --v8-flags=--expose-gc bench/result_bodies.ts --scale large --rounds 3
 *   deno run -A --v8-flags=--expose-gc bench/result_bodies.ts --only organizations --other ../old
 */
import process from "node:process";
import { resolve } from "node:path";
import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { benchChoice, benchFlags, benchWholeNumber } from "./args.ts";
import { AS_OF, say, SCALES, seeded } from "./seed.ts";
import { benchEnv } from "./export_run.ts";
import { sourceSettings } from "../lib/core/config.ts";
import { collectDroppedFrames } from "../lib/core/memory.ts";
import { exportWindow } from "../lib/export.ts";
import * as thisClickHouse from "../lib/sources/clickhouse.ts";
import * as thisPostgres from "../lib/sources/postgres.ts";
import { QUERY_COLUMNS } from "../lib/sources/queries.ts";
import { loadSql, type SqlParams } from "../lib/sources/sql.ts";

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
  },
  usage:
    "Usage: deno run -A --v8-flags=--expose-gc bench/result_bodies.ts [--scale small|default|large] [--rounds 3] [--only organizations|prompts_created|usage_30d|ptb_spend] [--other DIR]",
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

/** Each checkout's sources: this one's, and --other's. */
const checkouts = [{ name: "this", postgres: thisPostgres, clickhouse: thisClickHouse }];
if (values.other !== undefined) {
  const root = pathToFileURL(`${resolve(values.other)}/`);
  checkouts.push({
    name: "other",
    postgres: await import(new URL("lib/sources/postgres.ts", root).href),
    clickhouse: await import(new URL("lib/sources/clickhouse.ts", root).href),
  });
}

const servers = await seeded(scaleName, SCALES[scaleName]);
const settings = sourceSettings(benchEnv(servers, { apiKey: "unused", port: 0 }))!;
const window = exportWindow(AS_OF, 30);
const params: SqlParams = {
  window_start: window.start,
  window_end: window.end,
  as_of: window.end,
  request_table: settings.clickhouse!.requestTable,
  ptb_table: settings.clickhouse!.ptbTable,
};
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [engine, name] of QUERIES) {
      if (only && only !== name) continue;
      const sql = await loadSql(engine, name);
      for (const checkout of checkouts) {
        const source = engine === "postgres"
          ? checkout.postgres.openPostgres(settings.postgres!)
          : checkout.clickhouse.openClickHouse(settings.clickhouse!);
        try {
          const [cpu, main, started] = [processCpu(), mainThreadCpu(), performance.now()];
          const frame = await source.queryFrame(sql, params, QUERY_COLUMNS[name]);
          const [cpuRead, mainRead, wall] = [processCpu(), mainThreadCpu(), performance.now()];
          await collectDroppedFrames({ rows: frame.height });
          const collected = processCpu() - cpuRead;
          // the frame's digest (its CSV's, by org_id: ClickHouse's GROUP BY answers in any order),
          // to see both checkouts read the same
          const digest = createHash("sha256").update(frame.sort("org_id").writeCSV())
            .digest("hex").slice(0, 12);
          say(
            `round ${round} ${checkout.name} ${name}: ${frame.height} rows, CPU ${
              (cpuRead - cpu).toFixed(3)
            } s (main thread ${(mainRead - main).toFixed(2)}), wall ${
              ((wall - started) / 1000).toFixed(2)
            } s; the collection after it ${collected.toFixed(3)} s; frame ${digest}`,
          );
        } finally {
          await source.close();
        }
      }
    }
  }
} finally {
  await Promise.allSettled([servers.postgres.stop(), servers.clickhouse.stop()]);
}
