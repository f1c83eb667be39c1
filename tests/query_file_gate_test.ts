/**
 * Query files are held to database_sql's read-only gate (lib/sources/statement_gate.ts) as they
 * are read (lib/sources/sql.ts loadSql): the databases' read-only sessions let a KILL (ClickHouse
 * readonly=2), url() (the server fetched the URL) and pg_read_file() (a READ ONLY transaction
 * reads files) run, so a PRICING_QUERIES_DIR file holding one is refused, in one line naming it,
 * before any connection is made and with nothing published; so is a ClickHouse SETTINGS clause,
 * which a readonly=1 profile refuses.
 */
import { fileURLToPath } from "node:url";
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { loadSql } from "../lib/sources/sql.ts";

const CLI = fileURLToPath(new URL("../lib/cli/export.ts", import.meta.url));

/** [engine/name.sql, text, the gate's reason] of files the gate refuses. */
const REFUSED: [string, string, string][] = [
  [
    "clickhouse/usage_30d.sql",
    "KILL QUERY WHERE user = 'nobody'",
    "only SELECT statements are allowed (read-only); KILL is refused",
  ],
  [
    "clickhouse/usage_30d.sql",
    "SELECT org_id FROM url('http://127.0.0.1:9/x', CSV, 'org_id String')",
    "function url() is refused: it reads files, reaches other servers or has side effects",
  ],
  [
    "clickhouse/ptb_spend.sql",
    "SELECT organization_id AS org_id FROM remote('127.0.0.1', system.one)",
    "function remote() is refused: it reads files, reaches other servers or has side effects",
  ],
  [
    // a readonly=1 profile (production's) refuses every setting sent with a query: it would pass
    // on the test servers and fail only there
    "clickhouse/ptb_spend.sql",
    "SELECT toString(organization_id) AS org_id, toString(sum(spend)) AS ptb_spend_nano\n" +
    "FROM organization_ptb_spend GROUP BY organization_id\nSETTINGS max_threads = 1",
    "a SETTINGS clause is refused: the session's limits (readonly, max_execution_time) hold for every statement, and a readonly=1 profile refuses every setting sent with a query; remove it (quote a column named settings as `settings`)",
  ],
  [
    "postgres/prompts_created.sql",
    "SELECT NULL::text AS org_id, length(pg_read_file('PG_VERSION'))::bigint AS prompts_created",
    "function pg_read_file() is refused: it reads files, reaches other servers or has side effects",
  ],
  [
    "postgres/organizations.sql",
    "SELECT set_config('default_transaction_read_only', 'off', false) AS org_id",
    "function set_config() is refused: it reads files, reaches other servers or has side effects",
  ],
];

