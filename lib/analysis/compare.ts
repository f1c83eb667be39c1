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

function assertExportFrame(frame: pl.DataFrame, which: string): void {
  const missing = COLUMNS.filter((c) => !frame.columns.includes(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new Error(`the ${which} frame is not an export frame: it lacks ${missing.join(", ")}`);
  }
}

function values(frame: pl.DataFrame, name: string): unknown[] {
  return frame.getColumn(name).toArray() as unknown[];
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * new − old, with float noise dropped: exports keep 12 significant digits in CSV and full
 * precision in XLSX, so the same value read from both can differ in the 13th digit.
 */
export function cleanDelta(oldValue: number, newValue: number): number {
  const delta = newValue - oldValue;
  return Math.abs(delta) <= 1e-10 * Math.max(Math.abs(oldValue), Math.abs(newValue)) ? 0 : delta;
}

function rowIndex(frame: pl.DataFrame): Map<string, number> {
  const index = new Map<string, number>();
  (values(frame, "org_id") as string[]).forEach((id, i) => index.set(id, i));
  return index;
}

/** Compares two export frames (typed as readExportFile or loadPricingData return them). */
export function compareExports(oldFrame: pl.DataFrame, newFrame: pl.DataFrame): ExportComparison {
  assertExportFrame(oldFrame, "old");
  assertExportFrame(newFrame, "new");
  const oldIndex = rowIndex(oldFrame);
  const newIndex = rowIndex(newFrame);
  const oldIds = values(oldFrame, "org_id") as string[];
  const newIds = values(newFrame, "org_id") as string[];
  const ids = [...newIds, ...oldIds.filter((id) => !newIndex.has(id))];
  const rows = ids.map((id) => ({ old: oldIndex.get(id), new: newIndex.get(id) }));
  const presence: Presence[] = rows.map((r) =>
    r.old !== undefined && r.new !== undefined
      ? "both"
      : r.new !== undefined
      ? "appeared"
      : "disappeared"
  );

  const pick = (name: string) => {
    const o = values(oldFrame, name);
    const n = values(newFrame, name);
    return {
      old: rows.map((r) => (r.old === undefined ? null : o[r.old] ?? null)),
      new: rows.map((r) => (r.new === undefined ? null : n[r.new] ?? null)),
    };
  };

  const names = pick("org_name");
  const tiers = pick("tier");
  const tierChanged = rows.map((_, i) =>
    presence[i] === "both" ? tiers.old[i] !== tiers.new[i] : null
  );
  const series: pl.Series[] = [
    pl.Series("org_id", ids, pl.Utf8),
    pl.Series("org_name", names.new.map((n, i) => (n ?? names.old[i]) as string | null), pl.Utf8),
    pl.Series("presence", presence, pl.Utf8),
    pl.Series("tier_old", tiers.old as (string | null)[], pl.Utf8),
    pl.Series("tier_new", tiers.new as (string | null)[], pl.Utf8),
    pl.Series("tier_changed", tierChanged, pl.Bool),
  ];
  for (const name of HEADLINE_COLUMNS) {
    const v = pick(name);
    series.push(
      pl.Series(`${name}_old`, v.old.map(numberOrNull), pl.Float64),
      pl.Series(`${name}_new`, v.new.map(numberOrNull), pl.Float64),
    );
  }
  const totalRows: {
    column: string;
    unit: string;
    old: number;
    new: number;
    unknownOld: number;
    unknownNew: number;
  }[] = [];
  for (const def of NUMERIC_COLUMNS) {
    const v = pick(def.name);
    const additive = isAdditive(def);
    const delta = rows.map((_, i) => {
      const oldValue = numberOrNull(v.old[i]);
      const newValue = numberOrNull(v.new[i]);
      if (presence[i] === "both") {
        return oldValue === null || newValue === null ? null : cleanDelta(oldValue, newValue);
      }
      if (!additive) return null;
      // An absent row counts as 0; an unknown value in the present row stays unknown.
      return presence[i] === "appeared"
        ? (newValue === null ? null : newValue)
        : (oldValue === null ? null : 0 - oldValue);
    });
    series.push(pl.Series(`${def.name}_delta`, delta, pl.Float64));
    if (additive) {
      let oldTotal = 0, newTotal = 0, unknownOld = 0, unknownNew = 0;
      for (const value of values(oldFrame, def.name)) {
        if (value === null || value === undefined) unknownOld++;
        else oldTotal += Number(value);
      }
      for (const value of values(newFrame, def.name)) {
        if (value === null || value === undefined) unknownNew++;
        else newTotal += Number(value);
      }
      totalRows.push({
        column: def.name,
        unit: def.unit,
        old: oldTotal,
        new: newTotal,
        unknownOld,
        unknownNew,
      });
    }
  }

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

  const transitions = new Map<string, { from: string; to: string; n: number }>();
  rows.forEach((_, i) => {
    if (!tierChanged[i]) return;
    const from = String(tiers.old[i] ?? "(none)");
    const to = String(tiers.new[i] ?? "(none)");
    const key = `${from}\u0000${to}`;
    const entry = transitions.get(key) ?? { from, to, n: 0 };
    entry.n++;
    transitions.set(key, entry);
  });
  const changes = [...transitions.values()].sort((a, b) =>
    b.n - a.n || a.from.localeCompare(b.from) || a.to.localeCompare(b.to)
  );
  const tierChanges = pl.DataFrame([
    pl.Series("tier_old", changes.map((c) => c.from), pl.Utf8),
    pl.Series("tier_new", changes.map((c) => c.to), pl.Utf8),
    pl.Series("organizations", changes.map((c) => c.n), pl.Float64).cast(pl.Int64),
  ]);

  const count = (p: Presence) => presence.filter((x) => x === p).length;
  return {
    perOrg: pl.DataFrame(series),
    totals,
    tierChanges,
    counts: {
      organizationsOld: oldFrame.height,
      organizationsNew: newFrame.height,
      inBoth: count("both"),
      appeared: count("appeared"),
      disappeared: count("disappeared"),
      tierChanged: tierChanged.filter((c) => c === true).length,
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
