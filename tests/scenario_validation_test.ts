/**
 * Scenario validation (lib/analysis/scenario/validation.ts): prices past their bounds, tier
 * families and add-ons nothing can match, over-long names and a byte order mark.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { join } from "node:path";
import { loadScenarioFile, parseScenario } from "../lib/analysis/scenario/mod.ts";

const base = { name: "x", plans: [{ name: "a", flatUsd: 1 }] };
const plan = (fields: Record<string, unknown>) => ({ ...base, plans: [{ name: "a", ...fields }] });

function error(value: unknown): string {
  try {
    parseScenario(value, "s.json");
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

Deno.test("prices above their bound are refused in one line naming the field", () => {
  assertEquals(
    error(plan({ flatUsd: 1e308 })),
    "s.json: plans[0].flatUsd must be at most 10,000,000 (USD a month), got 1e+308",
  );
  assertEquals(
    error(plan({ perSeatUsd: 10_000_001 })),
    "s.json: plans[0].perSeatUsd must be at most 10,000,000 (USD a month), got 10000001",
  );
  assertEquals(
    error(plan({ minimumUsd: 2e7 })),
    "s.json: plans[0].minimumUsd must be at most 10,000,000 (USD a month), got 20000000",
  );
  assertEquals(
    error(plan({ flatTiers: { metric: "seats", tiers: [{ upTo: null, usd: 1e9 }] } })),
    "s.json: plans[0].flatTiers.tiers[0].usd must be at most 10,000,000 (USD a month), got 1000000000",
  );
  assertEquals(
    error(plan({ perRequest: { tiers: [{ upTo: null, usdPer1k: 1000.5 }] } })),
    "s.json: plans[0].perRequest.tiers[0].usdPer1k must be at most 1,000 (USD per 1,000 requests), got 1000.5",
  );
  assertEquals(
    error(plan({ meteredPrices: { storagePerGb: [{ upToGb: null, usdPerGb: 5000 }] } })),
    "s.json: plans[0].meteredPrices.storagePerGb[0].usdPerGb must be at most 1,000 (USD per GB), got 5000",
  );
  assertEquals(
    error(plan({ pctOfLlmCost: { percent: 20_000 } })),
    "s.json: plans[0].pctOfLlmCost.percent must be at most 10,000 (percent), got 20000",
  );
  assertEquals(
    error({ ...base, addonPrices: { prompts: 1e12 } }),
    "s.json: addonPrices.prompts must be at most 10,000,000 (USD a month), got 1000000000000",
  );
  // the bounds themselves are prices
  const atBounds = parseScenario(plan({
    flatUsd: 10_000_000,
    perRequest: { tiers: [{ upTo: null, usdPer1k: 1000 }] },
    pctOfLlmCost: { percent: 10_000 },
  }));
  assertEquals(atBounds.plans[0].flatUsd, 10_000_000);
});

Deno.test("an unknown tier family or add-on is refused, listing the known ones", () => {
  assertEquals(
    error(plan({ match: { tiers: ["pro", "PRO"] }, flatUsd: 1 })),
    's.json: plans[0].match.tiers[1] must be one of free, pro, team, growth, enterprise, other, got "PRO"',
  );
  assertEquals(
    error(plan({ match: { tiers: ["nonexistent_tier"] }, flatUsd: 1 })),
    's.json: plans[0].match.tiers[0] must be one of free, pro, team, growth, enterprise, other, got "nonexistent_tier"',
  );
  assertEquals(
    error({ ...base, addonPrices: { prompt: 50 } }),
    "s.json: addonPrices.prompt is not a known add-on (known: prompts, experiments, evals)",
  );
  const known = parseScenario({
    ...base,
    addonPrices: { prompts: 50, experiments: 50, evals: 100 },
    plans: [{ name: "a", match: { tiers: ["other"], tiersRaw: ["PRO-X"] }, flatUsd: 1 }],
  });
  assertEquals(known.addonPrices, { prompts: 50, experiments: 50, evals: 100 });
});

Deno.test("a scenario name longer than 64 characters is refused before it names a file", () => {
  assertEquals(
    error({ ...base, name: "a".repeat(300) }),
    "s.json: name must be at most 64 characters (it names files), got 300",
  );
  assertEquals(parseScenario({ ...base, name: "a".repeat(64) }).name, "a".repeat(64));
});

Deno.test("a scenario file with a UTF-8 byte order mark reads as without", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "bom.json");
    await Deno.writeFile(
      path,
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(base))]),
    );
    assertEquals((await loadScenarioFile(path)).plans, base.plans);
    // a byte order mark anywhere else is still not JSON
    const inside = join(dir, "inside.json");
    await Deno.writeTextFile(inside, `{\uFEFF"name":"x"}`);
    await rejects(loadScenarioFile(inside), /inside\.json is not valid JSON/);
    // an empty file (or one of spaces, or a byte order mark alone) is said to be empty, not
    // "Unexpected end of JSON input"
    for (
      const [name, bytes] of [["empty", []], ["blank", [0x20, 0x0a]], ["bom", [
        0xef,
        0xbb,
        0xbf,
      ]]] as const
    ) {
      const path = join(dir, `${name}.json`);
      await Deno.writeFile(path, new Uint8Array(bytes));
      await rejects(loadScenarioFile(path), {
        message: `${path} is empty; a scenario is a JSON file such as scenarios/per_request.json`,
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a plan with no price is refused in one line naming the file and plan; flatUsd 0 says free", async () => {
  const needs =
    "has no price: give it one of flatUsd, perSeatUsd, flatTiers, perRequest, pctOfLlmCost, minimumUsd, meteredPrices (flatUsd: 0 for a free plan), or keepCurrentMrr: true to keep current MRR";
  assertEquals(
    error({ ...base, plans: [{ name: "p", flatUsd: 5 }, { name: "a" }] }),
    `s.json: plans[1] ("a") ${needs}`,
  );
  // a match or addonsIncluded is no price either
  assertEquals(
    error(plan({ match: { tiers: ["free"] }, addonsIncluded: true })),
    `s.json: plans[0] ("a") ${needs}`,
  );
  // the price book is read by the same checks, named by its file
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "book.json");
    await Deno.writeTextFile(path, JSON.stringify({ name: "book", plans: [{ name: "a" }] }));
    await rejects(loadScenarioFile(path, { priceBook: true }), {
      message: `${path}: plans[0] ("a") ${needs}`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assertEquals(parseScenario(plan({ flatUsd: 0 })).plans[0].flatUsd, 0);
  assertEquals(parseScenario(plan({ keepCurrentMrr: true })).plans[0].keepCurrentMrr, true);
  assertEquals(parseScenario(plan({ meteredPrices: {} })).plans[0].meteredPrices, {});
});
