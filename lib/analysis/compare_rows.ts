/**
 * The per-organization rows of a comparison (lib/analysis/compare.ts), made a piece at a time so a
 * caller can write them as they come (two million-row exports compared at once held ~1.3 GB of
 * joined columns beside the result), and the summary gathered from those pieces.
 */
import pl from "nodejs-polars";
import { type ColumnDef, COLUMNS, HEADLINE_COLUMNS } from "../frame/columns.ts";
import { SHARED_CUSTOMER, SHARED_CUSTOMER_INPUTS } from "./compare_shared.ts";
import { compareText } from "../core/text_order.ts";
import { planNameOrNone } from "../core/no_plan.ts";

export const NUMERIC_COLUMNS: readonly ColumnDef[] = COLUMNS.filter((c) =>
  c.type === "integer" || c.type === "number"
);

/** Ratio units: no delta unless the organization is in both files. */
const RATIO_UNITS = new Set(["percent", "USD per seat", "USD per request"]);

export function isAdditive(def: ColumnDef): boolean {
  return !RATIO_UNITS.has(def.unit);
}

/** Columns shown with their old and new values (not only the delta) in the per-org file. */
export { HEADLINE_COLUMNS };

/**
 * The text columns whose changes a comparison counts and lists: the tier family, the raw tier
 * (team-20250130 → team-20251210 is a plan migration within one family) and the priced plan.
 */
export const CHANGE_COLUMNS = ["tier", "tier_raw", "plan"] as const;
export type ChangeColumn = typeof CHANGE_COLUMNS[number];

/**
 * The export columns a comparison reads: the keys, the name, the CHANGE_COLUMNS, every numeric
 * column, and revenue_source and stripe_customer_id (organizations sharing a Stripe customer:
 * compare_shared.ts; a frame may lack those two). A reader may leave the others out
 * (readExportFile's `columns`): at a million organizations they are half of a frame read back.
 */
export const COMPARED_COLUMNS: readonly string[] = [
  "org_id",
  "org_name",
  ...CHANGE_COLUMNS,
  ...NUMERIC_COLUMNS.map((def) => def.name),
  ...SHARED_CUSTOMER_INPUTS,
];

/**
 * new − old, with float noise dropped: exports keep 12 significant digits in CSV and full
 * precision in XLSX, so the same value read from both can differ in the 13th digit.
 */
export function cleanDelta(oldValue: number, newValue: number): number {
  const delta = newValue - oldValue;
  return Math.abs(delta) <= 1e-10 * Math.max(Math.abs(oldValue), Math.abs(newValue)) ? 0 : delta;
}

/** cleanDelta as an expression (null where either side is). */
function cleanDeltaExpr(oldValue: pl.Expr, newValue: pl.Expr): pl.Expr {
  const delta = newValue.sub(oldValue);
  const noise = pl.maxHorizontal([oldValue.abs(), newValue.abs()]).mul(pl.lit(1e-10));
  return pl.when(oldValue.isNull().or(newValue.isNull())).then(pl.lit(null).cast(pl.Float64))
    .when(delta.abs().lessThanEquals(noise)).then(pl.lit(0).cast(pl.Float64))
    .otherwise(delta);
}

/** 0 − value as JS computes it: 0, not −0, for 0 (Polars gave −0 for 0 − 0). */
function zeroMinus(value: pl.Expr): pl.Expr {
  return pl.when(value.eq(pl.lit(0))).then(pl.lit(0).cast(pl.Float64)).otherwise(
    value.mul(pl.lit(-1)),
  );
}

/** The numeric columns compared and those shown with their old and new values. */
export interface ComparedValues {
  numeric: readonly ColumnDef[];
  headline: readonly string[];
}

/** Every numeric column, the headline ones with both values: the per-organization file's. */
export const EVERY_VALUE: ComparedValues = { numeric: NUMERIC_COLUMNS, headline: HEADLINE_COLUMNS };

/** MRR only: what a summary's tally and largest MRR changes read (compareExportsSummary). */
export const MRR_ONLY: ComparedValues = {
  numeric: NUMERIC_COLUMNS.filter((def) => def.name === "mrr"),
  headline: ["mrr"],
};

