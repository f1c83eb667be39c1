/** Tools over the analyses the kit already has: key questions, segments (scenarios: tools_scenario.ts; compare: tools_compare.ts). */
import { UNKNOWN_FROM_QUERY_OR_FILE } from "../core/words.ts";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp";
import pl from "nodejs-polars";
import { z } from "zod";
import { strictFields, strictInput } from "./input_schema.ts";
import { UserError } from "../core/config.ts";
import {
  MAX_MONTHLY_USD,
  MAX_PERCENT_OF_LLM_COST,
  MAX_USD_PER_1K,
} from "../analysis/scenario/mod.ts";
import { mrrNotJudged, SEGMENT_NAMES, segmentFrame } from "../report/segments.ts";
import { segmentCustomers } from "../report/segment_customers.ts";
import { plural } from "../analysis/question_common.ts";
import type { DatasetStore } from "./dataset.ts";
import { monthlyBasis } from "./monthly_basis.ts";
import { keyQuestion, QUESTION_NAMES, refuseInapplicable } from "./questions.ts";
import { cutTableOut, guarded, jsonBytes, tableBudget, textResult } from "./result.ts";
import type { McpSettings } from "./settings.ts";
import { DATA_NOTE, dataLiteral, frameRows, sentLength, textJson, textNumber } from "./text.ts";
import { quoteValue } from "../core/quote.ts";
import { nearestName } from "../core/nearest_name.ts";
import { knownMrrRows } from "../revenue/columns.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { answerFrom } from "./served_note.ts";
import { infrastructureCostSet, MARGINS_WITHOUT_INFRASTRUCTURE } from "./infrastructure_cost.ts";

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
  { settings, maxBytes = settings.maxBytes, ranked }: {
    /** its maxRows caps the rows; its maxBytes the table, unless `maxBytes` is given */
    settings: McpSettings;
    maxBytes?: number;
    ranked?: { top: number; of: number };
  },
) {
  const capped = frame.head(settings.maxRows);
  return cutTableOut(capped.columns, frameRows(capped), {
    maxBytes,
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

/** The questions whose reading states company-basis margins (cost_model's note goes with them). */
const COMPANY_MARGIN_QUESTIONS: ReadonlySet<string> = new Set(["ptb_vs_byok", "churn_risk"]);

export function registerAnalysisTools(server: McpServer, store: DatasetStore) {
  const settings = store.settings;
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
      "`has_gateway_only`; `typed_by_customer` counts those moved; a `traffic unknown` row and " +
      "facts only when some organization's PTB or BYOK request count that decides its type is " +
      "unknown, a NaN or infinite count, never taken as no requests; `requests_cost_unknown_30d` " +
      "per type counts requests with no cost recorded, `ptb_requests_cost_unknown_30d` those of " +
      "them the company pays the provider for (pass-through, not cache hits: empty in an export " +
      "from before it), and the reading says which margin they bound: only the pass-through ones " +
      "bound the company-basis margin; both counts are the window's own, never × 30 / N). " +
      "Thresholds and model prices are optional overrides. On a dataset whose window is not 30 " +
      "days the usage columns are put on a 30-day basis first (× 30 / N, as the notebook does) " +
      "and the result's `basis` says so. Where the export set no infrastructure cost " +
      "(PRICING_INFRA_USD_PER_1K_REQUESTS), ptb_vs_byok and churn_risk say in `cost_model` that " +
      "their company-basis margins are upper bounds. " + DATA_NOTE,
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
      return answerFrom({ dataset, maxBytes: settings.maxBytes }, (maxBytes) => {
        const q = keyQuestion(question);
        refuseInapplicable(q, { thresholds: thresholds ?? {}, prices: prices ?? {} });
        // MRR and prices are monthly: another window's usage on a 30-day basis, as the notebook
        const basis = monthlyBasis(dataset);
        const answer = q.answer(basis.frame, thresholds ?? {}, prices ?? {}, {
          windowDays: dataset.window.days,
        });
        // a reading that states company-basis margins, on an export without infrastructure cost
        const costModel = COMPANY_MARGIN_QUESTIONS.has(question) &&
            infrastructureCostSet(dataset) === false
          ? MARGINS_WITHOUT_INFRASTRUCTURE
          : null;
        // reading, facts, basis and cost model travel in both channels; the table gets the rest
        // (facts as text and as JSON: text numbers can be longer, 1e-12 is 0.000000000001)
        const reserved = 2 *
            sentLength(q.question + answer.reading + (basis.note ?? "") + (costModel ?? "")) +
          sentLength(textJson(answer.facts)) + jsonBytes(answer.facts) + 256;
        const table = frameTable(answer.table, {
          settings,
          maxBytes: tableBudget(maxBytes, reserved),
          ranked: answer.ranked,
        });
        return textResult(
          `${q.question}\n${costModel ? `cost model: ${costModel}\n` : ""}${
            basis.note ? `basis: ${basis.note}\n` : ""
          }reading: ${answer.reading}\nfacts: ${textJson(answer.facts)}\n${table.text}`,
          {
            question,
            ...(costModel ? { cost_model: costModel } : {}),
            ...(basis.note ? { basis: basis.note } : {}),
            reading: answer.reading,
            facts: answer.facts as Record<string, unknown>,
            table: table.rows,
          },
          { maxBytes },
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
      "counting the rest; null when none is known), LLM cost and requests over organizations " +
      "whose figure is known (unknown_llm_cost_30d and unknown_requests_30d count the rest, NaN " +
      "or infinite from a query or empty in an export file, present only when some is; null " +
      "when none is known), the " +
      "organizations a rule that judges MRR " +
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
      return answerFrom({ dataset, maxBytes: settings.maxBytes }, (maxBytes) => {
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
              unknown.map((c) => {
                const near = nearestName(c, dataset.frame.columns);
                return `${quoteValue(c, { quote: dataLiteral })}${
                  near ? ` (did you mean ${near}?)` : ""
                }`;
              }).join(", ")
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
        // a cost or count unknown (NaN or infinite from a query) is not in its sum: counted and
        // said, only when some is; no total when none is known
        const unknownOf = (c: string) => frame.height === 0 ? 0 : frame.getColumn(c).nullCount();
        const unknownCost = unknownOf("llm_cost_30d");
        const unknownRequests = unknownOf("requests_30d");
        const knownSumOf = (c: string, unknown: number) =>
          unknown > 0 && unknown === frame.height ? null : sum(c);
        // organizations whose MRR is unknown (not carried by a shared customer's other
        // organization with it): the MRR total is over the known ones, null when none is known
        const unknownMrr = frame.height - knownMrrRows(frame, frame).height;
        const knownMrr = frame.getColumn("mrr").nullCount() < frame.height;
        // (MRR unknown, not an unknown count: a segment left empty by those has no MRR to total)
        const totalUnknown = frame.height === 0
          ? mrrNotJudged(notJudged) > 0
          : !knownMrr && unknownMrr > 0;
        const totals = {
          organizations: segment.frame.height,
          outside_organizations: whole.outside,
          mrr: totalUnknown ? null : sum("mrr"),
          unknown_mrr: unknownMrr,
          llm_cost_30d: knownSumOf("llm_cost_30d", unknownCost),
          requests_30d: knownSumOf("requests_30d", unknownRequests),
          ...(unknownCost > 0 ? { unknown_llm_cost_30d: unknownCost } : {}),
          ...(unknownRequests > 0 ? { unknown_requests_30d: unknownRequests } : {}),
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
          ...unknownSumNotes(
            [["llm_cost_30d", unknownCost], ["requests_30d", unknownRequests]],
            frame.height,
          ),
        ];
        const note = notes.map((line) => `\nnote: ${line}`).join("");
        const reserved = 2 * sentLength(segment.title + segment.rule + note) +
          sentLength(textJson(totals)) + jsonBytes(totals) + 256;
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
          { maxBytes },
        );
      });
    }));
}

/**
 * Another window's segment totals are the window's sums beside a month's MRR: said, with the sums
 * on a 30-day basis (a 7-day "negative margin" segment's cost read as below its MRR).
 */
function windowNotes(
  totals: { llm_cost_30d: number | null; requests_30d: number | null },
  days: number,
): string[] {
  if (days === MONTH_DAYS) return [];
  const monthly = (value: number | null) =>
    value === null ? "unknown" : textNumber(value * MONTH_DAYS / days);
  return [
    `llm_cost_30d and requests_30d are the ${days}-day window's sums (the columns keep their _30d names) and mrr is a month's: on a ${MONTH_DAYS}-day basis (× ${MONTH_DAYS} / ${days}) the LLM cost is $${
      monthly(totals.llm_cost_30d)
    } and the requests ${monthly(totals.requests_30d)}`,
  ];
}

/**
 * Per total over a column with unknown values (NaN or infinite from a query, or empty in the export
 * file served): that it is a partial sum and how many it leaves out, or that none is known; nothing
 * for a column with none unknown.
 */
function unknownSumNotes(columns: [name: string, unknown: number][], organizations: number) {
  return columns.filter(([, unknown]) => unknown > 0).map(([name, unknown]) =>
    unknown === organizations
      ? `${name} unknown: ${unknown} of ${organizations} organizations with an unknown ${name} (${UNKNOWN_FROM_QUERY_OR_FILE}), none known`
      : `${name} is a partial sum, over ${
        organizations - unknown
      } of ${organizations} organizations; ${unknown} with an unknown ${name} (${UNKNOWN_FROM_QUERY_OR_FILE}) not in it (unknown_${name})`
  );
}
