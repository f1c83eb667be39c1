/**
 * Charts as files: PNG through resvg (for files people paste into chats and slides) and the
 * dated SVG and PNG of each chart.
 */
import { Resvg } from "@resvg/resvg-js";
import { join } from "node:path";
import { writeFileAtomic } from "../formats/files.ts";
import type { ChosenBy } from "../core/chosen_by.ts";
import { collectYoungGarbage, returnFreedMemory } from "../core/memory.ts";
import type { Chart } from "./chart_frame.ts";
import { chartFilePaths } from "./chart_paths.ts";

export { chartFilePaths };

let fontFiles: string[] | null = null;

/**
 * DejaVu (Debian's fonts-dejavu-core) or Liberation font files for resvg, and Droid Sans Fallback
 * (fonts-droid-fallback) where installed, for the Chinese and Japanese names DejaVu has no
 * glyph for (drawn as empty boxes without it; ~5 ms more a chart). Loading known folders is much
 * faster than scanning every system font on each render.
 */
function knownFontFiles(): string[] {
  if (fontFiles) return fontFiles;
  fontFiles = [];
  for (
    const dir of [
      "/usr/share/fonts/truetype/dejavu",
      "/usr/share/fonts/truetype/liberation",
      "/usr/share/fonts/truetype/droid",
    ]
  ) {
    try {
      for (const entry of Deno.readDirSync(dir)) {
        if (entry.name.endsWith(".ttf")) fontFiles.push(join(dir, entry.name));
      }
    } catch { /* not installed */ }
  }
  return fontFiles;
}

/**
 * The chart as a PNG `width` pixels wide (default twice the charts' 880-px SVG width, sharp on
 * retina screens and in slides). resvg draws no text without a font: with neither DejaVu nor Liberation
 * installed it falls back to scanning the system's fonts (apt-get install fonts-dejavu-core).
 */
export function svgToPng(svg: string, width = 2 * 880): Uint8Array {
  const files = knownFontFiles();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    background: "white",
    font: {
      fontFiles: files,
      loadSystemFonts: files.length === 0,
      defaultFontFamily: files.some((f) => f.includes("DejaVu"))
        ? "DejaVu Sans"
        : "Liberation Sans",
    },
  });
  return resvg.render().asPng();
}

/** Dated SVG and PNG of each chart in `outDir`; returns the paths. */
export async function writeChartFiles(
  charts: Chart[],
  { outDir, stamp, chosenBy }: { outDir: string; stamp: string; chosenBy: ChosenBy },
): Promise<string[]> {
  let next = 0;
  await writeClaimedChartFiles(charts, { outDir, stamp, chosenBy, claim: () => next++ });
  return chartFilePaths(charts, { outDir, stamp });
}

/**
 * The files of the charts `claim` hands out (an index each, until one past the last): the chart
 * worker and the main thread share one counter, so each chart is written once, by whichever is
 * free first.
 */
export async function writeClaimedChartFiles(
  charts: Pick<Chart, "name" | "svg">[],
  { outDir, stamp, chosenBy, claim, rows }: {
    outDir: string;
    stamp: string;
    /** how the user chose the folder the files are for (an export's --out-dir…), for its errors */
    chosenBy: ChosenBy;
    claim: () => number;
    /** the export's organizations, when known: a large export's PNGs hand their memory back */
    rows?: number;
  },
): Promise<void> {
  for (let index = claim(); index < charts.length; index = claim()) {
    const chart = charts[index];
    const [svgPath, pngPath] = chartFilePaths([chart], { outDir, stamp });
    await writeFileAtomic(svgPath, (tmp) => Deno.writeTextFile(tmp, chart.svg), { chosenBy });
    await writeFileAtomic(pngPath, (tmp) => Deno.writeFile(tmp, svgToPng(chart.svg)), {
      chosenBy,
    });
    collectYoungGarbage();
    if (rows !== undefined) returnFreedMemory({ rows });
  }
}
