-- What: the statement timeout for the rest of the READ ONLY transaction (set_config's `true`: local
--   to it, so it holds through transaction-mode poolers and a pooled connection's next user does
--   not inherit it), and the role the server runs the queries as, which a refusal names. Read from
--   queries/ only, never from PRICING_QUERIES_DIR (lib/sources/sql.ts, KIT_SESSION_STATEMENTS).
-- Parameters: statement_timeout_ms String, PRICING_PG_STATEMENT_TIMEOUT_MS in digits (bound as
--   a parameter, never inlined).
-- Output: statement_timeout text (the value set), role name (current_user). One row.
SELECT set_config('statement_timeout', {statement_timeout_ms:String}, true) AS statement_timeout,
  current_user AS role
