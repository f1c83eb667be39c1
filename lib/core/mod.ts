/** What lib/core/ offers. */
export {
  type ClickHouseSettings,
  clickHouseSettings,
  type Env,
  loadEnv,
  parseDotEnv,
  type PostgresSettings,
  postgresSettings,
  type SourceSettings,
  sourceSettings,
  UserError,
} from "./config.ts";
export { redactUrl } from "./connection_url.ts";
export { DEFAULT_OUT_DIR, exportOptions, STRIPE_MODES } from "./export_options.ts";
export { openFileLimitLine } from "./process_limits.ts";
export { seededRandom } from "./random.ts";
export { type DemoReason, demoReasonText } from "./demo_reason.ts";
export {
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  type ExportWindow,
  type PricingData,
  type QueryStat,
  type StripeMode,
} from "./types.ts";
export {
  DEFAULT_WINDOW_DAYS,
  isCalendarDate,
  MAX_WINDOW_DAYS,
  parseAsOf,
  parseIsoDate,
  parseWindowDays,
  type Window,
  windowOf,
} from "./window.ts";
export { compareText } from "./text_order.ts";
export { listInWords, type ListInWordsOptions, someInWords } from "./words.ts";
export { isWorkerEntry } from "./worker_entry.ts";