/** One file's side of the comparison: org_id, a presence flag, its values suffixed `_old`/`_new`. */
function side(
  frame: pl.LazyDataFrame,
  suffix: "old" | "new",
  { numeric }: ComparedValues,
): pl.LazyDataFrame {
  return frame.select(
    pl.col("org_id"),
    pl.lit(true).alias(`in_${suffix}`),
    pl.col("org_name").alias(`org_name_${suffix}`),
    ...CHANGE_COLUMNS.map((name) => pl.col(name).alias(`${name}_${suffix}`)),
    pl.col(SHARED_CUSTOMER).alias(`${SHARED_CUSTOMER}_${suffix}`),
    ...numeric.map((def) => pl.col(def.name).cast(pl.Float64).alias(`${def.name}_${suffix}`)),
  );
}

/** Organizations compared at a time: a slice of the new file, or of the old one for those gone. */
export const COMPARE_SLICE_ROWS = 100_000;

/**
 * The per-organization rows in pieces, in their order: the new file's organizations in its order,
 * a slice at a time (each slice's join keeping its order), then those only the old file has, in
 * its order, a slice at a time. At least one piece (empty, with the columns) when there is none.
 */
export function* perOrgParts(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
  options: { sliceRows?: number; values?: ComparedValues } = {},
): Generator<pl.DataFrame> {
  const values = options.values ?? EVERY_VALUE;
  const sliceRows = Math.max(1, Math.floor(options.sliceRows ?? COMPARE_SLICE_ROWS));
  // the old file's organizations the new one lacks, as one mask over the old file (a left join
  // on unique ids keeps the old file's rows and order); made before the slices, whose garbage
  // its hash of every id otherwise added to (a 1M comparison peaked ~45 MB higher)
  const inNew = newFrame.lazy().select(pl.col("org_id"), pl.lit(true).alias("in_new"));
  const gone = oldFrame.lazy().select("org_id")
    .join(inNew, { on: "org_id", how: "left", maintainOrder: "left" })
    .select(pl.col("in_new").isNull().alias("gone"))
    .collectSync().getColumn("gone");
  let yielded = false;
  for (let offset = 0; offset < newFrame.height; offset += sliceRows) {
    const slice = newFrame.slice(offset, sliceRows).lazy();
    // the old file's rows of the slice's organizations: a semi join hashes the slice's ids, not
    // the whole old file's (nor casts its columns) once per slice
    const oldRows = oldFrame.lazy().join(slice.select("org_id"), { on: "org_id", how: "semi" });
    const matched = side(slice, "new", values)
      .join(side(oldRows, "old", values), { on: "org_id", how: "left", maintainOrder: "left" });
    yield matched.select(...perOrgColumns(values)).collectSync();
    yielded = true;
  }
  // then the organizations gone (the new side's columns, empty, so that they have them as nulls)
  const noNew = side(newFrame.head(0).lazy(), "new", values);
  for (let offset = 0; offset === 0 || offset < oldFrame.height; offset += sliceRows) {
    const slice = oldFrame.slice(offset, sliceRows).withColumn(gone.slice(offset, sliceRows))
      .filter(pl.col("gone")).drop("gone");
    if (slice.height === 0 && (yielded || offset + sliceRows < oldFrame.height)) continue;
    const rows = pl.concat([noNew, side(slice.lazy(), "old", values)], { how: "diagonal" });
    yield rows.select(...perOrgColumns(values)).collectSync();
    yielded = true;
  }
}

