/**
 * ClickHouse functions that are not table functions yet reach other servers or change state,
 * which a readonly=2 session runs: 18.16's hasColumnInTable('host:port', …) opens a connection
 * from the database server to any host and port (with a user and password of the query's choice),
 * and modern servers' generateSerialID() advances a counter kept in Keeper (as PostgreSQL's
 * nextval). The read-only gate is what refuses them (lib/sources/statement_gate.ts).
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { checkReadOnlySelect, StatementRefused } from "../lib/sources/statement_gate.ts";
import { queryDatabase } from "../lib/mcp/sql.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { testServers } from "./env.ts";

/** A loopback listener counting the connections made to it. */
async function countingListener(): Promise<{ server: Server; port: number; count: () => number }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { server, port, count: () => connections };
}

Deno.test("database_sql refuses 18.16's hasColumnInTable('host:port', …), which connects the database server to any host and port", async () => {
  const listener = await countingListener();
  const databases = await freshFixtureDatabases("outbound");
  try {
    const servers = testServers();
    const reach =
      `SELECT hasColumnInTable('127.0.0.1:${listener.port}', 'kit', 'pw', 'default', 't', 'c') AS x`;
    // a readonly=2 session runs it: the server connects out (and fails on the listener's close)
    const answer = await fetch(
      `${servers.chUrl}/?readonly=2&query=${encodeURIComponent(reach)}`,
      { headers: { "X-ClickHouse-User": servers.chUser, "X-ClickHouse-Key": servers.chPassword } },
    );
    await answer.body?.cancel();
    assertEquals(listener.count() > 0, true, "18.16 connected out from a readonly=2 session");
    const before = listener.count();
    await rejects(
      queryDatabase(databases.env, { database: "clickhouse", sql: reach, maxRows: 10, maxMb: 1 }),
      new StatementRefused(
        "function hasColumnInTable() is refused: it reads files, reaches other servers or has side effects",
      ),
    );
    assertEquals(listener.count(), before, "nothing reached the listener through database_sql");
  } finally {
    listener.server.close();
    await databases.drop();
  }
});

Deno.test("the read-only gate refuses ClickHouse's hasColumnInTable and generateSerialID, in any spelling", () => {
  for (
    const [sql, name] of [
      ["SELECT hasColumnInTable('10.0.0.5:9000', 'default', 't', 'c') AS x", "hasColumnInTable"],
      ["SELECT HASCOLUMNINTABLE ('default', 't', 'c') AS x", "HASCOLUMNINTABLE"],
      ["SELECT `hasColumnInTable`('default', 't', 'c') AS x", "hasColumnInTable"],
      ["SELECT generateSerialID('orders') AS x", "generateSerialID"],
      ["SELECT number, generateSerialID('orders', 100) AS x FROM numbers(3)", "generateSerialID"],
    ]
  ) {
    let message = "accepted";
    try {
      checkReadOnlySelect(sql, "clickhouse");
    } catch (error) {
      if (!(error instanceof StatementRefused)) throw error;
      message = error.message;
    }
    assertEquals(
      message,
      `function ${name}() is refused: it reads files, reaches other servers or has side effects`,
      sql,
    );
  }
  // the schema question hasColumnInTable answers locally reads system.columns
  assertEquals(
    checkReadOnlySelect(
      "SELECT count() > 0 AS x FROM system.columns WHERE database = 'default' AND table = 't' AND name = 'c'",
      "clickhouse",
    ).length > 0,
    true,
  );
});
