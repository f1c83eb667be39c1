/**
 * describe_dataset within its cap (lib/mcp/describe.ts): on the demo export the answer fits well
 * under the default PRICING_MCP_MAX_BYTES, its text whole with every warning before the column
 * list; under the smallest setting (8 KB: describe_dataset still gets DESCRIBE_MIN_BYTES) with a
 * warning list too long for the whole, the text's column lines give way, said in a last line, and
 * every warning still comes through. The text's short column definitions and the cut by hand.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { demoExport } from "./demo_export_fixture.ts";
import { COLUMN_NOTES, COLUMNS } from "../lib/frame/columns.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { asOfText, DESCRIBE_MIN_BYTES, fittedText, shortDefinition } from "../lib/mcp/describe.ts";
import { mcpSettings, MIN_MAX_BYTES } from "../lib/mcp/settings.ts";
import { dataLiteral, sentLength } from "../lib/mcp/text.ts";
import { call, connectInMemory, liveExport, ROOT, text, type ToolResult } from "./mcp_client.ts";

const encoder = new TextEncoder();

/**
 * A folder's path of 64 characters (as long as `deno task test`'s usual
 * /tmp/pricing-kit-tests-…/mcp_describe_demo_…), in place of the test's temporary folder: the
 * answer names that folder (the source file, the history folder), and its length is the machine's
 * (a CI run's TMPDIR is longer), not the code's.
 */
const STAND_IN_DIR = `/tmp/${"d".repeat(59)}`;

/**
 * The checkout's folder (ROOT, with its `/`) written as 42 characters, as long as a CI runner's
 * /home/runner/work/pricing-kit/pricing-kit/: the plan column's definition and
 * cost_model.price_book_path name the price book read from its scenarios/.
 */
const STAND_IN_ROOT = `/${"r".repeat(40)}/`;

/** Bytes of the answer in its two channels, as PRICING_MCP_MAX_BYTES counts them. */
function answerBytes(result: ToolResult): number {
  return encoder.encode(text(result)).length +
    encoder.encode(JSON.stringify(result.structuredContent)).length;
}

/**
 * answerBytes with `dir` written as STAND_IN_DIR and the checkout's folder as STAND_IN_ROOT
 * wherever the answer names them.
 */
function answerBytesInStandIn(result: ToolResult, dir: string): number {
  const inJson = (path: string) => JSON.stringify(path).slice(1, -1);
  const standIn = (s: string, path: (p: string) => string) =>
    s.replaceAll(path(dir), STAND_IN_DIR).replaceAll(path(ROOT), STAND_IN_ROOT);
  return encoder.encode(standIn(text(result), (p) => p)).length +
    encoder.encode(standIn(JSON.stringify(result.structuredContent), inJson)).length;
}

/** describe_dataset from a server over `dir` with `env`. */
async function describe(dir: string, env: Record<string, string> = {}): Promise<ToolResult> {
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir, ...env })),
  );
  try {
    const result = await call(client, "describe_dataset");
    assertEquals(result.isError, undefined, text(result));
    return result;
  } finally {
    await close();
  }
}

/** Where the text's parts start: its warnings' header, column list's header and column lines. */
function textParts(body: string) {
  const lines = body.split("\n");
  const warningsAt = lines.findIndex((l) => l.startsWith("warnings (as literals"));
  const columnsAt = lines.findIndex((l) => l.startsWith("columns (name | type | unit"));
  const columnLines = lines.slice(columnsAt + 1).filter((l) =>
    COLUMNS.some((c) => l.startsWith(`- ${c.name} | `))
  );
  return { lines, warningsAt, columnsAt, columnLines };
}

