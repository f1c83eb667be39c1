/**
 * database_sql's least-privilege check of the PostgreSQL role: the read-only gate and the READ
 * ONLY transaction stop writes, not reads, and through a superuser (or a role that may read
 * pg_authid, or a member of pg_read_server_files, pg_read_all_settings, …, or one granted EXECUTE
 * on pg_show_all_file_settings or pg_read_file) a perfectly read-only
 * SELECT reads password hashes, server files and secret settings (and, on Supabase, the app users'
 * password hashes and tokens, and vault's secrets). So before the first statement
 * on a PRICING_PG_URL the role is asked what it may read (queries/postgres/role_privileges.sql)
 * and refused in one line saying what to do. It is asked before every statement, through that
 * statement's own source (its pool may hand the question another connection: the same role, so
 * the same privileges), not once per process: the MCP server runs for days, and a grant made
 * meanwhile (GRANT pg_read_all_data, a GRANT SELECT ON auth.users) must be seen at the next
 * statement, not at the next restart. The question is one catalog query through a source opened
 * for the statement anyway (about a millisecond of the server's time; a round trip more). Between
 * the answer and the statement a grant can still land: the check narrows that window to one
 * statement, no further. ClickHouse has no such check: 18.16 has no users or grants to ask, and
 * README.md says which user to give the kit.
 */
import { UserError } from "../core/config.ts";
import { listInWords } from "../core/words.ts";
import { loadSql, type SqlFile } from "../sources/sql.ts";
import type { PostgresSource } from "../sources/postgres.ts";

/** role_privileges.sql, read once per process (reading and gating it takes longer than asking). */
let roleQuestion: Promise<SqlFile> | undefined;

/** What role_privileges.sql answers. */
interface RolePrivileges {
  role: string;
  superuser: boolean;
  reads_password_hashes: boolean;
  reads_user_mappings: boolean;
  /** the listed predefined roles it is a member of, comma-separated; null when none */
  predefined_roles: string | null;
  /** the functions reading or writing the server's files it may execute (pg_read_file, …) */
  server_file_functions: string | null;
  /** Supabase's secrets it may read (auth.users.encrypted_password, vault.decrypted_secrets, …) */
  app_secrets: string | null;
}

/**
 * Resolves once the role of `source` (a connection to PRICING_PG_URL) may read no more than tables
 * granted to it; a UserError naming the role, what it may read and what to do otherwise. Asked
 * each time (nothing is kept: see above).
 */
export async function assertLeastPrivilegeRole(source: PostgresSource): Promise<void> {
  // (the built-in file only: a PRICING_QUERIES_DIR one could answer anything; read and gated
  // once, it is the kit's own)
  // (a failed read is not kept: the next statement reads it again, not the failure until a restart)
  roleQuestion ??= loadSql("postgres", "role_privileges").catch((error) => {
    roleQuestion = undefined;
    throw error;
  });
  const [privileges] = await source.query(await roleQuestion, {});
  const refusal = roleRefusal(privileges as unknown as RolePrivileges);
  if (refusal) throw new UserError(refusal);
}

/** The one-line refusal of a role with `privileges`, or null when it may run database_sql. */
function roleRefusal(privileges: RolePrivileges): string | null {
  const { role, superuser, predefined_roles } = privileges;
  const reasons = superuser ? ["is a superuser"] : [
    ...(privileges.reads_password_hashes
      ? ["may read the roles' password hashes (pg_catalog.pg_authid or pg_shadow)"]
      : []),
    ...(privileges.reads_user_mappings
      ? ["may read foreign servers' passwords (pg_catalog.pg_user_mapping)"]
      : []),
    ...(predefined_roles ? [`is a member of ${predefined_roles}`] : []),
    ...(privileges.server_file_functions
      ? [
        `may run functions that read or write the server's files (${privileges.server_file_functions})`,
      ]
      : []),
    ...(privileges.app_secrets ? [`may read Supabase's secrets (${privileges.app_secrets})`] : []),
  ];
  if (reasons.length === 0) return null;
  return `database_sql refuses to run as PostgreSQL role ${role}, which ${
    listInWords(reasons)
  }: through it a read-only SELECT reads secrets (password hashes, server files, settings, other sessions' queries); set PRICING_PG_URL to a role that may read only the kit's tables (README.md, "Least-privilege database users", has the CREATE ROLE and GRANTs)`;
}
