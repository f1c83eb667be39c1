import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { COLUMNS } from "../lib/frame/columns.ts";
import { AS_OF_EFFECT } from "../lib/frame/as_of.ts";
import { dictionaryMarkdown, withColumnsSection } from "../lib/report/dictionary.ts";

Deno.test("the dictionary has a row for every column, in order", () => {
  const rows = dictionaryMarkdown().split("\n").slice(2);
  assertEquals(rows.length, COLUMNS.length);
  rows.forEach((row, i) => ok(row.includes(`\`${COLUMNS[i].name}\``), row));
});

Deno.test("the brief's dictionary says each as-of sentence once, naming every column it applies to", () => {
  const [table, groups] = dictionaryMarkdown({ asOfApart: true }).split("\n\nWhat the as-of");
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
  // the full dictionary (docs/columns.md, XLSX sheet, MCP) keeps the sentence per column
  ok(dictionaryMarkdown().split("\n").slice(2).every((row) => row.includes("As-of:")));
});

/** Markdown up to deno fmt's layout: whitespace, table padding and rule lengths. */
function normalise(markdown: string): string {
  return markdown.replace(/\s+/g, " ").replace(/ ?\| ?/g, "|").replace(/-{3,}/g, "---");
}

Deno.test("docs/columns.md's columns section is the generated one (run `deno task docs` after editing columns)", async () => {
  const readme = await Deno.readTextFile(new URL("../docs/columns.md", import.meta.url));
  assertEquals(normalise(readme), normalise(withColumnsSection(readme)));
});