Deno.test("shortDefinition: a description's first sentence, e.g. not ending it, a long one cut after a word", () => {
  assertEquals(shortDefinition("Organization UUID. As-of: x."), "Organization UUID.");
  assertEquals(
    shortDefinition("The raw tier value (e.g. pro-20251210); empty when null. As-of: today's."),
    "The raw tier value (e.g. pro-20251210); empty when null.",
  );
  assertEquals(shortDefinition("No full stop at all"), "No full stop at all");
  // 30 words of 4 letters: the first 120 characters end inside the 25th word, cut before it
  const long = Array.from({ length: 30 }, () => "abcd").join(" ") + ". Second.";
  assertEquals(shortDefinition(long), `${Array.from({ length: 24 }, () => "abcd").join(" ")}…`);
  // every column's is at most 121 characters (120 and the mark)
  for (const c of COLUMNS) ok([...shortDefinition(c.description)].length <= 121, c.name);
});

Deno.test("asOfText: each group in its few words then its columns, the same words merged, a group without any by its sentence's first 48 characters", () => {
  assertEquals(
    asOfText([
      { effect: "today's value, not the value at the as-of.", columns: ["org_name", "tier"] },
      { effect: "a sentence no gist covers, longer than forty-eight characters.", columns: ["x"] },
      { effect: "Stripe's, as held today.", columns: ["mrr"] },
      {
        effect: "Stripe's, as held today (column note).",
        columns: ["currency", "base_subscription"],
      },
    ]),
    [
      "as-of (what an earlier --as-of does; as_of_effects has each whole):",
      "- today's value: org_name, tier",
      "- a sentence no gist covers, longer than…: x",
      "- today's Stripe, judged at the as-of: mrr, currency, base_subscription",
    ],
  );
});

Deno.test("fittedText: whole when it fits, else column lines left out from the last, said", () => {
  // column lines of 206 bytes: longer than the note that replaces them
  const [a, b, c] = ["a", "b", "c"].map((name) => `- ${name} | ${"x".repeat(200)}`);
  const text = { head: ["head", "warnings: w"], columns: [a, b, c] };
  const note = (left: number) =>
    `… ${left} more column${
      left === 1 ? "" : "s"
    } (3 in all) left out within PRICING_MCP_MAX_BYTES: structuredContent.columns and pricing://dictionary define every one`;
  const bytes = sentLength; // (as sent: a line break is `\n`, two bytes)
  const whole = `head\nwarnings: w\n${a}\n${b}\n${c}`;
  assertEquals(fittedText(text, bytes(whole)), whole);
  // a byte short of whole: the last column line gives way to the note
  const two = `head\nwarnings: w\n${a}\n${b}\n${note(1)}`;
  assertEquals(fittedText(text, bytes(whole) - 1), two);
  assertEquals(fittedText(text, bytes(two)), two);
  assertEquals(fittedText(text, bytes(two) - 1), `head\nwarnings: w\n${a}\n${note(2)}`);
  const none = `head\nwarnings: w\n${note(3)}`;
  assertEquals(fittedText(text, bytes(none)), none);
  // (no room even for that: the head and the note, which textResult then cuts)
  assertEquals(fittedText(text, 10), none);
});

