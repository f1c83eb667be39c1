/**
 * lib/mcp/switched_off.ts: a call to run_export or database_sql while their settings leave them out
 * is answered with one line naming the setting that turns each on (the SDK said `Tool run_export
 * not found`, as for a name the server never had); a name the server never had keeps the SDK's
 * answer, and neither tool is listed. Through the MCP SDK's Client, in-process, on the in-memory
 * demo dataset.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { call, connectInMemory, refused, text, TOOLS } from "./mcp_client.ts";

Deno.test("run_export and database_sql switched off: one line naming the setting", async () => {
  const empty = await Deno.makeTempDir({ prefix: "mcp_off_" });
  const where = "in the server's environment or .env and restart the server";
  const connect = (settings: ReturnType<typeof mcpSettings>) =>
    connectInMemory(new DatasetStore(settings));
  try {
    const plain = await connect(mcpSettings({ PRICING_MCP_EXPORTS_DIR: empty }));
    try {
      const listed = (await plain.client.listTools()).tools.map((tool) => tool.name).sort();
      assertEquals(listed, TOOLS);
      const exportCall = await call(plain.client, "run_export", { days: 30 });
      refused(exportCall, /^error: run_export is off/);
      assertEquals(
        text(exportCall),
        "error: run_export is off on this server: it writes a new export into the exports " +
          `folder, so only PRICING_MCP_ALLOW_EXPORT=1 adds it; set it ${where}`,
      );
      const sqlCall = await call(plain.client, "database_sql", {
        database: "postgres",
        sql: "SELECT 1",
      });
      refused(sqlCall, /^error: database_sql is off/);
      assertEquals(
        text(sqlCall),
        "error: database_sql is off on this server: only PRICING_MCP_DATABASE_SQL=1 (with " +
          `PRICING_PG_URL and PRICING_CH_URL) adds it; set them ${where}; query_sql reads the ` +
          "export",
      );
      // with no arguments too: the name is answered before any argument is read
      refused(await call(plain.client, "run_export"), /PRICING_MCP_ALLOW_EXPORT=1/);
      // a name the server never had: the SDK's own answer
      const unknown = await call(plain.client, "run_exports");
      ok(unknown.isError && /Tool run_exports not found/.test(text(unknown)), text(unknown));
      // the tools it has still answer
      const described = await call(plain.client, "describe_dataset");
      assertEquals(described.isError, undefined, text(described));
    } finally {
      await plain.close();
    }

    // deno task serve's /mcp without a token: database_sql is off whatever the flag says
    const env = { PRICING_MCP_EXPORTS_DIR: empty, PRICING_MCP_DATABASE_SQL: "1" };
    const demoOnly = await connect({ ...mcpSettings(env), demoOnly: true, databaseSql: false });
    try {
      assertEquals(
        text(
          await call(demoOnly.client, "database_sql", { database: "postgres", sql: "SELECT 1" }),
        ),
        "error: database_sql is off on this server: /mcp without PRICING_SERVER_TOKEN serves demo " +
          "data only; set PRICING_SERVER_TOKEN and PRICING_MCP_DATABASE_SQL=1 (with " +
          `PRICING_PG_URL and PRICING_CH_URL) ${where}`,
      );
    } finally {
      await demoOnly.close();
    }

    // switched on, run_export is the real tool (listed, and it refuses a bad window itself)
    const on = await connect(
      mcpSettings({ PRICING_MCP_EXPORTS_DIR: empty, PRICING_MCP_ALLOW_EXPORT: "1" }),
    );
    try {
      const listed = (await on.client.listTools()).tools.map((tool) => tool.name);
      ok(listed.includes("run_export") && !listed.includes("database_sql"), listed.join(", "));
      refused(await call(on.client, "run_export", { days: 0 }), /days/);
    } finally {
      await on.close();
    }
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});
