/**
 * Text from the data never escapes its cell, code span or attribute, under a seeded random
 * generator (tests/hostile_values.ts): the Markdown helpers, the brief, the history report and
 * the scenario and comparison summaries parsed by markdown-it (a table keeps its column count, no HTML, link or image from the
 * data, the same headings and blocks as the same data with plain names), the admin page's report
 * parsed by linkedom (no element from the data, each name's title its text), and the MCP server's
 * literals and text tables (JSON.parse gives the text back; a table line keeps its cells). A
 * failure names its seed; PROPERTY_SEED=<n> repeats it.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import MarkdownIt from "markdown-it";
import { parseHTML } from "linkedom";
import pl from "nodejs-polars";
import { COLUMNS } from "../lib/frame/columns.ts";
import { markdownList, markdownTable, plainText, visibleLine } from "../lib/formats/markdown.ts";
import { ANOTHER_OUTPUT_FOLDER } from "../lib/core/chosen_by.ts";
import {
  compareScenario,
  parseScenario,
  writeScenarioFiles,
} from "../lib/analysis/scenario/mod.ts";
import { compareExports } from "../lib/analysis/compare.ts";
import { writeComparisonFiles } from "../lib/analysis/compare_files.ts";
import { pricingSummary } from "../lib/server/summary.ts";
import { reportHtml } from "../lib/server/summary_html.ts";
import { costModelFromEnv } from "../lib/economics/cost_model.ts";
import { loadPriceBook } from "../lib/economics/price_book.ts";
import { dataLiteral, tableText } from "../lib/mcp/text.ts";
import { UNKNOWN_MARK } from "../lib/core/signs.ts";
import { loadPricingData } from "../lib/export.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { loadHistoryReport, loadMonthlyHistoryPoints } from "../lib/history/report.ts";
import { writeHistoryReport } from "../lib/history/report_files.ts";
import { writeExportBrief } from "../lib/report/brief_file.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { join } from "node:path";
import { forEachSeed, hostileExportFrame, hostileText } from "./hostile_values.ts";

/** CommonMark with GFM tables and strikethrough; raw HTML parsed, so any would show as a token. */
const markdownIt = new MarkdownIt({ html: true, linkify: false, typographer: false });

/** What these tests read of a markdown-it token. */
interface Token {
  type: string;
  content: string;
  markup: string;
  map: [number, number] | null;
  children: Token[] | null;
}

function parseMarkdown(markdown: string): Token[] {
  return markdownIt.parse(markdown, {}) as Token[];
}

/** What these tests read of a linkedom element. */
interface PageElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}

/** What these tests read of a linkedom document. */
interface PageDocument {
  querySelectorAll(selector: string): Iterable<PageElement>;
  querySelector(selector: string): PageElement | null;
}

/** Token types that would mean markup from the data (the kit's own text writes none of them). */
const FOREIGN = new Set(["html_block", "html_inline", "image", "link_open"]);

/**
 * What a Markdown document is built of: its block tokens' types, its headings' text, and each
 * table row's cells as GFM splits its source line (on each `|` not escaped), as parsed cells.
 */
function markdownShape(markdown: string): {
  blocks: string[];
  headings: string[];
  foreign: string[];
  badRows: string[];
} {
  const tokens = parseMarkdown(markdown);
  const lines = markdown.split("\n");
  const blocks = tokens.filter((t) => t.type !== "inline").map((t) => t.type);
  const headings: string[] = [];
  const foreign: string[] = [];
  const badRows: string[] = [];
  let header = 0;
  let cells = 0;
  tokens.forEach((token, i) => {
    if (token.type === "heading_open") headings.push(tokens[i + 1].content);
    for (const child of [token, ...(token.children ?? [])]) {
      if (FOREIGN.has(child.type)) foreign.push(`${child.type}: ${child.content || child.markup}`);
    }
    if (token.type === "thead_open") header = 0;
    if (token.type === "th_open") header++;
    if (token.type === "tr_open") cells = 0;
    if (token.type === "td_open") cells++;
    if (token.type === "tr_close" && tokens[i - 1]?.type === "td_close") {
      const line = lines[token.map?.[0] ?? tokens.slice(0, i).findLast((t) => t.map)!.map![0]];
      const split = unescapedPipes(line) - 1;
      if (cells !== header || split !== header) {
        badRows.push(`${header} columns, row has ${cells} cells, ${split} by its pipes: ${line}`);
      }
    }
  });
  return { blocks, headings, foreign, badRows };
}

