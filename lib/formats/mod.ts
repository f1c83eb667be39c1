/** What lib/formats/ offers. */
export {
  assertExportColumns,
  columnValues,
  exportColumns,
  finiteOrNull,
  type FrameColumn,
  frameColumns,
  neutraliseText,
} from "./cells.ts";
export {
  csvChunks,
  formatNumber,
  frameCsvChunks,
  type ReportFilesOptions,
  writeChunksFile,
  writeCsvFile,
  writeReportFiles,
} from "./csv.ts";
export { CsvFilesWriter, type CsvWithSubset, writeCsvWithSubset } from "./csv_files.ts";
export { parseCsv, parseCsvRecords } from "./csv_parse.ts";
export { type ExportFiles, type ExportFilesOptions, writeExportFiles } from "./export_files.ts";
export { isoDate, tempPathFor, writeFileAtomic } from "./files.ts";
export {
  dateStamp,
  exportFileName,
  type ExportFileNameOptions,
  type ExportNameInfo,
  exportNameInfo,
  stampedFileName,
} from "./export_names.ts";
export {
  escapeMarkdown,
  markdownCell,
  markdownCode,
  markdownList,
  markdownTable,
  plainLine,
  type TrustedMarkdown,
  trustedMarkdown,
} from "./markdown.ts";
export {
  checkExportHeader,
  type ExportFile,
  type ExportFileFormat,
  exportFrameFromColumns,
  exportFrameFromCsvText,
  exportFrameFromXlsxFile,
  exportSeries,
  readExportFile,
} from "./read_export.ts";
export { makeStagingDir, publishStaged, removeDeadStaging, STAGING_PREFIX } from "./staging.ts";
export {
  DATA_SHEET,
  type Sheet,
  sheetName,
  writeXlsx,
  writeXlsxExcelJs,
  writeXlsxFile,
  writeXlsxFileTo,
  writeXlsxTo,
  type XlsxOptions,
} from "./xlsx.ts";
export { sheetRowsXml } from "./xlsx_stream.ts";
export { writeWithStreamedSheet } from "./xlsx_archive.ts";
export { readZipEntries, ZipWriter } from "./zip.ts";