/** The per-organization columns of joined sides (side(…, "new") and side(…, "old")). */
function perOrgColumns({ numeric, headline }: ComparedValues): pl.Expr[] {
  const inOld = pl.col("in_old").isNotNull();
  const inNew = pl.col("in_new").isNotNull();
  const inBoth = inOld.and(inNew);
  // old, new and whether it changed (an empty side against a value is a change)
  const change = (name: ChangeColumn): pl.Expr[] => {
    const before = pl.col(`${name}_old`);
    const after = pl.col(`${name}_new`);
    const differs = pl.when(before.isNull().and(after.isNull())).then(pl.lit(false))
      .when(before.isNull().or(after.isNull())).then(pl.lit(true))
      .otherwise(before.neq(after));
    return [
      before,
      after,
      pl.when(inBoth).then(differs).otherwise(pl.lit(null).cast(pl.Bool)).alias(`${name}_changed`),
    ];
  };
  const delta = (def: ColumnDef): pl.Expr => {
    const oldValue = pl.col(`${def.name}_old`);
    const newValue = pl.col(`${def.name}_new`);
    const both = cleanDeltaExpr(oldValue, newValue);
    if (!isAdditive(def)) {
      return pl.when(inBoth).then(both).otherwise(pl.lit(null).cast(pl.Float64));
    }
    // An absent row counts as 0; an unknown value in the present row stays unknown.
    return pl.when(inBoth).then(both).when(inNew).then(newValue)
      .otherwise(zeroMinus(oldValue));
  };
  return [
    pl.col("org_id"),
    pl.when(pl.col("org_name_new").isNotNull()).then(pl.col("org_name_new"))
      .otherwise(pl.col("org_name_old")).alias("org_name"),
    pl.when(inBoth).then(pl.lit("both")).when(inNew).then(pl.lit("appeared"))
      .otherwise(pl.lit("disappeared")).alias("presence"),
    ...CHANGE_COLUMNS.flatMap(change),
    // its Stripe customer is shared in that file: its revenue columns are the customer's, or 0
    pl.col(`${SHARED_CUSTOMER}_old`),
    pl.col(`${SHARED_CUSTOMER}_new`),
    ...headline.flatMap((name) => [pl.col(`${name}_old`), pl.col(`${name}_new`)]),
    ...numeric.map((def) => delta(def).alias(`${def.name}_delta`)),
    // last, so the columns before keep their places: org_name is the new name, this the old one
    // where both files name the organization differently (empty when unchanged, or not in both;
    // a name that became or stopped being empty is no rename: an empty cell could not say it)
    pl.when(inBoth.and(pl.col("org_name_old").neq(pl.col("org_name_new")).fillNull(false)))
      .then(pl.col("org_name_old")).otherwise(pl.lit(null).cast(pl.Utf8)).alias("org_name_old"),
  ];
}

type Transitions = Map<string, { from: string; to: string; n: number }>;

