/**
 * The parts of an export the kit writes as files of their own, named the export's name plus a
 * suffix (`helicone_pricing_data_2026-11-01_demo_underpriced.csv`): a segment (--segments) or the
 * trimmed CSV. Each holds some of the organizations only, so a reader says which part it read and
 * never takes it for the whole company (history, compare, scenario --input).
 */
import { SEGMENTS } from "./segments.ts";

/** The suffix of the trimmed CSV (lib/report/trimmed_file.ts trimmedFileName). */
export const TRIMMED_SUFFIX = "trimmed";

export interface ExportPart {
  suffix: string;
  /** `the underpriced segment`, `the trimmed CSV` */
  name: string;
  /** which organizations it holds, in words (a segment's title) */
  holds: string;
}

/** The part of an export a file named with `suffix` holds, or null for a suffix the kit never writes. */
export function exportPart(suffix: string): ExportPart | null {
  if (suffix === TRIMMED_SUFFIX) {
    return {
      suffix,
      name: "the trimmed CSV",
      holds: "the export without the free organizations that sent no request in the window",
    };
  }
  const segment = SEGMENTS.find((s) => s.name === suffix);
  if (!segment) return null;
  return {
    suffix,
    name: `the ${segment.name} segment`,
    holds: segment.title,
  };
}

/** What a file of `suffix` holds, for a sentence: a part's name, else `a file named …_<suffix>`. */
export function partName(suffix: string | null): string {
  if (suffix === null) return "the whole export";
  return exportPart(suffix)?.name ?? `a file named …_${suffix} (not a name the kit writes)`;
}
