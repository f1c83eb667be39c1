/**
 * The kit's own PostgreSQL statements around each query (its READ ONLY transaction), from
 * queries/postgres/: read from queries/ only and held to one statement, not to the read-only
 * gate, which would refuse BEGIN (lib/sources/sql.ts, KIT_SESSION_STATEMENTS). Read once per
 * process: they are the kit's, and do not change while it runs. */
import { loadSql, type SqlFile } from "./sql.ts";

export interface TransactionStatements {
  /** begin_read_only.sql: BEGIN READ ONLY */
  begin: SqlFile;
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
    commit: await loadSql("postgres", "commit"),
    rollback: await loadSql("postgres", "rollback"),
  }))();
}