/** What the summary needs of the per-organization rows, gathered a piece at a time. */
export class ComparisonTally {
  inBoth = 0;
  appeared = 0;
  disappeared = 0;
  /** organizations in both files whose org_name changed */
  renamed = 0;
  /** organizations in both files whose tier, tier_raw, plan changed */
  changed: Record<ChangeColumn, number> = { tier: 0, tier_raw: 0, plan: 0 };
  /** per column, old → new → organizations, among those in both files whose value changed */
  #transitions: Record<ChangeColumn, Transitions> = {
    tier: new Map(),
    tier_raw: new Map(),
    plan: new Map(),
  };
  /** the first `listed` organizations of each presence, in order */
  #first: Record<"appeared" | "disappeared", ListedOrganization[]> = {
    appeared: [],
    disappeared: [],
  };

  constructor(readonly listed = 20) {}

  add(part: pl.DataFrame): void {
    const counted = part.select(
      pl.col("presence").eq(pl.lit("both")).sum().alias("both"),
      pl.col("presence").eq(pl.lit("appeared")).sum().alias("appeared"),
      pl.col("presence").eq(pl.lit("disappeared")).sum().alias("disappeared"),
      pl.col("org_name_old").isNotNull().sum().alias("renamed"),
      ...CHANGE_COLUMNS.map((name) =>
        pl.col(`${name}_changed`).eq(pl.lit(true)).sum().alias(`changed ${name}`)
      ),
    ).toRecords()[0];
    this.inBoth += Number(counted.both);
    this.appeared += Number(counted.appeared);
    this.disappeared += Number(counted.disappeared);
    this.renamed += Number(counted.renamed);
    for (const name of CHANGE_COLUMNS) {
      this.changed[name] += Number(counted[`changed ${name}`]);
      this.#addTransitions(part, name);
    }
    for (const presence of ["appeared", "disappeared"] as const) {
      const listed = this.#first[presence];
      if (listed.length >= this.listed) continue;
      // the file the organization is in: its tier and MRR
      const suffix = presence === "appeared" ? "new" : "old";
      const rows = part.filter(pl.col("presence").eq(pl.lit(presence)))
        .head(this.listed - listed.length)
        .select(
          "org_id",
          "org_name",
          pl.col(`tier_${suffix}`).alias("tier"),
          pl.col(`mrr_${suffix}`).alias("mrr"),
          pl.col(`${SHARED_CUSTOMER}_${suffix}`).fillNull(false).alias("sharedCustomer"),
        );
      listed.push(...rows.toRecords() as unknown as ListedOrganization[]);
    }
  }

  #addTransitions(part: pl.DataFrame, name: ChangeColumn): void {
    const [oldName, newName] = [`${name}_old`, `${name}_new`];
    const changed = part.filter(pl.col(`${name}_changed`).eq(pl.lit(true)))
      .groupBy([oldName, newName]).agg(pl.len().alias("n")).toRecords();
    const transitions = this.#transitions[name];
    for (const row of changed) {
      // a tier named "(none)" apart from an empty one (planNameOrNone)
      const [from, to] = [row[oldName], row[newName]].map((value) =>
        planNameOrNone(value === null || value === undefined ? null : String(value))
      );
      const key = JSON.stringify([from, to]);
      const seen = transitions.get(key) ?? { from, to, n: 0 };
      seen.n += Number(row.n);
      transitions.set(key, seen);
    }
  }

  /**
   * One column's transitions (`<name>_old`, `<name>_new`, organizations), most organizations
   * first, then by name.
   */
  changes(name: ChangeColumn): pl.DataFrame {
    const changes = [...this.#transitions[name].values()].sort((a, b) =>
      b.n - a.n || compareText(a.from, b.from) || compareText(a.to, b.to)
    );
    return pl.DataFrame([
      pl.Series(`${name}_old`, changes.map((c) => c.from), pl.Utf8),
      pl.Series(`${name}_new`, changes.map((c) => c.to), pl.Utf8),
      pl.Series("organizations", changes.map((c) => c.n), pl.Float64).cast(pl.Int64),
    ]);
  }

  /** The first organizations of a presence (at most `listed`), in order. */
  first(presence: "appeared" | "disappeared"): ListedOrganization[] {
    return this.#first[presence];
  }
}

/** An organization that appeared or disappeared, as the summary lists it (tier and MRR of its file). */
export interface ListedOrganization {
  org_id: string;
  org_name: string | null;
  tier: string | null;
  mrr: number | null;
  /**
   * its Stripe customer is shared with other organizations of its file: its MRR is the
   * customer's (or 0, on its sibling's row), not necessarily new or lost business
   */
  sharedCustomer: boolean;
}

export interface ComparisonCounts {
  organizationsOld: number;
  organizationsNew: number;
  inBoth: number;
  appeared: number;
  disappeared: number;
  /** organizations in both files whose tier, tier_raw, plan changed */
  tierChanged: number;
  tierRawChanged: number;
  planChanged: number;
  /** organizations in both files whose org_name changed (the rows' org_name_old) */
  renamed: number;
}

/** What a comparison says besides its per-organization rows (those are written as they come). */
export interface ComparisonSummary {
  /**
   * One row per additive numeric column: column, unit, old_total, new_total (empty where every
   * value of that file is unknown), delta and change_pct (like for like: over the organizations
   * whose value both files know; empty then too), unknown_old, unknown_new.
   */
  totals: pl.DataFrame;
  /**
   * tier_old → tier_new (tier_raw_old → tier_raw_new, plan_old → plan_new) with the number of
   * organizations (in both files, value changed).
   */
  tierChanges: pl.DataFrame;
  tierRawChanges: pl.DataFrame;
  planChanges: pl.DataFrame;
  counts: ComparisonCounts;
  /** the first organizations that appeared and disappeared, in perOrg's order (the summary's) */
  listed: Record<"appeared" | "disappeared", ListedOrganization[]>;
}
