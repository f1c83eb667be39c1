/**
 * database_sql's turns on production: per database at most DATABASE_RUNNING statements at once and
 * DATABASE_WAITING queued, the rest refused in one line. Each statement stops on the server when
 * its request is given up (the client's cancel or timeout, the session closing, the server's
 * stop): the export's sources cancel it (PostgreSQL cancel request, ClickHouse KILL QUERY by the
 * kit's query id), so no production query outlives the request that asked for it. Its answer is
 * read up to PRICING_MCP_DATABASE_SQL_MAX_MB, counted as it arrives: a row cap alone let eight
 * 100 MB values grow the server by 1.2 GB (and 201 of them would end it). A PostgreSQL role that
 * may read more than tables (a superuser, pg_authid, pg_read_server_files, …) is refused before
 * its first statement (lib/mcp/database_role.ts).
 */
import { type SourceSettings, UserError } from "../core/config.ts";
import type { SqlFile } from "../sources/sql.ts";
import { type QueryTable, ResultTooLarge } from "../sources/frames.ts";
import { openClickHouse } from "../sources/clickhouse.ts";
import { openPostgres } from "../sources/postgres.ts";
import { assertLeastPrivilegeRole } from "./database_role.ts";

export type Database = "postgres" | "clickhouse";

/** Statements running at once on one database. */
export const DATABASE_RUNNING = 2;
/** Statements waiting for a turn on one database; more are refused. */
export const DATABASE_WAITING = 2;

interface Waiter {
  start: () => void;
}

const turns: Record<Database, { running: number; waiting: Waiter[] }> = {
  postgres: { running: 0, waiting: [] },
  clickhouse: { running: 0, waiting: [] },
};
/** every statement admitted and not yet settled (its cancel sent and its connections closed) */
const inFlight = new Set<Promise<unknown>>();

/** Statements running / waiting on `database` now (tests wait on them). */
export function databaseTurns(database: Database): { running: number; waiting: number } {
  return { running: turns[database].running, waiting: turns[database].waiting.length };
}

/** Settles once every admitted statement has settled: the server waits on it before exiting. */
export async function databaseQueriesSettled(): Promise<void> {
  await Promise.allSettled([...inFlight]);
}

/**
 * The columns and rows of `file` on `database`, read when a turn is free; stopped on the server
 * once `signal` aborts (while waiting, it is dropped from the queue) or once its answer passes
 * `maxMb` (a one-line error saying so).
 */
export function readDatabase(
  settings: SourceSettings,
  { database, file, maxMb, signal }: {
    database: Database;
    /** the statement, as a queries/ file is read */
    file: SqlFile;
    maxMb: number;
    signal?: AbortSignal;
  },
): Promise<QueryTable> {
  const turn = turns[database];
  if (turn.running >= DATABASE_RUNNING && turn.waiting.length >= DATABASE_WAITING) {
    return Promise.reject(
      new UserError(
        `database_sql is busy: ${turn.running} ${database} queries are running and ` +
          `${turn.waiting.length} waiting; ask again when one has answered`,
      ),
    );
  }
  const done = (async () => {
    await takeTurn(database, signal);
    try {
      return await read(settings, { database, file, maxBytes: maxMb * MB, signal });
    } catch (error) {
      if (signal?.aborted) throw cancelled(database);
      if (error instanceof ResultTooLarge) throw tooLarge(database, maxMb);
      throw error;
    } finally {
      turn.running--;
      turn.waiting.shift()?.start();
    }
  })();
  inFlight.add(done);
  done.finally(() => inFlight.delete(done)).catch(() => {});
  return done;
}

/** Resolves once a turn on `database` is taken (first come, first served). */
function takeTurn(database: Database, signal?: AbortSignal): Promise<void> {
  const turn = turns[database];
  if (signal?.aborted) return Promise.reject(cancelled(database));
  if (turn.running < DATABASE_RUNNING) {
    turn.running++;
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const waiter: Waiter = {
      start: () => {
        signal?.removeEventListener("abort", leave);
        turn.running++;
        resolve();
      },
    };
    const leave = () => {
      turn.waiting.splice(turn.waiting.indexOf(waiter), 1);
      reject(cancelled(database));
    };
    signal?.addEventListener("abort", leave, { once: true });
    turn.waiting.push(waiter);
  });
}

