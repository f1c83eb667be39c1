/**
 * The MCP `organization` tool's two parts (lib/mcp/organization.ts), column-wise in Polars: finding
 * an organization by id, exact name or a unique part of it, and its profile — tier and plan
 * medians and percentiles — worked out by hand from the six organizations below.
 */
import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { findOrganization, organizationProfile } from "../lib/mcp/organization.ts";
import { call, connectInMemory, refused, text, type Values } from "./mcp_client.ts";

const frame = exportFrameFromColumns({
  org_id: ["id-1", "id-2", "id-3", "id-4", "id-5", "id-6"],
  org_name: ["Acme", "ACME Labs", "Beta Ωmega", null, "Foo (x) Bar", "Straße GmbH"],
  tier: ["pro", "pro", "pro", "pro", "free", "free"],
  // the plan column is what plan medians compare; tier_raw differs from it on purpose
  tier_raw: ["pro-20250202", "pro-20240913", "pro-b", "pro-b", null, null],
  plan: ["pro-a", "pro-a", "pro-b", "pro-b", null, null],
  mrr: [10, 20, 30, 40, 0, null],
  seats: [1, 2, 3, 4, 5, 6],
});

Deno.test("found by org_id, then exact name in any case, then a unique literal part of it", () => {
  assertEquals(findOrganization(frame, "id-3"), 2);
  assertEquals(findOrganization(frame, " id-3 "), 2);
  assertEquals(findOrganization(frame, "acme"), 0); // exact beats "ACME Labs" containing it
  assertEquals(findOrganization(frame, "labs"), 1);
  assertEquals(findOrganization(frame, "(X)"), 4); // literal, not a pattern
  assertEquals(findOrganization(frame, "ΩMEGA"), 2); // Unicode lower case, as JS's toLowerCase
  throws(() => findOrganization(frame, "STRASSE"), /no organization has the id or a name/);
  throws(() => findOrganization(frame, "."), /no organization has the id or a name/);
  throws(() => findOrganization(frame, "  "), /give an org_id or an organization name/);
  // a long query is echoed cut: its first 40 characters and its length
  throws(
    () => findOrganization(frame, "q".repeat(500)),
    new RegExp(
      `^UserError: no organization .* containing "${
        "q".repeat(40)
      }"… \\(500 characters\\); none is near it; `,
    ),
  );
  throws(
    () => findOrganization(frame, "a"),
    /^UserError: 5 organizations match "a"; ask again by org_id: id-1 \("Acme"\), id-2 \("ACME Labs"\), id-3 \("Beta Ωmega"\), id-5 \("Foo \(x\) Bar"\), id-6 \("Straße GmbH"\)$/,
  );
});

Deno.test("several organizations with long names: every org_id of the ten is listed, each name cut", () => {
  const long = (k: number) => `Longname${k} ${"x".repeat(9_000)}`;
  const many = exportFrameFromColumns({
    org_id: Array.from({ length: 12 }, (_, k) => `id-${k}`),
    org_name: Array.from({ length: 12 }, (_, k) => long(k)),
    tier: Array.from({ length: 12 }, () => "pro"),
  });
  // each name: its first 40 characters and its length (the query's own rule); ten ids, then …
  const shown = Array.from(
    { length: 10 },
    (_, k) => `id-${k} \\("${long(k).slice(0, 40)}"… \\(9,010 characters\\)\\)`,
  );
  throws(
    () => findOrganization(many, "longname"),
    new RegExp(
      `^UserError: 12 organizations match "longname"; ask again by org_id: ${shown.join(", ")}, …$`,
    ),
  );
});

Deno.test("profile: tier and plan medians, percentiles among known values", () => {
  const profile = organizationProfile(frame, 1); // ACME Labs: pro, plan pro-a, mrr 20, 2 seats
  assertEquals(profile.tier, "pro");
  assertEquals(profile.plan, "pro-a");
  assertEquals(profile.peers, { tier: 4, plan: 2, all: 6 });
  assertEquals(profile.row.org_name, "ACME Labs");
  // pro: mrr 10, 20, 30, 40 → (20 + 30) / 2; seats 1–4 → 2.5. pro-a: mrr 10, 20 → 15
  assertEquals(profile.tierMedians.mrr, 25);
  assertEquals(profile.tierMedians.seats, 2.5);
  assertEquals(profile.planMedians.mrr, 15);
  assertEquals(profile.planMedians.seats, 1.5);
  // mrr known for 5 (0, 10, 20, 30, 40): 3 at or below 20 → 60 %; seats 2 of 6 → 33.3 %
  assertEquals(profile.percentiles.mrr, 60);
  assertEquals(profile.percentiles.seats, 2 / 6 * 100);
  // an unknown value has no percentile; a column with no value has no median
  assertEquals(organizationProfile(frame, 5).percentiles.mrr, null);
  assertEquals(profile.tierMedians.requests_30d, null);
  // the organization with no plan is compared with the others without one
  assertEquals(organizationProfile(frame, 4).peers, { tier: 2, plan: 2, all: 6 });
  assertEquals(organizationProfile(frame, 4).planMedians.mrr, 0);
});

