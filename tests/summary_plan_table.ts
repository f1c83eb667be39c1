/**
 * The summary sheet's per-plan table read back (lib/economics/xlsx_summary.ts writes it in blocks
 * one under the other, PLAN_TABLE_BLOCKS): each block a header row ("plan" in column A), then a
 * row a plan down to `all`. Joined into one record a plan, by header.
 */
export interface PlanTable {
  /** the header rows' indexes in the sheet's values (getSheetValues: 1-based) */
  headerRows: number[];
  /** a plan's cell under a header (`planHeader(column)`); undefined for an empty cell */
  cell: (plan: string, header: string) => unknown;
  /** the row index of a plan's row in the block holding `header` */
  rowOf: (plan: string, header: string) => number;
  /** the 1-based column of `header` in its block */
  columnOf: (header: string) => number;
}

export function summaryPlanTable(rows: unknown[][]): PlanTable {
  // "plan" in column A and headers beside it (the definitions under the table name `plan` too,
  // their text in B, C empty)
  const headerRows = rows.flatMap((row, i) =>
    row?.[1] === "plan" && typeof row[2] === "string" && typeof row[3] === "string" ? [i] : []
  );
  if (headerRows.length === 0) throw new Error("no per-plan table on the summary sheet");
  const block = (header: string) => {
    const at = headerRows.find((i) => (rows[i] as unknown[]).indexOf(header) > 1);
    if (at === undefined) throw new Error(`no per-plan column headed ${header}`);
    return { at, column: (rows[at] as unknown[]).indexOf(header) };
  };
  const rowOf = (plan: string, header: string) => {
    const { at } = block(header);
    for (let i = at + 1; rows[i]?.[1] !== undefined; i++) {
      if (rows[i][1] === plan) return i;
      if (rows[i][1] === "all") break;
    }
    throw new Error(`no row of plan ${plan} under ${header}`);
  };
  return {
    headerRows,
    rowOf,
    columnOf: (header) => block(header).column,
    cell: (plan, header) => rows[rowOf(plan, header)][block(header).column],
  };
}
