/**
 * The two SQL tools' engines: Polars' SQLContext over the dataset's frame (table `pricing_data`),
 * in a process of its own (lib/mcp/sql_process.ts),
 * and, when the operator allows it, read-only SELECT on PostgreSQL / ClickHouse through the
 * export's own read-only sessions (lib/sources/*: READ ONLY transactions with a statement timeout,
 * ClickHouse readonly and max_execution_time). Both pass lib/sources/statement_gate.ts first and both
 * cap rows by wrapping the statement in an outer LIMIT.
 */
import type pl from "nodejs-polars";
import { type Env, sourceSettings, UserError } from "../core/config.ts";
import { type Database, readDatabase } from "./database_sql.ts";
import { checkReadOnlySelect, StatementRefused } from "../sources/statement_gate.ts";
import { jsonCell, jsonText, type Row } from "./text.ts";
import {
  FrameSqlBusy,
  type FrameSqlHooks,
  FrameSqlProcess,
  type FrameSqlQueryLimits,
  FrameSqlStopped,
  FrameSqlWaited,
  type Tables,
  WAIT_DEADLINES,
} from "./sql_process.ts";
import { dialectHint, unknownColumnHint } from "./sql_hints.ts";

export const FRAME_TABLE = "pricing_data";

/** Where Polars' error message ends and the plan it failed in begins. */
const POLARS_PLAN = /\n\s*Resolved plan until failure:/;

export interface SqlResult {
  columns: string[];
  rows: Row[];
  /** more rows existed than the cap allowed */
  truncated: boolean;
  /**
   * rows the statement returned, when known: the frame's SQL counts them up to COUNTED_ROWS
   * (null past it); database SQL does not (null when truncated)
   */
  total: number | null;
}

/**
 * A statement's rows, deadline, memory cap and its process's start limit: past any but the first
 * its process is killed.
 */
export type FrameQueryLimits = FrameSqlQueryLimits;

/** The frames' statements run in one process of their own (lib/mcp/sql_process.ts). */
const frameSql = new FrameSqlProcess();

/** Statements waiting for the SQL process (tests wait on it). */
export function frameQueriesWaiting(): number {
  return frameSql.waiting;
}

/** The SQL process's id while it runs (tests). */
export function frameSqlPid(): number | undefined {
  return frameSql.pid;
}

/** Ends the SQL process and removes its files (tests; it also ends with this process). */
export function closeFrameSql(): Promise<void> {
  return frameSql.close();
}

/**
 * One SELECT over the export frame; at most `maxRows` rows come back. It runs in the SQL process,
 * which is killed when the statement passes its deadline or memory cap.
 */
export function queryFrame(
  frame: pl.DataFrame,
  sql: string,
  limits: FrameQueryLimits,
): Promise<SqlResult> {
  return queryTables({ [FRAME_TABLE]: frame }, sql, limits);
}

/**
 * What a statement stopped past its deadline or memory cap can do: `SELECT * FROM history ORDER BY
 * mrr` over twelve 1M-organization month ends passed 2 GB with no join, where the advice was only
 * "filter or aggregate before joining".
 */
export const PAST_LIMIT_ADVICE = "filter (WHERE) or aggregate first and select only the " +
  "columns needed: a join, or a sort of every row, holds all the rows it reads";

/**
 * One SELECT over named frames (table name → frame), as queryFrame. The frames may be a promise:
 * the statement's turn is taken at the call, in arrival order, while they load. Once `signal`
 * aborts (the request was cancelled) the statement leaves the queue, or its process is killed;
 * `onProgress` hears its place in the queue and its run's start (FrameSqlProcess.query). Both
 * stay in this process: the limits alone go to the SQL process.
 */
