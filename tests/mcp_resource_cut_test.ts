/**
 * lib/mcp/resource_cut.ts: pricing://brief (~46 KB on the demo data) and pricing://dictionary
 * (~21 KB) within PRICING_MCP_MAX_BYTES, as pricing://export.csv is: their first whole lines, then a
 * plain-text part saying how many lines and bytes of how many, and where the whole is. Under the
 * cap they come back whole. Read through the MCP SDK's Client, in-process, on a demo export and on
 * the in-memory demo dataset.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { basename } from "node:path";
import { cutResource } from "../lib/mcp/resource_cut.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { dictionaryMarkdown } from "../lib/report/dictionary.ts";
import { sentLength } from "../lib/mcp/text.ts";
import { connectInMemory, exportsFolder } from "./mcp_client.ts";

/** bytes as sent and as the cap counts them: in a JSON string, a line break as `\n` (two) */
const utf8 = sentLength;

Deno.test("cutResource: whole lines within the cap less the note's 512 bytes, and the note", () => {
  // ten lines of 101 bytes as sent (99 x and the line break, `\n`): 1,010 bytes
  const text = `${"x".repeat(99)}\n`.repeat(10);
  const options = { uri: "pricing://t", setting: 8192, whereWhole: "see t.md" };
  assertEquals(cutResource(text, { ...options, maxBytes: 1010 }), { text, note: null });
  assertEquals(cutResource(text, { ...options, maxBytes: 1009 }).text.length, 400);
  // 800 less 512 leaves 288: two lines
  assertEquals(cutResource(text, { ...options, maxBytes: 800 }), {
    text: `${"x".repeat(99)}\n`.repeat(2),
    note:
      "pricing://t is cut to its first 2 of 10 lines (202 of 1010 bytes; PRICING_MCP_MAX_BYTES is 8192): see t.md",
  });
  // bytes, not characters: "ü" is two, so a line of 50 is 102 bytes and 288 hold two of them
  const wide = `${"ü".repeat(50)}\n`.repeat(10);
  const cut = cutResource(wide, { ...options, maxBytes: 800 });
  assertEquals(cut.text, `${"ü".repeat(50)}\n`.repeat(2));
  ok(cut.note!.includes("first 2 of 10 lines (204 of 1020 bytes"), cut.note!);
  // a last line without a line break is a line too (803 bytes; 799 less 512 leave 287)
  const open = `${"a".repeat(99)}\n`.repeat(3) + "b".repeat(500);
  const openCut = cutResource(open, { ...options, maxBytes: 799 });
  assertEquals(openCut.text, `${"a".repeat(99)}\n`.repeat(2));
  ok(openCut.note!.includes("first 2 of 4 lines (202 of 803 bytes"), openCut.note!);
  // characters that escape count as sent: a line of 99 `"` is 200 bytes, 288 hold one
  const quotes = `${'"'.repeat(99)}\n`.repeat(10);
  const quotesCut = cutResource(quotes, { ...options, maxBytes: 800 });
  assertEquals(quotesCut.text, `${'"'.repeat(99)}\n`);
  ok(quotesCut.note!.includes("first 1 of 10 lines (200 of 2000 bytes"), quotesCut.note!);
});

Deno.test("cutResource: a line ending exactly at the budget is kept", () => {
  // ten lines of 101 bytes as sent; 714 less 512 leaves 202: two whole lines fill it to the byte
  const text = `${"x".repeat(99)}\n`.repeat(10);
  const cut = cutResource(text, {
    uri: "pricing://t",
    maxBytes: 714,
    setting: 8192,
    whereWhole: "see t.md",
  });
  assertEquals(cut.text, `${"x".repeat(99)}\n`.repeat(2));
  ok(cut.note!.includes("first 2 of 10 lines (202 of 1010 bytes"), cut.note!);
});

type Contents = { uri: string; mimeType?: string; text?: string }[];

