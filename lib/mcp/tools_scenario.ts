/** run_scenario: a proposal priced on the served dataset, against current MRR and the price book. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import type pl from "nodejs-polars";
import { z } from "zod";
import { strictInput } from "./input_schema.ts";
import { UserError } from "../core/config.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import {
  biggestMovers,
  BREAKDOWN_COLUMNS,
  type CompanyMargin,
  compareScenario,
  isPriceBook,
  marginBoundBrief,
  NO_KNOWN_CURRENT,
  parseScenario,
  priceBookBaseline,
  type Scenario,
  SCENARIO_ASSUMPTIONS,
} from "../analysis/scenario/mod.ts";
import type { DatasetStore } from "./dataset.ts";
import { monthlyBasis } from "./monthly_basis.ts";
import { datasetPriceBook } from "./economics.ts";
import { guarded, jsonBytes, listedWarnings, tableBudget, textResult } from "./result.ts";
import { SCENARIO_PRESETS, scenarioPreset } from "./scenarios.ts";
import type { McpSettings } from "./settings.ts";
import { DATA_NOTE, sentLength, textNumber } from "./text.ts";
import { answerFrom } from "./served_note.ts";
import { frameTable, READ_ONLY } from "./tools_analysis.ts";
import { baselineFacts, baselineLines } from "./scenario_baseline.ts";
import { infrastructureCostSet } from "./infrastructure_cost.ts";
import { MARGIN_WITHOUT_INFRASTRUCTURE } from "../economics/infrastructure_cost.ts";

export function registerScenarioTool(server: McpServer, store: DatasetStore) {
  const settings = store.settings;
  server.registerTool("run_scenario", {
    title: "Current vs proposed pricing (scenario)",
    description:
      "Prices every organization under a proposed pricing scenario and compares with current MRR: " +
      "revenue by plan and by tier now vs proposed, totals, who pays more or less (biggest movers) " +
      "and the breakeven value of a price parameter. Give `scenario` inline in the scenario JSON " +
      "format of scenarios/*.json (fields name, description, addonPrices, plans[], breakeven; read " +
      "resource pricing://price-book for the current list prices in that format), or `preset` to " +
      `use a shipped file (${SCENARIO_PRESETS.join(", ")}). Prices are monthly: on a dataset ` +
      "whose window is not 30 days the usage is priced on a 30-day basis (× 30 / N, as " +
      "`deno task scenario`), with a warning. `by_plan` and `by_tier` rows (a Stripe customer " +
      "several organizations share counts in its revenue row's plan and tier; by_tier's last " +
      `row, all, is the totals) have the columns plan or tier, ${
        BREAKDOWN_COLUMNS.map((c) => c.name).join(", ")
      }: MRR and delta are over the row's comparable organizations (empty when it has none), ` +
      "counts are of organizations; unknown_current (current MRR unknown) and not_comparable " +
      "(a shared customer's paying organizations split between a kept and a re-priced plan) " +
      "count those left out, current_mrr_not_comparable is the MRR left out with the latter. " +
      "Current MRR is what Stripe bills, which the price book itself misses (discounts, term " +
      "billing, prices it does not list): `against_price_book` (null for the book itself) sets " +
      "the proposal against the book on the same organizations, `delta_vs_price_book_usd` being " +
      "what the proposal's own prices change, and lists the customers they raise most " +
      "(`biggest_increases`): quote that delta for a price change, not totals.deltaUsd alone. " +
      "`margin` is the company margin (MRR + PTB revenue − company_cost_30d, over MRR + PTB " +
      "revenue: the basis to price on) now and after the change, the cost taken as unchanged, " +
      "over the compared organizations whose company cost is known (margin_organizations; " +
      "those left out counted: cost_unknown, ptb_revenue_unknown), an upper bound where they " +
      "sent pass-through requests with no cost recorded (ptb_requests_cost_unknown, the " +
      "window's own count, never × 30 / N, of " +
      "ptb_requests_cost_unknown_organizations; 0: none) and where the export set no " +
      "infrastructure cost (infrastructure_cost_set false: company_cost_30d is PTB LLM cost " +
      "alone); by_plan and by_tier carry it " +
      "per row (current_margin_company_pct, proposed_margin_company_pct, margin_change_pts; " +
      "margin_ptb_requests_cost_unknown: such requests of the row's organizations counted, its " +
      "margins upper bounds where above 0). " +
      DATA_NOTE,
    inputSchema: strictInput({
      scenario: z.record(z.string(), z.unknown()).optional().describe(
        'inline scenario, e.g. {"name":"pct2","description":"2% of LLM cost","addonPrices":{},"plans":[{"name":"everyone","pctOfLlmCost":{"percent":2,"basis":"all"}}],"breakeven":"plans[0].pctOfLlmCost.percent"}',
      ),
      preset: z.enum(SCENARIO_PRESETS as [string, ...string[]]).optional().describe(
        "a shipped scenario file",
      ),
      breakeven: z.string().max(200).optional().describe(
        "price parameter path to solve for breakeven, e.g. plans[0].perSeatUsd (default: the scenario's own)",
      ),
      movers: z.number().int().min(1).max(100).default(10).describe(
        "biggest movers to list each way",
      ),
    }),
    annotations: READ_ONLY,
  }, ({ scenario, preset, breakeven, movers }) =>
    guarded(async () => {
      if ((scenario === undefined) === (preset === undefined)) {
        throw new UserError(
          "give exactly one of scenario (inline JSON) or preset (a shipped file name)",
        );
      }
      const parsed: Scenario = scenario !== undefined
        ? parseScenario(scenario, "scenario")
        : await scenarioPreset(preset!);
      const dataset = await store.current();
      return answerFrom({ dataset, maxBytes: settings.maxBytes }, async (maxBytes) => {
        // prices are monthly: another window's usage priced on a 30-day basis, as the CLI
        const basis = monthlyBasis(dataset);
        // what organizations are billed on: the served export's price book (a scenario's differing
        // metered prices are named); none readable is a warning, not a failed comparison
        const book = await datasetPriceBook(dataset, store.settings.env);
        const result = await compareScenario(basis.frame, {
          scenario: parsed,
          ...(breakeven ? { breakeven } : {}),
          ...(book.book ? { priceBook: book.book.scenario } : {}),
          windowDays: dataset.window.days,
        });
        const warnings = [
          ...(basis.note ? [basis.note] : []),
          ...book.warnings,
          ...result.warnings,
        ];
        // each step's garbage (native, unseen by V8) collected before the next: at a million
        // organizations the movers' sorts would otherwise add ~100 MB over the comparison's
        const settle = () => collectDroppedFrames({ rows: basis.frame.height });
        await settle(); // the breakeven's pricing inputs
        const up = biggestMovers(result.perOrg, { outcome: "pays_more", limit: movers });
        await settle();
        const down = biggestMovers(result.perOrg, { outcome: "pays_less", limit: movers });
        await settle();
        // the proposal against the served export's price book too: current MRR is billed MRR,
        // which the book itself misses by its discounts, term billing and unlisted prices
        const baseline =
          book.book && !isPriceBook(parsed, book.book.scenario) && result.totals.comparable > 0
            ? await priceBookBaseline(basis.frame, {
              perOrg: result.perOrg,
              book: book.book.scenario,
              windowDays: dataset.window.days,
              movers,
            })
            : null;
        await settle();
        const t = result.totals;
        const b = result.breakeven;
        // unset, company_cost_30d is PTB LLM cost alone (null: an export without a cost model)
        const infrastructureSet = infrastructureCostSet(dataset);
        // totals, breakeven, the price book's figures and warnings travel in both channels; the
        // tables share the rest (sharedTables). The warnings are listed to a quarter of the cap: a
        // scenario of 5,000 plans has 4,999 shadowed plans, a warning each, which went uncapped
        // into both channels
        const listed = listedWarnings(warnings, Math.floor(maxBytes / 4));
        const facts = baseline ? baselineFacts(baseline) : null;
        const reserved = 2 * jsonBytes({ t, b, a: SCENARIO_ASSUMPTIONS }) + 2 * jsonBytes(facts) +
          2 * jsonBytes(marginFields(result.margin, { infrastructureSet })) + listed.bytes + 1024;
        const room = tableBudget(maxBytes, reserved);
        const [upTable, downTable, planTable, tierTable, baselineTable = null] = sharedTables(
          [
            up,
            down,
            result.byPlan,
            result.byTier,
            ...(baseline ? [baseline.biggest_increases] : []),
          ],
          settings,
          { room },
        );
        const n = textNumber;
        const breakevenLine = b
          ? b.value === null
            ? `breakeven of ${b.parameter}: none (${b.reason}); scenario value ${
              n(b.scenarioValue)
            } ${b.unit}`
            : `breakeven of ${b.parameter}: ${n(b.value)} ${b.unit} (scenario value ${
              n(b.scenarioValue)
            } ${b.unit}; current MRR ${n(b.currentMrrUsd ?? 0)})`
          : "breakeven: no parameter given";
        const text = [
          `scenario ${JSON.stringify(parsed.name)} on ${dataset.frame.height} organizations${
            dataset.demo ? " (demo data)" : ""
          }`,
          t.comparable === 0
            // the proposed 0 of no organization would read as the scenario's yield
            ? `totals: ${
              t.notComparable === 0
                ? `current MRR unknown (${NO_KNOWN_CURRENT}), no comparison`
                // their MRR may be known: named with it, as in the other branch
                : `no organization compared: not comparable ${t.notComparable} (their current ${
                  n(t.currentMrrNotComparableUsd)
                } USD/month left out)`
            }; unknown current ${t.unknownCurrent}, their proposed ${
              n(t.proposedMrrUnknownCurrentUsd)
            } USD/month${
              t.proposedUnknown > 0
                ? ` (${t.proposedUnknown} of them with unknown proposed MRR too, not in it)`
                : ""
            }`
            : `totals (organizations with known current MRR): current ${
              n(t.currentMrrUsd)
            }, proposed ${n(t.proposedMrrUsd)}, delta ${n(t.deltaUsd)} USD/month${
              t.changePct === null ? "" : ` (${n(t.changePct)} %)`
            }; pays more ${t.paysMore}, pays less ${t.paysLess}, unchanged ${t.unchanged}, unknown current ${t.unknownCurrent}${
              t.notComparable > 0
                ? `, not comparable ${t.notComparable} (their current ${
                  n(t.currentMrrNotComparableUsd)
                } USD/month left out)`
                : ""
            }`,
          ...(baseline ? baselineLines(baseline, baselineTable!.text) : []),
          breakevenLine,
          marginText(result.margin, { infrastructureSet }),
          SCENARIO_ASSUMPTIONS,
          "by plan:",
          planTable.text,
          "by tier:",
          tierTable.text,
          "biggest increases:",
          upTable.text,
          "biggest decreases:",
          downTable.text,
          ...listed.lines,
        ].join("\n");
        return textResult(text, {
          scenario: parsed.name,
          totals: t as unknown as Record<string, unknown>,
          by_plan: planTable.rows,
          by_tier: tierTable.rows,
          pays_more: upTable.rows,
          pays_less: downTable.rows,
          breakeven: b
            ? {
              parameter: b.parameter,
              value: b.value,
              scenario_value: b.scenarioValue,
              reason: b.reason ?? null,
            }
            : null,
          against_price_book: baseline
            ? { ...facts, biggest_increases: baselineTable!.rows }
            : null,
          margin: marginFields(result.margin, { infrastructureSet }),
          assumptions: SCENARIO_ASSUMPTIONS,
          warnings: listed.shown,
          warnings_total: warnings.length,
        }, { maxBytes });
      });
    }));
}

/**
 * Whether the served export counted infrastructure cost in company_cost_30d (its manifest's
 * cost model); null when it records no cost model.
 */
