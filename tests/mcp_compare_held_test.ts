/**
 * compare_exports takes the export the server holds from memory when it is the same file (path,
 * size, file time: lib/mcp/compare_sides.ts isHeldExport), and reads any other from disk; the
 * reads counted by DatasetStoreHooks.afterFileRead. The exports: tests/mcp_client.ts
 * exportsFolder's two demo exports (2026-10-01, 2026-11-01).
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
