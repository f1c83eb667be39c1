-- What: the `readonly` level of the ClickHouse user's profile, asked before any setting is sent, so
--   the kit sends only the settings that profile allows (readonly=1 refuses every setting).
--   For ClickHouse without getSetting (18.16): profile_readonly.sql is asked first, this when it fails.
-- Parameters: none.
-- Output: readonly String ('0', '1' or '2'). One row.
SELECT toString(value) AS readonly
FROM system.settings
WHERE name = 'readonly'
