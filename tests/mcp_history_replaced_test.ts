/**
 * query_sql's table history is made again when a snapshot is replaced by another file, even one of
 * the same size and file time (lib/mcp/history.ts historyTable: its key held the path, size and
 * file time only, and the table made from the old file was served on). By hand: one organization
 * of 883 USD, its snapshot replaced by one of 893 USD, as many bytes (13,905), the time set back.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { HISTORY_TABLE, historyTable } from "../lib/mcp/history.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { closeFrameSql, queryTables } from "../lib/mcp/sql.ts";
import { LIMITS } from "./mcp_sql_fixture.ts";

Deno.test("query_sql: a snapshot replaced by another file of the same size and file time is read again in table history", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_history_replaced_" });
  const snapshotOf = (mrr: number, folder: string) =>
    writeSnapshot(
      exportFrameFromColumns({ org_id: ["o1"], org_name: ["Acme"], tier: ["team"], mrr: [mrr] }),
      { dir: folder, asOf: new Date("2026-10-01T00:00:00Z"), demo: true, origin: "export" },
    );
  try {
    const settings = mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir });
    const first = await snapshotOf(883, join(dir, "history"));
    const shape = exportFrameFromColumns({ org_id: [] });
    const mrr = async () => {
      const table = await historyTable(settings, { demo: true, shape });
      const answer = await queryTables(
        { [HISTORY_TABLE]: table },
        "SELECT sum(mrr) AS mrr FROM history",
        LIMITS,
      );
      return answer.rows;
    };
    assertEquals(await mrr(), [{ mrr: 883 }]);
    // the snapshot of 893 USD, written aside, renamed into its place (with its sidecar), its file
    // time set back to the first one's
    const before = await Deno.stat(first.path);
    const next = await snapshotOf(893, join(dir, "next"));
    assertEquals(next.bytes, first.bytes);
    await Deno.rename(`${next.path}.json`, `${first.path}.json`);
    await Deno.rename(next.path, first.path);
    await Deno.utime(first.path, before.atime!, before.mtime!);
    assertEquals((await Deno.stat(first.path)).mtime, before.mtime);
    assertEquals(await mrr(), [{ mrr: 893 }]);
  } finally {
    await closeFrameSql();
    await Deno.remove(dir, { recursive: true });
  }
});
