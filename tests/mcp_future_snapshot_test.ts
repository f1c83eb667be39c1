/**
 * A history snapshot dated after now (a clock set ahead when it was written, a file renamed)
 * through the MCP server over stdio, driven by the SDK's Client: mrr_history leaves it out and
 * warns (mcp_mrr_history_test); the tools that still list or read it say so too. One demo export
 * as of 2026-11-01 (its snapshot beside it), its frame stored again as of 2026-10-01 and as of
 * 2099-03-01.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { dataLiteral } from "../lib/mcp/text.ts";
import { call, refused, stdioClient, text, type Values } from "./mcp_client.ts";
import { demoExport } from "./demo_export_fixture.ts";

const FUTURE_FILE = "helicone_pricing_data_2099-03-01_demo.parquet";

/**
 * The export and its three snapshots in a fresh folder (and those of `moreAsOfs`); a client of the
 * server over it.
 */
async function folderWithFutureSnapshot(moreAsOfs: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "mcp_future_snapshot_" });
  const written = await demoExport(dir);
  for (const asOf of ["2026-10-01", "2099-03-01", ...moreAsOfs]) {
    await writeSnapshot(written.data.frame, {
      dir: join(dir, "history"),
      asOf: new Date(`${asOf}T00:00:00Z`),
      demo: true,
      origin: "export",
    });
  }
  const { transport, client } = stdioClient({ PRICING_MCP_EXPORTS_DIR: dir });
  await client.connect(transport);
  return {
    client,
    async close() {
      await client.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("describe_dataset warns of a history snapshot dated after now, which it lists", async () => {
  const { client, close } = await folderWithFutureSnapshot();
  try {
    const result = await call(client, "describe_dataset");
    assertEquals(result.isError, undefined, text(result));
    const structured = result.structuredContent!;
    // listed among the snapshots, as it is in the folder and query_sql's table history
    const listed = ((structured.history as Values).snapshots as Values[]).map((s) => s.as_of);
    assertEquals(listed, ["2026-10-01", "2026-11-01", "2099-03-01"]);
    const warnings = (structured.warnings as string[]).filter((w) => w.includes(FUTURE_FILE));
    assertEquals(warnings, [
      `history snapshot ${FUTURE_FILE} is dated as-of 2099-03-01, after now: left out of mrr_history, though query_sql's table history and compare_exports read it (no export, import or backfill stores one for a time to come: a clock set ahead when it was written, or a file renamed); delete it, or rename it to the as-of it holds`,
    ]);
    // in the text's warnings, as a literal (it quotes a file's name)
    ok(text(result).includes(`\n- ${dataLiteral(warnings[0])}\n`), text(result));
  } finally {
    await close();
  }
});

/** The warning of the snapshot dated `asOf`, after now. */
const futureWarning = (asOf: string) =>
  `history snapshot helicone_pricing_data_${asOf}_demo.parquet is dated as-of ${asOf}, after now: left out of mrr_history, though query_sql's table history and compare_exports read it (no export, import or backfill stores one for a time to come: a clock set ahead when it was written, or a file renamed); delete it, or rename it to the as-of it holds`;
const FUTURE_WARNING = futureWarning("2099-03-01");

Deno.test("compare_exports with one export suggests the two newest snapshots up to now, not one dated after it", async () => {
  const { client, close } = await folderWithFutureSnapshot();
  try {
    refused(
      await call(client, "compare_exports"),
      /; or compare two history snapshots by as-of date, e.g\. old "2026-10-01", new "2026-11-01" \(3 snapshots; describe_dataset lists them\)$/,
    );
  } finally {
    await close();
  }
});

Deno.test("compare_exports against a snapshot dated after now warns of it", async () => {
  const { client, close } = await folderWithFutureSnapshot();
  try {
    const result = await call(client, "compare_exports", { old: "2026-11-01", new: "2099-03-01" });
    assertEquals(result.isError, undefined, text(result));
    const lines = text(result).split("\n");
    // first, as a literal (it quotes a file's name)
    assertEquals(lines.slice(0, 2), [
      `warning: ${dataLiteral(FUTURE_WARNING)}`,
      "old: snapshot 2026-11-01; new: snapshot 2099-03-01",
    ]);
    assertEquals(result.structuredContent!.snapshot_warnings, [FUTURE_WARNING]);
    // two snapshots up to now: none
    const past = await call(client, "compare_exports", { old: "2026-10-01", new: "2026-11-01" });
    assertEquals(past.isError, undefined, text(past));
    assertEquals(text(past).split("\n")[0], "old: snapshot 2026-10-01; new: snapshot 2026-11-01");
    assertEquals(past.structuredContent!.snapshot_warnings, undefined);
  } finally {
    await close();
  }
});

Deno.test("compare_exports of two snapshots dated after now warns of each, old's first", async () => {
  const { client, close } = await folderWithFutureSnapshot(["2099-04-01"]);
  try {
    const result = await call(client, "compare_exports", { old: "2099-03-01", new: "2099-04-01" });
    assertEquals(result.isError, undefined, text(result));
    const warnings = [futureWarning("2099-03-01"), futureWarning("2099-04-01")];
    assertEquals(text(result).split("\n").slice(0, 3), [
      ...warnings.map((line) => `warning: ${dataLiteral(line)}`),
      "old: snapshot 2099-03-01; new: snapshot 2099-04-01",
    ]);
    assertEquals(result.structuredContent!.snapshot_warnings, warnings);
  } finally {
    await close();
  }
});
