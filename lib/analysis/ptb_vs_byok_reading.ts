/**
 * The reading of PTB vs BYOK (ptb_vs_byok.ts works out its table and facts): the facts in words,
 * each figure said once. Apart from the table because the words are their own work (partial sums,
 * unknown revenue, the company-basis margin's sums said only where they differ) and change without
 * the figures changing.
 */
import {
  basisColumn,
  count,
  isAre,
  percent,
  plural,
  TRAFFIC_TYPES,
  TRAFFIC_UNKNOWN,
  type TrafficCost,
  type TrafficFacts,
  type TrafficTypeFacts,
  usd,
} from "./question_common.ts";
import { MONTH_DAYS } from "../frame/monthly.ts";
import { listInWords, UNKNOWN_FROM_QUERY_OR_FILE } from "../core/words.ts";

/**
 * The reading of the facts of every traffic type: gateway-only, BYOK-only and mixed (or, with no
 * MRR known, that PTB vs BYOK cannot be judged), then the organizations of unknown type and those
 * typed by their Stripe customer, where there are any. Not yet on the usage basis (onBasis), but
 * naming the column as the answer's table does on `windowDays`' basis.
 */
export function ptbVsByokReading(facts: TrafficTypeFacts, windowDays = MONTH_DAYS): string {
  const [gateway, mixed, byok] = TRAFFIC_TYPES;
  const g = facts[gateway];
  const b = facts[byok];
  const m = facts[mixed];
  const u = facts[TRAFFIC_UNKNOWN];
  const all = [...TRAFFIC_TYPES.map((type) => facts[type]), ...(u ? [u] : [])];
  const organizations = all.reduce((sum, f) => sum + f.organizations, 0);
  const typedByCustomer = all.reduce((sum, f) => sum + f.typedByCustomer, 0);
  const customerNote = typedByCustomer === 0
    ? ""
    : ` A Stripe customer several organizations share is typed by their traffic together (gateway-only and BYOK organizations: mixed), so its revenue is set against all of its cost: ${
      plural(typedByCustomer, { one: "organization" })
    } ${typedByCustomer === 1 ? "counts" : "count"} in another type than ${
      typedByCustomer === 1 ? "its" : "their"
    } own (typed_by_customer).`;
  // no MRR known (Stripe skipped): "$0 MRR" would read as organizations paying nothing
  const reading = organizations > 0 && all.every((f) => f.unknownMrr === f.organizations)
    ? `PTB vs BYOK cannot be judged without revenue: MRR is unknown for every organization (revenue not fetched); ${
      plural(g.organizations, { one: "organization" })
    } ${isAre(g.organizations)} gateway-only (${
      costWords(g, "ptbLlmCostUsd")
    } of pass-through LLM cost the company pays), ${count(m.organizations)} mixed (${
      costWords(m, "ptbLlmCostUsd")
    } pass-through) and ${count(b.organizations)} BYOK-only (${
      costWords(b, "llmCostUsd", { their: true })
    } of LLM cost paid to the providers by themselves).`
    : `${plural(g.organizations, { one: "organization" })} ${
      isAre(g.organizations)
    } gateway-only: ${mrrWords(g)}${g.unknownMrr > 0 ? "," : ""} and ${
      ptbRevenueWords(g)
    } against ${costWords(g, "ptbLlmCostUsd")} of pass-through LLM cost the company pays${
      infrastructureWords(g)
    }, ${companyMarginWords(g)}; ${plural(b.organizations, { one: "organization" })} ${
      isAre(b.organizations)
    } BYOK-only (${mrrWords(b)}, ${
      costWords(b, "llmCostUsd", { their: true })
    } of LLM cost paid to the providers by themselves) and ${count(m.organizations)} mixed (${
      mrrWords(m)
    }, ${ptbRevenueWords(m)}, ${costWords(m, "ptbLlmCostUsd")} pass-through${
      infrastructureWords(m)
    }, ${companyMarginWords(m)}).`;
  return reading + (u ? unknownTrafficWords(u) : "") + costUnrecordedWords(facts, windowDays) +
    customerNote;
}

