-- What: opens the READ ONLY transaction each PostgreSQL query of the kit runs in (the export's
--   queries, the MCP server's database_sql, a look-up after a failure): the server refuses every
--   write in it, a SECURITY DEFINER function's too. A transaction, not a session setting, so it
--   holds through transaction-mode poolers (Supabase's). Read from queries/ only, never from
--   PRICING_QUERIES_DIR (lib/sources/sql.ts, KIT_SESSION_STATEMENTS).
-- Parameters: none.
-- Output: none (transaction control).
BEGIN READ ONLY
