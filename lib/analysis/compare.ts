/**
 * Before/after comparison of two exports of this kit (the spec's "Export data again after
 * changes, compare before/after"): per-organization deltas of every numeric column, organizations
 * that appeared or disappeared, tier changes, and totals. The exports may have different as-of
 * dates; organizations are matched by org_id.
 *
 * Delta rules: for additive columns (counts and USD amounts) a missing row counts as 0, so an
 * organization that appeared contributes its whole value; an empty cell (unknown) gives an empty
 * delta. Ratio columns (percent, per seat, per request) have a delta only for organizations in
 * both files: a ratio has no meaningful "before" when the organization did not exist.
 */
import pl from "nodejs-polars";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { formatChangePct, formatCount, formatUsd } from "../report/numbers.ts";
import { type ColumnDef, COLUMNS } from "../frame/columns.ts";
import { writeReportFiles } from "../formats/csv.ts";
import { escapeMarkdown, markdownCode, markdownTable } from "../formats/markdown.ts";

const NUMERIC_COLUMNS: readonly ColumnDef[] = COLUMNS.filter((c) =>
  c.type === "integer" || c.type === "number"
);

/** Ratio units: no delta unless the organization is in both files. */
const RATIO_UNITS = new Set(["percent", "USD per seat", "USD per request"]);

export function isAdditive(def: ColumnDef): boolean {
  return !RATIO_UNITS.has(def.unit);
}

/** Columns shown with their old and new values (not only the delta) in the per-org file. */
export const HEADLINE_COLUMNS = [
  "seats",
  "requests_30d",
  "llm_cost_30d",
  "mrr",
  "gross_margin_pct",
] as const;

export type Presence = "both" | "appeared" | "disappeared";

export interface ComparisonCounts {
  organizationsOld: number;
  organizationsNew: number;
  inBoth: number;
  appeared: number;
  disappeared: number;
  tierChanged: number;
}

export interface ExportComparison {
  /**
   * One row per organization in either file: org_id, org_name, presence, tier_old, tier_new,
   * tier_changed, <headline>_old/_new, then <column>_delta for every numeric column.
   * Order: organizations in the new file (its order), then those that disappeared.
   */
  perOrg: pl.DataFrame;
  /** One row per additive numeric column: column, unit, old_total, new_total, delta, change_pct. */
  totals: pl.DataFrame;
  /** tier_old → tier_new with the number of organizations (in both files, tier changed). */
  tierChanges: pl.DataFrame;
  counts: ComparisonCounts;
}

/**
 * The export columns a comparison reads: the keys, the name and tier, every numeric column. A
 * reader may leave the others out (readExportFile's `columns`): at a million organizations they
 * are half of a frame read back.
 */
export const COMPARED_COLUMNS: readonly string[] = [
  "org_id",
  "org_name",
  "tier",
  ...NUMERIC_COLUMNS.map((def) => def.name),
];

function assertExportFrame(frame: pl.DataFrame, which: string): void {
  const missing = COMPARED_COLUMNS.filter((name) => !frame.columns.includes(name));
  if (missing.length > 0) {
    throw new Error(`the ${which} frame is not an export frame: it lacks ${missing.join(", ")}`);
  }
}

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

/** One file's side of the comparison: org_id, a presence flag, its values suffixed `_old`/`_new`. */
function side(frame: pl.LazyDataFrame, suffix: "old" | "new"): pl.LazyDataFrame {
  return frame.select(
    pl.col("org_id"),
    pl.lit(true).alias(`in_${suffix}`),
    pl.col("org_name").alias(`org_name_${suffix}`),
    pl.col("tier").alias(`tier_${suffix}`),
    ...NUMERIC_COLUMNS.map((def) =>
      pl.col(def.name).cast(pl.Float64).alias(`${def.name}_${suffix}`)
    ),
  );
}

/** Sum of a column's known values in the frame's order (as JS adds them), and how many are unknown. */
function columnTotal(frame: pl.DataFrame, name: string): { total: number; unknown: number } {
  const column = frame.getColumn(name);
  const values = column.cast(pl.Float64).fillNull("zero").toTypedArray() as Float64Array;
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return { total, unknown: column.nullCount() };
}

/**
 * Organizations of the new file compared a slice at a time: joining a million-row side with the
 * other at once held ~1.3 GB of joined columns beside the result.
 */
const COMPARE_SLICE_ROWS = 100_000;

/**
 * The per-organization frame: the new file's organizations in its order, a slice at a time, then
 * those only the old file has, in its order (each join keeping its left side's order).
 */
function perOrgFrame(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
  sliceRows: number,
): pl.DataFrame {
  const oldSide = side(oldFrame.lazy(), "old");
  const parts: pl.DataFrame[] = [];
  for (let offset = 0; offset < newFrame.height; offset += sliceRows) {
    const matched = side(newFrame.slice(offset, sliceRows).lazy(), "new")
      .join(oldSide, { on: "org_id", how: "left", maintainOrder: "left" });
    parts.push(matched.select(...perOrgColumns()).collectSync());
  }
  const gone = oldSide
    .join(newFrame.lazy().select("org_id"), { on: "org_id", how: "anti", maintainOrder: "left" });
  // (the new side's columns, empty, so the organizations gone have them as nulls)
  const goneWithNew = pl.concat([side(newFrame.head(0).lazy(), "new"), gone], { how: "diagonal" });
  parts.push(goneWithNew.select(...perOrgColumns()).collectSync());
  return parts.length === 1 ? parts[0] : pl.concat(parts, { how: "vertical", rechunk: false });
}

