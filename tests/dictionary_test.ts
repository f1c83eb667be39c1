import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { COLUMN_NOTES, COLUMNS, SNAPSHOT_ONLY_COLUMNS } from "../lib/frame/columns.ts";
import { AS_OF_EFFECT } from "../lib/frame/as_of.ts";
import { dictionaryMarkdown, withColumnsSection } from "../lib/report/dictionary.ts";

Deno.test("the dictionary has a row for every column, in order", () => {
  const [table] = dictionaryMarkdown().split("\n\n");
  const rows = table.split("\n").slice(2);
  assertEquals(rows.length, COLUMNS.length);
  rows.forEach((row, i) => ok(row.includes(`\`${COLUMNS[i].name}\``), row));
});

/**
 * The spec's column tables (pricing-export-spec.md, "Export Data Structure") copied by hand: name,
 * type and source, in its order. The spec's calculated metrics are "Derived" and its "number" of a
 * count is the kit's integer. Written out here, not read from lib/frame, so a reordered or
 * re-sourced spec column fails a test rather than moving every output along with it.
 */
const SPEC_TABLE: [string, string, string][] = [
  ["org_id", "string", "PostgreSQL"],
  ["org_name", "string", "PostgreSQL"],
  ["tier", "string", "PostgreSQL"],
  ["created_at", "datetime", "PostgreSQL"],
  ["stripe_customer_id", "string", "PostgreSQL"],
  ["seats", "integer", "PostgreSQL"],
  ["active_users_30d", "integer", "PostgreSQL"],
  ["requests_30d", "integer", "ClickHouse"],
  ["llm_cost_30d", "number", "ClickHouse"],
  ["prompts_created", "integer", "PostgreSQL"],
  ["prompts_used_30d", "integer", "ClickHouse"],
  ["mrr", "number", "Stripe"],
  ["base_subscription", "number", "Stripe"],
  ["usage_charges", "number", "Stripe"],
  ["addon_prompts", "number", "Stripe"],
  ["is_ptb", "boolean", "ClickHouse"],
  ["is_byok", "boolean", "Derived"],
  ["has_gateway_only", "boolean", "Derived"],
  ["cost_per_seat", "number", "Derived"],
  ["revenue_per_seat", "number", "Derived"],
  ["cost_per_request", "number", "Derived"],
  ["revenue_per_request", "number", "Derived"],
  ["gross_margin_pct", "number", "Derived"],
  ["seat_utilization_pct", "number", "Derived"],
];

Deno.test("the spec's 24 columns lead, in its order, with its types and sources; mrr_recurring follows them", () => {
  assertEquals(
    COLUMNS.slice(0, SPEC_TABLE.length).map((c) => [c.name, c.type, c.source]),
    SPEC_TABLE,
  );
  // revenue-rules.md: the industry's MRR is added after the spec's columns, never among them
  ok(COLUMNS.findIndex((c) => c.name === "mrr_recurring") >= SPEC_TABLE.length);
});

Deno.test("the brief's dictionary says each as-of sentence once, naming every column it applies to", () => {
  const [table, rest] = dictionaryMarkdown({ asOfApart: true }).split("\n\nWhat the as-of");
  const [groups] = rest.split("\n\nColumn notes");
  const rows = table.split("\n").slice(2);
  assertEquals(rows.length, COLUMNS.length);
  rows.forEach((row) => ok(!row.includes("As-of:"), row));
  const items = groups.split("\n").filter((line) => line.startsWith("- "));
  const effects = new Set(Object.values(AS_OF_EFFECT));
  assertEquals(items.length, effects.size);
  for (const c of COLUMNS) {
    const effect = AS_OF_EFFECT[c.name].replace(/^As-of: /, "");
    // the one line naming the column is the one carrying its sentence
    const naming = items.filter((line) => line.split(": ")[0].includes(`\`${c.name}\``));
    assertEquals(naming.length, 1, c.name);
    ok(naming[0].endsWith(`: ${effect}`), naming[0]);
    // its description is the per-column one without that sentence
    const row = rows.find((r) => r.includes(`| \`${c.name}\` |`))!;
    ok(!row.includes(effect.slice(0, 60)) || effect.length < 60, row);
  }
  // nine Stripe columns share one sentence: said once
  const stripe = items.find((line) => line.startsWith("- `base_subscription`"))!;
  assertEquals(stripe.split(": ")[0].split(", ").length, 9);
  // the full dictionary (docs/columns.md, XLSX sheet, MCP) keeps the sentence per column (the
  // Stripe one a pointer to its note)
  ok(
    dictionaryMarkdown().split("\n\n")[0].split("\n").slice(2).every((row) =>
      row.includes("As-of:")
    ),
  );
});

/** Markdown up to deno fmt's layout: whitespace, table padding and rule lengths. */
function normalise(markdown: string): string {
  return markdown.replace(/\s+/g, " ").replace(/ ?\| ?/g, "|").replace(/-{3,}/g, "---");
}

Deno.test("docs/columns.md's columns section is the generated one (run `deno task docs` after editing columns)", async () => {
  const readme = await Deno.readTextFile(new URL("../docs/columns.md", import.meta.url));
  assertEquals(normalise(readme), normalise(withColumnsSection(readme)));
});

Deno.test("the Stripe as-of sentence is one column note the ten Stripe columns point to, said once in each dictionary", () => {
  const note = COLUMN_NOTES.find((n) => n.name === "stripe_now")!;
  ok(note.text.startsWith("From the subscriptions Stripe holds when the export runs"), note.text);
  const pointer = "(column note stripe_now)";
  const pointing = COLUMNS.filter((c) => c.description.includes(pointer)).map((c) => c.name);
  assertEquals(pointing, [
    "mrr",
    "base_subscription",
    "addon_prompts",
    "mrr_recurring",
    "addon_other",
    "subscription_status",
    "billing_interval",
    "currency",
    "stripe_plan_names",
    "cancel_at_period_end",
  ]);
  // no description carries the note's text: each points to it
  const noteStart = note.text.slice(0, 60);
  ok(COLUMNS.every((c) => !c.description.includes(noteStart)));
  // every pointer names a note, and every note is pointed to
  const named = new Set(
    [...COLUMNS, ...SNAPSHOT_ONLY_COLUMNS].flatMap((c) =>
      [...c.description.matchAll(/\(column note (\w+)\)/g)].map((m) => m[1])
    ),
  );
  assertEquals([...named].sort(), COLUMN_NOTES.map((n) => n.name).sort());
  // the dictionaries say the note once, under the columns (docs/columns.md and the brief's)
  const count = (text: string) => text.split(noteStart).length - 1;
  for (const markdown of [dictionaryMarkdown(), dictionaryMarkdown({ asOfApart: true })]) {
    assertEquals(count(markdown), 1);
    ok(markdown.includes(`\n- \`stripe_now\`: ${note.text}`), markdown.slice(-800));
  }
});