/** The `|`s of a table line GFM splits at: those not escaped by a backslash. */
function unescapedPipes(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "\\") i++;
    else if (line[i] === "|") count++;
  }
  return count;
}

/** The inline text a reader sees in a parsed cell or paragraph (code spans as their text). */
function inlineText(token: Token): string {
  return (token.children ?? []).map((c) => c.content).join("");
}

/** `frame` with every non-finite number unknown, as the pipeline's frame holds them. */
function finiteNumbers(frame: pl.DataFrame): pl.DataFrame {
  return frame.withColumns(
    ...COLUMNS.filter((def) => def.type === "number").map((def) =>
      pl.when(pl.col(def.name).isFinite()).then(pl.col(def.name)).otherwise(pl.lit(null))
        .alias(def.name)
    ),
  );
}

/** The export's free text columns (not an enum column's). */
const FREE_TEXT = COLUMNS.filter((def) => def.type === "string" && !def.values).map((d) => d.name);

/**
 * `frame` with each text of `columns` (by default every free text column) replaced by a plain one,
 * t0, t1…: the same text the same replacement (`names`, shared by the frames compared: groups,
 * matches and changes stay), empty and unknown kept.
 */
function plainNames(
  frame: pl.DataFrame,
  { names = new Map<string, string>(), columns = FREE_TEXT }: {
    names?: Map<string, string>;
    columns?: readonly string[];
  } = {},
): pl.DataFrame {
  const plain = (text: string) => {
    if (!names.has(text)) names.set(text, `t${names.size}`);
    return names.get(text)!;
  };
  return frame.withColumns(
    ...columns.map((name) =>
      pl.Series(
        name,
        (frame.getColumn(name).toArray() as (string | null)[]).map((v) =>
          v === null || v === "" ? v : plain(v)
        ),
        pl.Utf8,
      )
    ),
  );
}

Deno.test("markdownTable and markdownList: hostile text stays in its cell and item, shown as plainText", async () => {
  await forEachSeed({ count: 300 }, (random) => {
    const [a, b] = [hostileText(random), hostileText(random)];
    const table = markdownTable(["name", "tier"], [[a, b], ["plain", a]]);
    const shape = markdownShape(table);
    assertEquals(shape.badRows, []);
    assertEquals(shape.foreign, []);
    assertEquals(shape.blocks.filter((t) => t === "tr_open").length, 3);
    // each cell reads as the text on one visible line, cut at 200 characters, nothing lost to
    // escaping and nothing added (a character reference reads as its character)
    const cells = parseMarkdown(table).filter((t) => t.type === "inline").map(inlineText);
    assertEquals(cells.slice(2), [a, b, "plain", a].map((t) => plainText(t, { maxLength: 200 })));
    // an item holds its text: one list of one item, no heading, quote or second item
    const list = parseMarkdown(markdownList([a]).join("\n"));
    assertEquals(
      list.filter((t) => t.type !== "inline" && !t.type.startsWith("paragraph")).map((t) => t.type),
      ["bullet_list_open", "list_item_open", "list_item_close", "bullet_list_close"],
    );
    const item = list.find((t) => t.type === "inline");
    assertEquals(item ? inlineText(item) : "", plainText(a, { maxLength: 1000 }));
  });
});

