import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import {
  bindClickHouse,
  bindPostgres,
  bindPostgresLiterals,
  checkQueriesDir,
  isBuiltInQueryFile,
  loadSql,
  type SqlFile,
  sqlPlaceholders,
} from "../lib/sources/sql.ts";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const sql = (text: string): SqlFile => ({ file: "queries/test.sql", text, sha256: "" });
const asOf = new Date("2026-11-01T00:00:00Z");
const start = new Date("2026-10-02T00:00:00Z");

Deno.test("bindClickHouse inlines instants as UTC DateTime literals and quotes identifiers", () => {
  const text = bindClickHouse(
    sql("SELECT 1 FROM {t:Identifier} WHERE x >= {a:DateTime} AND x < {b:DateTime}"),
    { t: "db.request_response_rmt", a: start, b: asOf },
  );
  assertEquals(
    text,
    "SELECT 1 FROM `db`.`request_response_rmt` WHERE x >= toDateTime('2026-10-02 00:00:00', 'UTC') AND x < toDateTime('2026-11-01 00:00:00', 'UTC')",
  );
});

Deno.test("bindPostgres numbers each parameter once and binds dates as timestamptz", () => {
  const bound = bindPostgres(
    sql("SELECT {a:DateTime}, {b:DateTime}, {a:DateTime} FROM {t:Identifier}"),
    { a: start, b: asOf, t: "auth.users" },
  );
  assertEquals(
    bound.text,
    'SELECT $1::timestamptz, $2::timestamptz, $1::timestamptz FROM "auth"."users"',
  );
  assertEquals(bound.values, [start, asOf]);
});

Deno.test("binding refuses a missing parameter, a bad date and an identifier with SQL in it", () => {
  assertThrows(() => bindClickHouse(sql("{a:DateTime}"), {}), /needs parameter \{a:DateTime\}/);
  assertThrows(() => bindClickHouse(sql("{a:DateTime}"), { a: new Date("x") }), /valid date/);
  assertThrows(
    () => bindPostgres(sql("{t:Identifier}"), { t: "users; DROP TABLE x" }),
    /must be a table name/,
  );
  assertThrows(() => sqlPlaceholders("{a:Text}"), /unsupported placeholder type/);
  assertThrows(
    () => bindClickHouse(sql("{q:String}"), { q: "x' OR 1 = 1 --" }),
    /parameter q must be letters, digits, - and _/,
  );
});

Deno.test("a String parameter (a query id the kit made) is a plain literal on both engines", () => {
  const id = "5f0c-id_9";
  assertEquals(
    bindClickHouse(sql("KILL QUERY WHERE query_id = {q:String}"), { q: id }),
    `KILL QUERY WHERE query_id = '${id}'`,
  );
  assertEquals(bindPostgres(sql("SELECT {q:String}"), { q: id }), {
    text: "SELECT $1::text",
    values: [id],
  });
  assertEquals(bindPostgresLiterals(sql("SELECT {q:String}"), { q: id }), `SELECT '${id}'::text`);
});

Deno.test("every built-in query file opens with a comment naming what it answers, parameters and output", async () => {
  for (
    const [engine, names] of [
      ["postgres", ["organizations", "prompts_created"]],
      ["clickhouse", ["usage_30d", "ptb_spend"]],
    ] as const
  ) {
    for (const name of names) {
      const file = await loadSql(engine, name);
      assertEquals(file.file, `queries/${engine}/${name}.sql`);
      const header = file.text.split("\n").filter((l) => l.startsWith("--")).join("\n");
      for (const part of ["What:", "Parameters:", "Output:"]) {
        assertEquals(header.includes(part), true, `${file.file} header lacks ${part}`);
      }
      assertEquals(file.sha256.length, 64);
    }
  }
});

