/** The fixture workbook the economics XLSX tests (tests/economics_xlsx*_test.ts) write and read. */
import pl from "nodejs-polars";
import { join } from "node:path";
import { loadPriceBook } from "../lib/economics/mod.ts";
import { reportCharts, summaryImages } from "../lib/economics/charts.ts";
import {
  type SummaryChart,
  type SummaryImages,
  summarySheetInput,
  summarySheets,
} from "../lib/economics/xlsx_summary.ts";
import { writeXlsxFile, type XlsxWritten } from "../lib/formats/xlsx.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { economicsFrameWithF } from "./economics_fixture.ts";
import { runExport } from "../lib/export.ts";

/** The summary charts' PNGs the fixture workbook embeds. */
export let fixturePngs: SummaryChart[] = [];

export async function writeFixtureWorkbook(
  dir: string,
  options: {
    charts?: (frame: pl.DataFrame) => SummaryImages;
    onSlice?: (slice: pl.DataFrame) => void;
    windowDays?: number;
    warnings?: string[];
    /** org names in place of the fixture's */
    names?: string[];
    /** what writing it did (the cells cut) */
    written?: (written: XlsxWritten) => void;
  } = {},
): Promise<string> {
  const fixture = await economicsFrameWithF();
  const frame = options.names
    ? fixture.withColumns(pl.Series("org_name", options.names, pl.Utf8))
    : fixture;
  const path = join(dir, "fixture.xlsx");
  const priceBook = await loadPriceBook();
  const images = options.charts?.(frame) ?? summaryImages(reportCharts(frame));
  const written = await writeXlsxFile(frame, path, {
    leadSheets: summarySheets(summarySheetInput(frame, {
      costModel: costModelFromEnv({ PRICING_INFRA_USD_PER_1K_REQUESTS: "0.5" }),
      priceBook,
      ptbRevenueRead: true,
      windowDays: options.windowDays ?? 30,
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      charts: images,
      warnings: options.warnings,
    })),
    onSlice: options.onSlice,
    documentDate: new Date("2026-11-01T00:00:00Z"),
  });
  options.written?.(written);
  fixturePngs = await images.pngs;
  return path;
}

export async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, {
    args,
    stdout: "piped",
    stderr: "piped",
    env: { HOME: Deno.env.get("TMPDIR") ?? "/tmp" },
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`${command} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return text;
}

/** The demo's workbook alone (no charts) as of 2026-11-01 into `outDir`, with `env`'s settings. */
export function demoWorkbookExport(outDir: string, env: Record<string, string> = {}) {
  return runExport({
    demo: true,
    outDir,
    charts: false,
    formats: ["xlsx"],
    asOf: new Date("2026-11-01T00:00:00Z"),
    env,
    quiet: true,
    log: () => {},
  });
}
