/**
 * mrr_history's tests' history (mcp_mrr_history_process_test.ts, mcp_mrr_history_progress_test.ts):
 * two live month ends written by hand, the export served as-of the second; a build held on a FIFO
 * (mrrHistoryHoldForTests) for as long as a test needs:
 *
 *   customer  as-of 2026-02-01   as-of 2026-03-01
 *   cus_a     $100               $120    expansion 20
 *   cus_b     $50                $0      churn 50 (a free row, canceled)
 *   cus_c     —                  $40     new 40
 *
 * By hand: month 2026-02 start 150, new 40, expansion 20, churn 50, end 160 = 150 + 40 + 20 − 50.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { join } from "node:path";
import { exportFrameFromColumns } from "../lib/formats/read_export.ts";
import { writeCsvFile } from "../lib/formats/csv.ts";
import { writeSnapshot } from "../lib/history/snapshot.ts";
import { DatasetStore } from "../lib/mcp/dataset.ts";
import { mcpSettings } from "../lib/mcp/settings.ts";
import { mrrHistoryHoldForTests } from "../lib/mcp/history_process.ts";
import { connectInMemory, text, type ToolResult, type Values } from "./mcp_client.ts";
import { waitFor } from "./slow_queries.ts";

function month(customers: [id: string, mrr: number][]) {
  return exportFrameFromColumns({
    org_id: customers.map((c) => `org_${c[0]}`),
    org_name: customers.map((c) => c[0]),
    tier: customers.map((c) => c[1] > 0 ? "pro" : "free"),
    plan: customers.map((c) => c[1] > 0 ? "pro" : "free"),
    stripe_customer_id: customers.map((c) => c[0]),
    revenue_source: customers.map(() => "stripe"),
    currency: customers.map((c) => c[1] > 0 ? "USD" : null),
    mrr_recurring: customers.map((c) => c[1]),
    mrr: customers.map((c) => c[1]),
    subscription_status: customers.map((c) => c[1] > 0 ? "active" : "canceled"),
    requests_30d: customers.map(() => 100),
  });
}

const FEB = month([["cus_a", 100], ["cus_b", 50]]);
const MAR = month([["cus_a", 120], ["cus_b", 0], ["cus_c", 40]]);

/** The two month ends in `dir`/history and the March export in `dir`. */
export async function fill(dir: string) {
  for (const [asOf, frame] of [["2026-02-01", FEB], ["2026-03-01", MAR]] as const) {
    await writeSnapshot(frame, {
      dir: join(dir, "history"),
      asOf: new Date(`${asOf}T00:00:00Z`),
      demo: false,
      origin: "export",
    });
  }
  await writeCsvFile(MAR, join(dir, "helicone_pricing_data_2026-03-01.csv"));
}

/** A temporary folder filled (fill) with a FIFO `hold` in it, to hold a build on. */
export async function filledWithFifo(): Promise<{ dir: string; fifo: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mcp_mrr_history_process_" });
  const fifo = join(dir, "hold");
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  ok(made.success, new TextDecoder().decode(made.stderr));
  await fill(dir);
  return { dir, fifo };
}

/**
 * The filled folder (filledWithFifo) served to an in-memory client, each mrr_history build held at
 * the FIFO until `release`: `holding` returns once a build's process has opened the FIFO to read
 * (the build is under way), with the writing end that holds it.
 */
export async function heldInMemory() {
  const { dir, fifo } = await filledWithFifo();
  const { client, close } = await connectInMemory(
    new DatasetStore(mcpSettings({ PRICING_MCP_EXPORTS_DIR: dir })),
  );
  mrrHistoryHoldForTests.fifo = fifo;
  let writer: Deno.FsFile | undefined;
  const release = () => {
    writer?.close();
    writer = undefined;
  };
  return {
    client,
    async holding(): Promise<Deno.FsFile> {
      writer = await Deno.open(fifo, { write: true });
      return writer;
    },
    release,
    async close() {
      mrrHistoryHoldForTests.fifo = null;
      release();
      await close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Resolves once the build's process holding at `writer`'s FIFO is gone (its reading end shut). */
export async function processGone(writer: Deno.FsFile, what: string) {
  await waitFor(what, async () => {
    try {
      await writer.write(new Uint8Array([0]));
      return false;
    } catch {
      return true;
    }
  }, 60_000);
}

const MOVES = [
  "month",
  "start_mrr_usd",
  "new_usd",
  "expansion_usd",
  "churn_usd",
  "end_mrr_usd",
];

/** The answer's company row, its movements as by hand (header). */
export function assertBridge(result: ToolResult) {
  assertEquals(result.isError, undefined, text(result));
  const [company] = result.structuredContent!.company as Values[];
  assertEquals(MOVES.map((k) => company[k]), ["2026-02", 150, 40, 20, 50, 160]);
}

/** A build's progress notes as heard: first that it started in its own process, then its seconds. */
/** how often a build's notes come in the progress tests (bridgeProgress.everyMs) */
export const PROGRESS_EVERY_MS = 100;

/**
 * The client's timeout in the progress tests, reset by each note: 100 notes' worth, so a call held
 * past it is answered because the notes reset it, however slow the machine's turns; only this
 * process standing still for 10 s (stopped, swapped out) would pass it between two notes. (At 2 s,
 * 20 notes, a loaded machine's stall of the test process timed the call out.)
 */
export const PROGRESS_TIMEOUT_MS = 100 * PROGRESS_EVERY_MS;

/** a build is held until its notes have come for this long: past the client's timeout */
export const PROGRESS_HELD_MS = PROGRESS_TIMEOUT_MS + 5 * PROGRESS_EVERY_MS;

export function assertBuildNotes(heard: { message?: string }[]) {
  ok(
    heard[0].message?.startsWith("building the MRR bridge in a process of its own"),
    heard[0].message,
  );
  ok(
    heard.slice(1).every((note) =>
      /^building the MRR bridge: \d+ s so far$/.test(note.message ?? "")
    ),
    JSON.stringify(heard),
  );
}
