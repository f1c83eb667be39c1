/**
 * The MCP server reads its exports folder's own files only: a symbolic link placed there, at the
 * name of an export's brief, CSV or manifest, is not followed out of the folder (into a file the
 * server's user may read and whoever placed the link may not).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { demoExport } from "./demo_export_fixture.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { connectInMemory } from "./mcp_client.ts";

const SECRET = "host-file-secret-7f3a";

/** One demo export (CSV and XLSX) in a fresh folder, and a file outside it holding SECRET. */
async function folderAndOutsideFile() {
  const dir = await Deno.makeTempDir({ prefix: "mcp_links_" });
  const outside = await Deno.makeTempFile({ prefix: "outside_", suffix: ".txt" });
  await Deno.writeTextFile(outside, `org_id,org_name\n${SECRET},x\n`);
  await demoExport(dir, { formats: ["csv", "xlsx"] });
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  const named = (ext: string) => names.find((n) => n.endsWith(ext))!;
  return { dir, outside, named };
}

async function readResource(dir: string, uri: string): Promise<string> {
  const session = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    return JSON.stringify(await session.client.readResource({ uri }));
  } finally {
    await session.close();
  }
}

Deno.test("a symbolic link at an export's brief or CSV is not followed out of the exports folder", async () => {
  const { dir, outside, named } = await folderAndOutsideFile();
  try {
    for (
      const [ext, uri, start] of [
        [".md", "pricing://brief", "# Helicone pricing data, 2026-11-01 (DEMO DATA)"],
        [".csv", "pricing://export.csv", "org_id,org_name,tier,"],
      ]
    ) {
      const file = `${dir}/${named(ext)}`;
      const kept = await Deno.readTextFile(file);
      await Deno.remove(file);
      await Deno.symlink(outside, file);
      const served = await readResource(dir, uri);
      ok(!served.includes(SECRET), `${uri} served the linked file: ${served.slice(0, 200)}`);
      // the brief is then written from the data, the CSV from the workbook's rows
      const { contents } = JSON.parse(served) as { contents: { text: string }[] };
      assertEquals(contents[0].text.startsWith(start), true, contents[0].text.slice(0, 200));
      await Deno.remove(file);
      await Deno.writeTextFile(file, kept);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside);
  }
});

Deno.test("a symbolic link at an export's manifest is refused in one line, not read", async () => {
  const { dir, outside, named } = await folderAndOutsideFile();
  try {
    const manifest = `${dir}/${named(".manifest.json")}`;
    await Deno.remove(manifest);
    await Deno.symlink(outside, manifest);
    const session = await connectInMemory(
      new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
    );
    try {
      const answer = JSON.stringify(
        await session.client.callTool({ name: "describe_dataset", arguments: {} }),
      );
      ok(!answer.includes(SECRET), answer.slice(0, 300));
      ok(answer.includes("symbolic link"), answer.slice(0, 300));
    } finally {
      await session.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(outside);
  }
});
