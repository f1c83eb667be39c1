/**
 * A damaged snapshot sidecar (`<snapshot>.parquet.json`: wrong-typed fields, not JSON) is read as
 * missing everywhere (lib/formats/snapshot_sidecar.ts), with one warning naming it and the fix:
 * the export, history report, backfill and import, and the MCP describe_dataset (which failed its
 * own output schema on a negative row_count).
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { listSnapshots, readSnapshotMeta } from "../lib/history/stored_snapshots.ts";
import { readSnapshotSidecar, sidecarProblems } from "../lib/formats/snapshot_sidecar.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { demoSnapshots, julyExport, runHistory as run } from "./history_cli_run.ts";
import { call, connectInMemory, text, type Values } from "./mcp_client.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { asidePath } from "../lib/history/snapshot_aside.ts";
import { ownerTag } from "../lib/formats/staging.ts";

const WRONG_TYPED =
  '{"as_of":"not-a-date","demo":"yes","origin":42,"row_count":-1,"warning_kinds":"ptb_timing"}';
const NOT_JSON = "{not json";

/** Demo snapshots at 2026-05-01 and 2026-06-01 in `<out>/history`, June's sidecar replaced. */
async function damagedFolder(sidecar: string): Promise<{ out: string; dir: string; path: string }> {
  const out = await Deno.makeTempDir();
  const dir = `${out}/history`;
  await demoSnapshots(dir, out);
  const path = `${dir}/helicone_pricing_data_2026-06-01_demo.parquet`;
  await Deno.writeTextFile(`${path}.json`, sidecar);
  return { out, dir, path };
}

/** The one warning line about `path`'s sidecar: named, what is wrong, what is done, the fix. */
function assertWarning(line: string | undefined, path: string, problem: RegExp): void {
  ok(line, "no warning");
  assertEquals(line.split("\n").length, 1, line);
  ok(line.includes(`${path}.json is damaged (`), line);
  ok(problem.test(line), line);
  ok(line.includes("read as if missing (as-of from the name"), line);
  ok(line.includes("delete it, or write that snapshot again"), line);
}

