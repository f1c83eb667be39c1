/**
 * lib/mcp/csv_resource.ts: pricing://export.csv within PRICING_MCP_MAX_BYTES, like a tool result.
 * The cut keeps whole CSV records (a quoted line break is inside one) and a second part says how
 * many of how many organizations; under the cap the file comes back whole. Read through the
 * MCP SDK's Client, in-process, on a demo export and on the in-memory demo dataset.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { csvPrefix } from "../lib/mcp/csv_resource.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { parseCsvRecords } from "../lib/formats/csv_parse.ts";
import { connectInMemory, exportsFolder } from "./mcp_client.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

Deno.test("csvPrefix: whole records within the bytes, a quoted line break inside its record", () => {
  const csv = 'id,name\n1,"a\nb"\n2,"x ""q"""\n3,ü\n';
  // bytes: header 8, record 1 8 (an LF inside quotes), record 2 12 (doubled quotes), record 3 5
  // (ü is two): 33
  assertEquals(csvPrefix(utf8(csv), 1000), { text: csv, records: 3, bytes: 33, complete: true });
  // record 2 ends at 28: 27 bytes hold the header and record 1
  assertEquals(csvPrefix(utf8(csv), 27), {
    text: 'id,name\n1,"a\nb"\n',
    records: 1,
    bytes: 16,
    complete: false,
  });
  // the quoted LF (byte 13) ends nothing: 15 bytes hold the header only
  assertEquals(csvPrefix(utf8(csv), 15).text, "id,name\n");
  // a last record without a final line break is whole when all bytes are there
  assertEquals(csvPrefix(utf8("a\n1"), 10).records, 1);
});

type Contents = { uri: string; mimeType?: string; text?: string }[];

Deno.test("pricing://export.csv: cut to whole rows within PRICING_MCP_MAX_BYTES, with a note", async (t) => {
  const folder = await exportsFolder();
  const empty = await Deno.makeTempDir({ prefix: "mcp_csv_empty_" });
  const read = async (env: Record<string, string>) => {
    const { client, close } = await connectInMemory(new DatasetStore(mcpSettings(env)));
    try {
      return (await client.readResource({ uri: "pricing://export.csv" })).contents as Contents;
    } finally {
      await close();
    }
  };
  try {
    const file = await Deno.readTextFile(folder.current.csvPath!);
    const fileBytes = utf8(file).length;
    const organizations = folder.frame.height;
    ok(fileBytes > 65536, `the demo CSV is ${fileBytes} bytes, past the default cap`);

    await t.step("the default cap: the file's first rows and a note", async () => {
      const [csv, note, ...rest] = await read({ PRICING_MCP_EXPORTS_DIR: folder.dir });
      assertEquals(rest, []);
      assertEquals(csv.mimeType, "text/csv");
      ok(file.startsWith(csv.text!) && csv.text!.endsWith("\n"), "the file's start, whole rows");
      const rows = parseCsvRecords(csv.text!).records.length;
      ok(rows > 0 && rows < organizations, `rows: ${rows}`);
      const bytes = utf8(csv.text!).length;
      // the next row would not have fit in the cap less the note's 512 bytes
      const next = file.indexOf("\n", csv.text!.length) + 1;
      ok(bytes <= 65536 - 512 && utf8(file.slice(0, next)).length > 65536 - 512);
      assertEquals(note.mimeType, "text/plain");
      assertEquals(
        note.text,
        `pricing://export.csv is cut to its first ${rows} of ${organizations} organizations (${bytes} bytes of the file's ${fileBytes}; PRICING_MCP_MAX_BYTES is 65536): query the rest with the query_sql tool, or open the export file helicone_pricing_data_2026-11-01_demo.csv`,
      );
      ok(bytes + utf8(note.text!).length <= 65536);
    });

    await t.step("a cap above the file: the whole file, no note", async () => {
      const contents = await read({
        PRICING_MCP_EXPORTS_DIR: folder.dir,
        PRICING_MCP_MAX_BYTES: String(4 * 1024 * 1024),
      });
      assertEquals(contents.length, 1);
      assertEquals(contents[0].text, file);
    });

    await t.step("the in-memory demo dataset: cut the same way", async () => {
      const [csv, note] = await read({
        PRICING_MCP_EXPORTS_DIR: empty,
        PRICING_MCP_MAX_BYTES: "8192",
      });
      const rows = parseCsvRecords(csv.text!).records.length;
      ok(rows > 0 && utf8(csv.text!).length <= 8192 - 512, `rows: ${rows}`);
      ok(
        note.text!.startsWith(`pricing://export.csv is cut to its first ${rows} of `) &&
          note.text!.endsWith("query the rest with the query_sql tool"),
        note.text,
      );
    });
  } finally {
    await Deno.remove(folder.dir, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  }
});