Deno.test("organization's text: a percentile is of the organizations with a value, and says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_org_percentile_" });
  await writeCsvFile(frame, join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const lines = text(await call(client, "organization", { org: "id-2" })).split("\n");
    // mrr is empty for 1 of the 6: 60 is 3 of the 5 known (0, 10, 20 at or below 20), not of 6
    ok(
      lines.includes(
        "metric | value | tier median | plan median | percentile (percent at or below it of the organizations with a value, of 6: empty cells left out)",
      ),
      lines.join("\n"),
    );
    ok(lines.includes("mrr | 20 | 25 | 15 | 60"), lines.join("\n"));
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("organization: the exact name (case and all) wins over the same name in another case", async () => {
  const cases = exportFrameFromColumns({
    org_id: ["b1", "b2", "b3", "g1"],
    org_name: ["Beta Co", "beta co", "Beta Corp", "Gamma Ltd"],
    tier: ["pro", "pro", "pro", "free"],
  });
  assertEquals(findOrganization(cases, "Beta Co"), 0);
  assertEquals(findOrganization(cases, "beta co"), 1);
  // neither exact: the name in any case, when one organization has it
  assertEquals(findOrganization(cases, "GAMMA LTD"), 3);
  throws(
    () => findOrganization(cases, "BETA CO"),
    /^UserError: 2 organizations match "BETA CO"; ask again by org_id: b1 \("Beta Co"\), b2 \("beta co"\)$/,
  );
  assertEquals(findOrganization(cases, "corp"), 2); // a unique part, any case

  // the tool over the SDK, on the same organizations in an export
  const dir = await Deno.makeTempDir({ prefix: "mcp_org_case_" });
  await writeCsvFile(cases, join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    for (const [org, id] of [["Beta Co", "b1"], ["beta co", "b2"]]) {
      const result = await call(client, "organization", { org });
      assertEquals(result.isError, undefined, text(result));
      assertEquals((result.structuredContent!.row as Values).org_id, id);
    }
    refused(
      await call(client, "organization", { org: "BETA CO" }),
      /^error: 2 organizations match/,
    );
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Organizations with UUID ids, as production's: the lookups below are worked out on them. */
const uuids = exportFrameFromColumns({
  org_id: [
    "0f8e4c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b",
    "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
    "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f",
  ],
  org_name: ["Big Acme Corp Ltd", "Acme Corporation Group", "Müller & Söhne GmbH"],
  tier: ["pro", "team", "free"],
});

const LIST = "query_sql lists them: SELECT org_id, org_name FROM pricing_data ORDER BY org_name";

Deno.test("org_id in any case and trimmed; none found suggests the nearest names or ids and how to list them", async () => {
  // UUIDs are written in either case: the id upper-cased, or with blanks around it, is found
  assertEquals(findOrganization(uuids, "7A6B5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D"), 1);
  assertEquals(findOrganization(uuids, "  C3D4E5F6-a7b8-4C9D-8E0F-1A2B3C4D5E6F\n"), 2);
  const none = (query: string) => {
    try {
      findOrganization(uuids, query);
    } catch (error) {
      return (error as Error).message;
    }
    return "found";
  };
  // a typo in a name: the names with a part 2 edits from it ("acme corp" in both, "crop" → "corp"
  // is 2), the one nearer whole first (17 characters against 22 for a query of 9)
  assertEquals(
    none("Acme Crop"),
    'no organization has the id or a name containing "Acme Crop"; nearest: ' +
      '0f8e4c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b ("Big Acme Corp Ltd"), ' +
      '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d ("Acme Corporation Group"); ' + LIST,
  );
  // "mueller" is 2 edits from "müller" (ü for u, e dropped): within one per 3 characters
  assertEquals(
    none("Mueller"),
    'no organization has the id or a name containing "Mueller"; nearest: ' +
      'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f ("Müller \\u0026 Söhne GmbH"); ' + LIST,
  );
  // an id with its last character mistyped (1 edit of 36), and one cut short: the id
  assertEquals(
    none("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2x"),
    'no organization has the id or a name containing "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2x"; ' +
      'nearest: 7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d ("Acme Corporation Group"); ' + LIST,
  );
  assertEquals(
    none("C3D4E5F6-A7B8"),
    'no organization has the id or a name containing "C3D4E5F6-A7B8"; nearest: ' +
      'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f ("Müller \\u0026 Söhne GmbH"); ' + LIST,
  );
  // nothing near: said, with how to list them
  assertEquals(
    none("Zylophone"),
    `no organization has the id or a name containing "Zylophone"; none is near it; ${LIST}`,
  );

  // the tool over the SDK, on the same organizations in an export
  const dir = await Deno.makeTempDir({ prefix: "mcp_org_uuid_" });
  await writeCsvFile(uuids, join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const found = await call(client, "organization", {
      org: " 0F8E4C2A-1B3D-4E5F-8A9B-0C1D2E3F4A5B ",
    });
    assertEquals(found.isError, undefined, text(found));
    assertEquals(
      (found.structuredContent!.row as Values).org_id,
      "0f8e4c2a-1b3d-4e5f-8a9b-0c1d2e3f4a5b",
    );
    const missing = await call(client, "organization", { org: "Acme Crop" });
    refused(
      missing,
      /^error: no organization has the id or a name containing "Acme Crop"; nearest: /,
    );
    ok(text(missing).endsWith(LIST), text(missing));
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Stripe customer cus_h shared by h1 (team, plan team-a, its row carrying the $79) and h2 (pro,
 * plan pro-a, revenue_source shared_customer, mrr empty); p1 another pro-a organization with a
 * customer of its own; q1 and q2 free, plan free-a, no customer. The `plan` column has pro-a
 * twice (h2, p1); describe_dataset's per-plan table counts h2 with its customer under team-a:
 * team-a 2 (h1, h2), pro-a 1 (p1), free-a 2.
 */
const shared = exportFrameFromColumns({
  org_id: ["h1", "h2", "p1", "q1", "q2"],
  org_name: ["Hub Team", "Hub Pro", "Pine", "Quill", "Quay"],
  tier: ["team", "pro", "pro", "free", "free"],
  plan: ["team-a", "pro-a", "pro-a", "free-a", "free-a"],
  mrr: [79, null, 20, 0, 0],
  seats: [3, 1, 2, 1, 1],
  stripe_customer_id: ["cus_h", "cus_h", "cus_p", null, null],
  revenue_source: ["stripe", "shared_customer", "stripe", "no_customer", "no_customer"],
});

Deno.test("organization: its plan's count is the plan column's, and it says where describe_dataset's per-plan table counts it", async () => {
  // h2: plan pro-a (h2 and p1), counted in the per-plan table under team-a with h1
  const h2 = organizationProfile(shared, 1);
  assertEquals([h2.plan, h2.peers.plan], ["pro-a", 2]);
  assertEquals(h2.planMedians.seats, 1.5); // pro-a by the plan column: h2 1, p1 2
  assertEquals(h2.perPlanTable, { plan: "team-a", organizations: 2 });
  // p1: plan pro-a, 2 by the plan column, 1 in the per-plan table (h2 counts under team-a)
  assertEquals(organizationProfile(shared, 2).perPlanTable, { plan: "pro-a", organizations: 1 });
  // h1: team-a, 1 by the plan column, 2 in the per-plan table (h2 with it)
  assertEquals(organizationProfile(shared, 0).perPlanTable, { plan: "team-a", organizations: 2 });
  // no shared customer: the same plan and count (the six above: pro-a 2)
  assertEquals(organizationProfile(frame, 1).perPlanTable, { plan: "pro-a", organizations: 2 });
  assertEquals(organizationProfile(frame, 4).perPlanTable, {
    plan: "(none)",
    organizations: 2,
  });

  const dir = await Deno.makeTempDir({ prefix: "mcp_org_shared_" });
  await writeCsvFile(shared, join(dir, "helicone_pricing_data_2026-11-01.csv"));
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const lines = async (org: string) => {
      const result = await call(client, "organization", { org });
      assertEquals(result.isError, undefined, text(result));
      return { first: text(result).split("\n")[0], structured: result.structuredContent! };
    };
    const pine = await lines("p1");
    assertEquals(
      pine.first,
      `organization "p1" "Pine"; tier "pro" (2 organizations), plan "pro-a" (2 organizations with this plan column; 1 in describe_dataset's per-plan table, which counts a Stripe customer several organizations share, with all of them, in the plan of the row carrying its revenue)`,
    );
    assertEquals(pine.structured.per_plan_table, { plan: "pro-a", organizations: 1 });
    const hubPro = await lines("h2");
    assertEquals(
      hubPro.first,
      `organization "h2" "Hub Pro"; tier "pro" (2 organizations), plan "pro-a" (2 organizations with this plan column; describe_dataset's per-plan table counts it under "team-a", 2 organizations, which counts a Stripe customer several organizations share, with all of them, in the plan of the row carrying its revenue)`,
    );
    // no shared customer in its plan: one count, the per-plan table's
    assertEquals(
      (await lines("q1")).first,
      `organization "q1" "Quill"; tier "free" (2 organizations), plan "free-a" (2 organizations, as in describe_dataset's per-plan table)`,
    );
    // … which is describe_dataset's
    const described = text(await call(client, "describe_dataset", {}));
    for (const [plan, n] of [["team-a", 2], ["pro-a", 1], ["free-a", 2]]) {
      ok(described.includes(`\n"${plan}" | ${n} | `), `${plan} ${n}`);
    }
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
