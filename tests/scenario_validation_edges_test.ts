/**
 * Scenario validation's rules at their edges (lib/analysis/scenario/validation.ts): a negative
 * price, a fraction of a seat, a blank name, an empty list of raw tiers, two request bands with
 * the same bound, and a plan keeping current MRR with a minimum or add-ons, each refused naming
 * the field.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseScenario } from "../lib/analysis/scenario/mod.ts";

/** parseScenario's error for a scenario of one plan `p` with `fields`. */
function error(fields: Record<string, unknown>): string {
  try {
    parseScenario({ name: "s", plans: [{ name: "p", ...fields }] }, "s.json");
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

const KEPT =
  "s.json: plans[0].keepCurrentMrr cannot be combined with prices, minimumUsd or addonsIncluded (the current MRR is kept as is)";

Deno.test("scenario validation refuses each edge, naming the field", () => {
  const bands = (second: number) => ({
    tiers: [{ upTo: 1000, usdPer1k: 1 }, { upTo: second, usdPer1k: 2 }, {
      upTo: null,
      usdPer1k: 3,
    }],
  });
  assertEquals(
    [
      error({ perSeatUsd: -1 }),
      error({ perSeatUsd: 20, includedSeats: 2.5 }),
      error({ name: "  ", flatUsd: 1 }),
      error({ match: { tiersRaw: [] }, flatUsd: 1 }),
      error({ perRequest: bands(1000) }),
      error({ keepCurrentMrr: true, minimumUsd: 10 }),
      error({ keepCurrentMrr: true, addonsIncluded: true }),
    ],
    [
      "s.json: plans[0].perSeatUsd must be a number ≥ 0, got -1",
      "s.json: plans[0].includedSeats must be a whole number, got 2.5",
      's.json: plans[0].name must be a non-empty string, got "  "',
      "s.json: plans[0].match.tiersRaw must be a non-empty list of strings, got []",
      "s.json: plans[0].perRequest.tiers[1].upTo must be greater than the tier before (1000)",
      KEPT,
      KEPT,
    ],
  );
  // one more than the bound before, 0 included seats and a price of 0: taken
  assertEquals(
    [error({ perRequest: bands(1001) }), error({ perSeatUsd: 0, includedSeats: 0 })],
    ["no error", "no error"],
  );
});
