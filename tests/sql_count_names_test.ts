/**
 * lib/mcp/sql_count_names.ts: query_sql's unaliased counts named `count` (Polars names them `len`
 * or after their column), aliases kept; and through Polars' SQLContext itself, what it names them.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { countColumnNames } from "../lib/mcp/sql_count_names.ts";

const frame = pl.DataFrame({ tier: ["free", "pro", "pro"], seats: [1, null, 3] });

/** The statement's columns as Polars names them, then as the kit names them. */
async function named(sql: string): Promise<[string[], string[]]> {
  const polars = (await pl.SQLContext({ t: frame }).execute(sql).collect()).columns;
  return [polars, countColumnNames(sql, polars)];
}

Deno.test("countColumnNames: count(*) and count(col) without an alias read count", async () => {
  assertEquals(await named("SELECT count(*) FROM t"), [["len"], ["count"]]);
  assertEquals(await named("select COUNT ( * ) from t"), [["len"], ["count"]]);
  assertEquals(await named("SELECT count(seats) FROM t"), [["seats"], ["count"]]);
  assertEquals(await named("SELECT tier, count(1) FROM t GROUP BY tier ORDER BY tier"), [
    ["tier", "len"],
    ["tier", "count"],
  ]);
  // a second count by its SQL text; DISTINCT before the list is not the item's
  assertEquals(await named("SELECT DISTINCT count(*), count(DISTINCT  tier) FROM t"), [
    ["len", "tier"],
    ["count", "count(DISTINCT tier)"],
  ]);
  assertEquals(await named("SELECT *, count(*) OVER () FROM t"), [
    ["tier", "seats", "len"],
    ["tier", "seats", "count"],
  ]);
  // a CTE's counts are not the answer's; the outer one is
  assertEquals(
    await named(
      "WITH c AS (SELECT tier, count(*) AS n FROM t GROUP BY tier) SELECT count(*) FROM c",
    ),
    [["len"], ["count"]],
  );
});

Deno.test("countColumnNames: aliases, other expressions and strings left as written", async () => {
  assertEquals(await named("SELECT count(*) AS n FROM t"), [["n"], ["n"]]);
  assertEquals(await named("SELECT count(*) n FROM t"), [["n"], ["n"]]);
  assertEquals(await named("SELECT count(*) AS len FROM t"), [["len"], ["len"]]);
  assertEquals(await named("SELECT count(*) + 1 FROM t"), [["len"], ["len"]]);
  assertEquals(await named("SELECT sum(seats) FROM t"), [["seats"], ["seats"]]);
  // a column already named count: the unaliased count by its text
  assertEquals(await named("SELECT count(*), tier AS count FROM t GROUP BY tier"), [
    ["len", "count"],
    ["count(*)", "count"],
  ]);
  // a count inside a longer expression is not the count: Polars' name stays
  assertEquals(await named("SELECT count(*) OVER () + 1 FROM t"), [["len"], ["len"]]);
  assertEquals(await named("SELECT 1 + count(*) FROM t"), [["literal"], ["literal"]]);
  // items that cannot be lined up with the columns (two wildcards; COLUMNS(…) giving two): as
  // Polars names them, not a count's name put on another column
  assertEquals(
    await named("SELECT a.*, b.*, count(*) OVER () FROM t a JOIN t b ON a.tier = b.tier"),
    [["tier", "seats", "tier:b", "seats:b", "len"], ["tier", "seats", "tier:b", "seats:b", "len"]],
  );
  assertEquals(await named("SELECT COLUMNS('^(tier|seats)$'), count(*) OVER () FROM t"), [
    ["tier", "seats", "len"],
    ["tier", "seats", "len"],
  ]);
  // "count(*)" inside a string is no item
  assertEquals(await named("SELECT 'count(*), x' AS label FROM t LIMIT 1"), [["label"], [
    "label",
  ]]);
});