async function queriesDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${path.split("/")[0]}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${path}`, text);
  }
  return dir;
}

Deno.test("a query file the read-only gate refuses is one line naming it, as it is read", async () => {
  for (const [path, text, reason] of REFUSED) {
    const dir = await queriesDir({ [path]: text });
    try {
      const [engine, file] = path.split("/") as ["postgres" | "clickhouse", string];
      await rejects(loadSql(engine, file.replace(/\.sql$/, ""), { queriesDir: dir }), {
        name: "UserError",
        message: `${dir}/${path} (from PRICING_QUERIES_DIR): ${reason}; fix the file`,
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  // a second statement: said as the statement count says it
  const dir = await queriesDir({ "postgres/organizations.sql": "SELECT 1 AS org_id; SELECT 2" });
  try {
    await rejects(loadSql("postgres", "organizations", { queriesDir: dir }), {
      name: "UserError",
      message:
        `${dir}/postgres/organizations.sql holds 2 SQL statements; a query file must hold exactly one (remove the others and the ';' between them)`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the kit's own query files pass the gate; its KILL and transaction settings are read from queries/ only", async () => {
  const names = {
    postgres: ["organizations", "prompts_created", "role_privileges", "granted_columns"],
    clickhouse: ["usage_30d", "ptb_spend", "profile_readonly", "profile_readonly_legacy"],
  };
  for (const [engine, list] of Object.entries(names) as ["postgres" | "clickhouse", string[]][]) {
    for (const name of list) {
      assertEquals((await loadSql(engine, name)).file, `queries/${engine}/${name}.sql`);
    }
  }
  // the KILL that stops the kit's own query on an interrupt, and the READ ONLY transaction each
  // PostgreSQL query runs in with its timeout, are no SELECT: read without the gate, and only the
  // built-in files, whatever PRICING_QUERIES_DIR holds (a `SELECT 1` for BEGIN READ ONLY would
  // lift read-only, a timeout of '0' the time limit)
  const kit: [string, string][] = [
    ["clickhouse/kill_query", "KILL QUERY WHERE query_id = {query_id:String} ASYNC"],
    ["postgres/begin_read_only", "BEGIN READ ONLY"],
    ["postgres/commit", "COMMIT"],
    ["postgres/rollback", "ROLLBACK"],
    [
      "postgres/statement_timeout",
      "SELECT set_config('statement_timeout', {statement_timeout_ms:String}, true) AS statement_timeout,\n  current_user AS role",
    ],
    [
      "postgres/utc_iso_dates",
      "SELECT set_config('TimeZone', 'UTC', true) AS time_zone,\n  set_config('DateStyle', 'ISO, MDY', true) AS date_style",
    ],
  ];
  const dir = await queriesDir({
    "clickhouse/kill_query.sql": "KILL QUERY WHERE user = 'nobody'",
    "postgres/begin_read_only.sql": "SELECT 1",
    "postgres/commit.sql": "SELECT 1",
    "postgres/rollback.sql": "SELECT 1",
    "postgres/statement_timeout.sql": "SELECT set_config('statement_timeout', '0', true) AS role",
    "postgres/utc_iso_dates.sql": "SELECT set_config('TimeZone', 'Pacific/Kiritimati', true)",
  });
  try {
    for (const [path, statement] of kit) {
      const [engine, name] = path.split("/") as ["postgres" | "clickhouse", string];
      for (const override of [undefined, dir]) {
        const sql = await loadSql(engine, name, { queriesDir: override });
        assertEquals(sql.file, `queries/${path}.sql`);
        assertEquals(
          sql.text.split("\n").filter((line) => !line.startsWith("--")).join("\n"),
          `${statement}\n`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A TCP port that counts the connections made to it and closes each at once. */
function countingPort(): { port: number; connections: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  (async () => {
    for await (const connection of listener) {
      connections++;
      connection.close();
    }
  })().catch(() => {}); // (ends when the listener is closed)
  return {
    port: listener.addr.port,
    connections: () => connections,
    close: () => listener.close(),
  };
}

Deno.test("deno task export with a refused query file: exit 1, one line, no connection made, nothing written", async () => {
  const pgPort = countingPort();
  const chPort = countingPort();
  try {
    for (const [path, text, reason] of REFUSED) {
      const dir = await queriesDir({ [path]: text });
      const out = await Deno.makeTempDir();
      try {
        const output = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", CLI, "--env-file", "/dev/null", "--out-dir", out],
          env: {
            NO_COLOR: "1",
            PRICING_PG_URL: `postgres://reader:secret@127.0.0.1:${pgPort.port}/postgres`,
            PRICING_CH_URL: `http://127.0.0.1:${chPort.port}`,
            PRICING_QUERIES_DIR: dir,
          },
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stderr = new TextDecoder().decode(output.stderr);
        assertEquals(output.code, 1, stderr);
        assertEquals(
          stderr,
          `error: ${dir}/${path} (from PRICING_QUERIES_DIR): ${reason}; fix the file\n`,
        );
        assertEquals([...Deno.readDirSync(out)], [], "nothing written");
      } finally {
        await Deno.remove(dir, { recursive: true });
        await Deno.remove(out, { recursive: true });
      }
    }
    assertEquals({ postgres: pgPort.connections(), clickhouse: chPort.connections() }, {
      postgres: 0,
      clickhouse: 0,
    });
  } finally {
    pgPort.close();
    chPort.close();
  }
});
