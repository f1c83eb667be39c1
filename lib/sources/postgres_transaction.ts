/**
 * The kit's own PostgreSQL statements around each query (its READ ONLY transaction, statement
 * timeout, UTC and ISO dates), from queries/postgres/: read from queries/ only and held to one statement, not to the
 * read-only gate, which would refuse BEGIN and set_config (lib/sources/sql.ts,
 * KIT_SESSION_STATEMENTS). Read once per process: they are the kit's, and do not change while it
 * runs. */
import { loadSql, type SqlFile } from "./sql.ts";

export interface TransactionStatements {
  /** begin_read_only.sql: BEGIN READ ONLY */
  begin: SqlFile;
  /** statement_timeout.sql: the transaction's statement timeout, and the role (`role`) */
  statementTimeout: SqlFile;
  /** utc_iso_dates.sql: TimeZone UTC and DateStyle ISO, before a query whose text must not vary */
  utcIsoDates: SqlFile;
  /** commit.sql: the transaction's end once its query answered */
  commit: SqlFile;
  /** rollback.sql: its end after a failure */
  rollback: SqlFile;
}

let loaded: Promise<TransactionStatements> | undefined;

/** The transaction's statements, read at the first call. */
export function transactionStatements(): Promise<TransactionStatements> {
  return loaded ??= (async () => ({
    begin: await loadSql("postgres", "begin_read_only"),
    statementTimeout: await loadSql("postgres", "statement_timeout"),
    utcIsoDates: await loadSql("postgres", "utc_iso_dates"),
    commit: await loadSql("postgres", "commit"),
    rollback: await loadSql("postgres", "rollback"),
  }))();
}
