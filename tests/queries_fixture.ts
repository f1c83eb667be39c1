/**
 * A live export of the fixture databases (as-of 2026-11-01) read back by organization, and two of
 * the fixture's organization ids, shared by queries_test.ts and queries_stage_test.ts.
 */
import { quietLiveExport } from "./live_export.ts";

export const asOf = new Date("2026-11-01T00:00:00Z");
export const A = "11111111-1111-4111-8111-111111111111";
export const C = "33333333-3333-4333-8333-333333333333";

export async function exportData(env: Record<string, string | undefined>) {
  const outDir = await Deno.makeTempDir();
  try {
    const result = await quietLiveExport({
      env,
      outDir,
      formats: ["csv"],
      asOf,
    });
    const frame = result.data.frame;
    const orgs = frame.getColumn("org_id").toArray() as string[];
    const value = (org: string, column: string) =>
      frame.getColumn(column).toArray()[orgs.indexOf(org)];
    const manifest = JSON.parse(await Deno.readTextFile(result.manifestPath));
    return { value, warnings: result.data.warnings, manifest };
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}