Deno.test("scenario and comparison summaries of hostile frames: the blocks, headings and table widths of the same data named plainly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scenario = parseScenario({
      name: "flat",
      plans: [{ name: "everyone", flatUsd: 100 }],
    });
    await forEachSeed({ count: 4 }, async (random, seed) => {
      const old = finiteNumbers(hostileExportFrame(random, 4 + random.int(6)));
      // the next export: the same organizations but the last, new values, one more organization
      const next = finiteNumbers(hostileExportFrame(random, old.height + 1)).withColumns(
        pl.Series(
          "org_id",
          [...(old.getColumn("org_id").toArray() as string[]).slice(0, -1), "came", "new"],
          pl.Utf8,
        ),
      );
      const context = { asOf: new Date("2026-11-01T00:00:00Z"), demo: false };
      const sharedNames = new Map<string, string>();
      const summaries = async (hostile: boolean) => {
        const [before, after] = hostile
          ? [old, next]
          : [old, next].map((frame) => plainNames(frame, { names: sharedNames })).map((frame, i) =>
            // org_id too, but the shared ids shared still
            frame.withColumns((i === 0 ? old : next).getColumn("org_id"))
          );
        const folder = `${dir}/seed-${seed}-${hostile ? "hostile" : "plain"}`;
        const scenarioFiles = await writeScenarioFiles(await compareScenario(after, { scenario }), {
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          outDir: folder,
          context: { ...context, dataLabel: "data.csv" },
        });
        const comparisonFiles = await writeComparisonFiles(compareExports(before, after), {
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          outDir: folder,
          context: {
            oldLabel: "old.csv",
            newLabel: "new.csv",
            oldStamp: "2026-10-01",
            newStamp: "2026-11-01",
          },
        });
        return [scenarioFiles.summaryPath, comparisonFiles.summaryPath].map((path) =>
          Deno.readTextFileSync(path)
        );
      };
      const hostile = await summaries(true);
      const plain = await summaries(false);
      for (const [i, what] of ["scenario", "comparison"].entries()) {
        const [h, p] = [markdownShape(hostile[i]), markdownShape(plain[i])];
        assertEquals(h.badRows, [], `${what}: a table row with another width`);
        assertEquals(h.foreign, p.foreign, `${what}: HTML, a link or an image from the data`);
        assertEquals(h.headings, p.headings, `${what}: headings`);
        assertEquals(h.blocks, p.blocks, `${what}: blocks`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the brief of the demo export with hostile names, raw tiers, plans and Stripe text: the blocks, headings and table widths of the same data named plainly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const asOf = new Date("2026-11-01T00:00:00Z");
    const demo = await loadPricingData({ demo: true, asOf, env: {}, log: () => {} });
    // the text columns a customer or a Stripe admin types (the rest the kit or Stripe words)
    const typed = ["org_name", "tier_raw", "plan", "stripe_plan_names", "addons_in_metadata"];
    await forEachSeed({ count: 3 }, async (random, seed) => {
      // about half of each column's values hostile; read back from Polars (a lone surrogate is
      // U+FFFD there) before the plain names are given
      const hostile = demo.frame.withColumns(
        ...typed.map((name) =>
          pl.Series(
            name,
            (demo.frame.getColumn(name).toArray() as (string | null)[]).map((v) =>
              v !== null && random.chance(0.5) ? hostileText(random) : v
            ),
            pl.Utf8,
          )
        ),
      );
      const briefs: string[] = [];
      for (const frame of [hostile, plainNames(hostile, { columns: typed })]) {
        const outDir = join(dir, `seed-${seed}-${briefs.length}`);
        await Deno.mkdir(outDir);
        const csv = join(outDir, "helicone_pricing_data_2026-11-01_demo.csv");
        await writeCsvFile(frame, csv);
        const { briefPath } = await writeExportBrief({
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          data: { ...demo, frame },
          outDir,
          exportPaths: [csv],
        });
        briefs.push(await Deno.readTextFile(briefPath));
      }
      const [h, p] = briefs.map(markdownShape);
      assertEquals(h.badRows, [], "a table row with another width");
      assertEquals(h.foreign, p.foreign, "HTML, a link or an image from the data");
      assertEquals(h.headings, p.headings);
      assertEquals(h.blocks, p.blocks);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the history report of month-end snapshots with hostile names, plans and raw tiers: the blocks, table widths and foreign tokens of the same history named plainly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const monthEnds = ["2026-08-31", "2026-09-30", "2026-10-31"].map((d) =>
      new Date(`${d}T00:00:00Z`)
    );
    const demo = await loadPricingData({ demo: true, asOf: monthEnds[2], env: {}, log: () => {} });
    const typed = ["org_name", "plan", "tier_raw"];
    await forEachSeed({ count: 1 }, async (random, seed) => {
      // each month its own hostile values (plans change: movements and plan changes to list)
      const hostile = monthEnds.map(() =>
        demo.frame.withColumns(
          ...typed.map((name) =>
            pl.Series(
              name,
              (demo.frame.getColumn(name).toArray() as (string | null)[]).map((v) =>
                v !== null && random.chance(0.3) ? hostileText(random) : v
              ),
              pl.Utf8,
            )
          ),
        )
      );
      const names = new Map<string, string>();
      const plain = hostile.map((frame) => plainNames(frame, { names, columns: typed }));
      const reports: string[] = [];
      for (const frames of [hostile, plain]) {
        const outDir = join(dir, `seed-${seed}-${reports.length}`);
        for (const [i, frame] of frames.entries()) {
          await writeSnapshot(frame, {
            dir: join(outDir, "history"),
            asOf: monthEnds[i],
            demo: true,
            origin: "export",
          });
        }
        const points = await loadMonthlyHistoryPoints(join(outDir, "history"), { demo: true });
        const files = await writeHistoryReport(await loadHistoryReport(points, true), {
          chosenBy: ANOTHER_OUTPUT_FOLDER,
          outDir,
          charts: false,
        });
        reports.push(await Deno.readTextFile(files.markdownPath));
      }
      const [h, p] = reports.map(markdownShape);
      assertEquals(h.badRows, [], "a table row with another width");
      assertEquals(h.foreign, p.foreign, "HTML, a link or an image from the data");
      assertEquals(h.headings, p.headings);
      assertEquals(h.blocks, p.blocks);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the admin page's report of hostile frames and warnings: no element from the data; each name's title is its text", async () => {
  const priceBook = await loadPriceBook();
  const data = (frame: pl.DataFrame, warnings: string[]) =>
    ({
      asOf: new Date("2026-11-01T00:00:00Z"),
      windowDays: 30,
      demo: false,
      warnings,
      frame,
      economics: { costModel: costModelFromEnv({}), priceBook, ptbRevenueRead: true },
    }) as unknown as Parameters<typeof pricingSummary>[0];
  const elements = (html: string) => {
    const { document } = parseHTML(`<html><body><main>${html}</main></body></html>`) as unknown as {
      document: PageDocument;
    };
    const counts = new Map<string, number>();
    for (const element of document.querySelectorAll("main *")) {
      counts.set(element.tagName, (counts.get(element.tagName) ?? 0) + 1);
    }
    return { document, counts: [...counts].sort() };
  };
  let namesShown = 0;
  await forEachSeed({ count: 12 }, (random) => {
    const frame = finiteNumbers(hostileExportFrame(random, 3 + random.int(10)));
    const warnings = [hostileText(random), hostileText(random)];
    const hostile = elements(
      reportHtml(pricingSummary(data(frame, warnings), { frame, segment: null }), []),
    );
    const plainFrame = plainNames(frame);
    const plain = elements(
      reportHtml(
        pricingSummary(data(plainFrame, ["w0", "w1"]), { frame: plainFrame, segment: null }),
        [],
      ),
    );
    assertEquals(hostile.counts, plain.counts);
    const texts = new Set(
      COLUMNS.filter((def) => def.type === "string").flatMap((def) =>
        (frame.getColumn(def.name).toArray() as (string | null)[]).map((v) => visibleLine(v ?? ""))
      ),
    );
    for (const cell of hostile.document.querySelectorAll("td.name, td.id")) {
      assertEquals(cell.getAttribute("title"), cell.textContent);
      // (the per-plan table's own rows: organizations without a plan, and the total)
      const text = cell.textContent ?? "";
      ok(texts.has(text) || ["(none)", "all", UNKNOWN_MARK].includes(text), text);
      namesShown++;
    }
    for (const warning of warnings) {
      ok(
        hostile.document.querySelector("main")!.textContent!.includes(visibleLine(warning)) ||
          visibleLine(warning) === "",
        `warning shown as text: ${JSON.stringify(warning).slice(0, 100)}`,
      );
    }
  });
  ok(namesShown > 0, "some names were shown in the tables");
});

Deno.test("MCP literals and text tables: JSON.parse gives hostile text back; a table line keeps its cells", async () => {
  await forEachSeed({ count: 300 }, (random) => {
    const [a, b] = [hostileText(random), hostileText(random)];
    const literal = dataLiteral(a);
    assertEquals(JSON.parse(literal), a);
    // nothing a Markdown or HTML reader, a terminal or a bidi algorithm acts on
    ok(!/[\n\r<>&|`\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/.test(literal));
    const { text, shown } = tableText(
      ["org_name", "tier"],
      [{ org_name: a, tier: b }, { org_name: b, tier: null }],
      { maxBytes: 1_000_000 },
    );
    assertEquals(shown, 2);
    const lines = text.split("\n");
    assertEquals(lines.map((line) => line.split(" | ").length), [2, 2, 2]);
    assertEquals(lines.slice(1).map((line) => line.split(" | ")[0]).map((c) => JSON.parse(c)), [
      a,
      b,
    ]);
  });
});