/** The per-organization columns of joined sides (side(…, "new") and side(…, "old")). */
function perOrgColumns(): pl.Expr[] {
  const inOld = pl.col("in_old").isNotNull();
  const inNew = pl.col("in_new").isNotNull();
  const inBoth = inOld.and(inNew);
  const tierOld = pl.col("tier_old");
  const tierNew = pl.col("tier_new");
  const tierDiffers = pl.when(tierOld.isNull().and(tierNew.isNull())).then(pl.lit(false))
    .when(tierOld.isNull().or(tierNew.isNull())).then(pl.lit(true))
    .otherwise(tierOld.neq(tierNew));
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
    tierOld,
    tierNew,
    pl.when(inBoth).then(tierDiffers).otherwise(pl.lit(null).cast(pl.Bool)).alias("tier_changed"),
    ...HEADLINE_COLUMNS.flatMap((name) => [pl.col(`${name}_old`), pl.col(`${name}_new`)]),
    ...NUMERIC_COLUMNS.map((def) => delta(def).alias(`${def.name}_delta`)),
  ];
}

/**
 * Compares two export frames (typed as readExportFile or loadPricingData return them; the
 * COMPARED_COLUMNS are enough), column-wise in Polars: a join on org_id, no JS value per
 * organization.
 */
export function compareExports(
  oldFrame: pl.DataFrame,
  newFrame: pl.DataFrame,
  /** organizations of the new file compared at a time (tests pass a small number) */
  { sliceRows = COMPARE_SLICE_ROWS }: { sliceRows?: number } = {},
): ExportComparison {
  assertExportFrame(oldFrame, "old");
  assertExportFrame(newFrame, "new");
  const perOrg = perOrgFrame(oldFrame, newFrame, sliceRows);

  const totalRows = NUMERIC_COLUMNS.filter(isAdditive).map((def) => {
    const before = columnTotal(oldFrame, def.name);
    const after = columnTotal(newFrame, def.name);
    return {
      column: def.name,
      unit: def.unit,
      old: before.total,
      new: after.total,
      unknownOld: before.unknown,
      unknownNew: after.unknown,
    };
  });
  const totals = pl.DataFrame([
    pl.Series("column", totalRows.map((t) => t.column), pl.Utf8),
    pl.Series("unit", totalRows.map((t) => t.unit), pl.Utf8),
    pl.Series("old_total", totalRows.map((t) => t.old), pl.Float64),
    pl.Series("new_total", totalRows.map((t) => t.new), pl.Float64),
    pl.Series("delta", totalRows.map((t) => cleanDelta(t.old, t.new)), pl.Float64),
    pl.Series(
      "change_pct",
      totalRows.map((t) => (t.old === 0 ? null : cleanDelta(t.old, t.new) / t.old * 100)),
      pl.Float64,
    ),
    pl.Series("unknown_old", totalRows.map((t) => t.unknownOld), pl.Float64).cast(pl.Int64),
    pl.Series("unknown_new", totalRows.map((t) => t.unknownNew), pl.Float64).cast(pl.Int64),
  ]);

  // tier transitions: few, so sorted here as before (most organizations first, then by name)
  const transitions = perOrg.filter(pl.col("tier_changed").eq(pl.lit(true)))
    .groupBy(["tier_old", "tier_new"]).agg(pl.len().alias("n")).toRecords()
    .map((row) => ({
      from: String(row.tier_old ?? "(none)"),
      to: String(row.tier_new ?? "(none)"),
      n: Number(row.n),
    }));
  const changes = transitions.sort((a, b) =>
    b.n - a.n || a.from.localeCompare(b.from) || a.to.localeCompare(b.to)
  );
  const tierChanges = pl.DataFrame([
    pl.Series("tier_old", changes.map((c) => c.from), pl.Utf8),
    pl.Series("tier_new", changes.map((c) => c.to), pl.Utf8),
    pl.Series("organizations", changes.map((c) => c.n), pl.Float64).cast(pl.Int64),
  ]);

  const counted = perOrg.select(
    pl.col("presence").eq(pl.lit("both")).sum().alias("both"),
    pl.col("presence").eq(pl.lit("appeared")).sum().alias("appeared"),
    pl.col("presence").eq(pl.lit("disappeared")).sum().alias("disappeared"),
    pl.col("tier_changed").eq(pl.lit(true)).sum().alias("tierChanged"),
  ).toRecords()[0];
  return {
    perOrg,
    totals,
    tierChanges,
    counts: {
      organizationsOld: oldFrame.height,
      organizationsNew: newFrame.height,
      inBoth: Number(counted.both),
      appeared: Number(counted.appeared),
      disappeared: Number(counted.disappeared),
      tierChanged: Number(counted.tierChanged),
    },
  };
}