Deno.test("a query file in the override folder replaces the built-in one", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/postgres`);
  await Deno.writeTextFile(`${dir}/postgres/prompts_created.sql`, "-- custom\nSELECT 1");
  const custom = await loadSql("postgres", "prompts_created", { queriesDir: dir });
  assertEquals(custom.text, "-- custom\nSELECT 1");
  const builtIn = await loadSql("postgres", "organizations", { queriesDir: dir });
  assertEquals(builtIn.file, "queries/postgres/organizations.sql");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("PRICING_QUERIES_DIR relative and under the kit's queries/: its files are named as its own, not the kit's", async () => {
  const kitQueries = fileURLToPath(new URL("../queries/", import.meta.url));
  const dir = await Deno.makeTempDir({ dir: kitQueries, prefix: ".test_queries_dir_" });
  try {
    // as an operator sets it from the kit's folder: `PRICING_QUERIES_DIR=queries/custom`
    const queriesDir = relative(Deno.cwd(), dir);
    assertEquals(
      queriesDir.startsWith("queries/"),
      true,
      `run from the kit's folder: ${queriesDir}`,
    );
    await Deno.mkdir(`${dir}/postgres`);
    await Deno.writeTextFile(`${dir}/postgres/prompts_created.sql`, "-- custom\nSELECT 1");
    const custom = await loadSql("postgres", "prompts_created", { queriesDir });
    assertEquals(custom.file, resolve(dir, "postgres/prompts_created.sql"));
    assertEquals(isBuiltInQueryFile(custom.file), false);
    // the read-only gate names where the file came from
    await Deno.writeTextFile(`${dir}/postgres/prompts_created.sql`, "DELETE FROM t");
    await assertRejects(loadSql("postgres", "prompts_created", { queriesDir }), (error: Error) => {
      assertEquals(
        error.message.includes("prompts_created.sql (from PRICING_QUERIES_DIR): "),
        true,
      );
      return true;
    });
    // the kit's own file, beside it, is still its own
    const kit = await loadSql("postgres", "organizations", { queriesDir });
    assertEquals([kit.file, isBuiltInQueryFile(kit.file)], [
      "queries/postgres/organizations.sql",
      true,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PRICING_QUERIES_DIR: a missing folder is an error; a .sql file replacing no query a warning", async () => {
  const dir = await Deno.makeTempDir();
  const queries = { postgres: ["organizations"], clickhouse: ["usage_30d"] };
  try {
    await assertRejects(checkQueriesDir(`${dir}/missing`, queries), {
      message:
        `PRICING_QUERIES_DIR ${dir}/missing does not exist; point it at a folder holding postgres/ and clickhouse/ SQL files, or unset it`,
    });
    // written ~/… in a .env, where no shell expands it: the full path to give instead
    const home = Deno.env.get("HOME") || Deno.env.get("USERPROFILE");
    const full = home ? JSON.stringify(`${home}/my-queries`) : "the full path";
    await assertRejects(checkQueriesDir("~/my-queries", queries), {
      message:
        `PRICING_QUERIES_DIR ~/my-queries starts with ~, which only a shell expands to the home folder; set PRICING_QUERIES_DIR to ${full}`,
    });
    await Deno.mkdir(`${dir}/postgres`);
    await Deno.writeTextFile(`${dir}/postgres/organizations.sql`, "select 1");
    await Deno.writeTextFile(`${dir}/postgres/organisations.sql`, "select 1");
    await Deno.writeTextFile(`${dir}/usage_30d.sql`, "select 1");
    await Deno.writeTextFile(`${dir}/postgres/notes.txt`, "not SQL");
    assertEquals(await checkQueriesDir(dir, queries), [
      `PRICING_QUERIES_DIR: ${dir}/postgres/organisations.sql replaces no query (the postgres ones: organizations); it is not run`,
      `PRICING_QUERIES_DIR: ${dir}/usage_30d.sql is not in postgres/ or clickhouse/, so it replaces no query`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PRICING_QUERIES_DIR: an upper-case .SQL is warned of with the name the kit opens", async () => {
  const dir = await Deno.makeTempDir();
  const queries = { postgres: ["prompts_created"], clickhouse: ["usage_30d"] };
  try {
    await Deno.mkdir(`${dir}/postgres`);
    await Deno.writeTextFile(`${dir}/postgres/prompts_created.SQL`, "select 1");
    await Deno.writeTextFile(`${dir}/postgres/Prompts_Created.sql`, "select 1");
    await Deno.writeTextFile(`${dir}/postgres/seats.Sql`, "select 1");
    await Deno.writeTextFile(`${dir}/usage_30d.SQL`, "select 1");
    assertEquals(await checkQueriesDir(dir, queries), [
      `PRICING_QUERIES_DIR: ${dir}/postgres/Prompts_Created.sql is not named prompts_created.sql, the name the kit opens: rename it (on a case-sensitive file system it is not run)`,
      `PRICING_QUERIES_DIR: ${dir}/postgres/prompts_created.SQL is not named prompts_created.sql, the name the kit opens: rename it (on a case-sensitive file system it is not run)`,
      `PRICING_QUERIES_DIR: ${dir}/postgres/seats.Sql replaces no query (the postgres ones: prompts_created); it is not run`,
      `PRICING_QUERIES_DIR: ${dir}/usage_30d.SQL is not in postgres/ or clickhouse/, so it replaces no query`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PRICING_QUERIES_DIR: a symlinked query file is read as the file it points to", async () => {
  const dir = await Deno.makeTempDir();
  const queries = { postgres: ["prompts_created"], clickhouse: ["usage_30d"] };
  try {
    await Deno.mkdir(`${dir}/postgres`);
    await Deno.writeTextFile(`${dir}/shipped.txt`, "select 1");
    // a link under the wrong name is warned of as a file would be; one under the right name is not
    await Deno.symlink(`${dir}/shipped.txt`, `${dir}/postgres/Prompts_Created.sql`);
    await Deno.symlink(`${dir}/shipped.txt`, `${dir}/postgres/prompts_created.sql`);
    assertEquals(await checkQueriesDir(dir, queries), [
      `PRICING_QUERIES_DIR: ${dir}/postgres/Prompts_Created.sql is not named prompts_created.sql, the name the kit opens: rename it (on a case-sensitive file system it is not run)`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PRICING_QUERIES_DIR: a folder named like a query file is one line naming it", async () => {
  const dir = await Deno.makeTempDir();
  const queries = { postgres: ["prompts_created"], clickhouse: ["usage_30d"] };
  const message =
    `PRICING_QUERIES_DIR: ${dir}/postgres/prompts_created.sql is a folder, not a SQL file; put the query's SQL in a file of that name, or remove the folder`;
  try {
    await Deno.mkdir(`${dir}/postgres/prompts_created.sql`, { recursive: true });
    await assertRejects(checkQueriesDir(dir, queries), { name: "UserError", message });
    await assertRejects(loadSql("postgres", "prompts_created", { queriesDir: dir }), {
      name: "UserError",
      message,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a query file that is not UTF-8 text, or holds NUL bytes, is refused naming it", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/postgres/prompts_created.sql`;
  try {
    await Deno.mkdir(`${dir}/postgres`);
    // the probe's bytes: a UTF-16 byte-order mark, then UTF-16 text; and "SE" in UTF-16LE
    // without its mark (valid UTF-8, with NUL bytes): both said to be UTF-16, as export files are
    for (const bytes of [[0xff, 0xfe, 0x00, 0x53], [0x53, 0x00, 0x45, 0x00]]) {
      await Deno.writeFile(path, new Uint8Array(bytes));
      await assertRejects(loadSql("postgres", "prompts_created", { queriesDir: dir }), {
        name: "UserError",
        message: `${path} is not UTF-8: it is UTF-16 text; save it as UTF-8; nothing was sent`,
      });
    }
    // other bytes that are not UTF-8, or NUL bytes inside UTF-8: a binary file
    await Deno.writeFile(path, new Uint8Array([0x53, 0x45, 0xc3, 0x28]));
    await assertRejects(loadSql("postgres", "prompts_created", { queriesDir: dir }), {
      name: "UserError",
      message: `${path} is not UTF-8 text (a binary file?): save it as UTF-8; nothing was sent`,
    });
    await Deno.writeFile(path, new TextEncoder().encode("SELECT\0 1"));
    await assertRejects(loadSql("postgres", "prompts_created", { queriesDir: dir }), {
      name: "UserError",
      message: `${path} holds NUL bytes (a binary file?): save it as UTF-8 text; nothing was sent`,
    });
    // UTF-8 with a byte-order mark reads as before: the mark dropped, é kept
    await Deno.writeFile(path, new TextEncoder().encode("\ufeffSELECT 'é'"));
    assertEquals(
      (await loadSql("postgres", "prompts_created", { queriesDir: dir })).text,
      "SELECT 'é'",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
