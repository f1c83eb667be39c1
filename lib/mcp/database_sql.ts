/**
 * database_sql's turns on production: per database at most DATABASE_RUNNING statements at once and
 * DATABASE_WAITING queued, the rest refused in one line. Each statement stops on the server when
 * its request is given up (the client's cancel or timeout, the session closing, the server's
 * stop): the export's sources cancel it (PostgreSQL cancel request, ClickHouse KILL QUERY by the
 * kit's query id), so no production query outlives the request that asked for it.
 */
import { type SourceSettings, UserError } from "../core/config.ts";
import type { SqlFile } from "../sources/sql.ts";
import type { QueryTable } from "../sources/frames.ts";
import { openClickHouse } from "../sources/clickhouse.ts";
import { openPostgres } from "../sources/postgres.ts";

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
 * once `signal` aborts (while waiting, it is dropped from the queue).
 */
export function readDatabase(
  settings: SourceSettings,
  database: Database,
  file: SqlFile,
  signal?: AbortSignal,
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
      return await read(settings, database, file, signal);
    } catch (error) {
      if (signal?.aborted) throw cancelled(database);
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

async function read(
  settings: SourceSettings,
  database: Database,
  file: SqlFile,
  signal?: AbortSignal,
): Promise<QueryTable> {
  const source = database === "postgres"
    ? openPostgres(settings.postgres!, { signal })
    : openClickHouse(settings.clickhouse!, { signal });
  try {
    return await source.queryTable(file, {});
  } finally {
    // (after an abort, once the statement was cancelled on the server)
    await source.close();
  }
}

function cancelled(database: Database): UserError {
  return new UserError(
    `the ${database} query was cancelled (the request was cancelled, timed out or the server is stopping) and stopped on the database`,
  );
}