const MB = 1024 * 1024;

/** `file`'s answer from `database`, cut at `maxBytes`. */
async function read(
  settings: SourceSettings,
  { database, file, maxBytes, signal }: {
    database: Database;
    file: SqlFile;
    maxBytes: number;
    signal?: AbortSignal;
  },
): Promise<QueryTable> {
  const postgres = database === "postgres" ? openPostgres(settings.postgres!, { signal }) : null;
  const source = postgres ?? openClickHouse(settings.clickhouse!, { signal });
  try {
    if (postgres) await assertLeastPrivilegeRole(postgres);
    return exactNumbers(await source.queryTable(file, {}, { maxBytes }));
  } finally {
    // (after an abort, once the statement was cancelled on the server)
    await source.close();
  }
}

function tooLarge(database: Database, maxMb: number): UserError {
  return new UserError(
    `the ${database} answer passed ${maxMb} MB (PRICING_MCP_DATABASE_SQL_MAX_MB), so its read was stopped and the query stopped on the database; select fewer rows or columns, or cut wide values in the query (substring(col, 1, 1000))`,
  );
}

function cancelled(database: Database): UserError {
  return new UserError(
    `the ${database} query was cancelled (the request was cancelled, timed out or the server is stopping) and stopped on the database`,
  );
}

/**
 * The table with the 64-bit (and wider) integers the databases send as text turned into numbers
 * where a number holds them exactly (|n| ≤ 2^53 − 1), larger ones kept as text: ClickHouse's JSON
 * quotes (U)Int64/128/256 (count() is UInt64) and a readonly profile refuses the setting that
 * would not; pg gives bigint (count(*)) and numeric as strings. A numeric with a fraction whose
 * integer part is exact becomes a number too (a double, as ClickHouse's Decimals in its JSON).
 */
export function exactNumbers(table: QueryTable): QueryTable {
  const converters = table.columns.map((column, i) => {
    const convert = typeConverter(table.types?.[i] ?? "");
    return convert ? [column, convert] as const : null;
  }).filter((c) => c !== null);
  if (converters.length === 0) return table;
  const rows = table.rows.map((record) => {
    const row = { ...record };
    for (const [column, convert] of converters) row[column] = convert(row[column]);
    return row;
  });
  return { ...table, rows };
}

type Convert = (value: unknown) => unknown;

/** ClickHouse's integer types its JSON writes quoted */
const WIDE_CLICKHOUSE_INT = /^U?Int(64|128|256)$/;

function typeConverter(type: string): Convert | null {
  if (type === "INT8") return exactInteger;
  if (type === "NUMERIC") return exactNumeric;
  // (ClickHouse: Nullable(…) and LowCardinality(…) wrap the type; arrays convert their elements)
  const inner = type.replace(/^(?:Nullable|LowCardinality)\((.*)\)$/, "$1");
  if (inner !== type) return typeConverter(inner);
  if (WIDE_CLICKHOUSE_INT.test(type)) return exactInteger;
  const element = type.match(/^Array\((.*)\)$/)?.[1];
  const convert = element === undefined ? null : typeConverter(element);
  return convert && ((value) => Array.isArray(value) ? value.map(convert) : value);
}

/** an integer's text as a number when a number holds it exactly, else unchanged */
function exactInteger(value: unknown): unknown {
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) return value;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

/**
 * a numeric's text: integers as exactInteger, a fraction as a number when its integer part is
 * exact, NaN and ±Infinity (PostgreSQL 14's numeric holds them) as those numbers
 */
function exactNumeric(value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (/^(?:NaN|-?Infinity)$/.test(value)) return Number(value);
  const decimal = value.match(/^(-?\d+)\.(\d+)$/);
  if (!decimal) return exactInteger(value);
  if (/^0+$/.test(decimal[2])) {
    const integer = exactInteger(decimal[1]);
    return typeof integer === "number" ? integer : value;
  }
  return Number.isSafeInteger(Number(decimal[1])) ? Number(value) : value;
}