interface MarginBasis {
  infrastructureSet: boolean | null;
}

/** The company margin's structured fields (USD per month, %, points). */
function marginFields(
  m: CompanyMargin,
  { infrastructureSet }: MarginBasis,
): Record<string, number | boolean | null> {
  return {
    infrastructure_cost_set: infrastructureSet,
    margin_organizations: m.organizations,
    cost_unknown: m.costUnknown,
    ptb_revenue_unknown: m.ptbRevenueUnknown,
    current_revenue_usd: m.currentRevenueUsd,
    proposed_revenue_usd: m.proposedRevenueUsd,
    company_cost_usd: m.companyCostUsd,
    ptb_requests_cost_unknown: m.costUnrecorded.requests,
    ptb_requests_cost_unknown_organizations: m.costUnrecorded.organizations,
    current_margin_company_pct: m.currentMarginPct,
    proposed_margin_company_pct: m.proposedMarginPct,
    margin_change_pts: m.changePts,
  };
}

/**
 * The company margin's line of the text answer. Without infrastructure cost it is an upper bound,
 * said on the line: the demo's 96.6 % → 28.9 % for 2 % of LLM cost read as the margin after the
 * change, infrastructure counted as $0 without a word (the dataset's warnings said it elsewhere).
 */
function marginText(m: CompanyMargin, { infrastructureSet }: MarginBasis): string {
  const n = textNumber;
  // a margin over a known $0 revenue is undefined, not unknown: said as no revenue
  const pct = (value: number | null, revenue: number) =>
    value !== null ? `${n(value)} %` : revenue === 0 ? "none (no revenue)" : "unknown";
  const leftOut = m.costUnknown + m.ptbRevenueUnknown;
  const out = leftOut > 0
    ? `; left out: company cost unknown ${m.costUnknown}, PTB revenue not read ${m.ptbRevenueUnknown}`
    : "";
  if (m.organizations === 0) return `company margin: no compared organization's is known${out}`;
  const bounds = [
    marginBoundBrief(m, { withOrganizations: true }),
    infrastructureSet === false ? MARGIN_WITHOUT_INFRASTRUCTURE : null,
  ].filter((bound) => bound !== null);
  return `company margin (MRR + PTB revenue − company cost, the cost unchanged) over ${m.organizations} organization${
    m.organizations === 1 ? "" : "s"
  }${bounds.map((bound) => `, ${bound}`).join("")}: current ${
    pct(m.currentMarginPct, m.currentRevenueUsd)
  } (revenue ${n(m.currentRevenueUsd)}, cost ${n(m.companyCostUsd)} USD/month), proposed ${
    pct(m.proposedMarginPct, m.proposedRevenueUsd)
  } (revenue ${n(m.proposedRevenueUsd)})${
    m.changePts === null ? "" : `, ${n(m.changePts)} points`
  }${out}`;
}

/**
 * Tables sharing `room` bytes (both channels), in the order they are given the room the others
 * leave: each first gets an equal share; what those shown whole leave goes to the first that left
 * rows out, what it leaves to the next. By plan and by tier seldom fill theirs at a large cap and
 * are wide at a small one; the movers, given first, name organizations: at 8 KB, in quarters,
 * the biggest increases left a row with a 5,000-character name out whole rather than show it with
 * its name cut.
 */
function sharedTables(
  frames: pl.DataFrame[],
  settings: McpSettings,
  { room }: { room: number },
): ReturnType<typeof frameTable>[] {
  const share = Math.floor(room / frames.length);
  const tables = frames.map((frame) => frameTable(frame, { settings, maxBytes: share }));
  const bytes = (table: ReturnType<typeof frameTable>) =>
    sentLength(table.text) + jsonBytes(table.rows);
  let left = tables.reduce(
    (sum, table) => table.cut > 0 ? sum : sum + Math.max(0, share - bytes(table)),
    0,
  );
  tables.forEach((table, i) => {
    if (table.cut === 0 || left <= 0) return;
    tables[i] = frameTable(frames[i], { settings, maxBytes: share + left });
    left = share + left - bytes(tables[i]);
  });
  return tables;
}
