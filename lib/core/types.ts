/**
 * The types the pipeline's stages share. They live here, below every stage, so that the export
 * (lib/export.ts), the brief and the manifest can all name `PricingData` without importing each other.
 */
import type pl from "nodejs-polars";
import type { Env } from "./config.ts";
// Type-only, from a leaf module with type imports only: the revenue stage's result shape.
import type { RevenueResult } from "../revenue/types.ts";
// Type-only, plain data: what the economics columns were computed with (lib/economics/types.ts).
import type { EconomicsContext } from "../economics/types.ts";
import type { DemoReason } from "./demo_reason.ts";
import type { ChosenBy } from "./chosen_by.ts";
import type { WarningKinds } from "./warning_kinds.ts";

/** The export window: `[start, end)`, the same instants on both engines. */
export interface ExportWindow {
  start: Date;
  end: Date;
  days: number;
}

export interface QueryStat {
  name: string;
  file: string;
  sha256: string;
  rows: number;
  durationMs: number;
  /** ClickHouse only: the settings sent with the query, and the profile readonly level asked */
  settingsSent?: Record<string, string | number>;
  profileReadonly?: string | null;
  /** rows with a negative cost, per nano-USD column (only when there are some) */
  negativeValues?: Record<string, number>;
  /** rows with NaN or ±inf (read as unknown), per number column (only when there are some) */
  nonFiniteValues?: Record<string, number>;
}

export type ExportFormat = "csv" | "xlsx";
export type StripeMode = "auto" | "skip" | "refresh" | "require" | "refresh-require";

/** An export's own files kept for a delivery step after its publish (lib/delivery/kept_files.ts). */
export interface DeliveryFiles {
  /** the folder to remove once delivered (a hidden staging folder: retention spares a live one) */
  dir: string;
  briefPath: string;
  trimmedPath?: string;
  csvPath?: string;
  xlsxPath?: string;
}

export interface ExportOptions {
  /** where files go; default the repository's outputs/ */
  outDir: string;
  /**
   * how the user chose outDir (--out-dir, a notebook's outDir, PRICING_MCP_EXPORTS_DIR), for the
   * fix a folder that cannot be written names; default ANOTHER_OUTPUT_FOLDER (names none)
   */
  outDirChosenBy?: ChosenBy;
  formats: ExportFormat[];
  /** window length in days: [asOf - windowDays, asOf) */
  windowDays: number;
  /** pinned once per run and used for both databases */
  asOf: Date;
  /** undefined → demo data when no database is configured */
  demo?: boolean;
  stripe: StripeMode;
  /** draw the charts: their SVG and PNG files, and the XLSX summary sheet's images */
  charts: boolean;
  /** with charts, also write their files (default true; false: the summary sheet's images only) */
  chartFiles?: boolean;
  /** also write one CSV (and XLSX sheet) per segment of lib/report/segments.ts */
  segments: boolean;
  quiet: boolean;
  verbose: boolean;
  /** settings (environment merged over .env); loaded when not given */
  env?: Env;
  /** progress and warnings go here (stderr by default) */
  log?: (line: string) => void;
  /** called once per stage with what it produced (the notebooks show each stage in its cell) */
  onStage?: (event: StageEvent) => void;
  /** revenue from elsewhere instead of the revenue stage (history backfills: Stripe invoices) */
  revenueFor?: (customerIds: string[]) => RevenueResult;
  /** also write a Parquet snapshot into the history folder (default true) */
  history?: boolean;
  /** the history folder; default PRICING_HISTORY_DIR, else <outDir>/history */
  historyDir?: string;
  /**
   * when the export runs (default: now): a live export stores its history snapshot only within
   * 24 h of its as-of (lib/history/keep.ts); the benchmark runs its fixed as-of as if then
   */
  ranAt?: Date;
  /** called as each timed stage starts and ends (the benchmark reads peak memory per stage) */
  onStageTime?: (name: string, phase: "start" | "end") => void;
  /**
   * once aborted, the export stops before its next stage or its publish, throwing the signal's
   * reason with nothing new written (during the queries at once: they are stopped on their
   * servers, the Stripe fetch ended); a publish already under way completes
   */
  signal?: AbortSignal;
  /**
   * keep this run's brief and data files for a delivery step after the publish (the email):
   * ExportResult.delivery, hard links in a private folder of outDir the caller removes, so a later
   * run publishing the same set into the folder cannot swap other bytes under this run's mail
   */
  keepForDelivery?: boolean;
}

/** What one stage of the pipeline produced, in pipeline order. */
export type StageEvent =
  | { stage: "queries"; frames: Record<string, pl.DataFrame>; stats: QueryStat[] }
  | { stage: "join"; frame: pl.DataFrame; warnings: string[] }
  | { stage: "revenue"; frame: pl.DataFrame; revenue: RevenueResult; warnings: string[] }
  | { stage: "metrics"; frame: pl.DataFrame }
  | { stage: "files"; files: string[]; manifestPath: string };

export interface PricingData {
  /** one row per organization, columns = COLUMN_NAMES in order */
  frame: pl.DataFrame;
  asOf: Date;
  windowDays: number;
  window: ExportWindow;
  demo: boolean;
  /** why `demo` (null for live data) */
  demoReason: DemoReason | null;
  queries: QueryStat[];
  revenue: RevenueResult;
  warnings: string[];
  /**
   * the kind of each of `warnings` that is not `other` (by its text), which the manifest and the
   * history sidecar store with it (lib/core/warning_kinds.ts)
   */
  warningKinds: WarningKinds;
  /** milliseconds spent in each stage */
  stages: Record<string, number>;
  /** the cost model and price book behind the economics columns (lib/economics/) */
  economics: EconomicsContext;
}

export interface ExportResult {
  data: PricingData;
  /** every file written except the manifest */
  files: string[];
  manifestPath: string;
  /** the Markdown brief for an AI assistant, and the trimmed CSV when the full one is large */
  briefPath: string;
  trimmedPath?: string;
  /** the organizations the trimmed CSV holds (the email says so) */
  trimmedRows?: number;
  csvPath?: string;
  /** the workbook, when the formats include xlsx */
  xlsxPath?: string;
  /**
   * each published file's size (the manifest's too) as this run wrote it, by its path: read
   * before the publish (after it, a later run of the same set may have replaced the files)
   */
  bytes: Record<string, number>;
  /** with `keepForDelivery`: this run's own files for delivery, and the folder to remove after */
  delivery?: DeliveryFiles;
}
