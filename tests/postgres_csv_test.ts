/**
 * COPY … TO STDOUT on the real PostgreSQL of `deno task test` (lib/sources/postgres_csv.ts
 * copyOut, through pg-copy-streams): rows of every length and character spooled byte for byte,
 * notices raised among the rows left out, an error mid-copy rejecting with PostgreSQL's message,
 * the connection usable after each; a connection already lost failing the COPY, not the process.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import pg from "pg";
import { copyOut } from "../lib/sources/postgres_csv.ts";
import { testServers } from "./env.ts";

/** A client of the test server, outside any read-only transaction (it makes a temp function). */
async function withClient(work: (client: pg.Client, dir: string) => Promise<void>) {
  const client = new pg.Client({ connectionString: testServers().pgUrl });
  const dir = await Deno.makeTempDir();
  await client.connect();
  try {
    await work(client, dir);
  } finally {
    await client.end();
    await Deno.remove(dir, { recursive: true });
  }
}

/** What copyOut spools for `statement`, as text. */
async function copied(client: pg.Client, statement: string, path: string): Promise<string> {
  await copyOut(client as unknown as pg.PoolClient, { statement, path });
  return await Deno.readTextFile(path);
}

Deno.test("COPY: 20,000 rows of every length spooled byte for byte, notices among them left out, the connection usable after", async () => {
  await withClient(async (client, dir) => {
    // a row's text: its number, quotes, a comma, a newline, non-ASCII and i % 700 x's; a notice
    // every 5,000 rows arrives among the rows' messages
    await client.query(`CREATE FUNCTION pg_temp.noisy(i int) RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        IF i % 5000 = 0 THEN RAISE NOTICE 'row %', i; END IF;
        RETURN i || ' "q", é 日本
' || repeat('x', i % 700);
      END $$`);
    const csv = await copied(
      client,
      "COPY (SELECT i, pg_temp.noisy(i) AS t FROM generate_series(1, 20000) i) TO STDOUT WITH (FORMAT csv, HEADER true)",
      `${dir}/rows.csv`,
    );
    const expected = ["i,t\n"];
    for (let i = 1; i <= 20_000; i++) {
      expected.push(`${i},"${i} ""q"", é 日本\n${"x".repeat(i % 700)}"\n`);
    }
    assertEquals(csv, expected.join(""));
    // pg read what followed the copy (CommandComplete, ReadyForQuery): the next query is answered
    assertEquals((await client.query("SELECT 41 + 1 AS n")).rows, [{ n: 42 }]);
  });
});

Deno.test("COPY: an error mid-copy rejects with PostgreSQL's message; the connection is usable after", async () => {
  await withClient(async (client, dir) => {
    await rejects(
      copied(
        client,
        "COPY (SELECT 1 / (i - 15000) FROM generate_series(1, 20000) i) TO STDOUT",
        `${dir}/failed.csv`,
      ),
      /division by zero/,
    );
    assertEquals((await client.query("SELECT 'still here' AS s")).rows, [{ s: "still here" }]);
  });
});

Deno.test("COPY: on a connection already lost, copyOut rejects with pg's error and nothing is uncaught", async () => {
  await withClient(async (admin, dir) => {
    const client = new pg.Client({ connectionString: testServers().pgUrl });
    await client.connect();
    const lost = Promise.withResolvers<Error>();
    client.on("error", lost.resolve);
    const { rows } = await client.query("SELECT pg_backend_pid() AS pid");
    await admin.query("SELECT pg_terminate_backend($1)", [rows[0].pid]);
    await lost.promise; // the server's FATAL read: the client is no longer queryable
    // pg fails the COPY on the next tick, before spool (which opens its file first) reads it:
    // without copyOut's own 'error' listener that was an uncaught error, ending the process
    await rejects(
      copied(
        client,
        "COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER true)",
        `${dir}/lost.csv`,
      ),
      /not queryable/,
    );
    await client.end().catch(() => {});
  });
});
