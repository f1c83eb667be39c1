/** What lib/server/ offers. */
export { type AuthOutcome, BearerAuth } from "./auth.ts";
export { SharedChunks, SharedRender, Slots } from "./downloads.ts";
export { CONTENT_TYPES, downloadName } from "./responses.ts";
export {
  createHandler,
  DEFAULT_MAX_XLSX_RENDERS,
  EXPORT_PATH,
  type Handler,
  type HandlerHooks,
  type HandlerSettings,
  type LoadPricingData,
  PAGE_PATH,
  PROGRESS_PATH,
  REPORT_PATH,
  SUMMARY_PATH,
} from "./handler.ts";
export { main } from "./main.ts";
export { pageCsp, pageHtml, type PageOptions } from "./page.ts";
export {
  parseProgressId,
  PROGRESS_HEADER,
  progressBody,
  progressHooks,
  progressName,
  RUN_STAGES,
} from "./progress.ts";
export {
  type ExportParams,
  loggableQuery,
  MAX_DAYS,
  ParamError,
  parseAsOfParam,
  parseExportParams,
} from "./params.ts";
export {
  BusyError,
  type CacheStatus,
  DEGRADED_RUN_TTL_MS,
  type GetOptions,
  type LoadData,
  RunCache,
  type RunCacheOptions,
  type RunProgress,
  type RunRequest,
  type RunResult,
} from "./runs.ts";
export {
  checkRunSettings,
  HELP,
  isLoopback,
  MIN_TOKEN_LENGTH,
  parseServerArgs,
  type ServerArgs,
  type ServerSettings,
  serverSettings,
} from "./settings.ts";
export { type BodyEnd, type CsvWriter, guardedBody, oneLine, type XlsxWriter } from "./stream.ts";
export { type PricingSummary, pricingSummary } from "./summary.ts";
export { reportHtml } from "./summary_html.ts";
