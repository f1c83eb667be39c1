/**
 * One chart per pricing question (lib/analysis/questions.ts), same look as lib/report/charts.ts.
 * The six charts differ only in their table, so each is a row of CHARTS: which column names the
 * bars, which columns are measured, the caption and the axis.
 */
import { UNKNOWN_FROM_QUERY_OR_FILE } from "../core/words.ts";
import pl from "nodejs-polars";
import { barChart } from "../report/bar_chart.ts";
import type { Chart } from "../report/charts.ts";
import {
  type AdoptionFacts,
  type Answer,
  type ChurnFacts,
  type ModelFacts,
  type ModelPrices,
  TRAFFIC_UNKNOWN,
  type TrafficTypeFacts,
  type UnderpricedFacts,
  type UpgradeFacts,
  usd,
} from "./questions.ts";
import { basisColumn, modelPrices, plural, usageWords } from "./question_common.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { chartLabel, type FrameNote } from "../report/chart_frame.ts";
import { MEASURE_COLORS, SPARE_COLORS } from "../report/chart_colors.ts";

/** One question's chart: the table's columns to draw and the words around them. */
interface ChartSpec<A> {
  name: string;
  title: string;
  caption: (answer: A) => string;
  /** the table column that names each bar */
  label: string;
  /**
   * [column, series name] per bar of a group; the table's name of a usage column on a 30-day
   * basis (basisColumn) is looked up, and "(window)" in a series name is said as "(30 days)", or
   * "(per 30 days)" for another window's usage put on that basis
   */
  measures: [string, string][];
  /** the value axis' name, or the words for a window's usage: usageAxis */
  valueLabel: string | ((windowDays: number) => string);
  /** whether the chart draws usage (its caption says on what basis, for another window) */
  usage?: boolean;
  /** dollar ticks (default) or plain counts */
  money?: boolean;
  /** the table to draw, when not the answer's own */
  table?: (answer: A) => pl.DataFrame;
  /** why a measure may be null, and what that means: a "–", never a $0 bar */
  unknown?: { reason: string; note: string };
}

/** Characters of an organization's name a bar's label shows. */
const ORG_LABEL_CHARS = 24;

/**
 * "(window)" named by its length, "(30 days)", or "(per 30 days)" for usage of another window put
 * on a 30-day basis: a PNG pasted into a deck says what usage it shows.
 */
function seriesOnBasis(series: string, windowDays: number): string {
  return series.replace(
    "(window)",
    windowDays === MONTH_DAYS ? `(${MONTH_DAYS} days)` : `(per ${MONTH_DAYS} days)`,
  );
}

function labelled(
  table: pl.DataFrame,
  { label, measures, windowDays }: {
    label: string;
    measures: [string, string][];
    windowDays: number;
  },
) {
  const labels = (table.getColumn(label).toArray() as unknown[]).map((v, i) =>
    // Names repeat across organizations; the rank keeps bars apart. A name is data: one line,
    // no reordering or hidden characters, cut to whole characters (chartLabel).
    label === "org_name" ? `${i + 1}. ${chartLabel(v, ORG_LABEL_CHARS) || "(no name)"}` : String(v)
  );
  // an unknown value (MRR not fetched) gets no bar: a bar at $0 would read as "pays nothing"
  return measures.flatMap(([column, name]) => {
    const series = seriesOnBasis(name, windowDays);
    return (table.getColumn(basisColumn(column, windowDays)).toArray() as unknown[]).map((
      v,
      i,
    ) => ({
      label: labels[i],
      value: v === null || v === undefined ? null : Number(v),
      series,
    }));
  });
}

