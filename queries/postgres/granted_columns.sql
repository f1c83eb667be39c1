-- What: the columns the PostgreSQL role of PRICING_PG_URL may read of a table it may not read
--   whole, asked after a statement failed with `permission denied for table <name>`
--   (lib/sources/postgres_grants.ts). PostgreSQL words a column-level refusal (a SELECT of a
--   column left out of `GRANT SELECT (id, last_sign_in_at) ON auth.users`) and a table-level one
--   alike and sets no table or column field on either, so the refusal's line asks: a table with
--   columns granted was left partly unreadable on purpose, and the line says to read those columns
--   rather than to grant the whole table. The server names the table bare: every table of that
--   name the role has column grants on, in any schema, with whether the search path finds it, for
--   the caller to pick the one the query read. Read from queries/ only, never from
--   PRICING_QUERIES_DIR.
-- Parameters: table String, the table's name as the error gives it (letters, digits, - and _).
-- Output: schema_name text, visible boolean (pg_table_is_visible: the search path's choice for the
--   bare name), column_name text (a column the role may SELECT), in schema then column order. No
--   row when the role may read the whole table or none of its columns.
SELECT
  n.nspname::text AS schema_name,
  pg_catalog.pg_table_is_visible(c.oid) AS visible,
  a.attname::text AS column_name
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
WHERE c.relname = {table:String}
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND NOT pg_catalog.has_table_privilege(c.oid, 'SELECT')
  AND pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT')
ORDER BY n.nspname, a.attnum
