/** What lib/sources/ offers. */
export {
  type ClickHouseSession,
  type ClickHouseSource,
  openClickHouse,
  sessionSettings,
} from "./clickhouse.ts";
export { csvToFrame } from "./columnar.ts";
export { DEMO_ORGANIZATIONS, DEMO_SEED, demoQueryResults } from "./demo.ts";
export {
  columnsToFrame,
  nanoUsdToUsd,
  negativeCosts,
  type QueryColumns,
  type QueryColumnType,
  rowsToFrame,
} from "./frames.ts";
export { openPostgres, type PostgresSource } from "./postgres.ts";
export { copyStatement } from "./postgres_csv.ts";
export {
  assertOneStatement,
  clickHouseQueryText,
  countStatements,
  withoutTerminator,
} from "./statements.ts";
export {
  type ExportWindow,
  QUERY_COLUMNS,
  type QueryFrames,
  type QueryResults,
  type QueryStat,
  runQueries,
} from "./queries.ts";
export {
  bindClickHouse,
  bindPostgres,
  bindPostgresLiterals,
  type Engine,
  loadSql,
  type SqlFile,
  type SqlParams,
  type SqlParamType,
  sqlPlaceholders,
} from "./sql.ts";
