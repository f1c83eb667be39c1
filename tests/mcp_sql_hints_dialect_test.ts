/**
 * lib/mcp/sql_hints.ts' dialectHint through query_sql, over stdio with the SDK's client: what
 * Polars SQL lacks and an analyst writes first (a subquery as a value, EXISTS, percentile_cont,
 * date_trunc, now()) is refused with what to write instead. Polars' words alone were
 * `subquery comparisons with '/' are not supported`, `unexpected subquery`, `unsupported function
 * 'percentile_cont'`, or for EXISTS a 1,800-byte dump of the parsed statement; now() has no
 * meaning here besides: the data is as of its export, not now. A time compared as the tools print
 * it (`'2026-10-30T00:00:00Z'`) read `cannot compare 'date/datetime/time' to a string value`.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { call, exportsFolder, refused, stdioClient, text } from "./mcp_client.ts";
import { dialectHint } from "../lib/mcp/sql_hints.ts";
import pl from "nodejs-polars";

const SUBQUERY = "(Polars SQL takes a subquery in FROM, WITH and IN (SELECT …) only, not as a " +
  "value: put a total in a WITH and join it, WITH t AS (SELECT sum(mrr) AS total FROM " +
  "pricing_data) SELECT org_name, mrr / t.total * 100 AS share FROM pricing_data CROSS JOIN t, " +
  "or use a window, sum(mrr) OVER (); a value per row of another table is a JOIN)";

/** The refusal's text after the error's fixed start. */
function reason(message: string): string {
  const start = "error: the query failed in Polars SQL: ";
  ok(message.startsWith(start), message);
  return message.slice(start.length);
}

