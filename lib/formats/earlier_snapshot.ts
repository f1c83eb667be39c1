/**
 * A history snapshot of an earlier kit version's export (lib/frame/earlier_columns.ts): written by
 * that version (the columns added since are missing from the file), or imported from its export
 * (`history import` writes them empty, and the sidecar says origin import). Read as an export
 * frame, its empty `plan` against a newer file's would be every organization changing plan, so
 * compare and the notebooks refuse it as they refuse such a CSV (export_cells.ts); the history
 * report reads it (its tier taken for its plan).
 *
 * An imported one handed on without its sidecar is told by its rows: with those columns empty in
 * every row it is refused too, saying the sidecar is missing. This version's export never writes
 * them all empty (company_cost_30d is its PTB LLM cost, 0 without usage, never empty), so that
 * refuses no snapshot of this version's export; only a sidecar saying it was an export (a
 * fixture's empty columns) lets such a file through.
 */
import { basename } from "node:path";
import pl from "nodejs-polars";
import { EARLIER_HEADERS } from "../frame/earlier_columns.ts";
import { someOf } from "./export_cells.ts";
import { readSnapshotSidecar } from "./snapshot_sidecar.ts";

/** Rows looked at first: a snapshot with a value in a column says so in them. */
const FIRST_ROWS = 1000;

/**
 * What the sidecar beside the snapshot says of its origin: an import, something else, or none
 * (missing, a snapshot handed on alone, or damaged: read as missing).
 */
async function sidecarOrigin(path: string): Promise<"import" | "other" | "none" | "damaged"> {
  const { meta, warning } = await readSnapshotSidecar(path);
  return meta ? (meta.origin === "import" ? "import" : "other") : warning ? "damaged" : "none";
}

/** An earlier kit version's snapshot: the columns it lacks, and how that is known. */
export interface EarlierSnapshot {
  /** the columns added since that version, in the table's order */
  lacks: readonly string[];
  /**
   * missing: not in the file; imported: empty in every row, the sidecar saying import; alone:
   * empty in every row, no sidecar
   */
  by: "missing" | "imported" | "alone";
  /** alone because its sidecar is damaged (read as missing), not absent */
  sidecarDamaged?: boolean;
}

/**
 * The snapshot at `path` as an earlier kit version's (the columns added since that version, each
 * missing from the file or, in a snapshot with rows whose sidecar says import or is missing, empty
 * in every row); null for this version's snapshot, or a file that is none (its reader says so).
 */
export async function earlierSnapshot(path: string): Promise<EarlierSnapshot | null> {
  let scan: pl.LazyDataFrame;
  let inFile: Set<string>;
  try {
    scan = pl.scanParquet(path);
    inFile = new Set(scan.columns);
  } catch {
    return null;
  }
  const added = [...new Set(EARLIER_HEADERS.flatMap((earlier) => earlier.lacks))];
  const present = added.filter((name) => inFile.has(name));
  const withValues = new Set(present);
  // columns present but empty count only in an import or a snapshot with no sidecar to say: a
  // fixture's or a tiny export's empty plan is no earlier version's
  const origin = present.length > 0 ? await sidecarOrigin(path) : "other";
  if (origin !== "other") {
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
  const version = EARLIER_HEADERS.filter((earlier) =>
    earlier.lacks.every((name) => !withValues.has(name))
  ).at(-1);
  // (a version whose lacking columns every reader takes as they are is read as this version's)
  if (!version || version.readAsIs) return null;
  const { lacks } = version;
  const by = lacks.every((name) => !inFile.has(name))
    ? "missing"
    : origin === "import"
    ? "imported"
    : "alone";
  return { lacks, by, ...(by === "alone" && origin === "damaged" ? { sidecarDamaged: true } : {}) };
}

/** The one-line refusal of an earlier kit version's snapshot (earlierSnapshot). */
export function earlierSnapshotError(path: string, earlier: EarlierSnapshot): string {
  const fix =
    "compare a snapshot or export of this version (deno task history report and scenario --input read it as it is)";
  if (earlier.by === "alone") {
    return `${path} has no ${earlier.sidecarDamaged ? "readable " : ""}sidecar (${
      basename(path)
    }.json${earlier.sidecarDamaged ? " is damaged" : ""}) and its ${
      someOf([...earlier.lacks])
    } are empty in every row: a snapshot imported from an earlier kit version's export, so every organization would read as changing plan; ${fix}`;
  }
  return `${path} is a snapshot of an earlier kit version's export: it has no ${
    someOf([...earlier.lacks])
  } (added since), so every organization would read as changing plan; ${fix}`;
}
