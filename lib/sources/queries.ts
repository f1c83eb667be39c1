/**
 * The query stage: run the four SQL files in `queries/` (two per engine, at once, with bounded
 * connections) and hand back one typed frame per question plus what each run cost.
 */
import type pl from "nodejs-polars";
import type { SourceSettings } from "../core/config.ts";
import { type QueryColumns, rowsToFrame } from "./frames.ts";
import { openClickHouse } from "./clickhouse.ts";
import { openPostgres } from "./postgres.ts";
import { type Engine, loadSql, type SqlParams } from "./sql.ts";

import type { ExportWindow, QueryStat } from "../core/types.ts";
export type { ExportWindow, QueryStat } from "../core/types.ts";

export interface QueryFrames {
  organizations: pl.DataFrame;
  promptsCreated: pl.DataFrame;
  usage: pl.DataFrame;
  ptbSpend: pl.DataFrame;
}

export interface QueryResults {
  frames: QueryFrames;
  stats: QueryStat[];
}

/** Output columns of each query, as its SQL file's header comment lists them. */
export const QUERY_COLUMNS = {
  organizations: {
    org_id: "string",
    org_name: "string",
    tier_raw: "string",
    created_at: "datetime",
    stripe_customer_id: "string",
    org_subscription_status: "string",
    addons_in_metadata: "string",
    seats: "int",
    active_users_30d: "int",
  },
  prompts_created: { org_id: "string", prompts_created: "int" },
  usage_30d: {
    org_id: "string",
    requests_30d: "int",
    ptb_requests_30d: "int",
    byok_requests_30d: "int",
    prompts_used_30d: "int",
    llm_cost_nano: "nanoUsd",
    llm_cost_ptb_nano: "nanoUsd",
    llm_cost_byok_nano: "nanoUsd",
  },
  ptb_spend: { org_id: "string", ptb_spend_nano: "nanoUsd" },
} satisfies Record<string, QueryColumns>;

type QueryName = keyof typeof QUERY_COLUMNS;

export async function runQueries(
  settings: SourceSettings,
  window: ExportWindow,
): Promise<QueryResults> {
  if (!settings.postgres || !settings.clickhouse) throw new Error("both databases are required");
  const postgres = openPostgres(settings.postgres);
  const clickhouse = openClickHouse(settings.clickhouse);
  const params: SqlParams = {
    window_start: window.start,
    window_end: window.end,
    as_of: window.end,
    request_table: settings.clickhouse.requestTable,
    ptb_table: settings.clickhouse.ptbTable,
  };
  const stats: QueryStat[] = [];
  const run = async (engine: Engine, name: QueryName): Promise<pl.DataFrame> => {
    const sql = await loadSql(engine, name, settings.queriesDir);
    const started = performance.now();
    const source = engine === "postgres" ? postgres : clickhouse;
    const rows = await source.query(sql, params);
    const frame = rowsToFrame(rows, QUERY_COLUMNS[name]);
    stats.push({
      name,
      file: sql.file,
      sha256: sql.sha256,
      rows: rows.length,
      durationMs: Math.round(performance.now() - started),
    });
    return frame;
  };
  try {
    const [organizations, promptsCreated, usage, ptbSpend] = await Promise.all([
      run("postgres", "organizations"),
      run("postgres", "prompts_created"),
      run("clickhouse", "usage_30d"),
      run("clickhouse", "ptb_spend"),
    ]);
    stats.sort((a, b) => a.name.localeCompare(b.name));
    return { frames: { organizations, promptsCreated, usage, ptbSpend }, stats };
  } finally {
    await Promise.allSettled([postgres.close(), clickhouse.close()]);
  }
}