// ── files ───────────────────────────────────────────────────────────────────────────────────

/** `helicone_pricing_compare_<old stamp>_to_<new stamp>` */
export function comparisonFileBase(oldStamp: string, newStamp: string): string {
  return `helicone_pricing_compare_${oldStamp}_to_${newStamp}`;
}

export interface ComparisonContext {
  oldLabel: string;
  newLabel: string;
  oldStamp: string;
  newStamp: string;
}

function amount(value: number, unit: string): string {
  return unit.startsWith("USD") ? formatUsd(value) : formatCount(value);
}

function signed(value: number, unit: string): string {
  const shown = amount(value, unit);
  return value > 0 && /[1-9]/.test(shown) ? `+${shown}` : shown;
}

function listOrgs(perOrg: pl.DataFrame, presence: Presence, limit: number): string {
  const rows = perOrg.filter(pl.col("presence").eq(pl.lit(presence)));
  if (rows.height === 0) return "None.";
  const shown = rows.head(limit);
  const suffix = presence === "appeared" ? "new" : "old";
  const [ids, names, tiers, mrr] = ["org_id", "org_name", `tier_${suffix}`, `mrr_${suffix}`].map(
    (name) => shown.getColumn(name).toArray() as unknown[],
  );
  const lines = [
    markdownTable(
      ["org_id", "org_name", "tier", "mrr"],
      ids.map((id, i) => [
        String(id),
        String(names[i] ?? ""),
        String(tiers[i] ?? ""),
        mrr[i] === null ? "–" : formatUsd(mrr[i] as number),
      ]),
    ),
  ];
  if (rows.height > limit) lines.push("", `… and ${formatCount(rows.height - limit)} more.`);
  return lines.join("\n");
}

/** A Markdown summary: counts, totals, tier changes, who appeared and disappeared. */
export function comparisonMarkdown(result: ExportComparison, context: ComparisonContext): string {
  const c = result.counts;
  const t = result.totals;
  const get = (name: string) => t.getColumn(name).toArray() as unknown[];
  const [columns, units, olds, news, deltas, pcts] = [
    "column",
    "unit",
    "old_total",
    "new_total",
    "delta",
    "change_pct",
  ].map(get);
  const changes = result.tierChanges;
  return [
    `# Export comparison: ${escapeMarkdown(context.oldStamp)} → ${
      escapeMarkdown(context.newStamp)
    }`,
    "",
    `Old: ${escapeMarkdown(context.oldLabel)}. New: ${
      escapeMarkdown(context.newLabel)
    }. Organizations are matched by org_id.`,
    "",
    "## Organizations",
    "",
    markdownTable(["measure", "value"], [
      ["in the old export", formatCount(c.organizationsOld)],
      ["in the new export", formatCount(c.organizationsNew)],
      ["in both", formatCount(c.inBoth)],
      ["appeared (only in the new export)", formatCount(c.appeared)],
      ["disappeared (only in the old export)", formatCount(c.disappeared)],
      ["tier changed", formatCount(c.tierChanged)],
    ]),
    "",
    "## Totals",
    "",
    "Sums over each whole export; empty cells (unknown) are skipped.",
    "",
    markdownTable(
      ["column", "old", "new", "change", "%"],
      columns.map((name, i) => [
        markdownCode(String(name)),
        amount(olds[i] as number, units[i] as string),
        amount(news[i] as number, units[i] as string),
        signed(deltas[i] as number, units[i] as string),
        formatChangePct(pcts[i] as number | null),
      ]),
    ),
    "",
    "## Tier changes",
    "",
    changes.height === 0 ? "None." : markdownTable(
      ["from", "to", "organizations"],
      (changes.getColumn("tier_old").toArray() as string[]).map((from, i) => [
        from,
        String(changes.getColumn("tier_new").get(i)),
        formatCount(Number(changes.getColumn("organizations").get(i))),
      ]),
    ),
    "",
    "## Appeared",
    "",
    listOrgs(result.perOrg, "appeared", 20),
    "",
    "## Disappeared",
    "",
    listOrgs(result.perOrg, "disappeared", 20),
    "",
  ].join("\n");
}

export interface ComparisonFiles {
  perOrgPath: string;
  totalsPath: string;
  summaryPath: string;
}

/** Writes the per-organization CSV, the totals CSV and the Markdown summary, atomically. */
export async function writeComparisonFiles(
  result: ExportComparison,
  { outDir, context }: { outDir: string; context: ComparisonContext },
): Promise<ComparisonFiles> {
  await mkdir(outDir, { recursive: true });
  const base = join(outDir, comparisonFileBase(context.oldStamp, context.newStamp));
  const [perOrgPath, totalsPath, summaryPath] = await writeReportFiles({
    base,
    main: result.perOrg,
    second: { suffix: "_totals", frame: result.totals },
    markdown: comparisonMarkdown(result, context),
  });
  return { perOrgPath, totalsPath, summaryPath };
}
