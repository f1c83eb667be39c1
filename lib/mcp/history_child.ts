/**
 * mrr_history's process (started by history_process.ts, which says why): builds the MRR bridge
 * of the request in its argument as `deno task history report` does (exportHistory: the sidecar
 * sums and `.bridge-state/` cached beside the snapshots) and writes one answer line to stdout.
 * Its stdin is its lifeline: its end (the server gone, or the call cancelled) ends the process; it
 * keeps its limits itself too (guardSelf), from its start.
 */
// the history's snapshot sums add the same bits every run, as in the server (it has this too)
import "../core/polars_sums.ts";
import pl from "nodejs-polars";
import { UserError } from "../core/config.ts";
import { exportHistory } from "../history/export_history.ts";
import { futureSnapshotWarnings } from "../history/points.ts";
import { frameRows } from "./text.ts";
import { planPeriodMarkdown, planPeriodRows } from "./history_plans.ts";
import { guardSelf } from "./process_limits.ts";
import { type BridgeAnswer, type BridgeRequest, HOLD_ARG } from "./history_protocol.ts";
import { ALL_PLANS } from "../history/plan_label.ts";

/** The company bridge rows (plan `(all)`) of the report's history table, without its plan. */
function companyRows(frame: pl.DataFrame) {
  return frameRows(frame.filter(pl.col("plan").eq(pl.lit(ALL_PLANS))).drop("plan"));
}

/** Each plan's bridge over the retention period, and its section (history_plans.ts). */
function byPlanOf(sheet: pl.DataFrame, retention: pl.DataFrame) {
  const rows = planPeriodRows(
    frameRows(sheet.filter(pl.col("plan").neq(pl.lit(ALL_PLANS)))),
    frameRows(retention),
  );
  return { byPlan: rows, planSection: planPeriodMarkdown(rows) };
}

async function answer(request: BridgeRequest): Promise<BridgeAnswer> {
  try {
    // one dated after now is left out, as any after the as-of (loadMonthlyHistoryPoints), but said
    const warnings = await futureSnapshotWarnings(request.dir, {
      demo: request.demo,
      now: new Date(),
      leftOutOf: "the MRR history",
    });
    const history = await exportHistory(request.dir, {
      demo: request.demo,
      asOf: new Date(request.asOf),
      workbook: false,
      cohorts: request.cohorts,
    });
    if (history === null) return { ok: true, bridge: null, warnings };
    return {
      ok: true,
      // a month's earlier snapshots are not read (one per month, docs/history.md), and not warned
      // of: a daily export's folder holds ~35 of them on every call; `history report` names them
      warnings,
      bridge: {
        section: history.section,
        currencySection: history.currencySection ?? null,
        company: companyRows(history.sheet.frame),
        byCurrency: history.currencySheet ? frameRows(history.currencySheet.frame) : null,
        retention: frameRows(history.retentionSheet.frame),
        ...byPlanOf(history.sheet.frame, history.retentionSheet.frame),
        cohorts: history.cohorts ? frameRows(history.cohorts.table) : null,
        cohortSection: history.cohorts ? history.cohorts.lines.join("\n").trimEnd() : null,
      },
    };
  } catch (error) {
    return {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      user: error instanceof UserError,
    };
  }
}

async function main(): Promise<never> {
  // stdout carries the answer only: anything printed on the way goes to stderr
  console.log = console.error;
  (async () => {
    for await (const _ of Deno.stdin.readable) { /* nothing is sent: only its end matters */ }
    Deno.exit(1);
  })();
  const request: BridgeRequest = JSON.parse(Deno.args[0]);
  guardSelf(request); // (the process ends with its answer: nothing to clear)
  // tests only: a build held until the test lets it go (mrrHistoryHoldForTests)
  const hold = Deno.args.find((arg) => arg.startsWith(HOLD_ARG));
  if (hold) await Deno.readFile(hold.slice(HOLD_ARG.length));
  const bytes = new TextEncoder().encode(
    JSON.stringify(await answer(request)) + "\n",
  );
  for (let written = 0; written < bytes.length;) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
  Deno.exit(0);
}

if (import.meta.main) await main();