/**
 * Which margins the requests with no cost recorded (cost 0 in ClickHouse) bound, per traffic type,
 * where any. Where the export counts the pass-through ones the company pays the provider for
 * (ptb_requests_cost_unknown_30d: not cache hits), a gateway-only or mixed type's are said as
 * those and the rest (PTB cache hits, BYOK): only the former bound the company-basis margin. In an
 * export from before that count, by traffic type: a gateway-only type's are all pass-through (its
 * pass-through cost is short of theirs, both margins upper bounds), a mixed type's either. A
 * BYOK-only type's are the customer's own (the company-basis margin counts no BYOK cost and
 * stands). An unknown type's, where counted, as a mixed type's. Nothing when none (or the count is
 * not known). The counts are the window's own, as the table's (usageOnMonthlyBasis leaves
 * them): for another window the words say so, as the reading around them is on the 30-day basis.
 */
function costUnrecordedWords(facts: TrafficTypeFacts, windowDays: number): string {
  const [gateway, mixed, byok] = TRAFFIC_TYPES;
  const requests = (n: number) => plural(n, { one: "request" });
  const parts = [
    [
      gateway,
      (n: number, paid?: number) =>
        `${requests(n)} of gateway-only organizations (${
          paid === undefined
            ? "all pass-through: their pass-through LLM cost and company cost are lower bounds, both margins upper bounds"
            : companyPaidWords(n, paid, { others: "PTB cache hits, which call no provider" })
        })`,
    ],
    [
      mixed,
      (n: number, paid?: number) =>
        `${requests(n)} of mixed organizations (${
          paid === undefined
            ? "pass-through or BYOK: the export counts them per organization, not per PTB and BYOK request; their LLM cost is a lower bound and gross_margin_pct an upper bound, and their pass-through LLM cost and company cost may be lower bounds and their company-basis margin an upper bound"
            : companyPaidWords(n, paid, { others: "BYOK requests or PTB cache hits" })
        })`,
    ],
    [
      byok,
      (n: number) =>
        `${
          requests(n)
        } of BYOK-only organizations (the customers' own provider cost: their LLM cost is a lower bound and gross_margin_pct an upper bound; their company-basis margin counts no BYOK cost and stands)`,
    ],
    [
      TRAFFIC_UNKNOWN,
      (n: number, paid?: number) =>
        `${requests(n)} of organizations of unknown traffic type${
          paid === undefined
            ? ""
            : ` (${companyPaidWords(n, paid, { others: "BYOK requests or PTB cache hits" })})`
        }`,
    ],
  ] as const;
  const said = parts.flatMap(([type, words]) => {
    const n = facts[type]?.requestsCostUnknown ?? 0;
    return n > 0 ? [words(n, facts[type]?.ptbRequestsCostUnknown)] : [];
  });
  if (said.length === 0) return "";
  // the unknown type's too: its may be the only pass-through ones with no cost
  const paidCounted = [...TRAFFIC_TYPES.map((type) => facts[type]), facts[TRAFFIC_UNKNOWN]].some(
    (typeFacts) => typeFacts?.ptbRequestsCostUnknown !== undefined,
  );
  const window = windowDays === MONTH_DAYS
    ? ""
    : ` in the ${windowDays}-day window itself (its count, not on the ${MONTH_DAYS}-day basis;`;
  return ` No cost was recorded${window}${window ? " " : " ("}${
    basisColumn("requests_cost_unknown_30d", windowDays)
  }: cost 0 in ClickHouse${
    paidCounted
      ? `; ${
        basisColumn("ptb_requests_cost_unknown_30d", windowDays)
      } the pass-through ones the company pays the provider for`
      : ""
  }) for ${listInWords(said)}.`;
}

/**
 * Of a type's `n` requests with no cost recorded, `paid` pass-through ones the company pays the
 * provider for, the rest `others`: their LLM cost is a lower bound and gross_margin_pct an upper
 * bound either way; the company's cost and margin only where some are paid.
 */