export async function queryTables(
  tables: Tables | Promise<Tables>,
  sql: string,
  { signal, onProgress, asOf, ...limits }: FrameQueryLimits & FrameSqlHooks & {
    /** the served data's as-of, which a refused now() is told of */
    asOf?: Promise<Date>;
  },
): Promise<SqlResult> {
  const { timeoutMs, maxMb, startMs } = limits;
  const statement = checkReadOnlySelect(sql, "polars");
  let answer;
  try {
    answer = await frameSql.query(tables, statement, limits, { signal, onProgress });
  } catch (error) {
    if (error instanceof FrameSqlBusy) {
      throw new UserError(
        `query_sql is busy: 1 query running and ${error.waiting} waiting, the most that may ` +
          `wait (queries run one at a time, in a process of their own, to bound its memory); ` +
          "ask again once some of these have answered",
      );
    }
    if (error instanceof FrameSqlWaited) {
      throw new UserError(
        `the query waited ${
          timeoutMs * WAIT_DEADLINES / 1000
        } s (${WAIT_DEADLINES} × PRICING_MCP_SQL_TIMEOUT_SECONDS) for its turn and did not start: ${error.others} ` +
          `other ${
            error.others === 1 ? "query was" : "queries were"
          } running or waiting (one runs at a time); ask again, or send fewer at once`,
      );
    }
    if (error instanceof FrameSqlStopped && error.reason === "start") {
      throw new UserError(
        `the query did not run: its SQL process did not start within ${
          startMs / 1000
        } s (PRICING_MCP_SQL_START_SECONDS) and was stopped; ask again (a new process starts), ` +
          "and if starts keep running out the server's machine is overloaded or its disk " +
          "stalled: its operator can raise PRICING_MCP_SQL_START_SECONDS",
      );
    }
    if (error instanceof FrameSqlStopped && error.reason === "deadline") {
      throw new UserError(
        `the query ran longer than ${
          timeoutMs / 1000
        } s (PRICING_MCP_SQL_TIMEOUT_SECONDS) and was stopped; ${PAST_LIMIT_ADVICE}`,
      );
    }
    if (error instanceof FrameSqlStopped && error.reason === "cancelled") {
      throw new UserError("the query was cancelled (its request was cancelled) and stopped");
    }
    if (error instanceof FrameSqlStopped) {
      throw new UserError(
        `the query needed more than ${maxMb} MB (PRICING_MCP_SQL_MAX_MB) and was stopped; ${PAST_LIMIT_ADVICE}`,
      );
    }
    throw error;
  }
  if (!answer.ok && answer.refused) throw new StatementRefused(answer.message);
  if (!answer.ok) {
    // without the plan Polars appends (it repeats the statement); not cut at the first line, which
    // a value quoted in the message may break (errorResult writes the rest on one line)
    const message = answer.message.split(POLARS_PLAN)[0];
    const tableNames = Object.keys(await tables);
    const names = tableNames.join(", ");
    const hint = /^relation .* was not found/.test(message.trim())
      ? ` (the ${tableNames.length === 1 ? "table is" : "tables are"} ${names})`
      : "";
    const reason = dialectHint(unknownColumnHint(message.trim()), {
      asOf: (await asOf?.catch(() => null)) ?? null,
    });
    throw new UserError(`the query failed in Polars SQL: ${reason}${hint}`);
  }
  return {
    columns: answer.columns,
    rows: answer.rows,
    truncated: answer.truncated,
    total: answer.total,
  };
}

export type { Database };

/**
 * One SELECT on a production database, read-only session, at most `maxRows` rows and `maxMb` of
 * answer; a few at a time (lib/mcp/database_sql.ts).
 */
export async function queryDatabase(
  env: Env,
  { database, sql, maxRows, maxMb, signal }: {
    database: Database;
    /** one SELECT, in that database's dialect */
    sql: string;
    maxRows: number;
    maxMb: number;
    /** the request's: once aborted the query is cancelled on the server (lib/mcp/database_sql.ts) */
    signal?: AbortSignal;
  },
): Promise<SqlResult> {
  const statement = checkReadOnlySelect(sql, database);
  const settings = sourceSettings(env);
  if (!settings) {
    throw new UserError(
      "no database is configured (PRICING_PG_URL and PRICING_CH_URL): database SQL needs them",
    );
  }
  // The outer query caps rows and, on PostgreSQL, makes a second statement a syntax error. A
  // wrapper of the caller's statement, so code, not a queries/ file (docs/development.md).
  const text = database === "postgres"
    ? `SELECT * FROM (\n${statement}\n) AS mcp_query LIMIT ${maxRows + 1}`
    : `SELECT * FROM (\n${statement}\n) LIMIT ${maxRows + 1}`;
  const file = { file: `the ${database} query`, text, sha256: "" };
  // the columns come from the result, not its first row: an empty result has them too
  const { columns, rows: records } = await readDatabase(settings, {
    database,
    file,
    maxMb,
    signal,
  });
  const truncated = records.length > maxRows;
  const kept = records.slice(0, maxRows);
  const rows = kept.map((record) => {
    const row: Row = {};
    for (const [key, value] of Object.entries(record)) {
      row[key] = typeof value === "object" && value !== null && !(value instanceof Date)
        ? jsonText(value)
        : jsonCell(value);
    }
    return row;
  });
  return { columns, rows, truncated, total: truncated ? null : rows.length };
}