function questionChart<A extends Answer<unknown>>(
  spec: ChartSpec<A>,
  answer: A,
  { demo }: FrameNote,
): Chart {
  const table = spec.table ? spec.table(answer) : answer.table;
  const { windowDays } = answer;
  const basis = spec.usage && windowDays !== MONTH_DAYS
    ? ` Usage on a ${MONTH_DAYS}-day basis: the ${windowDays}-day window's × ${MONTH_DAYS}/${windowDays}.`
    : "";
  return {
    name: spec.name,
    title: spec.title,
    svg: barChart({
      title: spec.title,
      caption: spec.caption(answer) + basis,
      bars: labelled(table, { label: spec.label, measures: spec.measures, windowDays }),
      colors: measureColors(spec.measures),
      valueLabel: typeof spec.valueLabel === "string"
        ? spec.valueLabel
        : spec.valueLabel(windowDays),
      money: spec.money ?? true,
      unknown: spec.unknown,
      demo,
    }),
  };
}

/** The measures' colours, as every chart has them; the alternative prices in spare colours. */
function measureColors(measures: [string, string][]): string[] {
  let spare = 0;
  return measures.map(([column]) =>
    MEASURE_COLOR_OF[column] ?? SPARE_COLORS[spare++ % SPARE_COLORS.length]
  );
}

const MEASURE_COLOR_OF: Record<string, string> = {
  mrr: MEASURE_COLORS.mrr,
  current_mrr: MEASURE_COLORS.mrr,
  llm_cost_30d: MEASURE_COLORS.llmCost,
  // pass-through LLM cost is the company's cost (BYOK is the customer's own)
  llm_cost_ptb_30d: MEASURE_COLORS.companyCost,
  requests_30d: MEASURE_COLORS.count,
  organizations: MEASURE_COLORS.count,
};

const COST_MEASURES: [string, string][] = [
  ["mrr", "MRR"],
  ["llm_cost_30d", "LLM cost (window)"],
  ["llm_cost_ptb_30d", "of which pass-through"],
];

