/**
 * A NaN or ±inf in a count column (a deployment's usage_30d.sql summing a Float64 weight per
 * request, on the real ClickHouse of `deno task test`): the count is unknown (empty), said in the
 * one non-finite warning, and the flags derived from it follow the column table: is_byok empty
 * where byok_requests_30d is unknown, has_gateway_only false where the other count decides it,
 * else empty; never false or 0 taken for unknown.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { freshFixtureDatabases } from "./fixture_databases.ts";
import { quietLiveExport } from "./live_export.ts";
import { ptbVsByok, TRAFFIC_UNKNOWN } from "../lib/analysis/questions.ts";
import { trafficBriefLines } from "../lib/report/brief_traffic.ts";
import { usageByTierChart } from "../lib/report/charts.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { call, connectInMemory, text } from "./mcp_client.ts";
import { fixtureClickHouse, REQUEST_COLUMNS, requestTableCopy } from "./request_table_fixture.ts";

const asOf = new Date("2026-11-01T00:00:00Z");
const A = "11111111-1111-4111-8111-111111111111";
const C = "33333333-3333-4333-8333-333333333333";
const D = "44444444-4444-4444-8444-444444444444";

function requestRow(org: string, id: number, cost: string, ptb: number): string {
  const requestId = `dddddddd-0000-4000-8000-${String(id).padStart(12, "0")}`;
  return `('${org}', '${requestId}', 'openai', 'gpt-4o', 'u', '2026-10-20 00:00:00', '2026-10-20 00:00:00', ${cost}, '', ${ptb})`;
}

Deno.test("a NaN or ±inf request count is unknown, and is_byok / has_gateway_only are empty unless the other count decides them", async () => {
  const databases = await freshFixtureDatabases("count_nan");
  const env = databases.env;
  const queriesDir = await Deno.makeTempDir();
  const outDir = await Deno.makeTempDir();
  const ch = fixtureClickHouse(env);
  try {
    // the fixture's request table with a Float64 cost, plus: a BYOK request of A costing NaN and
    // a PTB request of C costing inf
    await ch.command({
      query: (await requestTableCopy("request_weighted")).replace("cost UInt64", "cost Float64"),
    });
    await ch.command({ query: "INSERT INTO request_weighted SELECT * FROM request_response_rmt" });
    for (const row of [requestRow(A, 9901, "nan", 0), requestRow(C, 9902, "inf", 1)]) {
      await ch.command({
        query: `INSERT INTO request_weighted (${REQUEST_COLUMNS}) VALUES ${row}`,
      });
    }
    // a deployment's query whose PTB and BYOK counts sum a Float64 weight per request (1, or NaN
    // where the row's cost is NaN or inf): a bad row makes the count NaN
    const builtIn = await Deno.readTextFile(
      new URL("../queries/clickhouse/usage_30d.sql", import.meta.url),
    );
    const own = builtIn
      .replace(
        "countIf(is_passthrough_billing = 1) AS ptb_requests_30d",
        "sumIf(cost * 0 + 1, is_passthrough_billing = 1) AS ptb_requests_30d",
      )
      .replace(
        "countIf(is_passthrough_billing = 0) AS byok_requests_30d",
        "sumIf(cost * 0 + 1, is_passthrough_billing = 0) AS byok_requests_30d",
      )
      .replaceAll(" * materialize(toDecimal128(1, 0))", "");
    ok(own.includes("sumIf(cost * 0 + 1, is_passthrough_billing = 0)"), "the query was changed");
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    await Deno.writeTextFile(`${queriesDir}/clickhouse/usage_30d.sql`, own);

    const result = await quietLiveExport({
      env: {
        ...env,
        PRICING_QUERIES_DIR: queriesDir,
        PRICING_CH_REQUEST_TABLE: "request_weighted",
      },
      outDir,
      formats: ["csv"],
      asOf,
    });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray() as string[];
    const row = (org: string) =>
      ["requests_30d", "ptb_requests_30d", "byok_requests_30d", "is_byok", "has_gateway_only"]
        .map((c) => frame.getColumn(c).toArray()[orgs.indexOf(org)]);
    // A: r1 and r5 PTB (2), r2 BYOK and the NaN one: BYOK count unknown; 4 requests (count())
    // → is_byok unknown; has_gateway_only (PTB > 0 and BYOK = 0) unknown
    assertEquals(row(A), [4, 2, null, null, null]);
    // C: r7 BYOK (1) and the inf PTB one: PTB count unknown; BYOK 1 → is_byok true, and
    // has_gateway_only false whatever the PTB count is
    assertEquals(row(C), [2, null, 1, true, false]);
    // D: no requests → zero counts and false flags, not unknown
    assertEquals(row(D), [0, 0, 0, false, false]);
    const warnings = result.data.warnings.filter((w) => w.includes("not a finite number"));
    assertEquals(warnings.length, 1, warnings.join("\n"));
    ok(warnings[0].includes("ptb_requests_30d 1") && warnings[0].includes("byok_requests_30d 1"));
    // the CSV holds them empty, never NaN or false for unknown
    const csv = await Deno.readTextFile(result.csvPath!);
    ok(!/NaN|Infinity|\binf\b/.test(csv), "no NaN or inf written");
    const [header, ...lines] = csv.trim().split("\n");
    const columns = header.split(",");
    const cells = (org: string) => lines.find((line) => line.startsWith(org))!.split(",");
    const cell = (org: string, c: string) => cells(org)[columns.indexOf(c)];
    assertEquals([cell(A, "is_byok"), cell(A, "has_gateway_only")], ["", ""]);
    assertEquals([cell(C, "ptb_requests_30d"), cell(C, "has_gateway_only")], ["", "false"]);
  } finally {
    await ch.close();
    await Deno.remove(outDir, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});

Deno.test("an unknown PTB or BYOK count end to end: PTB vs BYOK's 'traffic unknown' type in the answer, the brief and MCP, the usage chart's caption", async () => {
  const databases = await freshFixtureDatabases("traffic_nan");
  const env = databases.env;
  const queriesDir = await Deno.makeTempDir();
  const outDir = await Deno.makeTempDir();
  const ch = fixtureClickHouse(env);
  try {
    // the fixture's requests with a Float64 sampling weight (1), plus a BYOK request of A ($0.40)
    // and a PTB one of C ($1.00) whose weights are NaN and inf; costs stay known
    await ch.command({
      query: (await requestTableCopy("request_sampled"))
        .replace("cost UInt64,", "cost UInt64, weight Float64 DEFAULT 1,"),
    });
    await ch.command({
      query:
        `INSERT INTO request_sampled (${REQUEST_COLUMNS}, cache_reference_id) SELECT ${REQUEST_COLUMNS}, cache_reference_id FROM request_response_rmt`,
    });
    for (
      const [row, weight] of [[requestRow(A, 9903, "400000000", 0), "nan"], [
        requestRow(C, 9904, "1000000000", 1),
        "inf",
      ]]
    ) {
      await ch.command({
        query: `INSERT INTO request_sampled (${REQUEST_COLUMNS}, weight) VALUES ${
          row.replace(/\)$/, `, ${weight})`)
        }`,
      });
    }
    // a deployment's query counting sampled requests by their weight: A's BYOK and all counts NaN,
    // C's PTB and all counts inf
    const builtIn = await Deno.readTextFile(
      new URL("../queries/clickhouse/usage_30d.sql", import.meta.url),
    );
    const own = builtIn
      .replace("count() AS requests_30d", "sum(weight) AS requests_30d")
      .replace(
        "countIf(is_passthrough_billing = 1) AS ptb_requests_30d",
        "sumIf(weight, is_passthrough_billing = 1) AS ptb_requests_30d",
      )
      .replace(
        "countIf(is_passthrough_billing = 0) AS byok_requests_30d",
        "sumIf(weight, is_passthrough_billing = 0) AS byok_requests_30d",
      );
    ok(own.includes("sumIf(weight, is_passthrough_billing = 0)"), "the query was changed");
    await Deno.mkdir(`${queriesDir}/clickhouse`);
    await Deno.writeTextFile(`${queriesDir}/clickhouse/usage_30d.sql`, own);

    const result = await quietLiveExport({
      env: { ...env, PRICING_QUERIES_DIR: queriesDir, PRICING_CH_REQUEST_TABLE: "request_sampled" },
      outDir,
      formats: ["csv"],
      asOf,
    });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray() as string[];
    const row = (org: string) =>
      ["requests_30d", "ptb_requests_30d", "byok_requests_30d", "is_byok", "has_gateway_only"]
        .map((c) => frame.getColumn(c).toArray()[orgs.indexOf(org)]);
    // A: PTB r1 r5 (2), BYOK r2 and the NaN one; C: BYOK r7 (1), PTB the inf one
    assertEquals(row(A), [null, 2, null, null, null]);
    assertEquals(row(C), [null, null, 1, true, false]);
    // A could be gateway-only or mixed, C mixed or BYOK-only: both unknown. B gateway-only (r6,
    // $0.10), D and E no requests. A's cost: r1 $2.00 (newest version), r2 $0.50, r5 $0.25, $0.40
    // = $3.15 ($2.25 PTB); C's r7 $3.00 + $1.00 = $4.00 ($1.00 PTB): $7.15, $3.25 PTB
    const answer = ptbVsByok(frame);
    assertEquals(answer.table.getColumn("traffic").toArray(), [
      "gateway only (PTB)",
      "no requests",
      TRAFFIC_UNKNOWN,
    ]);
    assertEquals(answer.table.getColumn("organizations").toArray(), [1, 2, 2]);
    assertEquals(answer.table.getColumn("requests_30d").toArray(), [1, 0, null]);
    const unknown = answer.facts[TRAFFIC_UNKNOWN]!;
    assertEquals(unknown.organizations, 2);
    ok(Math.abs(unknown.llmCostUsd! - 7.15) < 1e-9, `${unknown.llmCostUsd}`);
    ok(Math.abs(unknown.ptbLlmCostUsd! - 3.25) < 1e-9, `${unknown.ptbLlmCostUsd}`);
    // Stripe skipped: MRR unknown for all, said so
    ok(
      answer.reading.includes(
        'The traffic type of 2 organizations is unknown (a PTB or BYOK request count that decides it is unknown: NaN, infinite or empty; "traffic unknown", in no type above): $7.15 of LLM cost ($3.25 pass-through), MRR unknown.',
      ),
      answer.reading,
    );
    // the brief's section names the type and gives its row, requests unknown ("–")
    const brief = trafficBriefLines(frame, 30).join("\n").split("\n");
    ok(brief[2].includes(", traffic unknown (a PTB or BYOK request count"), brief[2]);
    const unknownRow = brief.find((line) => line.startsWith("| traffic unknown |"))!;
    assertEquals(unknownRow.split("|").slice(2, 5).map((c) => c.trim()), ["2", "–", "$7.15"]);
    // the usage chart counts A (pro) and C (team) apart from D and E (no requests)
    const caption = usageByTierChart(frame).svg.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    ok(
      caption.includes("with requests unknown (NaN or infinite), not shown: pro 1, team 1."),
      caption,
    );
    // MCP over the export's CSV read back: the same answer, and the gateway_only segment's count
    const { client, close } = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: outDir })),
    );
    try {
      const traffic = await call(client, "key_question", { question: "ptb_vs_byok" });
      ok(!traffic.isError, text(traffic));
      const facts = traffic.structuredContent!.facts as Record<string, { organizations: number }>;
      assertEquals(facts[TRAFFIC_UNKNOWN].organizations, 2);
      assertEquals(traffic.structuredContent!.reading, answer.reading);
      // B; A's has_gateway_only unknown, C's false (it has BYOK requests)
      const segment = await call(client, "segment", { name: "gateway_only" });
      assertEquals(
        (segment.structuredContent!.not_judged as { text: string }).text,
        "1 organization with an unknown PTB or BYOK request count not judged",
      );
      assertEquals(
        (segment.structuredContent!.totals as { organizations: number }).organizations,
        1,
      );
    } finally {
      await close();
    }
  } finally {
    await ch.close();
    await Deno.remove(outDir, { recursive: true });
    await Deno.remove(queriesDir, { recursive: true });
    await databases.drop();
  }
});
