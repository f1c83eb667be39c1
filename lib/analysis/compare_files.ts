/**
 * A comparison's three files, written together or not at all: the per-organization CSV, the
 * totals CSV and the Markdown summary, from a comparison held whole (writeComparisonFiles) or
 * made and written a slice at a time (writeComparison).
 */
import type { ChosenBy } from "../core/chosen_by.ts";
import pl from "nodejs-polars";
import { join } from "node:path";
import { frameCsvByteChunks, framesCsvByteChunks, writeChunksFile } from "../formats/csv.ts";
import { writeFileAtomic } from "../formats/files.ts";
import { writeFileSet } from "../formats/staging.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import {
  type ComparisonContext,
  comparisonMarkdown,
  totalsWindow,
  windowMismatchWarning,
} from "./compare_markdown.ts";
import {
  COMPARE_SLICE_ROWS,
  type ComparisonSummary,
  ComparisonTally,
  perOrgParts,
} from "./compare_rows.ts";
import { comparedFrames, type ExportComparison, framesSummary, tallied } from "./compare.ts";

/** `helicone_pricing_compare_<old stamp>_to_<new stamp>` */
export function comparisonFileBase(oldStamp: string, newStamp: string): string {
  return `helicone_pricing_compare_${oldStamp}_to_${newStamp}`;
}

export interface ComparisonFiles {
  perOrgPath: string;
  totalsPath: string;
  summaryPath: string;
}

/** The three files' paths in `outDir`. */
function comparisonPaths(outDir: string, context: ComparisonContext): ComparisonFiles {
  const base = join(outDir, comparisonFileBase(context.oldStamp, context.newStamp));
  return {
    perOrgPath: `${base}.csv`,
    totalsPath: `${base}_totals.csv`,
    summaryPath: `${base}.md`,
  };
}

/**
 * Writes a comparison's per-organization CSV, totals CSV and Markdown summary, together.
 * `chosenBy`: how the user chose `outDir` (--out-dir…), for the fix a failure names.
 */
export async function writeComparisonFiles(
  result: ExportComparison,
  { outDir, chosenBy, context }: { outDir: string; chosenBy: ChosenBy; context: ComparisonContext },
): Promise<ComparisonFiles> {
  const written = await writeComparisonSet({
    outDir,
    chosenBy,
    context,
    perOrgCsv: frameCsvByteChunks(result.perOrg),
    summarize: () => result,
  });
  return written.files;
}

/**
 * Compares two export frames and writes the same three files as writeComparisonFiles, the
 * per-organization rows as they are made: a million organizations' rows (~460 MB) are never all
 * held. The summary is returned.
 */
export async function writeComparison(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
  { outDir, chosenBy, context, sliceRows = COMPARE_SLICE_ROWS, signal }: {
    outDir: string;
    /** how the user chose `outDir` (--out-dir…), for the fix a failure names */
    chosenBy: ChosenBy;
    context: ComparisonContext;
    /** organizations compared at a time (tests pass a small number) */
    sliceRows?: number;
    /** the command's Ctrl-C or SIGTERM: nothing published once aborted (writeFileSet) */
    signal?: AbortSignal;
  },
): Promise<{ files: ComparisonFiles; summary: ComparisonSummary }> {
  const tally = new ComparisonTally();
  [oldFrame, newFrame] = comparedFrames(oldFrame, newFrame);
  const parts = tallied(perOrgParts(oldFrame, newFrame, { sliceRows }), tally);
  const rows = oldFrame.height + newFrame.height;
  return await writeComparisonSet({
    outDir,
    chosenBy,
    context,
    perOrgCsv: framesCsvByteChunks(lettingGo(parts, { rows })),
    summarize: () => framesSummary(oldFrame, newFrame, { tally }),
    signal,
  });
}

/**
 * The totals as the totals CSV and MCP's compare_exports have them: of two exports of different
 * windows, with a `window` column after `unit` (`30 days → 7 days` on the window figures' rows,
 * `30-day basis` on list_price_mrr's, null (an empty cell) on the others: totalsWindow, as the
 * summary's Totals label them), so a reader of the CSV or of the tool's rows alone does not take a
 * 7-day sum's change from a 30-day one for a change. Two exports of one window (or a window
 * unknown) keep the columns as they were: the file's name says a shared window other than 30 days
 * (`…_7d_to_…_7d_totals.csv`), the tool's `window_note` too.
 */
export function totalsWithWindow(
  totals: pl.DataFrame,
  windows: Pick<ComparisonContext, "oldWindowDays" | "newWindowDays">,
): pl.DataFrame {
  if (windowMismatchWarning(windows) === null) return totals;
  const names = totals.getColumn("column").toArray() as string[];
  const window = pl.Series("window", names.map((name) => totalsWindow(name, windows)), pl.Utf8);
  const figures = totals.columns.filter((c) => c !== "column" && c !== "unit");
  return totals.withColumns(window).select("column", "unit", "window", ...figures);
}

/**
 * The three files, appearing together or not at all: the per-organization CSV from its chunks
 * first, then `summarize` (a streamed comparison's summary is known once every row is made), the
 * totals CSV and the Markdown summary.
 */
async function writeComparisonSet(
  { outDir, chosenBy, context, perOrgCsv, summarize, signal }: {
    outDir: string;
    chosenBy: ChosenBy;
    context: ComparisonContext;
    perOrgCsv: Iterable<Uint8Array>;
    summarize: () => ComparisonSummary;
    signal?: AbortSignal;
  },
): Promise<{ files: ComparisonFiles; summary: ComparisonSummary }> {
  let summary: ComparisonSummary | undefined;
  const [perOrgPath, totalsPath, summaryPath] = await writeFileSet(outDir, async (staging) => {
    const files = comparisonPaths(staging, context);
    await writeChunksFile(perOrgCsv, files.perOrgPath, { chosenBy, signal });
    summary = summarize();
    const totalsCsv = totalsWithWindow(summary.totals, context);
    await writeChunksFile(frameCsvByteChunks(totalsCsv), files.totalsPath, { chosenBy });
    const markdown = comparisonMarkdown(summary, context);
    await writeFileAtomic(files.summaryPath, (tmp) => Deno.writeTextFile(tmp, markdown), {
      chosenBy,
    });
    return [files.perOrgPath, files.totalsPath, files.summaryPath];
  }, { chosenBy, signal });
  return { files: { perOrgPath, totalsPath, summaryPath }, summary: summary! };
}

/**
 * The parts as they come; each one written is let go (a collection once the next is asked for:
 * V8 does not see a part's ~50 MB of native columns, and they piled up).
 */
function* lettingGo(
  parts: Iterable<pl.DataFrame>,
  { rows }: { rows: number },
): Generator<pl.DataFrame> {
  for (const part of parts) {
    yield part;
    void collectDroppedFrames({ rows }); // its finalisers run during the file's writes
  }
}
