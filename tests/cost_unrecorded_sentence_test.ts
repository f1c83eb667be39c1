/**
 * costUnrecordedSentence (lib/economics/cost_unrecorded.ts), the brief's Totals and
 * describe_dataset's sentence: gross_margin_pct is an upper bound for every organization with
 * requests without a cost, the company-basis margin only for those that sent pass-through ones
 * (ptb_requests_cost_unknown_30d); in an export from before that count, for those with
 * pass-through traffic (a BYOK-only organization's counts no BYOK cost and stands, as the PTB vs
 * BYOK reading says).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import pl from "nodejs-polars";
import { costUnrecordedSentence } from "../lib/economics/cost_unrecorded.ts";

type Org = {
  unknown: number;
  requests: number;
  ptb: number | null;
  byok: number | null;
  /** ptb_requests_cost_unknown_30d; the column is left out when no organization gives it */
  ptbUnknown?: number | null;
};

/** The columns the sentence reads, has_gateway_only as the join sets it (PTB and no BYOK). */
function frame(orgs: Org[]): pl.DataFrame {
  return pl.DataFrame({
    requests_cost_unknown_30d: orgs.map((o) => o.unknown),
    requests_30d: orgs.map((o) => o.requests),
    ptb_requests_30d: pl.Series("ptb_requests_30d", orgs.map((o) => o.ptb), pl.Float64),
    has_gateway_only: pl.Series(
      "has_gateway_only",
      orgs.map((o) => o.ptb === null || o.byok === null ? null : o.ptb > 0 && o.byok === 0),
      pl.Bool,
    ),
    ...(orgs.some((o) => o.ptbUnknown !== undefined)
      ? {
        ptb_requests_cost_unknown_30d: pl.Series(
          "ptb_requests_cost_unknown_30d",
          orgs.map((o) => o.ptbUnknown ?? null),
          pl.Float64,
        ),
      }
      : {}),
  });
}

const LEAD =
  "had no cost recorded (`requests_cost_unknown_30d`: cost 0 in ClickHouse, e.g. a model the gateway does not price), so LLM cost is a lower bound and `gross_margin_pct` an upper bound for";

Deno.test("requests without a cost, in an export from before their pass-through count: the company-basis margin bound only for organizations with PTB traffic", () => {
  // gateway only (2 of 10), mixed (3 of 20), BYOK only (5 of 50), BYOK only without any (0 of 20):
  // 10 of 100 requests = 10.0 %, 3 organizations with some, 2 of them with PTB traffic
  const mixed = frame([
    { unknown: 2, requests: 10, ptb: 10, byok: 0 },
    { unknown: 3, requests: 20, ptb: 5, byok: 15 },
    { unknown: 5, requests: 50, ptb: 0, byok: 50 },
    { unknown: 0, requests: 20, ptb: 0, byok: 20 },
  ]);
  assertEquals(
    costUnrecordedSentence(mixed),
    `10 requests (10.0 % of the window's) ${LEAD} 3 organizations, and the company-basis margin for the 2 of them with pass-through traffic (the other 1 is BYOK only: the margin counts no BYOK cost and stands).`,
  );
  // BYOK only: the company-basis margin is no bound
  const byok = frame([{ unknown: 4, requests: 8, ptb: 0, byok: 8 }]);
  assertEquals(
    costUnrecordedSentence(byok),
    `4 requests (50.0 % of the window's) ${LEAD} 1 organization, but not the company-basis margin (1 is BYOK only: the margin counts no BYOK cost and stands).`,
  );
  // all with PTB traffic: both margins
  const ptb = frame([
    { unknown: 1, requests: 4, ptb: 4, byok: 0 },
    { unknown: 1, requests: 4, ptb: 2, byok: 2 },
  ]);
  assertEquals(
    costUnrecordedSentence(ptb),
    `2 requests (25.0 % of the window's) ${LEAD} 2 organizations, and the company-basis margin too (each has pass-through traffic).`,
  );
  // a PTB count not known: that organization may or may not bound it, said apart
  const unknownType = frame([
    { unknown: 1, requests: 4, ptb: 0, byok: 4 },
    { unknown: 1, requests: 4, ptb: null, byok: 4 },
  ]);
  assertEquals(
    costUnrecordedSentence(unknownType),
    `2 requests (25.0 % of the window's) ${LEAD} 2 organizations, but not the company-basis margin (1 is BYOK only: the margin counts no BYOK cost and stands; 1 organization of unknown traffic type may have some).`,
  );
  // every request has a cost: nothing said
  assertEquals(costUnrecordedSentence(frame([{ unknown: 0, requests: 4, ptb: 4, byok: 0 }])), null);
});