Deno.test("query_sql: what Polars SQL lacks is refused with what to write instead", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_hints_dialect_test_" });
  await writeCsvFile(
    exportFrameFromColumns({
      org_id: ["a", "b", "c", "d"],
      org_name: ["Acme", "Bravo", "Charlie", "Delta"],
      tier: ["pro", "pro", "free", "team"],
      created_at: [
        new Date("2026-01-05T00:00:00Z"),
        new Date("2026-08-20T00:00:00Z"),
        new Date("2026-10-01T00:00:00Z"),
        new Date("2026-10-30T00:00:00Z"),
      ],
      mrr: [100, 20, 0, 80],
    }),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  const sql = async (statement: string) => {
    const result = await call(client, "query_sql", { sql: statement });
    refused(result, /./);
    return reason(text(result));
  };
  try {
    assertEquals(
      await sql(
        "SELECT org_name, mrr / (SELECT sum(mrr) FROM pricing_data) AS s FROM pricing_data",
      ),
      `subquery comparisons with '/' are not supported ${SUBQUERY}`,
    );
    assertEquals(
      await sql(
        "SELECT org_name FROM pricing_data WHERE mrr > (SELECT avg(mrr) FROM pricing_data)",
      ),
      `subquery comparisons with '\\u003e' are not supported ${SUBQUERY}`,
    );
    assertEquals(
      await sql("SELECT (SELECT count(*) FROM pricing_data) AS n"),
      `unexpected subquery ${SUBQUERY}`,
    );
    // the advice's own statement answers: 100 of 200
    const advised = await call(client, "query_sql", {
      sql: "WITH t AS (SELECT sum(mrr) AS total FROM pricing_data) SELECT org_name, " +
        "mrr / t.total * 100 AS share FROM pricing_data CROSS JOIN t ORDER BY share DESC LIMIT 1",
    });
    assertEquals(advised.structuredContent!.rows, [{ org_name: "Acme", share: 50 }]);

    // EXISTS: one short line, not Polars' dump of the statement
    assertEquals(
      await sql(
        "SELECT org_name FROM pricing_data p WHERE EXISTS " +
          "(SELECT 1 FROM pricing_data q WHERE q.tier = p.tier AND q.org_id <> p.org_id)",
      ),
      "expression Exists is not currently supported (write x IN (SELECT …) or a JOIN)",
    );

    const quantile = "(a quantile is quantile_cont(x, 0.9) or quantile_disc(x, 0.9), the " +
      "median median(x))";
    assertEquals(
      await sql("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY mrr) FROM pricing_data"),
      `unsupported function 'percentile_cont' ${quantile}`,
    );
    assertEquals(
      await sql("SELECT approx_percentile(mrr, 0.9) FROM pricing_data"),
      `unsupported function 'approx_percentile' ${quantile}`,
    );
    const median = await call(client, "query_sql", {
      sql: "SELECT quantile_cont(mrr, 0.5) AS q, median(mrr) AS m FROM pricing_data",
    });
    assertEquals(median.structuredContent!.rows, [{ q: 50, m: 50 }]);

    assertEquals(
      await sql(
        "SELECT date_trunc('month', created_at) AS m, count(*) FROM pricing_data GROUP BY 1",
      ),
      "unsupported function 'date_trunc' (a month is strftime(created_at, '%Y-%m'); " +
        "date_part('month', created_at) and EXTRACT(year FROM created_at) work too)",
    );
    const months = await call(client, "query_sql", {
      sql: "SELECT strftime(created_at, '%Y-%m') AS m, count(*) AS n FROM pricing_data " +
        "GROUP BY m ORDER BY m",
    });
    assertEquals(months.structuredContent!.rows, [
      { m: "2026-01", n: 1 },
      { m: "2026-08", n: 1 },
      { m: "2026-10", n: 2 },
    ]);

    // now() is not the data's time: its as-of is (no manifest: the file's date, 00:00 UTC)
    const asOf = "(the data is as of 2026-11-01T00:00:00.000Z (describe_dataset), not now: " +
      "write a time as a literal, e.g. created_at BETWEEN '2026-08-03' AND " +
      "'2026-11-01 00:00:00.000' for the 90 days before it)";
    assertEquals(
      await sql("SELECT count(*) FROM pricing_data WHERE created_at > now() - INTERVAL '90 days'"),
      `unsupported function 'now' ${asOf}`,
    );
    assertEquals(
      await sql("SELECT count(*) FROM pricing_data WHERE created_at > current_date - 90"),
      `unsupported function 'current_date' ${asOf}`,
    );
    const recent = await call(client, "query_sql", {
      sql: "SELECT count(*) AS n FROM pricing_data WHERE created_at BETWEEN '2026-08-03' AND " +
        "'2026-11-01 00:00:00.000'",
    });
    assertEquals(recent.structuredContent!.rows, [{ n: 3 }]);

    // a time as the tools print it, with its Z: how to write it (a literal in UTC, no zone)
    assertEquals(
      await sql("SELECT count(*) AS n FROM pricing_data WHERE created_at < '2026-10-30T00:00:00Z'"),
      "cannot compare 'date/datetime/time' to a string value (write a time without its zone, " +
        "in UTC: '2026-10-30 00:00:00' or '2026-10-30T00:00:00.000', or a date alone, " +
        "'2026-10-30'; a Z or +00:00 at its end is not read)",
    );
    for (const time of ["'2026-10-30 00:00:00'", "'2026-10-30T00:00:00.000'", "'2026-10-30'"]) {
      const before = await call(client, "query_sql", {
        sql: `SELECT count(*) AS n FROM pricing_data WHERE created_at < ${time}`,
      });
      assertEquals(before.structuredContent!.rows, [{ n: 3 }], time); // Delta's is at it
    }

    // a function Polars lacks that has no advice: its words as they were
    assertEquals(
      await sql("SELECT ntile(4) OVER (ORDER BY mrr) AS q FROM pricing_data"),
      "unsupported function 'ntile'",
    );
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("dialectHint: ROLLUP and its kin, datediff and a DECIMAL result, with what to write instead", () => {
  const asOf = { asOf: new Date("2026-11-01T00:00:00Z") };
  // Polars' words for each (its dump of the parsed expression, from query_sql on the demo)
  assertEquals(
    dialectHint(
      'expression Rollup([[Identifier(Ident { value: "tier", quote_style: None, span: ' +
        "Span(Location(1,57)..Location(1,61)) })]]) is not currently supported",
      asOf,
    ),
    "expression Rollup is not currently supported (a total row is a UNION ALL of the same " +
      "SELECT without its GROUP BY)",
  );
  assertEquals(
    dialectHint(
      'expression GroupingSets([[Identifier(Ident { value: "tier" })], []]) is not currently ' +
        "supported",
      asOf,
    ),
    "expression GroupingSets is not currently supported (a total row is a UNION ALL of the " +
      "same SELECT without its GROUP BY)",
  );
  // an expression without advice: its name alone
  assertEquals(
    dialectHint("expression Lambda { params: [x] } is not currently supported", asOf),
    "expression Lambda is not currently supported",
  );
  assertEquals(
    dialectHint("unsupported function 'datediff'", asOf),
    "unsupported function 'datediff' (days between two times are (EXTRACT(epoch FROM b) - " +
      "EXTRACT(epoch FROM a)) / 86400)",
  );
  const decimal =
    "Decimal is not supported, please convert to string or number before collecting to js";
  assertEquals(
    dialectHint(decimal, asOf),
    `${decimal} (a DECIMAL or NUMERIC result cannot be returned: round(x, 2) keeps a number, ` +
      "and CAST(x AS DOUBLE) casts to one)",
  );
  // the same words inside a longer message are not these refusals
  assertEquals(
    dialectHint("x: unsupported function 'datediff'", asOf),
    "x: unsupported function 'datediff'",
  );
  assertEquals(dialectHint("x: unexpected subquery", asOf), "x: unexpected subquery");
  // an expression's words followed by more are not its refusal: kept whole, not cut to its name
  const followed = "expression Exists { negated: false } is not currently supported; more";
  assertEquals(dialectHint(followed, asOf), followed);
});

Deno.test("query_sql: a DECIMAL result and ROLLUP through the SDK, and the advice's forms answering", async () => {
  const { dir } = await exportsFolder();
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    const decimal = await call(client, "query_sql", {
      sql: "SELECT round(mrr::numeric, 2) AS r FROM pricing_data",
    });
    refused(
      decimal,
      /\(a DECIMAL or NUMERIC result cannot be returned: round\(x, 2\) keeps a number/,
    );
    const rollup = await call(client, "query_sql", {
      sql: "SELECT tier, sum(mrr) AS mrr FROM pricing_data GROUP BY ROLLUP(tier)",
    });
    refused(rollup, /: expression Rollup is not currently supported \(a total row is a UNION ALL/);
    // the advice: groups and the total row, which adds up to them
    const total = await call(client, "query_sql", {
      sql: "SELECT tier, sum(mrr) AS mrr FROM pricing_data GROUP BY tier UNION ALL " +
        "SELECT 'all' AS tier, sum(mrr) AS mrr FROM pricing_data",
    });
    const rows = total.structuredContent!.rows as { tier: string; mrr: number }[];
    const all = rows.find((row) => row.tier === "all")!.mrr;
    const tiers = rows.filter((row) => row.tier !== "all").reduce((sum, row) => sum + row.mrr, 0);
    ok(Math.abs(all - tiers) < 1e-6, `${all} vs ${tiers}`);
    const rounded = await call(client, "query_sql", {
      sql:
        "SELECT round(1.005 * 100, 2) AS r, CAST(seats AS DOUBLE) AS d FROM pricing_data LIMIT 1",
    });
    ok(!rounded.isError, text(rounded));
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("query_sql with no readable export: its one line, and the server answers the next call", async () => {
  // the as-of a refused now() is told of is read from the served data, which fails to load here:
  // unread, its rejection went unhandled and ended the server (the client saw "Connection closed")
  const dir = await Deno.makeTempDir({ prefix: "mcp_sql_hints_dialect_test_" });
  await Deno.writeTextFile(join(dir, "helicone_pricing_data_2026-11-01.csv"), "");
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  try {
    for (const sql of ["SELECT 1 AS x FROM pricing_data", "SELECT now() AS t FROM pricing_data"]) {
      refused(
        await call(client, "query_sql", { sql }),
        /helicone_pricing_data_2026-11-01\.csv is empty; not an export of this kit/,
      );
    }
    refused(await call(client, "describe_dataset"), /is empty; not an export of this kit/);
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Polars SQL's own refusal of `statement` over a one-row table t (as lib/mcp/sql_child.ts reads it). */
function polarsRefusal(statement: string): string {
  const frame = pl.DataFrame({ created_at: [new Date("2026-01-05T00:00:00Z")], mrr: [1] });
  const planned = pl.SQLContext({ t: frame }).execute(statement);
  const inner = (planned as unknown as { _ldf?: unknown })._ldf;
  ok(inner instanceof Error, `Polars SQL took ${statement}`);
  return inner.message;
}

Deno.test("dialectHint: every spelling of the present moment and of a percentile Polars SQL refuses is answered; the as-of not known, a literal is asked for", () => {
  const asOf = { asOf: new Date("2026-11-01T00:00:00Z") };
  const now = "(the data is as of 2026-11-01T00:00:00.000Z (describe_dataset), not now: write a " +
    "time as a literal, e.g. created_at BETWEEN '2026-08-03' AND '2026-11-01 00:00:00.000' for " +
    "the 90 days before it)";
  for (
    const [statement, name] of [
      ["SELECT count(*) FROM t WHERE created_at > now()", "now"],
      ["SELECT count(*) FROM t WHERE created_at > current_date", "current_date"],
      ["SELECT count(*) FROM t WHERE created_at > current_timestamp", "current_timestamp"],
      ["SELECT count(*) FROM t WHERE created_at > today()", "today"],
      ["SELECT count(*) FROM t WHERE created_at > getdate()", "getdate"],
    ]
  ) {
    const refusal = polarsRefusal(statement);
    assertEquals(refusal, `unsupported function '${name}'`);
    assertEquals(dialectHint(refusal, asOf), `${refusal} ${now}`);
  }
  // a server whose data did not load: no as-of to name
  assertEquals(
    dialectHint("unsupported function 'now'", { asOf: null }),
    "unsupported function 'now' (the data is as of its export (describe_dataset), not now: " +
      "write a time as a literal, e.g. created_at BETWEEN '2026-01-01' AND '2026-03-31')",
  );
  const quantile = "(a quantile is quantile_cont(x, 0.9) or quantile_disc(x, 0.9), the median " +
    "median(x))";
  for (
    const statement of [
      "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY mrr) FROM t",
      "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY mrr) FROM t",
      "SELECT percentile(mrr, 0.5) FROM t",
      "SELECT percentile_approx(mrr, 0.5) FROM t",
      "SELECT approx_percentile(mrr, 0.5) FROM t",
      "SELECT approx_quantile(mrr, 0.5) FROM t",
      "SELECT quantile(mrr, 0.5) FROM t",
    ]
  ) {
    const refusal = polarsRefusal(statement);
    assertEquals(dialectHint(refusal, asOf), `${refusal} ${quantile}`, statement);
  }
});
