/**
 * compare_exports takes the export the server holds from memory when it is the same file (path,
 * size, file time, inode and status-change time: lib/mcp/compare_sides.ts isHeldExport), and
 * reads any other from disk; the reads counted by DatasetStoreHooks.afterFileRead. The exports:
 * tests/mcp_client.ts exportsFolder's two demo exports (2026-10-01, 2026-11-01).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { listExports } from "../lib/mcp/export_folder.ts";
import { chosenSides, type CompareFolder } from "../lib/mcp/compare_sides.ts";
import { readSides } from "../lib/mcp/compare_reads.ts";
import { compareExportsSummary } from "../lib/analysis/compare.ts";
import { FX_BILLING_COLUMNS } from "../lib/analysis/compare_fx.ts";
import { call, connectInMemory, exportsFolder, text } from "./mcp_client.ts";

/** How often each path was read, as afterFileRead heard it. */
function readCounter() {
  const reads = new Map<string, number>();
  return {
    reads,
    afterFileRead: (path: string) => {
      reads.set(path, (reads.get(path) ?? 0) + 1);
      return Promise.resolve();
    },
  };
}

/** A Polars DataFrame as its rows; any other value as it is. */
function asRows(value: unknown): unknown {
  const frame = value as pl.DataFrame | null;
  return typeof frame?.toRecords === "function" ? frame.toRecords() : value;
}

Deno.test("compare_exports: the newest export, held by the server, is read from disk once (its load), however often compared", async () => {
  const folder = await exportsFolder();
  const counter = readCounter();
  const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: folder.dir }), counter);
  const { client, close } = await connectInMemory(store);
  try {
    const first = await call(client, "compare_exports");
    assertEquals(first.isError, undefined, text(first));
    const again = await call(client, "compare_exports");
    assertEquals(again.structuredContent, first.structuredContent);
    assertEquals(counter.reads.get(folder.current.csvPath!), 1);
    // the older side has no copy in memory: read from disk by each comparison
    assertEquals((counter.reads.get(folder.old.csvPath!) ?? 0) > 0, true);
  } finally {
    await close();
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("compare_exports: the held export's sides equal the same file's read from disk; one published again (another size or file time) is read", async () => {
  const folder = await exportsFolder();
  const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: folder.dir }));
  try {
    const settings = store.settings;
    const dataset = await store.current();
    const exports = await listExports(folder.dir, { demoOnly: false });
    const compared = async (candidates: typeof exports) => {
      const counter = readCounter();
      const sides = await chosenSides(
        { settings, dataset, exports: candidates, ...counter } satisfies CompareFolder,
        {},
      );
      const { oldRead, newRead } = await readSides(sides);
      const { largestMrrChanges, ...summary } = await compareExportsSummary(oldRead, newRead, {
        top: 10,
      });
      // (a file's read brings org_id too, which the rates' part does not read)
      const billing = (await sides.newer.billing()).select(...FX_BILLING_COLUMNS);
      return {
        answer: {
          // (its tables as rows: Polars' objects do not compare by value)
          summary: Object.fromEntries(
            Object.entries(summary).map(([key, value]) => [key, asRows(value)]),
          ),
          movers: largestMrrChanges.toRecords(),
          billing: billing.toRecords(),
        },
        newestReads: counter.reads.get(folder.current.csvPath!) ?? 0,
      };
    };
    const held = await compared(exports);
    assertEquals(held.newestReads, 0);
    // the same path, but not the file held as far as size or file time tell: read from disk
    for (const changed of [{ size: exports[0].size + 1 }, { mtimeMs: exports[0].mtimeMs + 1 }]) {
      const read = await compared([{ ...exports[0], ...changed }, ...exports.slice(1)]);
      assertEquals(read.newestReads > 0, true, JSON.stringify(changed));
      assertEquals(read.answer, held.answer, JSON.stringify(changed));
    }
  } finally {
    await Deno.remove(folder.dir, { recursive: true });
  }
});

Deno.test("compare_exports: an export published again with the same size and file time (another file in its place) is read from disk, not taken from memory", async () => {
  const folder = await exportsFolder();
  const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: folder.dir }));
  try {
    const settings = store.settings;
    const dataset = await store.current();
    const path = folder.current.csvPath!;
    const before = await Deno.stat(path);
    // Granite Games 32's mrr 883 read 893 in the file published again: as many bytes, and its
    // file time set back to the first file's (a file system counting whole seconds, or a publish
    // within the same millisecond, shows no other)
    const text = await Deno.readTextFile(path);
    const row = text.split("\n").findIndex((line) => line.includes(",Granite Games 32,"));
    const lines = text.split("\n");
    lines[row] = lines[row].replace(",1007,883,799,", ",1007,893,799,");
    const changed = lines.join("\n");
    assertEquals(changed.length, text.length);
    await Deno.writeTextFile(`${path}.next`, changed);
    await Deno.rename(`${path}.next`, path);
    await Deno.utime(path, before.atime!, before.mtime!);
    const exports = await listExports(folder.dir, { demoOnly: false });
    assertEquals([exports[0].size, exports[0].mtimeMs], [before.size, before.mtime!.getTime()]);
    const counter = readCounter();
    const sides = await chosenSides(
      { settings, dataset, exports, ...counter } satisfies CompareFolder,
      {},
    );
    const { newRead } = await readSides(sides);
    assertEquals((counter.reads.get(path) ?? 0) > 0, true);
    // the file on disk: 883 + 10 more than the held dataset's
    const mrr = (frame: pl.DataFrame) =>
      frame.filter(pl.col("org_name").eq(pl.lit("Granite Games 32"))).getColumn("mrr").get(0);
    assertEquals(mrr(dataset.frame), 883);
    const reread = await newRead.reread(["org_name", "mrr"]);
    assertEquals(mrr(reread), 893);
    // and the server serves the file now in its place (describe_dataset, query_sql, the next
    // compare_exports' newer side)
    assertEquals(mrr((await store.current()).frame), 893);
  } finally {
    await Deno.remove(folder.dir, { recursive: true });
  }
});