function companyPaidWords(n: number, paid: number, { others }: { others: string }): string {
  const spec = "their LLM cost is a lower bound and gross_margin_pct an upper bound";
  const company =
    "their pass-through LLM cost and company cost are lower bounds and their company-basis margin an upper bound";
  if (paid === 0) {
    return `none pass-through the company pays for: ${others}; ${spec}, and their company-basis margin stands`;
  }
  if (paid === n) return `all pass-through the company pays for: ${spec}, and ${company}`;
  return `${count(paid)} of them pass-through the company pays for, the other ${
    count(n - paid)
  } ${others}: ${spec}, and ${company}`;
}

/**
 * The organizations of unknown traffic type, in no other type: " The traffic type of 2
 * organizations is unknown (…): $40 of LLM cost ($30 pass-through), $100 MRR."
 */
function unknownTrafficWords(facts: TrafficFacts): string {
  return ` The traffic type of ${
    plural(facts.organizations, { one: "organization" })
  } is unknown (a PTB or BYOK request count that decides it is unknown: ${UNKNOWN_FROM_QUERY_OR_FILE}; "${TRAFFIC_UNKNOWN}", in no type above): ${
    costWords(facts, "llmCostUsd")
  } of LLM cost (${costWords(facts, "ptbLlmCostUsd")} pass-through), ${mrrWords(facts)}.`;
}

/**
 * A type's MRR as far as it is known: "$5,000 MRR"; "$4,800 MRR over 2 of them, 1 with unknown
 * MRR"; "MRR unknown" when none is known.
 */
function mrrWords(facts: TrafficFacts): string {
  const { organizations, unknownMrr, mrrUsd } = facts;
  if (mrrUsd === null) return "MRR unknown";
  if (unknownMrr === 0) return `${usd(mrrUsd)} MRR`;
  return `${usd(mrrUsd)} MRR over ${count(organizations - unknownMrr)} of them, ${
    count(unknownMrr)
  } with unknown MRR`;
}

/** "$900 of PTB revenue"; "$900 of PTB revenue (read for 2 of them)"; "PTB revenue not read". */
function ptbRevenueWords(facts: TrafficFacts): string {
  const { organizations, ptbRevenueUnread, ptbRevenueUsd } = facts;
  if (ptbRevenueUsd === null) return "PTB revenue not read";
  if (ptbRevenueUnread === 0) return `${usd(ptbRevenueUsd)} of PTB revenue`;
  return `${usd(ptbRevenueUsd)} of PTB revenue (read for ${
    count(organizations - ptbRevenueUnread)
  } of them)`;
}

/**
 * A type's company cost where it is more than its pass-through LLM cost (as printed): " ($6,100
 * company cost with infrastructure)"; nothing where no infrastructure cost adds to it.
 */
function infrastructureWords(facts: TrafficFacts): string {
  const company = costWords(facts, "companyCostUsd");
  return company === costWords(facts, "ptbLlmCostUsd")
    ? ""
    : ` (${company} company cost with infrastructure)`;
}

/**
 * A type's cost as the reading says it: "$1,200"; where an organization's is unknown, the others'
 * sum said to be partial: "$1,100 (a partial sum over 3 of 4 organizations: 1 unknown: NaN,
 * infinite or empty)". `their`: the words follow "their" ("their $1,200 of LLM cost").
 */
function costWords(facts: TrafficFacts, key: TrafficCost, { their = false } = {}): string {
  const value = facts[key];
  const words = value !== null ? usd(value) : partialUsd(facts.costUnknown![key]!.knownUsd, {
    organizations: facts.organizations,
    unknown: facts.costUnknown![key]!.organizations,
  });
  return their ? `their ${words.replace(/^an /, "")}` : words;
}

/**
 * "$1,100 (a partial sum over 3 of 4 organizations: 1 unknown: NaN, infinite or empty)"; "an
 * unknown amount (NaN, infinite or empty)" when every one is unknown (a sum of none is no $0).
 * The questions read a query's data or an export file's: UNKNOWN_FROM_QUERY_OR_FILE is true of
 * both.
 */
