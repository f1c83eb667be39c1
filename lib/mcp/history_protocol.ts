/** What the server and mrr_history's process (history_child.ts) say to each other. */
import type { ProcessLimits } from "./process_limits.ts";
import type { Row } from "./text.ts";

/**
 * The bridge to build: the history folder, the served kind and as-of (ISO instant), and the
 * build's limits (kept by the process too: guardSelf).
 */
export interface BridgeRequest extends ProcessLimits {
  dir: string;
  demo: boolean;
  asOf: string;
  /** also the MRR cohorts (mrr_history's `cohorts`) */
  cohorts?: boolean;
}

/** The bridge as mrr_history answers it: the report's Markdown and its rows. */
export interface Bridge {
  section: string;
  currencySection: string | null;
  company: Row[];
  byCurrency: Row[] | null;
  /** the history_retention sheet's rows (lib/history/retention.ts) */
  retention: Row[];
  /** each plan's bridge over the retention period (history_plans.ts) and its section */
  byPlan: Row[];
  planSection: string | null;
  /** the cohorts CSV's rows and the report's section (lib/history/cohorts.ts), when asked for */
  cohorts: Row[] | null;
  cohortSection: string | null;
}

/**
 * The bridge (null: fewer than two months) and a warning per snapshot it left out for being dated
 * after now (futureSnapshotWarnings), as an export and `history report` warn of them.
 */
export interface BuiltBridge {
  bridge: Bridge | null;
  warnings: string[];
}

/** The process's one answer line: the bridge built, or why it failed. */
export type BridgeAnswer =
  | ({ ok: true } & BuiltBridge)
  | { ok: false; message: string; user: boolean };

/** tests only: the process reads this FIFO to its end before it builds (mrrHistoryHoldForTests) */
export const HOLD_ARG = "--hold=";
