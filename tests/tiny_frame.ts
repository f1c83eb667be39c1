/**
 * A hand-built export frame of a few organizations: every column of the column table, the
 * org_names given, the rest null (org_id numbered), for the writers' text tests.
 */
import pl from "nodejs-polars";
import { COLUMNS } from "../lib/frame/columns.ts";

const DTYPES = {
  string: pl.Utf8,
  integer: pl.Int64,
  number: pl.Float64,
  boolean: pl.Bool,
  datetime: pl.Datetime("ms"),
} as const;

export function tinyExportFrame(names: (string | null)[]): pl.DataFrame {
  return pl.DataFrame(COLUMNS.map((def) => {
    const values = def.name === "org_name"
      ? names
      : def.name === "org_id"
      ? names.map((_, i) => `org-${i + 1}`)
      : names.map(() => null);
    return pl.Series(def.name, values, DTYPES[def.type]);
  }));
}