const CHARTS = {
  underpriced: {
    name: "q1_underpriced",
    title: "Underpriced: heavy users on low MRR",
    caption: (a) => {
      const unknown = a.facts.unknownMrr;
      const heavy = `${unknown} heavy user${unknown === 1 ? "" : "s"} with unknown MRR not judged`;
      // MRR unknown is never a qualifying $0: said beside the bars, or instead of them
      return a.facts.organizations === 0 && unknown > 0
        ? `No bars: no organization with known MRR qualifies; ${heavy}.`
        // none qualifies: said, with the rule, instead of "Top 0 of 0"
        : a.facts.organizations === 0
        ? `No bars: no organization ${a.criteria ?? "qualifies"}.`
        : `Top ${a.table.height} of ${a.facts.customers}${
          a.facts.customers === a.facts.organizations ? "" : " customers"
        } by LLM cost ${usageWords(a.windowDays)}.${unknown > 0 ? ` ${heavy}.` : ""}`;
    },
    label: "org_name",
    measures: [["llm_cost_30d", "LLM cost (window)"], ["mrr", "MRR"]],
    valueLabel: "USD",
    usage: true,
  } satisfies ChartSpec<Answer<UnderpricedFacts>>,
  upgrade: {
    name: "q2_upgrade_candidates",
    title: "Upgrade candidates: free organizations by requests",
    // none over the threshold: said, with the threshold, instead of "Top 0 of 0"
    caption: (a) =>
      a.facts.organizations === 0
        ? `No bars: no free organization over the threshold (${
          a.criteria ? `${a.criteria}; ` : ""
        }${plural(a.facts.freeOrganizations, { one: "free organization" })}).`
        : `Top ${a.table.height} of ${a.facts.organizations} free organizations over the request threshold.`,
    label: "org_name",
    measures: [["requests_30d", "Requests (window)"]],
    valueLabel: (days) =>
      days === MONTH_DAYS
        ? `Requests in ${MONTH_DAYS} days`
        : `Requests per ${MONTH_DAYS} days (${days}-day window × ${MONTH_DAYS}/${days})`,
    money: false,
    usage: true,
  } satisfies ChartSpec<Answer<UpgradeFacts>>,
  churn: {
    name: "q3_churn_risk",
    title: "Churn risk: LLM cost above MRR",
    caption: (a) => {
      const unknown = a.facts.unknownMrr;
      const costUnknown = a.facts.llmCostUnknown ?? 0;
      const organizations = (n: number) => `${n} organization${n === 1 ? "" : "s"}`;
      // who is not judged: spend with unknown MRR, and an unknown (NaN) spend, as the reading
      const notJudged = [
        ...(unknown > 0 ? [`${organizations(unknown)} with LLM spend but unknown MRR`] : []),
        ...(costUnknown > 0 ? [`${organizations(costUnknown)} with an unknown LLM cost`] : []),
      ].join(" and ") + " not judged";
      const someNotJudged = unknown > 0 || costUnknown > 0;
      return a.facts.knownMrr === 0 && someNotJudged
        ? `No bars: MRR is unknown for every organization (revenue not fetched), so churn risk cannot be judged; ${notJudged}.`
        : a.facts.organizations === 0
        ? `No bars: no paying organization ${
          costUnknown > 0 ? "judged " : ""
        }costs more in LLM spend than it pays.${someNotJudged ? ` ${notJudged}.` : ""}`
        : `Top ${a.table.height} of ${a.facts.customers}${
          a.facts.customers === a.facts.organizations ? "" : " customers"
        } by loss (LLM cost − MRR); pass-through is the part the company pays.${
          someNotJudged ? ` ${notJudged}.` : ""
        }`;
    },
    label: "org_name",
    measures: COST_MEASURES,
    valueLabel: "USD",
    usage: true,
  } satisfies ChartSpec<Answer<ChurnFacts>>,
  adoption: {
    name: "q5_prompts_adoption",
    title: "Prompts add-on against prompt usage",
    caption: (a) =>
      `Organizations per group; prompt use = requests with a stored prompt in the ${a.windowDays}-day window.`,
    label: "group",
    measures: [["organizations", "organizations"]],
    valueLabel: "Organizations",
    money: false,
    table: (a) =>
      a.table.withColumns(
        pl.concatString([
          pl.when(pl.col("has_prompts_addon")).then(pl.lit("add-on")).otherwise(
            pl.lit("no add-on"),
          ),
          pl.when(pl.col("uses_prompts")).then(pl.lit("uses prompts")).otherwise(
            pl.lit("no prompt use"),
          ),
        ], ", ").alias("group"),
      ),
  } satisfies ChartSpec<Answer<AdoptionFacts>>,
  traffic: {
    name: "q6_ptb_vs_byok",
    title: "PTB vs BYOK: MRR and LLM cost by traffic type",
    caption: (a) => {
      const types = Object.values(a.facts);
      const unknown = types.reduce((sum, f) => sum + f.unknownMrr, 0);
      const all = types.reduce((sum, f) => sum + f.organizations, 0);
      const mrr = unknown === 0
        ? ""
        : unknown === all
        ? " No MRR bars: MRR is unknown for every organization (revenue not fetched)."
        : ` MRR over the organizations with known MRR (${unknown} unknown, not counted as $0).`;
      const moved = types.reduce((sum, f) => sum + f.typedByCustomer, 0);
      const customers = moved === 0
        ? ""
        : ` A Stripe customer several organizations share is typed by their traffic together (${
          plural(moved, { one: "organization" })
        } moved from ${moved === 1 ? "its" : "their"} own type).`;
      const unknownTraffic = a.facts[TRAFFIC_UNKNOWN];
      const traffic = unknownTraffic
        ? ` ${TRAFFIC_UNKNOWN}: ${
          plural(unknownTraffic.organizations, { one: "organization" })
        } whose PTB or BYOK request count is unknown (${UNKNOWN_FROM_QUERY_OR_FILE}), in no other type.`
        : "";
      return `USD; BYOK cost is paid by the customer to the provider, pass-through cost by the company.${traffic}${mrr}${customers}${
        unknownCostWords(a.facts)
      }`;
    },
    label: "traffic",
    measures: COST_MEASURES,
    valueLabel: "USD",
    usage: true,
  } satisfies ChartSpec<Answer<TrafficTypeFacts>>,
};

