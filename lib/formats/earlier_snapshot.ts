/**
 * A history snapshot of an earlier kit version's export (lib/frame/earlier_columns.ts): written by
 * that version (the columns added since are missing from the file), or imported from its export
 * (`history import` writes them empty, and the sidecar says origin import). Read as an export
 * frame, its empty `plan` against a newer file's would be every organization changing plan, so
 * compare and the notebooks refuse it as they refuse such a CSV (export_cells.ts); the history
 * report reads it (its tier taken for its plan).
 */
import pl from "nodejs-polars";
import { EARLIER_HEADERS } from "../frame/earlier_columns.ts";
import { someOf } from "./export_cells.ts";

/** Rows looked at first: a snapshot with a value in a column says so in them. */
const FIRST_ROWS = 1000;

/** Whether the sidecar beside the snapshot says it was imported (not written by an export). */
async function importedSnapshot(path: string): Promise<boolean> {
  try {
    return JSON.parse(await Deno.readTextFile(`${path}.json`))?.origin === "import";
  } catch {
    return false; // no sidecar (a snapshot handed on alone): its columns say what they can
  }
}

/**
 * The columns the snapshot at `path` lacks as an earlier kit version's (the columns added since
 * that version, each missing from the file or, in an imported snapshot with rows, empty in every
 * row); none for this version's snapshot, or a file that is none (its reader says so).
 */
export async function earlierSnapshotLacks(path: string): Promise<readonly string[]> {
  let scan: pl.LazyDataFrame;
  let inFile: Set<string>;
  try {
    scan = pl.scanParquet(path);
    inFile = new Set(scan.columns);
  } catch {
    return [];
  }
  const added = [...new Set(EARLIER_HEADERS.flatMap((earlier) => earlier.lacks))];
  const present = added.filter((name) => inFile.has(name));
  const withValues = new Set(present);
  // columns present but empty count only in an import: a fixture's or a tiny export's empty
  // plan is no earlier version's
  if (present.length > 0 && await importedSnapshot(path)) {
    const filled = (part: pl.LazyDataFrame) =>
      part.select(
        pl.len().alias("__rows"),
        ...present.map((name) => pl.col(name).isNotNull().sum().alias(name)),
      ).collectSync().toRecords()[0] as Record<string, number | bigint>;
    let counts = filled(scan.head(FIRST_ROWS));
    if (present.every((name) => Number(counts[name]) === 0)) counts = filled(scan);
    if (Number(counts.__rows) > 0) {
      for (const name of present) if (Number(counts[name]) === 0) withValues.delete(name);
    }
  }
  // the oldest version whose added columns the snapshot has none of (EARLIER_HEADERS: newest first)
  return EARLIER_HEADERS.filter((earlier) => earlier.lacks.every((name) => !withValues.has(name)))
    .at(-1)?.lacks ?? [];
}

/** The one-line refusal of an earlier kit version's snapshot (lacking `lacks`). */
export function earlierSnapshotError(path: string, lacks: readonly string[]): string {
  return `${path} is a snapshot of an earlier kit version's export: it has no ${
    someOf([...lacks])
  } (added since), so every organization would read as changing plan; compare a snapshot or export of this version (deno task history report and scenario --input read it as it is)`;
}
