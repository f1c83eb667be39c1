/**
 * The two SQL tools' engines: Polars' SQLContext over the dataset's frame (table `pricing_data`),
 * and, when the operator allows it, read-only SELECT on PostgreSQL / ClickHouse through the
 * export's own read-only sessions (lib/sources/*: READ ONLY transactions with a statement timeout,
 * ClickHouse readonly and max_execution_time). Both pass lib/mcp/statements.ts first and both
 * cap rows by wrapping the statement in an outer LIMIT.
 */
import pl from "nodejs-polars";
import { type Env, sourceSettings, UserError } from "../core/config.ts";
import { openClickHouse } from "../sources/clickhouse.ts";
import { openPostgres } from "../sources/postgres.ts";
import { checkReadOnlySelect } from "./statements.ts";
import { jsonCell, type Row } from "./text.ts";

export const FRAME_TABLE = "pricing_data";

export interface SqlResult {
  columns: string[];
  rows: Row[];
  /** more rows existed than the cap allowed */
  truncated: boolean;
}

export interface FrameQueryLimits {
  maxRows: number;
  /** the answer's deadline; Polars cannot be cancelled, so the work may go on behind it */
  timeoutMs: number;
}

/** Frame queries computing now, including ones whose caller already timed out. */
let computing = 0;
/** Frame queries still computing (tests wait on it). */
export function frameQueriesComputing(): number {
  return computing;
}

/** More than this and new queries are refused until some finish (bounds a runaway's cost). */
const MAX_COMPUTING = 2;

/**
 * One SELECT over the export frame; at most `maxRows` rows come back. Polars computes on its own
 * threads (the event loop stays free), so a deadline can answer while a runaway join goes on.
 */
export function queryFrame(
  frame: pl.DataFrame,
  sql: string,
  limits: FrameQueryLimits,
): Promise<SqlResult> {
  return queryTables({ [FRAME_TABLE]: frame }, sql, limits);
}

/** One SELECT over named frames (table name → frame), as queryFrame. */
export async function queryTables(
  tables: Record<string, pl.DataFrame>,
  sql: string,
  limits: FrameQueryLimits,
): Promise<SqlResult> {
  const { maxRows, timeoutMs } = limits;
  const statement = checkReadOnlySelect(sql, "polars");
  if (computing >= MAX_COMPUTING) {
    throw new UserError(
      `${computing} earlier queries are still computing (past their deadline); wait a minute, then ask a cheaper query`,
    );
  }
  let result: pl.DataFrame;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const work = executed(pl.SQLContext(tables), statement).limit(maxRows + 1).collect();
    computing++;
    work.then(() => computing--, () => computing--);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new UserError(
              `the query ran longer than ${
                timeoutMs / 1000
              } s (PRICING_MCP_SQL_TIMEOUT_SECONDS); filter or aggregate before joining`,
            ),
          ),
        timeoutMs,
      );
    });
    result = await Promise.race([work, deadline]);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const message = (error as Error).message?.split("\n").find((l) => l.trim()) ?? String(error);
    const names = Object.keys(tables).join(", ");
    const hint = /^relation .* was not found/.test(message.trim())
      ? ` (the ${Object.keys(tables).length === 1 ? "table is" : "tables are"} ${names})`
      : "";
    throw new UserError(`the query failed in Polars SQL: ${message.trim()}${hint}`);
  } finally {
    clearTimeout(timer);
  }
  const truncated = result.height > maxRows;
  const capped = truncated ? result.head(maxRows) : result;
  const columns = capped.columns;
  const arrays = columns.map((name) => capped.getColumn(name).toArray() as unknown[]);
  const rows: Row[] = [];
  for (let i = 0; i < capped.height; i++) {
    const row: Row = {};
    columns.forEach((name, c) => (row[name] = jsonCell(arrays[c][i])));
    rows.push(row);
  }
  return { columns, rows, truncated };
}

/**
 * The statement as a lazy frame. nodejs-polars 0.25's SQLContext.execute does not throw on a
 * statement it cannot plan (an unknown table or column, a syntax error): it returns a lazy frame
 * around the Error, whose first use fails as "_ldf.slice is not a function". Its own message says
 * what is wrong, so it is thrown here.
 */
function executed(context: ReturnType<typeof pl.SQLContext>, statement: string): pl.LazyDataFrame {
  const lazy = context.execute(statement);
  const inner = (lazy as unknown as { _ldf?: unknown })._ldf;
  if (inner instanceof Error) throw inner;
  return lazy;
}

export type Database = "postgres" | "clickhouse";

/** One SELECT on a production database, read-only session, at most `maxRows` rows. */
export async function queryDatabase(
  env: Env,
  database: Database,
  sql: string,
  maxRows: number,
): Promise<SqlResult> {
  const statement = checkReadOnlySelect(sql, database);
  const settings = sourceSettings(env);
  if (!settings) {
    throw new UserError(
      "no database is configured (PRICING_PG_URL and PRICING_CH_URL): database SQL needs them",
    );
  }
  // The outer query caps rows and, on PostgreSQL, makes a second statement a syntax error.
  const text = database === "postgres"
    ? `SELECT * FROM (\n${statement}\n) AS mcp_query LIMIT ${maxRows + 1}`
    : `SELECT * FROM (\n${statement}\n) LIMIT ${maxRows + 1}`;
  const file = { file: `the ${database} query`, text, sha256: "" };
  let records: Record<string, unknown>[];
  if (database === "postgres") {
    const source = openPostgres(settings.postgres!);
    try {
      records = await source.query(file, {});
    } finally {
      await source.close();
    }
  } else {
    const source = openClickHouse(settings.clickhouse!);
    try {
      records = await source.query(file, {});
    } finally {
      await source.close();
    }
  }
  const truncated = records.length > maxRows;
  const kept = records.slice(0, maxRows);
  const columns = kept.length > 0 ? Object.keys(kept[0]) : [];
  const rows = kept.map((record) => {
    const row: Row = {};
    for (const [key, value] of Object.entries(record)) {
      row[key] = typeof value === "object" && value !== null && !(value instanceof Date)
        ? JSON.stringify(value)
        : jsonCell(value);
    }
    return row;
  });
  return { columns, rows, truncated };
}
