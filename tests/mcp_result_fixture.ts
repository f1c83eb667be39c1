/**
 * What tests/mcp_result_*_test.ts share: an SDK client on a server in this process, and the bytes
 * a tool's result carries.
 */
import { join } from "node:path";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { connectInMemory, text, type ToolResult } from "./mcp_client.ts";

export function connect(env: Record<string, string>) {
  return connectInMemory(new DatasetStore(mcpSettings(env)));
}

/**
 * What a result carries as sent, in UTF-8 bytes: its text inside its JSON string (quotes,
 * backslashes and control characters escaped again; the quotes themselves not counted) and its
 * structuredContent as JSON.
 */
export function resultBytes(result: ToolResult): number {
  const bytes = (s: string) => new TextEncoder().encode(s).length;
  return bytes(JSON.stringify(text(result))) - 2 +
    bytes(JSON.stringify(result.structuredContent ?? {}));
}

/** A new folder (named from `prefix`) holding one export CSV as-of 2026-11-01 of `columns`. */
export async function oneExportFolder(
  prefix: string,
  columns: Record<string, readonly unknown[]>,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  await writeCsvFile(
    exportFrameFromColumns(columns),
    join(dir, "helicone_pricing_data_2026-11-01.csv"),
  );
  return dir;
}
