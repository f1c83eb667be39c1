/** Tools over the analyses the kit already has: key questions, segments, scenarios (compare: tools_compare.ts). */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import pl from "nodejs-polars";
import { z } from "zod";
import { strictFields, strictInput } from "./input_schema.ts";
import { UserError } from "../core/config.ts";
import { collectDroppedFrames } from "../core/memory.ts";
import {
  biggestMovers,
  BREAKDOWN_COLUMNS,
  compareScenario,
  MAX_MONTHLY_USD,
  MAX_PERCENT_OF_LLM_COST,
  MAX_USD_PER_1K,
  NO_KNOWN_CURRENT,
  parseScenario,
  type Scenario,
} from "../analysis/scenario/mod.ts";
import { SEGMENT_NAMES, segmentFrame } from "../report/segments.ts";
import { segmentCustomers } from "../report/segment_customers.ts";
import { plural } from "../analysis/question_common.ts";
import type { DatasetStore } from "./dataset.ts";
import { monthlyBasis } from "./monthly_basis.ts";
import { datasetPriceBook } from "./economics.ts";
import { keyQuestion, QUESTION_NAMES, refuseInapplicable } from "./questions.ts";
import {
  cutTableOut,
  guarded,
  jsonBytes,
  listedWarnings,
  tableBudget,
  textResult,
} from "./result.ts";
import { SCENARIO_PRESETS, scenarioPreset } from "./scenarios.ts";
import type { McpSettings } from "./settings.ts";
import { byteLength, DATA_NOTE, dataLiteral, frameRows, textJson, textNumber } from "./text.ts";
import { quoteValue } from "../core/quote.ts";
import { mrrUnknown } from "../revenue/columns.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { answerFrom } from "./served_note.ts";

/** A request-count threshold: a trillion, far past any organization's month. */
const MAX_REQUESTS_THRESHOLD = 1e12;

export const READ_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false };

/**
 * A frame as a capped table for both channels. `ranked`: the frame is the first `top` of `of`
 * rows already (a key question's thresholds.top), so the last line says of how many and that top
 * cut them. Long data text (an organization's name) is cut to show the rows (cutTableOut): one
 * 40,000-character name at the top of a list read "0 of 15 rows shown" and hid every figure.
 */
export function frameTable(
  frame: pl.DataFrame,
  settings: McpSettings,
  budget = settings.maxBytes,
  ranked?: { top: number; of: number },
) {
  const capped = frame.head(settings.maxRows);
  return cutTableOut(capped.columns, frameRows(capped), {
    maxBytes: budget,
    total: ranked ? Math.max(ranked.of, frame.height) : frame.height,
    ...(ranked ? { limit: ranked.top, limitName: "top" } : {}),
  });
}

const SEGMENT_COLUMNS = [
  "org_id",
  "org_name",
  "tier",
  "seats",
  "requests_30d",
  "llm_cost_30d",
  "mrr",
  "gross_margin_pct",
];

