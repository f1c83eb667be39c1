/**
 * Warning kinds: an export's manifest and history sidecar store one kind per warning
 * (`warning_kinds`, lib/core/warning_kinds.ts) beside the warnings' text, and describe_dataset
 * finds the stored PTB and window warnings by their kind, not their words: a PTB warning in a later
 * kit's words is still replaced, a note in the PTB warning's words stored as `other` is kept. An
 * old-style manifest (bare strings, no kinds) is covered in mcp_economics_test.ts.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { demoExport } from "./demo_export_fixture.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { isPtbWarning } from "../lib/economics/ptb_timing.ts";
import { windowWarning } from "../lib/frame/monthly.ts";
import { call, connectInMemory } from "./mcp_client.ts";

/** describe_dataset's warnings for the export in `dir`, from a fresh server. */
async function describeWarnings(dir: string): Promise<string[]> {
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  try {
    const result = await call(client, "describe_dataset");
    return result.structuredContent!.warnings as string[];
  } finally {
    await close();
  }
}

interface StoredWarnings {
  warnings: string[];
  warning_kinds?: string[];
}

const readJson = async (path: string) => JSON.parse(await Deno.readTextFile(path));

/** Each stored warning that is not `other`, with its kind. */
const kinded = ({ warnings, warning_kinds }: StoredWarnings) =>
  warnings.flatMap((text, i) =>
    warning_kinds![i] === "other" ? [] : [{ kind: warning_kinds![i], text }]
  );

Deno.test("a new export's manifest and history sidecar store one kind per warning: the PTB warning's, every other one other", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warning_kinds_new_" });
  try {
    const written = await demoExport(dir);
    const manifest: StoredWarnings = await readJson(written.manifestPath);
    assertEquals(manifest.warnings, written.data.warnings);
    assertEquals(manifest.warning_kinds!.length, manifest.warnings.length);
    // the demo's free plan: organizations without a Stripe customer had PTB cost; no other
    // warning of the demo is one the kit reads back by kind (a 30-day window: no window warning)
    const ptb = manifest.warnings.filter((w) => w.startsWith('plan "free": company margin '));
    assertEquals(ptb.length, 1, manifest.warnings.join("\n"));
    ok(ptb[0].includes("without a Stripe customer"), ptb[0]);
    assertEquals(kinded(manifest), [{ kind: "ptb_no_customer", text: ptb[0] }]);
    ok(manifest.warnings.length > 1, "the demo export stores other warnings too");
    // the sidecar: the warnings as the snapshot was written, the same kind for the same text
    const sidecar: StoredWarnings = await readJson(
      join(dir, "history", "helicone_pricing_data_2026-11-01_demo.parquet.json"),
    );
    assertEquals(sidecar.warning_kinds!.length, sidecar.warnings.length);
    assertEquals(kinded(sidecar), [{ kind: "ptb_no_customer", text: ptb[0] }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describe_dataset finds a stored PTB warning by its kind, not its words: a later kit's words replaced, a note in its words stored as other kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warning_kinds_ptb_" });
  try {
    const written = await demoExport(dir);
    const today = await describeWarnings(dir);
    const manifest: Required<StoredWarnings> = await readJson(written.manifestPath);
    const [ptb] = kinded(manifest);
    ok(today.includes(ptb.text), today.join("\n"));
    // in a later kit's words (no version's template), kind ptb_no_customer; a note a user kept in
    // the PTB timing warning's words, kind other; a kind this kit does not know (a newer kit's)
    const later =
      'plan "free": PTB cost no PTB revenue can be on record for (a later kit\'s words)';
    const note =
      `plan "free": company margin -104.2 % counts PTB cost of 42 organizations with no PTB revenue in the window ($1,302.48 of the plan's $1,302.48 PTB cost, against $0.00 PTB revenue, 30-day basis): PTB revenue is credits bought and invoices issued in the window, PTB cost is usage in it, and PTB carries no markup, so the gap is most likely timing (credits bought before the window spent in it, or usage invoiced after it), not a loss on PTB; with PTB left out on both sides the margin is 33.1 %`;
    const newer = "a warning of a kind this kit does not know";
    ok(!isPtbWarning(later) && isPtbWarning(note), "by their words, the other way round");
    const at = manifest.warnings.indexOf(ptb.text);
    manifest.warnings.splice(at, 1, later, note, newer);
    manifest.warning_kinds.splice(at, 1, "ptb_no_customer", "other", "fx_drift");
    await Deno.writeTextFile(written.manifestPath, JSON.stringify(manifest));
    // today's list: the later words give way to the warning worked out from the rows, in their
    // place; the note and the unknown kind's warning kept after it
    const after = today.indexOf(ptb.text) + 1;
    assertEquals(await describeWarnings(dir), [
      ...today.slice(0, after),
      note,
      newer,
      ...today.slice(after),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("describe_dataset: a 7-day export's window warning is stored with kind window and listed once, in whatever words it was stored", async () => {
  const dir = await Deno.makeTempDir({ prefix: "warning_kinds_window_" });
  try {
    const written = await demoExport(dir, { windowDays: 7 });
    const manifest: Required<StoredWarnings> = await readJson(written.manifestPath);
    const window = windowWarning(7)!;
    ok(manifest.warnings.includes(window), manifest.warnings.join("\n"));
    ok(kinded(manifest).some((w) => w.kind === "window" && w.text === window));
    const today = await describeWarnings(dir);
    assertEquals(today.filter((w) => w === window).length, 1, today.join("\n"));
    // stored in other words, kind window: that one stands, today's words are not added to it
    const reworded = "window is 7 days (an earlier kit's words)";
    manifest.warnings[manifest.warnings.indexOf(window)] = reworded;
    await Deno.writeTextFile(written.manifestPath, JSON.stringify(manifest));
    assertEquals(await describeWarnings(dir), today.map((w) => w === window ? reworded : w));
    // a manifest written before kinds: the window's warning is known by its words only
    delete (manifest as StoredWarnings).warning_kinds;
    await Deno.writeTextFile(written.manifestPath, JSON.stringify(manifest));
    ok((await describeWarnings(dir)).includes(window));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
