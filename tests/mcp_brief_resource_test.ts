/**
 * pricing://brief built from the served data (lib/mcp/resources.ts) when no brief file is beside
 * the export: its Files section names the file the server read, with its size and organizations;
 * the in-memory demo dataset, which read no file, has no Files section. Read through the MCP
 * SDK's Client, in-process.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { basename } from "node:path";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { formatBytes } from "../lib/report/numbers.ts";
import { connectInMemory } from "./mcp_client.ts";
import { demoExport } from "./demo_export_fixture.ts";

async function briefOf(dir: string): Promise<string> {
  const store = new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir }));
  const { client, close } = await connectInMemory(store);
  try {
    const contents = (await client.readResource({ uri: "pricing://brief" })).contents;
    assertEquals(contents.length, 1);
    return (contents[0] as { text: string }).text;
  } finally {
    await close();
  }
}

/** The lines of the brief's `## Files` section (heading to the next heading), or null. */
function filesSection(brief: string): string[] | null {
  const lines = brief.split("\n");
  const start = lines.indexOf("## Files");
  if (start < 0) return null;
  const end = lines.findIndex((line, i) => i > start && line.startsWith("## "));
  return lines.slice(start + 1, end).filter((line) => line !== "");
}

Deno.test("pricing://brief without a brief file: Files names the export read, its size and rows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mcp_brief_resource_" });
  try {
    const written = await demoExport(dir);
    await Deno.remove(written.briefPath!);
    const csv = written.csvPath!;
    const bytes = (await Deno.stat(csv)).size;
    const rows = written.data.frame.height;
    const brief = await briefOf(dir);
    const files = filesSection(brief);
    ok(files !== null && files.length > 0, `an empty Files section:\n${brief.slice(0, 1500)}`);
    assertEquals(files[0], `- \`${basename(csv)}\`: ${formatBytes(bytes)}, ${rows} organizations`);
    ok(brief.includes(`This brief describes \`${basename(csv)}\``));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pricing://brief of the in-memory demo (no export read): no Files section", async () => {
  const empty = await Deno.makeTempDir({ prefix: "mcp_brief_resource_empty_" });
  try {
    const brief = await briefOf(empty);
    assertEquals(filesSection(brief), null);
    ok(brief.includes("## Scope") && !brief.includes("\n\n\n"), brief.slice(0, 1500));
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});