Deno.test("describe_dataset on the demo export: well under the default cap, its text whole, every warning before the columns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_describe_demo_" });
  try {
    await demoExport(dir);
    const result = await describe(dir);
    const bytes = answerBytesInStandIn(result, dir);
    // Why 58 KiB: each client's model reads one channel whole (Claude Code structuredContent,
    // Claude Desktop the text), so both carry the dictionary and the economics, and past the
    // 64 KiB default cap the text's column lines give way. The 6 KiB between is what live data
    // adds to the demo's answer before that: snapshots listed (~110 bytes each in the two
    // channels: a year of month ends ~1.3 KB), unmapped Stripe customers (~0.2 KB) and more
    // warnings (each in both channels, ~0.7 KB: six of them). A column costs ~0.5 KB. 57,734
    // bytes in stop 61, once the as-of sentences were said once each (as_of_effects, −1.1 KB) and
    // margin_bases left the formulas to the columns' definitions; 59,309 once the text said the
    // as-of groups in a few words each (+1.55 KB, h12). Not revenue-rules.md's upload
    // sizes (~30 MB a file in Claude's apps), which bound the files handed over, not an answer.
    ok(bytes <= 58 * 1024, `${bytes} bytes: not well under the 64 KB default`);
    const body = text(result);
    ok(!body.includes("… cut at") && !body.includes("more column"), body.slice(-300));
    const warnings = result.structuredContent!.warnings as string[];
    ok(warnings.length >= 2, `the demo export's warnings: ${warnings}`);
    const { lines, warningsAt, columnsAt, columnLines } = textParts(body);
    ok(warningsAt > 0 && warningsAt < columnsAt, "the warnings come before the column list");
    // the export's one snapshot, counted in the singular
    const history = lines.find((l) => l.startsWith("history: ")) ?? "";
    ok(history.startsWith(`history: 1 demo snapshot in ${dir}`), history.slice(0, 200));
    assertEquals(
      lines.slice(warningsAt + 1, warningsAt + 1 + warnings.length),
      warnings.map((w) => `- ${dataLiteral(w)}`),
    );
    // every column, in order, with its type and unit; structuredContent defines each in full
    assertEquals(
      columnLines.map((l) => l.split(" | ").slice(0, 3).join(" | ")),
      COLUMNS.map((c) => `- ${c.name} | ${c.type} | ${c.unit}`),
    );
    assertEquals(lines.at(-1), columnLines.at(-1));
    // structuredContent defines each whole: its description, and its as-of sentence said once
    // with the columns it applies to (the window's on ten of them)
    const columns = result.structuredContent!.columns as { name: string; description: string }[];
    const effects = result.structuredContent!.as_of_effects as {
      effect: string;
      columns: string[];
    }[];
    const effectOf = new Map(effects.flatMap((e) => e.columns.map((name) => [name, e.effect])));
    assertEquals(
      columns.map((c) => [c.name, `${c.description} As-of: ${effectOf.get(c.name)}`]),
      COLUMNS.map((c) => [c.name, c.description]),
    );
    assertEquals(new Set(effects.map((e) => e.effect)).size, effects.length);
    assertEquals(
      effects.find((e) => e.effect === "the window is [as-of − days × 24 h, as-of), in UTC.")
        ?.columns,
      [
        "requests_30d",
        "llm_cost_30d",
        "prompts_used_30d",
        "ptb_requests_30d",
        "byok_requests_30d",
        "llm_cost_ptb_30d",
        "llm_cost_byok_30d",
        "ptb_revenue_30d",
        "requests_cost_unknown_30d",
        "ptb_requests_cost_unknown_30d",
      ],
    );
    // the Stripe as-of sentence once, in column_notes, which ten descriptions point to
    assertEquals(result.structuredContent!.column_notes, COLUMN_NOTES);
    const json = JSON.stringify(result.structuredContent);
    assertEquals(json.split(COLUMN_NOTES[0].text.slice(0, 60)).length - 1, 1);
    // the text alone says which columns are as of the as-of and which today's values: each
    // group once, in a few words, then its columns, every column in one group
    const asOfAt = lines.indexOf(
      "as-of (what an earlier --as-of does; as_of_effects has each whole):",
    );
    ok(asOfAt > warningsAt && asOfAt < columnsAt, "the as-of groups come before the column list");
    const asOfLines = lines.slice(asOfAt + 1, columnsAt);
    const groupOf = (name: string) =>
      asOfLines.filter((l) => l.slice(l.lastIndexOf(": ") + 2).split(", ").includes(name));
    assertEquals(groupOf("org_name"), [
      "- today's value: org_name, tier, stripe_customer_id, tier_raw, org_subscription_status, addons_in_metadata, plan",
    ]);
    assertEquals(groupOf("requests_30d"), [
      "- the window, ending at the as-of: requests_30d, llm_cost_30d, prompts_used_30d, ptb_requests_30d, byok_requests_30d, llm_cost_ptb_30d, llm_cost_byok_30d, ptb_revenue_30d, requests_cost_unknown_30d, ptb_requests_cost_unknown_30d",
    ]);
    assertEquals(groupOf("seats"), ["- joined before the as-of; leavers missing: seats"]);
    for (const c of COLUMNS) assertEquals(groupOf(c.name).length, 1, c.name);
    // (mrr's sentence and the other Stripe columns' say the same in these words: one line)
    assertEquals(asOfLines.length, effects.length - 1);
    const mrr = columnLines.find((l) => l.startsWith("- mrr | "))!;
    assertEquals(
      mrr,
      `- mrr | number | USD per month | ${
        shortDefinition(COLUMNS.find((c) => c.name === "mrr")!.description)
      }`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describe_dataset at PRICING_MCP_MAX_BYTES=8192 with a long warning list: the column lines give way, said, every warning kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_describe_small_" });
  try {
    const demoCsv = (await demoExport(dir)).csvPath!;
    const env = { PRICING_MCP_MAX_BYTES: String(MIN_MAX_BYTES) };
    // a live export of its rows with one short warning: what the answer takes besides the list
    await liveExport(dir, { demoCsv, date: "2026-11-02", warnings: ["w"] });
    const base = await describe(dir, env);
    assertEquals(base.structuredContent!.limits, { max_rows: 200, max_bytes: MIN_MAX_BYTES });
    const baseBytes = answerBytes(base);
    const columnBytes = encoder.encode(textParts(text(base)).columnLines.join("\n")).length;
    const baseInStandIn = answerBytesInStandIn(base, dir);
    ok(baseInStandIn <= DESCRIBE_MIN_BYTES - 4096, `${baseInStandIn} bytes with one warning`);
    // warnings of 400 ASCII characters take 2 × 400 + 8 bytes each (`- "…"` and a newline in the
    // text, `"…",` in the JSON): enough of them to leave the whole short by half the column lines
    const over = DESCRIBE_MIN_BYTES - baseBytes + Math.floor(columnBytes / 2);
    const count = Math.ceil(over / 808);
    const warnings = Array.from(
      { length: count },
      (_, i) => `warning ${String(i).padStart(3, "0")} ${"x".repeat(388)}`,
    );
    // (the same export written again, its manifest with the list)
    await liveExport(dir, { demoCsv, date: "2026-11-02", warnings: ["w", ...warnings] });

    const result = await describe(dir, env);
    const bytes = answerBytes(result);
    ok(bytes <= DESCRIBE_MIN_BYTES, `${bytes} bytes > ${DESCRIBE_MIN_BYTES}`);
    const served = result.structuredContent!.warnings as string[];
    for (const w of warnings) ok(served.includes(w), `structuredContent lost ${w.slice(0, 12)}`);
    const body = text(result);
    ok(!body.includes("… cut at"), "the text is not cut in the middle");
    const { lines, warningsAt, columnsAt, columnLines } = textParts(body);
    ok(warningsAt > 0 && warningsAt < columnsAt, "the warnings come before the column list");
    // the as-of groups, before the column list, stay when its lines give way
    ok(lines.slice(warningsAt, columnsAt).some((l) => l.startsWith("as-of (what an earlier")));
    const listed = lines.slice(warningsAt + 1, columnsAt);
    for (const w of served) {
      ok(listed.includes(`- ${dataLiteral(w)}`), `text lost ${w.slice(0, 12)}`);
    }
    // some column lines, the first ones in order, then how many more and where they are defined
    const left = COLUMNS.length - columnLines.length;
    ok(left > 0 && columnLines.length > 0, `${columnLines.length} column lines listed`);
    assertEquals(
      columnLines.map((l) => l.split(" | ")[0]),
      COLUMNS.slice(0, columnLines.length).map((c) => `- ${c.name}`),
    );
    assertEquals(
      lines.at(-1),
      `… ${left} more column${
        left === 1 ? "" : "s"
      } (${COLUMNS.length} in all) left out within PRICING_MCP_MAX_BYTES: structuredContent.columns and pricing://dictionary define every one`,
    );
    assertEquals((result.structuredContent!.columns as unknown[]).length, COLUMNS.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
