/**
 * A frame handed to writeSnapshot with a NaN or ±Infinity in a number column is refused before
 * anything is written: the snapshot readers refuse such a file (lib/formats/read_export.ts: the
 * kit writes an unknown figure as null), so it would be written and then never read. The kit's
 * own frames hold unknowns as null already; a frame built by hand (a notebook's) may not.
 */
import pl from "nodejs-polars";
import { quoteValue } from "../core/quote.ts";
import { UserError } from "../core/user_error.ts";
import { SNAPSHOT_COLUMNS } from "../frame/columns.ts";

/** Throws a one-line UserError naming the first NaN or ±Infinity's column, row and org_id. */
export function assertFiniteSnapshotNumbers(frame: pl.DataFrame): void {
  const floats = SNAPSHOT_COLUMNS.filter((def) =>
    frame.columns.includes(def.name) && /^Float/.test(frame.getColumn(def.name).dtype.variant)
  ).map((def) => def.name);
  if (floats.length === 0 || frame.height === 0) return;
  const bad = (name: string) => pl.col(name).isNotNull().and(pl.col(name).isFinite().not());
  const counts = frame.select(...floats.map((name) => bad(name).sum().alias(name))).toRecords()[0];
  const column = floats.find((name) => Number(counts[name]) > 0);
  if (column === undefined) return;
  const first = frame.withRowIndex("_row").filter(bad(column)).head(1).toRecords()[0];
  throw new UserError(
    `snapshot not written: row ${Number(first._row) + 1}, column ${column} (organization ${
      quoteValue(String(first.org_id))
    }) holds ${
      String(first[column])
    }; a snapshot holds an unknown figure as null, as the kit's exports write it: set it to null (e.g. pl.when(pl.col("${column}").isFinite()).then(pl.col("${column}"))) and write again`,
  );
}