function partialUsd(
  knownUsd: number,
  { organizations, unknown }: { organizations: number; unknown: number },
): string {
  if (unknown === organizations) return `an unknown amount (${UNKNOWN_FROM_QUERY_OR_FILE})`;
  return `${usd(knownUsd)} (a partial sum over ${count(organizations - unknown)} of ${
    plural(organizations, { one: "organization" })
  }: ${count(unknown)} unknown: ${UNKNOWN_FROM_QUERY_OR_FILE})`;
}

/**
 * The company-basis margin with the organizations it covers and, of its own sums, those the
 * reading has not said already (a figure is said once): over every organization of the type its
 * MRR, PTB revenue and company cost are the type's, so "company-basis margin 81.2 % over all of
 * them"; over those with known revenue the sums that differ, then what the others (unknown
 * revenue) cost: "company-basis margin 73.3 % over the 2 with known revenue (their $50 PTB revenue
 * and $40 company cost; the other 1 cost $45)".
 */
function companyMarginWords(facts: TrafficFacts): string {
  const { organizations, mrrUsd, ptbRevenueUsd, companyCostUsd, ptbRevenueUnknown } =
    facts.companyMargin;
  if (facts.companyMarginPct === null) {
    if (facts.organizations === 0) return "no company-basis margin";
    const costUnknown = facts.companyMargin.costUnknown ?? 0;
    // an unknown pass-through cost is said as one, not as a cost the organization had
    const ptbCostUnknown = facts.companyMargin.ptbCostUnknown ?? 0;
    const withCost = ptbCostUnknown === 0
      ? "with pass-through cost"
      : ptbCostUnknown === ptbRevenueUnknown
      ? "whose pass-through cost is unknown"
      : `with pass-through cost or an unknown one (${count(ptbCostUnknown)} unknown)`;
    return ptbRevenueUnknown > 0
      ? `company-basis margin unknown (PTB revenue not read for ${
        plural(ptbRevenueUnknown, { one: "organization" })
      } ${withCost})`
      : costUnknown > 0
      ? `company-basis margin unknown (the company cost of ${
        plural(costUnknown, { one: "organization" })
      } it counts is unknown: ${UNKNOWN_FROM_QUERY_OR_FILE})`
      : "company-basis margin unknown (no known revenue above $0)";
  }
  const others = facts.organizations - organizations;
  const over = others === 0
    ? organizations === 1 ? "" : " over all of them"
    : ` over the ${count(organizations)} with known revenue`;
  // as printed: a sum the reading gave already is not given again
  const said = (value: number, before: number | null) =>
    before !== null && usd(value) === usd(before);
  const sums = [
    ...(said(mrrUsd, facts.mrrUsd) ? [] : [`${usd(mrrUsd)} MRR`]),
    ...(said(ptbRevenueUsd, facts.ptbRevenueUsd) ? [] : [`${usd(ptbRevenueUsd)} PTB revenue`]),
    ...(said(companyCostUsd, facts.companyCostUsd) ? [] : [`${usd(companyCostUsd)} company cost`]),
  ];
  // the others' company cost: the type's company_cost_30d less the margin's (a partial sum
  // where one of theirs is unknown: the margin's own are all known)
  const unknownOthers = facts.costUnknown?.companyCostUsd;
  const othersCost = others === 0 ? [] : [
    `the other ${count(others)} cost ${
      unknownOthers
        ? partialUsd(Math.max(0, unknownOthers.knownUsd - companyCostUsd), {
          organizations: others,
          unknown: unknownOthers.organizations,
        })
        : usd(Math.max(0, facts.companyCostUsd! - companyCostUsd))
    }`,
  ];
  const notes = [...(sums.length === 0 ? [] : [`their ${listInWords(sums)}`]), ...othersCost];
  return `company-basis margin ${percent(facts.companyMarginPct)}${over}${
    notes.length === 0 ? "" : ` (${notes.join("; ")})`
  }`;
}
