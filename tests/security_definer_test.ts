/**
 * A SECURITY DEFINER function called in a query passes the read-only gate (lib/sources/
 * statement_gate.ts): the gate reads the statement's names, not what a function's body does, and
 * cannot tell a database's own functions from PostgreSQL's. What stops its writes is the READ ONLY
 * transaction every statement runs in: a definer function runs with its owner's privileges but in
 * the caller's transaction, and PostgreSQL refuses a write there whoever may write (nor may the
 * function lift it: transaction_read_only cannot be turned off once a query ran). Tested on the
 * real PostgreSQL as README's least-privilege role, through database_sql and a query file; the same
 * function, called in a read-write transaction, does write (the test is not vacuous).
 */
import { deepStrictEqual as assertEquals, match, ok, rejects } from "node:assert/strict";
import pg from "pg";
import { databaseQueriesSettled } from "../lib/mcp/database_sql.ts";
import { leastPrivilegeDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";
import { call, connectInMemory, refused, text } from "./mcp_client.ts";
import { databaseSqlStore } from "./mcp_database_fixture.ts";

/** Functions owned by the test server's superuser, each writing a row into a table of its own. */
const FUNCTIONS = [
  // a plain write
  `CREATE FUNCTION pk_definer_write() RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$
     BEGIN INSERT INTO pk_audit VALUES ('write'); RETURN 1; END $$`,
  // lifting the transaction's read-only flag first, from inside
  `CREATE FUNCTION pk_definer_lift() RETURNS int LANGUAGE plpgsql SECURITY DEFINER AS $$
     BEGIN PERFORM set_config('transaction_read_only', 'off', true);
       INSERT INTO pk_audit VALUES ('lift'); RETURN 1; END $$`,
  // lifting it in the function's own SET clause (applied as the call starts)
  `CREATE FUNCTION pk_definer_set() RETURNS int LANGUAGE plpgsql SECURITY DEFINER
     SET transaction_read_only = off AS $$
     BEGIN INSERT INTO pk_audit VALUES ('set'); RETURN 1; END $$`,
];

Deno.test("a SECURITY DEFINER function that writes passes the gate and is stopped by the READ ONLY transaction: database_sql and a query file", async () => {
  const databases = await leastPrivilegeDatabases("definer");
  const dir = await Deno.makeTempDir({ prefix: "definer_exports_" });
  const queries = await Deno.makeTempDir({ prefix: "definer_queries_" });
  const outDir = await Deno.makeTempDir({ prefix: "definer_out_" });
  const admin = new pg.Client({ connectionString: databases.adminEnv.PRICING_PG_URL });
  await admin.connect();
  const audit = async () =>
    (await admin.query("SELECT what FROM pk_audit ORDER BY what")).rows.map((r: { what: string }) =>
      r.what
    );
  try {
    await admin.query("CREATE TABLE pk_audit (what text)");
    for (const sql of FUNCTIONS) await admin.query(sql);
    // the kit's role may not write the table itself; EXECUTE is PUBLIC's by default
    const role = databases.role;
    const grants = await admin.query(
      "SELECT has_table_privilege($1, 'pk_audit', 'INSERT') AS insert, " +
        "has_function_privilege($1, 'pk_definer_write()', 'EXECUTE') AS execute",
      [role],
    );
    assertEquals(grants.rows[0], { insert: false, execute: true });

    // database_sql, as README's role: the gate lets each call through, PostgreSQL refuses it
    const session = await connectInMemory(databaseSqlStore(databases.env, dir));
    try {
      for (const fn of ["pk_definer_write", "pk_definer_lift", "pk_definer_set"]) {
        const answer = await call(session.client, "database_sql", {
          database: "postgres",
          sql: `SELECT ${fn}() AS n`,
        });
        refused(answer, /read-only transaction|transaction read-write mode/);
        ok(!text(answer).includes("is refused:"), `${fn}: refused by PostgreSQL, not the gate`);
        ok(!text(answer).includes("\n"), "one line");
      }
    } finally {
      await session.close();
      await databaseQueriesSettled();
    }
    assertEquals(await audit(), []);

    // a query file (PRICING_QUERIES_DIR) that calls it: the export stops in one line naming the
    // file, writes nothing to the database and no export file
    await Deno.mkdir(`${queries}/postgres`);
    await Deno.writeTextFile(
      `${queries}/postgres/prompts_created.sql`,
      "SELECT o.id::text AS org_id, pk_definer_write()::bigint AS prompts_created FROM organization o\n",
    );
    await rejects(
      quietLiveExport({
        env: { ...databases.env, PRICING_QUERIES_DIR: queries },
        outDir,
        formats: ["csv"],
        asOf: new Date("2026-11-01T00:00:00Z"),
      }),
      (error: Error) => {
        match(error.message, /prompts_created\.sql/);
        match(error.message, /cannot execute INSERT in a read-only transaction/);
        ok(!error.message.includes("\n"), "one line");
        return true;
      },
    );
    assertEquals(await audit(), []);
    assertEquals([...Deno.readDirSync(outDir)].filter((e) => !e.name.startsWith(".")), []);

    // the control: the same functions in a read-write transaction write (as their owner)
    for (const fn of ["pk_definer_write", "pk_definer_lift", "pk_definer_set"]) {
      await admin.query(`SELECT ${fn}()`);
    }
    assertEquals(await audit(), ["lift", "set", "write"]);
  } finally {
    await admin.end();
    await databases.drop();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(queries, { recursive: true });
    await Deno.remove(outDir, { recursive: true });
  }
});