Deno.test("pricing://brief and pricing://dictionary keep to PRICING_MCP_MAX_BYTES", async (t) => {
  const folder = await exportsFolder();
  const empty = await Deno.makeTempDir({ prefix: "mcp_cut_empty_" });
  const read = async (uri: string, env: Record<string, string>) => {
    const { client, close } = await connectInMemory(new DatasetStore(mcpSettings(env)));
    try {
      return (await client.readResource({ uri })).contents as Contents;
    } finally {
      await close();
    }
  };
  /** the parts of a resource cut at 8192 bytes: its start in whole lines, and the note */
  const cutAt8192 = (contents: Contents, whole: string) => {
    assertEquals(contents.length, 2);
    const [part, note] = contents;
    assertEquals([part.mimeType, note.mimeType], ["text/markdown", "text/plain"]);
    const kept = part.text!;
    ok(kept.length > 0 && whole.startsWith(kept) && kept.endsWith("\n"), "whole lines");
    ok(utf8(kept) + utf8(note.text!) <= 8192, "within the cap");
    // the next line would not have fit in the cap less the note's 512 bytes
    const next = whole.indexOf("\n", kept.length) + 1; // (the line break counted as sent)
    ok(utf8(kept) <= 8192 - 512 && utf8(whole.slice(0, next)) > 8192 - 512);
    return { kept, note: note.text!, lines: kept.split("\n").length - 1 };
  };
  try {
    const brief = await Deno.readTextFile(folder.current.briefPath!);
    const briefLines = brief.split("\n").length - 1;
    ok(utf8(brief) > 40_000 && utf8(brief) < 65536, `the demo brief is ${utf8(brief)} bytes`);
    const dictionary = dictionaryMarkdown() + "\n";
    const dictionaryLines = dictionary.split("\n").length - 1;

    await t.step("the default cap: both whole, no note", async () => {
      const env = { PRICING_MCP_EXPORTS_DIR: folder.dir };
      assertEquals(
        (await read("pricing://brief", env)).map((c) => c.text),
        [brief],
      );
      assertEquals(
        (await read("pricing://dictionary", env)).map((c) => c.text),
        [dictionary],
      );
    });

    await t.step("8192 bytes: the brief's first lines and a note naming its file", async () => {
      const env = { PRICING_MCP_EXPORTS_DIR: folder.dir, PRICING_MCP_MAX_BYTES: "8192" };
      const { kept, note, lines } = cutAt8192(await read("pricing://brief", env), brief);
      assertEquals(
        note,
        `pricing://brief is cut to its first ${lines} of ${briefLines} lines (${utf8(kept)} of ${
          utf8(brief)
        } bytes; PRICING_MCP_MAX_BYTES is 8192): open the brief file ${
          basename(folder.current.briefPath!)
        } for the rest; describe_dataset and key_question give its figures`,
      );
    });

    await t.step("8192 bytes: the dictionary's first lines and a note", async () => {
      const env = { PRICING_MCP_EXPORTS_DIR: folder.dir, PRICING_MCP_MAX_BYTES: "8192" };
      const { kept, note, lines } = cutAt8192(await read("pricing://dictionary", env), dictionary);
      assertEquals(
        note,
        `pricing://dictionary is cut to its first ${lines} of ${dictionaryLines} lines (${
          utf8(kept)
        } of ${
          utf8(dictionary)
        } bytes; PRICING_MCP_MAX_BYTES is 8192): describe_dataset defines every column (it is given at least 64 KB)`,
      );
    });

    await t.step("the in-memory demo's brief: cut the same way, no file named", async () => {
      const env = { PRICING_MCP_EXPORTS_DIR: empty, PRICING_MCP_MAX_BYTES: "8192" };
      const [part, note] = await read("pricing://brief", env);
      ok(utf8(part.text!) + utf8(note.text!) <= 8192 && part.text!.endsWith("\n"));
      ok(
        /^pricing:\/\/brief is cut to its first \d+ of \d+ lines \(\d+ of \d+ bytes; PRICING_MCP_MAX_BYTES is 8192\): describe_dataset and key_question give its figures$/
          .test(note.text!),
        note.text,
      );
    });
  } finally {
    await Deno.remove(folder.dir, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  }
});
