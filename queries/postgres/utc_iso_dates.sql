-- What: TimeZone UTC and DateStyle ISO for the rest of the READ ONLY transaction (set_config's
--   `true`: local to it), so a timestamptz as text (COPY's CSV, which lib/sources/columnar.ts reads
--   so), date_trunc('month', …) and ::date name the instants and days the files name, not those of
--   the role's time zone. Sent before a query file's COPY and before database_sql's query. Read from
--   queries/ only, never from PRICING_QUERIES_DIR (lib/sources/sql.ts, KIT_SESSION_STATEMENTS).
-- Parameters: none.
-- Output: time_zone text, date_style text (the values set; not read). One row.
SELECT set_config('TimeZone', 'UTC', true) AS time_zone,
  set_config('DateStyle', 'ISO, MDY', true) AS date_style
