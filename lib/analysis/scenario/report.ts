/** Scenario files: the per-organization and per-tier CSVs and the Markdown report. */
import type { ChosenBy } from "../../core/chosen_by.ts";
import pl from "nodejs-polars";
import { join } from "node:path";
import { formatChangePct, formatCount, formatUsd } from "../../report/numbers.ts";
import { isoDate } from "../../formats/files.ts";
import { exportStamp, STANDARD_WINDOW_DAYS } from "../../formats/export_names.ts";
import { frameCsvByteChunks, writeChunksFile } from "../../formats/csv.ts";
import { writeFileSet } from "../../formats/staging.ts";
import { escapeMarkdown, markdownList, markdownTable } from "../../formats/markdown.ts";
import { biggestMovers, type ScenarioComparison } from "./comparison.ts";
import type { Scenario } from "./model.ts";
import { NO_PLAN } from "../../core/no_plan.ts";
import { NOT_COMPARABLE_REASON } from "./customers.ts";
import { NO_KNOWN_CURRENT, noneComparedReason } from "./totals.ts";
import type { PriceBookBaseline } from "./price_book_baseline.ts";
import { marginMarkdown, moversMarkdown, priceBookMarkdown } from "./report_sections.ts";
import { signedUsd } from "../../core/usd.ts";

// ── files ───────────────────────────────────────────────────────────────────────────────────

/**
 * `helicone_pricing_scenario_<name>_<stamp>` (stamp: the data's as-of date, `_demo` for demo, an
 * input file's segment or `trimmed` suffix).
 */
export function scenarioFileBase(scenario: Scenario, stamp: string): string {
  return `helicone_pricing_scenario_${scenario.name}_${stamp}`;
}

const pct = formatChangePct;

/** "–" where a figure has nothing to sum (a tier with no known current MRR) */
function usdOrDash(value: number | null): string {
  return value === null ? "–" : formatUsd(value);
}

function moversTable(
  perOrg: pl.DataFrame,
  { descending, limit }: { descending: boolean; limit: number },
): string {
  const movers = biggestMovers(perOrg, {
    outcome: descending ? "pays_more" : "pays_less",
    limit,
  });
  return moversMarkdown(movers, { against: "current" });
}

/**
 * The By tier and By plan tables' columns: a breakdown frame's (breakdown.ts BREAKDOWN_COLUMNS)
 * under the summary's headers, money "–" where none is comparable (empty in the frame).
 */
const TOTALS_TABLE_COLUMNS: {
  column: string;
  header: string;
  show: (v: number | null) => string;
}[] = [
  { column: "organizations", header: "organizations", show: (v) => formatCount(v!) },
  { column: "current_mrr", header: "current MRR", show: usdOrDash },
  { column: "proposed_mrr", header: "proposed MRR", show: usdOrDash },
  { column: "delta_usd", header: "change", show: (v) => v === null ? "–" : signedUsd(v) },
  { column: "change_pct", header: "%", show: pct },
  { column: "pays_more", header: "pay more", show: (v) => formatCount(v!) },
  { column: "pays_less", header: "pay less", show: (v) => formatCount(v!) },
  { column: "unchanged", header: "unchanged", show: (v) => formatCount(v!) },
  { column: "unknown_current", header: "unknown current", show: (v) => formatCount(v!) },
  // left out of the row's comparison as unknown_current is: a plan's MRR is not all compared
  { column: "not_comparable", header: "not comparable", show: (v) => formatCount(v!) },
];

/** The By tier or By plan table of a breakdown frame (byTier, byPlan), `first` its rows' column. */
function totalsTable(first: "tier" | "plan", breakdown: pl.DataFrame): string {
  const names = breakdown.getColumn(first).toArray() as string[];
  const columns = TOTALS_TABLE_COLUMNS.map(({ column }) =>
    breakdown.getColumn(column).toArray() as (number | null)[]
  );
  return markdownTable(
    [first, ...TOTALS_TABLE_COLUMNS.map(({ header }) => header)],
    names.map((name, i) => [
      name,
      ...TOTALS_TABLE_COLUMNS.map(({ show }, c) => show(columns[c][i])),
    ]),
  );
}

