-- What: the `readonly` level of the ClickHouse user's profile, asked before any setting is sent, so
--   the kit sends only the settings that profile allows (readonly=1 refuses every setting).
--   getSetting needs no grant on modern ClickHouse; 18.16 lacks it (Unknown function), and the kit
--   then asks profile_readonly_legacy.sql (system.settings).
-- Parameters: none.
-- Output: readonly String ('0', '1' or '2'). One row.
SELECT toString(getSetting('readonly')) AS readonly
