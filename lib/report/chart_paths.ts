/**
 * Where a chart's files go: the dated SVG and PNG names (chart_files.ts writes them). Apart from
 * chart_files.ts so that naming them (retention, the kit's file names) does not load resvg.
 */
import { join } from "node:path";
import type { Chart } from "./chart_frame.ts";

/** The SVG and PNG paths of `charts` in `outDir`, in chart order. */
export function chartFilePaths(
  charts: Pick<Chart, "name">[],
  { outDir, stamp }: { outDir: string; stamp: string },
): string[] {
  return charts.flatMap((chart) => {
    const base = join(outDir, `helicone_pricing_${chart.name}_${stamp}`);
    return [`${base}.svg`, `${base}.png`];
  });
}
