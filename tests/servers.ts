/**
 * Throwaway database servers on free loopback ports, for the tests and the benchmark:
 * PostgreSQL 15 (tests/servers_postgres.ts), Debian's ClickHouse server 18.16
 * (tests/servers_clickhouse.ts), with helpers that create a database on them and load SQL files,
 * and a runner for modern ClickHouse (chdb: tests/servers_chdb.ts). This module re-exports them
 * all, so tests import from tests/servers.ts.
 *
 * Both servers stop and delete their files on `stop()`. If the process that started them dies
 * without calling it (a crash, SIGKILL, an uncaught error), a small watchdog shell notices within a
 * second and does the same, so no server outlives the test run (tests/servers_process.ts).
 */
export { exists, freePort, type RunningServer, type ServerOptions } from "./servers_process.ts";
export { createPgDatabase, dropPgDatabase, startPostgres } from "./servers_postgres.ts";
export {
  type ClickHouseConnection,
  clickHouseServerBinary,
  createChDatabase,
  DEFAULT_DATABASE_USER,
  dropChDatabase,
  READONLY_TWO_USER,
  READONLY_USER,
  startClickHouse,
} from "./servers_clickhouse.ts";
export {
  modernClickHouseInstalled,
  type ModernClickHouseRun,
  octoberUsageOnModernClickHouse,
  runOnModernClickHouse,
} from "./servers_chdb.ts";