/**
 * A type whose drawn cost sums an unknown (NaN or infinite) one has no bar for it (a partial sum
 * drawn would read as the whole, an empty slot as $0): the caption names the type and how many.
 */
function unknownCostWords(facts: TrafficTypeFacts): string {
  const drawn = [["llmCostUsd", "LLM cost"], ["ptbLlmCostUsd", "pass-through cost"]] as const;
  const words = Object.entries(facts).flatMap(([type, f]) => {
    // a cost fact is null where an organization's is unknown (costUnknown counts them, if it can)
    const missing = drawn.filter(([key]) => f.organizations > 0 && f[key] === null);
    if (missing.length === 0) return [];
    const n = Math.max(0, ...missing.map(([key]) => f.costUnknown?.[key]?.organizations ?? 0));
    const whose = n > 0 ? `the cost of ${plural(n, { one: "organization" })}` : "a cost";
    return [
      `${type}: no ${
        missing.map(([, label]) => label).join(" or ")
      } bar, ${whose} unknown (${UNKNOWN_FROM_QUERY_OR_FILE}; the reading gives the partial sum)`,
    ];
  });
  return words.length === 0 ? "" : ` Not known: ${words.join("; ")}.`;
}

/** The pricing-model chart's series and caption name the prices it was computed with. */
function pricingModelSpec(prices: Partial<ModelPrices>): ChartSpec<Answer<ModelFacts>> {
  const p = modelPrices(prices);
  return {
    name: "q4_pricing_models",
    title: "Revenue per tier: today and under simple models",
    caption: (a) =>
      `USD per month, organizations with known MRR; trialing and canceled ones at $0, as in scenarios. Seat: ${
        usd(p.seatPriceUsd)
      }/seat; usage: ${
        usd(p.per1kRequestsUsd)
      } per 1,000 requests; cost: ${p.pctOfLlmCost} % of LLM cost.${
        a.facts.countedInOtherTier > 0
          ? ` A Stripe customer several organizations share is in the tier of its revenue row (${
            plural(a.facts.countedInOtherTier, { one: "organization" })
          } moved from ${a.facts.countedInOtherTier === 1 ? "its" : "their"} own tier).`
          : ""
      }`,
    label: "tier",
    measures: [
      ["current_mrr", "current MRR"],
      ["seat_based", "seat-based"],
      ["usage_based", "usage-based"],
      ["pct_of_llm_cost", `${p.pctOfLlmCost} % of LLM cost`],
    ],
    valueLabel: "USD per month",
    usage: true,
    // pricing_models.ts leaves a tier's sums empty when none of its organizations' MRR is known
    unknown: {
      reason: "MRR not known",
      note: "none of the tier's organizations has a known MRR",
    },
  };
}

// `note.demo`: the data is demo (the notebook's source, the MCP dataset): the caption says so
export const underpricedChart = (answer: Answer<UnderpricedFacts>, note: FrameNote = {}): Chart =>
  questionChart(CHARTS.underpriced, answer, note);
export const upgradeChart = (answer: Answer<UpgradeFacts>, note: FrameNote = {}): Chart =>
  questionChart(CHARTS.upgrade, answer, note);
export const churnChart = (answer: Answer<ChurnFacts>, note: FrameNote = {}): Chart =>
  questionChart(CHARTS.churn, answer, note);
export const pricingModelChart = (
  answer: Answer<ModelFacts>,
  prices: Partial<ModelPrices> = {},
  note: FrameNote = {},
): Chart => questionChart(pricingModelSpec(prices), answer, note);
export const adoptionChart = (answer: Answer<AdoptionFacts>, note: FrameNote = {}): Chart =>
  questionChart(CHARTS.adoption, answer, note);
export const trafficChart = (
  answer: Answer<TrafficTypeFacts>,
  note: FrameNote = {},
): Chart => questionChart(CHARTS.traffic, answer, note);
