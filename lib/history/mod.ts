/**
 * History: every export kept as a Parquet snapshot, the MRR bridge (company and per plan) with
 * trends over the snapshots, backfills (demo, or databases + Stripe invoices), and the report.
 * `deno task history import|backfill|report` is lib/cli/history.ts.
 */
export { type SnapshotMeta, writeSnapshot } from "./snapshot.ts";
export {
  listSnapshots,
  readSnapshotFrame,
  readSnapshotMeta,
  readWholeSnapshot,
  type SnapshotInfo,
} from "./stored_snapshots.ts";
export { historyDir } from "./history_dir.ts";
export { companyBridge, customerMovements, historyLong, type HistoryPoint } from "./bridge.ts";
export { planBridge, planChanges } from "./plan_bridge.ts";
export { type BridgeCheck, checkBridges } from "./bridge_check.ts";
export {
  buildHistoryReport,
  type HistoryReport,
  loadHistoryPoints,
  loadHistoryReport,
  loadMonthlyHistoryPoints,
  monthlyPoints,
} from "./report.ts";
export { historySection } from "./report_markdown.ts";
export { writeHistoryReport } from "./report_files.ts";
export { bridgeOfSources } from "./aggregate.ts";
export { type HistorySource } from "./history_source.ts";
export { backfill, type BackfillResult, monthEndAsOfs } from "./backfill.ts";
export { invoiceRevenue, reconcile, reconciliationLine } from "./invoice_revenue.ts";
export { exportHistory, HISTORY_SHEET_ABOUT } from "./export_history.ts";