/**
 * What an N-day window's usage became in the pricing (lib/cli/scenario.ts puts it on a 30-day
 * basis), after `lead`; "" for a 30-day window.
 */
export function windowNote(windowDays: number, lead = ""): string {
  if (windowDays === STANDARD_WINDOW_DAYS) return "";
  return `${lead}The data's window is ${windowDays} days: its usage (requests, LLM cost) is priced on a 30-day basis (× 30 / ${windowDays}), as prices are monthly; the per-organization file's requests_30d and llm_cost_30d are the window's own ${windowDays}-day values, as in the export.`;
}

/**
 * The per-organization frame of a comparison priced on `windowFrame`'s usage put on a 30-day
 * basis, with the window's own usage in requests_30d and llm_cost_30d (as perOrgFrame reads them:
 * unknown = 0): the export's column names with the export's values, not scaled ones under them.
 * Rows are in `windowFrame`'s order, as the per-organization frame's.
 */
export function perOrgWithWindowUsage(
  perOrg: pl.DataFrame,
  windowFrame: pl.DataFrame,
): pl.DataFrame {
  const known = (name: string) => pl.col(name).cast(pl.Float64).fillNull(0);
  const usage = windowFrame.select(
    known("requests_30d").cast(pl.Int64).alias("requests_30d"),
    known("llm_cost_30d").alias("llm_cost_30d"),
  );
  return perOrg.withColumns(...usage.getColumns());
}

/**
 * What a scenario leaves out, said in every summary (and MCP's run_scenario): the comparison is
 * static, today's customers and usage at new prices, and reads as a forecast unless it says so.
 */
export const SCENARIO_ASSUMPTIONS =
  "Not modelled: how customers respond. Each organization keeps its window's usage, seats, add-ons and tier (no churn, no price elasticity, no new customers). Proposed MRR is revenue at the scenario's prices, without discounts or taxes. The company margin after the change is proposed MRR + PTB revenue − company cost with each organization's company cost (PTB LLM cost + infrastructure) and PTB revenue taken as unchanged: the same usage costs the same.";

/**
 * A comparison as the summary reports it: with the proposal against the price book when one was
 * set against it (`book` its name; `baseline` null when the scenario is the book itself).
 */
export type ScenarioReport = ScenarioComparison & {
  againstPriceBook?: { book: string; baseline: PriceBookBaseline | null };
};

/** Whether some organization's Stripe customer's revenue is on another organization's row. */
function sharesCustomers(revenueRowOf: Int32Array): boolean {
  return revenueRowOf.some((row, i) => row !== i);
}

export interface ScenarioReportContext {
  /** where the data came from, e.g. the export file name or "fresh demo data" */
  dataLabel: string;
  asOf: Date;
  demo: boolean;
  /** the data's window in days (default 30): another one is in the file names */
  windowDays?: number;
  /**
   * the input file's suffix after its stamp (a segment, `trimmed`), kept in the file names: a
   * segment's scenario files never replace the whole export's
   */
  suffix?: string;
  /** which part of the export the data is (`the underpriced segment`), when not the whole */
  part?: string;
  /**
   * what was assumed of the data or read as empty (an input file neither named as an export nor
   * with a manifest: its window and demo flag; an earlier kit version's missing columns): listed
   * in the summary's warnings, which outlive the run's stderr
   */
  dataWarnings?: string[];
  /**
   * whether the run that made the data counted infrastructure cost in company_cost_30d (its cost
   * model; an export's manifest): false, the company margins are upper bounds, said; absent or
   * null, not recorded (an export without a manifest, a history snapshot): nothing said
   */
  infrastructureCostSet?: boolean | null;
}

/**
 * A Markdown summary of a scenario comparison: totals, against the price book, company margin,
 * breakeven, tiers, plans, biggest movers.
 */
