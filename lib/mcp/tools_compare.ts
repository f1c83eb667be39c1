/**
 * The MCP server's compare_exports tool: two exports, two history snapshots or one of each
 * (lib/analysis/compare.ts's summary), old before new, never demo data against live data. Which
 * two and how each is read: compare_sides.ts; both read and checked: compare_reads.ts; the
 * answer's text and structuredContent: compare_answer.ts.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import { z } from "zod";
import { strictInput } from "./input_schema.ts";
import { compareExportsSummary } from "../analysis/compare.ts";
import type { DatasetStore } from "./dataset.ts";
import { listExports } from "./export_folder.ts";
import { COMPARE_EXPORTS_OUTPUT } from "./output_schemas.ts";
import { guarded } from "./result.ts";
import { DATA_NOTE } from "./text.ts";
import { READ_ONLY } from "./tools_analysis.ts";
import { chosenSides, type CompareFolder, exportNames } from "./compare_sides.ts";
import { besideSummary, readSides } from "./compare_reads.ts";
import { compareAnswer } from "./compare_answer.ts";

export function registerCompareTool(server: McpServer, store: DatasetStore) {
  const settings = store.settings;
  server.registerTool("compare_exports", {
    title: "Compare two exports",
    description:
      "Compares two exports in the exports folder, or two history snapshots by as-of date " +
      "(YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ not at 00:00 UTC, YYYY-MM-DDTHH:MM:SS.mmmZ when its milliseconds are not 0; see describe_dataset), or one of each (before/after): organizations that appeared or " +
      "disappeared, tier, raw tier (tier_raw) and plan changes, totals of every additive column " +
      "old vs new, and the organizations whose MRR changed most (shared_customer_old/_new and a " +
      "note mark those whose Stripe customer is shared: its MRR moving between its organizations). " +
      "Two converted at different FX rates get a warning and fx_change: how much of the " +
      "mrr_recurring change is the rate. " +
      "With a history snapshot among the two, native_mrr gives recurring MRR per billing " +
      "currency in that currency, exactly (the snapshots' mrr_recurring_minor: no FX rate moves " +
      "it), organizations whose currency changed or whose amount is unknown counted apart; or, " +
      "where a file has none (an export file, a snapshot stored before them), says which. " +
      "An old dated after new is " +
      "refused (swap them), and so is demo data against live data. Defaults: new = the newest export, old = the export " +
      "before it of the same kind (demo or live) and window (an export is the CSV and XLSX of one date; " +
      "with fewer than two, an error naming the two newest history snapshots to compare instead). Pass file names from the `exports` list this tool returns " +
      "on error or in its result. " + DATA_NOTE,
    inputSchema: strictInput({
      old: z.string().max(200).optional().describe(
        "older export file name (e.g. helicone_pricing_data_2026-10-01.csv) or snapshot as-of date (2026-10-01)",
      ),
      new: z.string().max(200).optional().describe(
        "newer export file name or snapshot as-of date",
      ),
      top: z.number().int().min(1).max(100).default(10).describe(
        "organizations with the largest MRR change to list",
      ),
    }),
    outputSchema: COMPARE_EXPORTS_OUTPUT,
    annotations: READ_ONLY,
  }, (args) =>
    guarded(async () => {
      const dataset = await store.current();
      const exports = await listExports(settings.exportsDir, { demoOnly: settings.demoOnly });
      const folder: CompareFolder = {
        settings,
        dataset,
        exports,
        afterFileRead: store.hooks.afterFileRead,
      };
      const sides = await chosenSides(folder, args);
      const { oldRead, newRead } = await readSides(sides);
      const summary = await compareExportsSummary(oldRead, newRead, { top: args.top });
      return compareAnswer({
        settings,
        exportNames: exportNames(folder),
        ...sides,
        oldRead,
        newRead,
        summary,
        beside: await besideSummary(sides),
      });
    }));
}
