/** What lib/report/ offers. */
export {
  type BriefData,
  type BriefFile,
  briefFileName,
  type BriefInput,
  briefMarkdown,
  DEFAULT_TRIM_ABOVE_BYTES,
  DISTRIBUTION_COLUMNS,
  quantile,
  SUGGESTED_QUESTIONS,
  TRIM_VARIABLE,
  trimAboveBytesFromEnv,
  trimmedExportFrame,
  trimmedFileName,
  trimmedKeep,
  trimmedKeepMask,
  trimmedPlan,
  trimmedRowCount,
} from "./brief.ts";
export { type WriteBriefOptions, writeExportBrief, type WrittenBrief } from "./brief_file.ts";
export { CHART_COLUMNS } from "./chart_columns.ts";
export {
  type ChartJob,
  type ChartWorker,
  type RenderedCharts,
  startChartWorker,
  writeChartsOffThread,
} from "./chart_worker.ts";
export { ChartThread } from "./chart_thread.ts";
export { MAX_DRAWN_POINTS } from "./chart_aggregates.ts";
export { barChart, type BarChartOptions } from "./bar_chart.ts";
export {
  type Chart,
  costAndMrrByTierChart,
  marginByTierChart,
  marginVsMrrChart,
  pricingCharts,
  requestsVsCostChart,
  svgToPng,
  textWidth,
  usageByTierChart,
  usdLabel,
  usdTick,
  writeCharts,
} from "./charts.ts";
export { dictionaryMarkdown, withColumnsSection } from "./dictionary.ts";
export {
  chartDisplay,
  type Displayable,
  filesDisplay,
  frameHtml,
  frameToHtml,
  markdown,
  type MimeBundle,
  mimeBundle,
  readingDisplay,
  show,
  svgDisplay,
} from "./display.ts";
export { escapeHtml, formatValue } from "./html_text.ts";
export { buildManifest, type Manifest, type ManifestFile, writeManifest } from "./manifest.ts";
export { formatBytes, formatChangePct, formatCount, formatUsd } from "./numbers.ts";
export {
  DEFAULT_SEGMENT_THRESHOLDS,
  SEGMENT_NAMES,
  type SegmentDef,
  segmentDef,
  segmentFileName,
  segmentFrame,
  segmentFrames,
  type SegmentResult,
  SEGMENTS,
  segmentSheets,
  type SegmentThresholds,
  segmentThresholdsFromEnv,
  thresholdVariable,
  writeSegmentFiles,
} from "./segments.ts";
