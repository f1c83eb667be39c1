/**
 * Scenario validation (lib/analysis/scenario/validation.ts, scenario_json.ts): prices past their
 * bounds, tier families and add-ons nothing can match, misspelled names with the one meant,
 * over-long names, a byte order mark, and the hand-written file's slips (comments, trailing
 * commas, single quotes, YAML, a key given twice) said with their fix.
 */
import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
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
    's.json: plans[0].match.tiers[1] must be one of free, pro, team, growth, enterprise, other, got "PRO": did you mean pro?',
  );
  assertEquals(
    error(plan({ match: { tiers: ["nonexistent_tier"] }, flatUsd: 1 })),
    's.json: plans[0].match.tiers[0] must be one of free, pro, team, growth, enterprise, other, got "nonexistent_tier"',
  );
  assertEquals(
    error({ ...base, addonPrices: { prompt: 50 } }),
    "s.json: addonPrices.prompt is not a known add-on: did you mean prompts? (known: prompts, experiments, evals)",
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

Deno.test("a misspelled field, choice or add-on is refused naming the one meant", () => {
  const known =
    "(known: name, match, keepCurrentMrr, flatUsd, perSeatUsd, includedSeats, flatTiers, perRequest, pctOfLlmCost, addonsIncluded, minimumUsd, meteredPrices)";
  assertEquals(
    error(plan({ perSeatUSD: 20 })),
    `s.json: plans[0].perSeatUSD is not a known field: did you mean perSeatUsd? ${known}`,
  );
  assertEquals(
    error(plan({ macth: { tiers: ["pro"] }, flatUsd: 1 })),
    `s.json: plans[0].macth is not a known field: did you mean match? ${known}`,
  );
  assertEquals(
    error({ ...base, addonPrice: { prompts: 50 } }),
    "s.json: addonPrice is not a known field: did you mean addonPrices? (known: name, description, addonPrices, plans, breakeven)",
  );
  assertEquals(
    error(plan({ perRequest: { mode: "graduate", tiers: [{ upTo: null, usdPer1k: 1 }] } })),
    's.json: plans[0].perRequest.mode must be one of graduated, volume, got "graduate": did you mean graduated?',
  );
  assertEquals(
    error(plan({ flatTiers: { metric: "requests", tiers: [{ upTo: null, usd: 1 }] } })),
    's.json: plans[0].flatTiers.metric must be one of seats, active_users_30d, requests_30d, llm_cost_30d, got "requests": did you mean requests_30d?',
  );
  // nothing near: the list alone
  assertEquals(
    error(plan({ zzz: 1, flatUsd: 1 })),
    `s.json: plans[0].zzz is not a known field ${known}`,
  );
});

Deno.test("a hand-written file's JSON slips are said with their place and fix", async () => {
  const dir = await Deno.makeTempDir();
  const refusal = async (name: string, text: string) => {
    const path = join(dir, name);
    await Deno.writeTextFile(path, text);
    try {
      await loadScenarioFile(path);
    } catch (e) {
      return (e as Error).message.replace(`${path} `, "");
    }
    return "no error";
  };
  const plans = '"plans": [{"name": "a", "flatUsd": 1}]';
  try {
    const comment = await refusal("c.json", `{\n  // per seat\n  "name": "x", ${plans}\n}`);
    ok(comment.startsWith("is not valid JSON: "), comment);
    ok(
      comment.endsWith(
        ': a comment at line 2 column 3 (JSON has none): remove it, or say it in "description"',
      ),
      comment,
    );
    const block = await refusal("b.json", `{"name": "x", /* seats */ ${plans}}`);
    ok(
      block.endsWith(
        ': a comment at line 1 column 15 (JSON has none): remove it, or say it in "description"',
      ),
      block,
    );
    // in an object, and in a list, where the parser's words name no position
    const objectComma = await refusal("o.json", `{\n  "name": "x",\n  ${plans},\n}`);
    ok(
      objectComma.endsWith(
        ": a comma before } at line 3 column 41 (JSON allows no trailing comma): remove it",
      ),
      objectComma,
    );
    const listComma = await refusal(
      "l.json",
      `{"name": "x", "plans": [{"name": "it's, ]", "flatUsd": 1},\n]}`,
    );
    ok(
      listComma.endsWith(
        ": a comma before ] at line 1 column 58 (JSON allows no trailing comma): remove it",
      ),
      listComma,
    );
    const quote = await refusal("q.json", `{\n  'name': "x", ${plans}}`);
    ok(
      quote.endsWith(
        ': a single quote at line 2 column 3 (JSON strings and names take double quotes): write "…"',
      ),
      quote,
    );
    const yaml = "name: x\nplans:\n  - name: a\n    flatUsd: 1\n";
    for (const name of ["s.yaml", "s.json"]) {
      const said = await refusal(name, yaml);
      ok(said.startsWith("is not valid JSON: it looks like YAML ("), said);
      ok(
        said.endsWith(
          "); a scenario is JSON (YAML is not read): write it as JSON, as scenarios/per_request.json",
        ),
        said,
      );
    }
    // a bare word: the parser's "Unexpected token 'N'" names no place
    const nan = await refusal(
      "n.json",
      `{\n  "name": "x",\n  "plans": [{"name": "a", "flatUsd": NaN}]}`,
    );
    ok(
      nan.endsWith(
        ': NaN at line 3 column 38 is no JSON value (JSON takes numbers, "strings", true, false and null): write a number, or quote it',
      ),
      nan,
    );
    const bareName = await refusal("u.json", `{\n  name: "x", ${plans}}`);
    ok(
      bareName.endsWith(
        ': a name without quotes at line 2 column 3 (JSON names take double quotes): write "name"',
      ),
      bareName,
    );
    const cut = await refusal("t.json", `{"name": "x",\n  "plans": [{"name": "a", "flatUsd": 1}`);
    ok(
      cut.endsWith(": the file ends before every { and [ is closed (cut short?): complete it"),
      cut,
    );
    const two = await refusal("2.json", `{"name": "x", ${plans}}\n{"name": "y", ${plans}}`);
    ok(
      two.endsWith(
        "(line 2 column 1): text follows the scenario's last closing bracket; a file holds one scenario: remove what follows",
      ),
      two,
    );
    // a slip the kit cannot name keeps the parser's words alone
    const missing = await refusal("m.json", `{"name": "x" ${plans}}`);
    ok(/^is not valid JSON: [^:]*position 13 \(line 1 column 14\)$/.test(missing), missing);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key given twice is refused naming its path: JSON.parse keeps the last silently", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "twice.json");
    await Deno.writeTextFile(
      path,
      '{"name": "x", "plans": [{"name": "a", "flatUsd": 1}, {"name": "b", "perRequest": {"tiers": [{"upTo": null, "usdPer1k": 1, "usdPer1k": 2}]}}]}',
    );
    await rejects(loadScenarioFile(path), {
      message:
        `${path}: plans[1].perRequest.tiers[0].usdPer1k is given twice (JSON keeps the last one silently): keep one`,
    });
    await Deno.writeTextFile(
      path,
      '{"name": "x", "plans": [{"name": "a", "flatUsd": 1}], "name": "y"}',
    );
    await rejects(loadScenarioFile(path), {
      message: `${path}: name is given twice (JSON keeps the last one silently): keep one`,
    });
    // the same key in two objects, and quotes, brackets and commas inside strings, are no repeat
    await Deno.writeTextFile(
      path,
      '{"name": "x", "description": "a \\"b\\", {c} [d] \\\\", "plans": [{"name": "a\\"", "flatUsd": 1}, {"name": "b", "flatUsd": 2}]}',
    );
    const scenario = await loadScenarioFile(path);
    assertEquals(scenario.plans.map((p) => p.name), ['a"', "b"]);
    assertEquals(scenario.description, 'a "b", {c} [d] \\');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