export function registerAnalysisTools(
  server: McpServer,
  store: DatasetStore,
  settings: McpSettings,
) {
  server.registerTool("key_question", {
    title: "Answer one of the spec's six key pricing questions",
    description:
      "Answers one of the six key pricing questions with the same table, facts and one-line " +
      "reading as notebooks/pricing_questions.ipynb: underpriced (high usage, low MRR), " +
      "upgrade_candidates (heavy free tier), churn_risk (negative margin), pricing_models " +
      "(seat vs per-request vs % of LLM cost, each priced as run_scenario prices a one-plan " +
      "scenario: the same revenue and breakeven; a Stripe customer several organizations share " +
      "counts, with all of them, in the tier of the row carrying its revenue, so its `organizations` " +
      "per tier can differ from the brief's By tier (each organization in its own `tier`), which " +
      "`own_tier_organizations` matches), feature_adoption (prompts add-on), ptb_vs_byok (by " +
      "traffic type; a Stripe customer several organizations share is typed by their traffic " +
      "together, gateway-only and BYOK ones as mixed, so its revenue meets all of its cost: its " +
      "gateway-only row can differ from segment gateway_only, which takes each organization's own " +
      "`has_gateway_only`; `typed_by_customer` counts those moved). " +
      "Thresholds and model prices are optional overrides. On a dataset whose window is not 30 " +
      "days the usage columns are put on a 30-day basis first (× 30 / N, as the notebook does) " +
      "and the result's `basis` says so. " + DATA_NOTE,
    inputSchema: strictInput({
      question: z.enum(QUESTION_NAMES).describe("which question"),
      thresholds: strictFields({
        underpricedMinRequests: z.number().min(0).max(MAX_REQUESTS_THRESHOLD).optional(),
        underpricedMinLlmCostUsd: z.number().min(0).max(MAX_MONTHLY_USD).optional(),
        underpricedMaxMrrUsd: z.number().min(0).max(MAX_MONTHLY_USD).optional(),
        upgradeMinRequests: z.number().min(0).max(MAX_REQUESTS_THRESHOLD).optional(),
        upgradeSeatPriceUsd: z.number().min(0).max(MAX_MONTHLY_USD).optional(),
        top: z.number().int().min(1).max(200).optional(),
      }, "thresholds").optional().describe(
        "overrides of the question thresholds (defaults as the notebook): underpriced* for " +
          "underpriced, upgrade* for upgrade_candidates, top for those two and churn_risk; " +
          "one the question does not read is refused",
      ),
      prices: strictFields({
        seatPriceUsd: z.number().min(0).max(MAX_MONTHLY_USD).optional(),
        per1kRequestsUsd: z.number().min(0).max(MAX_USD_PER_1K).optional(),
        pctOfLlmCost: z.number().min(0).max(MAX_PERCENT_OF_LLM_COST).optional(),
      }, "prices").optional().describe("pricing_models only: prices of the simple models"),
    }),
    annotations: READ_ONLY,
  }, ({ question, thresholds, prices }) =>
    guarded(async () => {
      const dataset = await store.current();
      return answerFrom(dataset, settings.maxBytes, (maxBytes) => {
        const q = keyQuestion(question);
        refuseInapplicable(q, thresholds ?? {}, prices ?? {});
        // MRR and prices are monthly: another window's usage on a 30-day basis, as the notebook
        const basis = monthlyBasis(dataset);
        const answer = q.answer(basis.frame, thresholds ?? {}, prices ?? {}, {
          windowDays: dataset.window.days,
        });
        // reading, facts and basis travel in both channels; the table gets the rest
        // (facts as text and as JSON: text numbers can be longer, 1e-12 is 0.000000000001)
        const reserved = 2 * byteLength(q.question + answer.reading + (basis.note ?? "")) +
          byteLength(textJson(answer.facts)) + jsonBytes(answer.facts) + 256;
        const table = frameTable(
          answer.table,
          settings,
          tableBudget(maxBytes, reserved),
          answer.ranked,
        );
        return textResult(
          `${q.question}\n${
            basis.note ? `basis: ${basis.note}\n` : ""
          }reading: ${answer.reading}\nfacts: ${textJson(answer.facts)}\n${table.text}`,
          {
            question,
            ...(basis.note ? { basis: basis.note } : {}),
            reading: answer.reading,
            facts: answer.facts as Record<string, unknown>,
            table: table.rows,
          },
          maxBytes,
        );
      });
    }));

  server.registerTool("segment", {
    title: "Organizations in a named segment",
    description: "Lists the organizations of one named segment (the export's --segments files): " +
      `${SEGMENT_NAMES.join(", ")}. Returns the rule, the count, totals of MRR, LLM cost and ` +
      "requests over the segment's Stripe customers whole (a customer's revenue is on one " +
      "organization's row and pays for all of them, so the totals add its organizations outside " +
      "the segment: outside_organizations), MRR over organizations with known MRR (unknown_mrr " +
      "counting the rest; null when none is known), the organizations a rule that judges MRR " +
      "could not judge (not_judged: MRR unknown), and the segment's organizations (largest LLM " +
      `cost first, at most ${settings.maxRows}). ` + DATA_NOTE,
    inputSchema: strictInput({
      name: z.enum(SEGMENT_NAMES as [string, ...string[]]).describe("segment name"),
      columns: z.array(z.string()).max(50).optional().describe(
        `columns to list (default ${SEGMENT_COLUMNS.join(", ")}); one named twice is listed once`,
      ),
      limit: z.number().int().min(1).max(5000).optional().describe("rows to list"),
    }),
    annotations: READ_ONLY,
  }, ({ name, columns, limit }) =>
    guarded(async () => {
      const dataset = await store.current();
      return answerFrom(dataset, settings.maxBytes, (maxBytes) => {
        const segment = segmentFrame(dataset.frame, { name, windowDays: dataset.window.days });
        if (columns !== undefined && columns.length === 0) {
          throw new UserError(
            "columns is empty: list at least one column, or leave columns out for the default " +
              `(${SEGMENT_COLUMNS.join(", ")})`,
          );
        }
        // a column named twice is listed once, where first named (a frame holds a name once)
        const wanted = [...new Set(columns ?? SEGMENT_COLUMNS)];
        const unknown = wanted.filter((c) => !dataset.frame.columns.includes(c));
        if (unknown.length > 0) {
          throw new UserError(
            `unknown column ${
              unknown.map((c) => quoteValue(c, dataLiteral)).join(", ")
            }; describe_dataset lists the columns`,
          );
        }
        const sorted = segment.frame.sort("llm_cost_30d", true, true);
        const listed = sorted.select(...wanted).head(
          Math.min(limit ?? settings.maxRows, settings.maxRows),
        );
        // empty because MRR is unknown (revenue not fetched): no $0 MRR, the reason beside it
        const notJudged = segment.notJudged;
        // the totals set MRR beside cost: over the segment's Stripe customers whole, as the admin
        // page's margins (a customer's revenue row outside the segment, or its other organizations)
        const whole = segmentCustomers(dataset.frame, segment.frame);
        const frame = whole.frame;
        const sum = (c: string) => frame.getColumn(c).sum() as number ?? 0;
        // organizations whose MRR is unknown (not carried by a shared customer's other
        // organization): the MRR total is over the known ones, null when none is known
        const unknownMrr = frame.filter(mrrUnknown(frame)).height;
        const knownMrr = frame.getColumn("mrr").nullCount() < frame.height;
        const totalUnknown = frame.height === 0 ? notJudged !== null : !knownMrr && unknownMrr > 0;
        const totals = {
          organizations: segment.frame.height,
          outside_organizations: whole.outside,
          mrr: totalUnknown ? null : sum("mrr"),
          unknown_mrr: unknownMrr,
          llm_cost_30d: sum("llm_cost_30d"),
          requests_30d: sum("requests_30d"),
        };
        const notes = [
          ...(notJudged ? [notJudged.text] : []),
          ...(whole.outside === 0 ? [] : [
            `totals count each Stripe customer whole (its revenue is on one organization's row and pays for all of them): mrr, unknown_mrr, llm_cost_30d and requests_30d are over the segment's ${
              plural(segment.frame.height, { one: "organization" })
            } and ${whole.outside} outside it sharing a Stripe customer with one in it; $${
              textNumber(whole.outsideMrrUsd)
            } of the MRR is on that ${whole.outside}`,
          ]),
          ...windowNotes(totals, dataset.window.days),
          ...(unknownMrr === 0 ? [] : [
            totalUnknown
              ? `mrr unknown: ${unknownMrr} of ${frame.height} organizations with unknown MRR, none known`
              : `mrr is the sum over organizations with known MRR; ${unknownMrr} of ${frame.height} with unknown MRR not in it`,
          ]),
        ];
        const note = notes.map((line) => `\nnote: ${line}`).join("");
        const reserved = 2 * byteLength(segment.title + segment.rule + note) +
          byteLength(textJson(totals)) + jsonBytes(totals) + 256;
        // (a long name is cut to show the rows, as frameTable's)
        const table = cutTableOut(listed.columns, frameRows(listed), {
          maxBytes: tableBudget(maxBytes, reserved),
          total: segment.frame.height,
          // a limit within the row cap is the caller's: "limit 3 of 14 rows", no advice
          ...(limit !== undefined && limit <= settings.maxRows ? { limit } : {}),
        });
        return textResult(
          `${segment.title}\nrule: ${segment.rule}${note}\ntotals: ${
            textJson(totals)
          }\n${table.text}`,
          {
            name,
            title: segment.title,
            rule: segment.rule,
            not_judged: notJudged,
            totals,
            rows: table.rows,
          },
          maxBytes,
        );
      });
    }));

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
      return answerFrom(dataset, settings.maxBytes, async (maxBytes) => {
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
        const t = result.totals;
        const b = result.breakeven;
        // totals, breakeven and warnings travel in both channels; four tables share the rest. The
        // warnings are listed to a quarter of the cap: a scenario of 5,000 plans has 4,999 shadowed
        // plans, a warning each, which went uncapped into both channels
        const listed = listedWarnings(warnings, Math.floor(maxBytes / 4));
        const reserved = 2 * jsonBytes({ t, b }) + listed.bytes + 1024;
        const budget = Math.floor(tableBudget(maxBytes, reserved) / 4);
        const planTable = frameTable(result.byPlan, settings, budget);
        const tierTable = frameTable(result.byTier, settings, budget);
        const upTable = frameTable(up, settings, budget);
        const downTable = frameTable(down, settings, budget);
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
          breakevenLine,
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
          warnings: listed.shown,
          warnings_total: warnings.length,
        }, maxBytes);
      });
    }));
}

/**
 * Another window's segment totals are the window's sums beside a month's MRR: said, with the sums
 * on a 30-day basis (a 7-day "negative margin" segment's cost read as below its MRR).
 */
function windowNotes(
  totals: { llm_cost_30d: number; requests_30d: number },
  days: number,
): string[] {
  if (days === MONTH_DAYS) return [];
  const monthly = (value: number) => textNumber(value * MONTH_DAYS / days);
  return [
    `llm_cost_30d and requests_30d are the ${days}-day window's sums (the columns keep their _30d names) and mrr is a month's: on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${days}) the LLM cost is $${
      monthly(totals.llm_cost_30d)
    } and the requests ${monthly(totals.requests_30d)}`,
  ];
}
