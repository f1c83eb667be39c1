/**
 * lib/sources/queries.ts's stage on the real servers of `deno task test`: a failed query leaves no
 * spooled result, onOneLeft is called once, empty sources are warned of, a replacement query's
 * other columns are named, organizations.sql's demo tier and empty names, and an organization
 * created at -infinity.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import pg from "pg";
import pl from "nodejs-polars";
import { sourceSettings } from "../lib/core/config.ts";
import { exportWindow } from "../lib/export.ts";
import { loadSql } from "../lib/sources/sql.ts";
import { runQueries } from "../lib/sources/queries.ts";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { A, asOf, C, exportData } from "./queries_fixture.ts";

Deno.test("an organization created at -infinity exports with created_at unknown and one warning, not an error", async () => {
  const databases = await freshFixtureDatabases("infinite_created");
  const db = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await db.connect();
  try {
    // a valid timestamptz no analyst can fix in production; 'infinity' is after every as-of
    // (organizations.sql leaves it out), '-infinity' before every one
    await db.query(
      "UPDATE organization SET created_at = '-infinity' WHERE id = ANY($1::uuid[])",
      [[A, C]],
    );
    const data = await exportData(databases.env);
    assertEquals(data.value(A, "created_at"), null);
    assertEquals(data.value(C, "created_at"), null);
    assertEquals(data.value(A, "llm_cost_30d"), 2.75); // the rest as in tests/export_test.ts
    const expected =
      "queries/postgres/organizations.sql: 2 organizations have created_at infinity or -infinity (PostgreSQL's timestamps past every date), exported as unknown (empty)";
    assertEquals(data.warnings.filter((w) => w.includes("infinity")), [expected]);
    ok((data.manifest.warnings as string[]).includes(expected));
  } finally {
    await db.end();
    await databases.drop();
  }
});

Deno.test("when one query fails, the others' spooled results are removed too, even one still running", async () => {
  const databases = await freshFixtureDatabases("queries_spool");
  const queriesDir = await Deno.makeTempDir();
  const tmp = await Deno.makeTempDir();
  const previous = Deno.env.get("TMPDIR");
  try {
    await Deno.mkdir(`${queriesDir}/postgres`);
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    // usage_30d.sql has not answered yet when prompts_created.sql has already failed
    await Deno.writeTextFile(
      `${queriesDir}/clickhouse/usage_30d.sql`,
      "SELECT toString(number) AS org_id, sleep(2) AS requests_30d FROM system.numbers LIMIT 1",
    );
    await Deno.writeTextFile(`${queriesDir}/postgres/prompts_created.sql`, "SELECT no_such_column");
    Deno.env.set("TMPDIR", tmp);
    await rejects(
      runQueries(
        sourceSettings({ ...databases.env, PRICING_QUERIES_DIR: queriesDir })!,
        exportWindow(asOf, 30),
      ),
      /prompts_created\.sql failed on PostgreSQL/,
    );
    assertEquals([...Deno.readDirSync(tmp)], [], "no spooled result is left behind");
  } finally {
    if (previous === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", previous);
    await Deno.remove(tmp, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("onOneLeft is called once, when every query but the last one is done", async () => {
  const databases = await freshFixtureDatabases("queries_one_left");
  const queriesDir = await Deno.makeTempDir();
  try {
    // the usage query answers a second after the others (sleep(1) once per block), so it is last
    const usage = (await loadSql("clickhouse", "usage_30d")).text.trim().replace(/;\s*$/, "");
    await Deno.mkdir(`${queriesDir}/clickhouse`, { recursive: true });
    await Deno.writeTextFile(
      `${queriesDir}/clickhouse/usage_30d.sql`,
      `SELECT * FROM (\n${usage}\n) WHERE sleep(1) = 0`,
    );
    const events: string[] = [];
    const results = await runQueries(
      sourceSettings({ ...databases.env, PRICING_QUERIES_DIR: queriesDir })!,
      exportWindow(asOf, 30),
      {
        onOrganizations: () => events.push("organizations"),
        onOneLeft: () => events.push("one left"),
      },
    );
    events.push("done");
    assertEquals(events, ["organizations", "one left", "done"]);
    ok(results.frames.usage.height > 0, "the slowed usage query still answers");
  } finally {
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("a ClickHouse without requests in the window and a PostgreSQL without organizations are warned of, not exported silently", async () => {
  const noUsage = await freshFixtureDatabases("no_usage", {
    postgres: ["postgres_schema.sql", "postgres_data.sql"],
    clickhouse: ["clickhouse_schema.sql"],
  });
  try {
    const data = await exportData(noUsage.env);
    const expected =
      `ClickHouse: queries/clickhouse/usage_30d.sql returned no requests in the window 2026-10-02T00:00:00.000Z to 2026-11-01T00:00:00.000Z, so every organization's usage is 0; check PRICING_CH_DATABASE (${noUsage.env.PRICING_CH_DATABASE}), PRICING_CH_REQUEST_TABLE (request_response_rmt) and the window (--as-of, --days)`;
    ok(data.warnings.includes(expected), data.warnings.join("\n"));
    ok((data.manifest.warnings as string[]).includes(expected));
    assertEquals(data.value(A, "requests_30d"), 0); // A has requests in the fixture's data
    ok(!data.warnings.some((w) => w.startsWith("PostgreSQL: ")), "organizations were exported");
  } finally {
    await noUsage.drop();
  }
  const noOrganizations = await freshFixtureDatabases("no_orgs", {
    postgres: ["postgres_schema.sql"],
    clickhouse: ["clickhouse_schema.sql", "clickhouse_data.sql"],
  });
  try {
    const data = await exportData(noOrganizations.env);
    const expected =
      "PostgreSQL: queries/postgres/organizations.sql returned no organizations, so the export has no rows; check that PRICING_PG_URL names the production database and that it has organizations created before the as-of (2026-11-01T00:00:00.000Z)";
    ok(data.warnings.includes(expected), data.warnings.join("\n"));
    ok((data.manifest.warnings as string[]).includes(expected));
    ok(!data.warnings.some((w) => w.startsWith("ClickHouse: queries/clickhouse/usage_30d.sql")));
  } finally {
    await noOrganizations.drop();
  }
});

Deno.test("a replacement query returning other column names is named with the columns it returned", async () => {
  const databases = await freshFixtureDatabases("other_names");
  const queriesDir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    await Deno.writeTextFile(
      `${queriesDir}/clickhouse/ptb_spend.sql`,
      "SELECT toString(organization_id) AS organization, toString(sum(spend)) AS ptb_spend_nano\nFROM {ptb_table:Identifier}\nGROUP BY organization_id\n",
    );
    const settings = sourceSettings({ ...databases.env, PRICING_QUERIES_DIR: queriesDir })!;
    await rejects(runQueries(settings, exportWindow(asOf, 30)), (error: Error) => {
      assertEquals(error.name, "UserError");
      assertEquals(
        error.message,
        `${queriesDir}/clickhouse/ptb_spend.sql returned no column org_id (its columns: "organization", "ptb_spend_nano"); the query must return the columns its header comment lists`,
      );
      return true;
    });
  } finally {
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("organizations.sql leaves out the demo tier as the kit reads tiers: any case, blanks around it", async () => {
  const databases = await freshFixtureDatabases("demo_tier");
  // every character JavaScript's trim() (tierFamily's) removes, around 'Demo', and near misses
  const blanks = Array.from({ length: 0x10000 }, (_, code) => String.fromCharCode(code))
    .filter((char) => char.trim() === "");
  const tiers = [
    ...blanks.map((blank) => `${blank}Demo${blank}`),
    "DEMO",
    "demo",
    "demonstration",
    "demo-20250101",
    "de mo",
    "\u200Bdemo", // a zero-width space is not trimmed: tier "other", exported
  ];
  const client = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await client.connect();
  try {
    const ids = tiers.map((_, i) => `eeeeeeee-0000-4000-8000-${String(i).padStart(12, "0")}`);
    for (const [i, tier] of tiers.entries()) {
      await client.query(
        "INSERT INTO organization (id, name, created_at, tier, stripe_metadata, soft_delete) VALUES ($1, $2, '2025-01-01', $3, '{}', false)",
        [ids[i], `Tier ${i}`, tier],
      );
    }
    const settings = sourceSettings(databases.env)!;
    const { frames } = await runQueries(settings, exportWindow(asOf, 30));
    const exported = new Set(frames.organizations.getColumn("org_id").toArray() as string[]);
    const kept = tiers.filter((_, i) => exported.has(ids[i]));
    // exported exactly when tierFamily would not read the tier as demo
    assertEquals(kept, tiers.filter((tier) => tier.trim().toLowerCase() !== "demo"));
    assertEquals(kept, ["demonstration", "demo-20250101", "de mo", "\u200Bdemo"]);
    assertEquals(blanks.length, 25); // the 25 JavaScript removes, each tried
    ok(exported.has("22222222-2222-4222-8222-222222222222"), "a null tier is kept");
  } finally {
    await client.end();
    await databases.drop();
  }
});

Deno.test("organizations.sql: an empty name or tier is null, as the CSV and XLSX read it (the snapshot holds the frame)", async () => {
  const databases = await freshFixtureDatabases("empty_text");
  const client = new pg.Client({ connectionString: databases.env.PRICING_PG_URL });
  await client.connect();
  try {
    const id = "eeeeeeee-0000-4000-8000-00000000e001";
    await client.query(
      "INSERT INTO organization (id, name, created_at, tier, stripe_metadata, soft_delete) VALUES ($1, '', '2025-01-01', '', '{}', false)",
      [id],
    );
    const settings = sourceSettings(databases.env)!;
    const { frames } = await runQueries(settings, exportWindow(asOf, 30));
    const row = frames.organizations.filter(pl.col("org_id").eq(pl.lit(id)))
      .select("org_name", "tier_raw").toRecords();
    assertEquals(row, [{ org_name: null, tier_raw: null }]);
  } finally {
    await client.end();
    await databases.drop();
  }
});
