/**
 * How the user chose a folder the kit writes to, so that a failure there names the fix that
 * applies: the export's --out-dir, a notebook's `outDir`, PRICING_HISTORY_DIR, the MCP server's
 * PRICING_MCP_EXPORTS_DIR… (lib/formats/files.ts's writeFailure, lib/formats/folders.ts).
 */

/**
 * `named`: the flag, setting or argument that chose the folder (`--out-dir`, `PRICING_HISTORY_DIR`,
 * `outDir`). Without one the folder is a default, and `otherwise` says how to choose another
 * (`pass --out-dir`), or is empty where nothing chooses it (a cache's folder).
 */
export interface ChosenBy {
  named?: string;
  otherwise: string;
}

/**
 * A default no caller chose: true of any folder (library callers that do not say how theirs was
 * chosen).
 */
export const ANOTHER_OUTPUT_FOLDER: ChosenBy = { otherwise: "choose another output folder" };

/**
 * The output folder of a command line with --out-dir: passed (`passed`), or its default
 * (outputs/).
 */
export function outDirFlag(passed: boolean): ChosenBy {
  return { named: passed ? "--out-dir" : undefined, otherwise: "pass --out-dir" };
}

/**
 * Choosing another folder, in words for how this one was chosen: `pass another folder to
 * --out-dir`, `set PRICING_HISTORY_DIR to another folder`, or `otherwise` for a default ("" when
 * nothing chooses it).
 */
export function anotherFolder({ named, otherwise }: ChosenBy): string {
  if (!named) return otherwise;
  return named.startsWith("--")
    ? `pass another folder to ${named}`
    : `set ${named} to another folder`;
}
