/**
 * A table given to query_sql's process in pieces (lib/mcp/sql_process.ts, PiecewiseTable: the
 * history table, a snapshot at a time): each piece is written to a file before the next is made,
 * the process reads the files as one table, and they are written once.
 * Three pieces by hand:
 *
 *   x    y
 *   1    a     piece 0
 *   2    b     piece 0
 *   3    c     piece 1
 *   4.5  null  piece 2 (a float: the join takes the wider type, as the history's did)
 *
 * By hand: 4 rows, sum(x) = 1 + 2 + 3 + 4.5 = 10.5, 3 values of y.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import pl from "nodejs-polars";
import { FrameSqlProcess, type PiecewiseTable } from "../lib/mcp/sql_process.ts";
import { LIMITS } from "./mcp_sql_fixture.ts";

const PIECES = [
  { x: [1, 2], y: ["a", "b"] },
  { x: [3], y: ["c"] },
  { x: [4.5], y: [null] },
];

Deno.test("query_sql: a table given in pieces is written a piece at a time, read as one, and written once", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "mcp_sql_pieces_" });
  const before = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp); // (the process's tables' folder is made in it)
  const sql = new FrameSqlProcess();
  try {
    const filesNow = () =>
      [...Deno.readDirSync(tmp)].flatMap((folder) =>
        [...Deno.readDirSync(`${tmp}/${folder.name}`)].map((file) => file.name)
      ).sort();
    const made: string[][] = [];
    const table: PiecewiseTable = {
      *pieces() {
        for (const piece of PIECES) {
          // the files there as each piece is made: the one before it written already
          made.push(filesNow());
          yield pl.DataFrame(piece);
        }
      },
    };
    const tables = { history: table };
    const statement = "SELECT count(*) AS n, sum(x) AS total, count(y) AS ys FROM history";
    const answer = await sql.query(tables, statement, LIMITS);
    ok(answer.ok, JSON.stringify(answer));
    assertEquals(answer.rows, [{ n: 4, total: 10.5, ys: 3 }]);
    assertEquals(made.length, 3);
    assertEquals(made[0], []);
    assertEquals(made[1].filter((name) => /\.parquet\.\d+$/.test(name)).length, 1, `${made[1]}`);
    assertEquals(made[2].filter((name) => /\.parquet\.\d+$/.test(name)).length, 2, `${made[2]}`);
    // the three pieces' files are the table's
    assertEquals(
      filesNow().filter((name) => /\.parquet\.[0-2]$/.test(name)).length,
      3,
      `${filesNow()}`,
    );
    assertEquals(filesNow().length, 3, `${filesNow()}`);
    // a second statement reads the same file: no piece is made again
    const again = await sql.query(tables, "SELECT max(x) AS top FROM history", LIMITS);
    ok(again.ok, JSON.stringify(again));
    assertEquals(again.rows, [{ top: 4.5 }]);
    assertEquals(made.length, 3);
  } finally {
    await sql.close();
    if (before === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", before);
    await Deno.remove(tmp, { recursive: true });
  }
});