const PAID =
  "the company pays the provider for (`ptb_requests_cost_unknown_30d`), so the company-basis margin is an upper bound for the";

Deno.test("requests without a cost, counted pass-through: the company-basis margin bound only for the organizations that sent pass-through ones", () => {
  // gateway only (2 of 10, both PTB), mixed (3 of 20, 1 PTB), BYOK only (5 of 50): 10 of 100
  // requests = 10.0 %, 3 organizations; 3 PTB requests, of 2 organizations
  const mixed = frame([
    { unknown: 2, requests: 10, ptb: 10, byok: 0, ptbUnknown: 2 },
    { unknown: 3, requests: 20, ptb: 5, byok: 15, ptbUnknown: 1 },
    { unknown: 5, requests: 50, ptb: 0, byok: 50, ptbUnknown: 0 },
    { unknown: 0, requests: 20, ptb: 0, byok: 20, ptbUnknown: 0 },
  ]);
  assertEquals(
    costUnrecordedSentence(mixed),
    `10 requests (10.0 % of the window's) ${LEAD} 3 organizations; 3 of them were pass-through requests ${PAID} 2 organizations that sent them (their PTB and company cost lower bounds).`,
  );
  // a mixed organization whose 3 are none pass-through (BYOK, or PTB cache hits): the
  // company-basis margin stands, where the traffic type alone could not say so
  const noneCompanyPaid = frame([{ unknown: 3, requests: 20, ptb: 5, byok: 15, ptbUnknown: 0 }]);
  assertEquals(
    costUnrecordedSentence(noneCompanyPaid),
    `3 requests (15.0 % of the window's) ${LEAD} 1 organization; none was a pass-through request the company pays the provider for (\`ptb_requests_cost_unknown_30d\` 0: BYOK requests or PTB cache hits), so the company-basis margin stands.`,
  );
  // the one request without a cost is pass-through: 1 of 4 = 25.0 %
  const one = frame([{ unknown: 1, requests: 4, ptb: 2, byok: 2, ptbUnknown: 1 }]);
  assertEquals(
    costUnrecordedSentence(one),
    `1 request (25.0 % of the window's) ${LEAD} 1 organization; it was a pass-through request ${PAID} 1 organization that sent it (their PTB and company cost lower bounds).`,
  );
  // 1 of 2 (of 2 organizations) pass-through: 2 of 8 = 25.0 %
  const oneOfTwo = frame([
    { unknown: 1, requests: 4, ptb: 4, byok: 0, ptbUnknown: 1 },
    { unknown: 1, requests: 4, ptb: 0, byok: 4, ptbUnknown: 0 },
  ]);
  assertEquals(
    costUnrecordedSentence(oneOfTwo),
    `2 requests (25.0 % of the window's) ${LEAD} 2 organizations; 1 of them was a pass-through request ${PAID} 1 organization that sent it (their PTB and company cost lower bounds).`,
  );
  // the count empty for an organization with some (a file's empty cell): read by traffic type
  const emptyCount = frame([{ unknown: 1, requests: 4, ptb: 4, byok: 0, ptbUnknown: null }]);
  assertEquals(
    costUnrecordedSentence(emptyCount),
    `1 request (25.0 % of the window's) ${LEAD} 1 organization, and the company-basis margin too (it has pass-through traffic).`,
  );
});

Deno.test("requests without a cost: a share under 0.05 % reads < 0.1 %, and a window whose requests are not counted 100 %", () => {
  const share = (org: Org) =>
    costUnrecordedSentence(frame([org]))!.match(/^1 request \((.*?) of the window's\)/)?.[1];
  // 1 of 10,000 requests is 0.01 %: not "0.0 %", which would read as none
  assertEquals(share({ unknown: 1, requests: 10_000, ptb: 0, byok: 10_000 }), "< 0.1 %");
  // no request counted in the window (a query's 0) beside one without a cost: all of them
  assertEquals(share({ unknown: 1, requests: 0, ptb: 0, byok: 0 }), "100.0 %");
});