export function scenarioMarkdown(
  result: ScenarioReport,
  context: ScenarioReportContext,
): string {
  const { scenario, totals, breakeven } = result;
  const lines = [
    `# Pricing scenario ${escapeMarkdown(scenario.name)}, data as of ${isoDate(context.asOf)}${
      context.demo ? " (DEMO DATA)" : ""
    }${context.part ? `, ${context.part} only` : ""}`,
    "",
    escapeMarkdown(scenario.description || "(no description)", { maxLength: 2000 }),
    "",
    `Data: ${
      escapeMarkdown(context.dataLabel)
    }. Current revenue is the export's \`mrr\` (the spec's MRR, including the last closed period's usage charges). Proposed revenue is per month.${
      windowNote(context.windowDays ?? STANDARD_WINDOW_DAYS, " ")
    }${
      sharesCustomers(result.revenueRowOf)
        ? " Organizations sharing a Stripe customer are compared as one: the customer's MRR against the sum of their proposed MRR, counted in the tier of the organization whose row carries the customer's revenue; a biggest mover is a customer, named by that organization, its organizations counted."
        : ""
    }`,
    "",
    SCENARIO_ASSUMPTIONS,
    "",
    "## Totals",
    "",
    `Over the ${formatCount(totals.comparable)} organizations whose current MRR is known:`,
    "",
    markdownTable(["measure", "value"], [
      // none known (revenue not fetched): no comparison, not a proposed $0 that reads as the
      // scenario bringing nothing (what it brings is on the unknown-current row)
      ...(totals.comparable === 0
        ? [
          ...(totals.notComparable === 0
            ? [
              ["current MRR", `unknown (${NO_KNOWN_CURRENT})`],
              ["proposed MRR", `– (${NO_KNOWN_CURRENT}: nothing to compare; see the last row)`],
            ]
            // the not comparable may have known MRR: not "unknown"
            : [
              ["current MRR", `– (${noneComparedReason(totals)})`],
              ["proposed MRR", "– (nothing to compare; see the last two rows)"],
            ]),
          ["change", "–"],
        ]
        : [
          ["current MRR", formatUsd(totals.currentMrrUsd)],
          ["proposed MRR", formatUsd(totals.proposedMrrUsd)],
          ["change", `${signedUsd(totals.deltaUsd)} (${pct(totals.changePct)})`],
        ]),
      ["organizations paying more", formatCount(totals.paysMore)],
      ["organizations paying less", formatCount(totals.paysLess)],
      ["organizations unchanged (within half a cent)", formatCount(totals.unchanged)],
      [
        "organizations with unknown current MRR (not above)",
        `${formatCount(totals.unknownCurrent)} (proposed ${
          formatUsd(totals.proposedMrrUnknownCurrentUsd)
        }${
          totals.proposedUnknown > 0
            ? `; ${
              formatCount(totals.proposedUnknown)
            } of them with unknown proposed MRR too, not in it`
            : ""
        })`,
      ],
      // a customer whose MRR may be known but cannot be compared (customers.ts): not "unknown"
      ...(totals.notComparable > 0
        ? [[
          "organizations not comparable (not above)",
          `${formatCount(totals.notComparable)} (current MRR ${
            formatUsd(totals.currentMrrNotComparableUsd)
          }: ${NOT_COMPARABLE_REASON})`,
        ]]
        : []),
    ]),
    "",
  ];
  if (result.againstPriceBook) {
    const { book, baseline } = result.againstPriceBook;
    lines.push(...priceBookMarkdown(baseline, { book }));
  }
  lines.push(
    ...marginMarkdown(result, { infrastructureSet: context.infrastructureCostSet ?? null }),
  );
  if (breakeven) {
    lines.push(
      "## Breakeven",
      "",
      breakeven.value === null
        ? `\`${breakeven.parameter}\` (${breakeven.scenarioValue} ${breakeven.unit} in the scenario): no breakeven, ${breakeven.reason}.`
        : `\`${breakeven.parameter}\` = **${+breakeven.value.toPrecision(
          6,
        )}** ${breakeven.unit} makes proposed MRR equal current MRR (${
          formatUsd(breakeven.currentMrrUsd ?? 0)
        }); the scenario has ${breakeven.scenarioValue} ${breakeven.unit}.`,
      "",
    );
  }
  lines.push(
    "## By tier",
    "",
    "Each row's MRR and change are over its comparable organizations; unknown current and not comparable count those left out of them.",
    "",
    totalsTable("tier", result.byTier),
    "",
    "## By plan",
    "",
    `The scenario's plans in its order, then "${NO_PLAN}" for organizations no plan matches; a Stripe customer's organizations count in the plan of its revenue row, as in the tiers.`,
    "",
    totalsTable("plan", result.byPlan),
    "",
    "## Biggest increases",
    "",
    moversTable(result.perOrg, { descending: true, limit: 10 }),
    "",
    "## Biggest decreases",
    "",
    moversTable(result.perOrg, { descending: false, limit: 10 }),
    "",
  );
  const warnings = [...(context.dataWarnings ?? []), ...result.warnings];
  if (warnings.length > 0) lines.push("## Warnings", "", ...markdownList(warnings), "");
  // JSON escapes no backticks: a fence longer than any run of them in the text cannot be closed.
  const json = JSON.stringify(scenario, null, 2);
  const fence = "`".repeat(Math.max(3, ...(json.match(/`+/g) ?? []).map((r) => r.length + 1)));
  lines.push("## Scenario", "", `${fence}json`, json, fence, "");
  return lines.join("\n");
}

export interface ScenarioFiles {
  perOrgPath: string;
  byTierPath: string;
  summaryPath: string;
}

/**
 * Writes one scenario's comparison (per-organization CSV, per-tier CSV with last row `all`, the
 * Markdown summary) into `dir`, a staging folder of writeFileSet; returns the three paths.
 * `chosenBy`: how the user chose the output folder (--out-dir…), for the fix a failure names.
 */
export async function stageScenarioFiles(
  result: ScenarioReport,
  { dir, chosenBy, context }: { dir: string; chosenBy: ChosenBy; context: ScenarioReportContext },
): Promise<ScenarioFiles> {
  const stamp = exportStamp({
    asOf: context.asOf,
    demo: context.demo,
    windowDays: context.windowDays,
  });
  const base = join(
    dir,
    scenarioFileBase(result.scenario, context.suffix ? `${stamp}_${context.suffix}` : stamp),
  );
  const [perOrgPath, byTierPath, summaryPath] = [".csv", "_by_tier.csv", ".md"]
    .map((ext) => `${base}${ext}`);
  await writeChunksFile(frameCsvByteChunks(result.perOrg), perOrgPath, { chosenBy });
  await writeChunksFile(frameCsvByteChunks(result.byTier), byTierPath, { chosenBy });
  await writeChunksFile([scenarioMarkdown(result, context)], summaryPath, { chosenBy });
  return { perOrgPath, byTierPath, summaryPath };
}

/**
 * Writes the comparison export: per-organization CSV, per-tier CSV (last row `all`) and the
 * Markdown summary, atomically, named after the scenario and the data's date stamp. `chosenBy`:
 * how the user chose `outDir` (--out-dir, a notebook's argument), for the fix a failure names.
 */
export async function writeScenarioFiles(
  result: ScenarioReport,
  { outDir, chosenBy, context }: {
    outDir: string;
    chosenBy: ChosenBy;
    context: ScenarioReportContext;
  },
): Promise<ScenarioFiles> {
  const [perOrgPath, byTierPath, summaryPath] = await writeFileSet(outDir, async (dir) => {
    const staged = await stageScenarioFiles(result, { dir, chosenBy, context });
    return [staged.perOrgPath, staged.byTierPath, staged.summaryPath];
  }, { chosenBy });
  return { perOrgPath, byTierPath, summaryPath };
}
