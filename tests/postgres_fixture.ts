/**
 * A throwaway login role on the test PostgreSQL, shared by postgres_connection_test.ts and
 * postgres_privileges_test.ts.
 */
import pg from "pg";
import { testServers } from "./env.ts";

/**
 * A new login role on the fixture server (`create` its extra clause, e.g. CONNECTION LIMIT 1), the
 * fixture database's URL as it, and a drop of the role for the test's end (roles are server-wide).
 */
export async function loginRole(
  admin: pg.Client,
  { prefix, baseUrl, create = "" }: { prefix: string; baseUrl: string; create?: string },
) {
  const role = `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
  const password = `Pw-${crypto.randomUUID()}`;
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' ${create}`);
  const url = new URL(baseUrl);
  url.username = role;
  url.password = password;
  return {
    role,
    url,
    async drop() {
      const server = new pg.Client({ connectionString: testServers().pgUrl });
      await server.connect();
      await server.query(`DROP ROLE IF EXISTS ${role}`);
      await server.end();
    },
  };
}
