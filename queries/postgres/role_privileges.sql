-- What: whether the PostgreSQL role of PRICING_PG_URL may read more than the kit's tables, asked
--   before database_sql's first PostgreSQL statement (lib/mcp/database_role.ts): through such a
--   role a perfectly read-only SELECT reads secrets, which the read-only gate cannot tell from data.
--   A superuser reads everything. pg_catalog.pg_authid and its view pg_shadow hold the roles'
--   password hashes (a superuser, a member of pg_read_all_data or a role granted SELECT on them may
--   read them); pg_catalog.pg_user_mapping holds foreign servers' user names and passwords. The
--   predefined roles listed read server files (pg_read_server_files), every setting
--   (pg_read_all_settings: primary_conninfo may hold a password), every session's query text
--   (pg_read_all_stats) or every table (pg_read_all_data), or write files, run programs or write
--   every table (pg_write_server_files, pg_execute_server_program, pg_write_all_data). Membership
--   counts, inherited or not (SET ROLE would take the privileges), directly or through another
--   role (pg_monitor holds pg_read_all_settings and pg_read_all_stats). A predefined role the
--   server does not have (an older version) is left out, not an error. The functions that read or
--   write the server's files (pg_read_file, pg_ls_dir, lo_import, lo_export, …, and
--   pg_show_all_file_settings, pg_hba_file_rules and pg_ident_file_mappings, which read its
--   configuration files) are revoked from PUBLIC; a role granted EXECUTE on one (a monitoring
--   tool's grant) reads through it, or through its view (pg_file_settings), what no predefined
--   role names; a function the server does not have is left out. Supabase keeps its own
--   secrets in tables no predefined role names: the app users' password hashes and tokens in
--   auth.users, their sessions and refresh tokens in auth.*, decrypted secrets in vault; a role
--   that may read one of them (USAGE on its schema and SELECT on the column) is named with them (a
--   table or column the database does not have is left out). Read from queries/ only, never from
--   PRICING_QUERIES_DIR: a replaced file could answer anything.
-- Parameters: none.
-- Output: role text (current_user), superuser boolean, reads_password_hashes boolean,
--   reads_user_mappings boolean, predefined_roles text (the predefined roles above that the role
--   is a member of, comma-separated in name order; null when none), server_file_functions text
--   (the functions above the role may execute, comma-separated in name order; null when none),
--   app_secrets text (the Supabase secrets above the role may read, schema.table or
--   schema.table.column, comma-separated in name order; null when none). One row.
SELECT
  r.rolname::text AS role,
  r.rolsuper AS superuser,
  has_table_privilege('pg_catalog.pg_authid', 'SELECT')
    OR has_table_privilege('pg_catalog.pg_shadow', 'SELECT') AS reads_password_hashes,
  has_table_privilege('pg_catalog.pg_user_mapping', 'SELECT') AS reads_user_mappings,
  (
    SELECT string_agg(p.rolname::text, ', ' ORDER BY p.rolname)
    FROM pg_catalog.pg_roles p
    WHERE p.rolname IN (
      'pg_read_server_files', 'pg_read_all_settings', 'pg_read_all_stats', 'pg_read_all_data',
      'pg_write_server_files', 'pg_execute_server_program', 'pg_write_all_data'
    )
      AND pg_has_role(p.oid, 'MEMBER')
  ) AS predefined_roles,
  (
    SELECT string_agg(DISTINCT p.proname::text, ', ' ORDER BY p.proname::text)
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'pg_catalog'::regnamespace
      AND p.proname IN (
        'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'lo_import',
        'lo_export', 'pg_show_all_file_settings', 'pg_hba_file_rules', 'pg_ident_file_mappings'
      )
      AND has_function_privilege(p.oid, 'EXECUTE')
  ) AS server_file_functions,
  (
    SELECT string_agg(secret.name, ', ' ORDER BY secret.name)
    FROM (
      SELECT DISTINCT n.nspname || '.' || c.relname ||
        CASE WHEN w.col IS NULL THEN '' ELSE '.' || w.col END AS name
      FROM (VALUES
        ('auth', 'users', 'encrypted_password'), ('auth', 'users', 'confirmation_token'),
        ('auth', 'users', 'recovery_token'), ('auth', 'users', 'email_change_token_new'),
        ('auth', 'users', 'email_change_token_current'), ('auth', 'users', 'phone_change_token'),
        ('auth', 'users', 'reauthentication_token'), ('auth', 'refresh_tokens', NULL),
        ('auth', 'sessions', NULL), ('auth', 'one_time_tokens', NULL),
        ('auth', 'mfa_factors', NULL), ('auth', 'flow_state', NULL), ('vault', 'secrets', NULL),
        ('vault', 'decrypted_secrets', NULL)
      ) AS w (schema_name, table_name, col)
      JOIN pg_catalog.pg_namespace n ON n.nspname = w.schema_name
      JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w.table_name
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
        AND NOT a.attisdropped AND (w.col IS NULL OR a.attname = w.col)
      WHERE has_schema_privilege(n.oid, 'USAGE')
        AND has_column_privilege(c.oid, a.attnum, 'SELECT')
    ) AS secret
  ) AS app_secrets
FROM pg_catalog.pg_roles r
WHERE r.rolname = current_user