Deno.test("sidecar reader: each wrong-typed field named; not JSON said; a missing one is no warning", async () => {
  assertEquals(sidecarProblems(JSON.parse(WRONG_TYPED)), [
    'as_of is "not-a-date", not an ISO instant',
    'demo is "yes", not true or false',
    "origin is 42, not export, import or backfill",
    "row_count is -1, not a count of rows",
    "written_at is missing, not an ISO instant",
    "warnings is missing, not a list of texts",
    'warning_kinds is "ptb_timing", not a list of texts',
  ]);
  assertEquals(sidecarProblems([]), ["not a JSON object ([])"]);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/helicone_pricing_data_2026-06-01.parquet`;
  assertEquals(await readSnapshotSidecar(path), { meta: null, raw: null, warning: null });
  await Deno.writeTextFile(`${path}.json`, NOT_JSON);
  const read = await readSnapshotSidecar(path);
  assertEquals([read.meta, read.raw], [null, null]);
  assertWarning(read.warning ?? undefined, path, /\(not JSON: /);
  // a value quoted from the file stays on one line, cut short
  await Deno.writeTextFile(`${path}.json`, JSON.stringify({ as_of: `x\n${"y".repeat(80)}` }));
  const long = (await readSnapshotSidecar(path)).warning!;
  assertEquals(long.split("\n").length, 1);
  ok(
    long.includes(`as_of is "x\\n${"y".repeat(38)}"… (82 characters), not an ISO instant`),
    long,
  );
});

Deno.test("history report and backfill: a damaged sidecar is one warning each, the snapshot read by its name", async () => {
  for (const [sidecar, problem] of [[WRONG_TYPED, /row_count is -1/], [NOT_JSON, /not JSON/]]) {
    const { out, dir, path } = await damagedFolder(sidecar as string);
    assertEquals(await readSnapshotMeta(path), null);
    const [, june] = await listSnapshots(dir, true);
    assertEquals(june.asOf.toISOString(), "2026-06-01T00:00:00.000Z");
    const report = await run(["report", "--no-charts", "--history-dir", dir, "--out-dir", out]);
    assertEquals(report.code, 0, report.errors.join("\n"));
    // the damage is said once; the FX rates the sidecar recorded are lost with it, so the month
    // into that snapshot cannot tell FX drift apart (bridge_fx.ts), which is said after it
    assertEquals(report.errors.length, 2, report.errors.join("\n"));
    ok(report.errors[0].startsWith("warning: history snapshot sidecar "), report.errors[0]);
    assertWarning(report.errors[0], path, problem as RegExp);
    ok(
      report.errors[1].startsWith(
        "warning: FX drift cannot be told apart in the month to as-of 2026-06-01: a snapshot of the pair records no FX rates",
      ),
      report.errors[1],
    );
    // --quiet: nothing but errors
    const quiet = await run(["report", "--no-charts", "--quiet", "--history-dir", dir]);
    assertEquals([quiet.code, quiet.errors], [0, []]);
  }
  // a backfill that keeps the damaged one says so too
  const { out, dir, path } = await damagedFolder(WRONG_TYPED);
  const args = ["--no-charts", "--history-dir", dir, "--out-dir", out];
  const backfill = await run([
    "backfill",
    "--demo",
    "--months",
    "1",
    "--to",
    "2026-05-01",
    ...args,
  ]);
  assertEquals(backfill.code, 0, backfill.errors.join("\n"));
  assertWarning(backfill.errors.find((e) => e.includes("sidecar")), path, /origin is 42/);
});

Deno.test("export: a damaged sidecar in the history folder is a warning of the export", async () => {
  const { out, path } = await damagedFolder(WRONG_TYPED);
  const written = await julyExport(out);
  const warnings = written.data.warnings.filter((w) => w.includes(".parquet.json"));
  assertEquals(warnings.length, 1, written.data.warnings.join("\n"));
  assertWarning(warnings[0], path, /demo is "yes"/);
});

Deno.test("import: a .parquet whose sidecar is damaged is imported at its name's as-of, with the warning", async () => {
  const { out, path } = await damagedFolder(NOT_JSON);
  const other = `${out}/elsewhere`;
  const result = await run(["import", path, "--history-dir", other, "--out-dir", out]);
  assertEquals(result.code, 0, result.errors.join("\n"));
  assertWarning(result.errors.find((e) => e.includes("sidecar")), path, /not JSON/);
  ok(
    result.logs.some((l) => l.includes("as 2026-06-01 (its name's date at 00:00 UTC")),
    result.logs.join("\n"),
  );
});

Deno.test("MCP describe_dataset: a damaged sidecar is a warning in its output (rows, origin null), not a failed tool", async () => {
  const { out, path } = await damagedFolder(WRONG_TYPED);
  await julyExport(out);
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: out })),
  );
  try {
    const described = await call(client, "describe_dataset");
    assertEquals(described.isError, undefined, text(described));
    const history = described.structuredContent!.history as Values;
    const june = (history.snapshots as Values[]).find((s) => s.as_of === "2026-06-01");
    assertEquals([june?.rows, june?.origin], [null, null]);
    const warnings = (described.structuredContent!.warnings as string[]).filter((w) =>
      w.includes(`${path}.json`)
    );
    assertEquals(warnings.length, 1, JSON.stringify(described.structuredContent!.warnings));
    assertWarning(warnings[0], path, /row_count is -1/);
    ok(text(described).includes("is damaged ("), text(described));
  } finally {
    await close();
  }
});

Deno.test("sidecar reader: a FIFO left aside as a sidecar by a killed run is read as missing, not waited on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar_aside_fifo_" });
  try {
    const { path } = await writeSnapshot(exportFrameFromColumns({ org_id: ["a", "b"] }), {
      dir,
      asOf: new Date("2026-11-01T00:00:00Z"),
      demo: false,
      origin: "import",
    });
    // a replacement killed after its first step leaves the sidecar at its aside name; a FIFO there
    // (a hostile or broken folder) would hold every reader on its open until someone wrote to it
    const ended = new Deno.Command("true").spawn();
    await ended.status;
    const aside = asidePath(`${path}.json`, ownerTag().replace(/^p\d+s\d*/, `p${ended.pid}s1`));
    await Deno.remove(`${path}.json`);
    const made = await new Deno.Command("mkfifo", { args: [aside] }).output();
    ok(made.success, new TextDecoder().decode(made.stderr));
    const read = await readSnapshotSidecar(path);
    assertEquals([read.meta, read.raw], [null, null]);
    assertWarning(
      read.warning ?? undefined,
      path,
      /\(unreadable: .*is not a regular file \(a FIFO, device or socket\)\)/,
    );
    const listed = await listSnapshots(dir, false);
    assertEquals(listed.map((s) => s.path), [path]);
    ok(listed[0].sidecarWarning?.includes("is not a regular file"), listed[0].sidecarWarning);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
