/**
 * lib/notebooks/export_page.ts: the export notebook's page keeps what its cells show of each
 * stage (tables of a few rows), not the stages' frames, and shows the chart files the export wrote
 * instead of drawing the charts a second time.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import pl from "nodejs-polars";
import { chartDisplays, runExportPage } from "../lib/notebooks/export_page.ts";
import { type Displayable, mimeBundle } from "../lib/report/display.ts";

const asOf = new Date("2026-11-01T00:00:00Z");

/** Every Polars frame reachable from `value`, with its path. */
function framesIn(value: unknown, path: string, seen = new Set<unknown>()): string[] {
  if (value instanceof pl.DataFrame) return [path];
  if (typeof value !== "object" || value === null || seen.has(value)) return [];
  seen.add(value);
  return Object.entries(value).flatMap(([key, inner]) => framesIn(inner, `${path}.${key}`, seen));
}

Deno.test("export page: the stages' tables, not their frames; the charts from the files written", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "export_page_" });
  try {
    const page = await runExportPage({
      demo: true,
      windowDays: 30,
      asOf,
      formats: ["csv"],
      stripe: "skip",
      writeChartFiles: true,
      outDir,
      envFile: "/nonexistent/.env",
    });
    const organizations = page.result.data.frame.height;
    ok(organizations > 15, `${organizations} organizations`);

    // Only the export's own frame is held: the query results, the joined frame and the frame
    // with revenue went with their stages.
    assertEquals(
      framesIn({ queries: page.queries, join: page.join, revenue: page.revenue }, "page"),
      [],
    );
    ok(page.metrics.frame === page.result.data.frame, "metrics.frame is the export's frame");

    // The tables were made as the stages ran, with the frames' sizes.
    assertEquals(page.queries.tables.map((t) => t.name), [
      "organizations",
      "promptsCreated",
      "usage",
      "ptbSpend",
    ]);
    const html = (display: Displayable) => String(mimeBundle(display)["text/html"]);
    const joinTable = html(page.join.table);
    ok(joinTable.includes(`10 of ${organizations.toLocaleString("en-US")} rows`), joinTable);
    assertEquals(joinTable.match(/<tr>/g)?.length, 1 + 10);
    const revenueTable = html(page.revenue.table);
    ok(revenueTable.includes("<th") && revenueTable.includes("revenue_source"), revenueTable);

    // One image per PNG file the export wrote, its bytes those of the file.
    const pngs = page.result.files.filter((path) => path.endsWith(".png"));
    ok(pngs.length >= 5, `${pngs.length} chart PNGs`);
    const shown = chartDisplays(page).map((display) => mimeBundle(display)["image/png"]);
    assertEquals(
      shown,
      pngs.map((path) => Buffer.from(Deno.readFileSync(path)).toString("base64")),
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
